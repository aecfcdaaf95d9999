"""WebRTC test set-up: make loopback an ICE candidate, in this test process only.

aioice (aiortc's ICE agent) gathers host candidates from ``aioice.ice.get_host_addresses``,
which skips 127.0.0.1, and it has no public option to include it. A same-host test therefore
has no shared candidate on a machine whose only interface is loopback (CI containers often
are). We swap that one module-level function for the duration of a test, so aiortc peers in
this process (our client and the in-process server) gather 127.0.0.1 too. The server code is
untouched: a real deployment gathers its real interfaces as usual. The alternative, a network
namespace pair (``ip netns`` + veth), needs CAP_NET_ADMIN and a server outside the test's
process, which the shared session server fixture is not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import aioice.ice
import pytest


def _with_loopback(original: Callable[..., list[str]], only: bool) -> Callable[..., list[str]]:
    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        found = [] if only else original(use_ipv4=use_ipv4, use_ipv6=use_ipv6)
        return ["127.0.0.1", *found] if use_ipv4 else found

    return get_host_addresses


@pytest.fixture
def loopback_ice_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """aiortc peers gather 127.0.0.1 only: both ends of the call meet on loopback."""
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", _with_loopback(aioice.ice.get_host_addresses, True)
    )
    yield


@pytest.fixture
def loopback_ice_too(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """aiortc peers gather 127.0.0.1 besides their usual addresses (for a browser peer, which
    gathers the machine's own interfaces)."""
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", _with_loopback(aioice.ice.get_host_addresses, False)
    )
    yield


def http_base(ws_url: str) -> str:
    """``http://host:port`` of the server behind a ``ws://host:port/ws/call`` URL."""
    return ws_url.replace("ws://", "http://", 1).rsplit("/ws/", 1)[0]

"""Failed-authentication rate limit per client address (README "Access control").

Every credential a peer gets wrong (an unknown or revoked API key, a forged or expired token, a
wrong FreeSWITCH secret or Twilio signature) counts against the address it came from. An address
may fail ``free_failures`` times; each failure after that locks it out for
``lockout_base_s * 2**(n-1)`` seconds (capped at ``lockout_max_s``), so guessing slows down and
then stops. A locked-out address gets 429 with ``Retry-After`` (a WebSocket handshake the same, or
close 1008 where the server cannot send an HTTP refusal) for every request, before any route runs:
no key lookup, no token check, no body read. An address with no failure for ``forget_s`` starts
afresh. Valid credentials never count.

The table is bounded (``max_addresses``, least recently failing dropped first) and per process:
each worker of a deployment counts on its own, so N workers allow N times the budget.
IPv6 addresses count per /64 (one host usually holds a whole /64).

:class:`FailureLimit` is the ASGI middleware; code that refuses a credential calls
:func:`note_failure`, which charges the address of the request being served (a no-op outside
one, e.g. in the CLI).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from agent.settings import FailureLimitSettings

log = logging.getLogger(__name__)

Scope = dict[str, Any]


def parse_peer(host: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A peer's IP address (an IPv4-mapped IPv6 one as IPv4); None when it is not one."""
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass
class _Entry:
    failures: int
    last_failure: float
    locked_until: float


class FailureLimiter:
    """The per-address failure table of one process (used from the event loop only)."""

    def __init__(
        self, settings: FailureLimitSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._table: OrderedDict[str, _Entry] = OrderedDict()
        self._exempt = [ipaddress.ip_network(n, strict=False) for n in settings.exempt]

    def __len__(self) -> int:
        return len(self._table)

    def address_key(self, host: str | None) -> str | None:
        """The table key of a client address; None for an exempt or unparsable one."""
        address = parse_peer(host)
        if address is None or any(address in network for network in self._exempt):
            return None
        if isinstance(address, ipaddress.IPv6Address):
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)

    def retry_after(self, key: str | None) -> float | None:
        """Seconds left of ``key``'s lockout, or None when it may try."""
        entry = self._table.get(key) if key else None
        if entry is None:
            return None
        left = entry.locked_until - self._clock()
        return left if left > 0 else None

    def failed(self, key: str | None) -> None:
        """Count one failure of ``key`` (None: exempt, nothing to count)."""
        if key is None:
            return
        s, now = self.settings, self._clock()
        entry = self._table.pop(key, None)
        if entry is None or now - entry.last_failure > s.forget_s:
            entry = _Entry(0, now, 0.0)
        entry.failures += 1
        entry.last_failure = now
        excess = entry.failures - s.free_failures
        if excess > 0:
            # 2**excess overflows a float long before the cap matters: cap the exponent first.
            lockout = min(s.lockout_max_s, s.lockout_base_s * 2.0 ** min(excess - 1, 60))
            entry.locked_until = max(entry.locked_until, now + lockout)
            if excess == 1:
                log.warning("auth failures: %s locked out after %d", key, entry.failures)
        self._table[key] = entry  # most recent last
        while len(self._table) > s.max_addresses:
            self._table.popitem(last=False)


#: The limiter and address key of the request being served (set by :class:`FailureLimit`).
_current: ContextVar[tuple[FailureLimiter, str | None] | None] = ContextVar(
    "screenline_auth_peer", default=None
)


def note_failure() -> None:
    """Charge one failed authentication to the address of the request being served."""
    current = _current.get()
    if current is not None:
        limiter, key = current
        limiter.failed(key)


class FailureLimit:
    """ASGI middleware: refuses locked-out addresses before the app sees them, and lets the
    app charge failures to the request's address (:func:`note_failure`)."""

    def __init__(self, app: Any, limiter: FailureLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = self.limiter.address_key(client[0] if client else None)
        wait = self.limiter.retry_after(key)
        if wait is not None:
            await _refuse(scope, receive, send, math.ceil(wait))
            return
        token = _current.set((self.limiter, key))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


async def _refuse(scope: Scope, receive: Any, send: Any, retry_after: int) -> None:
    detail = f"too many failed authentications from this address; retry in {retry_after} s"
    log.warning("%s: refused (429): %s", scope.get("path"), detail)
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
    ]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    message = await receive()  # websocket.connect (or a disconnect: nothing to answer)
    if message.get("type") != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": 429, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})

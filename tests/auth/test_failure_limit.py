"""The failed-authentication limit: the table's arithmetic on a fake clock, then a real server on
127.0.0.1 locking out an address that keeps sending bad keys and tokens (429 with Retry-After,
WebSocket handshakes too, no key lookup while locked), with valid keys never counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import websockets

from agent.auth.limiter import FailureLimiter
from agent.settings import AuthSettings, FailureLimitSettings
from tests.auth.conftest import auth_server

FORGED_KEY = "slk_0123456789ab_" + "A" * 43


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _limiter(**kwargs: Any) -> tuple[FailureLimiter, Clock]:
    clock = Clock()
    return FailureLimiter(FailureLimitSettings(**kwargs), clock), clock


def test_free_failures_then_doubling_lockouts_up_to_the_cap() -> None:
    limiter, clock = _limiter(free_failures=3, lockout_base_s=2, lockout_max_s=10)
    key = limiter.address_key("203.0.113.7")
    for _ in range(3):
        limiter.failed(key)
        assert limiter.retry_after(key) is None  # within the free failures: untouched
    lockouts = []
    for _ in range(5):
        limiter.failed(key)
        wait = limiter.retry_after(key)
        assert wait is not None
        lockouts.append(wait)
        clock.now += wait  # the client waits out its lockout, then fails again
        assert limiter.retry_after(key) is None
    assert lockouts == [2, 4, 8, 10, 10]
    assert limiter.retry_after(limiter.address_key("203.0.113.8")) is None  # others unaffected


def test_a_quiet_address_starts_afresh() -> None:
    limiter, clock = _limiter(free_failures=2, forget_s=60)
    key = limiter.address_key("198.51.100.1")
    limiter.failed(key)
    limiter.failed(key)
    clock.now += 61
    limiter.failed(key)
    assert limiter.retry_after(key) is None  # the count began again: one failure
    limiter.failed(key)
    limiter.failed(key)
    assert limiter.retry_after(key) is not None


def test_the_table_is_bounded_and_ipv6_counts_per_64() -> None:
    limiter, _ = _limiter(free_failures=1, max_addresses=100)
    for n in range(20_000):
        limiter.failed(limiter.address_key(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"))
    assert len(limiter) == 100  # many addresses: memory stays bounded
    assert limiter.address_key("2001:db8::1") == limiter.address_key("2001:db8::ffff:1")
    assert limiter.address_key("2001:db8::1") != limiter.address_key("2001:db8:0:1::1")
    assert limiter.address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert limiter.address_key("not an address") is None


def test_exempt_networks_are_never_counted() -> None:
    limiter, _ = _limiter(free_failures=1, exempt=["192.0.2.0/24"])
    key = limiter.address_key("192.0.2.9")
    assert key is None
    for _ in range(10):
        limiter.failed(key)
    assert limiter.retry_after(key) is None and len(limiter) == 0


def _count_lookups(app: Any) -> list[str]:
    """Record every key the server's key store is asked to authenticate."""
    store = app.state.access.keys
    seen: list[str] = []
    original = store.authenticate

    def authenticate(text: str) -> Any:
        seen.append(text)
        return original(text)

    store.authenticate = authenticate
    return seen


async def _ws_refusal(url: str) -> tuple[int, dict[str, str]]:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(url, open_timeout=30):
            pass
    response = refused.value.response
    return response.status_code, {k.lower(): v for k, v in response.headers.raw_items()}


@pytest.mark.asyncio(loop_scope="session")
async def test_bad_credentials_lock_the_address_out(tmp_path: Path) -> None:
    limit = FailureLimitSettings(free_failures=4, lockout_base_s=120)
    async with auth_server(tmp_path, auth=AuthSettings(failure_limit=limit)) as server:
        lookups = _count_lookups(server.app)
        async with server.client("recruiter") as good, server.client() as anon:
            # Valid keys never count, however many.
            for _ in range(30):
                assert (await good.get("/api/reports/nope")).status_code == 404
            # Missing credentials cost nothing and do not count either.
            for _ in range(10):
                assert (await anon.get("/api/reports/nope")).status_code == 401
            # Wrong credentials of every kind do: a forged key, a forged invitation, a forged
            # call token on /ws/call, a malformed key.
            forged = {"Authorization": f"Bearer {FORGED_KEY}"}
            assert (await anon.get("/api/reports/nope", headers=forged)).status_code == 401
            invite = {"X-Screenline-Invite": "v1.e30.AAAA"}
            assert (await anon.get("/api/webrtc/config", headers=invite)).status_code == 401
            status, _ = await _ws_refusal(f"{server.ws}/ws/call?token=v1.e30.AAAA")
            assert status == 401
            garbage = {"Authorization": "Bearer garbage"}
            assert (await anon.get("/api/reports/nope", headers=garbage)).status_code == 401
            assert (await good.get("/api/reports/nope")).status_code == 404  # not locked yet
            # The fifth failure locks 127.0.0.1 out: everything is refused, valid keys too,
            # before any key is looked up.
            assert (await anon.get("/api/reports/nope", headers=forged)).status_code == 401
            looked_up = len(lookups)
            refused = await good.get("/api/reports/nope")
            assert refused.status_code == 429, refused.text
            assert 100 <= int(refused.headers["retry-after"]) <= 120
            assert "too many failed authentications" in refused.json()["detail"]
            big = await good.post("/api/jobs", content=b"x" * 10_000_000)
            assert big.status_code == 429  # refused before its body is read
            status, headers = await _ws_refusal(f"{server.ws}/ws/call?token={server.keys['qa']}")
            assert status == 429 and int(headers["retry-after"]) > 0
            assert len(lookups) == looked_up


@pytest.mark.asyncio(loop_scope="session")
async def test_valid_credentials_alone_never_lock_out(tmp_path: Path) -> None:
    limit = FailureLimitSettings(free_failures=1, lockout_base_s=120)
    async with auth_server(tmp_path, auth=AuthSettings(failure_limit=limit)) as server:
        async with server.client("admin") as admin:
            for _ in range(100):
                assert (await admin.get("/api/keys")).status_code == 200
        async with server.client("qa") as qa:  # a valid key without the role is no failure
            for _ in range(10):
                assert (await qa.get("/api/keys")).status_code == 403
            assert (await qa.post("/api/call-tokens")).status_code == 201

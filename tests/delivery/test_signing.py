"""Webhook signatures (the receiver's side as the docs describe it) and retry timing."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from agent.delivery.backoff import RetryPolicy, parse_retry_after
from agent.delivery.signing import (
    EVENT_ID_HEADER,
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    parse_header,
    signature_header,
    signed_headers,
    verify,
)

SECRET = "whsec_test_0123456789"
BODY = b'{"id":"evt1","type":"interview.completed","data":{"score":3.5}}'
T = 1_764_590_000


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    headers = signed_headers(SECRET, "evt1", "interview.completed", BODY, T)
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"t={T},v1={expected}"
    assert headers[EVENT_ID_HEADER] == headers[IDEMPOTENCY_HEADER] == "evt1"
    assert verify(SECRET, BODY, headers[SIGNATURE_HEADER], now=T + 10) == T


@pytest.mark.parametrize("skew", [-301, 301, 10_000])
def test_a_request_outside_the_replay_window_is_refused(skew: int) -> None:
    header = signature_header(SECRET, T, BODY)
    with pytest.raises(SignatureError, match="replay window"):
        verify(SECRET, BODY, header, now=T + skew)
    assert verify(SECRET, BODY, header, now=T + skew, tolerance_s=20_000) == T


def test_a_changed_body_timestamp_or_secret_is_refused() -> None:
    header = signature_header(SECRET, T, BODY)
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, BODY + b" ", header, now=T)
    with pytest.raises(SignatureError, match="does not match"):
        verify("another secret", BODY, header, now=T)
    # Moving the timestamp into the window does not help: it is part of the signed text.
    forged = header.replace(f"t={T}", f"t={T + 3600}")
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, BODY, forged, now=T + 3600)


def test_rotation_sends_one_signature_per_secret_and_either_verifies() -> None:
    header = signature_header(["old secret", "new secret"], T, BODY)
    assert len(parse_header(header).signatures) == 2
    assert verify("old secret", BODY, header, now=T) == T
    assert verify("new secret", BODY, header, now=T) == T
    with pytest.raises(SignatureError):
        verify("third", BODY, header, now=T)


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "t=abc,v1=" + "0" * 64, f"t={T}", "v1=" + "0" * 64,
     f"t={T},v1=xyz", f"t={T},v1=" + "G" * 64, "t=" + "9" * 40 + ",v1=" + "0" * 64,
     f"t={T}," + ",".join(["v1=" + "0" * 64] * 40)],
)  # fmt: skip
def test_malformed_headers_are_refused_without_a_crash(header: str | None) -> None:
    with pytest.raises(SignatureError):
        verify(SECRET, BODY, header, now=T)


def test_unknown_schemes_are_ignored() -> None:
    header = signature_header(SECRET, T, BODY) + ",v2=whatever"
    assert verify(SECRET, BODY, header, now=T) == T


def test_backoff_is_exponential_capped_with_full_jitter() -> None:
    policy = RetryPolicy(base_s=2.0, cap_s=60.0, max_attempts=5)
    assert [policy.bound(n) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    # Full jitter: the draw is uniform over [0, bound]; the extremes are reachable.
    assert policy.delay(3, draw=lambda low, high: high) == 8
    assert policy.delay(3, draw=lambda low, high: low) == 0
    delays = [policy.delay(4) for _ in range(200)]
    assert all(0 <= d <= 16 for d in delays) and len(set(delays)) > 100
    # Retry-After is a floor, but capped.
    assert policy.delay(1, retry_after_s=30, draw=lambda low, high: low) == 30
    assert policy.delay(1, retry_after_s=10**9, draw=lambda low, high: low) == 60
    assert policy.bound(10_000) == 60  # no overflow
    assert not policy.exhausted(4) and policy.exhausted(5)


def test_retry_after_parses_seconds_and_dates() -> None:
    assert parse_retry_after("120", now=0) == 120
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=40) == 60
    assert parse_retry_after("soon", now=0) is None
    assert parse_retry_after(None, now=0) is None

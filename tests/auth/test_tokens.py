"""Signed tokens: valid ones verify, forged / expired / other-purpose / malformed ones do not."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.auth.tokens import MAX_TOKEN_CHARS, Purpose, TokenError, sign, verify

SECRET = b"s" * 32
NOW = 1_800_000_000.0


def test_round_trip_carries_claims_and_purpose() -> None:
    token = sign(SECRET, Purpose.INVITE, {"cand": "c-1", "script": "x"}, ttl_s=60, now=NOW)
    claims = verify(SECRET, token, Purpose.INVITE, now=NOW + 59)
    assert claims["cand"] == "c-1" and claims["script"] == "x" and claims["p"] == "invite"
    assert claims["exp"] == int(NOW + 60)


def test_expired_token_is_refused() -> None:
    token = sign(SECRET, Purpose.CALL, {}, ttl_s=60, now=NOW)
    with pytest.raises(TokenError, match="expired"):
        verify(SECRET, token, Purpose.CALL, now=NOW + 60)


def test_other_secret_and_other_purpose_are_refused() -> None:
    token = sign(SECRET, Purpose.CALL, {}, ttl_s=60, now=NOW)
    with pytest.raises(TokenError, match="signature"):
        verify(b"t" * 32, token, Purpose.CALL, now=NOW)
    with pytest.raises(TokenError, match="not a invite"):
        verify(SECRET, token, Purpose.INVITE, now=NOW)


def test_edited_claims_break_the_signature() -> None:
    token = sign(SECRET, Purpose.INVITE, {"cand": "c-1", "script": "x"}, ttl_s=60, now=NOW)
    version, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cand"] = "c-2"  # someone else's interview, same signature
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError, match="signature"):
        verify(SECRET, f"{version}.{forged}.{signature}", Purpose.INVITE, now=NOW)
    claims["exp"] = int(NOW + 10**9)  # or a later expiry
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(TokenError):
        verify(SECRET, f"{version}.{forged}.{signature}", Purpose.INVITE, now=NOW)


@pytest.mark.parametrize(
    "token", ["", "v1", "v1.a", "v2.a.b", "v1.a.b.c", "v1.!!.??", "x" * (MAX_TOKEN_CHARS + 1)]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(TokenError):
        verify(SECRET, token, Purpose.CALL, now=NOW)


def test_reserved_claims_cannot_be_passed() -> None:
    with pytest.raises(ValueError):
        sign(SECRET, Purpose.CALL, {"exp": 1}, ttl_s=60, now=NOW)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_verifies(text: str) -> None:
    with pytest.raises(TokenError):
        verify(SECRET, text, Purpose.CALL, now=NOW)

"""Signed, expiring tokens: ``v1.<claims>.<signature>``, both parts base64url without padding.

The claims are a JSON object with ``p`` (the purpose: a token minted for one job is refused by
every other) and ``exp`` (Unix seconds), plus the purpose's own fields (candidate id, script
id, ...). The signature is HMAC-SHA256 over ``v1.<claims>`` with the server secret, compared in
constant time. Pure functions: the clock is a parameter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any

VERSION = "v1"
#: Longest token accepted; anything longer is refused before it is decoded.
MAX_TOKEN_CHARS = 4096


class Purpose(StrEnum):
    """What a token lets its bearer do."""

    CALL = "call"  # open one /ws/call session
    INVITE = "invite"  # the candidate page and its WebRTC offer, for one candidate and script
    TWILIO_STREAM = "twilio-stream"  # the media stream our TwiML points Twilio at
    MONITOR = "monitor"  # open the QA monitor's sockets (/ws/monitor...) as one key
    RECORDING = "recording"  # fetch one call's recording (an <audio> element cannot send a key)


class TokenError(ValueError):
    """A token that is malformed, forged, expired or minted for something else."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, message: str) -> bytes:
    return hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest()


def sign(
    secret: bytes, purpose: Purpose, claims: dict[str, Any], *, ttl_s: float, now: float
) -> str:
    """A token for ``purpose`` carrying ``claims``, valid for ``ttl_s`` seconds from ``now``."""
    if "p" in claims or "exp" in claims:
        raise ValueError("claims 'p' and 'exp' are the token's own")
    body = {"p": str(purpose), "exp": int(now + ttl_s), **claims}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_b64(_mac(secret, signed))}"


def verify(secret: bytes, token: str, purpose: Purpose, *, now: float) -> dict[str, Any]:
    """The claims of a valid ``purpose`` token; raises :class:`TokenError` otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenError("missing or oversized token")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise TokenError("malformed token")
    try:
        signature = _unb64(parts[2])
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed token") from exc
    # Signature first: nothing of a forged token is parsed.
    if not hmac.compare_digest(signature, _mac(secret, f"{parts[0]}.{parts[1]}")):
        raise TokenError("bad token signature")
    try:
        claims = json.loads(_unb64(parts[1]))
    except (binascii.Error, ValueError) as exc:
        raise TokenError("malformed token") from exc
    if not isinstance(claims, dict) or claims.get("p") != str(purpose):
        raise TokenError(f"not a {purpose} token")
    expiry = claims.get("exp")
    if not isinstance(expiry, int) or now >= expiry:
        raise TokenError("token expired")
    return claims

"""Webhook signatures, sans-I/O: the sender's headers and the receiver's check.

The signature is HMAC-SHA256 over ``f"{timestamp}.{body}"`` with the endpoint's secret, sent as

    Screenline-Signature: t=1764590000,v1=5257a869e7ec...(64 hex digits)
    Screenline-Event-Id: evt_...
    Idempotency-Key: evt_...

Signing the timestamp with the body lets a receiver refuse a replayed request (one older than
its window, default 5 minutes) without keeping state; the event id (also the idempotency key)
lets it drop a redelivery it already processed, since delivery is at least once. Several ``v1``
values may appear while a secret is being rotated; any one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

SIGNATURE_HEADER = "Screenline-Signature"
EVENT_ID_HEADER = "Screenline-Event-Id"
EVENT_TYPE_HEADER = "Screenline-Event-Type"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TOLERANCE_S = 300.0
#: A header longer than this is refused before any parsing (a few signatures fit easily).
MAX_HEADER_CHARS = 1024


class SignatureError(ValueError):
    """A request whose signature header is missing, malformed, stale or wrong."""


def _secret_bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret


def signature(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(_secret_bytes(secret), message, hashlib.sha256).hexdigest()


def signature_header(
    secrets: str | bytes | Sequence[str | bytes], timestamp: int, body: bytes
) -> str:
    """``t=<unix>,v1=<hex>[,v1=<hex>...]``: one ``v1`` per secret (rotation sends two)."""
    keys = [secrets] if isinstance(secrets, str | bytes) else list(secrets)
    parts = [f"t={int(timestamp)}"] + [f"v1={signature(key, timestamp, body)}" for key in keys]
    return ",".join(parts)


def signed_headers(
    secret: str | bytes, event_id: str, event_type: str, body: bytes, timestamp: int
) -> dict[str, str]:
    """Every header a delivery carries besides ``Content-Type``."""
    return {
        SIGNATURE_HEADER: signature_header(secret, timestamp, body),
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        IDEMPOTENCY_HEADER: event_id,
    }


@dataclass(frozen=True)
class ParsedSignature:
    """The parts of a ``Screenline-Signature`` header."""

    timestamp: int
    signatures: tuple[str, ...]


def parse_header(header: str | None) -> ParsedSignature:
    """Split a signature header; raises :class:`SignatureError` when it is not one."""
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    if len(header) > MAX_HEADER_CHARS:
        raise SignatureError("signature header too long")
    timestamp: int | None = None
    found: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                raise SignatureError("malformed signature timestamp")
            timestamp = int(value)
        elif key == "v1":
            if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
                raise SignatureError("malformed v1 signature")
            found.append(value)
        # Other schemes (a future v2) are ignored, so receivers keep working as we add them.
    if timestamp is None or not found:
        raise SignatureError("signature header needs t= and at least one v1=")
    return ParsedSignature(timestamp, tuple(found))


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """The receiver's check: the header's timestamp is within ``tolerance_s`` of ``now`` and
    one ``v1`` is the HMAC of this exact body. Returns the signed timestamp; raises
    :class:`SignatureError` otherwise (compare in constant time, never parse the body first)."""
    parsed = parse_header(header)
    if abs(now - parsed.timestamp) > tolerance_s:
        raise SignatureError("signature timestamp outside the replay window")
    expected = signature(secret, parsed.timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in parsed.signatures):
        raise SignatureError("signature does not match")
    return parsed.timestamp

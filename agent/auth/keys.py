"""API keys: ``slk_<key id>_<secret>``, shown once, stored as a salted hash.

The key id (12 hex digits) is public: it names the key in ``keys list`` and finds its row. The
secret is 32 random bytes, so a fast salted HMAC-SHA256 is enough (no password stretching is
needed for a value nobody can guess); the digest is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "slk_"
_KEY = re.compile(r"^slk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class Role(StrEnum):
    """Who a key belongs to; README.md "Access control" lists what each may do."""

    ADMIN = "admin"
    RECRUITER = "recruiter"
    QA = "qa"


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: ``secret_text`` goes to its owner, the rest to the store."""

    key_id: str
    secret_text: str  # the whole key as its owner sends it
    salt: bytes
    digest: bytes


def digest(salt: bytes, secret: str) -> bytes:
    """The stored form of a key's secret part."""
    return hmac.new(salt, secret.encode("ascii"), hashlib.sha256).digest()


def new_key() -> NewKey:
    """A random key and its stored form."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    return NewKey(key_id, f"{PREFIX}{key_id}_{secret}", salt, digest(salt, secret))


def split_key(text: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    match = _KEY.match(text)
    return (match.group(1), match.group(2)) if match else None


def matches(salt: bytes, stored: bytes, secret: str) -> bool:
    """Whether ``secret`` is the one whose digest was stored (constant time)."""
    return hmac.compare_digest(digest(salt, secret), stored)

"""Validation helpers shared by the JSON-over-WebSocket codecs (Twilio, FreeSWITCH).

Everything here turns bad input into :class:`~telephony.errors.ProtocolError`; nothing else may
escape, so the codecs can promise "hostile input raises ProtocolError and nothing else".
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from telephony.errors import ProtocolError

JsonObject = dict[str, Any]

#: Deepest nesting any peer's JSON may have: real frames nest 3 levels, and a nesting bomb
#: must be refused before the parser recurses on it.
MAX_JSON_DEPTH = 16
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def check_size(data: str | bytes, max_bytes: int, what: str) -> None:
    """Reject a message larger than ``max_bytes`` (UTF-8 bytes for text)."""
    # len(str) <= its UTF-8 length, so a cheap first check avoids encoding huge strings.
    size = len(data)
    if size <= max_bytes and isinstance(data, str):
        size = len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ProtocolError(f"{what} too large: {size} bytes exceeds limit {max_bytes}")


def json_depth(text: str) -> int:
    """Deepest bracket nesting of JSON ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_bounded(
    data: str | bytes, max_bytes: int, what: str, *, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """``json.loads`` for peer input: size and nesting depth checked before parsing."""
    check_size(data, max_bytes, what)
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except ValueError as exc:
        raise ProtocolError(f"{what} is not valid JSON: {exc}") from None
    if json_depth(text) > max_depth:
        raise ProtocolError(f"{what} nests deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and UnicodeDecodeError.
        raise ProtocolError(f"{what} is not valid JSON: {exc}") from None


def load_object(data: str | bytes, max_bytes: int, what: str) -> JsonObject:
    """Parse one JSON text frame that must hold an object, enforcing size and depth limits."""
    value = loads_bounded(data, max_bytes, what)
    if not isinstance(value, dict):
        raise ProtocolError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def get_object(obj: JsonObject, key: str, where: str) -> JsonObject:
    """``obj[key]``, which must be a JSON object."""
    value = obj.get(key)
    if not isinstance(value, dict):
        raise ProtocolError(f"{where}: missing or non-object field {key!r}")
    return value


def get_str(obj: JsonObject, key: str, where: str, *, allow_empty: bool = False) -> str:
    """``obj[key]``, which must be a string (non-empty unless ``allow_empty``)."""
    value = obj.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise ProtocolError(f"{where}: missing or non-string field {key!r}")
    return value


def get_int(obj: JsonObject, key: str, where: str, *, default: int | None = None) -> int:
    """``obj[key]`` as a non-negative int; providers send numbers as JSON ints or digit strings."""
    value = obj.get(key)
    if value is None and default is not None:
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        number = int(value)
    else:
        raise ProtocolError(f"{where}: field {key!r} must be a non-negative integer")
    if number < 0:
        raise ProtocolError(f"{where}: field {key!r} must be a non-negative integer")
    return number


def decode_base64(text: str, where: str) -> bytes:
    """Strict standard base64 (no stray characters, correct padding)."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError(f"{where}: invalid base64 payload ({exc})") from None


def encode_base64(data: bytes) -> str:
    """Standard base64 as ASCII text."""
    return base64.b64encode(data).decode("ascii")


def dump(obj: JsonObject) -> str:
    """Compact JSON for outbound frames."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)

"""Bounds on what a peer may send, checked before it costs CPU or memory (DESIGN.md decision 10).

Pure functions: every transport and REST route passes its peer's values through here, so one
rule holds everywhere. A violation raises :class:`InputError`, which carries the WebSocket close
code and the HTTP status that report it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.settings import LimitSettings

#: Script ids name a file inside a configured script directory: a plain word, never a path.
SCRIPT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: Names of call variables (``candidate_name`` ...).
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


class InputError(ValueError):
    """A peer's value breaks a limit; ``close_code`` / ``status`` say how to refuse it."""

    def __init__(self, message: str, *, close_code: int = 1008, status: int = 422) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.status = status


def check_script_id(value: Any) -> str:
    """``value`` as a script id (``[A-Za-z0-9][A-Za-z0-9_-]{0,63}``); InputError otherwise."""
    if not isinstance(value, str) or SCRIPT_ID.fullmatch(value) is None:
        shown = value[:40] + "..." if isinstance(value, str) and len(value) > 40 else value
        raise InputError(
            f"invalid script_id {shown!r}: letters, digits, '_' and '-' only, at most 64"
        )
    return value


def check_variables(variables: Any, limits: LimitSettings) -> dict[str, str]:
    """A call's variables, bounded in count, name and length (each may be spoken aloud)."""
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        raise InputError("variables must be an object of strings")
    if len(variables) > limits.max_variables:
        raise InputError(f"at most {limits.max_variables} variables")
    checked: dict[str, str] = {}
    for name, value in variables.items():
        if not isinstance(name, str) or VARIABLE_NAME.fullmatch(name) is None:
            raise InputError(f"invalid variable name {str(name)[:40]!r}")
        if not isinstance(value, str):
            raise InputError(f"variable {name!r} must be a string")
        if len(value) > limits.max_variable_chars:
            raise InputError(
                f"variable {name!r} is {len(value)} characters; "
                f"the limit is {limits.max_variable_chars}"
            )
        checked[name] = value
    return checked


def mask_phone(value: str | None) -> str:
    """A phone number for logs: country code and last two digits only (``+44******90``)."""
    if not value:
        return "-"
    digits = [c for c in value if c.isdigit()]
    if len(digits) < 4:
        return "*" * len(value)
    head = "+" + digits[0] if value.lstrip().startswith("+") else digits[0]
    return head + "*" * (len(digits) - 3) + "".join(digits[-2:])


def mask_name(value: str | None) -> str:
    """A name or candidate id for logs: its first character and length only (``A…(9)``)."""
    if not value:
        return "-"
    return f"{value[0]}…({len(value)})"

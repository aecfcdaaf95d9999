"""The C allocator under a long-running server (glibc): how many arenas, and giving freed
memory back.

A call allocates tens of MB while it runs (decodes, turn audio, features, scoring) and frees
them when it ends; glibc keeps much of that in its heaps, so a server's resident size creeps up
over hours of calls even with nothing leaking (issue 11's soak). Other C libraries (musl,
macOS) have their own allocator: there these do nothing and return False.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache
from typing import Any

#: mallopt's parameter number for the arena limit (glibc malloc.h).
_M_ARENA_MAX = -8


@cache
def _libc(name: str) -> Callable[..., Any] | None:
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c")), name)
    except (OSError, AttributeError, TypeError):
        return None


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas (``settings.malloc_arenas``); True when the cap was applied.

    Set before the models load and their threads start: arenas made later obey it."""
    mallopt = _libc("mallopt") if arenas > 0 else None  # 0: glibc's own default
    return bool(mallopt(_M_ARENA_MAX, arenas)) if mallopt is not None else False


def trim_malloc() -> bool:
    """Give the free memory at the top and in the middle of glibc's heaps back to the system
    (``malloc_trim(0)``; blocking, a few ms: run it off the event loop). True when some was."""
    trim = _libc("malloc_trim")
    return bool(trim(0)) if trim is not None else False

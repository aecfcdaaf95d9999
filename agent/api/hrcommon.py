"""What the HR routers share: the database of the app, running a blocking HR operation off the
event loop with its errors mapped to clear HTTP answers, and the id pattern of path params."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request

from agent.calls.run import Runtime
from agent.hr.repo import BadCursor, Conflict, NotFound
from agent.store.db import Database

T = TypeVar("T")

#: Ids in paths: our own hex ids, HR job ids (letters, digits, ``_ . : -``).
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


def runtime_of(request: Request) -> Runtime:
    """The runtime of the app serving ``request``."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def db_of(request: Request) -> Database:
    """The product database of the app serving ``request``."""
    return runtime_of(request).db


async def run_blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` in a thread; NotFound -> 404, Conflict -> 409, ValueError
    (bad cursor, bad tier, ...) -> 422."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except (BadCursor, ValueError) as exc:
        raise HTTPException(422, str(exc)) from exc

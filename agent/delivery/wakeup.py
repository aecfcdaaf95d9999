"""In-process wake-up of delivery workers when an outbox event commits.

:func:`agent.store.outbox.enqueue` writes the event inside the caller's transaction; a worker
woken before the commit would not see it yet. So a session that inserted into ``outbox`` is
marked, and its ``after_commit`` wakes every worker of this process (thread-safe: sessions run
in worker threads). Other processes' events are found by the worker's short poll.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

_MARK = "screenline_outbox_written"
_lock = threading.Lock()
_wakers: set[Callable[[], None]] = set()
_installed = False


def register(waker: Callable[[], None]) -> None:
    """Call ``waker`` (from any thread) whenever an outbox event commits in this process."""
    install()
    with _lock:
        _wakers.add(waker)


def unregister(waker: Callable[[], None]) -> None:
    """Stop calling ``waker``."""
    with _lock:
        _wakers.discard(waker)


def wake_all() -> None:
    """Wake every registered worker now."""
    with _lock:
        wakers = list(_wakers)
    for waker in wakers:
        waker()


def _touches_outbox(statement: Any) -> bool:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) == "outbox"


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert and _touches_outbox(state.statement):
        state.session.info[_MARK] = True


def _on_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if any(getattr(obj, "__tablename__", None) == "outbox" for obj in session.new):
        session.info[_MARK] = True


def _on_commit(session: Session) -> None:
    if session.info.pop(_MARK, False):
        wake_all()


def _on_rollback(session: Session) -> None:
    session.info.pop(_MARK, None)


def install() -> None:
    """Hook the session events once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "before_flush", _on_flush)
        event.listen(Session, "after_commit", _on_commit)
        event.listen(Session, "after_rollback", _on_rollback)
        _installed = True

"""Audit entries of monitor actions (who, when, which call): every monitor action calls one
:class:`Auditor`. It logs to ``screenline.audit`` and writes an ``audit_log`` row (no personal
data: the actor's key id, the action, the call id) on its own thread, so a QA action never waits
for the database and the call never notices."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agent.store.db import Database

log = logging.getLogger("screenline.audit")


class Auditor:
    """Writes monitor audit entries to the product database (``None``: the log only)."""

    def __init__(self, db: Database | None) -> None:
        self._db = db
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")

    def __call__(
        self, actor: str, action: str, call_id: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Record that ``actor`` (a key id) did ``action`` to call ``call_id`` now."""
        detail = detail or {}
        log.info("%s %s call=%s %s", actor, action, call_id, detail)
        if self._db is not None:
            self._pool.submit(self._write, actor, action, call_id, detail)

    def _write(self, actor: str, action: str, call_id: str, detail: dict[str, Any]) -> None:
        from agent.hr.repo import audit

        assert self._db is not None
        try:
            with self._db.session() as session:
                audit(session, actor, action, "call", call_id, **detail)
        except Exception:  # an audit store outage is logged; the QA action stands
            log.exception("audit entry not stored: %s %s %s", actor, action, call_id)

    def flush(self) -> None:
        """Wait for the entries queued so far (tests, shutdown)."""
        self._pool.submit(lambda: None).result()

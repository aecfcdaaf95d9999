"""Audit entries of monitor actions (who, when, which call): the one function every monitor
action calls. It logs to ``screenline.audit`` and hands the entry to the sink installed with
:func:`set_sink` (the server installs the database's ``audit_log`` writer when it exists)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("screenline.audit")

#: (actor, action, subject_type, subject_id, detail) -> None; must not block for long.
Sink = Callable[[str, str, str, str, dict[str, Any]], None]
_sink: Sink | None = None


def set_sink(sink: Sink | None) -> None:
    """Where audit entries go besides the log (None: the log only)."""
    global _sink
    _sink = sink


def audit(actor: str, action: str, call_id: str, detail: dict[str, Any] | None = None) -> None:
    """Record that ``actor`` (a key id) did ``action`` to call ``call_id`` now."""
    detail = detail or {}
    log.info("%s %s call=%s at=%.3f %s", actor, action, call_id, time.time(), detail)
    if _sink is not None:
        try:
            _sink(actor, action, "call", call_id, detail)
        except Exception:  # an audit store outage is logged, the QA action stands
            log.exception("audit sink failed for %s %s", action, call_id)

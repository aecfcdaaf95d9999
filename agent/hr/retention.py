"""Data retention: with ``hr.retention_days`` set, the server purges older calls, turns,
reports, their files and stale candidates every ``hr.retention_interval_s``
(:func:`agent.hr.repo.purge`); ``screenline purge`` runs the same purge by hand."""

from __future__ import annotations

import asyncio
import logging

from agent.hr.repo import purge
from agent.settings import Settings
from agent.store.db import Database

log = logging.getLogger(__name__)


async def retention_loop(db: Database, settings: Settings) -> None:
    """Purge now and then every interval, while the server runs (nothing when retention is
    off). A failed purge is logged and tried again next interval."""
    days = settings.hr.retention_days
    if days is None:
        return
    while True:
        try:
            erased = await asyncio.to_thread(purge, db, settings, days)
            if erased.calls or erased.candidates:
                log.info("retention: purged %s", erased)
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(settings.hr.retention_interval_s)

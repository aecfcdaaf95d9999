"""Carrier call state that a callback may need on any worker: per-call progress of outbound
(and carrier-reported) calls, and the AudioSocket calls a PBX was told to expect.

Call progress: each entry is a small dict (``event``: ``created`` | ``status`` | ``amd`` |
``voicemail`` …, ``status``/``answered_by`` as the carrier said, ``at`` UTC). The journal under
``data_dir/calls.jsonl`` is append-only, one JSON object per line, so a crash loses nothing
already recorded and any log shipper can tail it.

Scale-out: with ``redis_url`` set, both live in Redis as well (keys ``<prefix>carrier:<sid>``, a
list of entries, and ``<prefix>audiosocket:<uuid>``, each expiring after
``carrier_state_ttl_s``), so a Twilio status callback or an ``/api/calls/{sid}`` read that a load
balancer sends to another worker than the one that placed the call sees the same history, and
an AudioSocket call registered on one worker is routed by whichever worker Asterisk reaches.
A Redis failure is logged and the worker falls back to what it recorded itself.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from agent.reports.report import utc_now
from agent.settings import Settings

log = logging.getLogger(__name__)

#: Entries kept per call in Redis (a carrier sends a handful; a runaway peer cannot grow it).
MAX_SHARED_ENTRIES = 200
#: A peer's id as part of a Redis key, at most this long.
MAX_KEY_CHARS = 100
#: Redis round trips on the call path give up after this long (then: local state only).
REDIS_TIMEOUT_S = 2.0

Expected = tuple[str, str | None]  # (candidate id, script id)


class CallLog:
    """Status history per call SID (this process's own entries)."""

    def __init__(self, journal: Path | None) -> None:
        self.journal = journal
        self._calls: dict[str, list[dict[str, Any]]] = {}
        # Appends come from the event loop and from worker threads (to_thread); keep lines whole.
        self._lock = threading.Lock()

    def record(self, sid: str, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry for ``sid`` (in memory and to the journal) and return it."""
        entry = {"event": event, **{k: v for k, v in fields.items() if v is not None}}
        entry["at"] = utc_now()
        with self._lock:
            self._calls.setdefault(sid, []).append(entry)
            if self.journal is not None:
                self.journal.parent.mkdir(parents=True, exist_ok=True)
                line = json.dumps({"sid": sid, **entry}, ensure_ascii=False) + "\n"
                # 0600: the entries hold phone numbers (a file made before this keeps its mode
                # until fixed by hand; the open below never widens it).
                fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as out:
                    out.write(line)
        return entry

    def history(self, sid: str) -> list[dict[str, Any]] | None:
        """The entries recorded for ``sid`` in order, or None for an unknown call."""
        with self._lock:
            entries = self._calls.get(sid)
            return list(entries) if entries is not None else None

    def latest_status(self, sid: str) -> str | None:
        """The most recent carrier call status of ``sid``."""
        for entry in reversed(self.history(sid) or []):
            if "status" in entry:
                return str(entry["status"])
        return None


class Expectations:
    """AudioSocket calls announced before they arrive: UUID -> (candidate, script), taken once."""

    def __init__(self) -> None:
        self._expected: dict[str, Expected] = {}
        self._lock = threading.Lock()

    def put(self, key: str, expected: Expected) -> None:
        """Announce the call ``key`` (blocking with Redis: call it off the event loop)."""
        with self._lock:
            self._expected[key] = expected

    def pop(self, key: str) -> Expected | None:
        """The announcement of ``key``, removed; None when there is none."""
        with self._lock:
            return self._expected.pop(key, None)


def _redis(url: str) -> Any:
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
    )


class SharedCallLog(CallLog):
    """:class:`CallLog` whose entries every worker of a deployment sees, through Redis."""

    def __init__(self, journal: Path | None, url: str, prefix: str, ttl_s: float) -> None:
        super().__init__(journal)
        self._redis = _redis(url)
        self._prefix = f"{prefix}carrier:"
        self._ttl_s = max(1, round(ttl_s))

    def _key(self, sid: str) -> str:
        return self._prefix + sid[:MAX_KEY_CHARS]

    def record(self, sid: str, event: str, **fields: Any) -> dict[str, Any]:
        """Append locally, then to the shared list (a Redis failure is logged, not raised)."""
        import redis

        entry = super().record(sid, event, **fields)
        key = self._key(sid)
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.rpush(key, json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(key, -MAX_SHARED_ENTRIES, -1)
            pipe.expire(key, self._ttl_s)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("call log: %s not shared (%s: %s)", event, type(exc).__name__, exc)
        return entry

    def history(self, sid: str) -> list[dict[str, Any]] | None:
        """Every worker's entries for ``sid`` (this worker's own when Redis is away)."""
        import redis

        try:
            raw = self._redis.lrange(self._key(sid), 0, -1)
        except redis.RedisError as exc:
            log.warning("call log: shared history unavailable (%s: %s)", type(exc).__name__, exc)
            return super().history(sid)
        if not raw:
            return super().history(sid)
        return [json.loads(item) for item in raw]


class SharedExpectations(Expectations):
    """:class:`Expectations` in Redis: registered on one worker, taken by whichever Asterisk
    reaches (``GETDEL``: exactly one worker gets each)."""

    def __init__(self, url: str, prefix: str, ttl_s: float) -> None:
        super().__init__()
        self._redis = _redis(url)
        self._prefix = f"{prefix}audiosocket:"
        self._ttl_s = max(1, round(ttl_s))

    def put(self, key: str, expected: Expected) -> None:
        """Announce in Redis (raises :class:`redis.RedisError`: the caller answers 503)."""
        value = json.dumps(list(expected))
        self._redis.set(self._prefix + key[:MAX_KEY_CHARS], value, ex=self._ttl_s)

    def pop(self, key: str) -> Expected | None:
        """Take the announcement from Redis (None when absent or Redis is away)."""
        import redis

        try:
            raw = self._redis.getdel(self._prefix + key[:MAX_KEY_CHARS])
        except redis.RedisError as exc:
            log.warning("audiosocket: expectation unavailable (%s: %s)", type(exc).__name__, exc)
            return None
        if raw is None:
            return None
        candidate, script_id = json.loads(raw)
        return str(candidate), (str(script_id) if script_id is not None else None)


def carrier_state(settings: Settings) -> tuple[CallLog, Expectations]:
    """The call log and AudioSocket expectations of a server: shared through Redis when
    ``redis_url`` is set (several workers), in this process otherwise."""
    journal = settings.data_dir / "calls.jsonl"
    if settings.redis_url:
        prefix, ttl_s = settings.monitor.redis_prefix, settings.carrier_state_ttl_s
        return (
            SharedCallLog(journal, settings.redis_url, prefix, ttl_s),
            SharedExpectations(settings.redis_url, prefix, ttl_s),
        )
    return CallLog(journal), Expectations()

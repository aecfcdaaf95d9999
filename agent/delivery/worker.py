"""The outbox worker: every outbox event reaches every sink that wants it, at least once.

All state is in the database, so a restart (or another worker over the same database) picks up
where the last one stopped:

1. **Fan-out.** Events without an ``outbox_dispatch`` row get one, plus a ``deliveries`` row
   per sink that wants them, in one transaction.
2. **Claim.** Due pending deliveries are leased (``next_attempt_at`` pushed ``lease_s`` ahead,
   ``lease_owner`` set) in one short transaction; on PostgreSQL the rows are picked with
   ``FOR UPDATE SKIP LOCKED`` so concurrent workers never claim the same row. On SQLite run one
   worker per database. A worker that dies holding a lease loses it when the lease runs out.
3. **Deliver** outside any transaction, ``concurrency`` at a time.
4. **Record** the attempt (``delivery_attempts``) and the new state: ``delivered``, a retry at
   exponential backoff with full jitter, or ``dead`` after ``max_attempts`` failures.

A crash between 3 and 4 delivers the event again after the lease: receivers deduplicate on the
event id (``Idempotency-Key``). New events wake the worker at once (:mod:`.wakeup`); a short
poll covers other processes and due retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update

from agent.delivery import wakeup
from agent.delivery.backoff import RetryPolicy
from agent.delivery.sinks import Event, Outcome, Sink, WebhookSink, utc
from agent.settings import DeliverySettings, Settings
from agent.store.db import Database
from agent.store.tables import Delivery, DeliveryAttempt, OutboxDispatch, OutboxEvent

log = logging.getLogger(__name__)

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


def _now(clock: Callable[[], float]) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


@dataclass(frozen=True)
class Claimed:
    """A leased delivery with its event."""

    delivery_id: str
    sink: str
    attempt: int
    event: Event


class DeliveryWorker:
    """Fans out, claims, delivers and records; :meth:`run` loops until :meth:`stop`."""

    def __init__(
        self,
        db: Database,
        sinks: Sequence[Sink],
        settings: DeliverySettings,
        *,
        clock: Callable[[], float] = time.time,
        client: httpx.AsyncClient | None = None,
        worker_id: str | None = None,
    ) -> None:
        names = [sink.name for sink in sinks]
        if len(set(names)) != len(names):
            raise ValueError(f"sink names must be unique: {names}")
        self.db = db
        self.sinks = {sink.name: sink for sink in sinks}
        self.settings = settings
        self.policy = RetryPolicy(
            settings.backoff_base_s, settings.backoff_cap_s, settings.max_attempts
        )
        self.worker_id = worker_id or secrets.token_hex(8)
        self._clock = clock
        self._client = client
        self._own_client = client is None
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._postgres = db.engine.dialect.name == "postgresql"

    # --- the loop -------------------------------------------------------------------------

    def wake(self) -> None:
        """Make the loop look for work now (thread-safe)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        """Deliver until :meth:`stop`; errors (a database blip) are logged and retried."""
        self._loop = asyncio.get_running_loop()
        wakeup.register(self.wake)
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    done = await self.run_once()
                except Exception:
                    log.exception("delivery worker %s: pass failed; retrying", self.worker_id)
                    done = 0
                if done >= self.settings.batch or self._stopping:
                    continue  # more may be waiting
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), await self._idle_s())
        finally:
            wakeup.unregister(self.wake)
            await self.aclose()

    async def _idle_s(self) -> float:
        """How long to sleep: until the earliest due retry, at most ``poll_s``."""
        try:
            due = await asyncio.to_thread(self.next_due)
        except Exception:  # the database is away: the next pass logs it
            return self.settings.poll_s
        if due is None:
            return self.settings.poll_s
        wait = (utc(due) - _now(self._clock)).total_seconds()
        return min(max(wait, 0.01), self.settings.poll_s)

    def stop(self) -> None:
        """Ask :meth:`run` to return after the current pass."""
        self._stopping = True
        self.wake()

    async def aclose(self) -> None:
        """Close the HTTP client this worker made."""
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # trust_env=False: no proxy from the environment; redirects are not followed.
            self._client = httpx.AsyncClient(
                timeout=self.settings.timeout_s,
                follow_redirects=False,
                trust_env=False,
                limits=httpx.Limits(max_connections=self.settings.concurrency),
            )
        return self._client

    async def run_once(self) -> int:
        """One pass: fan out new events, then claim and deliver one batch. Returns how many
        deliveries were attempted."""
        await asyncio.to_thread(self.fan_out)
        claimed = await asyncio.to_thread(self.claim)
        if not claimed:
            return 0
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(item: Claimed) -> None:
            async with gate:
                await self._deliver(item)

        await asyncio.gather(*(one(item) for item in claimed))
        return len(claimed)

    async def _deliver(self, item: Claimed) -> None:
        sink = self.sinks.get(item.sink)
        started = time.monotonic()
        if sink is None:  # configuration changed since fan-out
            outcome = Outcome(False, error=f"sink {item.sink} is not configured", permanent=True)
        else:
            try:
                outcome = await sink.deliver(self._http(), item.event, item.attempt)
            except Exception as exc:  # a sink bug must not stop the others
                log.exception("sink %s failed on event %s", item.sink, item.event.event_id)
                outcome = Outcome(False, error=f"{type(exc).__name__}: {exc}"[:500])
        elapsed_ms = int((time.monotonic() - started) * 1000)
        await asyncio.to_thread(self.record, item, outcome, elapsed_ms)

    # --- database steps (run in a thread) ------------------------------------------------

    def fan_out(self) -> int:
        """Turn new outbox events into deliveries; returns how many events were fanned out."""
        now = _now(self._clock)
        with self.db.session() as session:
            query = (
                select(OutboxEvent)
                .outerjoin(OutboxDispatch, OutboxDispatch.event_id == OutboxEvent.event_id)
                .where(OutboxDispatch.event_id.is_(None))
                .order_by(OutboxEvent.created_at, OutboxEvent.event_id)
                .limit(self.settings.batch)
            )
            if self._postgres:
                query = query.with_for_update(of=OutboxEvent, skip_locked=True)
            rows = session.scalars(query).all()
            for row in rows:
                event = Event(row.event_id, row.type, dict(row.payload or {}), row.created_at)
                session.add(OutboxDispatch(event_id=row.event_id, dispatched_at=now))
                for sink in self.sinks.values():
                    if sink.wants(session, event):
                        session.add(
                            Delivery(
                                delivery_id=secrets.token_hex(16),
                                event_id=row.event_id,
                                event_type=row.type,
                                sink=sink.name,
                                status=PENDING,
                                attempts=0,
                                failures=0,
                                next_attempt_at=now,
                                created_at=now,
                                updated_at=now,
                            )
                        )
            return len(rows)

    def next_due(self) -> datetime | None:
        """When the earliest pending delivery is due (or its lease ends)."""
        with self.db.session() as session:
            return session.scalar(
                select(func.min(Delivery.next_attempt_at)).where(Delivery.status == PENDING)
            )

    def claim(self) -> list[Claimed]:
        """Lease the due pending deliveries (up to ``batch``)."""
        now = _now(self._clock)
        with self.db.session() as session:
            query = (
                select(Delivery.delivery_id)
                .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
                .order_by(Delivery.next_attempt_at)
                .limit(self.settings.batch)
            )
            if self._postgres:
                query = query.with_for_update(skip_locked=True)
            ids = list(session.scalars(query))
            if not ids:
                return []
            lease_end = now + timedelta(seconds=self.settings.lease_s)
            session.execute(
                update(Delivery)
                .where(
                    Delivery.delivery_id.in_(ids),
                    Delivery.status == PENDING,
                    Delivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease_end, lease_owner=self.worker_id, updated_at=now)
            )
            rows = session.execute(
                select(Delivery, OutboxEvent)
                .outerjoin(OutboxEvent, OutboxEvent.event_id == Delivery.event_id)
                .where(Delivery.delivery_id.in_(ids), Delivery.lease_owner == self.worker_id)
            ).all()
            for delivery, row in rows:
                if row is None:  # its event was purged (retention, erasure): nothing to send
                    delivery.status = DEAD
                    delivery.last_error = "event no longer in the outbox"
                    delivery.lease_owner = None
            return [
                Claimed(
                    delivery.delivery_id,
                    delivery.sink,
                    delivery.attempts + 1,
                    Event(row.event_id, row.type, dict(row.payload or {}), row.created_at),
                )
                for delivery, row in rows
                if row is not None
            ]

    def record(self, item: Claimed, outcome: Outcome, duration_ms: int = 0) -> str:
        """Store one attempt's result; returns the delivery's new status."""
        now = _now(self._clock)
        with self.db.session() as session:
            delivery = session.get(Delivery, item.delivery_id)
            if delivery is None:  # erased meanwhile (privacy request)
                return DEAD
            delivery.attempts += 1
            delivery.updated_at = now
            delivery.lease_owner = None
            delivery.last_status_code = outcome.status_code
            next_at: datetime | None = None
            if outcome.ok:
                delivery.status = DELIVERED
                delivery.delivered_at = now
                delivery.failures = 0
                delivery.last_error = None
            else:
                delivery.failures += 1
                delivery.last_error = outcome.error
                if outcome.permanent or self.policy.exhausted(delivery.failures):
                    delivery.status = DEAD
                else:
                    wait = self.policy.delay(delivery.failures, outcome.retry_after_s)
                    next_at = now + timedelta(seconds=wait)
                    delivery.next_attempt_at = next_at
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery.delivery_id,
                    attempt=delivery.attempts,
                    at=now,
                    outcome=DELIVERED
                    if outcome.ok
                    else (delivery.status if delivery.status == DEAD else "retry"),
                    status_code=outcome.status_code,
                    error=outcome.error,
                    duration_ms=duration_ms,
                    next_attempt_at=next_at,
                )
            )
            if delivery.status == DEAD:
                log.warning(
                    "delivery %s (%s, event %s) dead after %d attempts: %s",
                    delivery.delivery_id,
                    delivery.sink,
                    delivery.event_id,
                    delivery.attempts,
                    outcome.error,
                )
            return delivery.status


def replay(db: Database, delivery_id: str, clock: Callable[[], float] = time.time) -> bool:
    """Queue a delivery again now (delivered or dead alike; the receiver sees the same event
    id). Its failure count starts over. False when there is no such delivery."""
    now = _now(clock)
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return False
        delivery.status = PENDING
        delivery.failures = 0
        delivery.next_attempt_at = now
        delivery.lease_owner = None
        delivery.updated_at = now
    wakeup.wake_all()
    return True


def configured_sinks(settings: Settings, db: Database) -> list[Sink]:
    """Every sink the settings turn on: one per webhook endpoint, the ATS adapters, and the
    follow-up messages when an SMS or email provider is configured."""
    sinks: list[Sink] = [WebhookSink(endpoint) for endpoint in settings.delivery.endpoints]
    if settings.delivery.greenhouse.enabled:
        from agent.delivery.greenhouse import GreenhouseSink

        sinks.append(GreenhouseSink(settings, db))
    if settings.delivery.successfactors.enabled:
        from agent.delivery.successfactors import SuccessFactorsSink

        sinks.append(SuccessFactorsSink(settings, db))
    from agent.delivery.followup import followup_sink

    followups = followup_sink(settings, db)
    if followups is not None:
        sinks.append(followups)
    return sinks


def worker_for(settings: Settings, db: Database) -> DeliveryWorker:
    """The worker the settings describe."""
    return DeliveryWorker(db, configured_sinks(settings, db), settings.delivery)


async def _main() -> None:  # pragma: no cover - the standalone entry point
    from agent.settings import load_settings
    from agent.store.db import open_database

    logging.basicConfig(level=logging.INFO)
    settings = load_settings()
    worker = worker_for(settings, open_database(settings))
    log.info("delivery worker %s: sinks %s", worker.worker_id, list(worker.sinks))
    await worker.run()


if __name__ == "__main__":  # pragma: no cover
    asyncio.run(_main())

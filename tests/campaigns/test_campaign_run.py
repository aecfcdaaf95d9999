"""Issue 15's "done when": a campaign of 300 candidates in three time zones against the local
Twilio stand-in (answered, busy, no-answer, voicemail, failed and non-existent numbers), on
PostgreSQL with two dialer workers on separate connections, one of them killed mid-campaign and
replaced: no number dialled twice at once, none outside its window, none on the DNC list,
retries as the policy says, a requested callback dialled at the requested time, and no attempt
lost or repeated.

The clock is virtual (moved to the next due attempt when the dialers are idle), so hours of
retries and calling windows pass in seconds; the carrier's callbacks are real HTTP requests,
signed like Twilio's, to a real server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from agent.api.campaigns import campaigns_router
from agent.auth.guard import Access
from agent.auth.keys import Role
from agent.campaigns.dialer import Dialer, TwilioCarrier
from agent.campaigns.outcomes import Outcome
from agent.campaigns.policy import rules_from_json
from agent.campaigns.retry import NEVER_RETRY
from agent.campaigns.store import CampaignStore, utc
from agent.campaigns.window import in_window, next_allowed
from agent.cli import serve_app
from agent.settings import AuthSettings, CampaignSettings, Settings, TwilioSettings
from agent.store.db import Database
from agent.store.tables import ACTIVE_ATTEMPT_STATES, CallAttempt, Campaign, CampaignAudit
from dialogue.callback_time import parse_callback_time
from tests.telephony.twilio_standin import CallRecord, Delivery, TwilioStandin

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 19:00 New York, 00:00 London, 08:00 Shanghai
ZONES = [("+1212555", "America/New_York"), ("+4477009", "Europe/London")]
ZONES += [("+8613800", "Asia/Shanghai")]
MAX_ATTEMPTS = 3
_FINAL = {"completed", "busy", "no-answer", "failed", "canceled"}


class Clock:
    """A virtual clock the test moves."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def move_to(self, when: datetime) -> None:
        with self.lock:
            self.now = max(self.now, when)


class WatchingStandin(TwilioStandin):
    """The Twilio stand-in, also watching that no number has two calls at once, and able to
    run a hook (the interview's verdict) just before a call's final callback."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.live: set[str] = set()
        self.overlaps: list[str] = []
        self.before_final: Any = None

    def _play_call(self, record: CallRecord) -> None:
        to = record.param("To") or ""
        with self._lock:
            if to in self.live:
                self.overlaps.append(to)
            self.live.add(to)
        super()._play_call(record)

    def _deliver(self, record: CallRecord, url: str, params: dict[str, str]) -> None:
        if params.get("CallStatus") in _FINAL:
            if self.before_final is not None:
                self.before_final(record)
            with self._lock:  # the call is over before anyone hears that it is
                self.live.discard(record.param("To") or "")
        super()._deliver(record, url, params)


def _candidates() -> tuple[list[dict[str, str]], dict[str, str], dict[str, str], dict[str, str]]:
    """300 candidates, and per number: the carrier outcome, AMD verdict, SIP code."""
    people, outcomes, amd, sip = [], {}, {}, {}
    for i in range(300):
        prefix, zone = ZONES[i % 3]
        phone = f"{prefix}{i:05d}"
        people.append({"candidate_id": f"cand{i:03d}", "phone": phone, "timezone": zone})
        kind = (i // 3) % 10
        if kind == 4:
            outcomes[phone] = "busy"
        elif kind == 5:
            outcomes[phone] = "no-answer"
        elif kind == 6:
            amd[phone] = "machine_end_beep"
        elif kind == 7:
            outcomes[phone] = "failed"
        elif kind == 8:
            outcomes[phone], sip[phone] = "failed", "404"
    return people, outcomes, amd, sip


def _next_event(db: Database, now: datetime) -> datetime | None:
    """When something can next happen: a due attempt, a pace slot, a lease running out."""
    with db.session() as s:
        due = s.scalar(
            select(func.min(CallAttempt.due_at))
            .join(Campaign, Campaign.campaign_id == CallAttempt.campaign_id)
            .where(CallAttempt.state == "queued", Campaign.state == "active")
        )
        lease = s.scalar(
            select(func.min(CallAttempt.lease_until)).where(
                CallAttempt.state.in_(ACTIVE_ATTEMPT_STATES)
            )
        )
        pace = s.scalar(select(func.min(Campaign.next_dial_at)).where(Campaign.state == "active"))
    times = [utc(t) for t in (due, lease) if t is not None]
    if pace is not None and utc(pace) > now and times and min(times) <= now:
        times.append(utc(pace))
    return min(times) if times else None


async def test_three_zone_campaign_two_workers_kill_and_restart(
    pg_url: str, tmp_path: Path
) -> None:
    people, outcomes, amd, sip = _candidates()
    settings = Settings(
        data_dir=tmp_path,
        database_url=pg_url,
        auth=AuthSettings(dial_country_codes=["1", "44", "86"]),
        campaigns=CampaignSettings(
            lease_s=60,
            lost_call_s=3 * 3600,
            max_attempts=MAX_ATTEMPTS,
            country_windows={"44": "10:00-18:00"},
            holidays={"86": ["2026-12-02"]},
        ),
    )
    clock = Clock(T0)
    with WatchingStandin(
        outcomes=outcomes, answered_by_for=amd, sip_codes=sip, step_delay_s=0.005
    ) as twilio:
        settings.twilio = TwilioSettings(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token,
            from_number="+15005550006",
            api_base_url=twilio.base_url,
        )
        web_db = Database(pg_url)
        web_db.upgrade()
        access = Access.from_settings(settings, web_db)
        web_store = CampaignStore(web_db, settings.campaigns)
        app = FastAPI()
        app.state.access = access
        app.include_router(campaigns_router(settings, web_store, clock))
        _, key = access.keys.create(Role.RECRUITER, "campaign test")
        async with serve_app(app) as ws_base:
            base = ws_base.replace("ws://", "http://")
            settings.public_url = base
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30
            ) as api:
                result = await _run_campaign(settings, access, web_store, twilio, clock, api)
    _check(result, people, outcomes, amd, sip, twilio)
    done = result["status"]["done"]
    print(f"campaign: {len(twilio.calls)} calls, {len(result['attempts'])} attempts, {done}")


async def _run_campaign(
    settings: Settings,
    access: Access,
    web_store: CampaignStore,
    twilio: WatchingStandin,
    clock: Clock,
    api: httpx.AsyncClient,
) -> dict[str, Any]:
    people, *_ = _candidates()
    dnc_first = [p["phone"] for p in people[9::60]]  # 5 numbers on the list from the start
    assert (await api.post("/api/dnc", json={"phones": dnc_first})).json() == {"added": 5}
    created = await api.post(
        "/api/campaigns",
        json={
            "name": "three zones",
            "script_id": "short_en",
            "candidates": people,
            "max_concurrent": 40,
            "calls_per_second": 20,
        },
    )
    assert created.status_code == 201, created.text
    campaign_id = created.json()["campaign_id"]
    assert created.json()["queued"] == 300

    # The candidate who asks for a callback: the first answered New York number.
    callback_phone = people[0]["phone"]
    asked: dict[str, datetime] = {}
    interview_store = CampaignStore(Database(settings.resolved_database_url), settings.campaigns)

    late_dnc = people[12]["phone"]  # busy: goes on the list as its first call ends

    def interview(record: CallRecord) -> None:
        if record.param("To") == late_dnc:
            interview_store.add_dnc([late_dnc], now=clock(), source="api")
        if record.param("To") != callback_phone or asked:
            return
        local_now = clock().astimezone(ZoneInfo("America/New_York"))
        wanted = parse_callback_time("Could you call me tomorrow after three?", "en", local_now)
        assert wanted is not None
        asked["at"] = wanted
        assert interview_store.interview_result(
            record.sid, clock(), outcome=Outcome.CALLBACK, callback_at=wanted
        )

    twilio.before_final = interview

    def worker(name: str) -> Dialer:
        store = CampaignStore(Database(settings.resolved_database_url), settings.campaigns)
        return Dialer(store, TwilioCarrier(settings, access), clock=clock, worker_id=name)

    a, b = worker("worker-a"), worker("worker-b")
    # A worker that dies right after claiming, before dialling anything.
    dead = await asyncio.to_thread(web_store.claim, "worker-dead", clock(), 5)
    result_dead = len(dead.claims)
    killed = False
    placed = 0
    watched: list[dict[str, Any]] = []
    for _step in range(4000):
        if not killed and placed and len(twilio.calls) >= 120:
            # Worker b is killed mid-pass (its claims orphaned, a request perhaps half
            # sent); a fresh worker b takes over, as after a server restart.
            killed = True
            task = asyncio.create_task(b.tick())
            await asyncio.sleep(0.005)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await asyncio.sleep(0.5)  # what the killed pass had sent finishes at the carrier
            b.store.db.dispose()
            b = worker("worker-b2")
        placed = sum(await asyncio.gather(a.tick(), b.tick()))
        await asyncio.to_thread(twilio.wait_idle, 30)
        if _step % 50 == 0:
            watched.append((await api.get(f"/api/campaigns/{campaign_id}")).json())
        if placed:
            clock.move_to(clock() + timedelta(seconds=1))
            continue
        when = await asyncio.to_thread(_next_event, web_store.db, clock())
        if when is None:
            break
        clock.move_to(max(when, clock() + timedelta(seconds=1)))
    status = (await api.get(f"/api/campaigns/{campaign_id}")).json()
    attempts = await asyncio.to_thread(_all_attempts, web_store.db)
    with web_store.db.session() as session:
        requeued = session.scalar(select(func.count()).where(CampaignAudit.action == "requeued"))
    return {
        "campaign_id": campaign_id,
        "status": status,
        "watched": watched,
        "attempts": attempts,
        "dnc": set(dnc_first),
        "late_dnc": late_dnc,
        "callback_phone": callback_phone,
        "asked": asked.get("at"),
        "policy": status["policy"],
        "requeued": requeued,
        "steps": _step,
        "dead_claims": result_dead,
    }


def _all_attempts(db: Database) -> list[dict[str, Any]]:
    with db.session() as s:
        rows = s.scalars(select(CallAttempt)).all()
        return [
            {
                "attempt_id": r.attempt_id,
                "candidate_id": r.candidate_id,
                "phone": r.phone,
                "timezone": r.timezone,
                "attempt_no": r.attempt_no,
                "state": r.state,
                "reason": r.reason,
                "due_at": utc(r.due_at),
                "dialled_at": utc(r.dialled_at) if r.dialled_at else None,
                "ended_at": utc(r.ended_at) if r.ended_at else None,
                "outcome": r.outcome,
                "carrier_sid": r.carrier_sid,
                "detail": r.detail,
            }
            for r in rows
        ]


def _attempt_of(delivery: Delivery) -> str:
    return parse_qs(urlsplit(delivery.url).query)["attempt"][0]


def _check(
    result: dict[str, Any],
    people: list[dict[str, str]],
    outcomes: dict[str, str],
    amd: dict[str, str],
    sip: dict[str, str],
    twilio: WatchingStandin,
) -> None:
    attempts = result["attempts"]
    by_id = {a["attempt_id"]: a for a in attempts}
    rules = rules_from_json(result["policy"])
    assert result["status"]["state"] == "done", (
        result["status"],
        [a for a in attempts if a["state"] != "done"],
        result["steps"],
    )
    assert result["status"]["queued"] == 0 and result["status"]["in_call"] == 0

    # No number had two calls at once, at the carrier.
    assert twilio.overlaps == []
    # Every carrier call belongs to exactly one attempt, and every attempt was dialled at most
    # once: nothing repeated; every dialled attempt reached the carrier: nothing lost.
    calls_per_attempt = Counter(_attempt_of(c.deliveries[0]) for c in twilio.calls if c.deliveries)
    assert len(twilio.calls) == sum(calls_per_attempt.values())
    assert max(calls_per_attempt.values()) == 1
    dialled = [a for a in attempts if a["dialled_at"] is not None]
    # A request the killed worker never sent is written off as failed after lost_call_s.
    unsent = [a for a in dialled if a["attempt_id"] not in calls_per_attempt]
    assert all(a["detail"].get("lost") and a["outcome"] == "failed" for a in unsent), unsent
    assert len(unsent) <= 5
    assert all(by_id[i]["carrier_sid"] for i in calls_per_attempt)
    # The dead workers' undialled claims went back to the queue and were dialled later.
    assert result["dead_claims"] > 0 and result["requeued"] >= result["dead_claims"]
    assert all(a["state"] == "done" for a in attempts)

    # None outside its window (virtual time at dialling, in the candidate's zone).
    for a in dialled:
        assert in_window(rules.calling, a["phone"], ZoneInfo(a["timezone"]), a["dialled_at"]), a
    # The +86 holiday (Dec 2 in Shanghai) saw no calls there.
    for a in dialled:
        if a["phone"].startswith("+86"):
            assert a["dialled_at"].astimezone(ZoneInfo("Asia/Shanghai")).date().day != 2

    # None on the DNC list was dialled.
    dialled_phones = Counter(a["phone"] for a in dialled)
    for phone in result["dnc"]:
        assert dialled_phones[phone] == 0
        assert {a["outcome"] for a in attempts if a["phone"] == phone} == {"dnc"}
    late = result["late_dnc"]
    assert late is not None
    late_rows = sorted((a for a in attempts if a["phone"] == late), key=lambda a: a["attempt_no"])
    assert late_rows[-1]["outcome"] == "dnc" and late_rows[-1]["dialled_at"] is None

    # Retries follow the policy.
    per_candidate: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in attempts:
        per_candidate[a["candidate_id"]].append(a)
    expected = {
        "busy": Outcome.BUSY,
        "no-answer": Outcome.NO_ANSWER,
        "failed": Outcome.FAILED,
    }
    for person in people:
        rows = sorted(per_candidate[person["candidate_id"]], key=lambda a: a["attempt_no"])
        assert [r["attempt_no"] for r in rows] == list(range(1, len(rows) + 1))
        assert len([r for r in rows if r["dialled_at"]]) <= MAX_ATTEMPTS + 1  # + a callback
        for prev, nxt in itertools.pairwise(rows):
            outcome = Outcome(prev["outcome"])
            assert outcome not in NEVER_RETRY, (prev, nxt)
            if outcome is Outcome.CALLBACK:
                continue
            base = rules.retry.backoff[outcome].base_s * 2 ** (prev["attempt_no"] - 1)
            zone = ZoneInfo(nxt["timezone"])
            low = next_allowed(
                rules.calling, nxt["phone"], zone, prev["ended_at"] + timedelta(seconds=base * 0.8)
            )
            high = next_allowed(
                rules.calling, nxt["phone"], zone, prev["ended_at"] + timedelta(seconds=base * 1.2)
            )
            assert low <= nxt["due_at"] <= high, (prev, nxt)
            if nxt["dialled_at"]:
                assert nxt["dialled_at"] >= nxt["due_at"]
        last = rows[-1]
        phone = person["phone"]
        if phone in result["dnc"] or phone == late:
            continue
        if phone in sip:
            assert [r["outcome"] for r in rows] == ["invalid_number"]
        elif phone in amd:
            assert [r["outcome"] for r in rows] == ["voicemail"] * MAX_ATTEMPTS
        elif phone in outcomes:
            want = str(expected[outcomes[phone]])
            assert [r["outcome"] for r in rows] == [want] * MAX_ATTEMPTS, rows
        elif phone != result["callback_phone"]:
            assert [r["outcome"] for r in rows] == ["answered"], rows
        assert Outcome(last["outcome"]) in NEVER_RETRY or last["attempt_no"] >= MAX_ATTEMPTS

    # The callback was dialled at the requested time ("tomorrow after three", New York).
    cb_rows = sorted(
        (a for a in attempts if a["phone"] == result["callback_phone"]),
        key=lambda a: a["attempt_no"],
    )
    asked = result["asked"]
    assert asked is not None and (asked.hour, asked.minute) == (15, 0)
    assert [r["outcome"] for r in cb_rows] == ["callback", "answered"]
    assert cb_rows[1]["reason"] == "callback"
    assert cb_rows[1]["dialled_at"] == asked.astimezone(UTC)

    # Progress was visible while it ran, with an ETA once it had a pace.
    assert any(w["eta_s"] for w in result["watched"] if w["queued"])

"""The campaign tables on SQLite and PostgreSQL: claims, the one-live-call-per-number index,
DNC at dial time, pause/resume/cancel, lease recovery, callbacks, status and retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from agent.campaigns.outcomes import Outcome
from agent.campaigns.policy import policy_json
from agent.campaigns.store import CampaignNotFound, CampaignStore, StateError, Target
from agent.settings import CampaignSettings
from agent.store.db import Database
from agent.store.tables import CallAttempt, CampaignAudit
from telephony.twilio_rest import AnsweredBy, CallStatus

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def store(db_url: str) -> CampaignStore:
    db = Database(db_url)
    db.upgrade()
    yield CampaignStore(db, CampaignSettings(lease_s=60), draw=lambda: 0.5)
    db.downgrade("base")
    db.dispose()


def _targets(n: int, prefix: str = "+1212555") -> list[Target]:
    return [Target(f"c{i}", f"{prefix}{i:04d}", "America/New_York") for i in range(n)]


def _create(store: CampaignStore, targets: list[Target], **kw: object) -> str:
    policy = policy_json(store.settings, kw.pop("policy", None))  # type: ignore[arg-type]
    return store.create(
        name="t", script_id="short_en", targets=targets, policy=policy, now=T0, actor="k1", **kw
    )  # type: ignore[arg-type]


def _dial(store: CampaignStore, worker: str, now: datetime, limit: int = 50) -> list[str]:
    """Claim and mark dialled with a fake sid; returns the sids."""
    sids = []
    for claim in store.claim(worker, now, limit).claims:
        assert store.start_dialling(claim.attempt_id, worker, now)
        sid = "CA" + claim.attempt_id
        store.dialled(claim.attempt_id, sid, now)
        sids.append(sid)
    return sids


def test_claims_respect_concurrency_pace_and_dnc(store: CampaignStore) -> None:
    cid = _create(store, _targets(6), max_concurrent=3, calls_per_second=2)
    store.add_dnc(["+12125550001"], now=T0, source="api")
    first = store.claim("w1", T0, 50)
    # two per second (pace), the DNC number ended instead of dialled
    assert len(first.claims) == 2 and first.dnc_skipped == 1
    assert "+12125550001" not in {c.phone for c in first.claims}
    assert store.claim("w2", T0, 50).claims == []  # the pace holds across workers
    second = store.claim("w2", T0 + timedelta(seconds=1), 50)
    assert len(second.claims) == 1  # max 3 at once
    status = store.status(cid, T0 + timedelta(seconds=1))
    assert status["dialling"] == 3 and status["queued"] == 2 and status["done"] == {"dnc": 1}


def test_one_live_call_per_number_across_campaigns(store: CampaignStore) -> None:
    same = [Target("c0", "+12125550000", "America/New_York")]
    _create(store, same)
    _create(store, same)
    report = store.claim("w1", T0, 50)
    assert len(report.claims) == 1 and report.deferred == 1
    assert store.claim("w1", T0 + timedelta(seconds=30), 50).claims == []


def test_outside_window_waits_for_opening(store: CampaignStore) -> None:
    night = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 23:00 in New York
    cid = store.create(
        name="n",
        script_id="s",
        targets=_targets(1),
        policy=policy_json(store.settings),
        now=night,
        actor="k",
    )
    assert store.claim("w", night, 5).claims == []
    assert store.attempts(cid)[0]["due_at"] == "2026-12-01T14:00:00+00:00"
    assert len(store.claim("w", datetime(2026, 12, 1, 14, tzinfo=UTC), 5).claims) == 1


def test_retry_callback_and_terminal_outcomes(store: CampaignStore) -> None:
    cid = _create(store, _targets(3), calls_per_second=10)
    sids = _dial(store, "w", T0)
    busy, human, machine = sids
    t1 = T0 + timedelta(seconds=40)
    store.carrier_event(busy, t1, status=CallStatus.BUSY, sip_code="486")
    # AMD verdict first, then completed: voicemail
    store.carrier_event(machine, t1, answered_by=AnsweredBy.MACHINE_END_BEEP)
    store.carrier_event(machine, t1, status=CallStatus.COMPLETED)
    # the interview asks for a callback before Twilio's completed arrives
    store.carrier_event(human, T0, status=CallStatus.IN_PROGRESS)
    wanted = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 15:00 New York
    store.interview_result(human, t1, outcome=Outcome.CALLBACK, callback_at=wanted)
    store.carrier_event(human, t1, answered_by=AnsweredBy.HUMAN)
    store.carrier_event(human, t1, status=CallStatus.COMPLETED)
    store.carrier_event(human, t1, status=CallStatus.COMPLETED)  # repeated: no second retry
    rows = {(a["candidate_id"], a["attempt_no"]): a for a in store.attempts(cid)}
    assert rows["c0", 1]["outcome"] == "busy"
    assert rows["c0", 2]["due_at"] == (t1 + timedelta(seconds=600)).isoformat()
    assert rows["c1", 1]["outcome"] == "callback"
    assert rows["c1", 2]["due_at"] == wanted.isoformat() and rows["c1", 2]["reason"] == "callback"
    assert rows["c2", 1]["outcome"] == "voicemail"
    assert rows["c2", 2]["due_at"] == (t1 + timedelta(hours=3)).isoformat()
    assert len(rows) == 6


def test_answered_then_optout_goes_on_dnc(store: CampaignStore) -> None:
    cid = _create(store, _targets(1))
    (sid,) = _dial(store, "w", T0)
    store.carrier_event(sid, T0, status=CallStatus.COMPLETED)  # completed first this time
    assert store.opt_out(sid, T0 + timedelta(seconds=1))
    assert store.on_dnc("+12125550000")
    (row,) = store.attempts(cid)
    assert row["outcome"] == "declined"
    assert store.status(cid, T0)["state"] == "done"


def test_pause_resume_cancel(store: CampaignStore) -> None:
    cid = _create(store, _targets(4), calls_per_second=1)
    assert store.set_state(cid, "pause", now=T0, actor="k") == "paused"
    assert store.claim("w", T0, 10).claims == []
    assert store.set_state(cid, "resume", now=T0, actor="k") == "active"
    with pytest.raises(StateError):
        store.set_state(cid, "bogus", now=T0, actor="k")
    assert store.status(cid, T0)["state"] == "active"
    (sid,) = _dial(store, "w", T0)
    assert store.set_state(cid, "cancel", now=T0, actor="k") == "canceled"
    with pytest.raises(StateError):
        store.set_state(cid, "resume", now=T0, actor="k")
    store.carrier_event(sid, T0, status=CallStatus.BUSY)  # the live call ends: no retry
    status = store.status(cid, T0)
    assert status["done"] == {"canceled": 3, "busy": 1} and status["queued"] == 0
    with pytest.raises(CampaignNotFound):
        store.set_state("cmp_nope", "pause", now=T0, actor="k")
    with store.db.session() as s:
        actions = s.scalars(select(CampaignAudit.action).order_by(CampaignAudit.id)).all()
    assert actions[:3] == ["created", "pause", "resume"] and "cancel" in actions


def test_lease_recovery(store: CampaignStore) -> None:
    cid = _create(store, _targets(2), calls_per_second=10)
    claims = store.claim("dead", T0, 10).claims  # a worker claims, then dies
    assert len(claims) == 2
    assert store.start_dialling(claims[1].attempt_id, "dead", T0)  # died mid-request
    assert store.recover(T0 + timedelta(seconds=30)) == 0  # leases still valid
    assert store.recover(T0 + timedelta(seconds=61)) == 1  # the undialled one is requeued
    assert not store.start_dialling(claims[0].attempt_id, "dead", T0)  # its claim is gone
    rows = {a["attempt_id"]: a for a in store.attempts(cid)}
    assert rows[claims[0].attempt_id]["state"] == "queued"
    assert rows[claims[1].attempt_id]["state"] == "dialling"  # may be ringing: not redialled
    late = T0 + timedelta(seconds=store.settings.lost_call_s + 1)
    assert store.recover(late) == 1
    rows = {(a["candidate_id"], a["attempt_no"]): a for a in store.attempts(cid)}
    lost = rows[claims[1].candidate_id, 1]
    assert lost["outcome"] == "failed" and (claims[1].candidate_id, 2) in rows


def test_retention_purges_finished_campaigns(store: CampaignStore) -> None:
    cid = _create(store, _targets(1))
    (sid,) = _dial(store, "w", T0)
    store.carrier_event(sid, T0, status=CallStatus.COMPLETED)
    assert store.status(cid, T0)["state"] == "done"
    assert store.purge(T0 + timedelta(days=29)) == 0
    assert store.purge(T0 + timedelta(days=31)) == 1
    with store.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CallAttempt)) == 0
    with pytest.raises(CampaignNotFound):
        store.status(cid, T0)


def test_bad_targets_refused(store: CampaignStore) -> None:
    with pytest.raises(ValueError, match=r"E\.164"):
        _create(store, [Target("c", "12125550000", "America/New_York")])
    with pytest.raises(ValueError, match="time zone"):
        _create(store, [Target("c", "+12125550000", "Mars/Olympus")])
    with pytest.raises(ValueError, match="twice"):
        _create(store, _targets(1) + _targets(1))


def test_interview_outcomes_reach_the_campaign(store: CampaignStore) -> None:
    people = [
        Target("zh1", "+8613800138001", "Asia/Shanghai", "zh"),
        Target("en1", "+12125550001", "America/New_York"),
        Target("en2", "+12125550002", "America/New_York"),
        Target("en3", "+12125550003", "America/New_York"),
    ]
    t = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 Shanghai, 21:00 New York (closed)
    cid = store.create(
        name="i",
        script_id="s",
        targets=people,
        policy=policy_json(store.settings),
        now=t,
        actor="k",
        calls_per_second=10,
    )
    t_ny = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 09:00 New York, 22:00 Shanghai
    sids = {c.candidate_id: "CA" + c.candidate_id for c in store.claim("w", t, 10).claims}
    sids |= {c.candidate_id: "CA" + c.candidate_id for c in store.claim("w", t_ny, 10).claims}
    assert set(sids) == {"zh1", "en1", "en2", "en3"}
    for cand, sid in sids.items():
        attempt = next(a for a in store.attempts(cid) if a["candidate_id"] == cand)
        assert store.start_dialling(attempt["attempt_id"], "w", t_ny)
        store.dialled(attempt["attempt_id"], sid, t_ny)
        store.carrier_event(sid, t_ny, status=CallStatus.IN_PROGRESS)
    end = t_ny + timedelta(minutes=5)
    assert store.interview_ended(
        sids["zh1"],
        end,
        interview_outcome="callback_requested",
        callback_text="明天下午三点以后吧",
        consent=True,
        consent_at=t_ny,
    )
    assert store.interview_ended(sids["en1"], end, interview_outcome="opted_out", consent=True)
    assert store.interview_ended(
        sids["en2"], end, interview_outcome="callback_requested", callback_text="not now"
    )
    assert store.interview_ended(
        sids["en3"],
        end,
        interview_outcome="completed",
        consent=True,
        consent_at=t_ny,
        report_id="call-1",
    )
    assert not store.interview_ended("CAnope", end, interview_outcome="completed")
    for sid in sids.values():
        store.carrier_event(sid, end, status=CallStatus.COMPLETED)
    rows = {(a["candidate_id"], a["attempt_no"]): a for a in store.attempts(cid)}
    # 明天下午三点以后 said at 22:05 Shanghai on Dec 1: Dec 2 15:00 Shanghai = 07:00 UTC
    assert rows["zh1", 1]["outcome"] == "callback" and rows["zh1", 1]["consent_at"]
    assert rows["zh1", 2]["due_at"] == "2026-12-02T07:00:00+00:00"
    assert rows["en1", 1]["outcome"] == "declined" and store.on_dnc("+12125550001")
    assert ("en1", 2) not in rows
    # not understood: two hours later (inside the window)
    assert rows["en2", 2]["due_at"] == (end + timedelta(hours=2)).isoformat()
    assert rows["en3", 1]["outcome"] == "answered" and ("en3", 2) not in rows
    assert rows["en3", 1]["consent_at"] == t_ny.isoformat()

"""The campaign tables: creating campaigns, claiming attempts, recording what the carrier and
the interview said, and the status a recruiter sees.

Every method is one short transaction and takes ``now`` (UTC, aware) from its caller, so the
dialer's clock is injectable and tests never sleep through real hours. Claims use
``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite ignores it and runs one worker), and a
partial unique index refuses a second live attempt on one number (``tables.CallAttempt``).

Attempt states: ``queued`` → ``claimed`` (a worker holds it under a lease, nothing sent yet) →
``dialling`` (the carrier request is being or has been made) → ``in_call`` (answered) →
``done`` (``outcome`` set). Recovery after a worker dies: an expired ``claimed`` row goes back
to ``queued`` (nothing was dialled); a ``dialling``/``in_call`` row is left to the carrier's
callbacks, which any server receives, and written off as ``failed`` only after
``lost_call_s`` — longer than a call can last, so a number is never dialled twice at once.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent.campaigns.outcomes import Outcome, from_twilio
from agent.campaigns.policy import CampaignRules, rules_from_json
from agent.campaigns.retry import retry_delay
from agent.campaigns.window import next_allowed
from agent.settings import CampaignSettings
from agent.store.db import Database
from agent.store.tables import (
    ACTIVE_ATTEMPT_STATES,
    CallAttempt,
    Campaign,
    CampaignAudit,
    DoNotCall,
)
from dialogue.callback_time import parse_callback_time
from telephony.twilio_rest import AnsweredBy, CallStatus

__all__ = [
    "CampaignNotFound",
    "CampaignStore",
    "Claim",
    "StateError",
    "Target",
]

_E164_MAX = 16
#: Pace is measured over this many recent seconds for the ETA.
_PACE_WINDOW_S = 600.0
#: A claim that meets a live call on the same number tries again this much later.
_BUSY_NUMBER_DELAY_S = 60.0


class CampaignNotFound(LookupError):
    """No campaign with that id."""


class StateError(ValueError):
    """The campaign cannot make that change from its current state (e.g. resume a cancel)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One candidate a campaign calls (copied into its attempts)."""

    candidate_id: str
    phone: str
    timezone: str
    language: str = "en"
    name: str = ""

    def check(self) -> None:
        """Raise ValueError for an unusable number or zone."""
        digits = self.phone[1:]
        if not (
            self.phone.startswith("+") and digits.isdigit() and 8 <= len(self.phone) <= _E164_MAX
        ):
            raise ValueError(f"candidate {self.candidate_id}: phone must be E.164 (+<digits>)")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"candidate {self.candidate_id}: unknown time zone") from exc


@dataclass(frozen=True, slots=True)
class Claim:
    """An attempt a worker now holds, with what it needs to dial."""

    attempt_id: str
    campaign_id: str
    candidate_id: str
    phone: str
    language: str
    name: str
    script_id: str
    attempt_no: int


@dataclass
class ClaimReport:
    """What one claim pass did besides claiming (for logs and tests)."""

    claims: list[Claim] = field(default_factory=list)
    dnc_skipped: int = 0
    deferred: int = 0


def utc(value: datetime) -> datetime:
    """``value`` as aware UTC (SQLite hands back naive UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(10)


class CampaignStore:
    """Campaign rows on one database; safe to share between threads."""

    def __init__(
        self,
        db: Database,
        settings: CampaignSettings,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.settings = settings
        self._draw = draw
        self._rules: dict[str, CampaignRules] = {}

    # --- helpers --------------------------------------------------------------------------

    def rules(self, campaign: Campaign) -> CampaignRules:
        """The parsed policy of ``campaign`` (cached: a campaign's policy never changes)."""
        rules = self._rules.get(campaign.campaign_id)
        if rules is None:
            rules = self._rules[campaign.campaign_id] = rules_from_json(campaign.policy)
        return rules

    @staticmethod
    def _audit(
        session: Session,
        now: datetime,
        actor: str,
        campaign_id: str,
        action: str,
        attempt_id: str | None = None,
        **detail: Any,
    ) -> None:
        session.add(
            CampaignAudit(
                at=now,
                actor=actor[:64],
                campaign_id=campaign_id,
                attempt_id=attempt_id,
                action=action,
                detail=detail,
            )
        )

    @staticmethod
    def _attempt_for(
        session: Session, carrier_sid: str, attempt_id: str | None = None
    ) -> CallAttempt | None:
        """The attempt of a carrier call, locked; by our id when the callback carries it."""
        if attempt_id is None:
            query = select(CallAttempt).where(CallAttempt.carrier_sid == carrier_sid)
        else:
            query = select(CallAttempt).where(CallAttempt.attempt_id == attempt_id)
        attempt = session.scalars(query.with_for_update()).first()
        if attempt is None or attempt.dialled_at is None:
            return None
        if attempt.carrier_sid is None:
            attempt.carrier_sid = carrier_sid
        elif attempt.carrier_sid != carrier_sid:
            return None  # another call's callback: not this attempt's
        return attempt

    @staticmethod
    def _campaign(session: Session, campaign_id: str, *, lock: bool = False) -> Campaign:
        query = select(Campaign).where(Campaign.campaign_id == campaign_id)
        if lock:
            query = query.with_for_update()
        row = session.scalars(query).first()
        if row is None:
            raise CampaignNotFound(campaign_id)
        return row

    # --- campaigns ------------------------------------------------------------------------

    def create(
        self,
        *,
        name: str,
        script_id: str,
        targets: Sequence[Target],
        policy: dict[str, Any],
        now: datetime,
        actor: str,
        job_id: str | None = None,
        max_concurrent: int | None = None,
        calls_per_second: float | None = None,
    ) -> str:
        """A new active campaign with one queued attempt per target; returns its id.

        Raises:
            ValueError: a bad target (number, zone) or a candidate listed twice.
        """
        rules = rules_from_json(policy)
        seen: set[str] = set()
        for target in targets:
            target.check()
            if target.candidate_id in seen:
                raise ValueError(f"candidate {target.candidate_id} listed twice")
            seen.add(target.candidate_id)
        campaign_id = _new_id("cmp_")
        with self.db.session() as session:
            session.add(
                Campaign(
                    campaign_id=campaign_id,
                    name=name,
                    job_id=job_id,
                    script_id=script_id,
                    state="active",
                    policy=policy,
                    max_concurrent=max_concurrent or self.settings.max_concurrent,
                    calls_per_second=calls_per_second or self.settings.calls_per_second,
                    created_by=actor[:64],
                    created_at=now,
                    updated_at=now,
                )
            )
            session.flush()
            session.add_all(
                CallAttempt(
                    attempt_id=_new_id("att_"),
                    campaign_id=campaign_id,
                    candidate_id=t.candidate_id,
                    phone=t.phone,
                    timezone=t.timezone,
                    language=t.language,
                    name=t.name,
                    attempt_no=1,
                    state="queued",
                    reason="first",
                    due_at=next_allowed(rules.calling, t.phone, ZoneInfo(t.timezone), now),
                    detail={},
                )
                for t in targets
            )
            self._audit(session, now, actor, campaign_id, "created", targets=len(targets))
        return campaign_id

    def set_state(self, campaign_id: str, action: str, *, now: datetime, actor: str) -> str:
        """``pause``, ``resume`` or ``cancel`` a campaign; returns its new state.

        Cancelling ends every queued attempt (``canceled``); calls already under way finish,
        and are not retried.

        Raises:
            CampaignNotFound, StateError.
        """
        allowed = {"pause": ({"active"}, "paused"), "resume": ({"paused"}, "active")}
        allowed["cancel"] = ({"active", "paused"}, "canceled")
        if action not in allowed:
            raise StateError(f"unknown action {action!r}")
        sources, target = allowed[action]
        with self.db.session() as session:
            campaign = self._campaign(session, campaign_id, lock=True)
            if campaign.state == target:
                return target  # idempotent
            if campaign.state not in sources:
                raise StateError(f"a {campaign.state} campaign cannot {action}")
            campaign.state = target
            campaign.updated_at = now
            if target == "canceled":
                campaign.finished_at = now
                session.execute(
                    update(CallAttempt)
                    .where(CallAttempt.campaign_id == campaign_id, CallAttempt.state == "queued")
                    .values(state="done", outcome=str(Outcome.CANCELED), ended_at=now)
                )
            self._audit(session, now, actor, campaign_id, action)
        return target

    def list_campaigns(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest campaigns, as summaries."""
        with self.db.session() as session:
            rows = session.scalars(
                select(Campaign).order_by(Campaign.created_at.desc()).limit(limit)
            ).all()
            return [_summary(row) for row in rows]

    def status(self, campaign_id: str, now: datetime) -> dict[str, Any]:
        """Progress: attempts by state, finished candidates by outcome, pace and ETA.

        ``queued`` counts candidates still to be called (including scheduled retries);
        ``eta_s`` is their number over the pace of the last ten minutes (None without pace).
        """
        with self.db.session() as session:
            campaign = self._campaign(session, campaign_id)
            by_state = dict(
                session.execute(
                    select(CallAttempt.state, func.count())
                    .where(CallAttempt.campaign_id == campaign_id)
                    .group_by(CallAttempt.state)
                ).all()
            )
            by_outcome = dict(
                session.execute(
                    select(CallAttempt.outcome, func.count())
                    .where(CallAttempt.campaign_id == campaign_id, CallAttempt.state == "done")
                    .group_by(CallAttempt.outcome)
                ).all()
            )
            candidates = session.scalar(
                select(func.count(func.distinct(CallAttempt.candidate_id))).where(
                    CallAttempt.campaign_id == campaign_id
                )
            )
            since = now - timedelta(seconds=_PACE_WINDOW_S)
            recent = session.scalar(
                select(func.count()).where(
                    CallAttempt.campaign_id == campaign_id,
                    CallAttempt.dialled_at.is_not(None),
                    CallAttempt.dialled_at >= since,
                )
            )
            summary = _summary(campaign)
        queued = int(by_state.get("queued", 0))
        pace = (recent or 0) / _PACE_WINDOW_S
        live = {s: int(by_state.get(s, 0)) for s in ACTIVE_ATTEMPT_STATES}
        summary.update(
            candidates=int(candidates or 0),
            queued=queued,
            dialling=live["claimed"] + live["dialling"],
            in_call=live["in_call"],
            done={str(k): int(v) for k, v in by_outcome.items()},
            attempts=sum(int(v) for v in by_state.values()),
            pace_per_min=round(pace * 60, 2),
            eta_s=round(queued / pace, 1) if pace > 0 and queued else (0.0 if not queued else None),
        )
        return summary

    def attempts(self, campaign_id: str) -> list[dict[str, Any]]:
        """Every attempt of a campaign (numbers masked), oldest first."""
        with self.db.session() as session:
            self._campaign(session, campaign_id)
            rows = session.scalars(
                select(CallAttempt)
                .where(CallAttempt.campaign_id == campaign_id)
                .order_by(CallAttempt.due_at, CallAttempt.attempt_id)
            ).all()
            return [_attempt_row(row) for row in rows]

    # --- do-not-call ------------------------------------------------------------------------

    def add_dnc(
        self, phones: Iterable[str], *, now: datetime, source: str, candidate_id: str | None = None
    ) -> int:
        """Put numbers on the do-not-call list (already listed ones are kept); returns how many
        were new."""
        added = 0
        with self.db.session() as session:
            for phone in set(phones):
                if session.get(DoNotCall, phone) is None:
                    session.add(
                        DoNotCall(
                            phone=phone, source=source, candidate_id=candidate_id, added_at=now
                        )
                    )
                    added += 1
        return added

    def on_dnc(self, phone: str) -> bool:
        """Whether ``phone`` is on the do-not-call list."""
        with self.db.session() as session:
            return session.get(DoNotCall, phone) is not None

    # --- the dialer's side ------------------------------------------------------------------

    def claim(self, worker: str, now: datetime, limit: int) -> ClaimReport:
        """Claim up to ``limit`` due attempts of active campaigns, within each campaign's
        concurrency and pace; numbers on the DNC list are ended (``dnc``) instead, and an
        attempt found outside its window (a holiday added since) is moved to its next one."""
        report = ClaimReport()
        with self.db.session() as session:
            campaigns = session.scalars(
                select(Campaign)
                .where(
                    Campaign.state == "active",
                    (Campaign.next_dial_at.is_(None)) | (Campaign.next_dial_at <= now),
                )
                .order_by(Campaign.created_at)
                .with_for_update(skip_locked=True)
            ).all()
            for campaign in campaigns:
                if len(report.claims) >= limit:
                    break
                self._claim_in(session, campaign, worker, now, limit - len(report.claims), report)
        return report

    def _claim_in(
        self,
        session: Session,
        campaign: Campaign,
        worker: str,
        now: datetime,
        limit: int,
        report: ClaimReport,
    ) -> None:
        live = session.scalar(
            select(func.count()).where(
                CallAttempt.campaign_id == campaign.campaign_id,
                CallAttempt.state.in_(ACTIVE_ATTEMPT_STATES),
            )
        )
        # At most one second's worth of calls per pass: a steady pace, not bursts.
        burst = max(1, int(campaign.calls_per_second))
        room = min(limit, campaign.max_concurrent - int(live or 0), burst)
        if room <= 0:
            return
        due = session.scalars(
            select(CallAttempt)
            .where(
                CallAttempt.campaign_id == campaign.campaign_id,
                CallAttempt.state == "queued",
                CallAttempt.due_at <= now,
            )
            .order_by(CallAttempt.due_at, CallAttempt.candidate_id)
            .limit(room * 2)  # some may be skipped (DNC, window, number busy elsewhere)
            .with_for_update(skip_locked=True)
        ).all()
        rules = self.rules(campaign)
        lease = now + timedelta(seconds=self.settings.lease_s)
        claimed = 0
        for attempt in due:
            if claimed >= room:
                break
            if session.get(DoNotCall, attempt.phone) is not None:
                self._finish(session, campaign, attempt, Outcome.DNC, now, worker)
                report.dnc_skipped += 1
                continue
            opening = next_allowed(rules.calling, attempt.phone, ZoneInfo(attempt.timezone), now)
            if opening > now:
                attempt.due_at = opening
                report.deferred += 1
                continue
            try:
                with session.begin_nested():
                    attempt.state, attempt.worker, attempt.lease_until = "claimed", worker, lease
                    session.flush()
            except IntegrityError:
                # The same number is live in another campaign: not now.
                attempt.state, attempt.worker, attempt.lease_until = "queued", None, None
                attempt.due_at = now + timedelta(seconds=_BUSY_NUMBER_DELAY_S)
                report.deferred += 1
                continue
            self._audit(session, now, worker, campaign.campaign_id, "claimed", attempt.attempt_id)
            report.claims.append(
                Claim(
                    attempt_id=attempt.attempt_id,
                    campaign_id=campaign.campaign_id,
                    candidate_id=attempt.candidate_id,
                    phone=attempt.phone,
                    language=attempt.language,
                    name=attempt.name,
                    script_id=campaign.script_id,
                    attempt_no=attempt.attempt_no,
                )
            )
            claimed += 1
        if claimed:
            start = max(now, utc(campaign.next_dial_at) if campaign.next_dial_at else now)
            campaign.next_dial_at = start + timedelta(seconds=claimed / campaign.calls_per_second)

    def start_dialling(self, attempt_id: str, worker: str, now: datetime) -> bool:
        """Mark a claimed attempt ``dialling`` just before the carrier request; False when the
        claim was lost (lease recovered by another worker) and the worker must not dial."""
        with self.db.session() as session:
            result = session.execute(
                update(CallAttempt)
                .where(
                    CallAttempt.attempt_id == attempt_id,
                    CallAttempt.state == "claimed",
                    CallAttempt.worker == worker,
                )
                .values(
                    state="dialling",
                    dialled_at=now,
                    lease_until=now + timedelta(seconds=self.settings.lost_call_s),
                )
            )
            ok = bool(result.rowcount)  # type: ignore[attr-defined]
            if ok:
                campaign_id = session.scalar(
                    select(CallAttempt.campaign_id).where(CallAttempt.attempt_id == attempt_id)
                )
                self._audit(session, now, worker, str(campaign_id), "dialling", attempt_id)
            return ok

    def dialled(self, attempt_id: str, carrier_sid: str, now: datetime) -> None:
        """The carrier accepted the call and named it ``carrier_sid``."""
        with self.db.session() as session:
            attempt = session.get(CallAttempt, attempt_id)
            if attempt is None:
                return
            attempt.carrier_sid = carrier_sid
            self._audit(
                session, now, attempt.worker or "", attempt.campaign_id, "dialled", attempt_id
            )

    def refused(self, attempt_id: str, outcome: Outcome, now: datetime, **detail: Any) -> None:
        """The carrier refused to place the call (``outcome`` from its error)."""
        with self.db.session() as session:
            attempt = session.get(CallAttempt, attempt_id)
            if attempt is None or attempt.state == "done":
                return
            attempt.detail = {**attempt.detail, **detail}
            campaign = self._campaign(session, attempt.campaign_id)
            self._finish(session, campaign, attempt, outcome, now, attempt.worker or "dialer")

    def carrier_event(
        self,
        carrier_sid: str,
        now: datetime,
        *,
        attempt_id: str | None = None,
        status: CallStatus | None = None,
        answered_by: AnsweredBy | None = None,
        sip_code: str | None = None,
    ) -> bool:
        """A Twilio callback for ``carrier_sid``: answered (``in-progress``), an AMD verdict,
        or a final status (mapped with the AMD verdict recorded before it). ``attempt_id``
        comes from our own signed callback URL, so a callback that overtakes the carrier's
        answer to the dial request still finds its attempt. False when the call is no
        campaign's (an ad-hoc ``POST /api/calls``)."""
        with self.db.session() as session:
            attempt = self._attempt_for(session, carrier_sid, attempt_id)
            if attempt is None:
                return False
            if answered_by is not None:
                attempt.answered_by = str(answered_by)
            final = None
            if status is not None and status.is_final:
                verdict = AnsweredBy(attempt.answered_by) if attempt.answered_by else None
                final = from_twilio(status, verdict, sip_code)
                if sip_code:
                    attempt.detail = {**attempt.detail, "sip": sip_code}
            self._progress(session, attempt, now, status is CallStatus.IN_PROGRESS, final)
            return True

    def carrier_progress(
        self,
        carrier_sid: str,
        now: datetime,
        *,
        attempt_id: str | None = None,
        answered: bool = False,
        final: Outcome | None = None,
        **detail: Any,
    ) -> bool:
        """Progress of a call on a carrier that reports outcomes directly (FreeSWITCH):
        answered, and/or ended with ``final``; ``attempt_id`` as for :meth:`carrier_event`.
        False when the call is no campaign's."""
        with self.db.session() as session:
            attempt = self._attempt_for(session, carrier_sid, attempt_id)
            if attempt is None:
                return False
            if detail:
                attempt.detail = {**attempt.detail, **detail}
            self._progress(session, attempt, now, answered, final)
            return True

    def _progress(
        self,
        session: Session,
        attempt: CallAttempt,
        now: datetime,
        answered: bool,
        final: Outcome | None,
    ) -> None:
        if attempt.state == "done":
            return  # a late or repeated callback
        if answered and attempt.state == "dialling":
            attempt.state = "in_call"
            self._audit(
                session, now, "carrier", attempt.campaign_id, "answered", attempt.attempt_id
            )
        if final is not None:
            campaign = self._campaign(session, attempt.campaign_id)
            outcome, callback_at = _refine(final, attempt.detail)
            self._finish(session, campaign, attempt, outcome, now, "carrier", callback_at)

    def interview_result(
        self,
        carrier_sid: str,
        now: datetime,
        *,
        outcome: Outcome,
        callback_at: datetime | None = None,
        consent_at: datetime | None = None,
        report_id: str | None = None,
    ) -> bool:
        """How the interview of an answered call ended: a decline, an opt-out (the number goes
        on the DNC list), a callback request at ``callback_at``, or a finished interview.

        It may arrive before or after the carrier's final status; either way the attempt ends
        with the refined outcome and a requested callback is scheduled once."""
        with self.db.session() as session:
            attempt = self._attempt_for(session, carrier_sid)
            if attempt is None:
                return False
            info: dict[str, Any] = {"interview": str(outcome)}
            if callback_at is not None:
                info["callback_at"] = utc(callback_at).isoformat()
            if report_id:
                info["report_id"] = report_id
            attempt.detail = {**attempt.detail, **info}
            if consent_at is not None:
                attempt.consent_at = consent_at
            campaign = self._campaign(session, attempt.campaign_id)
            if attempt.state == "done" and attempt.outcome == str(Outcome.ANSWERED):
                # The carrier's "completed" came first: apply the interview's verdict now.
                attempt.state = "in_call"
                self._finish(session, campaign, attempt, outcome, now, "interview", callback_at)
            self._audit(
                session,
                now,
                "interview",
                attempt.campaign_id,
                "interview",
                attempt.attempt_id,
                outcome=str(outcome),
            )
            return True

    def interview_ended(
        self,
        carrier_sid: str,
        now: datetime,
        *,
        interview_outcome: str | None,
        callback_text: str | None = None,
        consent: bool | None = None,
        consent_at: datetime | None = None,
        report_id: str | None = None,
    ) -> bool:
        """The interview of a campaign call ended (``dialogue.events.Outcome`` values): an
        opt-out puts the number on the DNC list; a callback request is parsed from the
        candidate's words in their time zone (``dialogue/callback_time.py``; unparsed:
        ``callback_default_s`` later) and rescheduled inside the window. False for a call
        that is no campaign's."""
        with self.db.session() as session:
            attempt = session.scalars(
                select(CallAttempt).where(CallAttempt.carrier_sid == carrier_sid)
            ).first()
            if attempt is None:
                return False
            zone, language = ZoneInfo(attempt.timezone), attempt.language
        if interview_outcome == "opted_out":
            return self.opt_out(carrier_sid, now)
        outcome, callback_at = Outcome.ANSWERED, None
        if interview_outcome == "callback_requested":
            outcome = Outcome.CALLBACK
            local_now = now.astimezone(zone)
            callback_at = parse_callback_time(callback_text or "", language, local_now)
            if callback_at is None:
                callback_at = now + timedelta(seconds=self.settings.callback_default_s)
        return self.interview_result(
            carrier_sid,
            now,
            outcome=outcome,
            callback_at=callback_at,
            consent_at=consent_at if consent else None,
            report_id=report_id,
        )

    def opt_out(self, carrier_sid: str, now: datetime) -> bool:
        """The candidate asked not to be called again: DNC (with its timestamp), and the
        attempt ends as declined."""
        with self.db.session() as session:
            attempt = session.scalars(
                select(CallAttempt).where(CallAttempt.carrier_sid == carrier_sid)
            ).first()
            if attempt is None:
                return False
            phone, candidate, campaign_id = attempt.phone, attempt.candidate_id, attempt.campaign_id
            self._audit(session, now, "candidate", campaign_id, "opt_out", attempt.attempt_id)
        self.add_dnc([phone], now=now, source="opt_out", candidate_id=candidate)
        return self.interview_result(carrier_sid, now, outcome=Outcome.DECLINED)

    def recover(self, now: datetime, worker: str = "recovery") -> int:
        """Recover attempts of dead workers (see the module docstring); returns how many."""
        recovered = 0
        with self.db.session() as session:
            stale = session.scalars(
                select(CallAttempt)
                .where(
                    CallAttempt.state.in_(ACTIVE_ATTEMPT_STATES),
                    CallAttempt.lease_until < now,
                )
                .with_for_update(skip_locked=True)
            ).all()
            for attempt in stale:
                recovered += 1
                if attempt.state == "claimed":  # never dialled: back in the queue, same attempt
                    attempt.state, attempt.worker, attempt.lease_until = "queued", None, None
                    self._audit(
                        session, now, worker, attempt.campaign_id, "requeued", attempt.attempt_id
                    )
                    continue
                campaign = self._campaign(session, attempt.campaign_id)
                attempt.detail = {**attempt.detail, "lost": True}
                self._finish(session, campaign, attempt, Outcome.FAILED, now, worker)
        return recovered

    def _finish(
        self,
        session: Session,
        campaign: Campaign,
        attempt: CallAttempt,
        outcome: Outcome,
        now: datetime,
        actor: str,
        callback_at: datetime | None = None,
    ) -> None:
        """End ``attempt`` with ``outcome`` and queue the next one the policy allows.

        The campaign row is locked (and re-read) first: two attempts ending at once in two
        transactions would each see the other still open and neither close the campaign."""
        session.refresh(campaign, with_for_update=True)
        attempt.state, attempt.outcome, attempt.ended_at = "done", str(outcome), now
        attempt.lease_until = None
        self._audit(
            session,
            now,
            actor,
            campaign.campaign_id,
            "ended",
            attempt.attempt_id,
            outcome=str(outcome),
        )
        next_at = self._next_time(campaign, attempt, outcome, now, callback_at)
        if next_at is not None:
            retry = CallAttempt(
                attempt_id=_new_id("att_"),
                campaign_id=campaign.campaign_id,
                candidate_id=attempt.candidate_id,
                phone=attempt.phone,
                timezone=attempt.timezone,
                language=attempt.language,
                name=attempt.name,
                attempt_no=attempt.attempt_no + 1,
                state="queued",
                reason="callback" if outcome is Outcome.CALLBACK else "retry",
                due_at=next_at,
                detail={},
            )
            session.add(retry)
            session.flush()
            if campaign.state == "done":  # a late callback request reopens the campaign
                campaign.state, campaign.finished_at = "active", None
            self._audit(
                session,
                now,
                actor,
                campaign.campaign_id,
                "scheduled",
                retry.attempt_id,
                reason=retry.reason,
                due_at=next_at.isoformat(),
            )
            return
        remaining = session.scalar(
            select(func.count()).where(
                CallAttempt.campaign_id == campaign.campaign_id, CallAttempt.state != "done"
            )
        )
        if not remaining and campaign.state == "active":
            campaign.state, campaign.finished_at, campaign.updated_at = "done", now, now
            self._audit(session, now, actor, campaign.campaign_id, "done")

    def _next_time(
        self,
        campaign: Campaign,
        attempt: CallAttempt,
        outcome: Outcome,
        now: datetime,
        callback_at: datetime | None,
    ) -> datetime | None:
        if campaign.state == "canceled":
            return None
        rules = self.rules(campaign)
        delay = retry_delay(rules.retry, outcome, attempt.attempt_no, self._draw())
        if delay is None:
            return None
        wanted = utc(callback_at) if callback_at is not None else now + timedelta(seconds=delay)
        return next_allowed(rules.calling, attempt.phone, ZoneInfo(attempt.timezone), wanted)

    # --- retention ---------------------------------------------------------------------------

    def purge(self, now: datetime, retention_days: int | None = None) -> int:
        """Erase campaigns (attempts with numbers, call times and consent evidence, and their
        audit rows) finished more than the retention period ago; returns how many."""
        days = retention_days if retention_days is not None else self.settings.retention_days
        cutoff = now - timedelta(days=days)
        with self.db.session() as session:
            ids = session.scalars(
                select(Campaign.campaign_id).where(
                    Campaign.finished_at.is_not(None), Campaign.finished_at < cutoff
                )
            ).all()
            if ids:
                session.execute(delete(CallAttempt).where(CallAttempt.campaign_id.in_(ids)))
                session.execute(delete(CampaignAudit).where(CampaignAudit.campaign_id.in_(ids)))
                session.execute(delete(Campaign).where(Campaign.campaign_id.in_(ids)))
        for campaign_id in ids:
            self._rules.pop(campaign_id, None)
        return len(ids)


def _refine(final: Outcome, detail: dict[str, Any]) -> tuple[Outcome, datetime | None]:
    """The carrier's outcome, refined by the interview's when that arrived first."""
    if final is not Outcome.ANSWERED or "interview" not in detail:
        return final, None
    outcome = Outcome(detail["interview"])
    raw = detail.get("callback_at")
    return outcome, datetime.fromisoformat(raw) if isinstance(raw, str) else None


def _summary(row: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": row.campaign_id,
        "name": row.name,
        "job_id": row.job_id,
        "script_id": row.script_id,
        "state": row.state,
        "max_concurrent": row.max_concurrent,
        "calls_per_second": row.calls_per_second,
        "created_at": utc(row.created_at).isoformat(),
        "finished_at": utc(row.finished_at).isoformat() if row.finished_at else None,
        "policy": row.policy,
    }


def _attempt_row(row: CallAttempt) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return utc(value).isoformat() if value else None

    return {
        "attempt_id": row.attempt_id,
        "candidate_id": row.candidate_id,
        "phone": row.phone[:4] + "…" + row.phone[-2:],
        "attempt_no": row.attempt_no,
        "state": row.state,
        "reason": row.reason,
        "due_at": iso(row.due_at),
        "dialled_at": iso(row.dialled_at),
        "ended_at": iso(row.ended_at),
        "outcome": row.outcome,
        "answered_by": row.answered_by,
        "consent_at": iso(row.consent_at),
    }

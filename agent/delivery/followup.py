"""Follow-ups on the wire: from an ``interview.completed`` or ``report.reviewed`` event to SMS
and email accepted by the providers.

:func:`plan` reads what the event needs (the job's rules, the candidate's contact and
language, the report's score) in the caller's session and applies the pure rules of
``agent/campaigns/followup.py``; :class:`FollowUpSender` sends the planned messages. The outbox
worker calls both (``wants`` → :func:`plan`, ``deliver`` → :meth:`FollowUpSender.send`), so a
follow-up is sent at least once and survives restarts like every other event.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from agent.campaigns.followup import FollowUp, FollowUpRules, Message, decide, render
from agent.delivery.mail import MailError, SmtpMailer
from agent.delivery.sinks import Event, Outcome, clip
from agent.delivery.sms import AliyunSms, SmsError, TwilioSms
from agent.settings import Settings
from agent.store.db import Database
from agent.store.tables import Candidate, Job, ReportRow

__all__ = [
    "FollowUpPlan",
    "FollowUpSender",
    "FollowUpSink",
    "MailError",
    "Sent",
    "SmsError",
    "followup_sink",
    "plan",
]

INTERVIEW_COMPLETED = "interview.completed"
REPORT_REVIEWED = "report.reviewed"


@dataclass(frozen=True)
class FollowUpPlan:
    """The messages one event leads to, and to whom."""

    kind: FollowUp
    candidate_id: str
    phone: str | None
    email: str | None
    messages: tuple[Message, ...]
    to_recruiter: bool = False


@dataclass(frozen=True)
class Sent:
    """A message a provider accepted."""

    channel: str
    provider: str
    message_id: str
    accepted_at: datetime


def plan(
    session: Session, event_type: str, payload: dict[str, Any], settings: Settings
) -> FollowUpPlan | None:
    """The follow-up an event calls for, or None (not a result event, no job or candidate, or
    the rules say wait)."""
    if event_type not in (INTERVIEW_COMPLETED, REPORT_REVIEWED):
        return None
    job = session.get(Job, payload.get("job_id") or "")
    candidate = session.get(Candidate, payload.get("candidate_id") or "")
    if job is None or candidate is None:
        return None
    rules = FollowUpRules.from_json(job.follow_up_rules)
    score = payload.get("score")
    if event_type == REPORT_REVIEWED:
        report = session.get(ReportRow, payload.get("report_id") or "")
        score = report.score if report is not None else None
    kind = decide(
        rules,
        float(score) if isinstance(score, int | float) else None,
        on="review" if event_type == REPORT_REVIEWED else "report",
        review_required=job.review_required,
        override=event_type == REPORT_REVIEWED
        and payload.get("tier") != payload.get("recommended_tier"),
    )
    if kind is None:
        return None
    link = settings.followup.second_round_url or ""
    variables = {
        "name": candidate.name,
        "job_title": job.title,
        "link": link,
        "score": "" if score is None else f"{float(score):.0f}",
    }
    channels = ("email",) if kind is FollowUp.RECRUITER_TASK else rules.channels
    messages = []
    for channel in channels:
        message = render(rules, kind, channel, candidate.language, variables)  # type: ignore[arg-type]
        if message is not None:
            messages.append(message)
    return FollowUpPlan(
        kind=kind,
        candidate_id=candidate.candidate_id,
        phone=candidate.phone,
        email=settings.followup.recruiter_email
        if kind is FollowUp.RECRUITER_TASK
        else candidate.email,
        messages=tuple(messages),
        to_recruiter=kind is FollowUp.RECRUITER_TASK,
    )


@dataclass
class FollowUpSender:
    """The configured providers; build with :meth:`from_settings`."""

    settings: Settings
    twilio: TwilioSms | None = None
    aliyun: AliyunSms | None = None
    mailer: SmtpMailer | None = None
    _closers: list[Any] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> FollowUpSender:
        """Senders for every provider the settings configure."""
        f, tw = settings.followup, settings.twilio
        twilio = aliyun = mailer = None
        if tw.account_sid and tw.auth_token and tw.from_number:
            twilio = TwilioSms(
                tw.account_sid, tw.auth_token, tw.from_number, base_url=tw.api_base_url
            )
        if f.aliyun_access_key_id and f.aliyun_access_key_secret and f.aliyun_sign_name:
            aliyun = AliyunSms(
                f.aliyun_access_key_id,
                f.aliyun_access_key_secret.get_secret_value(),
                f.aliyun_sign_name,
                base_url=f.aliyun_base_url,
                region=f.aliyun_region,
            )
        if f.smtp_host and f.mail_from:
            mailer = SmtpMailer(
                f.smtp_host,
                f.smtp_port,
                f.mail_from,
                username=f.smtp_username,
                password=f.smtp_password.get_secret_value() if f.smtp_password else None,
                starttls=f.smtp_starttls,
                use_tls=f.smtp_tls,
            )
        return cls(settings, twilio, aliyun, mailer)

    async def send(self, planned: FollowUpPlan) -> list[Sent]:
        """Send every planned message (concurrently).

        Raises:
            SmsError / MailError: the first refusal (the caller retries the event; providers
                that accepted already are asked again, which the outbox's idempotency key
                lets an HR system de-duplicate).
        """
        results = await asyncio.gather(*(self._one(planned, m) for m in planned.messages))
        return [r for r in results if r is not None]

    async def _one(self, planned: FollowUpPlan, message: Message) -> Sent | None:
        if message.channel == "email":
            if self.mailer is None or not planned.email:
                return None
            message_id = await self.mailer.send(planned.email, message.subject, message.text)
            return Sent("email", "smtp", message_id, datetime.now(UTC))
        if not planned.phone:
            return None
        provider = self.settings.followup.sms_provider.get(message.language, "none")
        if provider == "twilio" and self.twilio is not None:
            accepted = await self.twilio.send(planned.phone, message.text)
        elif provider == "aliyun" and self.aliyun is not None:
            code = self.settings.followup.aliyun_templates.get(str(planned.kind))
            if not code:
                raise SmsError(f"no Aliyun TemplateCode for {planned.kind}", permanent=True)
            params = {k: message.variables[k] for k in ("name", "job_title", "link")}
            accepted = await self.aliyun.send(planned.phone, code, params)
        else:
            return None
        return Sent("sms", accepted.provider, accepted.message_id, datetime.now(UTC))

    async def aclose(self) -> None:
        """Close the providers' connections."""
        for client in (self.twilio, self.aliyun):
            if client is not None:
                await client.aclose()


class FollowUpSink:
    """Follow-ups as a delivery sink: the outbox worker fans ``interview.completed`` and
    ``report.reviewed`` out to it when the job's rules call for a message, and retries a
    refused send like any other delivery (at least once, across restarts)."""

    name = "followup"

    def __init__(self, settings: Settings, db: Database, sender: FollowUpSender) -> None:
        self.settings = settings
        self.db = db
        self.sender = sender

    def wants(self, session: Session, event: Event) -> bool:
        planned = plan(session, event.type, event.payload, self.settings)
        return planned is not None and bool(planned.messages)

    def _plan(self, event: Event) -> FollowUpPlan | None:
        with self.db.session() as session:
            return plan(session, event.type, event.payload, self.settings)

    async def deliver(self, client: httpx.AsyncClient, event: Event, attempt: int) -> Outcome:
        # Planned again at send time: a candidate erased since the fan-out gets nothing.
        planned = await asyncio.to_thread(self._plan, event)
        if planned is None:
            return Outcome(False, error="nothing to send any more", permanent=True)
        try:
            sent = await self.sender.send(planned)
        except SmsError as exc:
            return Outcome(False, error=clip(f"sms: {exc}"), permanent=exc.permanent)
        except MailError as exc:
            return Outcome(False, error=clip(f"email: {exc}"))
        if not sent:
            return Outcome(False, error="no provider configured for these messages", permanent=True)
        return Outcome(True)


def followup_sink(settings: Settings, db: Database) -> FollowUpSink | None:
    """The follow-up sink when any SMS or email provider is configured, else None."""
    sender = FollowUpSender.from_settings(settings)
    if sender.twilio is None and sender.aliyun is None and sender.mailer is None:
        return None
    return FollowUpSink(settings, db, sender)

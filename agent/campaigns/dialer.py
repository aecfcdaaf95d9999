"""The dialer worker: claim due attempts, place the calls, recover dead workers' claims.

Any number of workers (one per server process, or several tasks with their own connections)
share the queue in the database; each pass is :meth:`Dialer.tick`. The carrier is a small
protocol (:class:`Carrier`): Twilio's REST API here (:class:`TwilioCarrier`), FreeSWITCH ESL
beside it. Outcomes come back through the carrier's callbacks
(``agent/api/campaigns.py``), which any server may receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlencode

from agent.auth.guard import Access
from agent.campaigns.outcomes import Outcome, from_api_error, from_hangup_cause
from agent.campaigns.store import CampaignStore, Claim
from agent.settings import Settings
from telephony.esl import EslClient, EslError, originate_command
from telephony.twilio import connect_stream_twiml
from telephony.twilio_rest import TwilioApiError, TwilioRestClient, TwilioRestError

log = logging.getLogger(__name__)

__all__ = [
    "CAMPAIGN_STATUS_PATH",
    "Carrier",
    "CarrierRefused",
    "CarrierUncertain",
    "Clock",
    "Dialer",
    "FreeSwitchCarrier",
    "TwilioCarrier",
    "system_clock",
]

#: Where Twilio reports campaign calls' progress and AMD verdicts (agent/api/campaigns.py).
CAMPAIGN_STATUS_PATH = "/telephony/twilio/campaign-status"

Clock = Callable[[], datetime]
_PURGE_EVERY_S = 3600.0


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class CarrierRefused(Exception):
    """The carrier would not place the call; ``outcome`` says whether to try again."""

    def __init__(self, outcome: Outcome, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.code = code


class CarrierUncertain(Exception):
    """The request may or may not have reached the carrier (a timeout, a dropped
    connection): the attempt stays ``dialling`` so that no second call can overlap a call
    that was in fact placed; its callbacks finish it, or recovery writes it off after
    ``lost_call_s``."""


class Carrier(Protocol):
    """Places one outbound call; returns the carrier's id for it."""

    async def dial(self, claim: Claim) -> str: ...


class TwilioCarrier:
    """Outbound calls through Twilio's ``Calls.json`` (``telephony/twilio_rest.py``): the
    answered call streams into the interview; progress and AMD go to the campaign webhook."""

    def __init__(self, settings: Settings, access: Access) -> None:
        from agent.api.telephony import TWILIO_STREAM_PATH, public_bases, stream_parameters

        tw = settings.twilio
        if not (tw.account_sid and tw.auth_token and tw.from_number):
            raise ValueError(
                "Twilio is not configured (twilio.account_sid, auth_token, from_number)"
            )
        self._from = tw.from_number
        webhook_base, media_base = public_bases(settings)
        self._stream_url = media_base + TWILIO_STREAM_PATH
        self._status_url = webhook_base + CAMPAIGN_STATUS_PATH
        self._stream_parameters = stream_parameters
        self._access = access
        self._client = TwilioRestClient(tw.account_sid, tw.auth_token, base_url=tw.api_base_url)

    async def dial(self, claim: Claim) -> str:
        parameters = self._stream_parameters(
            self._access, claim.candidate_id, claim.script_id, call_sid=None
        )
        twiml = connect_stream_twiml(self._stream_url, parameters)
        # Our attempt id rides in the (signed) callback URL: a callback that overtakes
        # Twilio's answer to this request still finds its attempt.
        status_url = f"{self._status_url}?{urlencode({'attempt': claim.attempt_id})}"
        try:
            created = await self._client.create_call(
                to=claim.phone,
                from_=self._from,
                twiml=twiml,
                status_callback=status_url,
                async_amd_status_callback=status_url,
            )
        except TwilioApiError as exc:
            raise CarrierRefused(from_api_error(exc.code), exc.message, exc.code) from exc
        except TwilioRestError as exc:
            raise CarrierUncertain(str(exc)) from exc
        return created.sid

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()


class FreeSwitchCarrier:
    """Outbound calls through FreeSWITCH over ESL: ``bgapi originate`` into the audio_fork
    extension of the dialplan; the call's uuid (``origination_uuid``, ours) is the carrier
    id. Outcomes come back as events on the same connection: ``BACKGROUND_JOB`` (``-ERR
    USER_BUSY`` …: never connected), ``CHANNEL_ANSWER``, ``CHANNEL_HANGUP_COMPLETE``."""

    EVENTS = ("BACKGROUND_JOB", "CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")

    def __init__(
        self, settings: Settings, store: CampaignStore, clock: Clock = system_clock
    ) -> None:
        cs = settings.campaigns
        if cs.esl_password is None:
            raise ValueError("FreeSWITCH dialling needs campaigns.esl_password")
        secret = settings.auth.freeswitch_secret
        self._token = secret.get_secret_value() if secret else ""
        self._settings = cs
        self._store = store
        self._clock = clock
        self._jobs: dict[str, str] = {}  # Job-UUID -> call uuid
        # call uuid -> attempt id: events may overtake the dialler recording the uuid
        self._attempts: dict[str, str] = {}
        self._answered: set[str] = set()
        self.client = EslClient(
            cs.esl_host, cs.esl_port, cs.esl_password.get_secret_value(), on_event=self._event
        )

    async def connect(self) -> None:
        """Connect and subscribe (raises EslError)."""
        await self.client.connect(self.EVENTS)

    async def dial(self, claim: Claim) -> str:
        cs = self._settings
        call_uuid = str(uuid.uuid4())
        variables = {
            "origination_uuid": call_uuid,
            "originate_timeout": str(cs.originate_timeout_s),
            "ignore_early_media": "true",
            "candidate_id": claim.candidate_id,
            "script_id": claim.script_id,
            "screenline_attempt": claim.attempt_id,
            "screenline_token": self._token,
        }
        variables = {k: v for k, v in variables.items() if v}
        self._attempts[call_uuid] = claim.attempt_id
        try:
            command = originate_command(
                f"sofia/gateway/{cs.freeswitch_gateway}/{claim.phone}",
                cs.freeswitch_extension,
                variables=variables,
                context=cs.freeswitch_context,
            )
            # Our own Job-UUID, known before the job's event can arrive.
            job = str(uuid.uuid4())
            self._jobs[job] = call_uuid
            await self.client.bgapi(command, job_uuid=job)
        except ValueError as exc:
            self._attempts.pop(call_uuid, None)
            self._jobs = {k: v for k, v in self._jobs.items() if v != call_uuid}
            raise CarrierRefused(Outcome.FAILED, str(exc)) from exc
        except EslError as exc:  # the bgapi may have been read: its events still count
            raise CarrierUncertain(str(exc)) from exc
        return call_uuid

    async def _event(self, headers: dict[str, str], body: str) -> None:
        name = headers.get("Event-Name")
        now = self._clock()
        if name == "BACKGROUND_JOB":
            call_uuid = self._jobs.pop(headers.get("Job-UUID", ""), None)
            result = body.strip()
            if call_uuid is not None and result.startswith("-ERR"):
                cause = result[4:].strip() or "NORMAL_TEMPORARY_FAILURE"
                await asyncio.to_thread(
                    self._store.carrier_progress,
                    call_uuid,
                    now,
                    attempt_id=self._attempts.pop(call_uuid, None),
                    final=from_hangup_cause(cause, answered=False),
                    cause=cause[:40],
                )
            return
        call_uuid = headers.get("Unique-ID", "")
        if name == "CHANNEL_ANSWER":
            self._answered.add(call_uuid)
            await asyncio.to_thread(
                self._store.carrier_progress,
                call_uuid,
                now,
                attempt_id=self._attempts.get(call_uuid),
                answered=True,
            )
        elif name == "CHANNEL_HANGUP_COMPLETE":
            answered = call_uuid in self._answered
            self._answered.discard(call_uuid)
            cause = headers.get("Hangup-Cause", "")
            await asyncio.to_thread(
                self._store.carrier_progress,
                call_uuid,
                now,
                attempt_id=self._attempts.pop(call_uuid, None),
                final=from_hangup_cause(cause, answered),
                cause=cause[:40],
            )

    async def aclose(self) -> None:
        """Close the event socket."""
        await self.client.close()


class Dialer:
    """One dialer worker.

    Args:
        store: the campaign tables.
        carrier: places the calls.
        clock: now (UTC); tests pass a clock they move.
        worker_id: this worker's name in claims and audit rows (unique per process).
        batch: most calls one pass starts.
        check_number: refuses numbers outside the deployment's dialling policy (raises).
    """

    def __init__(
        self,
        store: CampaignStore,
        carrier: Carrier,
        *,
        clock: Clock = system_clock,
        worker_id: str | None = None,
        batch: int = 50,
        check_number: Callable[[str], object] | None = None,
    ) -> None:
        self.store = store
        self.carrier = carrier
        self.clock = clock
        self.worker_id = worker_id or f"dialer-{os.getpid()}-{secrets.token_hex(3)}"
        self.batch = batch
        self._check_number = check_number
        self.placed = 0

    async def tick(self) -> int:
        """One pass: recover dead workers' attempts, claim due ones, dial them. Returns how
        many calls were placed."""
        await asyncio.to_thread(self.store.recover, self.clock(), self.worker_id)
        report = await asyncio.to_thread(self.store.claim, self.worker_id, self.clock(), self.batch)
        placed = await asyncio.gather(*(self._dial(claim) for claim in report.claims))
        return sum(placed)

    async def _dial(self, claim: Claim) -> bool:
        if self._check_number is not None:
            try:
                self._check_number(claim.phone)
            except ValueError as exc:
                if await asyncio.to_thread(
                    self.store.start_dialling, claim.attempt_id, self.worker_id, self.clock()
                ):
                    await asyncio.to_thread(
                        self.store.refused,
                        claim.attempt_id,
                        Outcome.INVALID_NUMBER,
                        self.clock(),
                        error=str(exc)[:200],
                    )
                return False
        if not await asyncio.to_thread(
            self.store.start_dialling, claim.attempt_id, self.worker_id, self.clock()
        ):
            log.warning("attempt %s: claim lost before dialling; skipped", claim.attempt_id)
            return False
        try:
            sid = await self.carrier.dial(claim)
        except CarrierUncertain as exc:
            log.warning(
                "attempt %s: carrier request uncertain (%s); awaiting callbacks",
                claim.attempt_id,
                exc,
            )
            return False
        except CarrierRefused as exc:
            log.info("attempt %s refused by the carrier: %s", claim.attempt_id, exc)
            await asyncio.to_thread(
                self.store.refused,
                claim.attempt_id,
                exc.outcome,
                self.clock(),
                error=str(exc)[:200],
                code=exc.code,
            )
            return False
        await asyncio.to_thread(self.store.dialled, claim.attempt_id, sid, self.clock())
        self.placed += 1
        return True

    async def run(self, stop: asyncio.Event, poll_s: float = 1.0) -> None:
        """Tick until ``stop`` is set (a failing pass is logged and retried next poll); once
        an hour, erase campaigns past their retention period."""
        purged_at = -_PURGE_EVERY_S
        while not stop.is_set():
            try:
                await self.tick()
                if time.monotonic() - purged_at >= _PURGE_EVERY_S:
                    purged_at = time.monotonic()
                    erased = await asyncio.to_thread(self.store.purge, self.clock())
                    if erased:
                        log.info("campaigns: %d past retention erased", erased)
            except Exception:
                log.exception("dialer %s: pass failed", self.worker_id)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_s)

"""Outbound calls through Twilio's REST API, and the status callbacks that report on them.

Split like the wire codecs: pure request building (:func:`build_create_call_form`), response
parsing (:func:`parse_create_call_response`) and callback parsing
(:func:`parse_status_callback`), plus a thin async :class:`TwilioRestClient` over httpx that
does the one POST. ``base_url`` is configurable so tests run against a local stand-in
(``tests/telephony/twilio_standin.py``) that follows the documented contract.

Reference: https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource,
https://www.twilio.com/docs/voice/answering-machine-detection (async AMD callbacks),
https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions (error JSON).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, Self, TypeVar

import httpx

from telephony.errors import ProtocolError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_STATUS_CALLBACK_EVENTS",
    "AnsweredBy",
    "CallCreated",
    "CallStatus",
    "StatusCallback",
    "TwilioApiError",
    "TwilioRestClient",
    "TwilioRestError",
    "build_create_call_form",
    "call_path",
    "calls_path",
    "parse_create_call_response",
    "parse_status_callback",
]

DEFAULT_BASE_URL = "https://api.twilio.com"

_E = TypeVar("_E", bound=enum.StrEnum)
DEFAULT_STATUS_CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")


class CallStatus(enum.StrEnum):
    """``CallStatus`` values of a call and its status callbacks."""

    QUEUED = "queued"
    INITIATED = "initiated"  # reported by the ``initiated`` callback event
    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_final(self) -> bool:
        """True for the statuses a call ends in."""
        return self in _FINAL


_FINAL = frozenset(
    {CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.NO_ANSWER, CallStatus.FAILED}
    | {CallStatus.CANCELED}
)


class AnsweredBy(enum.StrEnum):
    """Answering-machine-detection verdicts (``AnsweredBy``)."""

    HUMAN = "human"
    MACHINE_START = "machine_start"
    MACHINE_END_BEEP = "machine_end_beep"
    MACHINE_END_SILENCE = "machine_end_silence"
    MACHINE_END_OTHER = "machine_end_other"
    FAX = "fax"
    UNKNOWN = "unknown"


# --- errors -------------------------------------------------------------------------------------


class TwilioRestError(Exception):
    """The call could not be placed: network failure, or see :class:`TwilioApiError`."""


class TwilioApiError(TwilioRestError):
    """Twilio answered with an error.

    Attributes:
        http_status: the HTTP status code (e.g. 400, 401, 429).
        code: Twilio's error code (e.g. 20003 authentication, 21201 missing ``To``), if given.
        message: Twilio's explanation.
        more_info: link to the error's documentation, if given.
    """

    def __init__(
        self, http_status: int, code: int | None, message: str, more_info: str | None = None
    ) -> None:
        self.http_status = http_status
        self.code = code
        self.message = message
        self.more_info = more_info
        tag = f"Twilio error {code}" if code is not None else "Twilio error"
        super().__init__(f"{tag} (HTTP {http_status}): {message}")


# --- pure request/response handling -------------------------------------------------------------


def calls_path(account_sid: str) -> str:
    """Path of the Calls list resource for an account."""
    return f"/2010-04-01/Accounts/{account_sid}/Calls.json"


def call_path(account_sid: str, call_sid: str) -> str:
    """Path of one call's resource (POST to it to redirect or end a live call)."""
    return f"/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json"


def build_create_call_form(
    *,
    to: str,
    from_: str,
    twiml: str,
    status_callback: str | None = None,
    status_callback_events: Sequence[str] = DEFAULT_STATUS_CALLBACK_EVENTS,
    machine_detection: str | None = "DetectMessageEnd",
    async_amd: bool = True,
    async_amd_status_callback: str | None = None,
    timeout_s: int | None = None,
) -> list[tuple[str, str]]:
    """Form fields for ``POST …/Calls.json`` (pairs, since ``StatusCallbackEvent`` repeats).

    ``machine_detection=None`` turns AMD off; with ``async_amd`` the verdict arrives later at
    ``async_amd_status_callback`` instead of delaying the TwiML until detection finishes.
    """
    form = [("To", to), ("From", from_), ("Twiml", twiml)]
    if status_callback:
        form += [("StatusCallback", status_callback), ("StatusCallbackMethod", "POST")]
        form += [("StatusCallbackEvent", event) for event in status_callback_events]
    if machine_detection:
        form.append(("MachineDetection", machine_detection))
        if async_amd:
            form.append(("AsyncAmd", "true"))
            if async_amd_status_callback:
                form.append(("AsyncAmdStatusCallback", async_amd_status_callback))
                form.append(("AsyncAmdStatusCallbackMethod", "POST"))
    if timeout_s is not None:
        form.append(("Timeout", str(timeout_s)))  # seconds to let it ring
    return form


@dataclass(frozen=True, slots=True)
class CallCreated:
    """Twilio accepted the call (HTTP 201)."""

    sid: str
    status: CallStatus
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def parse_create_call_response(http_status: int, body: bytes) -> CallCreated:
    """Interpret the response to ``POST …/Calls.json``.

    Raises:
        TwilioApiError: a non-2xx status (with Twilio's ``code``/``message`` when the body
            holds its error JSON), or a 2xx body without a call ``sid``/``status``.
    """
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    if not 200 <= http_status < 300:
        raise _api_error(http_status, data, body)
    if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
        raise TwilioApiError(http_status, None, "response has no call sid")
    status = data.get("status")
    try:
        call_status = CallStatus(status if isinstance(status, str) else "")
    except ValueError:
        raise TwilioApiError(http_status, None, f"unexpected call status {status!r}") from None
    return CallCreated(sid=data["sid"], status=call_status, raw=MappingProxyType(data))


def _api_error(http_status: int, data: object, body: bytes) -> TwilioApiError:
    # Twilio's error JSON: {"code": 20003, "message": "...", "more_info": "...", "status": 401}.
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        code, more = data.get("code"), data.get("more_info")
        return TwilioApiError(
            http_status,
            code if type(code) is int else None,
            data["message"],
            more if isinstance(more, str) else None,
        )
    # Not Twilio's JSON (e.g. a proxy's HTML error page): keep a short excerpt.
    text = body[:200].decode("utf-8", "replace").strip() or "no error details"
    return TwilioApiError(http_status, None, text)


@dataclass(frozen=True, slots=True)
class StatusCallback:
    """One status-callback or async-AMD-callback POST from Twilio.

    A call-progress callback carries ``call_status``; an ``AsyncAmdStatusCallback`` carries
    ``answered_by`` (and usually no status). Other parameters are kept in ``params``.
    """

    call_sid: str
    call_status: CallStatus | None = None
    answered_by: AnsweredBy | None = None
    account_sid: str | None = None
    call_duration_s: int | None = None
    sequence_number: int | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def is_final(self) -> bool:
        """True when this callback reports how the call ended."""
        return self.call_status is not None and self.call_status.is_final


def parse_status_callback(
    params: Mapping[str, str] | Iterable[tuple[str, str]],
) -> StatusCallback:
    """Parse the form fields of a Twilio status or AMD callback.

    Verify the request's ``X-Twilio-Signature`` with :func:`telephony.twilio.validate_signature`
    first; this function only checks the content.

    Raises:
        ProtocolError: no ``CallSid``; neither ``CallStatus`` nor ``AnsweredBy``; an unknown
            status or AMD verdict; a non-integer duration or sequence number.
    """
    form = dict(params.items() if isinstance(params, Mapping) else params)
    call_sid = form.get("CallSid")
    if not call_sid:
        raise ProtocolError("status callback without CallSid")
    status = _enum(CallStatus, form, "CallStatus")
    answered_by = _enum(AnsweredBy, form, "AnsweredBy")
    if status is None and answered_by is None:
        raise ProtocolError("status callback has neither CallStatus nor AnsweredBy")
    return StatusCallback(
        call_sid=call_sid,
        call_status=status,
        answered_by=answered_by,
        account_sid=form.get("AccountSid"),
        call_duration_s=_int(form, "CallDuration"),
        sequence_number=_int(form, "SequenceNumber"),
        params=MappingProxyType(form),
    )


def _enum(kind: type[_E], form: Mapping[str, str], key: str) -> _E | None:
    value = form.get(key)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise ProtocolError(f"status callback: unknown {key} {value!r}") from None


def _int(form: Mapping[str, str], key: str) -> int | None:
    value = form.get(key)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ProtocolError(f"status callback: {key} {value!r} is not an integer")
    return int(value)


# --- the client ---------------------------------------------------------------------------------


class TwilioRestClient:
    """Minimal async client for creating outbound calls.

    Args:
        account_sid: the account (``AC…``); also the Basic-auth user.
        auth_token: the account's auth token; the Basic-auth password.
        base_url: API origin; point it at a local stand-in in tests.
        timeout_s: per-request timeout.
        transport: optional httpx transport (e.g. for proxies or mocking).
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.account_sid = account_sid
        self._http = httpx.AsyncClient(
            base_url=base_url,
            auth=httpx.BasicAuth(account_sid, auth_token),
            timeout=timeout_s,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    async def create_call(
        self,
        *,
        to: str,
        from_: str,
        twiml: str,
        status_callback: str | None = None,
        status_callback_events: Sequence[str] = DEFAULT_STATUS_CALLBACK_EVENTS,
        machine_detection: str | None = "DetectMessageEnd",
        async_amd: bool = True,
        async_amd_status_callback: str | None = None,
        timeout_s: int | None = None,
    ) -> CallCreated:
        """Place an outbound call that runs ``twiml`` when answered.

        Arguments are those of :func:`build_create_call_form`.

        Raises:
            TwilioApiError: Twilio rejected the request (bad credentials, missing ``To`` …).
            TwilioRestError: Twilio could not be reached or timed out.
        """
        form = build_create_call_form(
            to=to,
            from_=from_,
            twiml=twiml,
            status_callback=status_callback,
            status_callback_events=status_callback_events,
            machine_detection=machine_detection,
            async_amd=async_amd,
            async_amd_status_callback=async_amd_status_callback,
            timeout_s=timeout_s,
        )
        # httpx encodes a list value as repeated keys, which StatusCallbackEvent needs.
        data: dict[str, list[str]] = {}
        for name, value in form:
            data.setdefault(name, []).append(value)
        try:
            response = await self._http.post(calls_path(self.account_sid), data=data)
        except httpx.HTTPError as exc:
            raise TwilioRestError(f"Twilio request failed: {exc!r}") from exc
        return parse_create_call_response(response.status_code, response.content)

    async def update_call(
        self, call_sid: str, *, twiml: str | None = None, status: str | None = None
    ) -> CallCreated:
        """Change a live call: run new ``twiml`` now, or ``status="completed"`` to hang up.

        Raises:
            TwilioApiError / TwilioRestError: as for :meth:`create_call`.
        """
        if (twiml is None) == (status is None):
            raise ValueError("give exactly one of twiml or status")
        data = {"Twiml": twiml} if twiml is not None else {"Status": str(status)}
        try:
            response = await self._http.post(call_path(self.account_sid, call_sid), data=data)
        except httpx.HTTPError as exc:
            raise TwilioRestError(f"Twilio request failed: {exc!r}") from exc
        return parse_create_call_response(response.status_code, response.content)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

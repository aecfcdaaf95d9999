"""Where outbox events go. A sink decides, when an event is fanned out, whether it wants it
(in the worker's database transaction, so it may record what the event means to it), and then
delivers it, as often as it takes: every delivery must be safe to repeat (at least once).

:class:`WebhookSink` posts the event, signed, to one configured HR endpoint. The ATS adapters
(:mod:`agent.delivery.greenhouse`, :mod:`agent.delivery.successfactors`) are sinks too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from sqlalchemy.orm import Session

from agent.delivery.backoff import parse_retry_after
from agent.delivery.signing import signed_headers
from agent.settings import WebhookEndpoint

USER_AGENT = "Screenline-Delivery/1"
#: Bytes of a receiver's response body kept (for the error text); the rest is never read.
MAX_RESPONSE_BYTES = 4096
MAX_ERROR_CHARS = 500
#: Events the adapters raise for their own work; a webhook gets them only when it lists them.
INTERNAL_EVENTS = frozenset({"successfactors.application_status"})


@dataclass(frozen=True)
class Event:
    """An outbox event as a sink sees it."""

    event_id: str
    type: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt achieved."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    retry_after_s: float | None = None
    # A failure retrying cannot fix (410 Gone, an event the sink can no longer act on).
    permanent: bool = False


class Sink(Protocol):
    """A destination for events."""

    name: str

    def wants(self, session: Session, event: Event) -> bool:
        """At fan-out: whether this sink delivers ``event`` (may write rows in ``session``)."""
        ...

    async def deliver(self, client: httpx.AsyncClient, event: Event, attempt: int) -> Outcome:
        """Deliver ``event`` once (``attempt`` counts from 1); never raises for peer failures."""
        ...


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (SQLite hands timestamps back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def event_body(event: Event) -> bytes:
    """The JSON document a webhook receives (the same bytes on every attempt)."""
    document = {
        "id": event.event_id,
        "type": event.type,
        "created_at": utc(event.created_at).isoformat(),
        "data": event.payload,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def clip(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` cut to ``limit`` characters (error texts and response snippets are bounded)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Reply:
    """A peer's HTTP response, its body read only up to :data:`MAX_RESPONSE_BYTES`."""

    status_code: int
    headers: httpx.Headers
    body: bytes


async def send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Reply:
    """One request; the response body is read up to the bound and the rest discarded unread
    (a hostile or broken receiver cannot make the worker buffer gigabytes)."""
    async with client.stream(method, url, **kwargs) as response:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= MAX_RESPONSE_BYTES:
                break
        return Reply(response.status_code, response.headers, bytes(body[:MAX_RESPONSE_BYTES]))


def outcome_of(reply: Reply, now: float) -> Outcome:
    """2xx delivered; 410 Gone permanent; anything else (3xx too: redirects are not followed)
    retried, honouring ``Retry-After``."""
    code = reply.status_code
    if 200 <= code < 300:
        return Outcome(True, code)
    snippet = reply.body[:200].decode("utf-8", "replace").strip()
    error = clip(f"HTTP {code}" + (f": {snippet}" if snippet else ""))
    retry_after = parse_retry_after(reply.headers.get("retry-after"), now)
    return Outcome(False, code, error, retry_after, permanent=code == 410)


def transport_failure(exc: Exception) -> Outcome:
    """A request that got no response (refused, reset, timed out)."""
    return Outcome(False, None, clip(f"{type(exc).__name__}: {exc}"))


async def attempt_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    clock: Callable[[], float] = time.time,
    **kwargs: Any,
) -> tuple[Outcome, Reply | None]:
    """``send`` with its result classified; transport errors become a retryable outcome."""
    try:
        reply = await send(client, method, url, **kwargs)
    except httpx.HTTPError as exc:
        return transport_failure(exc), None
    return outcome_of(reply, clock()), reply


class WebhookSink:
    """POSTs each event, signed (:mod:`agent.delivery.signing`), to one HR endpoint."""

    def __init__(self, endpoint: WebhookEndpoint, clock: Callable[[], float] = time.time) -> None:
        self.endpoint = endpoint
        self.name = f"webhook:{endpoint.name}"
        self._clock = clock

    def wants(self, session: Session, event: Event) -> bool:
        if self.endpoint.events:
            return event.type in self.endpoint.events
        return event.type not in INTERNAL_EVENTS

    async def deliver(self, client: httpx.AsyncClient, event: Event, attempt: int) -> Outcome:
        body = event_body(event)
        secret = self.endpoint.secret.get_secret_value()
        # A fresh timestamp each attempt: a retry hours later is still inside the window.
        headers = signed_headers(secret, event.event_id, event.type, body, int(self._clock()))
        headers |= {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Screenline-Delivery-Attempt": str(attempt),
        }
        outcome, _ = await attempt_request(
            client, "POST", self.endpoint.url, self._clock, content=body, headers=headers
        )
        return outcome

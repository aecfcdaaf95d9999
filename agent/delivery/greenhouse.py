"""Greenhouse Assessment Partner API: we are the partner (developers.greenhouse.io/assessment).

Greenhouse calls our ``list_tests`` (our jobs), ``send_test`` (a candidate and a callback
``url``; we answer a ``partner_interview_id``), ``test_status`` and ``response_error``, with
HTTP Basic whose username is one of our API keys (routes: :mod:`agent.api.greenhouse`). When
the interview's report exists we send a body-less ``PATCH`` to the callback url (this sink,
driven by the outbox's ``interview.completed``); Greenhouse then reads ``test_status``.

The callback url comes from a peer, so it must be https on an allowed host (settings
``delivery.greenhouse.callback_hosts``; a loopback host listed there may use http, for tests).
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.orm import Session

from agent.auth.guard import http_base
from agent.delivery.ats import Result, link_completed, links_of_report, report_id_of
from agent.delivery.sinks import USER_AGENT, Event, Outcome, attempt_request
from agent.settings import GreenhouseSettings, Settings
from agent.store.db import Database

VENDOR = "greenhouse"
MAX_URL = 1000


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def callback_allowed(url: str, settings: GreenhouseSettings) -> bool:
    """Whether we may PATCH ``url``: https (http only for a listed loopback host), no
    credentials in it, its host listed exactly or as ``*.domain``."""
    if len(url) > MAX_URL:
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    listed = any(
        host == allowed.lower() or (allowed.startswith("*.") and host.endswith(allowed[1:].lower()))
        for allowed in settings.callback_hosts
    )
    if not listed:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))


def basic_auth(username: str, password: str = "") -> str:
    """An ``Authorization: Basic`` value (Greenhouse appends ':' to the key, then base64)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def basic_username(header: str | None) -> str | None:
    """The username of a Basic ``Authorization`` header (our API key), or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or len(value) > 1024:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    username, _, password = decoded.partition(":")
    return username or password or None  # some clients put the key in the password


def flat_metadata(result: Result) -> dict[str, str | float | bool | None]:
    """``metadata``: one level, values JavaScript primitives (Greenhouse shows them as is)."""
    meta: dict[str, str | float | bool | None] = {
        "Tier": result.reviewed_tier or result.tier,
        "Recommended Tier": result.tier,
        "Reviewed": result.reviewed_tier is not None,
        "Started At": result.started_at,
        "Completed At": result.ended_at,
    }
    for _id, label, score in result.dimensions:
        meta[label[:100]] = round(score, 1)
    return meta


def test_status(result: Result | None, settings: Settings) -> dict[str, Any]:
    """The ``test_status`` answer: ``sent`` until the report exists, then ``complete`` with
    the profile url (the report page), the score 0-100 and the flat metadata."""
    if result is None:
        return {
            "partner_status": "sent",
            "partner_profile_url": None,
            "partner_score": None,
            "metadata": None,
        }
    return {
        "partner_status": "complete",
        "partner_profile_url": f"{http_base(settings)}/api/reports/{result.report_id}.html",
        "partner_score": round(result.score, 1) if result.score is not None else None,
        "metadata": flat_metadata(result),
    }


class GreenhouseSink:
    """On ``interview.completed`` for a candidate Greenhouse ordered: PATCH its callback."""

    name = "greenhouse"

    def __init__(
        self, settings: Settings, db: Database, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings.delivery.greenhouse
        self.db = db
        self._clock = clock

    def wants(self, session: Session, event: Event) -> bool:
        return event.type == "interview.completed" and link_completed(
            session, VENDOR, event.payload
        )

    def _callbacks(self, report_id: str) -> list[str]:
        with self.db.session() as session:
            return [link.external_ref for link in links_of_report(session, VENDOR, report_id)]

    async def deliver(self, client: httpx.AsyncClient, event: Event, attempt: int) -> Outcome:
        report_id = report_id_of(event.payload)
        urls = await asyncio.to_thread(self._callbacks, report_id) if report_id else []
        if not urls:
            return Outcome(False, error="no Greenhouse order for this report", permanent=True)
        headers = {"User-Agent": USER_AGENT}
        if self.settings.callback_key is not None:
            headers["Authorization"] = basic_auth(self.settings.callback_key.get_secret_value())
        outcome = Outcome(True)
        for url in urls:
            if not callback_allowed(url, self.settings):  # settings changed since send_test
                return Outcome(False, error="callback url no longer allowed", permanent=True)
            outcome, _ = await attempt_request(client, "PATCH", url, self._clock, headers=headers)
            if not outcome.ok:
                return outcome  # the whole delivery retries; a repeated PATCH is harmless
        return outcome

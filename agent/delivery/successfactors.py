"""SAP SuccessFactors Recruiting, the assessment-vendor model, over OData v2.

1. SuccessFactors' Integration Center sends the Intelligent Services event "Update of Job
   Application Status" (REST, JSON ``{"job_application": {"application_id": ..., ...}}``) to
   ``POST /integrations/successfactors/events`` (routes: :mod:`agent.api.successfactors`). The
   route only records it: one outbox event ``successfactors.application_status`` per
   application, so the work below is retried like any delivery.
2. This sink reads the application's ``JobApplicationAssessmentOrder`` rows for our vendor
   code (``GET /odata/v2/JobApplicationAssessmentOrder?$filter=...&$expand=jobApplication``)
   and orders one interview per order (:func:`agent.delivery.ats.order_interview`).
3. On ``interview.completed`` for such a candidate it writes a
   ``JobApplicationAssessmentReport`` (``POST /odata/v2/upsert``) for the order, with one
   ``JobApplicationAssessmentReportDetail`` (``scoreComponent``, ``scoreValue``) per report
   dimension, plus ``Score`` (0-100) and ``Recommendation`` (SuccessFactors' 1-4 scale), the
   component names its reporting reads.

Authentication to SuccessFactors: HTTP Basic ``user@companyId`` or a bearer token (settings
``delivery.successfactors``). Responses are JSON ``{"d": ...}`` envelopes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from agent.auth.guard import Access, http_base
from agent.delivery.ats import (
    Contact,
    OrderError,
    Result,
    link_completed,
    links_of_report,
    order_interview,
    report_id_of,
    result_of,
)
from agent.delivery.greenhouse import basic_auth
from agent.delivery.sinks import USER_AGENT, Event, Outcome, Reply, attempt_request, clip
from agent.settings import Settings, SuccessFactorsSettings
from agent.store.db import Database
from agent.store.tables import ReportRow

VENDOR = "successfactors"
STATUS_EVENT = "successfactors.application_status"
MAX_APPLICATIONS = 100
#: SuccessFactors' recommendation codes (SAP KBA 3111059).
RECOMMENDED, WITH_QUALIFICATIONS, WITH_RESERVATIONS, NOT_RECOMMENDED = 1, 2, 3, 4
_RECOMMENDATION = {
    "strong_recommend": RECOMMENDED,
    "recommend": RECOMMENDED,
    "pending": WITH_QUALIFICATIONS,
    "reject": NOT_RECOMMENDED,
    "ineligible": NOT_RECOMMENDED,
}


class PayloadError(ValueError):
    """An event or OData answer that is not what the contract says."""


def application_ids(payload: Any) -> list[str]:
    """The job application ids an "Update of Job Application Status" event carries (one
    ``job_application`` object, or a list of them); digits only, at most
    :data:`MAX_APPLICATIONS`."""
    if not isinstance(payload, dict):
        raise PayloadError("event body must be a JSON object")
    items = payload.get("job_application")
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise PayloadError("event carries no job_application")
    if len(items) > MAX_APPLICATIONS:
        raise PayloadError(f"more than {MAX_APPLICATIONS} job applications in one event")
    ids: list[str] = []
    for item in items:
        value = item.get("application_id") if isinstance(item, dict) else None
        text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
        if not text.isdigit() or len(text) > 18:
            raise PayloadError("job_application.application_id must be a number")
        if text not in ids:
            ids.append(text)
    return ids


def order_query(application_id: str, vendor_code: str) -> dict[str, str]:
    """OData query options for one application's orders to us."""
    vendor = vendor_code.replace("'", "''")
    return {
        "$filter": f"applicationId eq {int(application_id)}L and vendorCode eq '{vendor}'",
        "$expand": "jobApplication",
        "$format": "json",
    }


def results(document: Any) -> list[dict[str, Any]]:
    """The entities of an OData v2 JSON answer (``{"d": {"results": [...]}}`` or one entity
    ``{"d": {...}}``)."""
    if not isinstance(document, dict) or not isinstance(document.get("d"), dict | list):
        raise PayloadError("not an OData v2 JSON answer (no 'd')")
    d = document["d"]
    found = d.get("results", d) if isinstance(d, dict) else d
    if isinstance(found, dict):
        found = [found]
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise PayloadError("OData 'results' must be a list of entities")
    return found


def contact_of(order: dict[str, Any]) -> Contact:
    """The candidate of an order, from its expanded ``jobApplication``."""
    app = order.get("jobApplication")
    if not isinstance(app, dict):
        app = {}

    def text(*names: str) -> str | None:
        for name in names:
            value = app.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()[:254]
        return None

    name = " ".join(part for part in (text("firstName"), text("lastName")) if part)
    candidate = app.get("candidateId", order.get("applicationId"))
    return Contact(
        name=name or f"Application {order.get('applicationId')}",
        email=text("contactEmail", "email"),
        phone=text("cellPhone", "homePhone"),
        external_id=f"successfactors:{candidate}"[:128],
    )


def recommendation(tier: str | None) -> int:
    """SuccessFactors' recommendation code for our tier (``pending`` needs a person)."""
    return _RECOMMENDATION.get(tier or "", WITH_QUALIFICATIONS)


def odata_date(moment: datetime) -> str:
    """An OData v2 JSON date literal (milliseconds since the epoch)."""
    return f"/Date({int(moment.timestamp() * 1000)})/"


def report_entity(order_id: str, result: Result, report_url: str, now: datetime) -> dict[str, Any]:
    """The ``JobApplicationAssessmentReport`` upsert body for ``order_id``: one detail per
    dimension, then ``Score`` and ``Recommendation``."""
    tier = result.reviewed_tier or result.tier

    def detail(component: str, value: str) -> dict[str, Any]:
        return {
            "__metadata": {
                "uri": "JobApplicationAssessmentReportDetail",
                "type": "SFOData.JobApplicationAssessmentReportDetail",
            },
            "scoreComponent": component[:100],
            "scoreValue": value,
        }

    details = [detail(label, f"{score:.1f}") for _id, label, score in result.dimensions]
    if result.score is not None:
        details.append(detail("Score", f"{result.score:.1f}"))
    details.append(detail("Recommendation", str(recommendation(tier))))
    return {
        "__metadata": {
            "uri": "JobApplicationAssessmentReport",
            "type": "SFOData.JobApplicationAssessmentReport",
        },
        "orderId": str(int(order_id)),
        "reportUrl": report_url,
        "status": "Completed",
        "statusDate": odata_date(now),
        "statusDetails": clip(f"Screenline interview {result.report_id}: tier {tier}", 255),
        "assessmentReportDetail": details,
    }


def upsert_failed(reply: Reply) -> str | None:
    """SuccessFactors answers an upsert 200 with a per-entity status; the error, if any."""
    try:
        entries = results(json.loads(reply.body or b"{}"))
    except (ValueError, PayloadError):
        return "upsert answer is not OData JSON"
    for entry in entries:
        if str(entry.get("status", "OK")).upper() != "OK":
            return clip(f"upsert refused: {entry.get('message')}")
    return None


class SuccessFactorsSink:
    """Reads assessment orders after a status event; writes reports after interviews."""

    name = "successfactors"

    def __init__(
        self,
        settings: Settings,
        db: Database,
        access: Access | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = settings
        self.settings: SuccessFactorsSettings = settings.delivery.successfactors
        if not self.settings.base_url:
            raise ValueError("delivery.successfactors.base_url is required when enabled")
        self.odata = self.settings.base_url.rstrip("/") + "/odata/v2"
        self.db = db
        self.access = access or Access.from_settings(settings, db)
        self._clock = clock

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.settings.bearer_token is not None:
            headers["Authorization"] = "Bearer " + self.settings.bearer_token.get_secret_value()
        elif self.settings.username:
            password = self.settings.password.get_secret_value() if self.settings.password else ""
            headers["Authorization"] = basic_auth(self.settings.username, password)
        return headers

    def wants(self, session: Session, event: Event) -> bool:
        if event.type == STATUS_EVENT:
            return True
        return event.type == "interview.completed" and link_completed(
            session, VENDOR, event.payload
        )

    async def deliver(self, client: httpx.AsyncClient, event: Event, attempt: int) -> Outcome:
        if event.type == STATUS_EVENT:
            return await self._read_orders(client, event)
        return await self._write_report(client, event)

    # --- orders ---------------------------------------------------------------------------

    async def _read_orders(self, client: httpx.AsyncClient, event: Event) -> Outcome:
        application = str(event.payload.get("application_id", ""))
        if not application.isdigit():
            return Outcome(False, error="event has no application id", permanent=True)
        outcome, reply = await attempt_request(
            client,
            "GET",
            f"{self.odata}/JobApplicationAssessmentOrder",
            self._clock,
            params=order_query(application, self.settings.vendor_code),
            headers=self._headers(),
        )
        if not outcome.ok or reply is None:
            return outcome
        try:
            orders = results(json.loads(reply.body))
        except (ValueError, PayloadError) as exc:
            return Outcome(False, reply.status_code, clip(f"orders answer: {exc}"))
        try:
            await asyncio.to_thread(self._order_all, application, orders)
        except OrderError as exc:  # an order for a package we have no job for
            return Outcome(False, reply.status_code, clip(str(exc)), permanent=True)
        return outcome

    def _order_all(self, application: str, orders: list[dict[str, Any]]) -> None:
        with self.db.session() as session:
            for order in orders:
                if str(order.get("vendorCode", self.settings.vendor_code)) != (
                    self.settings.vendor_code
                ):
                    continue
                order_id = str(order.get("id", ""))
                if not order_id.isdigit():
                    raise OrderError("assessment order without a numeric id")
                package = str(order.get("packageCode") or "")
                job_id = self.settings.packages.get(package, package)
                order_interview(
                    session,
                    self.access,
                    vendor=VENDOR,
                    job_id=job_id,
                    contact=contact_of(order),
                    external_ref=order_id,
                    external_app=application,
                    data={"package_code": package[:64]},
                )

    # --- reports --------------------------------------------------------------------------

    def _pending_reports(self, report_id: str) -> list[tuple[str, Result]]:
        with self.db.session() as session:
            row = session.get(ReportRow, report_id)
            if row is None:
                return []
            result = result_of(row)
            return [
                (link.external_ref, result) for link in links_of_report(session, VENDOR, report_id)
            ]

    async def _write_report(self, client: httpx.AsyncClient, event: Event) -> Outcome:
        report_id = report_id_of(event.payload)
        pending = await asyncio.to_thread(self._pending_reports, report_id) if report_id else []
        if not pending:
            return Outcome(False, error="no SuccessFactors order or report", permanent=True)
        now = datetime.now(UTC)
        outcome = Outcome(True)
        for order_id, result in pending:
            url = f"{http_base(self.root)}/api/reports/{result.report_id}.html"
            body = report_entity(order_id, result, url, now)
            outcome, reply = await attempt_request(
                client,
                "POST",
                f"{self.odata}/upsert",
                self._clock,
                params={"$format": "json"},
                json=body,
                headers=self._headers(),
            )
            if not outcome.ok or reply is None:
                return outcome
            refused = upsert_failed(reply)
            if refused:
                return Outcome(False, reply.status_code, refused)
        return outcome

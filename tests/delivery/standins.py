"""Local stand-ins for the two ATSs, for tests that cannot reach them. Each is a real HTTP
server on 127.0.0.1 following the vendor's documented contract.

- :class:`GreenhouseStandin` (developers.greenhouse.io/assessment.html): Greenhouse's side of
  the Assessment Partner API. It calls the partner's ``list_tests`` and ``send_test`` with HTTP
  Basic (the partner's API key as username, empty password), hands out its own callback ``url``
  (``/integrations/testing_partners/take_home_tests/{id}``), accepts the partner's body-less
  ``PATCH`` there (HTTP status only; 401 without the org's key), and then, as Greenhouse does,
  calls ``test_status?partner_interview_id=`` and keeps the answer after checking its shape
  (``partner_status``; ``partner_profile_url`` required when ``complete``; ``partner_score`` a
  number; ``metadata`` a flat object of primitives).
- :class:`SuccessFactorsStandin`: an OData v2 service at ``/odata/v2`` with HTTP Basic
  (``user@company``) or a bearer token: ``GET /odata/v2/JobApplicationAssessmentOrder`` with
  ``$filter=applicationId eq <n>L and vendorCode eq '<code>'`` and ``$expand=jobApplication``
  answering ``{"d": {"results": [...]}}``; ``POST /odata/v2/upsert`` of a
  ``SFOData.JobApplicationAssessmentReport`` with nested ``assessmentReportDetail`` entries
  (``scoreComponent``, ``scoreValue`` strings), answering ``{"d": [{"status": "OK", ...}]}``;
  an unknown ``orderId`` gets ``status: "ERROR"`` in the same 200 answer, as upserts do.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _basic(user: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class GreenhouseStandin:
    """Greenhouse, as the partner sees it."""

    partner_base: str  # e.g. http://127.0.0.1:PORT/integrations/greenhouse
    partner_key: str  # the org-level key the customer gave Greenhouse
    url: str = ""  # where this stand-in listens (set when served)
    patches: list[str] = field(default_factory=list)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    _interviews: dict[str, str] = field(default_factory=dict)  # take-home id -> partner id
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.partner_base,
            headers={"Authorization": _basic(self.partner_key)},
            trust_env=False,
            timeout=30,
        )

    async def list_tests(self) -> list[dict[str, Any]]:
        async with self._client() as client:
            response = await client.get("/list_tests")
        response.raise_for_status()
        tests = response.json()
        assert all({"partner_test_id", "partner_test_name"} <= set(t) for t in tests)
        return list(tests)

    async def send_test(self, partner_test_id: str, take_home_id: str, **candidate: Any) -> str:
        """The "Send Test" button: returns the partner_interview_id."""
        body = {
            "partner_test_id": partner_test_id,
            "candidate": {
                "first_name": "Harry",
                "last_name": "Potter",
                "email": "hpotter@example.test",
                "phone_number": "+1 555 010 0199",
                "resume_url": None,
                "greenhouse_profile_url": f"https://app.greenhouse.io/people/{take_home_id}",
            }
            | candidate,
            "url": f"{self.url}/integrations/testing_partners/take_home_tests/{take_home_id}",
        }
        async with self._client() as client:
            response = await client.post("/send_test", json=body)
        response.raise_for_status()
        partner_id = response.json()["partner_interview_id"]
        assert isinstance(partner_id, str) and partner_id
        self._interviews[take_home_id] = partner_id
        return partner_id

    async def test_status(self, partner_interview_id: str) -> dict[str, Any]:
        async with self._client() as client:
            response = await client.get(
                "/test_status", params={"partner_interview_id": partner_interview_id}
            )
        response.raise_for_status()
        status: dict[str, Any] = response.json()
        self._check(status)
        return status

    def _check(self, status: dict[str, Any]) -> None:
        if not isinstance(status.get("partner_status"), str):
            self.problems.append("partner_status missing")
        if status.get("partner_status") == "complete" and not status.get("partner_profile_url"):
            self.problems.append("partner_status is 'complete' but partner_profile_url missing")
        score = status.get("partner_score")
        if score is not None and not isinstance(score, int | float):
            self.problems.append("partner_score is not a number")
        meta = status.get("metadata")
        if meta is not None and not (
            isinstance(meta, dict)
            and all(isinstance(v, str | int | float | bool) or v is None for v in meta.values())
        ):
            self.problems.append("metadata is not a flat object of primitives")

    async def _patched(self, request: Request) -> Response:
        if request.headers.get("authorization") != _basic(self.partner_key):
            return Response(status_code=401)
        if await request.body():
            self.problems.append("PATCH carried a body")
        take_home = request.path_params["take_home_id"]
        partner_id = self._interviews.get(take_home)
        if partner_id is None:
            return Response(status_code=404)
        self.patches.append(take_home)

        async def poll() -> None:  # Greenhouse reads the status after the PATCH
            self.statuses[partner_id] = await self.test_status(partner_id)

        task = asyncio.create_task(poll())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return Response(status_code=200)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/integrations/testing_partners/take_home_tests/{take_home_id}",
                    self._patched,
                    methods=["PATCH"],
                )
            ]
        )


_FILTER = re.compile(r"^applicationId eq (\d+)L and vendorCode eq '((?:[^']|'')*)'$")


@dataclass
class SuccessFactorsStandin:
    """A SuccessFactors instance's OData v2 API, with some applications and their orders."""

    username: str = "screenline@ACME"
    password: str = "sf-password"
    applications: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    order_reads: int = 0
    fail_reads: int = 0  # answer the first n order reads with 503
    url: str = ""

    def add_order(
        self, order_id: int, application_id: int, package: str, vendor: str = "SCREENLINE"
    ) -> None:
        self.applications.setdefault(
            application_id,
            {
                "applicationId": application_id,
                "candidateId": 7000 + application_id,
                "firstName": "Mei",
                "lastName": "Chen",
                "contactEmail": f"mei.{application_id}@example.test",
                "cellPhone": "+8613800138000",
            },
        )
        self.orders[order_id] = {
            "id": order_id,
            "applicationId": application_id,
            "packageCode": package,
            "vendorCode": vendor,
            "assessmentUrl": None,
        }

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == _basic(self.username, self.password)

    async def _orders(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"error": {"code": "LGN0022"}}, status_code=401)
        self.order_reads += 1
        if self.order_reads <= self.fail_reads:
            return JSONResponse({"error": {"message": "busy"}}, status_code=503)
        match = _FILTER.match(request.query_params.get("$filter", ""))
        if match is None or request.query_params.get("$format") != "json":
            return JSONResponse({"error": {"message": "bad query"}}, status_code=400)
        application, vendor = int(match[1]), match[2].replace("''", "'")
        expand = request.query_params.get("$expand") == "jobApplication"
        found = []
        for order in self.orders.values():
            if order["applicationId"] == application and order["vendorCode"] == vendor:
                entity = {
                    "__metadata": {
                        "uri": f"{self.url}/odata/v2/JobApplicationAssessmentOrder({order['id']}L)",
                        "type": "SFOData.JobApplicationAssessmentOrder",
                    },
                    **{
                        k: (str(v) if k in ("id", "applicationId") else v) for k, v in order.items()
                    },
                }
                if expand:
                    entity["jobApplication"] = self.applications[application]
                found.append(entity)
        return JSONResponse({"d": {"results": found}})

    async def _upsert(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse({"error": {"code": "LGN0022"}}, status_code=401)
        body = json.loads(await request.body())
        meta = body.get("__metadata", {})
        if meta.get("type") != "SFOData.JobApplicationAssessmentReport":
            return JSONResponse({"error": {"message": "unsupported entity"}}, status_code=400)
        order_id = int(body.get("orderId", -1))
        details = body.get("assessmentReportDetail")
        valid = isinstance(details, list) and all(
            isinstance(d.get("scoreComponent"), str) and isinstance(d.get("scoreValue"), str)
            for d in details
        )
        if order_id not in self.orders or not valid:
            entry = {"key": None, "status": "ERROR", "message": "invalid orderId or details",
                     "index": 0, "httpCode": 400, "editStatus": None}  # fmt: skip
            return JSONResponse({"d": [entry]})
        self.reports.append(body)
        key = f"JobApplicationAssessmentReport(id={len(self.reports)}L)"
        entry = {"key": key, "status": "OK", "message": None, "index": 0, "httpCode": 201,
                 "editStatus": "INSERTED"}  # fmt: skip
        return JSONResponse({"d": [entry]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/odata/v2/JobApplicationAssessmentOrder", self._orders, methods=["GET"]),
                Route("/odata/v2/upsert", self._upsert, methods=["POST"]),
            ]
        )

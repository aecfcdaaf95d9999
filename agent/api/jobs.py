"""REST routes for jobs and candidate import: ``/api/jobs`` (CRUD) and
``/api/jobs/{job_id}/candidates`` (JSON batch, list) and ``.../candidates/csv`` (CSV upload).

An import is idempotent on the HR system's candidate id; each row is validated and screened on
its own: refused rows come back with their errors and nothing of them is written."""

from __future__ import annotations

import asyncio
import csv
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from agent.api.hrcommon import ID_PATTERN, db_of, run_blocking, runtime_of
from agent.auth.guard import Action, require
from agent.calls.limits import InputError
from agent.hr import repo
from agent.hr.candidates import (
    CandidateIn,
    CsvError,
    CsvTooLarge,
    RowError,
    csv_rows,
    decode_csv,
    validate_row,
)
from agent.hr.eligibility import Eligibility, EligibilityRules
from agent.store.apikeys import KeyInfo
from dialogue.script import ScriptError

JobId = Annotated[str, Path(pattern=ID_PATTERN)]
Jobs = Annotated[KeyInfo, Depends(require(Action.MANAGE_JOBS))]
Candidates = Annotated[KeyInfo, Depends(require(Action.MANAGE_CANDIDATES))]
#: The import routes, whose bodies may reach ``hr.max_import_bytes`` (BodyLimits).
IMPORT_PATHS = r"^/api/jobs/[^/]+/candidates(/csv)?$"
CSV_TYPES = ("text/csv", "application/csv", "text/plain", "application/octet-stream")


class JobBody(BaseModel):
    """A job: the script its interviews use and the rules candidates are screened with."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    script_id: str = Field(min_length=1, max_length=100)
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    eligibility_rules: EligibilityRules = Field(default_factory=EligibilityRules)
    follow_up_rules: dict[str, Any] = Field(default_factory=dict, max_length=50)
    review_required: bool = True


class NewJob(JobBody):
    """Body of ``POST /api/jobs``."""

    job_id: str = Field(pattern=ID_PATTERN)


class CandidateBatch(BaseModel):
    """Body of ``POST /api/jobs/{job_id}/candidates``: rows are validated one by one."""

    model_config = ConfigDict(extra="forbid")

    candidates: list[dict[str, Any]] = Field(min_length=1)


async def _check_script(request: Request, script_id: str) -> None:
    try:  # a job whose script does not exist could never interview anyone
        await asyncio.to_thread(runtime_of(request).script, script_id)
    except (ScriptError, OSError, InputError, ValueError) as exc:
        raise HTTPException(422, f"unknown script {script_id[:64]!r}") from exc


def _job_in(job_id: str, body: JobBody) -> repo.JobIn:
    return repo.JobIn(
        job_id=job_id,
        title=body.title,
        script_id=body.script_id,
        language=body.language,
        eligibility_rules=body.eligibility_rules,
        follow_up_rules=body.follow_up_rules,
        review_required=body.review_required,
    )


def _validated(rows: list[tuple[int, Any]]) -> list[tuple[int, CandidateIn | RowError]]:
    return [
        (index, item if isinstance(item, RowError) else validate_row(index, item))
        for index, item in rows
    ]


def jobs_router() -> APIRouter:
    """The jobs and import routes."""
    router = APIRouter(tags=["jobs"])

    @router.get("/api/jobs")
    async def list_jobs(request: Request, _key: Jobs) -> list[dict[str, Any]]:
        return await run_blocking(repo.list_jobs, db_of(request))

    @router.post("/api/jobs", status_code=201, responses={409: {"description": "exists"}})
    async def create_job(body: NewJob, request: Request, key: Jobs) -> dict[str, Any]:
        await _check_script(request, body.script_id)
        db = db_of(request)
        try:
            await run_blocking(repo.get_job, db, body.job_id)
        except HTTPException:
            pass
        else:
            raise HTTPException(409, f"job {body.job_id!r} exists; PUT replaces it")
        job, _created = await run_blocking(repo.put_job, db, _job_in(body.job_id, body), key.key_id)
        return job

    @router.get("/api/jobs/{job_id}")
    async def get_job(job_id: JobId, request: Request, _key: Jobs) -> dict[str, Any]:
        return await run_blocking(repo.get_job, db_of(request), job_id)

    @router.put("/api/jobs/{job_id}")
    async def put_job(job_id: JobId, body: JobBody, request: Request, key: Jobs) -> dict[str, Any]:
        """Create or replace a job (candidates already imported keep their screening until
        they are imported again)."""
        await _check_script(request, body.script_id)
        job, _created = await run_blocking(
            repo.put_job, db_of(request), _job_in(job_id, body), key.key_id
        )
        return job

    @router.delete("/api/jobs/{job_id}", status_code=204)
    async def delete_job(job_id: JobId, request: Request, key: Jobs) -> None:
        await run_blocking(repo.delete_job, db_of(request), job_id, key.key_id)

    @router.get("/api/jobs/{job_id}/candidates")
    async def list_candidates(
        job_id: JobId,
        request: Request,
        _key: Candidates,
        eligibility: Eligibility | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> list[dict[str, Any]]:
        db = db_of(request)
        await run_blocking(repo.get_job, db, job_id)
        return await run_blocking(
            repo.list_candidates, db, job_id, eligibility and str(eligibility), limit, offset
        )

    async def _import(
        request: Request, job_id: str, rows: list[tuple[int, Any]], key: KeyInfo
    ) -> dict[str, Any]:
        hr = runtime_of(request).settings.hr
        if len(rows) > hr.max_import_rows:
            raise HTTPException(413, f"more than {hr.max_import_rows} rows; split the import")
        validated = await asyncio.to_thread(_validated, rows)
        result = await run_blocking(
            repo.import_candidates,
            db_of(request),
            job_id,
            validated,
            key.key_id,
            chunk_rows=hr.import_chunk_rows,
        )
        return result.to_json()

    @router.post("/api/jobs/{job_id}/candidates")
    async def import_json(
        job_id: JobId, body: CandidateBatch, request: Request, key: Candidates
    ) -> dict[str, Any]:
        """Import a batch of candidates (see ``CandidateIn`` for a row's fields)."""
        return await _import(request, job_id, list(enumerate(body.candidates)), key)

    @router.post(
        "/api/jobs/{job_id}/candidates/csv",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        },
    )
    async def import_csv(job_id: JobId, request: Request, key: Candidates) -> dict[str, Any]:
        """Import a CSV file (UTF-8, with or without BOM, or GBK): a header line naming
        ``external_id`` (or ``id``), ``name``, ``email``, ``phone``, ``timezone``,
        ``language``, ``consent_at``; every other column is an attribute."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in CSV_TYPES:
            raise HTTPException(415, "send the file as text/csv")
        data = await request.body()
        hr = runtime_of(request).settings.hr
        try:
            rows = list(csv_rows(decode_csv(data), hr.max_import_rows))
        except CsvTooLarge as exc:
            raise HTTPException(413, str(exc)) from exc
        except CsvError as exc:
            raise HTTPException(422, str(exc)) from exc
        except csv.Error as exc:  # a NUL byte, a field over the csv module's size limit, ...
            raise HTTPException(422, f"unreadable CSV: {exc}") from exc
        return await _import(request, job_id, rows, key)

    return router

"""Candidate import bench: rows per second through the REST API (a CSV upload to a real server
on 127.0.0.1: decoding, validation, screening and the database writes), for 200 and 5000 rows,
on SQLite and on PostgreSQL (a scratch database on 127.0.0.1:5432, dropped after). Each size
is imported into a fresh job twice: ``first`` creates every candidate, ``again`` is the
idempotent re-import (every row unchanged). Prints JSON.

    .venv/bin/python bench/import.py [--sizes 200,5000] [--no-postgres] [--out F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from agent.devtools.candidates import HOME_AGENT_RULES, candidate_rows, candidates_csv  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new PostgreSQL database, dropped afterwards."""
    import psycopg

    name = f"screenline_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def bench_backend(database_url: str, sizes: list[int]) -> dict[str, Any]:
    """Import each size twice through a server on ``database_url``."""
    from agent.api.server import create_app
    from agent.auth.keys import Role
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.settings import Settings
    from agent.store.apikeys import KeyStore

    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            data_dir=Path(data_dir),
            scripts_dir=ROOT / "tests" / "fixtures" / "scripts",
            default_script="short_en",
            database_url=database_url,
        )
        runtime = Runtime(settings)
        runtime.db.upgrade()
        key = KeyStore(runtime.db).create(Role.RECRUITER, "bench")[1]
        results: dict[str, Any] = {}
        async with serve_app(create_app(settings, runtime, warm=False)) as ws_base:
            base = ws_base.replace("ws://", "http://")
            headers = {"Authorization": f"Bearer {key}"}
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
                for size in sizes:
                    job_id = f"bench-{size}"
                    job = {
                        "job_id": job_id,
                        "title": "Bench",
                        "script_id": "short_en",
                        "eligibility_rules": HOME_AGENT_RULES,
                    }
                    (await client.post("/api/jobs", json=job)).raise_for_status()
                    body = candidates_csv(candidate_rows(size, ineligible_every=10))
                    runs: dict[str, Any] = {}
                    for label in ("first", "again"):
                        started = time.perf_counter()
                        response = await client.post(
                            f"/api/jobs/{job_id}/candidates/csv",
                            content=body,
                            headers={"Content-Type": "text/csv"},
                        )
                        elapsed = time.perf_counter() - started
                        response.raise_for_status()
                        result = response.json()
                        runs[label] = {
                            "seconds": round(elapsed, 3),
                            "rows_per_s": round(size / elapsed, 1),
                            "created": result["created"],
                            "unchanged": result["unchanged"],
                        }
                    results[str(size)] = {"bytes": len(body), **runs}
        runtime.db.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,5000")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = asyncio.run(bench_backend(f"sqlite:///{tmp}/bench.db", sizes))
    if not args.no_postgres:
        with scratch_postgres() as url:
            report["postgresql"] = asyncio.run(bench_backend(url, sizes))
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Every HTTP route that takes a body refuses one over its limit with 413, whether the client
declares its length or streams it chunked, and before any route (or its key check) runs: the
routes are read from the app itself, so a route added later is covered too."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from agent.settings import HRSettings, LimitSettings
from tests.auth.conftest import auth_server

LIMIT = 2048
IMPORT_LIMIT = 8192
_PARAM = re.compile(r"\{[^}]+\}")
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # FastAPI 0.165 keeps an included router whole (its routes carry their full paths,
        # create_app includes them without a prefix); older versions copy its routes in.
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)


def _body_routes(app: Any) -> list[tuple[str, str]]:
    """(method, concrete path) of every route that may carry a body, hidden ones too; the
    OpenAPI schema's must all be among them."""
    found = set()
    for route in _routes(app.routes):
        path = _PARAM.sub("x", route.path)
        found |= {(m, path) for m in route.methods if m in BODY_METHODS}
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if method.upper() in BODY_METHODS:
                assert (method.upper(), _PARAM.sub("x", path)) in found, (method, path)
    return sorted(found)


async def _chunked_status(base: str, method: str, path: str, key: str, size: int) -> int:
    """Stream ``size`` bytes chunked (no Content-Length) over a raw socket, then stop writing
    and read the answer: the status line's code (an HTTP client that keeps writing after an
    early answer may see the connection reset instead)."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        writer.write(head.encode())
        for start in range(0, size, 1024):
            chunk = b"x" * min(1024, size - start)
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
        async with asyncio.timeout(60):
            status = await reader.readline()
        return int(status.split()[1])
    finally:
        writer.close()


@pytest.mark.asyncio(loop_scope="session")
async def test_every_body_route_refuses_oversized_bodies(tmp_path: Path) -> None:
    async with auth_server(
        tmp_path,
        limits=LimitSettings(max_body_bytes=LIMIT),
        hr=HRSettings(max_import_bytes=IMPORT_LIMIT),
    ) as server:
        routes = _body_routes(server.app)
        assert len(routes) >= 25, routes  # the app's routes were found (28 today)
        assert ("POST", "/api/jobs/x/candidates/csv") in routes
        wrong: list[tuple[str, str, str, int]] = []
        async with server.client("admin") as http:
            for method, path in routes:
                declared = await http.request(method, path, content=b"x" * (IMPORT_LIMIT + 1))
                if declared.status_code != 413:
                    wrong.append((method, path, "declared", declared.status_code))
                key = server.keys["admin"]
                streamed = await _chunked_status(server.http, method, path, key, IMPORT_LIMIT + 1)
                if streamed != 413:
                    wrong.append((method, path, "chunked", streamed))
            # Below the limit the same routes answer for themselves (never 413).
            small = await http.post("/api/jobs", content=b"x" * (LIMIT - 1))
            assert small.status_code == 422
            upload = await http.post("/api/jobs/x/candidates/csv", content=b"x" * (LIMIT + 1))
            assert upload.status_code != 413  # imports have their own, larger limit
        assert not wrong, wrong

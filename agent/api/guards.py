"""Bounds on every HTTP request body, before any route parses it (DESIGN.md decision 10).

An ASGI middleware: a body larger than ``limits.max_body_bytes`` gets 413 (by its
Content-Length at once, or as soon as the streamed bytes pass the limit), and a JSON body
nested deeper than ``telephony._wire.MAX_JSON_DEPTH`` gets 422, so no route's parser ever
recurses on a nesting bomb. WebSocket frames are bounded by the server's ``ws_max_size`` and
each codec's own checks.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from agent.settings import LimitSettings
from telephony._wire import MAX_JSON_DEPTH, json_depth

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]


class BodyLimits:
    """ASGI middleware enforcing body size and JSON depth limits on HTTP requests."""

    def __init__(
        self, app: Any, limits: LimitSettings, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default_bytes = limits.max_body_bytes
        self.max_depth = MAX_JSON_DEPTH
        # Path pattern -> its own, larger limit (candidate imports).
        self.larger = [(re.compile(pattern), size) for pattern, size in (larger or {}).items()]

    def _limit(self, path: str) -> int:
        for pattern, size in self.larger:
            if pattern.match(path):
                return size
        return self.default_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        max_bytes = self._limit(scope.get("path", ""))
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            await _reply(send, scope, 413, f"request body over {max_bytes} bytes")
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > max_bytes:
                await _reply(send, scope, 413, f"request body over {max_bytes} bytes")
                return
        if "json" in headers.get("content-type", "") and body:
            text = body.decode("utf-8", "replace")
            if json_depth(text) > self.max_depth:
                await _reply(send, scope, 422, f"JSON nested deeper than {self.max_depth}")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only http.disconnect can follow
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _reply(send: Any, scope: Scope, status: int, detail: str) -> None:
    log.warning("%s %s refused (%d): %s", scope.get("method"), scope.get("path"), status, detail)
    payload = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})

"""Running the app under uvicorn with the server's own limits and a draining shutdown.

- Connections: a TCP connection must finish its first request's headers within
  ``limits.header_timeout_s`` (slow or silent peers are closed; uvicorn alone waits forever), and
  an idle keep-alive connection closes after ``limits.keep_alive_s``.
- SIGTERM / SIGINT: stop accepting connections and admitting calls; live calls may finish by
  themselves for up to ``limits.drain_calls_s`` (a rolling update need not cut interviews off;
  a second SIGINT ends the wait); then :meth:`Runtime.drain` ends every call still live
  (``call_ended`` with its report id reaches the client), waiting at most
  ``limits.drain_grace_s``, and only then are the remaining connections closed. The outbox
  worker runs until the end, and whatever it has not delivered the other workers deliver (the
  outbox is in the shared database).
- Logs: query strings never reach the access log (candidate ids ride in them), and anything
  that looks like a phone number is masked in every log line.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from agent.calls.limits import mask_phone
from agent.calls.run import Runtime

log = logging.getLogger(__name__)

_PHONE = re.compile(r"(?<![\w.])\+?\d[\d ().-]{6,}\d(?![\w.])")
# A dotted quad is an address (a worker, the load balancer, a webhook host), not a number.
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _mask_number(match: re.Match[str]) -> str:
    text = match.group()
    return text if _IPV4.fullmatch(text) else mask_phone(text)


class MaskPhones(logging.Filter):
    """Rewrites every phone-number-like digit run in a log line to its masked form."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _PHONE.sub(_mask_number, message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class DropQueryStrings(logging.Filter):
    """uvicorn's access line without the query string (``?candidate_id=...``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def header_timeout_protocol(timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection that has not sent a request in time."""

    class HeaderTimeoutProtocol(H11Protocol):
        _upgraded = False

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._header_timer = self.loop.call_later(timeout_s, self._header_timeout)

        def handle_websocket_upgrade(self, event: Any) -> None:
            self._upgraded = True
            super().handle_websocket_upgrade(event)

        def connection_lost(self, exc: Exception | None) -> None:
            self._header_timer.cancel()
            super().connection_lost(exc)

        def _header_timeout(self) -> None:
            if self.cycle is None and not self._upgraded and not self.transport.is_closing():
                log.info("closing a connection that sent no complete request in %.0f s", timeout_s)
                self.transport.close()

    return HeaderTimeoutProtocol


class DrainingServer(uvicorn.Server):
    """uvicorn server whose shutdown ends the live calls before closing their sockets."""

    def __init__(self, config: uvicorn.Config, runtime: Runtime) -> None:
        super().__init__(config)
        self.runtime = runtime

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()  # admit nothing new while the calls drain
        try:
            await self.finish_calls()
            await self.runtime.drain()
        except Exception:  # draining must never prevent the exit
            log.exception("drain failed")
        await super().shutdown(sockets)

    async def finish_calls(self) -> None:
        """Refuse new calls, then wait (at most ``limits.drain_calls_s``, until a forced exit)
        for the live ones to end by themselves."""
        admission = self.runtime.admission
        admission.draining = True  # a kept-alive connection may still ask: 1013 / busy
        wait_s = self.runtime.settings.limits.drain_calls_s
        if wait_s <= 0 or not admission.active:
            return
        log.info(
            "draining: letting %d live calls finish (at most %.0f s)", admission.active, wait_s
        )
        deadline = time.monotonic() + wait_s
        while admission.active and time.monotonic() < deadline and not self.force_exit:
            await asyncio.sleep(0.2)
        if admission.active:
            log.info("draining: %d calls still live after the wait", admission.active)


def server_config(
    app: Any, runtime: Runtime, *, host: str, port: int, **extra: Any
) -> uvicorn.Config:
    """The uvicorn configuration every Screenline server uses (CLI and tests)."""
    limits = runtime.settings.limits
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=header_timeout_protocol(limits.header_timeout_s),
        ws_max_size=runtime.settings.max_frame_bytes,
        timeout_keep_alive=max(1, round(limits.keep_alive_s)),
        timeout_graceful_shutdown=max(1, round(limits.drain_grace_s)),
        **extra,
    )


def install_log_filters() -> None:
    """Phone masking on every handler of the root and uvicorn loggers; no access query strings."""
    mask = MaskPhones()
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.addFilter(mask)
        for handler in logger.handlers:
            handler.addFilter(mask)
    logging.getLogger("uvicorn.access").addFilter(DropQueryStrings())


def serve(app: Any, runtime: Runtime, *, host: str, port: int) -> None:
    """Run the server until SIGTERM/SIGINT, then drain (blocking)."""
    config = server_config(app, runtime, host=host, port=port, log_level="info")
    server = DrainingServer(config, runtime)
    install_log_filters()  # after Config, which sets up uvicorn's loggers
    asyncio.run(server.serve())

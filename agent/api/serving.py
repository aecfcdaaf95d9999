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
- Several workers on one port (``screenline serve --workers N``, :func:`serve_workers`): the
  parent binds once and supervises; each worker accepts on the inherited socket.
- Logs: query strings never reach the access log (candidate ids ride in them), and anything
  that looks like a phone number is masked in every log line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from agent.auth.secret import server_secret
from agent.calls.limits import mask_phone
from agent.calls.run import Runtime
from agent.settings import Settings

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
        # Call audio does not compress, and per-message deflate cost CPU on every 20 ms frame
        # (and a zlib context per socket) for nothing.
        ws_per_message_deflate=False,
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


def serve(
    app: Any, runtime: Runtime, *, host: str, port: int, listen_fd: int | None = None
) -> None:
    """Run the server until SIGTERM/SIGINT, then drain (blocking). ``listen_fd``: accept on
    this inherited listening socket (a worker of :func:`serve_workers`) instead of binding."""
    config = server_config(app, runtime, host=host, port=port, log_level="info")
    server = DrainingServer(config, runtime)
    install_log_filters()  # after Config, which sets up uvicorn's loggers
    sockets = None if listen_fd is None else [socket.socket(fileno=listen_fd)]
    asyncio.run(server.serve(sockets=sockets))


#: How long a dead worker of :func:`serve_workers` stays down before it is started again.
RESTART_DELAY_S = 5.0


class WorkersRefused(ValueError):
    """Settings under which several worker processes would not share what they must."""


def worker_environment(settings: Settings, index: int) -> dict[str, str]:
    """The settings worker ``index`` of :func:`serve_workers` gets on top of the parent's
    environment: its own data directory (journals: a restarted worker recovers only its own
    calls), and the parent's database, report and recording directories and signing secret."""
    if not settings.database_url or not settings.database_url.startswith("postgresql"):
        raise WorkersRefused(
            "--workers needs SCREENLINE_DATABASE_URL on PostgreSQL (SQLite allows one outbox "
            "worker and one dialer per database)"
        )
    if not settings.redis_url:
        raise WorkersRefused(
            "--workers needs SCREENLINE_REDIS_URL (the QA monitor and carrier call state "
            "are shared through Redis)"
        )
    return {
        "SCREENLINE_DATA_DIR": str((settings.data_dir / "workers" / str(index)).resolve()),
        "SCREENLINE_REPORTS_DIR": str(settings.resolved_reports_dir.resolve()),
        "SCREENLINE_RECORDINGS_DIR": str(settings.resolved_recordings_dir.resolve()),
        "SCREENLINE_AUTH__SECRET": server_secret(settings).decode("ascii"),
    }


def serve_workers(settings: Settings, workers: int) -> int:
    """``screenline serve --workers N``: bind the port once, run N ``screenline serve``
    processes accepting on it (the kernel spreads connections over them), restart one that
    dies, and on SIGTERM/SIGINT pass the signal on and wait for every worker's drain.
    Returns the exit status (blocking)."""
    envs = [worker_environment(settings, i) for i in range(workers)]  # refuse before binding
    listener = socket.create_server((settings.host, settings.port), backlog=2048)
    listener.set_inheritable(True)
    fd = listener.fileno()
    stopping: list[int] = []

    def start(index: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "agent.cli", "serve", "--listen-fd", str(fd)]
        # Its own process group: a terminal's Ctrl-C reaches the parent only, which passes it
        # on once (a second SIGINT would skip a worker's wait for its calls).
        env = {**os.environ, **envs[index]}
        return subprocess.Popen(command, env=env, pass_fds=(fd,), process_group=0)

    def forward(signum: int, _frame: Any) -> None:
        stopping.append(signum)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    procs = [start(i) for i in range(workers)]
    log.info("serving on %s:%d with %d workers", settings.host, settings.port, workers)
    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    died: dict[int, float] = {}  # worker -> when it was found dead
    try:
        while not stopping:
            for index, proc in enumerate(procs):
                if proc.poll() is None or stopping:
                    continue
                if index not in died:
                    log.error("worker %d exited (%s); restarting it", index, proc.returncode)
                    died[index] = time.monotonic()
                elif time.monotonic() - died[index] >= RESTART_DELAY_S:  # no restart storm
                    del died[index]
                    procs[index] = start(index)  # it recovers its own calls' journals
            time.sleep(0.5)
        listener.close()  # the workers still hold it while they drain
        codes = [proc.wait() for proc in procs]
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    # A drained worker exits 0, or re-raises the signal it got (uvicorn).
    clean = all(code in (0, -stopping[0]) for code in codes)
    return 0 if clean else 1

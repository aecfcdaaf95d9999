"""One real server on 127.0.0.1 with short limits, for the abuse probes (issue 12)."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from loguru import logger

from tests.conftest import LOOPBACK

FIXTURES = Path(__file__).parents[1] / "fixtures"
FREESWITCH_SECRET = "abuse-fs-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """The server under attack: its base URLs, runtime and AudioSocket port."""

    http: str
    ws: str
    runtime: Any
    audiosocket_port: int
    keys: dict[str, str]  # role -> API key
    access: Any  # mints tokens with the server's secret

    @property
    def call_url(self) -> str:
        """``/ws/call``, authenticated with a qa key (the probes are about what comes after)."""
        return f"{self.ws}/ws/call?token={self.keys['qa']}"

    def bearer(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    @property
    def data_dir(self) -> Path:
        return Path(self.runtime.settings.data_dir)


@pytest.fixture(scope="module")
def abuse_settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from agent.settings import (
        AuthSettings,
        FailureLimitSettings,
        LimitSettings,
        Settings,
        TwilioSettings,
    )

    return Settings(
        data_dir=tmp_path_factory.mktemp("abuse-data"),
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
        start_timeout_s=3.0,
        max_concurrent_calls=4,
        audiosocket_port=free_port(),
        twilio=TwilioSettings(dev_unsigned_webhooks=True),
        # Every probe comes from 127.0.0.1; the limit itself: tests/auth/test_failure_limit.py.
        auth=AuthSettings(
            freeswitch_secret=FREESWITCH_SECRET,
            failure_limit=FailureLimitSettings(exempt=LOOPBACK),
        ),
        limits=LimitSettings(
            no_audio_timeout_s=2.0,
            end_grace_s=3.0,
            header_timeout_s=1.0,
            keep_alive_s=1.0,
            drain_grace_s=3.0,
        ),
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(abuse_settings: Any) -> AsyncIterator[Server]:
    from agent.api.server import create_app
    from agent.auth.guard import Access
    from agent.auth.keys import Role
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.store.apikeys import KeyStore
    from agent.store.db import open_database

    store = KeyStore(open_database(abuse_settings))
    keys = {str(role): store.create(role, f"abuse {role}")[1] for role in Role}
    runtime = Runtime(abuse_settings)
    # No model warm-up: every probe here is refused or ends before a model is needed.
    app = create_app(abuse_settings, runtime, warm=False)
    async with serve_app(app) as ws_base:
        yield Server(
            http=ws_base.replace("ws://", "http://"),
            ws=ws_base,
            runtime=runtime,
            audiosocket_port=abuse_settings.audiosocket_port,
            keys=keys,
            access=Access.from_settings(abuse_settings),
        )


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Any:
    """After the test: no log record of the server carried a traceback."""
    caplog.set_level(logging.INFO)
    # uvicorn's loggers do not propagate to the root: catch "Exception in ASGI application" too.
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    # pipecat logs through loguru: a traceback or a processor raising counts too (its one-line
    # errors about a refused offer do not).
    pipecat_errors: list[str] = []

    def sink_fn(message: Any) -> None:
        text = str(message)
        if message.record["exception"] is not None or "Traceback" in text or " exception (" in text:
            pipecat_errors.append(text)

    sink = logger.add(sink_fn, level="ERROR")
    try:
        yield caplog
    finally:
        uvicorn_log.removeHandler(caplog.handler)
        logger.remove(sink)
    with_trace = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not with_trace, [r.getMessage() for r in with_trace]
    assert not pipecat_errors, pipecat_errors

"""A telephony server for this folder: the session's runtime (same models, same prompt cache),
plus Twilio credentials pointing at the local stand-in and an AudioSocket listener on port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from tests.telephony.twilio_standin import TwilioStandin

# To numbers the stand-in plays out differently.
BUSY = "+15550000002"
NO_ANSWER = "+15550000003"
ANSWERS = "+15550000004"


@dataclass
class TelephonyServer:
    """Where the telephony test server listens, and its state."""

    http: str  # http://127.0.0.1:port
    ws: str  # ws://127.0.0.1:port
    audiosocket_port: int
    runtime: Any
    settings: Any
    twilio: TwilioStandin


@pytest.fixture(scope="session")
def twilio_standin() -> Iterator[TwilioStandin]:
    with TwilioStandin(outcomes={BUSY: "busy", NO_ANSWER: "no-answer"}) as standin:
        yield standin


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def telephony_server(
    settings: Any, runtime: Any, twilio_standin: TwilioStandin
) -> AsyncIterator[TelephonyServer]:
    from agent.api.telephony import start_audiosocket
    from agent.calls.run import Runtime
    from agent.cli import in_process_server
    from agent.settings import TwilioSettings

    tel_settings = settings.model_copy(
        update={
            "twilio": TwilioSettings(
                account_sid=twilio_standin.account_sid,
                auth_token=twilio_standin.auth_token,
                from_number="+15550000001",
                api_base_url=twilio_standin.base_url,
            )
        }
    )
    # Same model registry and prompt cache as the session's runtime: nothing loads twice.
    tel_runtime = Runtime(tel_settings, registry=runtime.registry)
    tel_runtime.prompt_cache = runtime.prompt_cache
    async with in_process_server(tel_settings, tel_runtime) as url:
        audiosocket = await start_audiosocket(tel_runtime, "127.0.0.1", 0)
        port = audiosocket.port
        try:
            base = url.removesuffix("/ws/call")
            yield TelephonyServer(
                http=base.replace("ws://", "http://"),
                ws=base,
                audiosocket_port=port,
                runtime=tel_runtime,
                settings=tel_settings,
                twilio=twilio_standin,
            )
        finally:
            await audiosocket.close()

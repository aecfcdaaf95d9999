"""A telephony server for this folder: the session's runtime (same models, same prompt cache),
plus Twilio credentials pointing at the local stand-in, an AudioSocket listener on port 0, a
FreeSWITCH shared secret, its own address as the public URL, and a recruiter key."""

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
    access: Any  # signs tokens as the server does
    headers: dict[str, str]  # Authorization with a recruiter key
    freeswitch_secret: str

    def stream_params(self, params: dict[str, str], call_sid: str | None = None) -> dict[str, str]:
        """Twilio ``<Stream>`` custom parameters as our TwiML hands them out, signed token in."""
        from agent.api.telephony import stream_parameters

        return stream_parameters(
            self.access, params["candidate_id"], params.get("script_id"), call_sid
        )


@pytest.fixture(scope="session")
def twilio_standin() -> Iterator[TwilioStandin]:
    with TwilioStandin(outcomes={BUSY: "busy", NO_ANSWER: "no-answer"}) as standin:
        yield standin


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def telephony_server(
    settings: Any, runtime: Any, twilio_standin: TwilioStandin, api_keys: dict[str, str]
) -> AsyncIterator[TelephonyServer]:
    from pydantic import SecretStr

    from agent.api.telephony import start_audiosocket
    from agent.auth.guard import Access
    from agent.calls.run import Runtime
    from agent.cli import in_process_server
    from agent.settings import TwilioSettings

    freeswitch_secret = "fs-shared-secret-for-tests"
    tel_settings = settings.model_copy(
        update={
            "twilio": TwilioSettings(
                account_sid=twilio_standin.account_sid,
                auth_token=twilio_standin.auth_token,
                from_number="+15550000001",
                api_base_url=twilio_standin.base_url,
            ),
            "auth": settings.auth.model_copy(
                update={
                    "freeswitch_secret": SecretStr(freeswitch_secret),
                    "dial_country_codes": ["1"],
                }
            ),
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
            http = base.replace("ws://", "http://")
            # Known once the port is: carriers call us back here (never at a request's Host).
            tel_settings.public_url = http
            yield TelephonyServer(
                http=http,
                ws=base,
                audiosocket_port=port,
                runtime=tel_runtime,
                settings=tel_settings,
                twilio=twilio_standin,
                access=Access.from_settings(tel_settings),
                headers={"Authorization": f"Bearer {api_keys['recruiter']}"},
                freeswitch_secret=freeswitch_secret,
            )
        finally:
            await audiosocket.close()

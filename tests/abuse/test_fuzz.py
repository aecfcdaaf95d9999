"""Property-based fuzzing of each protocol's first messages (issue 12, item 7).

Two levels: the sans-I/O codecs with many examples (hostile input raises the codec's own error
and nothing else), and the real server with a bounded few per protocol (every first message is
answered with a documented close code or a call that then ends; no slot is left behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.calls.limits import InputError, check_script_id, check_variables
from agent.settings import LimitSettings
from telephony.audiosocket import AudioSocketParser, encode_uuid
from telephony.errors import ProtocolError
from telephony.freeswitch import FreeSwitchModule, FreeSwitchStream
from telephony.native_ws import StartError, parse_start
from telephony.twilio import TwilioMediaStream
from tests.abuse.conftest import Server

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
start_fields = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["start", "stop", ""]) | st.text(max_size=8),
        "sample_rate": st.sampled_from([8000, 16000, 44100, "16000", None]),
        "encoding": st.sampled_from(["pcm16", "opus"]) | json_values,
        "candidate_id": st.text(max_size=300) | json_values,
        "script_id": st.sampled_from(["short_en", "/etc/passwd", "../x", "a" * 300]) | json_values,
        "variables": st.dictionaries(st.text(max_size=50), st.text(max_size=200), max_size=30)
        | json_values,
    },
)
first_messages = (
    start_fields.map(json.dumps)
    | st.text(max_size=200)
    | st.binary(max_size=200)
    | st.integers(1, 64).map(lambda n: "[" * n + "]" * n)
)
twilio_messages = st.fixed_dictionaries(
    {},
    optional={
        "event": st.sampled_from(["connected", "start", "media", "stop", "mark"]),
        "streamSid": st.text(max_size=40),
        "protocol": st.text(max_size=10),
        "version": st.text(max_size=10),
        "start": st.fixed_dictionaries(
            {},
            optional={
                "streamSid": st.text(max_size=40),
                "callSid": st.text(max_size=40),
                "accountSid": st.text(max_size=40),
                "customParameters": st.dictionaries(st.text(max_size=20), json_values, max_size=4),
                "mediaFormat": json_values,
            },
        ),
        "media": json_values,
    },
).map(json.dumps) | st.text(max_size=200)
CODEC_RUNS = settings(max_examples=300, deadline=None)
SERVER_RUNS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@CODEC_RUNS
@given(first_messages)
def test_start_codec_raises_only_start_error(message: str | bytes) -> None:
    with contextlib.suppress(StartError):
        parse_start(message)


@CODEC_RUNS
@given(twilio_messages)
def test_twilio_codec_raises_only_protocol_error(message: str) -> None:
    stream = TwilioMediaStream()
    with contextlib.suppress(ProtocolError):
        stream.receive(message)


@CODEC_RUNS
@given(
    st.sampled_from(list(FreeSwitchModule)), json_values.map(json.dumps) | st.binary(max_size=64)
)
def test_freeswitch_codec_raises_only_protocol_error(
    module: FreeSwitchModule, message: str | bytes
) -> None:
    stream = FreeSwitchStream(module)
    with contextlib.suppress(ProtocolError):
        stream.receive(message)


@CODEC_RUNS
@given(st.lists(st.binary(max_size=80), max_size=5))
def test_audiosocket_codec_raises_only_protocol_error(chunks: list[bytes]) -> None:
    parser = AudioSocketParser()
    with contextlib.suppress(ProtocolError):
        for chunk in chunks:
            parser.feed(chunk)


@CODEC_RUNS
@given(json_values, json_values)
def test_limits_raise_only_input_error(script_id: Any, variables: Any) -> None:
    with contextlib.suppress(InputError):
        assert check_script_id(script_id) == script_id
    with contextlib.suppress(InputError):
        checked = check_variables(variables, LimitSettings())
        assert all(len(v) <= LimitSettings().max_variable_chars for v in checked.values())


# --- against the real server --------------------------------------------------------------


async def _settled(server: Server) -> None:
    async with asyncio.timeout(60):
        while server.runtime.admission.active:
            await asyncio.sleep(0.05)


async def _first_message(url: str, message: str | bytes) -> int | None:
    async with websockets.connect(url) as ws:
        await ws.send(message)
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(30):
                reply = await ws.recv()
                if isinstance(reply, str) and json.loads(reply).get("type") == "ready":
                    return 1000  # a valid start: the call runs; leaving ends it
                await ws.recv()
    return ws.close_code


@pytest.mark.asyncio(loop_scope="session")
@SERVER_RUNS
@given(message=first_messages)
async def test_ws_call_first_message(
    server: Server, no_tracebacks: Any, message: str | bytes
) -> None:
    code = await _first_message(server.call_url, message)
    assert code in (1000, 1003, 1008, 1009, 1013)
    await _settled(server)


@pytest.mark.asyncio(loop_scope="session")
@SERVER_RUNS
@given(messages=st.lists(twilio_messages, min_size=1, max_size=3))
async def test_twilio_stream_first_messages(
    server: Server, no_tracebacks: Any, messages: list[str]
) -> None:
    async with websockets.connect(f"{server.ws}/telephony/twilio/stream") as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            for message in messages:
                await ws.send(message)
            async with asyncio.timeout(30):
                await ws.recv()
    assert ws.close_code in (1000, 1008, 1009, 1011, 1013, None)
    await _settled(server)


@pytest.mark.asyncio(loop_scope="session")
@SERVER_RUNS
@given(message=json_values.map(json.dumps) | st.binary(max_size=64) | st.text(max_size=64))
async def test_freeswitch_metadata(
    server: Server, no_tracebacks: Any, message: str | bytes
) -> None:
    async with websockets.connect(f"{server.ws}/telephony/freeswitch") as ws:
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(message)
            async with asyncio.timeout(30):
                await ws.recv()
    await _settled(server)


@pytest.mark.asyncio(loop_scope="session")
@SERVER_RUNS
@given(after=st.binary(max_size=64))
async def test_audiosocket_frames_after_uuid(
    server: Server, no_tracebacks: Any, after: bytes
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.audiosocket_port)
    writer.write(encode_uuid(uuid.uuid4()) + after)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
        writer.close()
        async with asyncio.timeout(30):
            await reader.read()
    await asyncio.sleep(0.05)
    await _settled(server)
    async with httpx.AsyncClient(base_url=server.http) as client:
        assert (await client.get("/health")).status_code == 200

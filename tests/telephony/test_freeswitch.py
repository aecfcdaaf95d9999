"""FreeSWITCH mod_audio_stream / mod_audio_fork codec."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.errors import ProtocolError
from telephony.freeswitch import (
    MAX_METADATA_BYTES,
    FreeSwitchAudio,
    FreeSwitchMetadata,
    FreeSwitchModule,
    FreeSwitchStream,
    FreeSwitchText,
    build_kill_audio,
    build_play_audio,
    build_stream_audio,
)

UUID = "7dd5e34e-5db4-4edb-a166-757e5d29b941"
# What the dialplan in telephony/README.md passes as the start command's <metadata>.
META = {
    "uuid": UUID,
    "caller_id": "+8613800138000",
    "destination_number": "100",
    "sample_rate": 16000,
    "candidate_id": "c-42",
}
PCM_20MS_16K = bytes(range(256)) * 2 + bytes(128)  # 640 bytes


def started(**kwargs: Any) -> FreeSwitchStream:
    stream = FreeSwitchStream(**kwargs)
    stream.receive(json.dumps(META))
    return stream


def test_metadata_then_audio_then_text() -> None:
    stream = FreeSwitchStream()
    meta = stream.receive(json.dumps(META))
    assert isinstance(meta, FreeSwitchMetadata)
    assert (meta.sample_rate, meta.call_uuid, meta.caller_id, meta.destination_number) == (
        16000,
        UUID,
        "+8613800138000",
        "100",
    )
    assert meta.fields["candidate_id"] == "c-42"
    assert stream.metadata is meta
    assert stream.receive(PCM_20MS_16K) == FreeSwitchAudio(PCM_20MS_16K, 16000)
    assert stream.receive(b"") == FreeSwitchAudio(b"", 16000)
    # send_text / stop <text>: free-form, JSON decoded when it is an object.
    assert stream.receive('{"event":"dtmf","digit":"5"}') == FreeSwitchText(
        '{"event":"dtmf","digit":"5"}', {"event": "dtmf", "digit": "5"}
    )
    assert stream.receive("goodbye") == FreeSwitchText("goodbye")
    assert stream.receive("[1]") == FreeSwitchText("[1]")


def test_sample_rate_sources() -> None:
    # The modules do not announce the rate: the configured one (= start command) applies.
    assert started(sample_rate=16000).metadata == started().metadata
    bare = FreeSwitchStream(sample_rate=16000)
    meta = bare.receive(json.dumps({"uuid": UUID}))
    assert isinstance(meta, FreeSwitchMetadata) and meta.sample_rate == 16000
    default = FreeSwitchStream().receive("{}")
    assert isinstance(default, FreeSwitchMetadata) and default.sample_rate == 8000
    assert default.call_uuid is None and default.caller_id is None
    for spelled, rate in (("8k", 8000), ("16k", 16000), ("16000", 16000), (8000, 8000)):
        meta = FreeSwitchStream().receive(json.dumps({"sampleRate": spelled}))
        assert isinstance(meta, FreeSwitchMetadata) and meta.sample_rate == rate
    with pytest.raises(ProtocolError, match="differs from the configured 8000"):
        FreeSwitchStream(sample_rate=8000).receive(json.dumps(META))
    with pytest.raises(ValueError):
        FreeSwitchStream(sample_rate=44100)


def test_alias_field_names() -> None:
    meta = FreeSwitchStream().receive(
        json.dumps({"callId": "abc", "from": "2061236666", "to": "6173333456"})
    )
    assert isinstance(meta, FreeSwitchMetadata)
    assert (meta.call_uuid, meta.caller_id, meta.destination_number) == (
        "abc",
        "2061236666",
        "6173333456",
    )


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("not json", "not valid JSON"),
        ('"a string"', "JSON object"),
        ("[1,2]", "JSON object"),
        (json.dumps({"sample_rate": 44100}), "unsupported sample_rate"),
        (json.dumps({"sample_rate": "8 kHz"}), "unsupported sample_rate"),
        (json.dumps({"sample_rate": 8000.0}), "unsupported sample_rate"),
        (json.dumps({"sampleRate": True}), "unsupported sampleRate"),
        (json.dumps({"channels": 2}), "only mono"),
        (json.dumps({"uuid": 12}), "'uuid' must be a string"),
        (json.dumps({"caller_id": None}), "'caller_id' must be a string"),
        (json.dumps({"pad": "x" * MAX_METADATA_BYTES}), "too large"),
    ],
)
def test_malformed_metadata(metadata: str, error: str) -> None:
    stream = FreeSwitchStream()
    with pytest.raises(ProtocolError, match=error):
        stream.receive(metadata)
    assert stream.metadata is None


def test_audio_before_metadata() -> None:
    with pytest.raises(ProtocolError, match="before the metadata"):
        FreeSwitchStream().receive(PCM_20MS_16K)


def test_bad_audio_frames() -> None:
    stream = started(max_frame_bytes=640)
    with pytest.raises(ProtocolError, match="odd length 3"):
        stream.receive(b"abc")
    with pytest.raises(ProtocolError, match="642 bytes exceeds limit 640"):
        stream.receive(PCM_20MS_16K + b"\x00\x00")
    with pytest.raises(ProtocolError, match="too large"):
        stream.receive("x" * (MAX_METADATA_BYTES + 1))


def test_mod_audio_stream_playback_message() -> None:
    stream = started()
    msg = json.loads(stream.encode_audio(PCM_20MS_16K))
    assert msg == {
        "type": "streamAudio",
        "data": {
            "audioDataType": "raw",
            "sampleRate": 16000,
            "audioData": base64.b64encode(PCM_20MS_16K).decode(),
        },
    }
    assert stream.encode_stop_playback() is None
    assert json.loads(stream.encode_audio(b"\x01\x00", 8000))["data"]["sampleRate"] == 8000


def test_mod_audio_fork_playback_messages() -> None:
    stream = started(module=FreeSwitchModule.AUDIO_FORK)
    msg = json.loads(stream.encode_audio(PCM_20MS_16K))
    assert msg == {
        "type": "playAudio",
        "data": {
            "audioContentType": "raw",
            "sampleRate": 16000,
            "audioContent": base64.b64encode(PCM_20MS_16K).decode(),
        },
    }
    with_text = json.loads(build_play_audio(b"", 8000, text="你好"))
    assert with_text["data"]["textContent"] == "你好"
    assert stream.encode_stop_playback() == build_kill_audio()
    assert json.loads(build_kill_audio()) == {"type": "killAudio"}


def test_playback_argument_checks() -> None:
    with pytest.raises(RuntimeError, match="before the FreeSWITCH metadata"):
        FreeSwitchStream().encode_audio(b"\x00\x00")
    with pytest.raises(ValueError, match="odd"):
        build_stream_audio(b"\x00", 8000)
    with pytest.raises(ValueError, match="11025"):
        build_play_audio(b"\x00\x00", 11025)


# --- properties ---------------------------------------------------------------------------------


@given(
    st.lists(st.text(max_size=100) | st.binary(max_size=100), max_size=8),
    st.sampled_from(FreeSwitchModule),
)
def test_arbitrary_messages_only_raise_protocol_error(
    messages: list[str | bytes], module: FreeSwitchModule
) -> None:
    for stream in (FreeSwitchStream(module), started(module=module)):
        for message in messages:
            with contextlib.suppress(ProtocolError):
                stream.receive(message)


metadata_objects = st.dictionaries(
    st.sampled_from(["uuid", "callId", "caller_id", "from", "to", "sample_rate", "channels", "x"]),
    st.none() | st.booleans() | st.integers() | st.text(max_size=8) | st.sampled_from(["8k"]),
)


@given(metadata_objects)
def test_arbitrary_metadata_objects_only_raise_protocol_error(meta: dict[str, Any]) -> None:
    with contextlib.suppress(ProtocolError):
        FreeSwitchStream().receive(json.dumps(meta))


@given(st.binary(max_size=2000).filter(lambda b: len(b) % 2 == 0), st.sampled_from([8000, 16000]))
def test_playback_round_trip(pcm: bytes, rate: int) -> None:
    sent = json.loads(build_stream_audio(pcm, rate))["data"]
    assert base64.b64decode(sent["audioData"]) == pcm and sent["sampleRate"] == rate
    forked = json.loads(build_play_audio(pcm, rate))["data"]
    assert base64.b64decode(forked["audioContent"]) == pcm and forked["sampleRate"] == rate

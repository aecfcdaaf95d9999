"""The /ws/call handshake codec, without sockets."""

from __future__ import annotations

import json

import pytest
from pipecat.frames.frames import (
    InputAudioRawFrame,
    InputDTMFFrame,
    OutputTransportMessageUrgentFrame,
)

from telephony.frames import HangupFrame
from telephony.native_ws import (
    CLOSE_POLICY,
    CLOSE_UNSUPPORTED,
    NativeFrameSerializer,
    StartError,
    parse_start,
)


def start(**fields: object) -> str:
    return json.dumps({"type": "start", "sample_rate": 16000, "candidate_id": "c1", **fields})


def test_valid_start() -> None:
    msg = parse_start(start(script_id="short_en", variables={"candidate_name": "Ann"}))
    assert msg.sample_rate == 16000
    assert msg.candidate_id == "c1"
    assert msg.script_id == "short_en"
    assert msg.variables == {"candidate_name": "Ann"}


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        ("not json", CLOSE_UNSUPPORTED, "not valid JSON"),
        ("[" * 5000 + "]" * 5000, CLOSE_UNSUPPORTED, "deeper than"),
        (b"\x00\x00", CLOSE_UNSUPPORTED, "before any audio"),
        (json.dumps({"type": "hello"}), CLOSE_UNSUPPORTED, "start"),
        (json.dumps([1, 2]), CLOSE_UNSUPPORTED, "start"),
        (start(sample_rate=44100), CLOSE_POLICY, "sample_rate"),
        (start(sample_rate="16000"), CLOSE_POLICY, "sample_rate"),
        (start(encoding="opus"), CLOSE_POLICY, "encoding"),
        (start(candidate_id=""), CLOSE_POLICY, "candidate_id"),
        (start(candidate_id=5), CLOSE_POLICY, "candidate_id"),
        (start(script_id=7), CLOSE_POLICY, "script_id"),
        (start(variables={"a": 1}), CLOSE_POLICY, "variables"),
    ],
)
def test_bad_start_is_rejected_with_close_code(data: str | bytes, code: int, words: str) -> None:
    with pytest.raises(StartError) as info:
        parse_start(data)
    assert info.value.close_code == code
    assert words in str(info.value)


async def test_serializer_round_trip_and_rejects() -> None:
    ser = NativeFrameSerializer(8000)
    frame = await ser.deserialize(b"\x01\x00" * 160)
    assert isinstance(frame, InputAudioRawFrame) and frame.sample_rate == 8000
    assert await ser.deserialize(b"\x01\x00\x02") is None  # torn sample
    assert await ser.deserialize("{nope") is None
    assert await ser.deserialize(json.dumps({"type": "launch"})) is None
    assert ser.rejected == 3
    assert isinstance(await ser.deserialize(json.dumps({"type": "hangup"})), HangupFrame)
    dtmf = await ser.deserialize(json.dumps({"type": "dtmf", "digit": "1"}))
    assert isinstance(dtmf, InputDTMFFrame) and dtmf.button.value == "1"
    assert await ser.deserialize(json.dumps({"type": "dtmf", "digit": "x"})) is None
    out = await ser.serialize(OutputTransportMessageUrgentFrame(message={"type": "bot_said"}))
    assert json.loads(out or "") == {"type": "bot_said"}

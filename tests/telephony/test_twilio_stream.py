"""Twilio Media Streams codec: documented messages in, documented messages out, hostile input."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.errors import ProtocolError
from telephony.g711 import pcm16_to_ulaw, ulaw_to_pcm16
from telephony.twilio import (
    TwilioConnected,
    TwilioDtmf,
    TwilioMark,
    TwilioMedia,
    TwilioMediaStream,
    TwilioStart,
    TwilioStop,
    build_clear_message,
    build_mark_message,
    build_media_message,
)

SID = "MZ18ad3ab5a668481ce02b83e7395059f0"
CALL = "CA7e8d8b5a5a2b4f4e9a7d5f1c0b9e3a21"
ACCOUNT = "AC25e16e9a716a4a1786a7c83f58e30482"

# Shapes follow the examples on Twilio's "Media Streams - WebSocket Messages" page.
CONNECTED = {"event": "connected", "protocol": "Call", "version": "1.0.0"}


def start_msg(**fmt: Any) -> dict[str, Any]:
    media_format = {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1} | fmt
    return {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": ACCOUNT,
            "streamSid": SID,
            "callSid": CALL,
            "tracks": ["inbound"],
            "mediaFormat": media_format,
            "customParameters": {"candidate_id": "c-42", "lang": "zh"},
        },
        "streamSid": SID,
    }


def media_msg(ulaw: bytes, chunk: int = 1, timestamp: int = 5) -> dict[str, Any]:
    return {
        "event": "media",
        "sequenceNumber": str(chunk + 1),
        "media": {
            "track": "inbound",
            "chunk": str(chunk),
            "timestamp": str(timestamp),
            "payload": base64.b64encode(ulaw).decode(),
        },
        "streamSid": SID,
    }


def started() -> TwilioMediaStream:
    stream = TwilioMediaStream()
    stream.receive(json.dumps(CONNECTED))
    stream.receive(json.dumps(start_msg()))
    return stream


def test_full_documented_session() -> None:
    stream = TwilioMediaStream()
    assert stream.receive(json.dumps(CONNECTED)) == TwilioConnected("Call", "1.0.0")
    start = stream.receive(json.dumps(start_msg()))
    assert isinstance(start, TwilioStart)
    assert (start.stream_sid, start.call_sid, start.account_sid) == (SID, CALL, ACCOUNT)
    assert start.tracks == ("inbound",)
    assert dict(start.custom_parameters) == {"candidate_id": "c-42", "lang": "zh"}
    assert stream.stream_sid == SID and stream.start is start

    ulaw = bytes(range(160))  # 20 ms
    media = stream.receive(json.dumps(media_msg(ulaw, chunk=3, timestamp=60)))
    assert media == TwilioMedia(
        pcm16=ulaw_to_pcm16(ulaw), timestamp_ms=60, track="inbound", chunk=3
    )
    assert len(media.pcm16) == 320

    dtmf: dict[str, Any] = {"event": "dtmf", "streamSid": SID, "sequenceNumber": "5"}
    dtmf["dtmf"] = {"track": "inbound_track", "digit": "1"}
    assert stream.receive(json.dumps(dtmf)) == TwilioDtmf("1", "inbound_track")

    mark = {"event": "mark", "sequenceNumber": "4", "streamSid": SID, "mark": {"name": "q1"}}
    assert stream.receive(json.dumps(mark).encode()) == TwilioMark("q1")  # bytes accepted too

    stop: dict[str, Any] = {"event": "stop", "sequenceNumber": "6", "streamSid": SID}
    stop["stop"] = {"accountSid": ACCOUNT, "callSid": CALL}
    assert stream.receive(json.dumps(stop)) == TwilioStop(call_sid=CALL, account_sid=ACCOUNT)
    assert stream.stopped
    with pytest.raises(ProtocolError, match="after stop"):
        stream.receive(json.dumps(media_msg(ulaw)))


def test_integer_numbers_and_optional_fields_accepted() -> None:
    stream = TwilioMediaStream()
    msg = start_msg()
    del msg["start"]["tracks"], msg["start"]["customParameters"]
    start = stream.receive(json.dumps(msg))
    assert isinstance(start, TwilioStart)
    assert start.tracks == ("inbound",) and dict(start.custom_parameters) == {}
    media = {"event": "media", "streamSid": SID, "media": {"timestamp": 0, "payload": ""}}
    assert stream.receive(json.dumps(media)) == TwilioMedia(b"", 0, "inbound", 0)


def test_outbound_messages() -> None:
    pcm = np.linspace(-20000, 20000, 160).astype("<i2").tobytes()
    media = json.loads(build_media_message(SID, pcm))
    assert media["event"] == "media" and media["streamSid"] == SID
    assert base64.b64decode(media["media"]["payload"]) == pcm16_to_ulaw(pcm)
    assert set(media) == {"event", "streamSid", "media"} and set(media["media"]) == {"payload"}
    assert json.loads(build_mark_message(SID, "end-q1")) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": "end-q1"},
    }
    assert json.loads(build_clear_message(SID)) == {"event": "clear", "streamSid": SID}

    stream = started()
    assert stream.encode_media(pcm) == build_media_message(SID, pcm)
    assert stream.encode_mark("m") == build_mark_message(SID, "m")
    assert stream.encode_clear() == build_clear_message(SID)
    with pytest.raises(ValueError):
        build_mark_message(SID, "")
    with pytest.raises(ValueError, match="odd"):
        stream.encode_media(b"\x00")


def test_sending_before_start_is_a_glue_bug() -> None:
    with pytest.raises(RuntimeError, match="before the 'start'"):
        TwilioMediaStream().encode_media(b"\x00\x00")


def test_media_round_trip_through_codec() -> None:
    # What we send, decoded as Twilio would and fed back, is the μ-law-quantised input.
    pcm = np.sin(np.arange(800) / 8.0 * np.pi).__mul__(12000).astype("<i2").tobytes()
    sent = json.loads(build_media_message(SID, pcm))
    echo = media_msg(base64.b64decode(sent["media"]["payload"]))
    event = started().receive(json.dumps(echo))
    assert isinstance(event, TwilioMedia)
    assert event.pcm16 == ulaw_to_pcm16(pcm16_to_ulaw(pcm))


BAD_MESSAGES: list[tuple[str, str | bytes, str]] = [
    ("not json", "hello", "not valid JSON"),
    ("not utf-8", b"\xff\xfe\xfa", "not valid JSON"),
    ("array", "[1,2]", "JSON object"),
    ("unknown event", json.dumps({"event": "dance", "streamSid": SID}), "unknown Twilio event"),
    ("no event", json.dumps({"streamSid": SID}), "unknown Twilio event"),
    ("deep nesting", "[" * 50_000 + "]" * 50_000, "too large"),
    ("deep nesting under limit", "[" * 30_000 + "]" * 30_000, "nests deeper than 16"),
]


@pytest.mark.parametrize(
    ("label", "message", "error"), BAD_MESSAGES, ids=[b[0] for b in BAD_MESSAGES]
)
def test_malformed_messages(label: str, message: str | bytes, error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        started().receive(message)


def test_oversized_message_limit_is_configurable() -> None:
    ulaw = bytes(1000)
    text = json.dumps(media_msg(ulaw))
    stream = TwilioMediaStream(max_message_bytes=len(text) - 1)
    stream.receive(json.dumps(start_msg()))
    with pytest.raises(ProtocolError, match="too large"):
        stream.receive(text)
    # Multi-byte characters count in UTF-8 bytes, not code points.
    with pytest.raises(ProtocolError, match="too large"):
        TwilioMediaStream(max_message_bytes=10).receive('{"a":"' + "é" * 4 + '"}')


@pytest.mark.parametrize("event", ["media", "dtmf", "mark", "stop"])
def test_messages_before_start_rejected(event: str) -> None:
    stream = TwilioMediaStream()
    stream.receive(json.dumps(CONNECTED))
    with pytest.raises(ProtocolError, match="before start"):
        stream.receive(json.dumps({"event": event, "streamSid": SID}))


def test_order_violations() -> None:
    stream = started()
    with pytest.raises(ProtocolError, match="second"):
        stream.receive(json.dumps(start_msg()))
    with pytest.raises(ProtocolError, match="after start"):
        stream.receive(json.dumps(CONNECTED))
    other = media_msg(b"\xff") | {"streamSid": "MZother"}
    with pytest.raises(ProtocolError, match="for stream 'MZother'"):
        stream.receive(json.dumps(other))
    no_sid = media_msg(b"\xff")
    del no_sid["streamSid"]
    with pytest.raises(ProtocolError, match="streamSid"):
        stream.receive(json.dumps(no_sid))


@pytest.mark.parametrize(
    "fmt",
    [
        {"encoding": "audio/x-alaw"},
        {"sampleRate": 16000},
        {"sampleRate": "8000"},
        {"sampleRate": 8000.0},
        {"channels": 2},
        {"channels": True},
    ],
)
def test_wrong_media_format_rejected(fmt: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError, match="mediaFormat"):
        TwilioMediaStream().receive(json.dumps(start_msg(**fmt)))


def _without(msg: dict[str, Any], *path: str) -> dict[str, Any]:
    inner = msg
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return msg


@pytest.mark.parametrize(
    "path",
    [
        ("start",),
        ("start", "streamSid"),
        ("start", "callSid"),
        ("start", "accountSid"),
        ("start", "mediaFormat"),
    ],
)
def test_start_missing_fields(path: tuple[str, ...]) -> None:
    with pytest.raises(ProtocolError, match=path[-1]):
        TwilioMediaStream().receive(json.dumps(_without(start_msg(), *path)))


@pytest.mark.parametrize(
    ("start_field", "value"),
    [("tracks", "inbound"), ("tracks", [1]), ("customParameters", {"a": 1}), ("callSid", 7)],
)
def test_start_mistyped_fields(start_field: str, value: Any) -> None:
    msg = start_msg()
    msg["start"][start_field] = value
    with pytest.raises(ProtocolError, match=start_field):
        TwilioMediaStream().receive(json.dumps(msg))


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (("media",), "media"),
        (("media", "payload"), "payload"),
        (("media", "timestamp"), "timestamp"),
    ],
)
def test_media_missing_fields(path: tuple[str, ...], error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        started().receive(json.dumps(_without(media_msg(b"\xff"), *path)))


@pytest.mark.parametrize(
    ("media", "error"),
    [
        ({"payload": "@@@@", "timestamp": "1"}, "base64"),
        ({"payload": "AAA", "timestamp": "1"}, "base64"),  # bad padding
        ({"payload": "AA==", "timestamp": "-1"}, "timestamp"),
        ({"payload": "AA==", "timestamp": -5}, "timestamp"),
        ({"payload": "AA==", "timestamp": "1e3"}, "timestamp"),
        ({"payload": "AA==", "timestamp": "9" * 5000}, "timestamp"),
        ({"payload": "AA==", "timestamp": True}, "timestamp"),
        ({"payload": "AA==", "timestamp": "1", "chunk": "x"}, "chunk"),
        ({"payload": 12, "timestamp": "1"}, "payload"),
    ],
)
def test_media_bad_values(media: dict[str, Any], error: str) -> None:
    msg = {"event": "media", "streamSid": SID, "media": media}
    with pytest.raises(ProtocolError, match=error):
        started().receive(json.dumps(msg))


@pytest.mark.parametrize(
    "body", [{}, {"dtmf": {}}, {"dtmf": {"digit": "12"}}, {"dtmf": {"digit": "x"}}, {"dtmf": 1}]
)
def test_bad_dtmf(body: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError, match="dtmf"):
        started().receive(json.dumps({"event": "dtmf", "streamSid": SID} | body))


@pytest.mark.parametrize("body", [{}, {"mark": {}}, {"mark": {"name": ""}}, {"mark": "x"}])
def test_bad_mark(body: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError, match="mark"):
        started().receive(json.dumps({"event": "mark", "streamSid": SID} | body))


def test_bad_stop() -> None:
    stream = started()
    with pytest.raises(ProtocolError, match="stop"):
        stream.receive(json.dumps({"event": "stop", "streamSid": SID, "stop": {}}))
    assert not stream.stopped


# --- properties ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
event_names = st.sampled_from(["connected", "start", "media", "dtmf", "mark", "stop", "clear"])
plausible = st.fixed_dictionaries(
    {"event": event_names, "streamSid": st.sampled_from([SID, "x"])},
    optional={
        "start": json_values,
        "media": st.fixed_dictionaries(
            {}, optional={"payload": st.text(max_size=12), "timestamp": json_values}
        ),
        "dtmf": json_values,
        "mark": json_values,
        "stop": json_values,
    },
).map(json.dumps)


@given(st.lists(st.text(max_size=200) | st.binary(max_size=200) | plausible, max_size=8))
def test_arbitrary_input_only_raises_protocol_error(messages: list[str | bytes]) -> None:
    for stream in (TwilioMediaStream(), started()):
        for message in messages:
            with contextlib.suppress(ProtocolError):
                stream.receive(message)


@given(st.binary(max_size=400).filter(lambda b: len(b) % 2 == 0), st.text(min_size=1))
def test_outbound_round_trip_property(pcm: bytes, mark: str) -> None:
    media = json.loads(build_media_message(SID, pcm))
    ulaw = base64.b64decode(media["media"]["payload"])
    assert ulaw == pcm16_to_ulaw(pcm)
    stream = started()
    back = stream.receive(json.dumps(media_msg(ulaw)))
    assert isinstance(back, TwilioMedia) and back.pcm16 == ulaw_to_pcm16(ulaw)
    sent = json.loads(build_mark_message(SID, mark))
    assert stream.receive(json.dumps(sent)) == TwilioMark(mark)

"""Asterisk AudioSocket codec: framing, incremental parsing, hostile streams, playback chunks."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.audiosocket import (
    AudioSocketAudio,
    AudioSocketDtmf,
    AudioSocketError,
    AudioSocketEvent,
    AudioSocketHangup,
    AudioSocketParser,
    AudioSocketUuid,
    Kind,
    chunk_for_playback,
    encode_audio,
    encode_dtmf,
    encode_error,
    encode_frame,
    encode_hangup,
    encode_uuid,
)
from telephony.errors import ProtocolError

CALL = uuid.UUID("40325ec2-5efd-4bd3-805f-53576e581d13")
PCM = bytes(range(256)) + bytes(64)  # 320 bytes = 20 ms


def call_stream() -> bytes:
    return (
        encode_uuid(CALL)
        + encode_audio(PCM)
        + encode_dtmf("5")
        + encode_audio(PCM[:160])
        + encode_error(2)
        + encode_hangup()
    )


EXPECTED: list[AudioSocketEvent] = [
    AudioSocketUuid(CALL),
    AudioSocketAudio(PCM),
    AudioSocketDtmf("5"),
    AudioSocketAudio(PCM[:160]),
    AudioSocketError(2),
    AudioSocketHangup(),
]


def test_wire_format_matches_spec() -> None:
    # kind | big-endian length | payload
    assert encode_hangup() == b"\x00\x00\x00"
    assert encode_uuid(CALL) == b"\x01\x00\x10" + CALL.bytes
    assert encode_dtmf("#") == b"\x03\x00\x01#"
    assert encode_audio(b"\x01\x02" * 160) == b"\x10\x01\x40" + b"\x01\x02" * 160
    assert encode_error(4) == b"\xff\x00\x01\x04"


def test_many_frames_in_one_read() -> None:
    parser = AudioSocketParser()
    assert parser.feed(call_stream()) == EXPECTED
    assert parser.call_uuid == CALL and parser.hung_up and parser.buffered == 0


def test_frames_split_byte_by_byte() -> None:
    parser = AudioSocketParser()
    events: list[AudioSocketEvent] = []
    data = call_stream()
    for i in range(len(data)):
        events += parser.feed(data[i : i + 1])
    assert events == EXPECTED


def test_partial_frame_is_buffered() -> None:
    parser = AudioSocketParser()
    frame = encode_uuid(CALL) + encode_audio(PCM)
    assert parser.feed(frame[:-5]) == [AudioSocketUuid(CALL)]
    assert parser.buffered == 3 + len(PCM) - 5
    assert parser.feed(frame[-5:]) == [AudioSocketAudio(PCM)]
    assert parser.buffered == 0


def test_empty_audio_and_empty_error_payloads() -> None:
    parser = AudioSocketParser()
    data = encode_uuid(CALL) + encode_frame(Kind.AUDIO) + encode_frame(Kind.ERROR)
    assert parser.feed(data)[1:] == [AudioSocketAudio(b""), AudioSocketError(None)]


@pytest.mark.parametrize(
    ("stream", "error"),
    [
        (b"\x02\x00\x00", "unknown AudioSocket frame kind 0x02"),
        (b"\x11\x00\x00", "unknown AudioSocket frame kind 0x11"),
        (b"\x01\x00\x0f" + bytes(15), "UUID payload is 15 bytes"),
        (b"\x01\x00\x11" + bytes(17), "UUID payload is 17 bytes"),
        (b"\x10\x00\x02\x00\x00", "AUDIO frame before UUID"),
        (encode_uuid(CALL) * 2, "second UUID frame"),
        (encode_uuid(CALL) + b"\x10\x00\x03abc", "odd length 3"),
        (encode_uuid(CALL) + b"\x10\x20\x02", "exceeds limit 8192"),  # fails before payload
        (encode_uuid(CALL) + b"\x03\x00\x01x", "not one digit"),
        (encode_uuid(CALL) + b"\x03\x00\x02" + b"12", "not one digit"),
        (encode_uuid(CALL) + b"\x03\x00\x00", "not one digit"),
        (encode_uuid(CALL) + b"\x00\x00\x01x", "hang-up frame with a payload"),
        (encode_uuid(CALL) + b"\xff\x00\x02ab", "error payload is 2 bytes"),
        (encode_uuid(CALL) + encode_hangup() + encode_audio(b""), "after hang-up"),
    ],
)
def test_protocol_violations(stream: bytes, error: str) -> None:
    parser = AudioSocketParser()
    with pytest.raises(ProtocolError, match=error):
        parser.feed(stream)
    # A failed parser stays failed: the connection must be closed.
    with pytest.raises(ProtocolError, match="already failed"):
        parser.feed(encode_hangup())


def test_max_payload_is_configurable() -> None:
    parser = AudioSocketParser(max_payload=320)
    assert parser.feed(encode_uuid(CALL) + encode_audio(PCM)) == [
        AudioSocketUuid(CALL),
        AudioSocketAudio(PCM),
    ]
    with pytest.raises(ProtocolError, match="322 bytes exceeds limit 320"):
        parser.feed(encode_audio(PCM + b"\x00\x00"))
    with pytest.raises(ValueError):
        AudioSocketParser(max_payload=0)
    with pytest.raises(ValueError):
        AudioSocketParser(max_payload=70_000)


def test_encoder_argument_checks() -> None:
    with pytest.raises(ValueError, match="odd"):
        encode_audio(b"\x00")
    with pytest.raises(ValueError, match="16 bits"):
        encode_audio(bytes(65_536))
    with pytest.raises(ValueError):
        encode_error(256)
    with pytest.raises(ValueError):
        encode_dtmf("12")


def test_chunk_for_playback() -> None:
    pcm = bytes(range(200)) * 4  # 800 bytes = 50 ms
    frames = chunk_for_playback(pcm)
    assert [len(f) for f in frames] == [320, 320, 320]
    assert b"".join(frames) == pcm + bytes(160)  # last frame padded with silence
    assert chunk_for_playback(b"") == []
    assert chunk_for_playback(bytes(640)) == [bytes(320)] * 2
    assert [len(f) for f in chunk_for_playback(bytes(1000), frame_ms=10, sample_rate=16000)] == [
        320,
        320,
        320,
        320,
    ]
    with pytest.raises(ValueError, match="odd"):
        chunk_for_playback(b"\x00")
    with pytest.raises(ValueError):
        chunk_for_playback(bytes(2), frame_ms=0)


# --- properties ---------------------------------------------------------------------------------


@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_only_raise_protocol_error(reads: list[bytes]) -> None:
    parser = AudioSocketParser(max_payload=512)
    for data in reads:
        try:
            events = parser.feed(data)
        except ProtocolError:
            break
        assert all(not isinstance(e, AudioSocketUuid) or e.uuid == parser.call_uuid for e in events)


# Streams that start like a real call so the fuzzer gets past the UUID check.
@given(st.lists(st.binary(max_size=40), max_size=20))
def test_arbitrary_bytes_after_uuid_only_raise_protocol_error(reads: list[bytes]) -> None:
    parser = AudioSocketParser()
    parser.feed(encode_uuid(CALL))
    for data in reads:
        with contextlib.suppress(ProtocolError):
            parser.feed(data)


frames = st.one_of(
    st.binary(max_size=600).filter(lambda b: len(b) % 2 == 0).map(AudioSocketAudio),
    st.sampled_from("0123456789*#ABCD").map(AudioSocketDtmf),
    st.one_of(st.none(), st.integers(0, 255)).map(AudioSocketError),
)


def encode_event(event: AudioSocketEvent) -> bytes:
    match event:
        case AudioSocketAudio(pcm16=pcm):
            return encode_audio(pcm)
        case AudioSocketDtmf(digit=digit):
            return encode_dtmf(digit)
        case AudioSocketError(code=None):
            return encode_frame(Kind.ERROR)
        case AudioSocketError(code=int(code)):
            return encode_error(code)
    raise AssertionError(event)


@given(st.lists(frames, max_size=15), st.lists(st.integers(1, 700), max_size=30), st.uuids())
def test_round_trip_with_arbitrary_read_boundaries(
    events: list[AudioSocketEvent], cuts: list[int], call: uuid.UUID
) -> None:
    data = encode_uuid(call) + b"".join(encode_event(e) for e in events) + encode_hangup()
    parser = AudioSocketParser()
    got: list[AudioSocketEvent] = []
    pos = 0
    for cut in [*cuts, len(data)]:
        got += parser.feed(data[pos : pos + cut])
        pos += cut
    got += parser.feed(data[pos:])
    assert got == [AudioSocketUuid(call), *events, AudioSocketHangup()]
    assert parser.buffered == 0


@given(st.binary(max_size=2000).filter(lambda b: len(b) % 2 == 0), st.sampled_from([10, 20, 40]))
def test_chunk_property(pcm: bytes, frame_ms: int) -> None:
    size = 8000 * frame_ms // 1000 * 2
    chunks = chunk_for_playback(pcm, frame_ms=frame_ms)
    assert all(len(c) == size for c in chunks)
    assert len(chunks) == -(-len(pcm) // size)
    joined = b"".join(chunks)
    assert joined[: len(pcm)] == pcm and not joined[len(pcm) :].strip(b"\x00")

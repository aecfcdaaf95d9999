"""Asterisk AudioSocket codec (sans-I/O).

AudioSocket is a plain TCP stream that Asterisk opens to us (``AudioSocket(uuid,host:port)`` in
the dialplan). Both directions carry frames of::

    kind (1 byte) | payload length (2 bytes, big-endian) | payload

with kinds 0x00 hang-up, 0x01 call UUID (16 bytes, always first), 0x03 DTMF digit (1 ASCII
byte), 0x10 audio (signed linear 16-bit little-endian, 8 kHz mono; 320 bytes per 20 ms) and
0xff error (optional 1-byte code). Asterisk does not buffer for us: the application must send
one 20 ms audio frame every 20 ms (:func:`chunk_for_playback` cuts the frames; the glue sleeps).

Use::

    parser = AudioSocketParser()
    while data := await reader.read(4096):
        for event in parser.feed(data):           # ProtocolError -> close the socket
            ...
    for frame in chunk_for_playback(pcm16_8k):
        writer.write(encode_audio(frame)); await asyncio.sleep(0.02)

Reference: https://docs.asterisk.org/Configuration/Channel-Drivers/AudioSocket/
"""

from __future__ import annotations

import enum
import struct
import uuid
from dataclasses import dataclass

from telephony.errors import ProtocolError

__all__ = [
    "AUDIOSOCKET_SAMPLE_RATE",
    "DEFAULT_MAX_PAYLOAD",
    "AudioSocketAudio",
    "AudioSocketDtmf",
    "AudioSocketError",
    "AudioSocketEvent",
    "AudioSocketHangup",
    "AudioSocketParser",
    "AudioSocketUuid",
    "Kind",
    "chunk_for_playback",
    "encode_audio",
    "encode_dtmf",
    "encode_error",
    "encode_frame",
    "encode_hangup",
    "encode_uuid",
]

AUDIOSOCKET_SAMPLE_RATE = 8000
DEFAULT_MAX_PAYLOAD = 8 * 1024
"""Largest payload the parser accepts by default; Asterisk sends 320-byte audio frames."""

_HEADER = struct.Struct(">BH")
_DTMF_DIGITS = frozenset("0123456789*#ABCD")


class Kind(enum.IntEnum):
    """AudioSocket frame kinds."""

    HANGUP = 0x00
    UUID = 0x01
    DTMF = 0x03
    AUDIO = 0x10
    ERROR = 0xFF


_KINDS = frozenset(Kind)


@dataclass(frozen=True, slots=True)
class AudioSocketUuid:
    """The call identifier Asterisk passed to ``AudioSocket()``; always the first frame."""

    uuid: uuid.UUID


@dataclass(frozen=True, slots=True)
class AudioSocketAudio:
    """Caller audio: signed 16-bit little-endian mono PCM at 8 kHz."""

    pcm16: bytes


@dataclass(frozen=True, slots=True)
class AudioSocketDtmf:
    """A keypress (``0-9``, ``*``, ``#``, ``A-D``)."""

    digit: str


@dataclass(frozen=True, slots=True)
class AudioSocketHangup:
    """The call hung up; Asterisk closes the socket next."""


@dataclass(frozen=True, slots=True)
class AudioSocketError:
    """Asterisk reported an error (code 0x01 hang-up, 0x02 frame forwarding, 0x04 memory)."""

    code: int | None


AudioSocketEvent = (
    AudioSocketUuid | AudioSocketAudio | AudioSocketDtmf | AudioSocketHangup | AudioSocketError
)
"""Anything :meth:`AudioSocketParser.feed` can return."""


class AudioSocketParser:
    """Incremental AudioSocket frame parser for the Asterisk → application direction.

    Feed it whatever the socket returns; it buffers partial frames and returns every complete
    frame as an event, in order. Enforced: known kinds only, payload length at most
    ``max_payload``, a 16-byte UUID first and only once, even-length audio, a valid DTMF digit,
    nothing after hang-up. A violation raises :class:`~telephony.errors.ProtocolError` and
    leaves the parser failed (every later :meth:`feed` raises too); events decoded from the
    same ``feed`` call before the bad frame are discarded with it, since the connection is
    to be closed anyway.
    """

    def __init__(self, *, max_payload: int = DEFAULT_MAX_PAYLOAD) -> None:
        if not 0 < max_payload <= 0xFFFF:
            raise ValueError("max_payload must be in 1..65535")
        self.max_payload = max_payload
        self._buffer = bytearray()
        self._uuid: uuid.UUID | None = None
        self._hung_up = False
        self._failure: ProtocolError | None = None

    @property
    def call_uuid(self) -> uuid.UUID | None:
        """The call's UUID once its frame arrived."""
        return self._uuid

    @property
    def hung_up(self) -> bool:
        """True once a hang-up frame was parsed."""
        return self._hung_up

    @property
    def buffered(self) -> int:
        """Bytes of an incomplete frame held back; non-zero at EOF means a truncated stream."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[AudioSocketEvent]:
        """Consume bytes from the socket and return the events of all complete frames.

        Raises:
            ProtocolError: the stream violates the protocol (see class docstring).
        """
        if self._failure is not None:
            raise ProtocolError(f"AudioSocket parser already failed: {self._failure}")
        self._buffer += data
        events: list[AudioSocketEvent] = []
        try:
            while len(self._buffer) >= _HEADER.size:
                kind, length = _HEADER.unpack_from(self._buffer)
                self._check_header(kind, length)
                end = _HEADER.size + length
                if len(self._buffer) < end:
                    break
                payload = bytes(self._buffer[_HEADER.size : end])
                del self._buffer[:end]
                events.append(self._event(Kind(kind), payload))
        except ProtocolError as exc:
            self._failure = exc
            self._buffer.clear()
            raise
        return events

    def _check_header(self, kind: int, length: int) -> None:
        # Validate before waiting for the payload, so junk fails fast instead of stalling.
        if self._hung_up:
            raise ProtocolError("AudioSocket frame after hang-up")
        if kind not in _KINDS:
            raise ProtocolError(f"unknown AudioSocket frame kind 0x{kind:02x}")
        if length > self.max_payload:
            raise ProtocolError(
                f"AudioSocket payload of {length} bytes exceeds limit {self.max_payload}"
            )
        if (self._uuid is None) != (kind == Kind.UUID):
            what = "second UUID frame" if self._uuid else f"{Kind(kind).name} frame before UUID"
            raise ProtocolError(f"AudioSocket {what}")

    def _event(self, kind: Kind, payload: bytes) -> AudioSocketEvent:
        if kind is Kind.AUDIO:
            if len(payload) % 2:
                raise ProtocolError(f"AudioSocket audio payload has odd length {len(payload)}")
            return AudioSocketAudio(payload)
        if kind is Kind.UUID:
            if len(payload) != 16:
                raise ProtocolError(f"AudioSocket UUID payload is {len(payload)} bytes, not 16")
            self._uuid = uuid.UUID(bytes=payload)
            return AudioSocketUuid(self._uuid)
        if kind is Kind.DTMF:
            digit = payload.decode("latin-1")
            if digit not in _DTMF_DIGITS:
                raise ProtocolError(f"AudioSocket DTMF payload {payload!r} is not one digit")
            return AudioSocketDtmf(digit)
        if kind is Kind.HANGUP:
            if payload:
                raise ProtocolError("AudioSocket hang-up frame with a payload")
            self._hung_up = True
            return AudioSocketHangup()
        if len(payload) > 1:
            raise ProtocolError(f"AudioSocket error payload is {len(payload)} bytes, not 0 or 1")
        return AudioSocketError(payload[0] if payload else None)


# --- encoders (application → Asterisk, plus uuid/dtmf for simulated peers in tests) ------------


def encode_frame(kind: Kind, payload: bytes = b"") -> bytes:
    """One raw frame. Raises :class:`ValueError` if the payload exceeds 65 535 bytes."""
    if len(payload) > 0xFFFF:
        raise ValueError(f"AudioSocket payload of {len(payload)} bytes does not fit 16 bits")
    return _HEADER.pack(kind, len(payload)) + payload


def encode_audio(pcm16: bytes) -> bytes:
    """Audio frame carrying 8 kHz PCM16 LE (send 320 bytes every 20 ms; see
    :func:`chunk_for_playback`). Raises :class:`ValueError` for odd or >65 535-byte input."""
    if len(pcm16) % 2:
        raise ValueError(f"PCM16 buffer has odd length {len(pcm16)}")
    return encode_frame(Kind.AUDIO, pcm16)


def encode_hangup() -> bytes:
    """Hang-up frame: Asterisk ends the ``AudioSocket()`` application and continues the dialplan."""
    return encode_frame(Kind.HANGUP)


def encode_error(code: int = 0) -> bytes:
    """Error frame with a one-byte application error code."""
    if not 0 <= code <= 0xFF:
        raise ValueError("error code must fit in one byte")
    return encode_frame(Kind.ERROR, bytes([code]))


def encode_uuid(call_uuid: uuid.UUID) -> bytes:
    """UUID frame, as Asterisk sends first (for simulated Asterisk peers)."""
    return encode_frame(Kind.UUID, call_uuid.bytes)


def encode_dtmf(digit: str) -> bytes:
    """DTMF frame, as Asterisk sends (for simulated Asterisk peers)."""
    if digit not in _DTMF_DIGITS:
        raise ValueError(f"invalid DTMF digit {digit!r}")
    return encode_frame(Kind.DTMF, digit.encode("ascii"))


def chunk_for_playback(
    pcm16: bytes, frame_ms: int = 20, sample_rate: int = AUDIOSOCKET_SAMPLE_RATE
) -> list[bytes]:
    """Cut PCM16 LE audio into equal playback frames (320 bytes at 8 kHz / 20 ms).

    The last frame is padded with silence so every frame has the same duration, which keeps
    the 20 ms send cadence exact. Returns an empty list for empty input.

    Raises:
        ValueError: odd-length ``pcm16`` or a non-positive frame size.
    """
    if len(pcm16) % 2:
        raise ValueError(f"PCM16 buffer has odd length {len(pcm16)}")
    size = sample_rate * frame_ms // 1000 * 2
    if size <= 0:
        raise ValueError("frame_ms and sample_rate must give a positive frame size")
    frames = [pcm16[i : i + size] for i in range(0, len(pcm16), size)]
    if frames and len(frames[-1]) < size:
        frames[-1] = frames[-1].ljust(size, b"\x00")
    return frames

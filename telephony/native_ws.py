"""Screenline's own media WebSocket protocol (``/ws/call``): codec and pipecat serializer.

Client -> server
  1. One JSON text message ``{"type": "start", "sample_rate": 8000|16000, "encoding": "pcm16",
     "candidate_id": str, "script_id": str, "variables": {str: str}}``.
  2. Binary messages: little-endian signed 16-bit mono PCM at ``sample_rate`` (even length).
  3. JSON text ``{"type": "hangup"}`` ends the call; ``{"type": "dtmf", "digit": "1"}`` sends a key.

Server -> client
  Binary messages of interviewer audio in the same format, and JSON text events: ``ready``,
  ``bot_said``, ``listening``, ``transcript`` (``final`` true/false), ``call_ended`` (with
  ``report_id`` and ``outcome``) and ``error``.

Close codes: 1003 the first message was not a JSON ``start`` (or nests deeper than
``_wire.MAX_JSON_DEPTH``); 1008 a ``start`` field is invalid;
1009 a message is larger than the server's limit; 1011 server error; 1013 server at capacity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    OutputAudioRawFrame,
    OutputTransportMessageFrame,
    OutputTransportMessageUrgentFrame,
)
from pipecat.serializers.base_serializer import FrameSerializer

from telephony import _wire
from telephony.errors import ProtocolError
from telephony.frames import HangupFrame

SAMPLE_RATES = (8000, 16000)
CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011
CLOSE_TRY_LATER = 1013


class StartError(ValueError):
    """The opening message is not a valid ``start``; ``close_code`` says how to close."""

    def __init__(self, message: str, close_code: int = CLOSE_POLICY) -> None:
        super().__init__(message)
        self.close_code = close_code


@dataclass(frozen=True)
class StartMessage:
    """A validated ``start`` message."""

    sample_rate: int
    candidate_id: str
    script_id: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


def parse_start(data: str | bytes, max_bytes: int = 64 * 1024) -> StartMessage:
    """Validate the first message of a call; raises :class:`StartError` with a close code."""
    if isinstance(data, bytes):
        raise StartError("expected a JSON 'start' message before any audio", CLOSE_UNSUPPORTED)
    try:
        msg = _wire.loads_bounded(data, max_bytes, "first message")
    except ProtocolError as exc:
        code = CLOSE_TOO_BIG if "too large" in str(exc) else CLOSE_UNSUPPORTED
        raise StartError(str(exc), code) from None
    if not isinstance(msg, dict) or msg.get("type") != "start":
        raise StartError('first message must be {"type": "start", ...}', CLOSE_UNSUPPORTED)
    rate = msg.get("sample_rate")
    if rate not in SAMPLE_RATES:
        raise StartError(f"unsupported sample_rate {rate!r}; use 8000 or 16000")
    encoding = msg.get("encoding", "pcm16")
    if encoding != "pcm16":
        raise StartError(f"unsupported encoding {encoding!r}; use pcm16")
    candidate = msg.get("candidate_id")
    if not isinstance(candidate, str) or not candidate.strip() or len(candidate) > 200:
        raise StartError("candidate_id must be a non-empty string of at most 200 characters")
    script = msg.get("script_id")
    if script is not None and not isinstance(script, str):
        raise StartError("script_id must be a string")
    variables = msg.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise StartError("variables must be an object of strings")
    return StartMessage(rate, candidate.strip(), script, dict(variables))


def event(kind: str, **payload: Any) -> dict[str, Any]:
    """A server -> client JSON event."""
    return {"type": kind, **payload}


class NativeFrameSerializer(FrameSerializer):
    """pipecat serializer for the protocol above (after the ``start`` handshake)."""

    def __init__(self, sample_rate: int, max_message_bytes: int = 64 * 1024) -> None:
        super().__init__()
        self.sample_rate = sample_rate
        self.max_message_bytes = max_message_bytes
        self.rejected = 0

    async def serialize(self, frame: Frame) -> str | bytes | None:
        if isinstance(frame, OutputAudioRawFrame):
            return frame.audio
        if isinstance(frame, (OutputTransportMessageFrame, OutputTransportMessageUrgentFrame)):
            if self.should_ignore_frame(frame):
                return None
            return json.dumps(frame.message, ensure_ascii=False)
        return None

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if isinstance(data, bytes):
            if len(data) % 2:
                # A torn sample would shift every later sample's byte order: drop the message.
                self.rejected += 1
                return None
            return InputAudioRawFrame(audio=data, sample_rate=self.sample_rate, num_channels=1)
        try:
            msg = _wire.loads_bounded(data, self.max_message_bytes, "message")
        except ProtocolError:
            self.rejected += 1
            return None
        kind = msg.get("type") if isinstance(msg, dict) else None
        if kind == "hangup":
            return HangupFrame(reason="client")
        if kind == "dtmf":
            try:
                return InputDTMFFrame(button=KeypadEntry(str(msg.get("digit"))))
            except ValueError:
                self.rejected += 1
                return None
        self.rejected += 1
        return None

"""WebSocket glue shared by the carrier media streams (Twilio, FreeSWITCH).

pipecat's ``FastAPIWebsocketTransport`` hands its serializer audio, interruptions and transport
messages. Carriers need two more things, both in playback order: where a prompt *ends* (Twilio
``mark``) and each prompt's *whole* audio (FreeSWITCH plays files, not 20 ms slices). The TTS
stage marks both with ``PromptAudioFrame`` / ``PromptDoneFrame`` (:mod:`audio.frames`), which
travel through the output transport's audio queue in order; :class:`CarrierWebsocketTransport`
passes them on to the serializer.
"""

from __future__ import annotations

import logging

from fastapi import WebSocket
from pipecat.frames.frames import Frame
from pipecat.serializers.base_serializer import FrameSerializer
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketOutputTransport,
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)

from audio.frames import PromptAudioFrame, PromptDoneFrame
from telephony.errors import ProtocolError
from telephony.frames import HangupFrame

log = logging.getLogger(__name__)


class _PhraseAwareOutput(FastAPIWebsocketOutputTransport):
    """Output that also serializes prompt boundaries and whole-prompt audio."""

    async def write_transport_frame(self, frame: Frame) -> None:
        if isinstance(frame, (PromptAudioFrame, PromptDoneFrame)):
            await self._write_frame(frame)


class CarrierWebsocketTransport(FastAPIWebsocketTransport):
    """``FastAPIWebsocketTransport`` whose serializer also sees prompt frames (see module doc)."""

    def __init__(self, websocket: WebSocket, params: FastAPIWebsocketParams) -> None:
        super().__init__(websocket, params)
        self._output = _PhraseAwareOutput(self, self._client, self._params, name=self._output_name)


class CarrierSerializer(FrameSerializer):
    """Base for carrier serializers: bad input from the far end ends the call, once.

    A :class:`ProtocolError` is logged and turned into one :class:`HangupFrame`, so the interview
    ends the normal way (partial report, socket closed with a normal close) instead of pipecat's
    receive loop dying on an exception; everything after it is dropped.
    """

    def __init__(self, label: str) -> None:
        super().__init__()
        self.label = label
        self.failed: ProtocolError | None = None

    def fail(self, exc: ProtocolError) -> Frame | None:
        """The frame to push for a protocol error (a hang-up the first time, then nothing)."""
        if self.failed is not None:
            return None
        self.failed = exc
        log.warning("%s: protocol error, ending the call: %s", self.label, exc)
        return HangupFrame(reason="protocol_error")


def websocket_params(serializer: FrameSerializer, sample_rate: int) -> FastAPIWebsocketParams:
    """Transport parameters for a carrier stream at ``sample_rate`` (same rate both ways)."""
    return FastAPIWebsocketParams(
        audio_in_enabled=True,
        audio_out_enabled=True,
        audio_in_sample_rate=sample_rate,
        audio_out_sample_rate=sample_rate,
        serializer=serializer,
        # Carriers do not send an Origin header; the webhook signature guards Twilio instead.
        allowed_origins=[],
    )

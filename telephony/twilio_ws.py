"""pipecat serializer for a Twilio Media Stream, on top of :class:`TwilioMediaStream`.

The glue reads ``connected`` and ``start`` itself (it needs ``customParameters`` to pick the
candidate and script before the pipeline exists) and then hands the same stream object here, so
the codec keeps enforcing order and ``streamSid`` for the rest of the call.

In: ``media`` → 8 kHz ``InputAudioRawFrame``; ``dtmf`` → ``InputDTMFFrame``; ``stop`` →
:class:`HangupFrame`; ``mark`` echoes are counted. Out: interviewer audio → ``media``; a
barge-in (``InterruptionFrame``) → ``clear``; the end of each prompt → ``mark``.
"""

from __future__ import annotations

import logging
import time

from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
)

from audio.frames import PromptDoneFrame, PromptHeardFrame
from telephony.errors import ProtocolError
from telephony.frames import HangupFrame
from telephony.twilio import (
    TWILIO_SAMPLE_RATE,
    TwilioDtmf,
    TwilioMark,
    TwilioMedia,
    TwilioMediaStream,
    TwilioStop,
)
from telephony.ws_transport import CarrierSerializer

log = logging.getLogger(__name__)

#: Marks after the last prompt of an interviewer turn end in this.
LAST_MARK_SUFFIX = "-last"


class TwilioSerializer(CarrierSerializer):
    """Frames ⇄ Twilio Media Streams messages for one call (after the ``start`` handshake)."""

    def __init__(self, stream: TwilioMediaStream) -> None:
        super().__init__("twilio")
        if stream.start is None:
            raise ValueError("the Twilio stream must have received 'start' first")
        self.stream = stream
        self.marks_sent = 0
        self.marks_played: list[str] = []
        self.clears = 0
        self.last_clear_at: float | None = None

    async def serialize(self, frame: Frame) -> str | None:
        if isinstance(frame, OutputAudioRawFrame):
            if frame.sample_rate != TWILIO_SAMPLE_RATE:
                raise ValueError(f"Twilio plays 8 kHz audio, got {frame.sample_rate} Hz")
            return self.stream.encode_media(frame.audio)
        if isinstance(frame, InterruptionFrame):
            # Barge-in: Twilio holds seconds of our audio in its buffer; drop it at once.
            self.clears += 1
            self.last_clear_at = time.monotonic()
            return self.stream.encode_clear()
        if isinstance(frame, PromptDoneFrame):
            # Echoed back when the caller has heard the whole prompt.
            self.marks_sent += 1
            suffix = LAST_MARK_SUFFIX if frame.last else ""
            return self.stream.encode_mark(f"prompt-{self.marks_sent}{suffix}")
        return None

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if self.failed is not None:
            return None
        try:
            event = self.stream.receive(data)
        except ProtocolError as exc:
            return self.fail(exc)
        if isinstance(event, TwilioMedia):
            if event.track not in ("inbound", "inbound_track"):
                return None  # only the caller's side is interviewed
            return InputAudioRawFrame(
                audio=event.pcm16, sample_rate=TWILIO_SAMPLE_RATE, num_channels=1
            )
        if isinstance(event, TwilioDtmf):
            return InputDTMFFrame(button=KeypadEntry(event.digit))
        if isinstance(event, TwilioMark):
            self.marks_played.append(event.name)
            # The interview's timers start when the caller has heard the question, not when
            # it was sent (Twilio buffers seconds of audio).
            return PromptHeardFrame(last=event.name.endswith(LAST_MARK_SUFFIX))
        if isinstance(event, TwilioStop):
            return HangupFrame(reason="twilio_stop")
        # connected/start cannot legally repeat; the codec already rejected them.
        return None

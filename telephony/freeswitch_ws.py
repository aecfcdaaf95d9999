"""pipecat serializer for FreeSWITCH ``mod_audio_stream`` / ``mod_audio_fork`` streams.

The glue reads the metadata text frame itself (candidate, script and sample rate come from it)
and then hands the same :class:`FreeSwitchStream` here.

In: binary L16 → ``InputAudioRawFrame``; later text frames are ignored. Out: each prompt's whole
audio (:class:`~audio.frames.PromptAudioFrame`) as one ``streamAudio``/``playAudio`` message —
both modules write every message to a file and play it, so 20 ms slices would become hundreds of
files. The paced audio chunks still run through the pipeline (they keep the interview's idea of
"the interviewer is speaking" in step with the caller) but are not sent.

Barge-in: ``killAudio`` for mod_audio_fork. mod_audio_stream has no stop message: a deployment
that needs barge-in there must send ``uuid_break <uuid>`` over the event socket (the prompt
otherwise plays to its end, while the interview already listens). Pausing a prompt for a
possible backchannel is not possible on either module; the file keeps playing.
"""

from __future__ import annotations

import logging

from pipecat.frames.frames import Frame, InputAudioRawFrame, InterruptionFrame

from audio.frames import PromptAudioFrame
from telephony.errors import ProtocolError
from telephony.freeswitch import FreeSwitchAudio, FreeSwitchStream
from telephony.ws_transport import CarrierSerializer

log = logging.getLogger(__name__)


class FreeSwitchSerializer(CarrierSerializer):
    """Frames ⇄ mod_audio_stream / mod_audio_fork messages for one call (after the metadata)."""

    def __init__(self, stream: FreeSwitchStream) -> None:
        super().__init__("freeswitch")
        if stream.metadata is None:
            raise ValueError("the FreeSWITCH stream must have received its metadata first")
        self.stream = stream
        self.phrases_sent = 0
        self.kills_sent = 0

    async def serialize(self, frame: Frame) -> str | None:
        if isinstance(frame, PromptAudioFrame):
            self.phrases_sent += 1
            return self.stream.encode_audio(frame.audio, frame.sample_rate)
        if isinstance(frame, InterruptionFrame):
            stop = self.stream.encode_stop_playback()
            if stop is None:
                log.info("freeswitch: barge-in on mod_audio_stream; use uuid_break to cut playback")
            else:
                self.kills_sent += 1
            return stop
        return None

    async def deserialize(self, data: str | bytes) -> Frame | None:
        if self.failed is not None:
            return None
        try:
            event = self.stream.receive(data)
        except ProtocolError as exc:
            return self.fail(exc)
        if isinstance(event, FreeSwitchAudio):
            return InputAudioRawFrame(
                audio=event.pcm16, sample_rate=event.sample_rate, num_channels=1
            )
        return None  # send_text / stop text: nothing for the interview

"""Pipeline frames that Screenline's own stages exchange (beyond pipecat's stock frames)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pipecat.frames.frames import ControlFrame, DataFrame, SystemFrame


@dataclass
class TranscriptSegment:
    """A piece of a final transcript with its times on the call's audio clock (seconds)."""

    text: str
    start_s: float
    end_s: float
    avg_logprob: float = 0.0  # Whisper's mean token log-probability: low means a guess


@dataclass
class EndOfTurnFrame(SystemFrame):
    """Upstream request from the interview: the answer is over, finalize its transcript.

    ``at_s`` is where on the call's audio clock (seconds of input audio) the interview decided;
    the transcript covers the audio before it, however much more audio ASR has seen by the time
    this frame reaches it, so the same audio gives the same turns at any load.
    """

    reason: str = "silence"
    at_s: float | None = None
    #: The interview's number for this turn, echoed by its transcript (None: not numbered).
    turn: int | None = None


@dataclass
class PauseCueFrame(SystemFrame):
    """Upstream from the interview about pause ``pause``: ``needed`` True when it waits on the
    pause's text to decide whether the answer is over (make it urgent), False when the
    candidate spoke again before that decision was due (the text may be dropped)."""

    pause: int = 0
    needed: bool = True
    #: The pause is nearing the question's end-of-answer silence: start its text now (at low
    #: priority), so it is ready when the decision is due. Shorter pauses never cost a decode.
    prepare: bool = False


@dataclass
class TurnTranscriptFrame(DataFrame):
    """The final transcript of one candidate turn, with the audio it came from (16 kHz float)."""

    text: str = ""
    segments: list[TranscriptSegment] = field(default_factory=list)
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    audio_start_s: float = 0.0
    chunks: int = 0
    reason: str = "silence"
    turn: int | None = None  # the EndOfTurnFrame.turn this transcript answers
    # Wall-clock (time.monotonic) when the text became final; for latency accounting.
    ready_at: float = 0.0


@dataclass
class PromptFrame(DataFrame):
    """Ask TTS to speak ``text``; fixed prompts carry a ``prompt_id`` and are cached.

    ``last`` is False when more prompts follow at once (e.g. "Thank you." then the next
    question): the interviewer's turn, and so ``BotStoppedSpeakingFrame``, ends after the last.
    """

    text: str = ""
    prompt_id: str | None = None
    last: bool = True


@dataclass
class PromptAudioFrame(DataFrame):
    """The whole audio of one piece of a prompt (a cached prompt, or one synthesized sentence),
    pushed just before its real-time-paced chunks. Transports that play whole phrases (FreeSWITCH
    writes each playback message to a file) send this; the others ignore it."""

    audio: bytes = b""
    sample_rate: int = 16000
    text: str = ""


@dataclass
class PromptDoneFrame(ControlFrame):
    """TTS has pushed all audio of the prompt (playback may still be in progress); ``last``
    as on the :class:`PromptFrame` it finishes."""

    text: str = ""
    cached: bool = False
    last: bool = True


@dataclass
class PromptHeardFrame(SystemFrame):
    """From a transport that reports playback (Twilio marks): the caller has heard a prompt to
    its end; ``last`` when it was the last prompt of the interviewer's turn."""

    last: bool = True


@dataclass
class TurnCompletionFrame(SystemFrame):
    """Smart Turn's probability that the candidate's answer is finished at pause ``pause``
    (pauses are numbered by VAD "stopped" events since the call started, from 1)."""

    probability: float = 0.0
    pause: int = 0


@dataclass
class PlaybackControlFrame(SystemFrame):
    """Pause (``pause=True``) or resume the prompt being played."""

    pause: bool = True


@dataclass
class PauseTranscriptFrame(SystemFrame):
    """Transcript of the speech just before the current pause (ends where the candidate
    stopped); a second opinion, besides Smart Turn, on whether the answer is finished.
    ``pause`` numbers the pause as :class:`TurnCompletionFrame` does; one is sent for every
    pause, and a later frame for the same pause replaces an earlier one."""

    text: str = ""
    pause: int = 0

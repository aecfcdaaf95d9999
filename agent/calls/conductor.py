"""The interview stage of a call's pipeline: turn-taking around the sans-I/O engine.

It sits where an LLM would sit in a stock pipecat bot. Timers run on the call's *audio clock*
(seconds of candidate audio received), not the wall clock: a phone or browser streams audio
continuously, so the clock is real time for real callers and stays exact for a simulated candidate
that streams faster than real time.

Per candidate turn it decides: end of answer (the question's end-of-answer silence after the last
voiced audio), no input (the question's timeout after the prompt finished playing), answer too
long (maximum answer length), and barge-in (candidate speech while the interviewer talks).

Correct under load: a decision that depends on a transcript (the words before a pause, the final
text of an answer, whether a sound over a prompt was a backchannel) waits for it, however late it
comes. While it waits the audio clock stands still: candidate audio and VAD events that arrive
meanwhile are held and replayed, in order, once the decision is made. They are held too while a
transcript is acted on: audio and VAD events come in on pipecat's system-frame task, beside the
task that handles the transcript, and a VAD start seen half-way through the engine's step would
miss the state that step leaves (the answer that may be taken back). So every decision is a
function of the audio alone, and a busy server answers later, never differently.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    CancelFrame,
    CancelWorkerFrame,
    EndFrame,
    EndWorkerFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterimTranscriptionFrame,
    OutputTransportMessageUrgentFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from agent.calls.record import candidate_turn, close_record, note_state, record_action
from agent.reports.report import CallRecord, Turn
from agent.settings import AudioSettings, LimitSettings
from audio.frames import (
    EndOfTurnFrame,
    PauseCueFrame,
    PauseTranscriptFrame,
    PlaybackControlFrame,
    PromptFrame,
    PromptHeardFrame,
    TurnCompletionFrame,
    TurnTranscriptFrame,
)
from dialogue.backchannel import is_backchannel
from dialogue.endpointing import sounds_finished
from dialogue.engine import Checkpoint
from dialogue.events import (
    Action,
    AnswerTooLong,
    BargeIn,
    Dtmf,
    End,
    Event,
    HandBack,
    HangUp,
    Listen,
    NoInput,
    Outcome,
    Say,
    Unheard,
    Utterance,
)
from dialogue.intents import Intent, classify, yes_no
from dialogue.text import Language, normalize_transcript
from telephony.frames import HangupFrame

log = logging.getLogger(__name__)


class Engine(Protocol):
    """What the conductor needs of the interview engine."""

    @property
    def state(self) -> str: ...

    def start(self) -> list[Action]: ...

    def handle(self, event: Event) -> list[Action]: ...

    def checkpoint(self) -> Checkpoint: ...

    def rollback(self, checkpoint: Checkpoint) -> None: ...


@dataclass
class _Taken:
    """An answer the engine has acted on, kept so it can be taken back while the candidate may
    still be giving it (the continuation rule)."""

    checkpoint: Checkpoint  # the engine before the answer
    records: dict[str, Any]  # the call's records and flags before it
    flags: list[str]
    listen: Listen  # the question it answered
    text: str  # what the engine was given
    decided_s: float  # audio clock of the end-of-answer decision


#: Computes per-turn features from (transcript frame, call record, latency info); may be slow.
FeatureFn = Callable[[TurnTranscriptFrame, dict[str, Any]], Awaitable[dict[str, Any]]]

#: While a QA person has the call, a candidate utterance is transcribed after this much silence.
TAKEOVER_END_SILENCE_S = 0.8
#: Held audio beyond which a decision stops waiting for its cues (a stage that never answers
#: must not stall a call for ever; with working stages this bound is never reached).
MAX_HELD_S = 30.0
#: A pause's text is asked for this long before its end-of-answer silence is reached, so it is
#: ready when the decision is due; shorter pauses (breaths the candidate talks on after) are
#: never transcribed on their own, which saves a full Whisper decode each.
PREPARE_LEAD_S = 0.5
_PUNCTUATION = (".", "!", "?", ",", ";", ":", "。", "！", "？", "，", "、", "；")


class InterviewConductor(FrameProcessor):
    """Drives one interview: audio-clock timers, engine events, prompts, transcript, report."""

    def __init__(
        self,
        *,
        engine: Engine,
        record: CallRecord,
        on_end: Callable[[CallRecord], Awaitable[str]],
        audio: AudioSettings | None = None,
        language: str = "en",
        features: FeatureFn | None = None,
        hangup_wait_s: float = LimitSettings.model_fields["end_grace_s"].default,
        on_latency: Callable[[dict[str, float]], None] | None = None,
        playback_marks: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # Every timing knob comes from the one settings object (tests pass their own).
        audio = audio or AudioSettings()
        self._hangup_wait_s = hangup_wait_s
        # A final transcript that never comes must not hold the call until its wall-clock
        # limit: after this long the turn is unheard (the engine asks once more).
        self._transcript_timeout_s = audio.transcript_timeout_s
        self._turn_seq = 0  # number of the last end of answer sent to ASR
        self._expected_turn: int | None = None  # ... whose transcript is still awaited
        self._deadline: asyncio.Task[None] | None = None
        self.unheard_turns = 0
        # The transport reports when the caller has heard each prompt (Twilio marks): the
        # prompt ends then, not when the last audio was sent.
        self._playback_marks = playback_marks
        self._turns_sent = 0  # interviewer turns (last prompts) sent
        self._turns_heard = 0  # ... and heard to the end, by the transport's report
        self._stopped_unheard = False  # sent to the end, not heard to the end yet
        self._on_latency = on_latency
        self._engine = engine
        self.record = record
        self._on_end = on_end
        self._vad_start_s = audio.vad_start_s
        self._vad_stop_s = audio.vad_stop_s
        self._features = features
        self._feature_tasks: list[asyncio.Task[None]] = []
        self._question_end: float | None = None  # clock when the last prompt finished playing
        self._language = language
        self._smart_turn = audio.smart_turn
        self._complete_threshold = audio.complete_threshold
        self._unfinished_hold_s = audio.unfinished_hold_s
        self._continuation_s = audio.continuation_s
        self._taken: _Taken | None = None  # the last answer, while it may still go on
        self._continuing = False  # speech soon after that answer: maybe more of it
        self._merge: str | None = None  # its text, to join with the rest once transcribed
        self._barge_in_confirm_s = audio.barge_in_confirm_s
        self._backchannel_max_s = audio.barge_in_confirm_s
        # Measured on tiny.en: real short words score about -0.9, hums -1.15 to -1.35.
        self._guess_logprob = -1.05
        # End-of-answer cues per pause number (VAD "stopped" events since the call started).
        self._pauses = 0
        self._completions: dict[int, float] = {}  # Smart Turn score
        self._pause_texts: dict[int, str] = {}  # transcript of the words before the pause
        self._cue_wait: int | None = None  # pause whose cues a decision is waiting for
        self._prepared = 0  # last pause whose text was asked for ahead of its decision
        self._held: deque[tuple[Frame, FrameDirection, float]] = deque()
        self._held_s = 0.0
        self._replaying = False
        self._acting = 0  # transcripts (or their timeouts) being acted on: input waits
        self._frame_wall = 0.0  # arrival time of the frame being processed
        self._barge: float | None = None  # clock when a possible barge-in paused the prompt
        self.backchannels = 0
        self.clock = 0.0  # seconds of candidate audio received
        self._started = False
        self._ended = False
        # listening state
        self._listen: Listen | None = None
        self._listen_since: float | None = None  # clock when the prompt finished playing
        self._awaiting_transcript = False
        self._turn_reason = "silence"
        # speech state of the open turn
        self._user_speaking = False
        self._speech_start: float | None = None
        self._last_voice_end: float | None = None
        self._last_voice_wall: float | None = None
        self._endpoint_wall: float | None = None
        self._gap_from_wall: float | None = None
        self._endpoint_s = 0.0
        # interviewer state
        self._bot_speaking = False
        self._open_bot_turns: list[Turn] = []
        self._latency_turn: Turn | None = None  # candidate turn awaiting first bot audio
        self.barge_ins = 0
        self.continuations = 0  # answers taken back because the candidate went on
        # Told of every turn as it is recorded; awaited, so what the caller is told (a final
        # transcript) is already durable (run_call journals it with fsync).
        self.on_turn: Callable[[Turn], Awaitable[None]] | None = None
        self._hangup_reason: str | None = None
        # The live monitor (agent/monitor/): told of every event, the caller's and its own.
        self.on_event: Callable[[str, dict[str, Any]], None] | None = None
        # A QA person has the call (take-over): the AI neither speaks nor decides turns.
        self.taken_over = False

    # -- helpers --------------------------------------------------------------------------

    async def _send(self, kind: str, **payload: Any) -> None:
        self._publish(kind, **payload)
        await self.push_frame(OutputTransportMessageUrgentFrame(message={"type": kind, **payload}))

    def _publish(self, kind: str, **payload: Any) -> None:
        """An event for the live monitor (every caller event passes here too)."""
        if self.on_event is not None:
            self.on_event(kind, payload)

    def _reset_turn(self) -> None:
        self._user_speaking = False
        self._speech_start = None
        self._last_voice_end = None
        self._last_voice_wall = None
        self._awaiting_transcript = False
        self._turn_reason = "silence"

    async def _handle(self, event: Event) -> None:
        if self._ended:
            return
        self._taken = None  # only the answer handled last can be taken back
        self._continuing = False
        actions = self._engine.handle(event)
        self._note_state()
        await self._apply(actions)

    async def _turn_recorded(self, turn: Turn) -> None:
        if self.on_turn is not None:
            await self.on_turn(turn)

    def _note_state(self) -> None:
        states = len(self.record.states)
        note_state(self.record, self._engine.state)
        if len(self.record.states) != states:
            self._publish("state", state=self._engine.state)

    async def _apply(self, actions: list[Action]) -> None:
        says = [i for i, a in enumerate(actions) if isinstance(a, Say)]
        for index, action in enumerate(actions):
            if isinstance(action, Say) and self._hangup_reason is not None:
                continue  # the caller has left: nothing more is said (or recorded as said)
            turn = record_action(self.record, action, self.heard_clock)
            if turn is not None:
                await self._turn_recorded(turn)
            if isinstance(action, Say):
                assert turn is not None
                self._open_bot_turns.append(turn)
                await self._send(
                    "bot_said",
                    text=action.text,
                    prompt_id=action.prompt_id,
                    question_id=action.question_id,
                    state=self._engine.state,
                )
                last = index == says[-1]
                self._turns_sent += last
                await self.push_frame(
                    PromptFrame(text=action.text, prompt_id=action.prompt_id, last=last)
                )
            elif isinstance(action, Listen):
                self._listen = action
                self._reset_turn()
                # A prompt pushed in this batch may not have started playing yet (a slow voice
                # under load): listening, and its no-input timer, start once it has been heard.
                waiting = self._bot_speaking or bool(says)
                self._listen_since = None if waiting else self.heard_clock
            elif isinstance(action, End):
                await self._finish(action.outcome, reason=self._hangup_reason or "dialogue")

    async def _finish(self, outcome: Outcome | str, *, reason: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._listen = None
        close_record(self.record, outcome, reason=reason)
        report_id = await self._on_end(self.record)
        await self._send("call_ended", report_id=report_id, outcome=str(outcome))
        if outcome == Outcome.HUNG_UP:
            # Nobody is listening: drop queued audio and close now.
            await self.push_frame(CancelWorkerFrame(), FrameDirection.UPSTREAM)
        else:
            # Graceful end: queued goodbye audio still plays before the transport closes.
            await self.push_frame(EndWorkerFrame(), FrameDirection.UPSTREAM)

    @property
    def ended(self) -> bool:
        """True once the interview reached an outcome."""
        return self._ended

    # -- frames ---------------------------------------------------------------------------

    @property
    def _waiting(self) -> bool:
        """A decision waits for a transcript, or one is being acted on: the audio clock stands
        still."""
        return self._awaiting_transcript or self._cue_wait is not None or self._acting > 0

    @contextlib.contextmanager
    def _acting_on_transcript(self) -> Iterator[None]:
        """Input is held until the transcript's consequences are all in place."""
        self._acting += 1
        try:
            yield
        finally:
            self._acting -= 1

    @property
    def heard_clock(self) -> float:
        """Seconds of candidate audio received so far, including audio held while waiting."""
        return self.clock + self._held_s

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(
            frame, (InputAudioRawFrame, VADUserStartedSpeakingFrame, VADUserStoppedSpeakingFrame)
        ):
            if self._waiting or self._held or self._replaying:
                # (During a replay, in order behind what it has still to play.)
                self._hold(frame, direction)
            else:
                self._frame_wall = time.monotonic()
                await self._on_input(frame, direction)
            return
        if isinstance(frame, TurnCompletionFrame):
            self._completions[frame.pause] = frame.probability
            await self._cue_arrived()
            return
        elif isinstance(frame, PauseTranscriptFrame):
            # Normalised like every transcript, so 然後 reads as the open ending 然后.
            text = normalize_transcript(frame.text, cast(Language, self._language))
            self._pause_texts[frame.pause] = text
            await self._cue_arrived()
            return
        elif isinstance(frame, PromptHeardFrame):
            if frame.last:
                self._turns_heard += 1
                if self._stopped_unheard and self._turns_heard >= self._turns_sent:
                    await self._prompt_ended()
            return
        elif isinstance(frame, BotStartedSpeakingFrame):
            if not self.taken_over:  # (the QA person's voice is not the interviewer's turn)
                self._on_bot_started()
            if direction == FrameDirection.UPSTREAM:
                return
        elif isinstance(frame, BotStoppedSpeakingFrame):
            if not self.taken_over:
                await self._on_bot_stopped()
            if direction == FrameDirection.UPSTREAM:
                return
        elif isinstance(frame, TurnTranscriptFrame):
            if self._stale(frame):
                return
            with self._acting_on_transcript():
                await self._on_transcript(frame)
                hang_up = self._hangup_reason is not None and not self._ended
                if hang_up:
                    await self._hang_up()  # the answer that was in flight is now recorded
            if not hang_up:
                await self._replay()
            return
        elif isinstance(frame, InterimTranscriptionFrame):
            text = normalize_transcript(frame.text, cast(Language, self._language))
            await self._send("transcript", text=text, final=False)
            return
        elif isinstance(frame, InputDTMFFrame):
            await self._handle(Dtmf(str(frame.button.value)))
            return
        elif isinstance(frame, HangupFrame):
            if self._hangup_reason is None:
                await self._on_hangup(frame.reason)
            return
        elif isinstance(frame, (EndFrame, CancelFrame)):
            self._cancel_deadline()
            self._close_bot_turns()
        await self.push_frame(frame, direction)

    async def take_over(self) -> None:
        """A QA person takes the call: the AI stops speaking and deciding at once. Candidate
        speech is still transcribed and recorded; the engine gets none of it."""
        if self._ended or self.taken_over:
            return
        self.taken_over = True
        self._taken, self._continuing = None, False  # the person answers from here
        for turn in self._open_bot_turns:
            turn.interrupted = True
        self._close_bot_turns()
        self._barge = None
        self._bot_speaking = False
        self._listen = None
        self._listen_since = None
        self._turns_heard = self._turns_sent
        self._stopped_unheard = False
        await self.broadcast_interruption()  # cuts the prompt off and flushes the transport
        if self._cue_wait is not None:
            self._cue_wait = None  # no end-of-answer decision waits any more
            await self._replay()

    async def hand_back(self) -> None:
        """The QA person hands the call back: the interview resumes at the next question."""
        if self._ended or not self.taken_over:
            return
        self.taken_over = False
        self._reset_turn()
        self._latency_turn = None  # the person's reply is not the interviewer's response gap
        await self._handle(HandBack())

    async def _on_hangup(self, reason: str) -> None:
        """The caller left (or the server ends the call). An answer still being spoken or
        transcribed is kept: its transcript is awaited (at most ``hangup_wait_s``) first."""
        # The engine ends the interview (End action); the report names the transport's
        # reason (hangup, protocol_error, no_audio ...), not "dialogue".
        self._hangup_reason = reason
        in_flight = self._awaiting_transcript or (
            self._listen is not None and self._speech_start is not None
        )
        if self._started and not self._ended and in_flight:
            if self._barge is None:  # (a barge-in already holds the prompt)
                await self.push_frame(PlaybackControlFrame(pause=True))  # nobody to play to
            if not self._awaiting_transcript:
                await self._end_turn("hangup")
            self.create_task(self._hang_up_later(), name="hangup-wait")
            return
        await self._hang_up()

    async def _hang_up_later(self) -> None:
        await asyncio.sleep(self._hangup_wait_s)
        if not self._ended:
            log.warning("hang-up: the last answer's transcript did not come in time")
            await self._hang_up()

    async def _hang_up(self) -> None:
        if self._started:  # before the greeting there is no interview to ask
            await self._handle(HangUp())
        if not self._ended:
            assert self._hangup_reason is not None
            await self._finish(Outcome.HUNG_UP, reason=self._hangup_reason)

    async def _on_input(self, frame: Frame, direction: FrameDirection) -> None:
        """Candidate audio and VAD events, in order, on the audio clock."""
        if isinstance(frame, InputAudioRawFrame):
            self.clock += len(frame.audio) / 2 / frame.sample_rate
            if not self._started:
                # The first audio means the transport is live: greet.
                self._started = True
                await self._apply(self._engine.start())
                self._note_state()
            await self._tick()
            return  # audio stops here: nothing downstream needs candidate audio
        if isinstance(frame, VADUserStartedSpeakingFrame):
            await self._on_speech_start()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            await self._on_speech_stop()
        await self.push_frame(frame, direction)

    def _hold(self, frame: Frame, direction: FrameDirection) -> None:
        self._held.append((frame, direction, time.monotonic()))
        if isinstance(frame, InputAudioRawFrame):
            self._held_s += len(frame.audio) / 2 / frame.sample_rate
            if self._cue_wait is not None and self._held_s > MAX_HELD_S:
                log.error("no end-of-answer cues for pause %d; deciding without", self._cue_wait)
                self._pause_texts.setdefault(self._cue_wait, "")
                self._completions.setdefault(self._cue_wait, 0.0)
                self.create_task(self._cue_arrived())

    async def _replay(self) -> None:
        """Process held input once nothing waits any more (stops if a decision waits again)."""
        if self._replaying:
            return
        self._replaying = True
        try:
            while self._held and not self._waiting and not self._ended:
                frame, direction, wall = self._held.popleft()
                if isinstance(frame, InputAudioRawFrame):
                    self._held_s -= len(frame.audio) / 2 / frame.sample_rate
                self._frame_wall = wall
                await self._on_input(frame, direction)
            if not self._held:
                self._held_s = 0.0
        finally:
            self._replaying = False

    async def _cue_arrived(self) -> None:
        if self._cue_wait is not None and self._cues_ready(self._cue_wait):
            self._cue_wait = None
            await self._tick()
            await self._replay()

    def _cues_ready(self, pause: int) -> bool:
        return pause in self._pause_texts and (not self._smart_turn or pause in self._completions)

    async def _tick(self) -> None:
        """Audio-clock timers: barge-in confirmation, end of answer, too long, no input."""
        if self._barge is not None and self._user_speaking:
            # VAD reports the end of a sound vad_stop_s late: only a sound still going after
            # that long plus the confirmation time is certainly longer than a backchannel.
            if self.clock - self._barge >= self._barge_in_confirm_s + self._vad_stop_s:
                await self._confirm_barge_in()
            return
        if self.taken_over:
            # Only transcription goes on: an answer ends after a plain pause.
            if (
                not self._awaiting_transcript
                and not self._user_speaking
                and self._last_voice_end is not None
                and self.clock - self._last_voice_end >= TAKEOVER_END_SILENCE_S
            ):
                await self._end_turn("takeover")
            return
        listen = self._listen
        if listen is None or self._awaiting_transcript or self._ended:
            return
        if self._speech_start is not None:
            if self._user_speaking:
                if self.clock - self._speech_start >= listen.max_answer_s:
                    await self._end_turn("max_length")
            elif self._last_voice_end is not None:
                if (
                    self._prepared < self._pauses
                    and self.clock - self._last_voice_end
                    >= self._end_silence(listen) - PREPARE_LEAD_S
                ):
                    self._prepared = self._pauses
                    await self.push_frame(
                        PauseCueFrame(pause=self._pauses, needed=False, prepare=True),
                        FrameDirection.UPSTREAM,
                    )
                over = self._answer_over(listen)
                if over is None:
                    # The cues of this pause decide it: wait for them, on a stopped clock.
                    self._cue_wait = self._pauses
                    await self.push_frame(
                        PauseCueFrame(pause=self._pauses, needed=True), FrameDirection.UPSTREAM
                    )
                elif over:
                    await self._end_turn("silence")
        elif (
            self._listen_since is not None
            and not self._bot_speaking
            and self.clock - self._listen_since >= listen.no_input_timeout_s
        ):
            self._listen_since = None
            await self._handle(NoInput())

    def _answer_over(self, listen: Listen) -> bool | None:
        """End of answer: the question's silence when the answer sounds finished (or Smart Turn
        is off); that silence plus a hold when it sounds mid-thought or is still too short.
        None: the pause's cues decide, and they have not arrived yet."""
        assert self._last_voice_end is not None and self._speech_start is not None
        silence = self.clock - self._last_voice_end
        end_silence = self._end_silence(listen)
        if silence < end_silence:
            return False
        if silence >= end_silence + self._unfinished_hold_s:
            return True
        if self._last_voice_end - self._speech_start < listen.min_answer_s:
            return False
        if not self._smart_turn:
            return True
        pause = self._pauses
        if not self._cues_ready(pause):
            return None
        # Either cue may call the answer finished: the words before the pause reading as a
        # complete sentence (synthetic and flat voices fool prosody alone), or Smart Turn on
        # the voice when Whisper left the text unpunctuated. Punctuated text that still ends
        # open (a trailing "and", "um" or comma) always keeps the floor open.
        text = self._pause_texts[pause].strip()
        if sounds_finished(text, self._language):
            return True
        if text.endswith(_PUNCTUATION):
            return False
        return self._completions.get(pause, 0.0) >= self._complete_threshold

    def _end_silence(self, listen: Listen) -> float:
        """The silence that ends the open answer."""
        assert self._last_voice_end is not None and self._speech_start is not None
        if self._last_voice_end - self._speech_start >= listen.long_answer_s:
            # A story in reply to a yes/no question: its short silence would cut it at the
            # first breath (issue 10). Long answers end like open ones.
            return max(listen.end_silence_s, listen.long_end_silence_s)
        return listen.end_silence_s

    async def _end_turn(self, reason: str) -> None:
        self._turn_seq += 1
        self._expected_turn = self._turn_seq
        self._cancel_deadline()
        self._deadline = self.create_task(
            self._transcript_deadline(self._turn_seq), name="transcript-deadline"
        )
        self._awaiting_transcript = True
        self._turn_reason = reason
        self._endpoint_wall = time.monotonic()
        self._endpoint_s = round(self.clock, 3)
        # Kept apart from the turn state, which is reset before the reply starts playing.
        self._gap_from_wall = self._last_voice_wall
        await self.push_frame(
            EndOfTurnFrame(reason=reason, at_s=self.clock, turn=self._turn_seq),
            FrameDirection.UPSTREAM,
        )

    def _cancel_deadline(self) -> None:
        if self._deadline is not None and not self._deadline.done():
            self._deadline.cancel()
        self._deadline = None

    async def _transcript_deadline(self, turn: int) -> None:
        await asyncio.sleep(self._transcript_timeout_s)
        self._deadline = None  # from here on this task runs the turn; nothing may cancel it
        if self._expected_turn != turn or self._ended:
            return
        log.warning(
            "no transcript of turn %d after %.1f s: treated as unheard",
            turn,
            self._transcript_timeout_s,
        )
        self._expected_turn = None
        self.unheard_turns += 1
        barge = self._barge is not None
        with self._acting_on_transcript():
            self._reset_turn()
            if self._hangup_reason is not None:
                await self._hang_up()
                return
            if barge:
                # A sound over a prompt that was never transcribed: the prompt carries on.
                await self._resume_prompt()
            else:
                await self._send("transcript_timeout")
                await self._handle(Unheard())
        await self._replay()

    async def _on_speech_start(self) -> None:
        self._user_speaking = True
        if self._pauses and self._last_voice_end is not None:
            # Spoke again before the pause could end the answer: its text is not needed.
            await self.push_frame(
                PauseCueFrame(pause=self._pauses, needed=False), FrameDirection.UPSTREAM
            )
        if self._speech_start is None:
            self._speech_start = self.clock
        if self._taken is not None and not self._continuing:
            # In whole milliseconds like ``decided_s``: the clock is a sum of frame lengths, and
            # its float error must not push speech at the window's edge out of it.
            after = round(self.clock - self._vad_start_s - self._taken.decided_s, 3)
            log.debug(
                "speech %.2f s after the answer to %s was decided (continuation window %.2f s)",
                after,
                self._taken.listen.question_id,
                self._continuation_s,
            )
            if after <= self._continuation_s and not self.taken_over:
                # Speaking again this soon after the end of an answer is more of that answer,
                # not a reply to a question barely heard. The reply is held at once (it may not
                # have started yet); the sound is judged like a barge-in, and if it is speech
                # the answer is taken back and joined with this (``_continue_answer``).
                self._continuing = True
                if self._barge is None and not self._ended:
                    self._barge = self.clock
                    await self.push_frame(PlaybackControlFrame(pause=True))
                return
            self._taken = None
        if self._bot_speaking and self._barge is None and not self._ended and not self.taken_over:
            # Hold the prompt at once; whether this is a real barge-in or a cough/backchannel
            # is decided by how long the sound lasts and what it says.
            self._barge = self.clock
            await self.push_frame(PlaybackControlFrame(pause=True))

    async def _confirm_barge_in(self) -> None:
        """The candidate has taken the floor: drop the rest of the prompt and listen."""
        if self._continuing and self._taken is not None:
            await self._continue_answer()
            return
        self._continuing = False
        self._barge = None
        # What was not played is cleared: nothing more of this turn will be heard.
        self._turns_heard = self._turns_sent
        self._stopped_unheard = False
        self.barge_ins += 1
        for turn in self._open_bot_turns:
            turn.interrupted = True
        self._close_bot_turns()
        await self.broadcast_interruption()
        await self._send("barge_in")
        await self._handle(BargeIn())

    async def _continue_answer(self) -> None:
        """The candidate went on with the answer the engine has acted on: the reply stops
        unheard (what was not played is cleared), the engine and the call's records go back to
        before that answer, and the question listens again; the answer's text is joined with
        what follows when that is transcribed, and the engine gets both as one answer."""
        taken = self._taken
        assert taken is not None
        self._barge = None
        self._continuing = False
        self._taken = None
        self._turns_heard = self._turns_sent
        self._stopped_unheard = False
        for turn in self._open_bot_turns:
            turn.interrupted = True
        self._close_bot_turns()
        await self.broadcast_interruption()
        self._engine.rollback(taken.checkpoint)
        self.record.records = taken.records
        self.record.flags = taken.flags
        self._note_state()
        self._listen = taken.listen
        self._listen_since = None
        self._merge = taken.text
        self.continuations += 1
        log.info("the answer to %s goes on: taken back, to be joined", taken.listen.question_id)
        await self._send("answer_continued", question_id=taken.listen.question_id)

    async def _resume_prompt(self) -> None:
        """It was only a cough or a backchannel: forget it and carry on speaking."""
        self._continuing = False
        self._barge = None
        self.backchannels += 1
        listen_since = self._listen_since
        self._reset_turn()
        self._listen_since = listen_since
        await self.push_frame(PlaybackControlFrame(pause=False))

    async def _on_speech_stop(self) -> None:
        self._pauses += 1
        for old in [p for p in self._pause_texts if p < self._pauses - 2]:
            del self._pause_texts[old]
        for old in [p for p in self._completions if p < self._pauses - 2]:
            del self._completions[old]
        self._user_speaking = False
        self._last_voice_end = self.clock - self._vad_stop_s
        self._last_voice_wall = self._frame_wall - self._vad_stop_s
        if self._barge is not None and not self._awaiting_transcript:
            await self._end_turn("barge_check")

    def _on_bot_started(self) -> None:
        self._bot_speaking = True
        self._listen_since = None
        if self._latency_turn is not None and self._endpoint_wall is not None:
            now = time.monotonic()
            lat = self._latency_turn.latency
            lat["processing_ms"] = round((now - self._endpoint_wall) * 1000, 1)
            # The same moment on the audio clock (held audio included): reply_s - last_voice_s
            # is the caller's wait in seconds of its own audio, which load does not stretch.
            lat["reply_s"] = round(self.heard_clock, 3)
            if self._gap_from_wall is not None:
                lat["response_gap_ms"] = round((now - self._gap_from_wall) * 1000, 1)
            log.info("turn latency %s", lat)
            if self._on_latency is not None:
                self._on_latency(lat)
            self._publish("metrics", question_id=self._latency_turn.question_id, latency=lat)
            self._latency_turn = None

    async def _on_bot_stopped(self) -> None:
        self._bot_speaking = False
        if self._barge is not None:
            return  # paused, not finished
        if self._playback_marks and self._turns_heard < self._turns_sent:
            self._stopped_unheard = True  # the caller is still hearing it: wait for the mark
            return
        await self._prompt_ended()

    async def _prompt_ended(self) -> None:
        """The caller has heard the interviewer's turn to its end: listening starts now."""
        self._stopped_unheard = False
        # Where the caller's audio stands now, held audio included: timers count from here.
        self._question_end = self.heard_clock
        self._close_bot_turns()
        if self._listen is not None and not self._ended and self._speech_start is None:
            self._listen_since = self.heard_clock
            await self._send(
                "listening", question_id=self._listen.question_id, state=self._engine.state
            )

    def _close_bot_turns(self) -> None:
        for turn in self._open_bot_turns:
            turn.end_s = max(turn.start_s, self.heard_clock)
        self._open_bot_turns.clear()

    async def _measure(self, turn: Turn, frame: TurnTranscriptFrame, info: dict[str, Any]) -> None:
        assert self._features is not None
        turn.features = await self._features(frame, info)
        self._publish(
            "metrics", question_id=turn.question_id, latency=turn.latency, features=turn.features
        )

    async def drain_features(self, timeout_s: float = 30.0) -> None:
        """Wait for per-turn feature measurements still running (before the report is made)."""
        pending = [t for t in self._feature_tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)

    def _is_backchannel(self, frame: TurnTranscriptFrame, text: str) -> bool:
        """A sound over a prompt that should not take the floor: a backchannel word, or a short
        sound that carries no answer or request (Whisper turns "mm-hm" into made-up words, so
        a short utterance must say something the interview understands to count)."""
        if is_backchannel(text, self._language):
            return True
        if self._speech_start is None or self._last_voice_end is None or not frame.segments:
            return False
        voiced_s = self._last_voice_end - self._speech_start + self._vad_start_s
        if voiced_s >= self._backchannel_max_s:
            return False
        confidence = sum(s.avg_logprob for s in frame.segments) / len(frame.segments)
        language: Any = self._language
        says_something = (
            classify(text, language).intent != Intent.NONE or yes_no(text, language) is not None
        )
        return confidence < self._guess_logprob or not says_something

    def _stale(self, frame: TurnTranscriptFrame) -> bool:
        """A transcript of a turn given up on (it came after its deadline)."""
        if frame.turn is None:
            return False
        if frame.turn != self._expected_turn:
            log.warning("dropped the late transcript of turn %d", frame.turn)
            return True
        self._expected_turn = None
        self._cancel_deadline()
        return False

    async def _on_transcript(self, frame: TurnTranscriptFrame) -> None:
        listen = self._listen
        # The engine normalises every transcript it gets; the record keeps the same text, so
        # the scorer finds each answer's turn (and Mandarin reads in one script).
        text = normalize_transcript(frame.text, cast(Language, self._language))
        if frame.reason == "barge_check" and self._barge is not None:
            # After a hang-up there is no prompt to go back to: the sound is the last answer.
            if self._hangup_reason is None and self._is_backchannel(frame, text):
                await self._resume_prompt()
                return
            await self._confirm_barge_in()
            listen = self._listen  # a continued answer listens to its own question again
        if not text:
            # Noise or a cough, not an answer: keep listening from here.
            self._reset_turn()
            self._listen_since = None if self._bot_speaking else self.clock
            return
        # VAD times are sharper than Whisper's segment timestamps for where speech was.
        start = (self._speech_start or self.clock) - self._vad_start_s
        end = self._last_voice_end if self._last_voice_end is not None else self.clock
        # Timeline on the call's audio clock (seconds): last voiced audio, end-of-answer
        # decision; then wall-clock spans to the final transcript and the first reply audio.
        latency: dict[str, float] = {"chunks": float(frame.chunks), "endpoint_s": self._endpoint_s}
        if self._last_voice_end is not None:
            latency["last_voice_s"] = round(self._last_voice_end, 3)
        if self._endpoint_wall is not None:
            latency["asr_tail_ms"] = round((frame.ready_at - self._endpoint_wall) * 1000, 1)
        question_id = listen.question_id if listen else None
        turn = candidate_turn(self.record, text, start, end, question_id, latency)
        await self._turn_recorded(turn)
        self._latency_turn = turn
        await self._send("transcript", text=text, final=True)
        if self._features is not None:
            # Measured in the background: the reply must not wait for pitch tracking.
            info = {"question_id": turn.question_id, "question_end_s": self._question_end}
            self._feature_tasks.append(
                self.create_task(self._measure(turn, frame, info), name="turn-features")
            )
        reason = self._turn_reason
        self._reset_turn()
        if self.taken_over or "takeover" in (reason, frame.reason):
            return  # the person on the call answers it, not the engine (even once handed back)
        if self._merge is not None:
            text, self._merge = f"{self._merge} {text}", None
        if reason == "max_length":
            await self._handle(AnswerTooLong(text_so_far=text))
            return
        taken = self._take_back_point(listen, text)
        await self._handle(Utterance(text=text))
        if taken is not None and not self._ended and self._listen is not listen:
            self._taken = taken

    def _take_back_point(self, listen: Listen | None, text: str) -> _Taken | None:
        """What to return to if this answer turns out to go on (None: it cannot)."""
        if listen is None or self._continuation_s <= 0 or self._hangup_reason is not None:
            return None
        return _Taken(
            checkpoint=self._engine.checkpoint(),
            records=copy.deepcopy(self.record.records),
            flags=list(self.record.flags),
            listen=listen,
            text=text,
            decided_s=self._endpoint_s,
        )

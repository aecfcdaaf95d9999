"""The interview state machine: events in, actions out. No I/O, no clocks, no asyncio.

States: ``greeting`` (consent), ``q:<id>`` (a question), ``followup:<id>`` (its probe),
``callback`` (asking for a better time), ``confirm:<intent>`` (asking whether the candidate
really wants to stop, talk to a person or be called later), ``closing`` and ``ended``. In every
listening state the candidate may make a request instead of answering (see
:mod:`dialogue.intents`): repeat, clarify, slow down, stop, talk to a person, call me later, ask a
question, ask whether this is a robot.

Good interviews do not end on a phrase: a request that would end the call, met inside an answer,
is asked about first ("Would you like to stop the interview here?"), and a "no" then takes the
turn as the answer it was. A yes/no answer is read by meaning (:func:`dialogue.intents.
read_yes_no`); an unsure one gets one clarifying question, and a knock-out answer is confirmed by
asking once more before the call ends. No re-ask loop is endless: a question asked again
:data:`MAX_REASKS` times by any route moves on, and consent that stays unclear ends the call
(``no_consent``) rather than going on without it. Every transcript passes
:func:`dialogue.text.normalize_transcript` on its way in.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dialogue.concepts import match_concepts
from dialogue.events import (
    Action,
    AnswerTooLong,
    BargeIn,
    Dtmf,
    End,
    Event,
    Flag,
    HandBack,
    HangUp,
    Listen,
    NoInput,
    Outcome,
    Record,
    Say,
    Unheard,
    Utterance,
)
from dialogue.intents import (
    ENDING_INTENTS,
    Intent,
    IntentResult,
    classify,
    looks_like_question,
    read_yes_no,
    yes_no,
)
from dialogue.phrases import PhraseKey
from dialogue.prompts import PromptBook
from dialogue.script import Question, Script, YesNo
from dialogue.text import clauses, normalize_transcript, word_count

#: Re-says (repeat / slow down / clarify) of one prompt before the interview moves on.
MAX_RESAYS = 3
#: Times one question (or the consent question) is asked again, by any route (unclear answer,
#: no input, repeat, a question back, a request withdrawn), before the interview stops
#: circling: it moves on, or at consent ends the call. Every re-ask loop ends here.
MAX_REASKS = 3
#: Unclear replies to the consent question that get it asked again; the next one ends the call
#: (the interview never goes on without a clear yes).
MAX_CONSENT_RETRIES = 2
#: Unanswered questions in a row after which the candidate is taken to be gone.
MAX_UNANSWERED_IN_A_ROW = 2
DTMF_YES, DTMF_NO, DTMF_HUMAN = "1", "2", "0"
#: Words of a statement before a question that make the turn an answer to an open question.
MIN_STATEMENT_WORDS = {"en": 4, "zh": 4}
#: Requests that re-say the current prompt (in a confirmation state too).
_RESAY_INTENTS = frozenset({Intent.REPEAT, Intent.CLARIFY, Intent.SLOW_DOWN})
_CONFIRM_PHRASE: dict[Intent, PhraseKey] = {
    Intent.OPT_OUT: "confirm_opt_out",
    Intent.HUMAN: "confirm_human",
    Intent.BUSY: "confirm_callback",
}


@dataclass(frozen=True)
class YesNoDecision:
    """How a yes/no question was decided, for the record and the scorer.

    Attributes:
        answer: "yes", "no", or None (no clear answer after the clarifying question).
        decided_by: "speech" (first answer), "keypad" (a digit), "clarified" (the answer to the
            clarifying question) or "confirmed" (the answer to the knock-out confirmation).
        turn: index of the deciding candidate utterance in the interview (0-based, counting
            every utterance the engine received); None for a keypad answer.
        text: the deciding answer's text (``[dtmf 1]`` for a digit).
        keypad: the digit, for keypad answers.
    """

    answer: YesNo | None
    decided_by: str
    turn: int | None
    text: str
    keypad: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the ``yes_no_answers`` record)."""
        return {
            "answer": self.answer,
            "decided_by": self.decided_by,
            "turn": self.turn,
            "text": self.text,
            "keypad": self.keypad,
        }


@dataclass
class Answer:
    """What the candidate said to one question (follow-up answers included)."""

    question_id: str
    texts: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    answered: bool = False
    yes_no: bool | None = None
    follow_ups: list[int] = field(default_factory=list)  # indices of follow-ups asked
    truncated: bool = False  # cut off by AnswerTooLong
    decision: YesNoDecision | None = None  # yes/no questions: how the answer was decided

    @property
    def text(self) -> str:
        """All answer texts joined."""
        return " ".join(t for t in self.texts if t)


@dataclass(frozen=True)
class Step:
    """One engine step, for tests and debugging: state before, event (None = start), output."""

    state: str
    event: Event | None
    actions: tuple[Action, ...]
    next_state: str


#: What an interview shares with its checkpoints instead of copying (fixed for its lifetime).
_SHARED = frozenset({"script", "prompts", "_faq", "_global"})


@dataclass(frozen=True)
class Checkpoint:
    """An interview's state at one moment (:meth:`Interview.checkpoint`)."""

    state: dict[str, Any]


class Interview:
    """One candidate's interview over ``script``; ``variables`` fill ``{candidate_name}`` etc."""

    def __init__(self, script: Script, variables: dict[str, str] | None = None) -> None:
        self.script = script
        self.prompts = PromptBook(script, variables)
        self.outcome: Outcome | None = None
        self.records: dict[str, Any] = {}
        self.flags: list[str] = []
        self.answers: dict[str, Answer] = {}
        self.history: list[Step] = []
        self.states: list[str] = []
        self._state = "new"
        self._index = 0  # current question
        self._follow_up: int | None = None
        self._no_inputs = 0
        self._resays = 0
        self._unclear = 0
        self._reasks = 0  # re-asks of the current question; detours (confirm:) do not reset it
        self._unheard = 0  # answers to the current question that no transcript came for
        self._unanswered_in_a_row = 0
        self._utterances = 0  # candidate utterances received (the turn index of the next one)
        self._resume: str | None = None  # state to return to from confirm:/callback
        self._pending: tuple[Intent, str] | None = None  # request awaiting confirmation
        self._clarified = False  # the current yes/no question had its clarifying question
        self._confirming_knockout = False  # the current question is asked once more
        self._faq = {f.id: f.keywords for f in script.faq}
        self._global: dict[Intent, Callable[[str, IntentResult], list[Action]]] = {
            Intent.ROBOT: self._on_robot,
            Intent.HUMAN: self._on_human,
            Intent.OPT_OUT: self._on_opt_out,
            Intent.BUSY: self._on_busy,
            Intent.SLOW_DOWN: self._on_slow_down,
            Intent.REPEAT: self._on_repeat,
            Intent.CLARIFY: self._on_clarify,
            Intent.QUESTION: self._on_question,
        }

    # -- public API -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """Current state name (``greeting``, ``q:<id>``, ``followup:<id>``, ``ended`` ...)."""
        return self._state

    @property
    def ended(self) -> bool:
        """Whether the interview has ended."""
        return self._state == "ended"

    def start(self) -> list[Action]:
        """Begin: the greeting (AI disclosure, recording notice, consent question) and a Listen."""
        if self._state != "new":
            raise RuntimeError("interview already started")
        self._goto("greeting")
        actions: list[Action] = [*self.prompts.greeting(), self._listen()]
        self.history.append(Step("new", None, tuple(actions), self._state))
        return actions

    def handle(self, event: Event) -> list[Action]:
        """Feed one event; return what to do next. Events after the end are ignored."""
        if self._state == "new":
            raise RuntimeError("call start() first")
        if self.ended:
            return []
        before = self._state
        actions = self._dispatch(event)
        self.history.append(Step(before, event, tuple(actions), self._state))
        return actions

    def checkpoint(self) -> Checkpoint:
        """The state now, to :meth:`rollback` to: an answer the candidate turns out to be still
        giving is taken back and handled again as a whole (the conductor's continuation)."""
        return Checkpoint(copy.deepcopy({k: v for k, v in vars(self).items() if k not in _SHARED}))

    def rollback(self, checkpoint: Checkpoint) -> None:
        """Return to ``checkpoint``: every event since is undone (the history included)."""
        vars(self).update(copy.deepcopy(checkpoint.state))

    def fixed_prompts(self) -> list[tuple[str, str]]:
        """(prompt_id, text) of every cacheable line of this interview (TTS pre-warm)."""
        return self.prompts.fixed_prompts()

    # -- dispatch ---------------------------------------------------------------------------

    def _dispatch(self, event: Event) -> list[Action]:
        if isinstance(event, Utterance):
            actions = self._on_utterance(self._normalize(event.text))
            self._utterances += 1
            return actions
        if isinstance(event, NoInput):
            return self._on_no_input()
        if isinstance(event, Unheard):
            return self._on_unheard()
        if isinstance(event, AnswerTooLong):
            actions = self._on_too_long(self._normalize(event.text_so_far))
            self._utterances += 1
            return actions
        if isinstance(event, BargeIn):
            barge_ins = [*self.records.get("barge_ins", []), self._state]
            return [self._record("barge_ins", barge_ins)]
        if isinstance(event, Dtmf):
            return self._on_dtmf(event.digit.strip())
        if isinstance(event, HandBack):
            return self._on_hand_back()
        if isinstance(event, HangUp):
            # Asking for a callback and then hanging up is still a callback request.
            outcome = Outcome.CALLBACK_REQUESTED if self._state == "callback" else Outcome.HUNG_UP
            return self._end(outcome)
        raise TypeError(f"unknown event {event!r}")

    def _normalize(self, text: str) -> str:
        """The one place transcripts and typed answers enter the engine (t2s for Mandarin)."""
        return normalize_transcript(text, self.script.language)

    def _on_utterance(self, text: str) -> list[Action]:
        if not text.strip():
            return self._on_no_input()  # noise that transcribed to nothing
        if self._state == "callback":
            return self._on_callback_time(text)
        if self._state.startswith("confirm:"):
            return self._on_confirm(text)
        result = classify(text, self.script.language, self._faq)
        if result.intent == Intent.BUSY and self._answers_yes_no(text):
            return self._on_answer(text)
        if result.intent == Intent.QUESTION and (opening := self._answer_before_question(text)):
            # "Yes, how long will this take?": the answer comes first; the question is answered
            # from the FAQ or kept for the recruiter (a misheard "Yes, now did I win me?" no
            # longer loops the consent question until the call ends).
            return [*self._take_question(text, result), *self._on_answer(opening)]
        if result.intent in ENDING_INTENTS and not result.clear:
            return self._ask_confirm(result.intent, text)
        if result.intent in self._global:
            return self._global[result.intent](text, result)
        return self._on_answer(text)

    def _answers_yes_no(self, text: str) -> bool:
        """Whether a turn that reads as "not now" answers the yes/no question being asked.

        "Not right now, we're a big family, but I'd rent a room if I got the job": to "Do you
        have a quiet room?" the words say "no", not "call me later". A turn that goes on past the
        request and reads as a sure yes or no is the answer (a knock-out is confirmed anyway).
        """
        if not self._state.startswith("q:") or self._question.type != "yes_no":
            return False
        if len(clauses(text)) < 2:
            return False  # "Not right now." on its own stays a request
        return read_yes_no(text, self.script.language, self._question.prompt).sure

    def _answer_before_question(self, text: str) -> str | None:
        """What answers the prompt in a turn that goes on (or ends) with a question of its own;
        None when the turn is only a question.

        - Consent: a first clause that says yes ("No, who is this?" stays a question: consent
          is never assumed, nor refused on the word before a question).
        - A yes/no question: a first clause that is a sure yes or no.
        - An open question: the whole turn, when a statement of at least
          :data:`MIN_STATEMENT_WORDS` words comes before the question ("I've bought furniture
          online for my flat, does that count?").
        """
        said = clauses(text)
        if len(said) < 2:
            return None
        language = self.script.language
        if self._state == "greeting":
            return said[0] if yes_no(said[0], language) == Intent.YES else None
        if not self._state.startswith(("q:", "followup:")):
            return None
        if self._question.type == "open":
            statement = " ".join(said[:-1])
            enough = word_count(statement, language) >= MIN_STATEMENT_WORDS[language]
            return text if enough and not looks_like_question(statement, language) else None
        reading = read_yes_no(said[0], language, self._question.prompt)
        return said[0] if reading.sure and reading.answer is not None else None

    def _on_answer(self, text: str, truncated: bool = False) -> list[Action]:
        if self._state == "greeting":
            return self._on_consent(yes_no(text, self.script.language))
        q = self._question
        if q.type == "yes_no":
            return self._on_spoken_yes_no(q, text)
        return self._on_open_answer(q, text, truncated)

    def _on_too_long(self, text: str) -> list[Action]:
        if (
            self._state in {"greeting", "callback"}
            or self._state.startswith("confirm:")
            or self._question.type == "yes_no"
        ):
            return self._on_utterance(text)
        return self._on_answer(text, truncated=True)

    # -- requests inside answers ----------------------------------------------------------------

    def _ask_confirm(self, intent: Intent, text: str) -> list[Action]:
        """A request that would end the call, heard inside an answer: ask before acting."""
        self._pending, self._resume = (intent, text), self._state
        self._goto(f"confirm:{intent}")
        return [self.prompts.phrase(_CONFIRM_PHRASE[intent]), self._listen()]

    def _on_confirm(self, text: str, keypad: Intent | None = None) -> list[Action]:
        assert self._pending is not None and self._resume is not None
        (intent, original), resume = self._pending, self._resume
        result = classify(text, self.script.language)
        if keypad is None and result.intent in _RESAY_INTENTS:
            return self._global[result.intent](text, result)  # "sorry?": ask it again
        answer = keypad or yes_no(text, self.script.language)
        if keypad is None and result.intent in ENDING_INTENTS and result.clear:
            answer, intent = Intent.YES, result.intent  # "yes, please stop" / "just call me later"
        self._pending = None
        if answer == Intent.YES:
            self._goto(resume)
            return self._global[intent](original, IntentResult(intent))
        # No, or no clear yes: what they said was an answer, and the interview goes on.
        self._goto(resume)
        return [self.prompts.phrase("carry_on", self._qid), *self._on_answer(original)]

    def _on_dtmf(self, digit: str) -> list[Action]:
        if digit == DTMF_HUMAN:
            return self._on_human(f"[dtmf {digit}]", IntentResult(Intent.HUMAN))
        if digit not in {DTMF_YES, DTMF_NO}:
            return []
        answer = Intent.YES if digit == DTMF_YES else Intent.NO
        if self._state.startswith("confirm:"):
            return self._on_confirm(f"[dtmf {digit}]", keypad=answer)
        expects_yes_no = self._state == "greeting" or (
            self._state.startswith("q:") and self._question.type == "yes_no"
        )
        if not expects_yes_no:
            return []
        if self._state == "greeting":
            return self._on_consent(answer)
        text = f"[dtmf {digit}]"
        decision = self._decision(answer, "keypad", text, digit)
        return self._on_yes_no(self._question, text, answer, decision)

    # -- consent ----------------------------------------------------------------------------

    def _on_consent(self, answer: Intent | None) -> list[Action]:
        if answer == Intent.YES:
            record = self._record("consent", True)
            return [record, self.prompts.phrase("consent_thanks"), *self._ask(0)]
        if answer == Intent.NO:
            return [self._record("consent", False), *self._on_opt_out("", None)]
        self._unclear += 1
        if self._unclear <= MAX_CONSENT_RETRIES:
            return self._again(self.prompts.phrase("yes_no_retry"))
        return self._no_consent("no clear yes or no to the consent question")

    # -- answers ----------------------------------------------------------------------------

    def _decision(
        self, answer: Intent | None, how: str, text: str, digit: str | None = None
    ) -> YesNoDecision:
        key: YesNo | None = None if answer is None else "yes" if answer == Intent.YES else "no"
        if how == "speech" and self._confirming_knockout:
            how = "confirmed"
        elif how == "speech" and self._clarified:
            how = "clarified"
        return YesNoDecision(key, how, None if digit else self._utterances, text, digit)

    def _on_spoken_yes_no(self, q: Question, text: str) -> list[Action]:
        reading = read_yes_no(text, self.script.language, q.prompt)
        answer = reading.answer if reading.sure else None
        return self._on_yes_no(q, text, answer, self._decision(answer, "speech", text))

    def _ends_ineligible(self, q: Question, key: YesNo) -> bool:
        if q.knockout and q.knockout.answer == key:
            return True
        target = q.branch.target(key) if q.branch else None
        return target is not None and target.end == Outcome.INELIGIBLE

    def _on_yes_no(
        self, q: Question, text: str, answer: Intent | None, decision: YesNoDecision
    ) -> list[Action]:
        if answer is None:
            self._answer(q).texts.append(text)
            if self._confirming_knockout:
                # The confirmation did not confirm: a person decides, the interview goes on.
                self._confirming_knockout = False
                self._unclear = 1  # no second clarifying question
            else:
                self._clarified = True
            return self._unclear_answer(q, text)
        key: YesNo = "yes" if answer == Intent.YES else "no"
        ans = self._answer(q)
        ans.texts.append(text)
        if self._ends_ineligible(q, key) and not self._confirming_knockout:
            # One confirmation question before a knock-out ends the call; its answer decides.
            self._confirming_knockout = True
            return [self.prompts.phrase("knockout_confirm", q.id), *self._reprompt()]
        self._confirming_knockout = False
        ans.answered, ans.yes_no = True, answer == Intent.YES
        ans.decision = decision
        self._unanswered_in_a_row = 0
        actions: list[Action] = [self._record_decision(q, decision)]
        if q.record:
            actions.append(self._record(q.record, ans.yes_no))
        if q.knockout and q.knockout.answer == key:
            # Ending is automatic, rejection is not: a person reviews every knock-out.
            actions.append(self._flag(f"knock-out: '{q.id}' answered {key}"))
            return [*actions, *self._end(Outcome.INELIGIBLE, self.prompts.knockout(q))]
        target = q.branch.target(key) if q.branch else None
        if target is None:
            return [*actions, *self._advance(self._index + 1)]
        if target.goto is not None:
            order = [other.id for other in self.script.questions]
            return [*actions, *self._advance(order.index(target.goto))]
        assert target.end is not None  # BranchTarget guarantees goto xor end
        if target.say:
            goodbye = self.prompts.branch_say(q, key, target.say)
        elif target.end == Outcome.INELIGIBLE:
            goodbye = self.prompts.knockout(q)
        else:
            goodbye = self.prompts.closing()
        return [*actions, *self._end(target.end, goodbye)]

    def _unclear_answer(self, q: Question, text: str) -> list[Action]:
        self._unclear += 1
        if self._unclear == 1:
            return self._again(self.prompts.phrase("yes_no_retry", self._qid))
        ans = self._answer(q)
        ans.answered = True
        ans.decision = self._decision(None, "speech", text)
        self._unanswered_in_a_row = 0
        actions: list[Action] = [
            self._flag(f"unclear yes/no answer to '{q.id}': {text}"),
            self._record_decision(q, ans.decision),
        ]
        if q.record:
            actions.append(self._record(q.record, None))
        return [*actions, *self._advance(self._index + 1)]

    def _record_decision(self, q: Question, decision: YesNoDecision) -> Record:
        decided = {**self.records.get("yes_no_answers", {}), q.id: decision.to_dict()}
        return self._record("yes_no_answers", decided)

    def _on_open_answer(self, q: Question, text: str, truncated: bool) -> list[Action]:
        ans = self._answer(q)
        ans.texts.append(text)
        ans.answered = True
        ans.truncated = ans.truncated or truncated
        ans.concepts = match_concepts(ans.text, q.concepts, self.script.language)
        self._unanswered_in_a_row = 0
        actions: list[Action] = []
        if q.record:
            actions.append(self._record(q.record, ans.text))
        if truncated:
            wrap_up = self.prompts.phrase("wrap_up", q.id)
            return [*actions, wrap_up, *self._advance(self._index + 1)]
        follow_up = self._pending_follow_up(q, ans)
        if follow_up is None:
            return [*actions, *self._advance(self._index + 1)]
        ans.follow_ups.append(follow_up)
        self._follow_up, self._reasks, self._unheard = follow_up, 0, 0
        self._goto(f"followup:{q.id}")
        return [*actions, self.prompts.follow_up(q, follow_up), self._listen()]

    def _pending_follow_up(self, q: Question, ans: Answer) -> int | None:
        if len(ans.follow_ups) >= q.max_follow_ups:
            return None
        words = word_count(ans.text, self.script.language)
        for index, fu in enumerate(q.follow_ups):
            if index in ans.follow_ups:
                continue
            # Listed concepts are alternatives: probe only when none of them was mentioned.
            missing = bool(fu.if_missing) and not set(fu.if_missing) & set(ans.concepts)
            if missing or (fu.min_words is not None and words < fu.min_words):
                return index
        return None

    def _on_no_input(self) -> list[Action]:
        if self._state.startswith("confirm:"):
            return self._on_confirm("")  # silence is no "yes": carry on with the answer
        if self._state == "callback":
            return [self._record("callback_time", None), *self._end_callback()]
        self._no_inputs += 1
        if self._no_inputs == 1:
            return self._again(self.prompts.phrase("still_there", self._qid))
        if self._state == "greeting":
            return self._end(Outcome.NO_RESPONSE, self.prompts.phrase("no_response"))
        if self._state.startswith("followup:"):
            return self._advance(self._index + 1)
        return self._unanswered()

    def _on_unheard(self) -> list[Action]:
        """An answer was given but never transcribed: asked once more, then left unanswered
        (at consent: the call ends, as consent is never assumed)."""
        if self._state.startswith("confirm:") or self._state == "callback":
            return self._on_no_input()
        self._unheard += 1
        if self._unheard == 1:
            return self._again(self.prompts.phrase("not_heard", self._qid))
        return self._give_up([])

    def _unanswered(self) -> list[Action]:
        q = self._question
        self._answer(q)  # present, answered=False
        self._unanswered_in_a_row += 1
        actions: list[Action] = []
        if q.record:
            actions.append(self._record(q.record, None))
        if q.knockout:
            actions.append(self._flag(f"knock-out question '{q.id}' unanswered"))
        if self._unanswered_in_a_row >= MAX_UNANSWERED_IN_A_ROW:
            if any(a.answered for a in self.answers.values()):
                actions.append(self._flag("candidate stopped responding"))
            return [*actions, *self._end(Outcome.NO_RESPONSE, self.prompts.phrase("no_response"))]
        return [*actions, self.prompts.phrase("move_on", q.id), *self._advance(self._index + 1)]

    # -- global intents ---------------------------------------------------------------------

    def _on_robot(self, text: str, result: IntentResult) -> list[Action]:
        return self._again(self.prompts.phrase("robot_disclosure", self._qid))

    def _on_human(self, text: str, result: IntentResult) -> list[Action]:
        flag = self._flag("candidate asked to speak to a person")
        return [flag, *self._end(Outcome.HUMAN_REQUESTED, self.prompts.phrase("human_handoff"))]

    def _on_opt_out(self, text: str, result: IntentResult | None) -> list[Action]:
        return self._end(Outcome.OPTED_OUT, self.prompts.phrase("opt_out_confirm"))

    def _on_busy(self, text: str, result: IntentResult) -> list[Action]:
        self._resume = self._state
        self._goto("callback")
        return [self.prompts.phrase("callback_ask"), self._listen()]

    def _on_callback_time(self, text: str) -> list[Action]:
        result = classify(text, self.script.language)
        if result.intent in {Intent.OPT_OUT, Intent.HUMAN}:
            return self._global[result.intent](text, result)
        resume = self._resume
        if (
            resume is not None
            and result.intent != Intent.BUSY
            and yes_no(text, self.script.language) == Intent.NO
        ):
            # "No, I meant I'd call the customer back": no callback wanted, carry on.
            self._goto(resume)
            return self._again(self.prompts.phrase("carry_on", self._qid))
        return [self._record("callback_time", text), *self._end_callback()]

    def _end_callback(self) -> list[Action]:
        return self._end(Outcome.CALLBACK_REQUESTED, self.prompts.phrase("callback_confirm"))

    def _on_slow_down(self, text: str, result: IntentResult) -> list[Action]:
        record = self._record("speech_rate", "slow")
        return self._resay([record, self.prompts.phrase("slow_down", self._qid), *self._reprompt()])

    def _on_repeat(self, text: str, result: IntentResult) -> list[Action]:
        return self._resay(self._reprompt())

    def _on_clarify(self, text: str, result: IntentResult) -> list[Action]:
        if self._state == "greeting":
            says = self.prompts.greeting_clarify()
        elif self._state.startswith("q:"):
            says = self.prompts.clarify(self._question)
        else:
            return self._resay(self._reprompt())
        return self._resay([*says, self._listen()])

    def _on_question(self, text: str, result: IntentResult) -> list[Action]:
        known = any(f.id == result.faq_id for f in self.script.faq)
        after: PhraseKey = "back_to_question" if known else "faq_unknown"
        return self._again(
            *self._take_question(text, result), self.prompts.phrase(after, self._qid)
        )

    def _take_question(self, text: str, result: IntentResult) -> list[Action]:
        """The FAQ's answer to the candidate's question, or the question recorded and flagged
        for the recruiter."""
        entry = next((f for f in self.script.faq if f.id == result.faq_id), None)
        if entry is not None:
            return [self.prompts.faq(entry, self._qid)]
        questions = [*self.records.get("candidate_questions", []), text]
        return [
            self._record("candidate_questions", questions),
            self._flag(f"candidate question for the recruiter: {text}"),
        ]

    def _resay(self, actions: list[Action]) -> list[Action]:
        self._resays += 1
        self._reasks += 1
        if self._resays <= MAX_RESAYS and self._reasks <= MAX_REASKS:
            return actions
        return self._give_up([a for a in actions if isinstance(a, (Record, Flag))])

    def _again(self, *preface: Action) -> list[Action]:
        """``preface``, then the current prompt again: one re-ask, within :data:`MAX_REASKS`."""
        self._reasks += 1
        if self._reasks <= MAX_REASKS:
            return [*preface, *self._reprompt()]
        # Records and flags are already kept by the engine: the driver must see them too.
        return self._give_up([a for a in preface if isinstance(a, (Record, Flag))])

    def _give_up(self, kept: list[Action]) -> list[Action]:
        """The same prompt keeps failing: stop circling. A question is left unanswered and the
        interview moves on; consent is never assumed, so the call ends there."""
        if self._state.startswith("confirm:"):
            return [*kept, *self._on_confirm("")]  # no "yes": what they said was the answer
        if self._state == "callback":
            return [*kept, self._record("callback_time", None), *self._end_callback()]
        if self._state == "greeting":
            return [*kept, *self._no_consent("the consent question was asked too often")]
        if self._state.startswith("q:"):
            self._answer(self._question)
        flag = self._flag(f"'{self._qid}' asked {self._reasks} times without an answer")
        move_on = self.prompts.phrase("move_on", self._qid)
        return [*kept, flag, move_on, *self._advance(self._index + 1)]

    def _no_consent(self, why: str) -> list[Action]:
        flag = self._flag(f"consent unclear: {why}")
        return [flag, *self._end(Outcome.NO_CONSENT, self.prompts.phrase("consent_missing"))]

    def _on_hand_back(self) -> list[Action]:
        """After a take-over the person has covered the current question: ask the next one
        (the greeting is asked again: its consent was not given to the engine)."""
        if self._state.startswith("confirm:") or self._state == "callback":
            self._pending = None
            self._goto(self._resume or "greeting")
        if self._state.startswith(("q:", "followup:")):
            self._answer(self._question)
            return self._advance(self._index + 1)
        return self._reprompt()

    # -- movement ---------------------------------------------------------------------------

    def _goto(self, state: str) -> None:
        if state != self._state and not state.startswith("confirm:"):
            self._clarified = self._confirming_knockout = False
        self._state = state
        self._no_inputs = self._resays = self._unclear = 0
        if not self.states or self.states[-1] != state:
            self.states.append(state)

    def _ask(self, index: int) -> list[Action]:
        self._index, self._follow_up, self._reasks, self._unheard = index, None, 0, 0
        self._goto(f"q:{self._question.id}")
        return [self.prompts.question(self._question), self._listen()]

    def _advance(self, index: int) -> list[Action]:
        if index < len(self.script.questions):
            return self._ask(index)
        self._goto("closing")
        return self._end(Outcome.COMPLETED, self.prompts.closing())

    def _end(self, outcome: Outcome, *says: Say) -> list[Action]:
        self._goto("ended")
        self.outcome = outcome
        return [*says, End(outcome)]

    def _reprompt(self) -> list[Action]:
        """The current prompt again, then Listen."""
        says: list[Say]
        if self._state == "greeting":
            says = self.prompts.greeting()[1:]  # the intro pleasantry need not be repeated
        elif self._state.startswith("confirm:") and self._pending is not None:
            says = [self.prompts.phrase(_CONFIRM_PHRASE[self._pending[0]])]
        elif self._state.startswith("followup:") and self._follow_up is not None:
            says = [self.prompts.follow_up(self._question, self._follow_up)]
        else:
            says = [self.prompts.question(self._question)]
        return [*says, self._listen()]

    def _listen(self) -> Listen:
        q = self._question if self._state.startswith(("q:", "followup:")) else None
        timing = self.script.timing_for(q).model_dump()
        if timing["long_end_silence_s"] is None:
            timing["long_end_silence_s"] = self.script.timing.end_silence_s
        return Listen(question_id=q.id if q else None, **timing)

    # -- bookkeeping ------------------------------------------------------------------------

    @property
    def _question(self) -> Question:
        return self.script.questions[self._index]

    @property
    def _qid(self) -> str | None:
        return self._question.id if self._state.startswith(("q:", "followup:")) else None

    def _answer(self, q: Question) -> Answer:
        return self.answers.setdefault(q.id, Answer(q.id))

    def _record(self, name: str, value: Any) -> Record:
        self.records[name] = value
        return Record(name, value)

    def _flag(self, reason: str) -> Flag:
        self.flags.append(reason)
        return Flag(reason)

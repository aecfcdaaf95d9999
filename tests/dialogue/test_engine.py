"""The interview state machine, driven by transcripts over both shipped scripts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from dialogue.engine import MAX_RESAYS, Interview
from dialogue.events import (
    Action,
    AnswerTooLong,
    BargeIn,
    Dtmf,
    End,
    Event,
    Flag,
    HangUp,
    Listen,
    NoInput,
    Outcome,
    Record,
    Say,
    Utterance,
)
from dialogue.script import load_script

Turn = str | Event
QUESTIONS = [
    "cs_experience",
    "angry_customer",
    "stress",
    "quiet_space",
    "internet",
    "availability",
    "salary",
    "ecommerce",
]
ALL_STATES = ["greeting", *(f"q:{q}" for q in QUESTIONS), "closing", "ended"]

# Answers rich enough that no follow-up fires.
HAPPY = {
    "en": [
        "Yes, sure.",
        "I worked three years at a call center for a bank, handling about sixty calls a day "
        "plus live chat and email tickets.",
        "I'd apologize, tell them I understand how frustrating this is, and arrange a "
        "replacement sofa with a pickup of the damaged one, then follow up.",
        "I take short breaks and breathe, and I prioritize one customer at a time. For example, "
        "last year during Black Friday I stayed calm through eighty calls.",
        "Yes, I have a home office.",
        "Yes.",
        "Weekdays and weekends, mornings or evenings.",
        "Around eighteen dollars an hour.",
        "I handled online orders and returns for a furniture website.",
    ],
    "zh": [
        "好的，可以",
        "我在京东做过两年电话客服，每天大概接八十通电话，也做过在线客服",
        "我会先道歉，耐心听顾客说完，理解他的心情，然后马上安排换货或者退款，并且跟进物流",
        "我会适当休息，深呼吸，保持冷静。有一次双十一我一天接了两百多个咨询，也都一件一件处理好了",
        "有的，我有一个书房",
        "有",
        "周一到周日都可以，早班晚班都行",
        "五千左右",
        "我在淘宝网店做过售后，处理退换货和物流问题",
    ],
}
BUSY = {
    "en": ("Now's not a good time.", "Tomorrow after six"),
    "zh": ("现在不方便", "明天晚上六点以后"),
}
STOP = {"en": "I want to stop the interview.", "zh": "我不想面试了"}
REPEAT = {"en": "Sorry, can you repeat that?", "zh": "再说一遍"}
NO = {"en": "No, I don't.", "zh": "没有"}


def run(
    script_id: str, turns: Sequence[Turn], variables: dict[str, str] | None = None
) -> Interview:
    interview = Interview(load_script(script_id), variables)
    interview.start()
    for turn in turns:
        interview.handle(Utterance(turn) if isinstance(turn, str) else turn)
    return interview


def says(actions: Sequence[Action]) -> list[Say]:
    return [a for a in actions if isinstance(a, Say)]


LANGS = pytest.mark.parametrize(("lang"), ["en", "zh"])


# --- whole interviews -------------------------------------------------------------------------


@LANGS
def test_happy_path(lang: str) -> None:
    iv = run(f"cs_home_{lang}", HAPPY[lang])
    assert iv.states == ALL_STATES
    assert iv.outcome == Outcome.COMPLETED
    assert iv.records["consent"] is True
    assert iv.records["has_quiet_space"] is True
    assert iv.records["has_stable_internet"] is True
    assert iv.records["availability"] == HAPPY[lang][6]
    assert iv.records["salary_expectation"] == HAPPY[lang][7]
    assert iv.flags == []
    assert all(a.answered for a in iv.answers.values())
    assert "solution" in iv.answers["angry_customer"].concepts
    assert "weekends" in iv.answers["availability"].concepts
    last = iv.history[-1].actions
    assert isinstance(last[-1], End) and last[-1].outcome == Outcome.COMPLETED
    assert says(list(last))[-1].prompt_id == f"cs_home_{lang}:closing"


@LANGS
def test_reschedule_at_greeting(lang: str) -> None:
    busy, when = BUSY[lang]
    iv = run(f"cs_home_{lang}", [busy, when])
    assert iv.states == ["greeting", "callback", "ended"]
    assert iv.outcome == Outcome.CALLBACK_REQUESTED
    assert iv.records["callback_time"] == when


@LANGS
def test_reschedule_mid_interview(lang: str) -> None:
    busy, when = BUSY[lang]
    iv = run(f"cs_home_{lang}", [*HAPPY[lang][:3], busy, when])
    assert iv.states == [*ALL_STATES[:4], "callback", "ended"]
    assert iv.outcome == Outcome.CALLBACK_REQUESTED
    assert iv.records["callback_time"] == when


@LANGS
def test_opt_out_mid_way(lang: str) -> None:
    iv = run(f"cs_home_{lang}", [*HAPPY[lang][:2], STOP[lang]])
    assert iv.states == ["greeting", "q:cs_experience", "q:angry_customer", "ended"]
    assert iv.outcome == Outcome.OPTED_OUT
    assert says(list(iv.history[-1].actions))[0].prompt_id == f"cs_home_{lang}:sys:opt_out_confirm"


@LANGS
def test_declining_consent_opts_out(lang: str) -> None:
    iv = run(f"cs_home_{lang}", [NO[lang]])
    assert iv.states == ["greeting", "ended"]
    assert iv.outcome == Outcome.OPTED_OUT
    assert iv.records["consent"] is False


@LANGS
def test_knockout_ends_ineligible(lang: str) -> None:
    # A knock-out is confirmed first: the question is asked once more, its answer decides.
    iv = run(f"cs_home_{lang}", [*HAPPY[lang][:4], NO[lang]])
    assert not iv.ended and iv.state == "q:quiet_space"
    confirm = says(list(iv.history[-1].actions))
    assert [s.prompt_id for s in confirm] == [
        f"cs_home_{lang}:sys:knockout_confirm",
        f"cs_home_{lang}:q:quiet_space",
    ]
    iv.handle(Utterance(NO[lang]))
    assert iv.states == [*ALL_STATES[:5], "ended"]
    decided = iv.records["yes_no_answers"]["quiet_space"]
    assert decided["answer"] == "no" and decided["decided_by"] == "confirmed"
    assert decided["turn"] == 5 and decided["text"] == NO[lang]  # 0-based utterances
    assert iv.outcome == Outcome.INELIGIBLE
    assert iv.records["has_quiet_space"] is False
    assert iv.flags == ["knock-out: 'quiet_space' answered no"]
    goodbye = says(list(iv.history[-1].actions))[-1]
    assert goodbye.prompt_id == f"cs_home_{lang}:q:quiet_space:knockout"


@LANGS
def test_shorthand_knockout_uses_the_standard_line(lang: str) -> None:
    iv = run(f"cs_home_{lang}", [*HAPPY[lang][:5], NO[lang], NO[lang]])
    assert iv.outcome == Outcome.INELIGIBLE
    assert says(list(iv.history[-1].actions))[-1].prompt_id == f"cs_home_{lang}:sys:ineligible"


@LANGS
def test_silent_candidate(lang: str) -> None:
    iv = run(f"cs_home_{lang}", [HAPPY[lang][0], NoInput(), NoInput(), NoInput(), NoInput()])
    assert iv.states == ["greeting", "q:cs_experience", "q:angry_customer", "ended"]
    assert iv.outcome == Outcome.NO_RESPONSE
    assert not any(a.answered for a in iv.answers.values())
    assert iv.flags == []  # never answered anything, so nothing "stopped"


@LANGS
def test_silent_at_greeting(lang: str) -> None:
    iv = run(f"cs_home_{lang}", [NoInput(), NoInput()])
    assert iv.states == ["greeting", "ended"]
    assert iv.outcome == Outcome.NO_RESPONSE


@LANGS
def test_repeated_repeat_requests_move_on(lang: str) -> None:
    iv = run(f"cs_home_{lang}", [HAPPY[lang][0], *[REPEAT[lang]] * (MAX_RESAYS + 1)])
    assert iv.states == ["greeting", "q:cs_experience", "q:angry_customer"]
    resaid = [says(list(step.actions)) for step in iv.history[2 : 2 + MAX_RESAYS]]
    assert all(s[0].prompt_id == f"cs_home_{lang}:q:cs_experience" for s in resaid)
    moved = says(list(iv.history[-1].actions))
    assert [s.prompt_id for s in moved] == [
        f"cs_home_{lang}:sys:move_on",
        f"cs_home_{lang}:q:angry_customer",
    ]
    assert not iv.answers["cs_experience"].answered


# --- single behaviours ------------------------------------------------------------------------


def test_greeting_discloses_and_listens() -> None:
    iv = Interview(load_script("cs_home_en"), {"candidate_name": "Ana"})
    actions = iv.start()
    assert [type(a) for a in actions] == [Say, Say, Say, Say, Listen]
    intro, disclosure, recording, consent = says(actions)
    assert "Ana" in intro.text and intro.prompt_id is None  # candidate-specific: not cached
    assert "AI interviewer" in disclosure.text
    assert disclosure.prompt_id == "cs_home_en:greeting:ai_disclosure"
    assert "recorded" in recording.text
    assert consent.prompt_id == "cs_home_en:greeting:consent"
    assert iv.state == "greeting"


def test_intro_without_candidate_name_is_cacheable() -> None:
    intro = says(Interview(load_script("cs_home_en")).start())[0]
    assert intro.text.startswith("Hello there,")
    assert intro.prompt_id == "cs_home_en:greeting:intro"


def test_listen_carries_question_and_timing() -> None:
    iv = run("cs_home_en", HAPPY["en"][:4])
    listen = iv.history[-1].actions[-1]
    assert isinstance(listen, Listen)
    assert listen.question_id == "quiet_space"
    assert (listen.end_silence_s, listen.max_answer_s, listen.no_input_timeout_s) == (0.8, 90, 8)
    # A "yes" ends after 0.8 s; a reply longer than 3 s needs the script's 1.2 s (issue 10).
    assert (listen.long_answer_s, listen.long_end_silence_s) == (3.0, 1.2)
    assert all(s.question_id == "quiet_space" for s in says(list(iv.history[-1].actions)))


def test_follow_up_when_concept_missing_is_asked_once() -> None:
    iv = run("cs_home_en", HAPPY["en"][:2])
    actions = iv.handle(Utterance("I would stay polite and listen to them carefully."))
    assert iv.state == "followup:angry_customer"
    assert says(actions)[0].prompt_id == "cs_home_en:fu:angry_customer:concrete_fix"
    actions = iv.handle(Utterance("I would offer a refund or a replacement."))
    assert iv.state == "q:stress"
    answer = iv.answers["angry_customer"]
    assert len(answer.texts) == 2
    assert {"listen", "solution"} <= set(answer.concepts)
    assert answer.follow_ups == [0]


def test_short_answer_gets_a_probe() -> None:
    iv = run("cs_home_en", HAPPY["en"][:1])
    iv.handle(Utterance("A call center."))
    assert iv.state == "followup:cs_experience"


def test_no_input_reprompts_then_moves_on() -> None:
    iv = run("cs_home_en", HAPPY["en"][:1])
    first = iv.handle(NoInput())
    assert [s.prompt_id for s in says(first)] == [
        "cs_home_en:sys:still_there",
        "cs_home_en:q:cs_experience",
    ]
    assert iv.state == "q:cs_experience"
    iv.handle(NoInput())
    assert iv.state == "q:angry_customer"
    assert iv.answers["cs_experience"].answered is False


def test_stopped_responding_is_flagged() -> None:
    iv = run("cs_home_en", [*HAPPY["en"][:3], NoInput(), NoInput(), NoInput(), NoInput()])
    assert iv.outcome == Outcome.NO_RESPONSE
    assert "candidate stopped responding" in iv.flags


def test_answer_too_long_wraps_up_and_keeps_text() -> None:
    iv = run("cs_home_en", HAPPY["en"][:1])
    actions = iv.handle(AnswerTooLong("I worked at a call center for ten years and"))
    assert says(actions)[0].prompt_id == "cs_home_en:sys:wrap_up"
    assert iv.state == "q:angry_customer"
    answer = iv.answers["cs_experience"]
    assert answer.truncated and answer.text.startswith("I worked at a call center")
    assert "phone_support" in answer.concepts


def test_barge_in_is_recorded_without_changing_state() -> None:
    iv = run("cs_home_en", HAPPY["en"][:1])
    actions = iv.handle(BargeIn())
    assert actions == [Record("barge_ins", ["q:cs_experience"])]
    assert iv.state == "q:cs_experience"


def test_dtmf() -> None:
    iv = run("cs_home_en", [Dtmf("1")])
    assert iv.records["consent"] is True and iv.state == "q:cs_experience"
    assert iv.handle(Dtmf("1")) == []  # open question: digits mean nothing
    iv = run("cs_home_en", [*HAPPY["en"][:4], Dtmf("2")])
    assert not iv.ended  # a knock-out digit is confirmed too
    iv.handle(Dtmf("2"))
    assert iv.outcome == Outcome.INELIGIBLE
    assert iv.records["yes_no_answers"]["quiet_space"] == {
        "answer": "no",
        "decided_by": "keypad",
        "turn": None,
        "text": "[dtmf 2]",
        "keypad": "2",
    }
    iv = run("cs_home_en", [HAPPY["en"][0], Dtmf("0")])
    assert iv.outcome == Outcome.HUMAN_REQUESTED


def test_hang_up() -> None:
    iv = run("cs_home_en", [HAPPY["en"][0], HangUp()])
    assert iv.outcome == Outcome.HUNG_UP and iv.states[-1] == "ended"
    assert iv.handle(Utterance("hello?")) == []


@LANGS
def test_human_request(lang: str) -> None:
    text = {"en": "Can I speak to a real person?", "zh": "我要找人工"}[lang]
    iv = run(f"cs_home_{lang}", [HAPPY[lang][0], text])
    assert iv.outcome == Outcome.HUMAN_REQUESTED
    assert iv.flags == ["candidate asked to speak to a person"]
    assert says(list(iv.history[-1].actions))[0].prompt_id == f"cs_home_{lang}:sys:human_handoff"


@LANGS
def test_faq_answered_then_question_re_asked(lang: str) -> None:
    text = {"en": "How much does it pay?", "zh": "工资多少？"}[lang]
    iv = run(f"cs_home_{lang}", HAPPY[lang][:2])
    actions = iv.handle(Utterance(text))
    assert [s.prompt_id for s in says(actions)] == [
        f"cs_home_{lang}:faq:pay",
        f"cs_home_{lang}:sys:back_to_question",
        f"cs_home_{lang}:q:angry_customer",
    ]
    assert iv.state == "q:angry_customer"


@LANGS
def test_any_day_answer_is_recorded_not_taken_as_a_question(lang: str) -> None:
    # Issue 10: 哪天都行 (哪, 什么 and the FAQ word 班次) was answered with the schedule FAQ and the
    # availability answer never recorded; so was "whatever shift" under a transcribed "?".
    text = {"en": "Any day works, whatever shift you need?", "zh": "哪天都行，什么班次都可以"}[lang]
    iv = run(f"cs_home_{lang}", HAPPY[lang][:6])
    assert iv.state == "q:availability"
    actions = iv.handle(Utterance(text))
    assert not any(s.prompt_id.endswith(":faq:schedule") for s in says(actions))
    assert iv.records["availability"] == text
    assert iv.state == "q:salary"


@LANGS
def test_a_yes_then_a_question_answers_consent_and_keeps_the_question(lang: str) -> None:
    # The capacity bench's espeak-ng caller said "Yes, that is fine with me." and Whisper wrote
    # "Yes, now did I win me?": read as a question, consent was re-asked until the call ended.
    text = {"en": "Yes, now did I win me?", "zh": "好的，请问大概要多长时间？"}[lang]
    iv = run(f"cs_home_{lang}", [text])
    assert iv.records["consent"] is True
    assert iv.state == "q:cs_experience"
    assert iv.records["candidate_questions"] == [text]
    assert iv.flags == [f"candidate question for the recruiter: {text}"]


@LANGS
def test_a_yes_then_an_faq_question_gets_the_faq_answer_and_goes_on(lang: str) -> None:
    text = {"en": "Sure, how much does it pay?", "zh": "可以，工资多少？"}[lang]
    iv = run(f"cs_home_{lang}", [])
    actions = iv.handle(Utterance(text))
    assert [s.prompt_id for s in says(actions)] == [
        f"cs_home_{lang}:faq:pay",
        f"cs_home_{lang}:sys:consent_thanks",
        f"cs_home_{lang}:q:cs_experience",
    ]
    assert iv.records["consent"] is True


@LANGS
def test_a_no_then_a_question_is_not_taken_as_declining_consent(lang: str) -> None:
    # Consent is never assumed, nor refused on the word before a question ("No, who is this?").
    text = {"en": "No, who is this?", "zh": "不是，你是哪位？"}[lang]
    iv = run(f"cs_home_{lang}", [text])
    assert iv.state == "greeting" and not iv.ended
    assert "consent" not in iv.records


@LANGS
def test_a_yes_no_answer_followed_by_a_question_is_the_answer(lang: str) -> None:
    text = {"en": "Yes, is there a dress code?", "zh": "有的，请问有着装要求吗？"}[lang]
    iv = run(f"cs_home_{lang}", HAPPY[lang][:4])
    assert iv.state == "q:quiet_space"
    iv.handle(Utterance(text))
    assert iv.records["has_quiet_space"] is True
    assert iv.state == "q:internet"
    assert iv.records["candidate_questions"] == [text]


@LANGS
def test_an_answer_ending_in_a_question_of_its_own_is_the_answer(lang: str) -> None:
    text = {
        "en": "I've bought furniture online for my flat, does that count?",
        "zh": "我在网上给自己买过家具，这个算吗？",
    }[lang]
    iv = run(f"cs_home_{lang}", HAPPY[lang][:8])
    assert iv.state == "q:ecommerce"
    iv.handle(Utterance(text))
    assert iv.outcome == Outcome.COMPLETED
    assert iv.records["candidate_questions"] == [text]
    assert iv.answers["ecommerce"].answered


@LANGS
def test_a_question_alone_is_still_a_question(lang: str) -> None:
    text = {"en": "Where is your office?", "zh": "你们公司在哪里？"}[lang]
    iv = run(f"cs_home_{lang}", HAPPY[lang][:8])
    iv.handle(Utterance(text))
    assert iv.state == "q:ecommerce" and "ecommerce" not in iv.answers


def test_a_stop_beside_an_answer_is_asked_about_not_acted_on() -> None:
    iv = run("cs_home_zh", HAPPY["zh"][:8])
    iv.handle(Utterance("没做过，也不想做。"))
    assert iv.state == "confirm:opt_out" and not iv.ended


def test_unknown_question_is_recorded_and_flagged() -> None:
    iv = run("cs_home_en", HAPPY["en"][:2])
    actions = iv.handle(Utterance("Is there a dress code?"))
    assert iv.records["candidate_questions"] == ["Is there a dress code?"]
    assert iv.flags == ["candidate question for the recruiter: Is there a dress code?"]
    assert says(actions)[-1].prompt_id == "cs_home_en:q:angry_customer"


def test_robot_question_is_answered_honestly() -> None:
    iv = run("cs_home_en", HAPPY["en"][:1])
    actions = iv.handle(Utterance("Wait, are you a robot?"))
    first = says(actions)[0]
    assert "AI interviewer" in first.text and "Hearth & Home" in first.text
    assert iv.state == "q:cs_experience"


def test_clarify_and_slow_down() -> None:
    iv = run("cs_home_en", HAPPY["en"][:1])
    actions = iv.handle(Utterance("What do you mean?"))
    assert says(actions)[0].prompt_id == "cs_home_en:q:cs_experience:clarify"
    actions = iv.handle(Utterance("Could you speak more slowly?"))
    assert Record("speech_rate", "slow") in actions
    assert says(actions)[-1].prompt_id == "cs_home_en:q:cs_experience"


def test_unclear_yes_no_asks_again_then_flags() -> None:
    iv = run("cs_home_en", HAPPY["en"][:4])
    actions = iv.handle(Utterance("My flat is near the station."))
    assert says(actions)[0].prompt_id == "cs_home_en:sys:yes_no_retry"
    actions = iv.handle(Utterance("It's a flat."))
    assert iv.state == "q:internet"
    assert any(isinstance(a, Flag) and "quiet_space" in a.reason for a in actions)
    assert iv.records["has_quiet_space"] is None


def test_history_and_fixed_prompts() -> None:
    iv = run("cs_home_en", HAPPY["en"][:2])
    assert [step.state for step in iv.history] == ["new", "greeting", "q:cs_experience"]
    assert iv.history[1].next_state == "q:cs_experience"
    prompts = dict(iv.fixed_prompts())
    assert "cs_home_en:q:quiet_space" in prompts
    assert "cs_home_en:sys:still_there" in prompts
    assert "cs_home_en:greeting:intro" in prompts  # no candidate name given: static
    assert None not in prompts
    named = Interview(load_script("cs_home_en"), {"candidate_name": "Ana"}).fixed_prompts()
    assert "cs_home_en:greeting:intro" not in dict(named)
    with pytest.raises(RuntimeError):
        iv.start()


def test_branching(write_script: Callable[..., Path]) -> None:
    script = load_script(write_script())
    iv = Interview(script)
    iv.start()
    iv.handle(Utterance("yes"))
    iv.handle(Utterance("yes"))
    assert iv.states == ["greeting", "q:remote", "q:story"]  # "skipped" is jumped over
    iv = Interview(script)
    iv.start()
    iv.handle(Utterance("yes"))
    actions = iv.handle(Utterance("no"))
    assert iv.outcome == Outcome.COMPLETED
    assert says(actions)[-1] == Say("Thanks anyway, goodbye.", "mini:q:remote:no", "remote")

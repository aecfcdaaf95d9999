"""Issue 10, item 5: the engine does not end good interviews on a phrase inside an answer, reads
yes/no answers by meaning, asks once when unsure and confirms a knock-out. Both languages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest

from agent.reports.report import Turn
from dialogue.engine import Interview
from dialogue.events import Dtmf, Event, NoInput, Outcome, Say, Utterance
from dialogue.intents import Intent, classify, read_yes_no
from dialogue.script import load_script
from dialogue.text import Language, normalize_transcript
from tests.agent.transcript import CONSENT, FOLLOW_UP, run_transcript

QUIET = {
    lang: load_script(f"cs_home_{lang}").question("quiet_space").prompt for lang in ["en", "zh"]
}


# --- requests inside answers -------------------------------------------------------------------

# A phrase that would end the call, inside a described scene: no request at all.
DESCRIBED = [
    ("I'd say sorry and promise to call back within the hour with a replacement date.", "en"),
    ("Even if the customer says they're not interested, I stay polite.", "en"),
    ("I'd apologize and tell them please stop worrying, we will fix it.", "en"),
    ("When a caller says I want to speak to a manager, I connect them to my supervisor.", "en"),
    ("If they want to end the call, I thank them and let them go.", "en"),
    # Declining one question is no opt-out of the interview (scorer 2.9).
    ("I'll pass on that one.", "en"),
    ("I'll pass on this question, if that's okay.", "en"),
    ("我会先道歉，然后承诺晚点再打给客户确认", "zh"),
    ("如果客户说不感兴趣，我会礼貌地结束通话", "zh"),
    ("客户要求转人工的话，我会帮他转接", "zh"),
    ("我会跟他说别着急，稍后再打给他确认", "zh"),
    ("有的顾客不想继续聊了，我就礼貌地说再见", "zh"),
]
# The phrase is the candidate's own but comes with more: ask before ending.
UNSURE_REQUESTS = [
    ("Honestly I'm not interested in weekend shifts, but evenings are fine.", "en", Intent.OPT_OUT),
    ("I'm not interested anymore, I found another job.", "en", Intent.OPT_OUT),
    ("Weekdays and weekends, but please don't call me before eight.", "en", Intent.OPT_OUT),
    ("我对周末上班不感兴趣，晚上可以", "zh", Intent.OPT_OUT),
    ("这个工作我不想做了，太远了", "zh", Intent.OPT_OUT),
]
# A clear, short request on its own is honoured at once.
CLEAR_REQUESTS = [
    ("Can you call me back tomorrow?", "en", Intent.BUSY),
    ("Could you call me back in the evening?", "en", Intent.BUSY),
    ("I'm not interested.", "en", Intent.OPT_OUT),
    ("Please stop.", "en", Intent.OPT_OUT),
    ("I want to speak to a person.", "en", Intent.HUMAN),
    ("晚点再打给我吧", "zh", Intent.BUSY),
    ("我现在在开车，明天再打给我吧", "zh", Intent.BUSY),
    ("不感兴趣", "zh", Intent.OPT_OUT),
    ("我不想面试了", "zh", Intent.OPT_OUT),
    ("转人工", "zh", Intent.HUMAN),
    ("sorry，can you repeat 一下？", "zh", Intent.REPEAT),  # code-switching
    ("不好意思，can I talk to a person？", "zh", Intent.HUMAN),
]


@pytest.mark.parametrize(("text", "language"), DESCRIBED)
def test_a_described_request_is_an_answer(text: str, language: Language) -> None:
    assert classify(text, language).intent == Intent.NONE


@pytest.mark.parametrize(("text", "language", "intent"), UNSURE_REQUESTS)
def test_a_request_inside_an_answer_is_unsure(
    text: str, language: Language, intent: Intent
) -> None:
    result = classify(text, language)
    assert (result.intent, result.clear) == (intent, False)


@pytest.mark.parametrize(("text", "language", "intent"), CLEAR_REQUESTS)
def test_a_short_request_is_clear(text: str, language: Language, intent: Intent) -> None:
    result = classify(text, language)
    assert (result.intent, result.clear) == (intent, True)


# --- yes / no by meaning -----------------------------------------------------------------------

# (answer, language, expected) to "Do you have a quiet, private space ... without interruptions?"
YES_NO_QUIET = [
    ("No interruptions at all, it's a private room with a door.", "en", Intent.YES),
    ("No problem, I have a home office.", "en", Intent.YES),
    ("It's not that I don't have one, I do.", "en", Intent.YES),
    ("There's no noise at all in my study.", "en", Intent.YES),
    ("Nobody disturbs me, it's very quiet.", "en", Intent.YES),
    (
        "Yes. At my old job I'd tell callers there is no call parked on that extension.",
        "en",
        Intent.YES,
    ),
    # A bare "no" after a negative statement agrees with it (scorer 2.7).
    ("Nothing would bother me there, no. It's my own room.", "en", Intent.YES),
    ("It never gets noisy, no.", "en", Intent.YES),
    ("No, it's a shared living room.", "en", Intent.NO),
    ("It's interrupted all day by the kids, no.", "en", Intent.NO),
    ("Not really, my kids interrupt me all the time.", "en", Intent.NO),
    ("I don't have a quiet room.", "en", Intent.NO),
    ("It's not quiet at all.", "en", Intent.NO),
    ("有的，不会被打扰。", "zh", Intent.YES),
    ("有的不会被打扰", "zh", Intent.YES),  # unpunctuated
    ("不是没有，我有一个书房", "zh", Intent.YES),  # double negative
    ("家里很安静，没人打扰", "zh", Intent.YES),
    ("有獨立的房間，不會被打擾", "zh", Intent.YES),  # traditional characters
    ("沒有", "zh", Intent.NO),  # traditional characters
    ("没有，家里很吵", "zh", Intent.NO),
    ("不会有人来打扰的，不会。", "zh", Intent.YES),
    ("家里有小孩，没有。", "zh", Intent.NO),
    ("家里有小孩，没有安静的地方", "zh", Intent.NO),
    ("不太方便，家里比较吵", "zh", Intent.NO),
    ("家裡不安靜", "zh", Intent.NO),
    ("家里不是很方便", "zh", Intent.NO),
]
# Answers written after the rules above, to both knock-out questions (None: ask again).
INTERNET = {
    lang: load_script(f"cs_home_{lang}").question("internet").prompt for lang in ["en", "zh"]
}
MORE_YES_NO: list[tuple[str, Language, str, Intent | None]] = [
    ("I sure do, a converted garage office.", "en", "quiet", Intent.YES),
    ("Not really, the TV is always on.", "en", "quiet", Intent.NO),
    ("It's private and quiet, with a door I can close.", "en", "quiet", Intent.YES),
    ("No way, five of us share two rooms.", "en", "quiet", Intent.NO),
    ("Yes, no one bothers me there.", "en", "quiet", Intent.YES),
    ("Yes, but it's not very quiet.", "en", "quiet", None),  # a "but" against the answer
    ("My connection keeps dropping.", "en", "internet", Intent.NO),
    ("Sure, it's a stable cable connection.", "en", "internet", Intent.YES),
    ("Honestly I'm not sure how fast it is.", "en", "internet", None),
    ("Never had any outages.", "en", "internet", Intent.YES),
    ("不太行，电视一直开着", "zh", "quiet", Intent.NO),
    ("很私密也很安静，门能关上", "zh", "quiet", Intent.YES),
    ("不可能，五个人住两间房", "zh", "quiet", Intent.NO),
    ("我的办公室不会有任何干扰", "zh", "quiet", Intent.YES),
    ("网络老是断", "zh", "internet", Intent.NO),
    ("从来没断过网", "zh", "internet", Intent.YES),
    ("当然，一点问题都没有", "zh", "internet", Intent.YES),  # negation after the thing
    ("说实话我不确定网速多少", "zh", "internet", None),
    # code-switching: English words inside a Mandarin answer
    ("可以，no problem", "zh", "quiet", Intent.YES),
    ("有的，no interruptions", "zh", "quiet", Intent.YES),
    ("no，没有", "zh", "quiet", Intent.NO),
    ("网络很 stable", "zh", "internet", Intent.YES),
    # "no" as a determiner: what is said to be absent decides ("no kids" read as a "no" once
    # knocked out a candidate listing why the room is quiet).
    ("Nobody's around in the daytime, no children, no dog, no loud traffic.", "en", "quiet",
     Intent.YES),
    ("No partner at home, no kids, nothing that would interrupt a call.", "en", "quiet",
     Intent.YES),
    ("no flatmates no pets no noise", "en", "quiet", Intent.YES),
    ("No, I don't, there's no door on the box room.", "en", "quiet", Intent.NO),
    ("I'd love one but there is no space for a desk.", "en", "quiet", Intent.NO),
    ("No broadband, only mobile data.", "en", "internet", Intent.NO),
    ("No chance, we're on a satellite link that drops all the time.", "en", "internet",
     Intent.NO),
    # A negated potential complement negates what follows (找不出安静的地方, scorer 2.9).
    ("没有。家里太挤，腾不出一个安静的角落。", "zh", "quiet", Intent.NO),
    ("家里人多，实在找不出安静的房间。", "zh", "quiet", Intent.NO),
    # Who or what would make a room loud, said to be absent; the line never cutting out; a
    # negation reaching over "any"; Cantonese 冇 (scorer 2.9.1).
    ("Not a soul around in the daytime, no children, no pets, the spare room is mine.", "en",
     "quiet", Intent.YES),
    ("Fibre, no complaints, never cuts out and no buffering.", "en", "internet", Intent.YES),
    ("It's cable, and it has never caused me any trouble.", "en", "internet", Intent.YES),
    ("Honestly the kids are home all day and the dog barks.", "en", "quiet", Intent.NO),
    ("有，冇人会吵到我。", "zh", "quiet", Intent.YES),
    # ... but people merely there say nothing, and an occasional problem is asked about.
    ("My flatmates are at work all day, so yes.", "en", "quiet", Intent.YES),
    ("It's fine, it cuts out now and then.", "en", "internet", None),
    ("It's alright, it freezes every so often.", "en", "internet", None),
    ("We don't have broadband, just a phone hotspot that drops out now and then.", "en",
     "internet", Intent.NO),
    # A no with a "but" that whoever shares the room is away is asked about, not a knock-out;
    # a no without one, or with them at home, stays a no.
    ("I share the bedroom with my cousin, but she's at college in the daytime.", "en", "quiet",
     None),
    ("Not really, but my husband works nights and sleeps in the other room.", "en", "quiet",
     None),
    ("I share the bedroom with my cousin, and she's home all day.", "en", "quiet", Intent.NO),
    ("No, I share the bedroom with my cousin.", "en", "quiet", Intent.NO),
    ("没有单独的房间，不过我老公白天上班，家里就我一个人。", "zh", "quiet", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "language", "question", "expected"), MORE_YES_NO)
def test_more_yes_no(text: str, language: Language, question: str, expected: Intent | None) -> None:
    prompt = (QUIET if question == "quiet" else INTERNET)[language]
    answer, sure = _read(text, language, prompt)
    assert (answer if sure else None) == expected


UNSURE_YES_NO = [
    ("Maybe, it depends on the day.", "en"),
    ("Sometimes, not always.", "en"),
    ("I'm not sure.", "en"),
    ("看情况吧", "zh"),
    ("有，但是有时候有点吵", "zh"),
    ("不确定", "zh"),
    ("有的，不过有时候网络不太稳定", "zh"),
]
# The same answers to a question asked the other way round mean the opposite.
INTERRUPT = {
    "en": "Would anything interrupt your calls at home?",
    "zh": "您接电话的时候会被打扰吗？",
}
YES_NO_INTERRUPT = [
    ("No interruptions at all, it's a private room with a door.", "en", Intent.NO),
    ("My kids might interrupt me sometimes.", "en", Intent.YES),
    ("No.", "en", Intent.NO),
    ("不会被打扰", "zh", Intent.NO),
    ("会，孩子有时候会吵", "zh", Intent.YES),
]


def _read(text: str, language: Language, question: str) -> tuple[Intent | None, bool]:
    reading = read_yes_no(normalize_transcript(text, language), language, question)
    return reading.answer, reading.sure


@pytest.mark.parametrize(("text", "language", "expected"), YES_NO_QUIET)
def test_yes_no_by_meaning(text: str, language: Language, expected: Intent) -> None:
    assert _read(text, language, QUIET[language]) == (expected, True)


@pytest.mark.parametrize(("text", "language"), UNSURE_YES_NO)
def test_unsure_yes_no(text: str, language: Language) -> None:
    answer, sure = _read(text, language, QUIET[language])
    assert not sure, answer


@pytest.mark.parametrize(("text", "language", "expected"), YES_NO_INTERRUPT)
def test_question_polarity(text: str, language: Language, expected: Intent) -> None:
    assert _read(text, language, INTERRUPT[language]) == (expected, True)


def test_first_clause_weighs_most_in_a_long_answer() -> None:
    story = (
        "Yes, I do. I have a spare room upstairs. At my last job I often told hotel guests that "
        "there is no call parked on that extension, and that they should not wait."
    )
    assert _read(story, "en", QUIET["en"]) == (Intent.YES, True)
    story_no = "No, I don't. I would have loved a quiet room, there is just no space for one."
    assert _read(story_no, "en", QUIET["en"]) == (Intent.NO, True)


# --- whole interviews ---------------------------------------------------------------------------


@dataclass
class Run:
    interview: Interview
    confirms: list[str]  # confirm:<intent> states met
    said: list[Turn]  # the interviewer's lines


def interview(
    language: Language, answers: Mapping[str, str], *, confirm_reply: str | None = None
) -> Run:
    """A typed interview over cs_home_<language> (follow-ups get a neutral line); each
    confirmation question gets ``confirm_reply`` (default: no, carry on)."""
    extra = {"confirm": confirm_reply} if confirm_reply else {}
    record, iv = run_transcript(load_script(f"cs_home_{language}"), {**answers, **extra})
    confirms = [s for s in iv.states if s.startswith("confirm:")]
    return Run(iv, confirms, [t for t in record.turns if t.speaker == "interviewer"])


# Good answers that carry the phrases that used to end the call or knock the candidate out.
TRAPS: dict[str, dict[str, str]] = {
    "en": {
        "cs_experience": "Three years on the phone at a bank; if a caller was not interested, "
        "I moved on.",
        "angry_customer": "I'd say sorry and promise to call back within the hour with a "
        "replacement date.",
        "stress": "I take short breaks and breathe, and I stay calm; I never think I want to quit.",
        "quiet_space": "No interruptions at all, it's a private room with a door.",
        "internet": "No problem, it's a wired fiber line with no drops.",
        "availability": "Weekdays and weekends, but please don't call me before eight.",
        "salary": "Around eighteen dollars an hour.",
        "ecommerce": "Yes, returns for a furniture website; I'd call back customers to confirm "
        "pickups.",
    },
    "zh": {
        "cs_experience": "我做过两年电话客服，有的客户不感兴趣我就礼貌结束",
        "angry_customer": "我会先道歉，然后承诺晚点再打给客户确认换货",
        "stress": "忙的时候我不会说不想干了，我会休息一下深呼吸",
        "quiet_space": "有的，不会被打扰。",
        "internet": "有獨立的寬帶，網速很穩定",
        "availability": "周末都可以，我对早班不感兴趣，晚班都行",
        "salary": "五千左右",
        "ecommerce": "我在淘宝网店做过售后，客户说晚点再打的话我就记下来",
    },
}
# Which trap answers are the candidate's own words with more in them: asked about, then kept.
TRAP_CONFIRMS = {"en": ["confirm:opt_out"], "zh": ["confirm:opt_out"]}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_trap_phrases_do_not_end_a_good_interview(language: Language) -> None:
    run = interview(language, TRAPS[language])
    iv = run.interview
    assert iv.outcome == Outcome.COMPLETED, iv.states
    assert run.confirms == TRAP_CONFIRMS[language]
    assert "callback_time" not in iv.records
    assert iv.records["has_quiet_space"] is True and iv.records["has_stable_internet"] is True
    assert iv.flags == []
    # Every trap answer is kept as the answer it was (the asked-about one too).
    for qid, text in TRAPS[language].items():
        assert normalize_transcript(str(text), language) in iv.answers[qid].texts
    decided = iv.records["yes_no_answers"]
    assert decided["quiet_space"]["decided_by"] == "speech"
    assert decided["internet"]["answer"] == "yes"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_confirmation_question_is_asked_in_the_script_language(language: Language) -> None:
    run = interview(language, TRAPS[language])
    asked = [s for s in run.said if s.prompt_id and s.prompt_id.endswith("sys:confirm_opt_out")]
    expected = {
        "en": "Would you like to stop the interview here?",
        "zh": "请问您是想现在结束面试吗？",
    }
    assert [s.text for s in asked] == [expected[language]]


MEANT = {
    "en": ("I'm not interested anymore, I found another job.", "Yes."),
    "zh": ("这个工作我不想做了，太远了", "是的"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_confirmed_stop_ends_the_call(language: Language) -> None:
    answer, yes = MEANT[language]
    answers = {**TRAPS[language], "cs_experience": answer}
    run = interview(language, answers, confirm_reply=yes)
    assert run.interview.outcome == Outcome.OPTED_OUT
    assert run.confirms == ["confirm:opt_out"]


CLEAR_BUSY = {
    "en": ("Can you call me back tomorrow?", "Tomorrow at six."),
    "zh": ("晚点再打给我吧", "明天下午"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_clear_short_request_is_honoured(language: Language) -> None:
    busy, when = CLEAR_BUSY[language]
    iv = Interview(load_script(f"cs_home_{language}"))
    iv.start()
    for turn in [CONSENT[language], busy, when]:
        iv.handle(Utterance(turn))
    assert iv.outcome == Outcome.CALLBACK_REQUESTED
    assert iv.records["callback_time"] == when


CORRECTION = {
    "en": ("Call me back later.", "No, sorry, I meant I'd call the customer back."),
    "zh": ("晚点再打吧", "不是，我是说我会晚点再打给客户"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_correction_is_not_stored_as_the_callback_time(language: Language) -> None:
    busy, correction = CORRECTION[language]
    iv = Interview(load_script(f"cs_home_{language}"))
    iv.start()
    for turn in [CONSENT[language], busy]:
        iv.handle(Utterance(turn))
    assert iv.state == "callback"
    iv.handle(Utterance(correction))
    assert iv.state == "q:cs_experience" and not iv.ended
    assert "callback_time" not in iv.records


def _to_quiet_space(language: Language) -> Interview:
    iv = Interview(load_script(f"cs_home_{language}"))
    iv.start()
    answers = TRAPS[language]
    for turn in [CONSENT[language], answers["cs_experience"]]:
        iv.handle(Utterance(str(turn)))
    while iv.state != "q:quiet_space":
        iv.handle(Utterance(FOLLOW_UP[language] if "followup" in iv.state else "OK"))
    return iv


def _feed(iv: Interview, turns: Sequence[str | Event]) -> None:
    for turn in turns:
        iv.handle(Utterance(turn) if isinstance(turn, str) else turn)


KNOCKOUT_FLOWS = [
    # (language, turns to the quiet-room question, outcome, answer, decided_by)
    ("en", ["No.", "No, I really don't."], Outcome.INELIGIBLE, "no", "confirmed"),
    ("en", ["No.", "Sorry, yes, I do have one."], None, "yes", "confirmed"),
    ("en", [Dtmf("2"), Dtmf("2")], Outcome.INELIGIBLE, "no", "keypad"),
    ("en", ["Maybe, it depends.", "Yes, I have a study."], None, "yes", "clarified"),
    ("zh", ["沒有", "沒有"], Outcome.INELIGIBLE, "no", "confirmed"),
    ("zh", ["没有", "哦不好意思，有的，有书房"], None, "yes", "confirmed"),
    ("zh", ["看情况吧", "有的"], None, "yes", "clarified"),
    # Issue 10: a long "no" that ends on a plan was read as a yes (the plan is no evidence), and
    # "Not right now, ..." to a yes/no question was taken as a callback request.
    (
        "zh",
        ["说实话没有，家里人多，如果能录用的话我再去租个单间。", "没有。"],
        Outcome.INELIGIBLE,
        "no",
        "confirmed",
    ),
    (
        "en",
        ["Not right now, we're a big family, but I'd rent a small room if I got the job.", "No."],
        Outcome.INELIGIBLE,
        "no",
        "confirmed",
    ),
]


@pytest.mark.parametrize(("language", "turns", "outcome", "answer", "how"), KNOCKOUT_FLOWS)
def test_knockout_is_confirmed_and_the_answer_recorded(
    language: Language,
    turns: list[str | Event],
    outcome: Outcome | None,
    answer: str,
    how: str,
) -> None:
    iv = _to_quiet_space(language)
    _feed(iv, turns)
    assert iv.outcome == outcome
    if outcome is None:
        assert iv.state == "q:internet"
    decided = iv.records["yes_no_answers"]["quiet_space"]
    assert (decided["answer"], decided["decided_by"]) == (answer, how)
    assert iv.answers["quiet_space"].decision is not None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_unclear_confirmation_does_not_knock_out(language: Language) -> None:
    iv = _to_quiet_space(language)
    _feed(iv, ["No." if language == "en" else "没有", "Hmm, well." if language == "en" else "呃"])
    assert not iv.ended and iv.state == "q:internet"
    assert iv.records["has_quiet_space"] is None
    assert any("unclear yes/no answer to 'quiet_space'" in f for f in iv.flags)


def test_transcripts_are_normalised_once_on_the_way_in() -> None:
    iv = _to_quiet_space("zh")
    _feed(iv, ["有獨立的房間，不會被打擾"])
    assert iv.answers["quiet_space"].texts == ["有独立的房间，不会被打扰"]
    assert iv.records["yes_no_answers"]["quiet_space"]["text"] == "有独立的房间，不会被打扰"


UNSURE_STOP = {
    "en": ("I'm not interested anymore, I found another job.", "Sorry, can you repeat that?"),
    "zh": ("这个工作我不想做了，太远了", "再说一遍"),
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_confirmation_can_be_repeated_and_silence_carries_on(language: Language) -> None:
    answer, repeat = UNSURE_STOP[language]
    iv = Interview(load_script(f"cs_home_{language}"))
    iv.start()
    _feed(iv, [CONSENT[language], answer])
    assert iv.state == "confirm:opt_out"
    again = [a.prompt_id for a in iv.handle(Utterance(repeat)) if isinstance(a, Say)]
    assert again == [f"cs_home_{language}:sys:confirm_opt_out"]
    assert iv.state == "confirm:opt_out"
    iv.handle(NoInput())  # no "yes": the interview goes on with the answer it was
    assert not iv.ended and iv.answers["cs_experience"].texts == [answer]


def test_not_right_now_on_its_own_is_still_a_callback_request() -> None:
    iv = _to_quiet_space("en")
    _feed(iv, ["Not right now."])
    assert iv.state == "callback"

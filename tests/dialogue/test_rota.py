"""Availability read as the share of the rota it offers (``scale: rota``, scorer 2.6, issue 10).

Own inputs, in both languages. The reader is pure; the last tests score through the shipped
scripts, whose availability rubrics use the rota scale.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.rota import read_rota
from dialogue.embedding import Embed
from dialogue.scoring import AnswerInput, score_interview
from dialogue.script import load_script


def level(text: str, language: str) -> float:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None, text
    return rota.level


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Honestly, whenever suits you, days, nights, weekends.", "en"),
        ("Every day of the week, any shift, holidays too.", "en"),
        ("I can cover 8am to 10pm, Monday through Sunday.", "en"),
        ("一周七天都可以，早班晚班随便排。", "zh"),
        ("每天早八点到晚十点都能上，节假日也行。", "zh"),
    ],
)
def test_the_whole_rota_is_level_five(text: str, language: str) -> None:
    assert level(text, language) == 5.0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Monday to Friday, any hours.", "en"),
        ("Weekdays are great for me.", "en"),
        ("平时都可以，周末要带孩子不行。", "zh"),
        ("只能周一到周五。", "zh"),
    ],
)
def test_without_weekends_the_level_stops_at_three(text: str, language: str) -> None:
    assert 2.5 <= level(text, language) <= 3.0


@pytest.mark.parametrize(
    ("narrow", "wide", "language"),
    [
        (
            "Just Wednesday afternoons.",
            "Wednesdays, Thursdays and Fridays, all day, and Saturdays.",
            "en",
        ),
        (
            "Saturdays and Sundays, from 6pm to 10pm only.",
            "Weekends any time and weekday evenings.",
            "en",
        ),
        ("I could maybe do the odd evening.", "Evenings every day, and Sunday mornings.", "en"),
        ("只有周三下午。", "周三到周五全天，周六也可以。", "zh"),
        ("周末可以，晚上六点到十点。", "周末全天都行，工作日晚上也行。", "zh"),
        ("晚上偶尔可以。", "每天晚上都行，周日上午也可以。", "zh"),
    ],
)
def test_more_of_the_rota_is_a_higher_level(narrow: str, wide: str, language: str) -> None:
    assert level(narrow, language) + 1.0 <= level(wide, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Weekends don't work for me, and evenings are out.", "en"),
        ("Nights and Sundays, that isn't something I can do.", "en"),
        ("周末不行，晚上也排不开。", "zh"),
        ("晚班和周日，这个我不答应。", "zh"),
        ("周六周日够呛，晚上也不行。", "zh"),  # 够呛: hardly (scorer 2.7)
        # The no on its own, after times named bare, across sentences too (scorer 2.9).
        ("Sundays, no. Late evenings? Nope.", "en"),
        ("Saturday and Sunday, not a chance. Nights? Also no.", "en"),
        ("周六周日？不行。晚上，也不行。", "zh"),
        # A time given to something else (scorer 2.9).
        ("Weekdays 9 to 5. I keep Saturdays and Sundays for my family.", "en"),
        ("Any weekday. Weekends im with my kids.", "en"),
        ("周末要睡觉，其他时间都可以。", "zh"),
    ],
)
def test_the_no_after_the_word_withdraws_what_it_names(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and not rota.weekends
    assert rota.level <= 3.0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Weekends, evenings, mornings: all good.", "en"),
        ("Mornings. Evenings. Weekends too, that works.", "en"),
        ("周末，晚上，早上，都可以。", "zh"),
    ],
)
def test_times_named_bare_then_offered_stay_offered(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.weekends and rota.level >= 4.0, rota


@pytest.mark.parametrize(
    ("text", "language"),
    [("Any day apart from Saturdays.", "en"), ("除了周六以外都可以。", "zh")],
)
def test_except_withdraws_one_day(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.cover == pytest.approx(6 / 7, abs=1e-3)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("We usually visit my aunt on Sunday mornings and go bowling in the evening.", "en"),
        ("I'm not sure yet.", "en"),
        ("我们家周日早上一般去爬山，晚上包饺子吃。", "zh"),
        ("还得再想想。", "zh"),
    ],
)
def test_days_in_a_story_or_no_time_at_all_are_not_read(text: str, language: str) -> None:
    assert read_rota([text], language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_shipped_scripts_score_availability_by_cover(language: str, embed: Embed) -> None:
    narrow, half, wide = {
        "en": (
            "Only Wednesday mornings, I'm afraid.",
            "Weekdays during the day and Saturday afternoons.",
            "Any day and any shift, weekends and bank holidays included.",
        ),
        "zh": (
            "只有周三上午。",
            "工作日白天可以，周六下午也行。",
            "哪天都可以，什么班都能上，周末节假日也没问题。",
        ),
    }[language]
    script = load_script(f"cs_home_{language}")

    def score(text: str) -> float:
        card = score_interview(script, [AnswerInput("availability", text)], embed=embed)
        return next(q.score for q in card.questions if q.question_id == "availability")

    low, mid, high = score(narrow), score(half), score(wide)
    assert low + 20 <= mid <= high - 10, (low, mid, high)
    assert high >= 90


# --- scorer 2.7 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Any weekday, but weekends I've got the kids.", "en"),
        ("Weekdays suit me, at weekends I work my other job.", "en"),
        ("工作日都行，周末要陪孩子。", "zh"),
        ("周一到周五可以，周六周日有课。", "zh"),
    ],
)
def test_a_time_given_to_something_else_is_withdrawn(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and not rota.weekends


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Weekdays and weekends are all fine, I'm not fussy.", "en"),
        ("平时和周末都可以，最好别排太晚的班。", "zh"),
    ],
)
def test_a_no_that_points_at_no_time_withdraws_nothing(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.weekends and rota.level >= 4.0


@pytest.mark.parametrize(
    ("text", "language"),
    [("Any day works, we'll see.", "en"), ("什么时候都行吧，到时候再说。", "zh")],
)
def test_a_hedge_after_the_offer_hedges_it(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.level < 3.5


@pytest.mark.parametrize(
    ("text", "language"),
    [("Weekdays are fine, 周末也可以。", "en"), ("平时可以，weekend 和 evening 也 OK。", "zh")],
)
def test_times_said_in_the_other_language_count(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.weekends


@pytest.mark.parametrize(
    ("text", "language"),
    [("Anything, really, earlies or lates.", "en"), ("早晚班都 ok，随便排。", "zh")],
)
def test_anything_offers_the_whole_rota(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.level == 5.0


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Apart from Sundays, anything.", "en"),
        ("除了周三傍晚要去接孩子，别的时段我全能排。", "zh"),
        ("除了周日，其他时间都行。", "zh"),
    ],
)
def test_a_terse_or_family_reason_answer_is_scored_by_its_rota(
    text: str, language: str, embed: Embed
) -> None:
    # Neither a list of terms nor a story about private life: the times are the answer.
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput("availability", text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == "availability")
    assert scored.score >= 70, scored.flags
    assert not scored.flags


# --- scorer 2.11: hours given to the morning, one part of the day after the days, other work ---


@pytest.mark.parametrize(
    ("text", "language", "cover"),
    [
        # a morning start keeps a close end in the morning: two hours, not the whole day
        ("Every day, only from 8am to 10.", "en", 1 / 3),
        ("每天只有上午八点到十点。", "zh", 1 / 3),
        # an evening end stays in the evening
        ("每天早上七点到晚上九点都能排。", "zh", 1.0),
    ],
)
def test_a_morning_hour_range_stays_in_the_morning(text: str, language: str, cover: float) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.cover == pytest.approx(cover, abs=0.01)


@pytest.mark.parametrize(
    ("text", "language"),
    [("Monday to Friday, afternoons.", "en"), ("工作日，下午。", "zh")],
)
def test_one_part_of_the_day_after_the_days_says_when_on_them(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.cover == pytest.approx(5 / 21, abs=0.01)


@pytest.mark.parametrize(
    ("text", "language"),
    [("Saturdays, evenings as well.", "en"), ("周六可以，晚上也行。", "zh")],
)
def test_a_part_of_the_day_said_too_adds(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and rota.cover > 7 / 21


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Any weekday. Saturdays and Sundays are my own.", "en"),
        ("Weekdays only, I coach the under-tens on Saturdays and Sundays.", "en"),
        ("工作日都行，周末要看店。", "zh"),
        ("工作日可以周末要带小孩", "zh"),
    ],
)
def test_days_kept_or_given_to_other_work_are_withdrawn(text: str, language: str) -> None:
    rota = read_rota([text], language)  # type: ignore[arg-type]
    assert rota is not None and not rota.weekends and rota.cover == pytest.approx(15 / 21, 0.01)


def test_a_no_pointing_back_after_a_withdrawal_keeps_the_offer() -> None:
    text = "Any day, any shift, but Friday nights I work at the bar, so not those."
    rota = read_rota([text], "en")
    assert rota is not None and rota.cover == pytest.approx(20 / 21, abs=0.01)

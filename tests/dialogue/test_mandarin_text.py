"""Issue 10, item 7: Mandarin text - numbers and durations, negation after the word,
unpunctuated text, code-switching, traditional characters, language detection (and the English
counterparts where the same helper serves both)."""

from __future__ import annotations

import pytest

from dialogue.concept_match import ConceptSpec, find_concepts, positive_concepts
from dialogue.script import load_script
from dialogue.text import (
    Language,
    detect_language,
    han_share,
    identify_language,
    normalize_transcript,
    quantities,
)

# (text, language, [(value, unit, approximate)])
QUANTITIES = [
    ("三年", "zh", [(3, "year", False)]),
    ("3年", "zh", [(3, "year", False)]),
    ("八个月", "zh", [(8, "month", False)]),
    ("两年半", "zh", [(2.5, "year", False)]),
    ("一年多", "zh", [(1, "year", True)]),
    ("做了十二个月客服，之前在门店干了三年左右", "zh", [(12, "month", False), (3, "year", True)]),
    ("期望月薪五千五百块", "zh", [(5500, "yuan", False)]),
    ("一千五", "zh", [(1500, None, False)]),
    ("二十五块", "zh", [(25, "yuan", False)]),
    ("three years", "en", [(3, "year", False)]),
    ("3 years", "en", [(3, "year", False)]),
    ("eight months at a call center", "en", [(8, "month", False)]),
    ("two and a half years", "en", [(2.5, "year", False)]),
    ("a year and a half", "en", [(1.5, "year", False)]),
    ("over twenty five dollars an hour", "en", [(25, "dollar", True), (1, "hour", False)]),
    ("I was one of the best", "en", []),
]


@pytest.mark.parametrize(("text", "language", "expected"), QUANTITIES)
def test_quantities(text: str, language: Language, expected: list[tuple[float, str, bool]]) -> None:
    found = [(q.value, q.unit, q.approximate) for q in quantities(text, language)]
    assert found == expected
    for q in quantities(text, language):
        assert text[q.span[0] : q.span[1]] == q.text


def test_durations_compare_across_units() -> None:
    (years,) = quantities("两年半", "zh")
    (months,) = quantities("thirty months", "en")
    assert years.months == months.months == 30
    (pay,) = quantities("五千块", "zh")
    assert pay.months is None


LANGUAGES = [
    ("我在京东做过两年电话客服", "zh"),
    ("我会先 say sorry，然后安排 refund", "zh"),  # code-switched, still Mandarin
    ("I worked at a call center for three years.", "en"),
    ("I'd say 对不起 and then arrange a refund for the customer.", "en"),
    ("好", None),  # too short to tell
    ("OK", None),
    ("", None),
    ("refund 退款 exchange 换货 repair", None),  # evenly mixed
]


@pytest.mark.parametrize(("text", "expected"), LANGUAGES)
def test_detect_language(text: str, expected: Language | None) -> None:
    assert detect_language(text) == expected


IDENTIFIED = [
    *[(text, expected) for text, expected in LANGUAGES if expected is not None],
    ("Trabajo desde hace tres años en la atención al cliente de una tienda de muebles.", "es"),
    ("J'ai travaillé trois ans au service client d'une boutique de meubles en ligne.", "fr"),
    ("Ich habe drei Jahre im Kundenservice eines Möbelhauses gearbeitet und viel gelernt.", "de"),
    ("Am lucrat trei ani la serviciul clienți al unui magazin online de mobilă.", "ro"),
    ("Maine teen saal ek furniture store ke customer service mein kaam kiya hai.", "hi"),
    ("Ako po ay nagtrabaho ng tatlong taon sa customer service ng isang tindahan.", "tl"),
    ("Я три года работала в службе поддержки мебельного магазина.", "ru"),
    ("家具の通販サイトでカスタマーサービスを三年やりました。", "ja"),
    ("가구 온라인 쇼핑몰에서 삼 년 동안 고객 상담을 했습니다.", "ko"),
    # English with a few words of another language, and English fragments, stay English.
    ("I worked på kundtjänst for an online shop in Malmö for about two years.", "en"),
    ("School hours only, nine till three, weekdays, nothing at the weekend.", "en"),
    ("Phone, chat, email, tickets, refunds, returns, tracking, Shopify, Amazon.", "en"),
]


@pytest.mark.parametrize(("text", "expected"), IDENTIFIED)
def test_identify_language_names_languages_scripts_are_not_written_in(
    text: str, expected: str
) -> None:
    assert identify_language(text) == expected


def test_han_share() -> None:
    assert han_share("你好") == 1.0
    assert han_share("hello there") == 0.0
    assert 0.4 < han_share("我会先 say sorry") < 0.6


# --- the concept matcher on Mandarin (and the same rules in English) ---------------------------

ZH = load_script("cs_home_zh")
EN = load_script("cs_home_en")


def _positive(text: str, question: str, language: Language) -> set[str]:
    script = ZH if language == "zh" else EN
    concepts = script.question(question).concepts
    return positive_concepts(
        find_concepts(normalize_transcript(text, language), concepts, language)
    )


CONCEPTS = [
    # durations: the script's 年 / 个月 synonyms inside numbers
    ("我做了三年客服", "cs_experience", "zh", {"duration"}, set()),
    ("在电话客服做了八个月", "cs_experience", "zh", {"duration", "phone_support"}, set()),
    ("两年半", "cs_experience", "zh", {"duration"}, set()),
    ("一年多", "cs_experience", "zh", {"duration"}, set()),
    ("3年", "cs_experience", "zh", {"duration"}, set()),
    # negation after the word
    ("周末不行，晚上也不行", "availability", "zh", set(), {"weekends", "evenings"}),
    ("周末可以，晚上也行", "availability", "zh", {"weekends", "evenings"}, set()),
    ("周末的话不太方便，早上可以", "availability", "zh", {"mornings"}, {"weekends"}),
    ("Weekends don't work for me, evenings are fine", "availability", "en", {"evenings"},
     {"weekends"}),
    ("Mornings are out but weekends are good", "availability", "en", {"weekends"},
     {"mornings"}),
    # unpunctuated text
    ("没问题我会马上给您退款", "angry_customer", "zh", {"solution"}, set()),
    ("没关系我先道歉然后安排换货", "angry_customer", "zh", {"apologize", "solution"}, set()),
    ("我不会给他退款", "angry_customer", "zh", set(), {"solution"}),
    ("no problem I will refund you right away", "angry_customer", "en", {"solution"}, set()),
    # code-switching
    ("我会先say sorry然后给他refund", "angry_customer", "zh", {"apologize", "solution"}, set()),
    ("先 listen 客户说完，再安排 replacement", "angry_customer", "zh", {"listen", "solution"},
     set()),
    ("weekend 和 evening 都可以", "availability", "zh", {"weekends", "evenings"}, set()),
    # traditional characters (normalised first)
    ("週末不行，晚上也不行", "availability", "zh", set(), {"weekends", "evenings"}),
    ("我會先道歉，然後安排退款", "angry_customer", "zh", {"apologize", "solution"}, set()),
]  # fmt: skip


@pytest.mark.parametrize(("text", "question", "language", "present", "absent"), CONCEPTS)
def test_concepts(
    text: str, question: str, language: Language, present: set[str], absent: set[str]
) -> None:
    found = _positive(text, question, language)
    assert present <= found, found
    assert not absent & found, found


def test_the_public_api_is_unchanged() -> None:
    matches = find_concepts("周末不行", [ConceptSpec("weekends", ["周末"])], "zh-CN")
    assert [(m.concept_id, m.synonym, m.quote, m.negated) for m in matches] == [
        ("weekends", "周末", "周末不行", True)
    ]

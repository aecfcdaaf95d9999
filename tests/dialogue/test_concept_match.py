"""Negation-aware concept matching: positives, negation, ASR slips, spans and quotes (en + zh)."""

from __future__ import annotations

import pytest

from dialogue.concept_match import (
    ConceptMatch,
    ConceptSpec,
    _zh_tokens,
    find_concepts,
    positive_concepts,
)
from dialogue.script import Concept

EN = [
    ConceptSpec("calm", ["stay calm", "remain calm", "patient"]),
    ConceptSpec("temper", ["lose temper"]),
    ConceptSpec("customer", ["customer"]),
    ConceptSpec("listen", ["listen carefully", "active listening"]),
    ConceptSpec("apologise", ["apologize", "say sorry"]),
]
ZH = [
    ConceptSpec("temper", ["发脾气"]),
    ConceptSpec("calm", ["保持冷静", "冷静"]),
    ConceptSpec("customer", ["客户"]),
    ConceptSpec("listen", ["耐心倾听"]),
]


def _positive(text: str, concepts: list[ConceptSpec], language: str) -> set[str]:
    return positive_concepts(find_concepts(text, concepts, language))


def _only(matches: list[ConceptMatch], concept_id: str) -> ConceptMatch:
    (match,) = [m for m in matches if m.concept_id == concept_id]
    return match


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I always stay calm.", {"calm"}),
        ("I STAYED CALM and was patient with every customer.", {"calm", "customer"}),
        # British spelling is one edit from the synonym's "apologize".
        (
            "Customers' complaints: I listen carefully and apologise.",
            {"customer", "listen", "apologise"},
        ),
        ("I remained calm while listening carefully.", {"calm", "listen"}),
        ("Staying calm matters.", {"calm"}),
        ("I lost my temper once.", {"temper"}),  # irregular past tense
        ("I apologized and said sorry.", {"apologise"}),
        ("My calm voice", set()),  # "calm" alone is not "stay calm"
    ],
)
def test_english_positives(text: str, expected: set[str]) -> None:
    assert _positive(text, EN, "en") == expected


@pytest.mark.parametrize(
    ("text", "negated", "positive"),
    [
        ("I never lose my temper.", {"temper"}, set()),
        ("I stay calm and never lose my temper.", {"temper"}, {"calm"}),
        ("I don't lose my temper", {"temper"}, set()),
        ("I dont lose my temper", {"temper"}, set()),  # ASR drops the apostrophe
        ("I didn\u2019t stay calm.", {"calm"}, set()),  # curly apostrophe
        ("I handled it without losing my temper.", {"temper"}, set()),
        ("I can hardly stay calm.", {"calm"}, set()),
        ("I don't panic, I stay calm.", set(), {"calm"}),  # different clause
        ("I don't panic and stay calm.", set(), {"calm"}),  # "and" ends the negation's scope
        ("I was not only patient but also kind.", set(), {"calm"}),  # "not only" is no negation
        ("No matter what, I stay calm.", set(), {"calm"}),
    ],
)
def test_english_negation(text: str, negated: set[str], positive: set[str]) -> None:
    matches = find_concepts(text, EN, "en")
    assert {m.concept_id for m in matches if m.negated} == negated
    assert positive_concepts(matches) == positive


def test_negation_far_away_does_not_count() -> None:
    text = "I did not expect that at first when my very first shift began I would stay calm"
    assert _positive(text, EN, "en") == {"calm"}


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("I help every custommer.", "customer"),  # insertion
        ("I help every cutsomer.", "customer"),  # transposition
        ("I help every custumer.", "customer"),  # substitution
        ("I listen carefuly.", "listen"),  # deletion
        ("I try to stay calm and pateint.", "calm"),
    ],
)
def test_asr_typo_tolerance(text: str, concept: str) -> None:
    assert concept in _positive(text, EN, "en")


def test_short_words_need_exact_match() -> None:
    # One edit away but under five letters: "palm" must not match "calm".
    assert _positive("I stay palm.", EN, "en") == set()
    assert _positive("I stay calmer.", EN, "en") == set()


def test_spans_and_quotes_point_into_the_original_text() -> None:
    text = "Well, honestly?  I STAY CALM and never lose my temper; customers notice."
    matches = find_concepts(text, EN, "en")
    calm = _only(matches, "calm")
    assert text[slice(*calm.span)] == "STAY CALM"
    assert calm.quote == "I STAY CALM and never lose my temper"
    assert calm.synonym == "stay calm" and not calm.negated
    temper = _only(matches, "temper")
    assert text[slice(*temper.span)] == "lose my temper"
    assert temper.negated and temper.quote == calm.quote
    customer = _only(matches, "customer")
    assert text[slice(*customer.span)] == "customers"
    assert customer.quote == "customers notice"
    assert [m.span for m in matches] == sorted(m.span for m in matches)


def test_each_mention_reported_once_longest_synonym_wins() -> None:
    concepts = [ConceptSpec("calm", ["calm", "stay calm"])]
    matches = find_concepts("I stay calm. Later I was calm again.", concepts, "en")
    assert [(m.synonym, m.span) for m in matches] == [("stay calm", (2, 11)), ("calm", (25, 29))]


def test_mixed_polarity_counts_as_positive() -> None:
    matches = find_concepts("I never lose my temper. Well, I lose my temper sometimes.", EN, "en")
    assert [m.negated for m in matches] == [True, False]
    assert positive_concepts(matches) == {"temper"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我会保持冷静，耐心倾听客户的问题。", {"calm", "listen", "customer"}),
        ("我不仅保持冷静，还耐心地倾听客户。", {"calm", "listen", "customer"}),  # 不仅 / 地 gap
        ("遇到问题我很冷静。", {"calm"}),
        ("客户端很好用。", set()),  # 客户 inside the word 客户端 is not a mention
        ("我没有保持冷静，发脾气了。", {"temper"}),
    ],
)
def test_mandarin_positives(text: str, expected: set[str]) -> None:
    assert _positive(text, ZH, "zh") == expected


@pytest.mark.parametrize(
    ("text", "negated", "positive"),
    [
        ("我从来不发脾气。", {"temper"}, set()),
        ("我不发脾气", {"temper"}, set()),
        # The object inside a negated clause is negated with it (no parser, by design).
        ("我从没发过脾气，也没有对客户发脾气。", {"temper", "customer"}, set()),
        ("我会保持冷静，从来不发脾气。", {"temper"}, {"calm"}),
        ("我从来都不会发脾气而是保持冷静", {"temper"}, {"calm"}),  # 而是 ends the scope
        ("别发脾气", {"temper"}, set()),
        ("我未曾发脾气", {"temper"}, set()),
    ],
)
def test_mandarin_negation(text: str, negated: set[str], positive: set[str]) -> None:
    matches = find_concepts(text, ZH, "zh-CN")
    assert {m.concept_id for m in matches if m.negated} == negated
    assert positive_concepts(matches) == positive


def test_mandarin_spans_and_quotes() -> None:
    text = "嗯，我会保持冷静，从来不发脾气。"
    matches = find_concepts(text, ZH, "zh")
    calm = _only(matches, "calm")
    assert text[slice(*calm.span)] == "保持冷静" and calm.quote == "我会保持冷静"
    temper = _only(matches, "temper")
    assert text[slice(*temper.span)] == "发脾气" and temper.quote == "从来不发脾气"
    assert temper.negated


def test_synonyms_are_added_to_the_segmenter() -> None:
    # Not in jieba's dictionary: without the user word this would segment as 情绪/管理/能力 etc.
    concepts = [ConceptSpec("emotion", ["情绪管理能力"])]
    matches = find_concepts("我的情绪管理能力很强。", concepts, "zh")
    assert [(m.synonym, m.span) for m in matches] == [("情绪管理能力", (2, 8))]
    # White-box: the matcher's own segmentation now keeps the synonym whole.
    assert "情绪管理能力" in [t.word for t in _zh_tokens("我的情绪管理能力很强。")]
    # Our user words do not leak into the engine's shared segmenter (its word counts stay put).
    from dialogue.text import zh_tokens

    assert "情绪管理能力" not in zh_tokens("我的情绪管理能力很强。")


def test_accepts_script_concepts_with_label() -> None:
    concepts = [Concept(id="calm", label="keep calm", synonyms=["composed"])]
    assert positive_concepts(find_concepts("I keep calm and stay composed.", concepts, "en")) == {
        "calm"
    }
    assert [m.synonym for m in find_concepts("I kept calm.", concepts, "en")] == ["keep calm"]


def test_empty_inputs_and_bad_language() -> None:
    assert find_concepts("", EN, "en") == []
    assert find_concepts("I stay calm", [], "en") == []
    assert find_concepts("I stay calm", [ConceptSpec("x", ["", "  "])], "en") == []
    with pytest.raises(ValueError):
        find_concepts("bonjour", EN, "fr")

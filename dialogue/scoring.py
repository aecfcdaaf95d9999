"""Deterministic, explainable interview scoring (DESIGN.md decisions 7 and 8).

:func:`score_interview` turns a script and the candidate's answers into a :class:`ScoreCard`. It is
pure: the same script, answers and settings always give the same card, and nothing here touches
audio, models or the clock.

Each of the script's dimensions is scored 0-100 from three components, over the questions that
list the dimension:

- **coverage** (weight 0.60): expected points mentioned. Every concept of every measuring question
  is one point, counted only for a positive (non-negated) match of the negation-aware matcher; a
  yes/no question is one point for a clear "yes"; an open question without concepts is one point
  for an answer of at least half the expected length. Unanswered questions contribute their points
  as missing.
- **substance** (weight 0.25): per question, ``min(1, words / expected words) * relevance``,
  where relevance is 1 when a concept was mentioned, otherwise it grows with the words the answer
  shares with the question's own wording (an off-topic monologue is long but not substantive).
- **delivery** (weight 0.15, capped at :data:`MAX_DELIVERY_WEIGHT`): speech rate, pause ratio,
  filler rate and response latency, each compared with a per-language reference range. A value
  inside the range scores 1; outside, the score falls linearly to 0 at one range-width away.

Pitch (F0) and loudness are *not* scored, only reported as metrics: they differ with sex, age, voice
and phone line, not with how well someone can do the job, and scoring them would penalise a voice.
That exclusion, together with the bounded delivery weight, is the fairness guard the tests check:
the same answers in a voice shifted by ±4 semitones or over an 8 kHz phone line move the total by
at most a few points. Delivery metrics are reported as metrics, never as inferred emotions.

When no delivery metric is measurable (a text-only interview) the delivery weight is left out and
the other two components are renormalised, so a typed interview is scored on content alone rather
than being handed (or denied) the delivery share.

The total is the weight-averaged dimension score; the script's tiers map it to
``strong_recommend`` / ``pending`` / ``reject``. That is a *recommendation*: a rejection is final
only when the deployment explicitly allows automatic rejection (``auto_reject=True``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dialogue.concept_match import ConceptMatch, find_concepts
from dialogue.intents import Intent, yes_no
from dialogue.script import Question, Script
from dialogue.text import Language, en_words, word_count, zh_tokens

__all__ = [
    "DELIVERY_METRICS",
    "MAX_DELIVERY_WEIGHT",
    "SCORER_VERSION",
    "UNSCORED_METRICS",
    "AnswerInput",
    "ComponentWeights",
    "DimensionScore",
    "MetricEvidence",
    "ReferenceRange",
    "ScoreCard",
    "reference_ranges",
    "score_interview",
]

#: Bump when any rule or constant here changes: reports record which scorer produced them.
SCORER_VERSION = "1.0.0"
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
#: Expected answer length in words (jieba words for Mandarin) when no follow-up sets ``min_words``.
DEFAULT_EXPECTED_WORDS: dict[str, int] = {"en": 25, "zh": 15}


@dataclass(frozen=True)
class AnswerInput:
    """One candidate answer to score.

    Several inputs may share a ``question_id`` (an answer and its follow-up answer): their texts
    are joined and their delivery metrics averaged.

    Attributes:
        question_id: the script question answered.
        text: the transcript.
        features: per-turn delivery metrics (``DeliveryFeatures.to_dict()`` keys); only the keys
            in :data:`DELIVERY_METRICS` are read, ``None`` means not measurable.
        language: "en" or "zh" (empty: the script's); it must match the script's language.
    """

    question_id: str
    text: str
    features: Mapping[str, float | None] = field(default_factory=dict)
    language: str = ""


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
    """Shares of coverage, substance and delivery in each dimension score (sum 1)."""

    coverage: float = 0.60
    substance: float = 0.25
    delivery: float = 0.15

    def __post_init__(self) -> None:
        if not 0 <= self.delivery <= MAX_DELIVERY_WEIGHT:
            raise ValueError(f"delivery weight must be within 0..{MAX_DELIVERY_WEIGHT}")
        if min(self.coverage, self.substance) < 0:
            raise ValueError("component weights must not be negative")
        if abs(self.coverage + self.substance + self.delivery - 1.0) > 1e-9:
            raise ValueError("component weights must sum to 1")

    def to_dict(self) -> dict[str, float]:
        """JSON-ready dict."""
        return {"coverage": self.coverage, "substance": self.substance, "delivery": self.delivery}


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
class DimensionScore:
    """One dimension's score with everything needed to explain it."""

    id: str
    label: str
    weight: float
    score: float
    coverage: float
    substance: float
    delivery: float | None
    points_total: int
    matched: list[dict[str, str]]
    missing: list[dict[str, str]]
    quotes: list[dict[str, str]]
    negated: list[dict[str, str]]
    answers: list[dict[str, Any]]
    metrics: list[MetricEvidence]
    questions: list[str]
    rationale: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the report's ``scores.dimensions[]``)."""
        return {
            "id": self.id,
            "label": self.label,
            "weight": self.weight,
            "score": self.score,
            "components": {
                "coverage": round(self.coverage, 3),
                "substance": round(self.substance, 3),
                "delivery": None if self.delivery is None else round(self.delivery, 3),
            },
            "questions": self.questions,
            "evidence": {
                "points_total": self.points_total,
                "matched_concepts": self.matched,
                "missing_concepts": self.missing,
                "quotes": self.quotes,
                "negated_mentions": self.negated,
                "answers": self.answers,
                "metrics": [m.to_dict() for m in self.metrics],
            },
            "rationale": self.rationale,
        }


@dataclass(frozen=True)
class ScoreCard:
    """The scored interview: per-dimension scores with evidence, total, recommendation tier."""

    script_id: str
    script_version: str
    script_hash: str
    language: str
    total: float
    tier: str
    auto_reject_final: bool
    thresholds: dict[str, float]
    weights: ComponentWeights
    dimensions: list[DimensionScore]
    unanswered: list[str]

    @property
    def recommendation(self) -> str:
        """The tier, as a recommendation to a human reviewer."""
        return self.tier

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
            "unanswered": self.unanswered,
        }


# --- per-question analysis -----------------------------------------------------------------------

# Function words that say nothing about whether an answer is on topic.
_EN_STOP_WORDS = (
    "about after also and been before could each from have here into just like more most much "
    "only other over really some such than that them then there these they this those very were "
    "what when where which while will with would your yours please tell"
)
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
_ZH_STOP_WORDS = "我们 你们 他们 这个 那个 就是 然后 可以 一个 什么 怎么 比如 请问 您的"
_ZH_STOP = frozenset(_ZH_STOP_WORDS.split())


def _content_words(text: str, language: Language) -> set[str]:
    if language == "en":
        return {w.rstrip("s") for w in en_words(text) if len(w) >= 4 and w not in _EN_STOP}
    return {w for w in zh_tokens(text) if len(w) >= 2 and w not in _ZH_STOP}


def _expected_words(question: Question, language: Language) -> int:
    if question.type == "yes_no":
        return 1
    minimums = [f.min_words for f in question.follow_ups if f.min_words is not None]
    return max(minimums) if minimums else DEFAULT_EXPECTED_WORDS[language]


@dataclass(frozen=True)
class _QuestionResult:
    question: Question
    answered: bool
    matches: list[ConceptMatch]
    positive: set[str]
    words: int
    expected: int
    relevance: float
    points_total: int
    points_hit: int
    features: list[Mapping[str, float | None]]

    @property
    def substance(self) -> float:
        return min(1.0, self.words / self.expected) * self.relevance


def _analyse(question: Question, inputs: list[AnswerInput], language: Language) -> _QuestionResult:
    text = " ".join(a.text.strip() for a in inputs if a.text.strip())
    answered = bool(text)
    words = word_count(text, language) if answered else 0
    expected = _expected_words(question, language)
    matches = find_concepts(text, question.concepts, language) if answered else []
    positive = {m.concept_id for m in matches if not m.negated}
    if question.type == "yes_no":
        points_total, points_hit = 1, int(answered and yes_no(text, language) == Intent.YES)
        relevance = 1.0 if answered and yes_no(text, language) is not None else 0.5
    else:
        if question.concepts:
            points_total, points_hit = len(question.concepts), len(positive)
        else:
            points_total, points_hit = 1, int(words * 2 >= expected)
        topic = _content_words(" ".join([question.prompt, question.clarify or ""]), language)
        shared = len(topic & _content_words(text, language))
        # A mentioned concept proves relevance; otherwise shared wording is weaker evidence.
        relevance = 1.0 if positive else min(1.0, 0.25 + 0.25 * shared)
    return _QuestionResult(
        question=question,
        answered=answered,
        matches=matches,
        positive=positive,
        words=words,
        expected=expected,
        relevance=relevance if answered else 0.0,
        points_total=points_total,
        points_hit=points_hit,
        features=[a.features for a in inputs],
    )


def _metric_evidence(results: Iterable[_QuestionResult], language: str) -> list[MetricEvidence]:
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


def _rationale(
    hit: int, total: int, substance: float, metrics: list[MetricEvidence], unanswered: int
) -> str:
    parts = [f"Covered {hit} of {total} expected points"]
    if unanswered:
        parts.append(f"{unanswered} question{'s' if unanswered > 1 else ''} unanswered")
    parts.append(f"answer substance {round(100 * substance)}%")
    decimals = {m.key: m.decimals for m in DELIVERY_METRICS}
    parts.extend(m.describe(decimals[m.metric]) for m in metrics)
    if not metrics:
        parts.append("no delivery metrics measured")
    return "; ".join(parts)


def _concept_label(question: Question, concept_id: str) -> str:
    concept = next(c for c in question.concepts if c.id == concept_id)
    return concept.label or concept.id


def _score_dimension(
    dimension_id: str,
    label: str,
    weight: float,
    results: list[_QuestionResult],
    weights: ComponentWeights,
    language: str,
) -> DimensionScore:
    points_total = sum(r.points_total for r in results)
    points_hit = sum(r.points_hit for r in results)
    coverage = points_hit / points_total if points_total else 0.0
    substance = sum(r.substance for r in results) / len(results) if results else 0.0
    metrics = _metric_evidence((r for r in results if r.answered), language)
    delivery = sum(m.score for m in metrics) / len(metrics) if metrics else None

    parts = [(weights.coverage, coverage), (weights.substance, substance)]
    if delivery is not None:
        parts.append((weights.delivery, delivery))
    share = sum(w for w, _ in parts)
    score = round(100.0 * sum(w * v for w, v in parts) / share, 1) if share else 0.0

    matched: list[dict[str, str]] = []
    missing: list[dict[str, str]] = []
    quotes: list[dict[str, str]] = []
    negated: list[dict[str, str]] = []
    answers: list[dict[str, Any]] = []
    for r in results:
        qid = r.question.id
        for concept in r.question.concepts:
            entry = {"question_id": qid, "concept_id": concept.id, "label": concept.label or ""}
            (matched if concept.id in r.positive else missing).append(entry)
        if r.question.type == "yes_no":
            entry = {"question_id": qid, "concept_id": "yes", "label": "yes to the question"}
            (matched if r.points_hit else missing).append(entry)
        seen: set[str] = set()
        for m in r.matches:
            item = {
                "question_id": qid,
                "concept_id": m.concept_id,
                "label": _concept_label(r.question, m.concept_id),
                "quote": m.quote,
            }
            if m.negated:
                negated.append(item)
            elif m.concept_id not in seen:
                seen.add(m.concept_id)  # one quote per concept is enough evidence
                quotes.append(item)
        answers.append(
            {
                "question_id": qid,
                "answered": r.answered,
                "words": r.words,
                "expected_words": r.expected,
                "relevance": round(r.relevance, 3),
                "substance": round(r.substance, 3),
            }
        )
    unanswered = sum(not r.answered for r in results)
    return DimensionScore(
        id=dimension_id,
        label=label,
        weight=weight,
        score=score,
        coverage=coverage,
        substance=substance,
        delivery=delivery,
        points_total=points_total,
        matched=matched,
        missing=missing,
        quotes=quotes,
        negated=negated,
        answers=answers,
        metrics=metrics,
        questions=[r.question.id for r in results],
        rationale=_rationale(points_hit, points_total, substance, metrics, unanswered),
    )


def score_interview(
    script: Script,
    answers: Sequence[AnswerInput],
    *,
    weights: ComponentWeights | None = None,
    auto_reject: bool = False,
) -> ScoreCard:
    """Score an interview.

    Args:
        script: the script the interview ran (its dimensions, weights and tiers are used).
        answers: the candidate's answers; questions without one are scored as unanswered.
        weights: component shares within a dimension (default 0.60 / 0.25 / 0.15).
        auto_reject: the deployment allows automatic rejection; only then is a ``reject`` tier
            final (``auto_reject_final``), otherwise every recommendation awaits human review.
    """
    weights = weights or ComponentWeights()
    language: Language = script.language
    by_question: dict[str, list[AnswerInput]] = {}
    for answer in answers:
        if answer.language and answer.language.lower()[:2] != language:
            raise ValueError(f"answer language {answer.language!r} != script's {language!r}")
        by_question.setdefault(answer.question_id, []).append(answer)
    results = {
        q.id: _analyse(q, by_question.get(q.id, []), language)
        for q in script.questions
        if q.dimensions
    }
    dimensions = []
    for dim in script.dimensions:
        measuring = [results[q.id] for q in script.questions if dim.id in q.dimensions]
        label = getattr(dim.label, language) or dim.label.en or dim.label.zh or dim.id
        dimensions.append(_score_dimension(dim.id, label, dim.weight, measuring, weights, language))
    weight_sum = sum(d.weight for d in dimensions)
    total = sum(d.weight * d.score for d in dimensions) / weight_sum if weight_sum else 0.0
    total = round(total, 1)
    tier = script.tiers.tier_for(total)
    return ScoreCard(
        script_id=script.id,
        script_version=script.version,
        script_hash=script.content_hash,
        language=language,
        total=total,
        tier=tier,
        auto_reject_final=auto_reject and tier == "reject",
        thresholds={
            "strong_recommend": script.tiers.strong_recommend,
            "pending": script.tiers.pending,
        },
        weights=weights,
        dimensions=dimensions,
        unanswered=[qid for qid, r in results.items() if not r.answered],
    )

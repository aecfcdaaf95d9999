"""Negation-aware concept matching with evidence spans, for explainable scoring.

The richer sibling of :mod:`dialogue.concepts`: every hit comes back as a :class:`ConceptMatch`
with the synonym that matched, its character span in the original text, the clause to quote in the
report, and whether it was negated ("I never lose my temper" mentions "lose temper", but not as
something the candidate does).

English: tokens are lower-cased and lightly stemmed (plurals, -ing/-ed, -ly, silent e), multi-word
synonyms may have up to two words between their parts ("lose *my* temper"), and tokens of five or
more letters tolerate one ASR slip (insertion, deletion, substitution or transposition).

Mandarin: jieba segments the text, with every synonym added to the dictionary so it stays one
word; a synonym matches only on word boundaries (so 客户 does not match inside 客户端), or as its
parts with at most one word between them (耐心地倾听 for 耐心倾听).

Negation: a negator before the match in the same clause, at most six words back and with no
clause-joining conjunction ("but", "and", 但是, 而是 ...) in between, marks the match negated.
Clauses are split on ``，。！？；,.!?;`` (and ``:`` / newlines).
"""

from __future__ import annotations

import re
import threading
from collections import ChainMap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from dialogue.lang import en, zh

__all__ = [
    "ConceptLike",
    "ConceptMatch",
    "ConceptSpec",
    "en_stem",
    "find_concepts",
    "positive_concepts",
]


class ConceptLike(Protocol):
    """Anything with an ``id`` and ``synonyms`` (e.g. :class:`dialogue.script.Concept`).

    An optional non-empty ``label`` attribute is matched as one more synonym.
    """

    @property
    def id(self) -> str: ...

    @property
    def synonyms(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class ConceptSpec:
    """A concept to look for: its id and the phrases that express it."""

    id: str
    synonyms: Sequence[str]


@dataclass(frozen=True)
class ConceptMatch:
    """One occurrence of a concept in the text.

    Attributes:
        concept_id: the concept's id.
        synonym: the synonym (as written in the concept) that matched.
        span: ``(start, end)`` character offsets of the matched words in the original text.
        quote: the clause around the match, from the original text, for the report.
        negated: the clause negates the match; it must not count as evidence for the concept.
    """

    concept_id: str
    synonym: str
    span: tuple[int, int]
    quote: str
    negated: bool


@dataclass(frozen=True)
class _Token:
    word: str  # lower-case surface form without apostrophes, for function-word lists
    norm: str  # stemmed form used for matching synonyms
    start: int
    end: int
    clause: int  # index of the punctuation-delimited clause


_CLAUSE_PUNCT = re.compile(r"[,.!?;:，。！？；：\n]")
_EN_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_WORD_CHAR = re.compile(r"\w")
_MAX_GAP = {"en": 2, "zh": 1}  # words allowed between the parts of a multi-word synonym
_NEGATION_WINDOW = 6  # words between a negator and the match it negates
_FUZZY_MIN_LEN = 5


_EN_NEGATORS = en.NEGATORS
_EN_NOT_NEGATING_NEXT = en.NOT_NEGATING_NEXT
_EN_SCOPE_END = en.SCOPE_END
_ZH_NEGATORS = zh.NEGATORS
_ZH_NOT_NEGATING = zh.NOT_NEGATING
_ZH_NEGATION_CHARS = zh.NEGATION_CHARS
_ZH_SCOPE_END = zh.SCOPE_END
_POST_NEGATION_WINDOW = 3  # words between a match and a negation that follows it


# --- English normalisation ---------------------------------------------------------------------


def _undouble(word: str) -> str:
    """stopp -> stop, but keep -ll/-ss/-zz (call, pass, buzz)."""
    if len(word) >= 3 and word[-1] == word[-2] and word[-1] not in "aeioulsz":
        return word[:-1]
    return word


# Irregular past forms common in interview answers ("I lost my temper", "I kept calm").
_IRREGULAR = en.IRREGULAR_FORMS


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    """A deliberately small stemmer: both the text and the synonyms go through it, so it only has
    to conflate inflections consistently (customers/customer, handling/handled/handle, lost/lose).
    """
    w = word[:-2] if word.endswith("'s") else word.replace("'", "")
    w = _IRREGULAR.get(w, w)
    if len(w) >= 7 and w.endswith(("ings", "eds")):
        w = w[:-1]  # evenings -> evening -> even, as the singular stems
    if len(w) > 4 and w.endswith(("ies", "ied")):
        w = w[:-3] + "y"
    elif len(w) >= 6 and w.endswith("ing"):
        w = _undouble(w[:-3])
    elif len(w) >= 5 and w.endswith("ed"):
        w = _undouble(w[:-2])
    elif len(w) >= 6 and w.endswith("ly"):
        w = w[:-2]
    elif len(w) >= 4 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) >= 4 and w.endswith("e"):
        w = w[:-1]
    return w


def en_stem(word: str) -> str:
    """The matcher's stem of an English word (lower case): "dropping" and "drops" -> "drop"."""
    return _stem(word.lower())


def _normalise_en(text: str) -> str:
    # Same length as the input, so regex offsets are offsets into the original text.
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one insertion, deletion, substitution or swap)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
        return a[i + 1 :] == b[i + 1 :] or (swapped and a[i + 2 :] == b[i + 2 :])
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1 :] == shorter[i:]


def _en_token_matches(text_norm: str, synonym_norm: str) -> bool:
    if text_norm == synonym_norm:
        return True
    return min(len(text_norm), len(synonym_norm)) >= _FUZZY_MIN_LEN and _within_one_edit(
        text_norm, synonym_norm
    )


def _clause_ids(text: str) -> list[int]:
    """Clause index of every character of ``text``."""
    ids, clause = [], 0
    for ch in text:
        ids.append(clause)
        if _CLAUSE_PUNCT.match(ch):
            clause += 1
    return ids


def _en_tokens(text: str) -> list[_Token]:
    clause_of = _clause_ids(text)
    return [
        _Token(
            m.group().replace("'", ""), _stem(m.group()), m.start(), m.end(), clause_of[m.start()]
        )
        for m in _EN_TOKEN.finditer(_normalise_en(text))
    ]


@lru_cache(maxsize=4096)
def _en_patterns(synonym: str) -> tuple[tuple[str, ...], ...]:
    return (tuple(_stem(w) for w in _EN_TOKEN.findall(_normalise_en(synonym))),)


def _en_is_negator(tokens: Sequence[_Token], i: int) -> bool:
    if tokens[i].word not in _EN_NEGATORS:
        return False
    nxt = tokens[i + 1].word if i + 1 < len(tokens) else ""
    return nxt not in _EN_NOT_NEGATING_NEXT


# --- Mandarin segmentation -----------------------------------------------------------------------

_jieba_lock = threading.Lock()
_jieba_state: dict[str, Any] = {}


def _zh_tokenizer() -> Any:
    """A jieba tokenizer whose user words live in a private overlay.

    The ~60 MB base dictionary is the one :mod:`dialogue.text` already loads (once per process);
    synonyms are added to a ChainMap layer on top, so they change segmentation here without
    changing word counts elsewhere.
    """
    with _jieba_lock:
        if "tokenizer" not in _jieba_state:
            import jieba

            from dialogue.text import jieba_tokenizer

            base = jieba_tokenizer()
            tokenizer = jieba.Tokenizer()
            tokenizer.FREQ = ChainMap({}, base.FREQ)
            tokenizer.total = base.total
            tokenizer.initialized = True
            _jieba_state["tokenizer"] = tokenizer
        return _jieba_state["tokenizer"]


@lru_cache(maxsize=4096)
def _zh_patterns(synonym: str) -> tuple[tuple[str, ...], ...]:
    """Token patterns for a Mandarin synonym: the whole word, and its parts (for gaps)."""
    word = re.sub(r"\s+", "", synonym)
    if not word:
        return ()
    tokenizer = _zh_tokenizer()
    with _jieba_lock:
        parts = tuple(p for p in tokenizer.lcut(word, HMM=False) if p.strip())
        tokenizer.add_word(word)  # jieba suggests a frequency high enough to keep it whole
    return ((word,), parts) if len(parts) > 1 else ((word,),)


def _zh_norm(token: str) -> str:
    if not token.isascii():
        return token
    stem = _stem(token.lower())
    # Code-switching: "我会 say sorry 然后 refund" means 抱歉 ... 退款 to a Mandarin script.
    return _english_loans().get(stem, stem)


@lru_cache(maxsize=1)
def _english_loans() -> dict[str, str]:
    return {_stem(word): zh_word for word, zh_word in zh.ENGLISH_LOANS.items()}


_ZH_NUMERAL = "[" + "".join(zh.DIGITS) + "".join(zh.MULTIPLIERS) + r"\d]+"
_ZH_UNIT = "|".join(sorted(map(re.escape, zh.UNITS), key=len, reverse=True))
_ZH_QUANTITY_TOKEN = re.compile(rf"({_ZH_NUMERAL})(多)?({_ZH_UNIT})(半|多)?")


def _zh_tokens(text: str) -> list[_Token]:
    clause_of = _clause_ids(text)
    tokenizer = _zh_tokenizer()
    with _jieba_lock:
        pieces = [(w, a, b) for w, a, b in tokenizer.tokenize(text)]
    # jieba cuts 三年 / 八个月 in ways that hide the unit (三年, 八个+月): number and unit become
    # tokens of their own so a synonym 年 or 个月 matches.
    for m in reversed(list(_ZH_QUANTITY_TOKEN.finditer(text))):
        parts = [(m.group(g), *m.span(g)) for g in range(1, 5) if m.group(g)]
        a, b = m.span()
        pieces = [p for p in pieces if p[2] <= a] + parts + [p for p in pieces if p[1] >= b]
    return [
        _Token(word.lower(), _zh_norm(word), start, end, clause_of[start])
        for word, start, end in pieces
        if _WORD_CHAR.search(word)
    ]


def _zh_is_negator(tokens: Sequence[_Token], i: int) -> bool:
    word = tokens[i].word
    nxt = tokens[i + 1].word if i + 1 < len(tokens) else ""
    if word + nxt in _ZH_NOT_NEGATING:
        return False  # 没 + 问题: "no problem", not a negation of what follows
    if word in _ZH_NEGATORS:
        return True
    # jieba glues 不/没 to the next character (不发, 没发); count those, minus known non-negators.
    return word[0] in _ZH_NEGATION_CHARS and len(word) <= 3 and word not in _ZH_NOT_NEGATING


# --- matching ------------------------------------------------------------------------------------


def _match_at(
    tokens: Sequence[_Token], start: int, pattern: Sequence[str], max_gap: int, fuzzy: bool
) -> int | None:
    """Index of the last token if ``pattern`` matches from ``tokens[start]``, else None."""
    i = start
    for k, part in enumerate(pattern):
        limit = i if k == 0 else min(len(tokens) - 1, i + max_gap)
        found = None
        for j in range(i, limit + 1):
            if tokens[j].clause != tokens[start].clause:
                break
            norm = tokens[j].norm
            if norm == part or (fuzzy and _en_token_matches(norm, part)):
                found = j
                break
        if found is None:
            return None
        i = found + 1
    return i - 1


def _negated(tokens: Sequence[_Token], first: int, last: int, language: str) -> bool:
    """Whether a negator governs the match ``tokens[first..last]``, before it or after it."""
    is_negator = _en_is_negator if language == "en" else _zh_is_negator
    scope_end = _EN_SCOPE_END if language == "en" else _ZH_SCOPE_END
    # A negator inside a gapped match ("lose never my temper") also counts.
    if any(is_negator(tokens, j) for j in range(first + 1, last)):
        return True
    if _post_negated(tokens, last, language):
        return True
    for j in range(first - 1, max(-1, first - 1 - _NEGATION_WINDOW - 1), -1):
        if tokens[j].clause != tokens[first].clause or tokens[j].word in scope_end:
            return False
        if is_negator(tokens, j):
            return True
    return False


def _post_negated(tokens: Sequence[_Token], last: int, language: str) -> bool:
    """A negation right after the match: 周末不行, 晚上也不行, "weekends don't work for me"."""
    clause = tokens[last].clause
    window = tokens[last + 1 : last + 1 + _POST_NEGATION_WINDOW + 2]
    after = [t for t in window if t.clause == clause]
    if language == "en":
        words = [t.word for t in after]
        for phrase in en.POST_NEGATORS:
            for offset in range(0, _POST_NEGATION_WINDOW):
                if tuple(words[offset : offset + len(phrase)]) == phrase:
                    return all(w not in _EN_SCOPE_END for w in words[:offset])
        return False
    for k, token in enumerate(after[: _POST_NEGATION_WINDOW + 1]):
        if token.word in zh.POST_NEGATORS or (
            k + 1 < len(after) and token.word + after[k + 1].word in zh.POST_NEGATORS
        ):
            return True
        if token.word not in zh.POST_NEGATION_GAP:
            return False
    return False


def _quote(text: str, position: int) -> str:
    """The punctuation-delimited clause of ``text`` that contains ``position``."""
    bounds = [m.start() for m in _CLAUSE_PUNCT.finditer(text)]
    start = max((b + 1 for b in bounds if b < position), default=0)
    end = min((b for b in bounds if b >= position), default=len(text))
    return text[start:end].strip()


def _terms(concept: ConceptLike) -> list[str]:
    label = getattr(concept, "label", None)
    terms = [*concept.synonyms, *([label] if isinstance(label, str) else [])]
    return [t for t in dict.fromkeys(terms) if t.strip()]


def find_concepts(text: str, concepts: Sequence[ConceptLike], language: str) -> list[ConceptMatch]:
    """All mentions of ``concepts`` in ``text``, in text order, each with its evidence.

    Overlapping hits of one concept (two synonyms matching the same words) are reported once, the
    longest winning. Negated hits are included with ``negated=True``; use
    :func:`positive_concepts` for the set that counts.

    Args:
        text: the answer transcript.
        concepts: the question's concepts (:class:`ConceptSpec` or anything :class:`ConceptLike`).
        language: "en" or "zh" (a region suffix such as "zh-CN" is accepted).
    """
    lang = language.lower()[:2]
    if lang not in _MAX_GAP:
        raise ValueError(f"unsupported language {language!r}; expected 'en' or 'zh'")
    patterns_of = _en_patterns if lang == "en" else _zh_patterns
    # Patterns first: for Mandarin this registers the synonyms with jieba before segmenting.
    patterns = [[(syn, patterns_of(syn)) for syn in _terms(concept)] for concept in concepts]
    tokens = _en_tokens(text) if lang == "en" else _zh_tokens(text)
    found: list[ConceptMatch] = []
    for concept, concept_patterns in zip(concepts, patterns, strict=True):
        hits: list[tuple[int, int, str]] = []
        for synonym, synonym_patterns in concept_patterns:
            for pattern in synonym_patterns:
                if not pattern:
                    continue
                gap = _MAX_GAP[lang] if len(pattern) > 1 else 0
                for first in range(len(tokens)):
                    last = _match_at(tokens, first, pattern, gap, fuzzy=lang == "en")
                    if last is not None:
                        hits.append((first, last, synonym))
        kept: list[tuple[int, int, str]] = []
        # Longest first, then earliest: a hit overlapping a kept one is the same mention.
        for first, last, synonym in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):
            if all(last < f or first > la for f, la, _ in kept):
                kept.append((first, last, synonym))
        for first, last, synonym in kept:
            span = (tokens[first].start, tokens[last].end)
            found.append(
                ConceptMatch(
                    concept_id=concept.id,
                    synonym=synonym,
                    span=span,
                    quote=_quote(text, span[0]),
                    negated=_negated(tokens, first, last, lang),
                )
            )
    return sorted(found, key=lambda m: (m.span, m.concept_id))


def positive_concepts(matches: Sequence[ConceptMatch]) -> set[str]:
    """Ids of concepts with at least one non-negated match."""
    return {m.concept_id for m in matches if not m.negated}

"""Which of a question's concepts an answer mentions.

Deliberately simple synonym matching behind one function, :func:`match_concepts`, so a richer
(negation-aware) matcher can replace this module without touching the engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from dialogue.script import Concept
from dialogue.text import Language, normalize, strip_punctuation


@lru_cache(maxsize=4096)
def _en_pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in normalize(term).split()]
    # Tolerate simple inflection of the last word: call/calls/called/calling.
    return re.compile(r"\b" + r"\s+".join(words) + r"(?:s|es|d|ed|ing)?\b")


def _terms(concept: Concept) -> list[str]:
    terms = [*concept.synonyms]
    if concept.label:
        terms.append(concept.label)
    return [t for t in terms if t.strip()]


def match_concepts(text: str, concepts: Sequence[Concept], language: Language) -> list[str]:
    """Ids of ``concepts`` mentioned in ``text`` (any synonym or the label), in script order."""
    flat = strip_punctuation(text)
    if language == "zh":
        # Mandarin synonyms are multi-character words; substring search is reliable enough.
        compact = flat.replace(" ", "")
        return [
            c.id
            for c in concepts
            if any(normalize(t).replace(" ", "") in compact for t in _terms(c))
        ]
    return [c.id for c in concepts if any(_en_pattern(t).search(flat) for t in _terms(c))]

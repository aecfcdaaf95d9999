"""Which of a question's concepts an answer mentions, for the engine's follow-up decisions.

One matcher serves the engine and the scorer: this is :mod:`dialogue.concept_match` (negation
aware, tolerant of small ASR slips) reduced to the positive mentions, in script order.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.concept_match import find_concepts, positive_concepts
from dialogue.script import Concept
from dialogue.text import Language


def match_concepts(text: str, concepts: Sequence[Concept], language: Language) -> list[str]:
    """Ids of ``concepts`` mentioned positively in ``text`` ("never lose my temper" does not
    mention "lose temper"), in script order."""
    found = positive_concepts(find_concepts(text, concepts, language))
    return [c.id for c in concepts if c.id in found]

"""Language data, one module per language: :mod:`dialogue.lang.en` and :mod:`dialogue.lang.zh`.

Word lists that several parts of ``dialogue/`` read live here, so each language has one home and
the intent classifier, the concept matcher, turn-taking and the scorer agree on them: the request
phrase tables (``INTENT_RULES``, fillers, question cues), yes/no words and hedges, wanted and
unwanted things (``GOOD_TERMS`` / ``BAD_TERMS``), negators and words that only look like them,
negation after the word, markers of a described rather than a made request (``NARRATIVE``),
numbers and units, backchannels and the words an unfinished sentence ends on. The interviewer's
own lines are in :mod:`dialogue.phrases`. Both modules expose the same names where both
languages need them.
"""

from __future__ import annotations

from types import ModuleType

from dialogue.lang import en, zh

__all__ = ["en", "for_language", "zh"]


def for_language(language: str) -> ModuleType:
    """The data module of ``language`` ("en", "zh"; a region suffix such as "zh-CN" is fine)."""
    code = language.lower()[:2]
    if code == "en":
        return en
    if code == "zh":
        return zh
    raise ValueError(f"unsupported language {language!r}; expected 'en' or 'zh'")

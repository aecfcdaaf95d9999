"""Language data, one module per language: :mod:`dialogue.lang.en` and :mod:`dialogue.lang.zh`.

Word lists that several parts of ``dialogue/`` read (yes/no words, negators, words that only look
like negators, numbers and units, the markers of a described rather than a made request) live
here, so each language has one home and the intent classifier, the concept matcher and the scorer
agree on them. Each module exposes the same names.
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

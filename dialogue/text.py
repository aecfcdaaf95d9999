"""Small text helpers shared by intents, concepts and prompts: normalisation, clauses, tokens.

Everything here is pure and language-aware ("en" or "zh"). Mandarin word boundaries come from jieba,
loaded lazily because building its prefix dictionary takes about a second.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import jieba

Language = Literal["en", "zh"]

_HAN = re.compile(r"[\u4e00-\u9fff]")
_CLAUSE_SPLIT = re.compile(r"[,.!?;:。，！？；：、…\n\"()]+")
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]*")
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# ASR and people drop apostrophes; map the common forms back so one pattern covers both.
_CONTRACTIONS = {
    "dont": "don't",
    "cant": "can't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "im": "i'm",
    "ive": "i've",
    "youre": "you're",
    "its": "it's",
    "thats": "that's",
    "whats": "what's",
    "nows": "now's",
}


def normalize(text: str) -> str:
    """Lower-case, NFKC (full-width → half-width), straight apostrophes, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    words = [_CONTRACTIONS.get(w, w) for w in text.split()]
    return " ".join(words)


def clauses(text: str) -> list[str]:
    """Split normalised text at punctuation into non-empty clauses."""
    return [c.strip() for c in _CLAUSE_SPLIT.split(normalize(text)) if c.strip()]


def last_sentence(text: str) -> str:
    """The last sentence of ``text`` with its terminal punctuation (normalised)."""
    sentences = [s.strip() for s in _SENTENCE.findall(normalize(text)) if s.strip()]
    return sentences[-1] if sentences else ""


def strip_punctuation(text: str) -> str:
    """Normalised text with clause punctuation replaced by single spaces."""
    return " ".join(clauses(text))


def en_words(text: str) -> list[str]:
    """English word tokens of normalised text."""
    return _EN_WORD.findall(normalize(text))


@lru_cache(maxsize=1)
def jieba_tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer (its ~60 MB dictionary loads once, on first use)."""
    import jieba

    # jieba logs its dictionary build at DEBUG/INFO to stderr; keep REPL and test output clean.
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def zh_tokens(text: str) -> list[str]:
    """Mandarin word tokens (jieba) of normalised text, without punctuation or spaces."""
    pieces = jieba_tokenizer().lcut(strip_punctuation(text))
    return [p for p in pieces if p.strip()]


def word_count(text: str, language: Language) -> int:
    """Words in ``text``: whitespace words for English, jieba words for Mandarin."""
    return len(en_words(text)) if language == "en" else len(zh_tokens(text))


def is_short(text: str, language: Language, limit_en: int = 20, limit_zh: int = 30) -> bool:
    """Whether ``text`` is short enough to be a request rather than a substantive answer."""
    if language == "en":
        return len(en_words(text)) <= limit_en
    return len(strip_punctuation(text).replace(" ", "")) <= limit_zh


def placeholders(template: str) -> list[str]:
    """Names of ``{name}`` placeholders in ``template``, in order of appearance."""
    return _PLACEHOLDER.findall(template)


def render(template: str, values: Mapping[str, str]) -> str:
    """Substitute ``{name}`` placeholders; unknown names become empty (tidied up)."""
    out = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)
    # An empty variable ("Hello {candidate_name}," with no name) must not leave " ," behind.
    out = re.sub(r"\s+([,.!?;:，。！？])", r"\1", out)
    return re.sub(r"\s{2,}", " ", out).strip().lstrip(",，、 ")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def normalize_transcript(text: str, language: Language) -> str:
    """The one normalisation every transcript and typed answer passes before the engine sees it.

    Mandarin: traditional characters become simplified (Whisper writes about two thirds of its
    Mandarin in traditional characters), so phrase tables and rubrics need one spelling only.
    """
    text = unicodedata.normalize("NFC", text).strip()
    if language == "zh" or _HAN.search(text):
        text = str(_t2s().convert(text))
    return text

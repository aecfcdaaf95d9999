"""Small text helpers shared by intents, concepts and prompts: normalisation, clauses, tokens.

Everything here is pure and language-aware ("en" or "zh"). Mandarin word boundaries come from jieba,
loaded lazily because building its prefix dictionary takes about a second.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
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


# --- language detection --------------------------------------------------------------------------

_LATIN_WORD = re.compile(r"[A-Za-z]{2,}(?:'[A-Za-z]+)?")
#: An English word carries about as much as 1.5 Han characters (syllables per word).
_LATIN_WORD_WEIGHT = 1.5


def han_share(text: str) -> float:
    """Share of Han characters in the text's words (Han characters plus weighted Latin words);
    0.0 for text with neither."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text)) * _LATIN_WORD_WEIGHT
    return han / (han + latin) if han + latin else 0.0


def detect_language(text: str, *, min_units: int = 3) -> Language | None:
    """The language an answer is in: ``"zh"`` when Han characters dominate, ``"en"`` when Latin
    words do, None when the text is too short to tell or evenly mixed.

    Code-switching is normal in Mandarin answers ("我会先 say sorry"): such text is still ``zh``
    while Han characters are at least half of it. ``min_units`` is the least Han characters plus
    Latin words needed for a verdict ("OK" or "好" alone says nothing about the language).
    """
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    if han + latin < min_units:
        return None
    share = han_share(text)
    if share >= 0.5:
        return "zh"
    if share <= 0.2:
        return "en"
    return None


# Latin letters with their accented forms (Latin-1, Extended-A/B, Vietnamese's Additional).
_LETTERS = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]+(?:'[a-z]+)?")
#: Fewer Latin words than this say too little to name their language ("Yes, wired fibre.").
MIN_IDENTIFY_WORDS = 8
#: Share of a language's commonest words that names it: whole sentences in any of them run at
#: 0.2-0.6, English keyword lists and fragments at 0-0.17 for English too.
FUNCTION_SHARE = 0.15


@lru_cache(maxsize=1)
def _profiles() -> tuple[list[tuple[re.Pattern[str], str]], dict[str, frozenset[str]]]:
    from dialogue.lang.other import FUNCTION_WORDS, SCRIPTS, function_words

    scripts = [(re.compile(f"[{block}]"), code) for block, code, _name in SCRIPTS]
    return scripts, {code: function_words(code) for code in FUNCTION_WORDS}


def identify_language(text: str) -> str | None:
    """The language an answer is mostly in, by code: ``"zh"`` and ``"en"`` as
    :func:`detect_language` tells them, or another one (``"ro"``, ``"ja"``; names in
    :mod:`dialogue.lang.other`) when its letters or its commonest words dominate; None when
    the text is too short or too mixed to tell.

    English with a few words of another language stays English ("I worked på kundtjänst for
    an online shop"); a sentence built on another language's grammar with English nouns in it
    ("Maine four years ek BPO mein kaam kiya") is that language (how much of it is English:
    :func:`english_share`).
    """
    scripts, words = _profiles()
    han = len(_HAN.findall(text))
    for pattern, code in scripts:
        # Kana mark Japanese even among Han; another script counts when it outweighs the Han.
        letters = len(pattern.findall(text))
        if letters >= 3 and (letters > han or code == "ja"):
            return code
    found = detect_language(text)
    if found != "en":
        return found
    latin = [w.lower() for w in _LETTERS.findall(text)]
    if len(latin) < MIN_IDENTIFY_WORDS:
        return found
    share = {code: sum(w in listed for w in latin) / len(latin) for code, listed in words.items()}
    english = share.pop("en")
    other = max(share, key=lambda code: share[code])
    if share[other] >= FUNCTION_SHARE and share[other] > english:
        return other
    return found


def english_share(text: str, language: str) -> float:
    """Share of English words among the words of ``text`` that carry content in ``language``
    (another language's code, :mod:`dialogue.lang.other`: its function words and words shorter
    than three letters left out, being what the two languages' short words share); 0.0 with
    none. English mixed into another language's sentences keeps 0.4-0.9 (the nouns and verbs
    are English), a whole answer in that language 0-0.4 (names, loanwords)."""
    from dialogue.lang.other import english_words, function_words

    own = function_words(language)
    words = [w.lower() for w in _LETTERS.findall(text)]
    content = [w for w in words if len(w) >= 3 and w not in own]
    known = english_words()
    return sum(w in known for w in content) / len(content) if content else 0.0


# --- numbers and durations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A number found in text, with its normalised unit.

    Attributes:
        value: the number (``两年半`` → 2.5).
        unit: normalised unit ("year", "month", "week", "day", "hour", "yuan", "dollar") or None.
        span: ``(start, end)`` character offsets in the text.
        text: the words as written.
        approximate: "more than" or "about" was said (一年多, 三年左右, "over two years").
    """

    value: float
    unit: str | None
    span: tuple[int, int]
    text: str
    approximate: bool = False

    @property
    def months(self) -> float | None:
        """The quantity as months, for durations in years, months or weeks; None otherwise."""
        factor = {"year": 12.0, "month": 1.0, "week": 12 / 52}.get(self.unit or "")
        return None if factor is None else round(self.value * factor, 2)


def _zh_number(chars: str) -> float | None:
    """Value of a Mandarin numeral (三, 十二, 二十五, 两百, 一千五) or of Arabic digits."""
    from dialogue.lang import zh

    if re.fullmatch(r"\d+(?:\.\d+)?", chars):
        return float(chars)
    total, section, digit = 0.0, 0.0, None
    for ch in chars:
        if ch in zh.DIGITS:
            digit = zh.DIGITS[ch]
        elif ch in zh.MULTIPLIERS:
            mult = zh.MULTIPLIERS[ch]
            if mult == 10000:
                total += (section + (digit or 0)) * mult
                section = 0.0
            else:
                section += (1 if digit is None else digit) * mult
            digit = None
        else:
            return None
    # "一千五" is 1500 and "两百五" is 250: a trailing digit after a multiplier is the next place.
    if digit is not None and len(chars) >= 2 and chars[-2] in "千百" and chars[-1] in zh.DIGITS:
        digit *= zh.MULTIPLIERS[chars[-2]] // 10
    return total + section + (digit or 0)


def _zh_quantity_pattern() -> re.Pattern[str]:
    from dialogue.lang import zh

    numeral = "[" + "".join(zh.DIGITS) + "".join(zh.MULTIPLIERS) + "]+|\\d+(?:\\.\\d+)?"
    units = "|".join(sorted(map(re.escape, zh.UNITS), key=len, reverse=True))
    return re.compile(
        rf"(?P<num>{numeral})(?P<more>多)?(?P<unit>{units})?(?P<half>半)?(?P<more2>多|左右|以上)?"
    )


def _en_quantity_pattern() -> re.Pattern[str]:
    from dialogue.lang import en

    words = "|".join(sorted(en.NUMBER_WORDS, key=len, reverse=True))
    units = "|".join(sorted(en.UNITS, key=len, reverse=True))
    number = rf"\d+(?:\.\d+)?|(?:{words})(?:[ -](?:{words}))*"
    return re.compile(
        rf"\b(?P<approx>over|more than|about|around|almost|nearly|roughly|at least)?\s*"
        rf"(?P<num>{number})(?P<half>\s+and\s+a\s+half)?\s+(?P<unit>{units})\b"
        rf"(?P<half2>\s+and\s+a\s+half)?"
    )


_QUANTITY_PATTERNS: dict[str, re.Pattern[str]] = {}


def _en_number(words: str) -> float | None:
    from dialogue.lang import en

    if re.fullmatch(r"\d+(?:\.\d+)?", words):
        return float(words)
    total = 0.0
    for word in re.split(r"[ -]", words):
        value = en.NUMBER_WORDS.get(word)
        if value is None:
            return None
        total = total * value if value == 100 and total else total + value
    return total


def quantities(text: str, language: Language) -> list[Quantity]:
    """Numbers with their units in ``text``, in order: 三年, 3年, 八个月, 两年半 (2.5 years),
    一年多 (1 year, approximate), "two and a half years", "18 dollars".

    Mandarin numbers without a unit (二十) are returned with ``unit=None``; English numbers only
    with a unit ("a" and "one" are too common otherwise). Use :attr:`Quantity.months` to compare
    durations given in different units.
    """
    if language not in _QUANTITY_PATTERNS:
        maker = _zh_quantity_pattern if language == "zh" else _en_quantity_pattern
        _QUANTITY_PATTERNS[language] = maker()
    found: list[Quantity] = []
    if language == "zh":
        from dialogue.lang import zh

        for m in _QUANTITY_PATTERNS["zh"].finditer(text):
            value = _zh_number(m.group("num"))
            if value is None:
                continue
            unit = zh.UNITS.get(m.group("unit") or "")
            if m.group("half"):
                value += 0.5
            approximate = bool(m.group("more") or m.group("more2"))
            found.append(Quantity(value, unit, m.span(), m.group(), approximate))
        return found
    from dialogue.lang import en

    lowered = normalize_apostrophes(text.lower())
    for m in _QUANTITY_PATTERNS["en"].finditer(lowered):
        value = _en_number(m.group("num"))
        if value is None:
            continue
        if m.group("half") or m.group("half2"):
            value += 0.5
        start = m.start("num")
        found.append(
            Quantity(
                value,
                en.UNITS[m.group("unit")],
                (start, m.end()),
                text[start : m.end()],
                approximate=bool(m.group("approx")),
            )
        )
    return found


def normalize_apostrophes(text: str) -> str:
    """Curly and back-tick apostrophes as straight ones, keeping the text's length."""
    return text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")

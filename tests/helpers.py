"""Small helpers shared by tests."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from dialogue.text import Language

_CONTRACTIONS = {"n't": " not", "'re": " are", "'m": " am", "'ll": " will", "'ve": " have",
                 "'d": " would", "'s": " is"}  # fmt: skip
# British and American spellings of the words our personas say are one word to a listener.
_SPELLINGS = {"centre": "center", "colour": "color", "organise": "organize",
              "apologise": "apologize", "favourite": "favorite",
              # Whisper writes "press 1" where the speaker (and the transcript) says "one".
              "0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five",
              "6": "six", "7": "seven", "8": "eight", "9": "nine"}  # fmt: skip


def normalize(text: str) -> list[str]:
    """Lower-case words without punctuation or contractions, one spelling per word (single
    digits as words), for word error rate."""
    text = text.lower().replace("\u2019", "'")
    for short, full in _CONTRACTIONS.items():
        text = text.replace(short, full)
    return [_SPELLINGS.get(w, w) for w in re.sub(r"[^\w\s]", " ", text).split()]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate (Levenshtein over words) of ``hypothesis`` against ``reference``."""
    return _error_rate(normalize(reference), normalize(hypothesis))


def cer(reference: str, hypothesis: str, language: Language = "zh") -> float:
    """Character error rate: both sides through the server's transcript normalisation
    (simplified characters, ...), lower-cased, punctuation and spaces dropped, Levenshtein over
    characters. For English it forgives a word split differently ("arrange" heard as "a
    Ranger") and still counts every lost word."""
    from dialogue.text import normalize_transcript

    def chars(text: str) -> list[str]:
        return list(re.sub(r"[\W_]+", "", normalize_transcript(text, language).lower()))

    return _error_rate(chars(reference), chars(hypothesis))


def _error_rate(ref: list[str], hyp: list[str]) -> float:
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / max(len(ref), 1)


def unavailable(reason: str, fix: str) -> NoReturn:
    """The one rule for a service or system package a test needs and lacks (``reason``): on a
    developer machine the test skips (naming ``fix``); under CI (``CI`` set), where ``.ci/run``
    and ``make deps`` provide it, it fails."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(f"{reason}; {fix}")


def stored_reports(database_url: str) -> dict[str, dict[str, object]]:
    """Every report row in a database: report id -> body."""
    from sqlalchemy import select

    from agent.store.db import Database
    from agent.store.tables import ReportRow

    database = Database(database_url)
    try:
        with database.session() as session:
            return {r.report_id: r.body for r in session.scalars(select(ReportRow))}
    finally:
        database.dispose()

"""The shape of the request-phrase tables in :mod:`dialogue.lang.en` and :mod:`dialogue.lang.zh`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestRule:
    """Regex fragments of one request (intent), at three strengths.

    ``phrases`` may appear anywhere in a short turn; ``clauses`` must be a whole clause ("I'm
    busy" but not "I'm busy on weekends"); ``alone`` must be the whole turn, for words that are
    fillers elsewhere ("sorry?" vs "sorry, no"; "啊？" vs "啊，有的").
    """

    phrases: tuple[str, ...] = ()
    clauses: tuple[str, ...] = ()
    alone: tuple[str, ...] = ()

"""Backchannels: the small sounds a listener makes without taking the floor.

Words that could be an answer ("yes", "okay", "好的", "对") are deliberately not here: said over a
prompt they are treated as the candidate taking the turn.
"""

from __future__ import annotations

import re

from dialogue import lang

_EN = lang.en.BACKCHANNELS
_ZH = lang.zh.BACKCHANNELS
# Hums however the recogniser spells them: "mmmhm", "uhhuh", "hmmm", "mhm".
_HUM = re.compile(r"^[mhun-]+$")


def is_backchannel(text: str, language: str) -> bool:
    """True when ``text`` (a short transcript, possibly empty) is only a backchannel or noise."""
    cleaned = re.sub(r"[^\w\s'-]", " ", text.lower()).strip()
    if not cleaned:
        return True
    if language.startswith("zh"):
        return all(part in _ZH for part in cleaned.split())
    words = " ".join(cleaned.split())
    return words in _EN or all(w in _EN or _HUM.match(w) for w in words.split())

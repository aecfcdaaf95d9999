"""Does a transcript read like a finished answer? A text-side end-of-turn cue, pure.

Whisper punctuates what it hears: a sentence that ends in "." usually ended in the voice too.
A final conjunction, filler or comma means the speaker is mid-thought whatever the punctuation.
"""

from __future__ import annotations

import re

from dialogue import lang

_EN_OPEN = lang.en.OPEN_ENDINGS
_ZH_OPEN = lang.zh.OPEN_ENDINGS
_FINAL = re.compile(r"[.!?。！？]\s*[\"'”’)]*\s*$")


def sounds_finished(text: str, language: str) -> bool:
    """True when ``text`` ends a sentence and not on a word that promises more."""
    text = text.strip()
    if not text or not _FINAL.search(text):
        return False
    body = _FINAL.sub("", text).strip()
    if language.startswith("zh"):
        return not body.endswith(_ZH_OPEN)
    words = re.findall(r"[a-z']+", body.lower())
    return bool(words) and words[-1] not in _EN_OPEN and not body.endswith(",")

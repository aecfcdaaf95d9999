"""Does a transcript read like a finished answer? A text-side end-of-turn cue, pure.

Whisper punctuates what it hears: a sentence that ends in "." usually ended in the voice too.
A final conjunction, filler or comma means the speaker is mid-thought whatever the punctuation,
and so does a last sentence that is only a connective and a word or two ("And then, um,").
"""

from __future__ import annotations

import re

from dialogue import lang

_EN_OPEN = lang.en.OPEN_ENDINGS
_ZH_OPEN = lang.zh.OPEN_ENDINGS
_FINAL = re.compile(r"[.!?。！？]\s*[\"'”’)]*\s*$")
_SENTENCE_END = re.compile(r"[.!?。！？]")
#: At most this many words after a connective that opens a thought: a restart, not an ending.
_RESTART_TAIL_WORDS = 2
_RESTART_ZH_CHARS = 2


def sounds_finished(text: str, language: str) -> bool:
    """True when ``text`` ends a sentence and not on a word that promises more."""
    text = text.strip()
    if not text or not _FINAL.search(text):
        return False
    body = _FINAL.sub("", text).strip()
    last = _SENTENCE_END.split(body)[-1].strip()
    if language.startswith("zh"):
        clause = re.sub(r"[\W_]+", "", last)
        restart = any(
            clause.startswith(w) and len(clause) - len(w) <= _RESTART_ZH_CHARS
            for w in lang.zh.CONTINUATION_OPENERS
        )
        return not body.endswith(_ZH_OPEN) and not restart
    words = re.findall(r"[a-z']+", body.lower())
    return (
        bool(words) and words[-1] not in _EN_OPEN and not body.endswith(",") and not _restart(last)
    )


def _restart(sentence: str) -> bool:
    """An English sentence that only starts a new thought: a connective opening it, or one set
    off by a comma near its end ("... and then, hum"), with at most two words after it, or one
    ending on a connective and a misheard filler ("... and then come")."""
    words = re.findall(r"[a-z']+|,", sentence.lower())
    bare = [w for w in words if w != ","]
    if (
        len(bare) >= 2
        and bare[-1] in lang.en.MISHEARD_FILLERS
        and bare[-2] in lang.en.CONTINUATION_OPENERS
    ):
        return True
    for i, word in enumerate(words):
        if word not in lang.en.CONTINUATION_OPENERS:
            continue
        rest = [w for w in words[i + 1 :] if w != ","]
        opens = i == 0 or (i + 1 < len(words) and words[i + 1] == ",")
        if opens and len(rest) <= _RESTART_TAIL_WORDS:
            return True
    return False

"""The rubric anchors of a script as vectors, embedded once per script version and model.

Every exemplar answer, calibration answer and red-flag example of every rubric, and every
question's prompt, is embedded in one batch the first time a script is scored with a given
``embed``; the result is cached under the script's content hash (so editing an exemplar
re-embeds, and two versions never mix). An answer's level is read from the exemplars and the
calibration answers together (both are rows of :attr:`QuestionAnchors.exemplars`). Each
question's *topic* (its prompt, its rubric's ``measures`` and its exemplars at or above
:data:`TOPIC_LEVEL`, not its calibration answers) is what an answer is compared with to tell
which question it answers, and its *topic floor* how near that topic the script's own good
answers come (see :func:`topic_floor`).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dialogue.embedding import Embed
from dialogue.script import Script

__all__ = ["Anchors", "QuestionAnchors", "anchors_for", "topic_floor"]

#: Script versions kept per model; a server runs a handful of scripts.
CACHE_SIZE = 16
#: Exemplars at this level or above show what a question is about; those below are often
#: "no" or an answer to something else (the off-topic level-1 exemplars).
TOPIC_LEVEL = 3


@dataclass(frozen=True)
class QuestionAnchors:
    """One question's exemplars (then its calibration answers) and red-flag examples as rows,
    with their labels."""

    levels: NDArray[np.int64]
    exemplars: NDArray[np.float32]
    exemplar_texts: tuple[str, ...]
    flag_kinds: tuple[str, ...]
    flag_labels: tuple[str, ...]
    flags: NDArray[np.float32]
    prompt: NDArray[np.float32]
    #: The lowest similarity of a good exemplar to the rest of the question's topic
    #: (:func:`topic_floor`): how far from the topic a real answer to this question may lie.
    topic_floor: float
    #: How many of the first rows are the script's exemplars (the rest: calibration answers,
    #: which count for the level only, not for relevance or the nearest exemplar).
    scripted: int


@dataclass(frozen=True)
class Anchors:
    """Per-question anchors of one script version (questions without a rubric are absent from
    ``questions``; every question has a ``topics`` entry: its prompt, plus its good exemplars)."""

    script_hash: str
    questions: dict[str, QuestionAnchors]
    topics: dict[str, NDArray[np.float32]]


_lock = threading.Lock()
_cache: weakref.WeakKeyDictionary[Embed, OrderedDict[str, Anchors]] = weakref.WeakKeyDictionary()


def topic_floor(topic: NDArray[np.float32], good: int) -> float:
    """How near its topic a good answer to a question comes, judged from the script alone.

    ``topic`` holds the question's topic rows, its last ``good`` rows the good exemplars. Each of
    those is held out in turn and compared with the rest of the topic (its nearest row); the
    lowest of these similarities is the floor. An answer that lies below it by a margin is less
    like the question than any of the script's own good answers is like the others: it talks
    about something else, whatever no other question's topic it is near. Calibrated on the
    exemplars, not on candidates' answers, so it carries over to answers nobody has seen.
    With fewer than two good exemplars there is nothing to hold out: the floor is -1 (off).
    """
    first = len(topic) - good
    if good < 2:
        return -1.0
    held_out = []
    for i in range(first, len(topic)):
        rest = np.delete(topic, i, axis=0)
        held_out.append(float((rest @ topic[i]).max()))
    return min(held_out)


def _build(script: Script, embed: Embed) -> Anchors:
    texts = [q.prompt for q in script.questions]  # row i: question i's prompt
    layout: list[tuple[str, int, int, int]] = []  # question, exemplar start, flag start, end
    for q in script.questions:
        if q.rubric is None:
            continue
        texts.append(q.rubric.measures)  # the row before the exemplars
        start = len(texts)
        texts.extend(e.text for e in (*q.rubric.exemplars, *q.rubric.calibration))
        flags_at = len(texts)
        texts.extend(x for flag in q.rubric.red_flags for x in flag.examples)
        layout.append((q.id, start, flags_at, len(texts)))
    rows = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    prompts = {q.id: rows[i] for i, q in enumerate(script.questions)}
    topics = {qid: row[None, :] for qid, row in prompts.items()}
    questions = {}
    for qid, start, flags_at, end in layout:
        rubric = script.question(qid).rubric
        assert rubric is not None
        kinds = tuple(f.kind for f in rubric.red_flags for _ in f.examples)
        labels = tuple(f.label or f.kind for f in rubric.red_flags for _ in f.examples)
        good = [start + i for i, e in enumerate(rubric.exemplars) if e.level >= TOPIC_LEVEL]
        # prompt, measures (the row before the exemplars), good exemplars
        topics[qid] = np.vstack([prompts[qid][None, :], rows[start - 1][None, :], rows[good]])
        anchored = (*rubric.exemplars, *rubric.calibration)
        questions[qid] = QuestionAnchors(
            levels=np.array([e.level for e in anchored], dtype=np.int64),
            exemplars=rows[start:flags_at],
            exemplar_texts=tuple(e.text for e in anchored),
            flag_kinds=kinds,
            flag_labels=labels,
            flags=rows[flags_at:end],
            prompt=prompts[qid],
            topic_floor=topic_floor(topics[qid], len(good)),
            scripted=len(rubric.exemplars),
        )
    return Anchors(script.content_hash, questions, topics)


def anchors_for(script: Script, embed: Embed) -> Anchors:
    """The script's anchors under ``embed``, embedding them on first use only."""
    key = script.content_hash
    with _lock:
        per_model = _cache.setdefault(embed, OrderedDict())
        found = per_model.get(key)
        if found is not None:
            per_model.move_to_end(key)
            return found
    built = _build(script, embed)  # outside the lock: embedding takes a while
    with _lock:
        per_model = _cache.setdefault(embed, OrderedDict())
        per_model[key] = built
        while len(per_model) > CACHE_SIZE:
            per_model.popitem(last=False)
    return built

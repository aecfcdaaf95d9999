"""Semantic checks of a schema-valid script: references, ids, weights, reachability, wording.

Errors make a script unrunnable or its scores meaningless (``load_script`` refuses it); warnings are
for the author (``lint_script`` shows them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from dialogue.recordings import recording_path, recording_problem
from dialogue.script import (
    BUILTIN_VARIABLES,
    REQUIRED_EXEMPLAR_LEVELS,
    RESERVED_RECORDS,
    RUBRIC_LEVELS,
    Issue,
    Loc,
    Question,
    Script,
    Severity,
)
from dialogue.text import placeholders

WEIGHT_TOLERANCE = 0.001
#: A question carrying more of the total than this would decide the tier on its own.
MAX_QUESTION_SHARE = 0.3
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
LANGUAGES = ("en", "zh")
# Words that show a disclosure really says "AI" / "recorded" (lint warns otherwise).
_AI_WORDS = re.compile(r"(?<![a-z])ai(?![a-z])|artificial|automated|virtual|人工智能|机器人", re.I)
_RECORDING_WORDS = re.compile(r"record|录音|录制", re.I)

_Found = tuple[Severity, Loc, str]


def check_script(script: Script) -> list[Issue]:
    """All semantic issues of ``script``, each located at a source line."""
    path = str(script.source_path or f"<{script.id}>")
    found: list[_Found] = [
        *_duplicate_ids(script),
        *_references(script),
        *_weights(script),
        *_unmeasured(script),
        *_unreachable(script),
        *_translations(script),
        *_variables(script),
        *_wording(script),
        *_recordings(script),
        *_rubrics(script),
        *_shares(script),
    ]
    return [Issue(sev, path, script.line_of(loc), msg) for sev, loc, msg in found]


def _dupes(ids: Iterable[str | None], where: Loc, what: str, field: str = "id") -> Iterator[_Found]:
    seen: set[str] = set()
    for index, ident in enumerate(ids):
        if ident is None:
            continue
        if ident in seen:  # reported where it repeats: that is the line to fix
            yield "error", (*where, index, field), f"duplicate {what} '{ident}'"
        seen.add(ident)


def _duplicate_ids(script: Script) -> Iterator[_Found]:
    yield from _dupes((d.id for d in script.dimensions), ("dimensions",), "dimension id")
    yield from _dupes((q.id for q in script.questions), ("questions",), "question id")
    yield from _dupes((f.id for f in script.faq), ("faq",), "faq id")
    for qi, q in enumerate(script.questions):
        yield from _dupes((c.id for c in q.concepts), ("questions", qi, "concepts"), "concept id")
        yield from _dupes(
            (f.id for f in q.follow_ups), ("questions", qi, "follow_ups"), "follow-up id"
        )
    records = (q.record for q in script.questions)
    yield from _dupes(records, ("questions",), "record field", field="record")


def _references(script: Script) -> Iterator[_Found]:
    dimension_ids = {d.id for d in script.dimensions}
    order = {q.id: i for i, q in enumerate(script.questions)}
    for qi, q in enumerate(script.questions):
        here: Loc = ("questions", qi)
        for di, dim in enumerate(q.dimensions):
            if dim not in dimension_ids:
                msg = f"question '{q.id}' measures unknown dimension '{dim}'"
                yield "error", (*here, "dimensions", di), msg
        concept_ids = {c.id for c in q.concepts}
        for fi, fu in enumerate(q.follow_ups):
            for ci, concept in enumerate(fu.if_missing):
                if concept not in concept_ids:
                    msg = f"follow-up of '{q.id}' refers to unknown concept '{concept}'"
                    yield "error", (*here, "follow_ups", fi, "if_missing", ci), msg
        for answer in ("yes", "no"):
            target = q.branch.target(answer) if q.branch else None
            if target is None or target.goto is None:
                continue
            loc: Loc = (*here, "branch", answer, "goto")
            if target.goto not in order:
                yield "error", loc, f"branch of '{q.id}' goes to unknown question '{target.goto}'"
            elif order[target.goto] <= qi:
                msg = f"branch of '{q.id}' goes back to '{target.goto}' (loops are not allowed)"
                yield "error", loc, msg
        if q.record in RESERVED_RECORDS:
            yield "error", (*here, "record"), f"record field '{q.record}' is reserved"
        if q.type == "yes_no" and q.follow_ups:
            yield "warning", (*here, "follow_ups"), f"yes/no question '{q.id}' ignores follow_ups"


def _weights(script: Script) -> Iterator[_Found]:
    total = sum(d.weight for d in script.dimensions)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        yield "error", ("dimensions",), f"dimension weights sum to {total:.3f}, not 1"


def _unmeasured(script: Script) -> Iterator[_Found]:
    measured = {dim for q in script.questions for dim in q.dimensions}
    for di, d in enumerate(script.dimensions):
        if d.id not in measured:
            # A weighted dimension nobody measures caps every candidate's score below 100.
            severity: Severity = "error" if d.weight > 0 else "warning"
            yield severity, ("dimensions", di, "id"), f"no question measures dimension '{d.id}'"


def next_indices(script: Script, index: int) -> list[int]:
    """Question indices an answered question ``index`` can lead to (len(questions) = closing)."""
    q: Question = script.questions[index]
    if q.type != "yes_no":
        return [index + 1]
    order = {other.id: i for i, other in enumerate(script.questions)}
    targets: list[int] = []
    for answer in ("yes", "no"):
        if q.knockout and q.knockout.answer == answer:
            continue
        target = q.branch.target(answer) if q.branch else None
        if target is None:
            targets.append(index + 1)
        elif target.goto is not None and target.goto in order:
            targets.append(order[target.goto])
    return targets


def _unreachable(script: Script) -> Iterator[_Found]:
    # Reachability over real answers; silence or an unclear answer always falls through, which
    # would make every question trivially reachable.
    seen: set[int] = set()
    todo = [0]
    while todo:
        index = todo.pop()
        if index in seen or index >= len(script.questions):
            continue
        seen.add(index)
        todo.extend(next_indices(script, index))
    for qi, q in enumerate(script.questions):
        if qi not in seen:
            msg = f"question '{q.id}' is unreachable: no yes/no answer path leads to it"
            yield "warning", ("questions", qi, "id"), msg


def _translations(script: Script) -> Iterator[_Found]:
    for di, d in enumerate(script.dimensions):
        for lang in LANGUAGES:
            if not getattr(d.label, lang):
                msg = f"dimension '{d.id}' has no '{lang}' label"
                yield "warning", ("dimensions", di, "label"), msg


def _texts(script: Script) -> Iterator[tuple[Loc, str]]:
    g = script.greeting
    for part in ("intro", "ai_disclosure", "recording_notice", "consent", "clarify"):
        text = getattr(g, part)
        if text:
            yield ("greeting", part), text
    for qi, q in enumerate(script.questions):
        yield ("questions", qi, "prompt"), q.prompt
        if q.clarify:
            yield ("questions", qi, "clarify"), q.clarify
        for fi, fu in enumerate(q.follow_ups):
            yield ("questions", qi, "follow_ups", fi, "text"), fu.text
        if q.knockout and q.knockout.say:
            yield ("questions", qi, "knockout", "say"), q.knockout.say
        for answer in ("yes", "no"):
            target = q.branch.target(answer) if q.branch else None
            if target and target.say:
                yield ("questions", qi, "branch", answer, "say"), target.say
    yield ("closing",), script.closing
    for fi, faq in enumerate(script.faq):
        yield ("faq", fi, "answer"), faq.answer


def _variables(script: Script) -> Iterator[_Found]:
    known = set(BUILTIN_VARIABLES) | set(script.variables)
    for loc, text in _texts(script):
        for name in placeholders(text):
            if name not in known:
                msg = f"unknown variable '{{{name}}}' (declare it under variables:)"
                yield "error", loc, msg


def _recordings(script: Script) -> Iterator[_Found]:
    """Every recording names a prompt the script says and a playable file beside the script."""
    from dialogue.prompts import prompt_keys  # prompts imports the script models too

    if not script.recordings:
        return
    fixed, varying = prompt_keys(script)
    for key, relative in script.recordings.items():
        loc: Loc = ("recordings", key)
        if key in varying:
            msg = f"prompt '{key}' varies per call (it has a variable), so TTS says it: unused"
            yield "warning", loc, msg
            continue
        if key not in fixed:
            known = ", ".join(sorted(fixed))
            yield "error", loc, f"no prompt '{key}' in this script (known: {known})"
            continue
        if Path(relative).is_absolute():
            yield "error", loc, f"recording '{relative}' must be relative to the script file"
            continue
        problem = recording_problem(recording_path(script.source_path, relative))
        if problem is not None:
            yield "error", loc, f"recording '{relative}' for '{key}': {problem}"


def _wording(script: Script) -> Iterator[_Found]:
    g = script.greeting
    if not _AI_WORDS.search(g.ai_disclosure):
        yield "warning", ("greeting", "ai_disclosure"), "ai_disclosure does not say 'AI'"
    if not _RECORDING_WORDS.search(g.recording_notice):
        msg = "recording_notice does not mention recording"
        yield "warning", ("greeting", "recording_notice"), msg
    for qi, q in enumerate(script.questions):
        for ci, c in enumerate(q.concepts):
            if not (c.synonyms or c.label):
                msg = f"concept '{c.id}' has no label or synonyms and can never match"
                yield "warning", ("questions", qi, "concepts", ci), msg


def in_language(text: str, language: str) -> bool:
    """Whether ``text`` is written in ``language`` (Han characters for zh, Latin words for en)."""
    han = len(_HAN.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    return han > latin if language == "zh" else latin > han


def _rubrics(script: Script) -> Iterator[_Found]:
    for qi, q in enumerate(script.questions):
        here: Loc = ("questions", qi)
        if q.rubric is None:
            continue  # scored by its concepts (dialogue.scoring), no anchors to check
        rubric = q.rubric
        if q.type == "yes_no":
            msg = f"yes/no question '{q.id}' ignores its rubric (it scores the recorded answer)"
            yield "warning", (*here, "rubric"), msg
        if not q.dimensions:
            yield "warning", (*here, "rubric"), f"question '{q.id}' has a rubric but no dimensions"
        missing = [lvl for lvl in RUBRIC_LEVELS if lvl not in rubric.levels]
        if missing:
            msg = f"rubric of '{q.id}' describes no level {', '.join(map(str, missing))}"
            yield "warning", (*here, "rubric", "levels"), msg
        have = {e.level for e in rubric.exemplars}
        lacking = [lvl for lvl in REQUIRED_EXEMPLAR_LEVELS if lvl not in have]
        if lacking:
            msg = f"rubric of '{q.id}' needs exemplars at level {', '.join(map(str, lacking))}"
            yield "error", (*here, "rubric", "exemplars"), msg
        texts: list[tuple[Loc, str]] = [
            ((*here, "rubric", field, ei, "text"), e.text)
            for field, entries in (
                ("exemplars", rubric.exemplars),
                ("calibration", rubric.calibration),
            )
            for ei, e in enumerate(entries)
        ]
        for fi, flag in enumerate(rubric.red_flags):
            for xi, example in enumerate(flag.examples):
                texts.append(((*here, "rubric", "red_flags", fi, "examples", xi), example))
        for loc, text in texts:
            # Exemplars are compared with answers in the script's language: a translation
            # left in the other language would pull every answer towards its level.
            if not in_language(text, script.language):
                yield "error", loc, f"rubric text of '{q.id}' is not in '{script.language}'"


def _shares(script: Script) -> Iterator[_Found]:
    for qid, share in script.question_shares().items():
        if share > MAX_QUESTION_SHARE + WEIGHT_TOLERANCE:
            qi = next(i for i, q in enumerate(script.questions) if q.id == qid)
            msg = (
                f"question '{qid}' carries {share:.0%} of the total (over "
                f"{MAX_QUESTION_SHARE:.0%}): it alone would decide the tier"
            )
            yield "warning", ("questions", qi, "dimensions"), msg

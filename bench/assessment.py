"""Assessment bench: how well the scorer on this branch agrees with hand-labelled interviews.

Scores every candidate of the labelled answer sets in ``bench/data/assessment/`` (format in the
README there) through the typed-interview driver, exactly as a call is scored, and prints JSON
per language:

- ``spearman_total`` and ``pairwise_accuracy``: totals of the complete interviews against the
  overall labels (hung-up interviews are never ranked with complete ones); ``spearman_list``:
  the same interviews in the order a recruiter's list shows them (a knock-out, labelled 1 for
  being ineligible, below every ranked card rather than at its answers' total); in ``splits`` also
  ``*_eligible``: the same over the interviews the card lets a recruiter rank (complete and
  not knocked out, ``ranked: true``);
- ``spearman_questions``: per-question scores against the answer labels, per question and mean;
- ``tier_confusion``: expected tier -> tier given;
- ``gaming``: each keyword list, negated, refusing, dismissive and off-topic variant next to the
  poor answers to the same questions (``ok``: at most 10 points above; the total is compared with
  the variant's interview with the poor answers swapped in, so a variant built on a mediocre
  base is not held against a poor interview's other answers), and ``paraphrase``: each
  plain-words paraphrase next to its strong original (``ok``: within 10 points); as totals and
  per question;
- ``outcomes``: interviews that did not end as labelled (e.g. a good one ended on a phrase);
- ``scoring_s``: seconds per interview, p50/p95; ``model_load_s``: the embedding model's load.

A per-question score is measured, not read from the score card (whose layout is the scorer's):
the answer is put into a fixed context interview (the set's ``probe_context`` candidate, its
other answers unchanged) and scored there; the answer's points are that total minus the
context's total with the question left unanswered, and its 0-100 score is those points relative
to the mean points of the strong (label 5) answers to the same question.

A set is its main file (``en.yaml``: script, probe context, candidates) and its parts, the files
``en_*.yaml`` beside it (``en_fresh.yaml``: fresh blind held-out candidates); ids are unique
across them. Each set is split (``split:`` per candidate) into ``dev``, the only part the scorer
may be tuned against, and ``held_out``; ``splits`` gives the headline figures of each part and
``files`` the same per file.

    .venv/bin/python bench/assessment.py [--set en] [--split dev] [--only ID,ID] [--no-questions]
        [--out F]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from agent.calls.typed import AnswersError, parse_answers, run_typed  # noqa: E402
from dialogue.embedding import Embed  # noqa: E402
from dialogue.script import Script, load_script  # noqa: E402
from dialogue.yaml_source import parse  # noqa: E402

DATA_DIR = Path(__file__).resolve().parent / "data" / "assessment"
SETS = ("en", "zh")
MIN_CANDIDATES = 40
#: A part file (``<set>_*.yaml``) is a fresh blind held-out set of its own, this large at least.
MIN_PART_CANDIDATES = 24
#: Variants that try to game the scorer: compared with the poor answers of ``compare_to``.
GAMING_KINDS = ("keyword_list", "negated", "refusal", "dismissive", "off_topic")
#: Every kind of candidate each set must have (``traditional`` only where the script is zh).
REQUIRED_KINDS = (
    "strong",
    "mediocre",
    "poor",
    "paraphrase",
    *GAMING_KINDS,
    "asr_errors",
    "keypad",
    "other_language",
    "mixed_language",
    "incomplete",
)
OTHER_KINDS = ("traditional", "knockout", "yes_by_meaning", "phrase_in_answer")
TIERS = ("strong_recommend", "pending", "reject", "ineligible", "incomplete")
#: The parts of a set: the scorer is tuned against ``dev`` only; ``held_out`` measures it.
SPLITS = ("dev", "held_out")
#: How far a gaming variant may score above the poor answer, and a paraphrase from its original.
MARGIN = 10.0


@dataclass
class Candidate:
    """One labelled interview (answers and labels resolved through ``base``)."""

    id: str
    kind: str
    who: str
    overall: int
    tier: str
    outcome: str
    answers: dict[str, Any]  # the answers-file mapping form
    own: list[str]  # question ids this candidate answers itself (not inherited)
    labels: dict[str, int]
    compare_to: str | None = None
    base: str | None = None
    split: str = "dev"
    source: str = ""  # the file it is written in (``en.yaml``, ``en_fresh.yaml``)


@dataclass
class AnswerSet:
    """A labelled set for one script."""

    language: str
    script: Script
    probe_context: str
    candidates: list[Candidate] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # main file first, then its parts

    def parts(self) -> list[str]:
        """The part files (everything but the main file): fresh held-out candidates."""
        return self.files[1:]

    def by_id(self) -> dict[str, Candidate]:
        """Candidates by id."""
        return {c.id: c for c in self.candidates}


class SetError(ValueError):
    """A malformed answer set."""


def _is_command(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith("/")


def scored_questions(script: Script) -> list[str]:
    """Questions that measure a dimension: every answer to them is labelled and scored."""
    return [q.id for q in script.questions if q.dimensions]


def labelled_questions(script: Script) -> list[str]:
    """Questions whose answers carry labels: the scored ones and the yes/no questions (a
    recruiter's reading of the answer, whether or not the script scores it)."""
    return [q.id for q in script.questions if q.dimensions or q.type == "yes_no"]


def set_files(name_or_path: str | Path) -> list[Path]:
    """The files of a set: its main file (``en`` -> ``en.yaml``, or a path) first, then its parts,
    the files beside it named ``<main>_*.yaml`` (``en_fresh.yaml``), in name order."""
    main = Path(name_or_path)
    if not main.is_file():
        main = DATA_DIR / f"{name_or_path}.yaml"
    return [main, *sorted(main.parent.glob(f"{main.stem}_*.yaml"))]


def load_set(name_or_path: str | Path) -> AnswerSet:
    """Read a set (``en``, ``zh`` or the path of a main file) with its parts and resolve ``base``
    inheritance. The main file names the script and the probe context; a part only adds
    candidates (a ``script`` in it must be the main file's). Ids are unique across the files."""
    main, *parts = set_files(name_or_path)
    data, _ = parse(main.read_text(encoding="utf-8"))
    script = load_script(data["script"])
    raw: dict[str, Any] = {}  # id -> the candidate as written
    source: dict[str, str] = {}
    for path, part in [
        (main, data),
        *((p, parse(p.read_text(encoding="utf-8"))[0]) for p in parts),
    ]:
        if path != main and "probe_context" in part:
            raise SetError(f"{path}: probe_context belongs in {main.name}")
        if part.get("script", data["script"]) != data["script"]:
            raise SetError(f"{path}: script {part['script']!r}, {main.name} has {data['script']!r}")
        for c in part.get("candidates") or []:
            cid = str(c["id"])
            if cid in raw:
                raise SetError(f"{path}: duplicate candidate id {cid!r} (also in {source[cid]})")
            raw[cid], source[cid] = c, path.name

    def resolve(cid: str, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, int]]:
        if cid in seen:
            raise SetError(f"{main}: base cycle through {cid}")
        if cid not in raw:
            raise SetError(f"{main}: unknown base {cid!r}")
        c = raw[cid]
        answers: dict[str, Any] = {}
        labels: dict[str, int] = {}
        if c.get("base"):
            answers, labels = resolve(str(c["base"]), (*seen, cid))
        answers = {**answers, **(c.get("answers") or {})}
        labels = {**labels, **(c.get("labels") or {})}
        # A command (hang-up, silence) is no answer: nothing to label.
        labels = {q: v for q, v in labels.items() if not _is_command(answers.get(q))}
        return answers, labels

    answer_set = AnswerSet(
        script.language,
        script,
        str(data.get("probe_context", "")),
        files=[p.name for p in (main, *parts)],
    )
    for cid, c in raw.items():
        answers, labels = resolve(cid)
        answer_set.candidates.append(
            Candidate(
                id=cid,
                kind=str(c.get("kind", "")),
                who=str(c.get("who", "")),
                overall=c.get("overall"),
                tier=str(c.get("tier", "")),
                outcome=str(c.get("outcome", "completed")),
                answers=answers,
                own=[str(k) for k in (c.get("answers") or {})],
                labels=labels,
                compare_to=c.get("compare_to"),
                base=c.get("base"),
                split=str(c.get("split", "dev")),
                source=source[cid],
            )
        )
    return answer_set


def _label_ok(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def problems(answer_set: AnswerSet) -> list[str]:
    """Everything wrong with a set (empty when well-formed)."""
    out: list[str] = []
    script = answer_set.script
    labelled = set(labelled_questions(script))
    ids = answer_set.by_id()
    if len(ids) < MIN_CANDIDATES:
        out.append(f"{len(ids)} candidates, fewer than {MIN_CANDIDATES}")
    required = [*REQUIRED_KINDS, *(["traditional"] if script.language == "zh" else [])]
    for split in SPLITS:
        kinds = {c.kind for c in answer_set.candidates if c.split == split}
        out += [f"no {split} candidate of kind {k!r}" for k in required if k not in kinds]
    for part in answer_set.parts():
        mine = [c for c in answer_set.candidates if c.source == part]
        if len(mine) < MIN_PART_CANDIDATES:
            out.append(f"{part}: {len(mine)} candidates, fewer than {MIN_PART_CANDIDATES}")
        kinds = {c.kind for c in mine}
        out += [f"{part}: no candidate of kind {k!r}" for k in required if k not in kinds]
        names = {c.id for c in mine}
        splits = sorted({c.split for c in mine})
        if len(splits) > 1:
            # A part is written blind and measured as one: held out until a frozen scorer has
            # been measured on it, then (all of it) dev if it is to become calibration anchors.
            out.append(f"{part}: mixes the splits {', '.join(splits)}")
        for c in mine:
            # A part stands alone: its variants build on and compare with its own candidates.
            out += [
                f"{c.id}: {ref!r} is not in {part}"
                for ref in (c.base, c.compare_to)
                if ref and ref not in names
            ]
    if answer_set.probe_context not in ids:
        out.append(f"probe_context {answer_set.probe_context!r} is not a candidate")
    seen_labels: dict[tuple[str, str], tuple[int, str]] = {}
    for c in answer_set.candidates:
        where = f"{c.id}:"
        if c.kind not in (*REQUIRED_KINDS, *OTHER_KINDS):
            out.append(f"{where} unknown kind {c.kind!r}")
        if not _label_ok(c.overall):
            out.append(f"{where} overall label {c.overall!r} is not 1-5")
        if c.tier not in TIERS:
            out.append(f"{where} unknown tier {c.tier!r}")
        if c.split not in SPLITS:
            out.append(f"{where} unknown split {c.split!r}")
        if (c.kind in GAMING_KINDS or c.kind == "paraphrase") and c.compare_to not in ids:
            out.append(f"{where} {c.kind} needs compare_to naming a candidate")
        try:
            parse_answers(c.answers, script, c.id)
        except AnswersError as exc:
            out.append(str(exc))
        answered = {
            q
            for q, v in c.answers.items()
            if q in labelled and v is not None and not _is_command(v)
        }
        for q, value in c.labels.items():
            if q not in labelled:
                out.append(f"{where} label for {q!r}, which is neither scored nor yes/no")
            elif q not in answered:
                out.append(f"{where} label for {q!r}, which it does not answer")
            if not _label_ok(value):
                out.append(f"{where} label {q}={value!r} is not 1-5")
        missing = sorted(answered - set(c.labels))
        out += [f"{where} answer to {q!r} has no label" for q in missing]
        for q in answered & set(c.labels):
            key = (q, json.dumps(c.answers[q], ensure_ascii=False))
            first = seen_labels.setdefault(key, (c.labels[q], c.id))
            if first[0] != c.labels[q]:
                out.append(f"{where} labels {q} {c.labels[q]}, {first[1]} labels it {first[0]}")
    return out


# --- statistics ------------------------------------------------------------------------------


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None when undefined."""
    if len(xs) < 3:
        return None
    rx, ry = np.array(_ranks(xs)), np.array(_ranks(ys))
    if rx.std() == 0 or ry.std() == 0:
        return None
    return round(float(np.corrcoef(rx, ry)[0, 1]), 3)


def pairwise_accuracy(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Share of pairs with different labels that the scores order the same way (ties: half)."""
    agree, pairs = 0.0, 0
    for i in range(len(scores)):
        for j in range(i + 1, len(scores)):
            if labels[i] == labels[j]:
                continue
            pairs += 1
            d = (scores[i] - scores[j]) * (labels[i] - labels[j])
            agree += 1.0 if d > 0 else 0.5 if d == 0 else 0.0
    return round(agree / pairs, 3) if pairs else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    return round(float(np.percentile(np.array(values), q)), 4)


# --- scoring ---------------------------------------------------------------------------------


def memo_embed(embed: Embed) -> Embed:
    """``embed`` with each text embedded once (probe interviews repeat their context)."""

    @lru_cache(maxsize=100_000)
    def one(text: str) -> NDArray[np.float32]:
        return embed([text])[0]

    def cached(texts: Sequence[str]) -> NDArray[np.float32]:
        return np.stack([one(t) for t in texts]) if texts else embed(texts)

    return cached


def score(
    script: Script, answers: Mapping[str, Any], embed: Embed, auto_reject: bool
) -> tuple[dict[str, Any], float]:
    """The report of one typed interview and the seconds it took (engine and scorer)."""
    typed = parse_answers(dict(answers), script)
    start = time.perf_counter()
    record = run_typed(script, typed, embed=embed, auto_reject=auto_reject)
    return record.to_report(), time.perf_counter() - start


def _total(report: Mapping[str, Any]) -> float | None:
    scores = report.get("scores")
    return None if not scores else float(scores["total"])


def question_points(
    answer_set: AnswerSet,
    candidates: Sequence[Candidate],
    embed: Embed,
    auto_reject: bool,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per question: each distinct answer's points in the probe context (see module doc)."""
    script = answer_set.script
    context = answer_set.by_id()[answer_set.probe_context].answers
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for q in scored_questions(script):
        silent = _total(score(script, {**context, q: "/silence"}, embed, auto_reject)[0]) or 0.0
        answers: dict[str, dict[str, Any]] = {}
        for c in candidates:
            if q not in c.labels:
                continue
            key = json.dumps(c.answers[q], ensure_ascii=False)
            if key not in answers:
                report, _ = score(script, {**context, q: c.answers[q]}, embed, auto_reject)
                points = (_total(report) or 0.0) - silent
                answers[key] = {"label": c.labels[q], "points": round(points, 2), "by": []}
            answers[key]["by"].append(c.id)
        strong = [a["points"] for a in answers.values() if a["label"] == 5]
        scale = statistics.mean(strong) if strong else None
        for a in answers.values():
            a["score"] = round(100 * a["points"] / scale, 1) if scale and scale > 0 else None
        out[q] = answers
    return out


def _question_of(
    points: Mapping[str, Mapping[str, Mapping[str, Any]]], q: str, c: Candidate
) -> Mapping[str, Any] | None:
    return points.get(q, {}).get(json.dumps(c.answers[q], ensure_ascii=False))


def fair_reference(c: Candidate, ref: Candidate) -> dict[str, Any]:
    """The interview a variant's total is compared with: the variant's own answers (its base's
    on the questions it does not answer itself) with the reference's answers swapped in on the
    questions the variant does answer. A variant built on a mediocre base then differs from its
    reference only where it games, not by the base's other answers; a whole-interview variant
    (no base) is compared with the reference interview itself."""
    answers = dict(c.answers)
    for q in c.own:
        if q in ref.answers:
            answers[q] = ref.answers[q]
        else:
            answers.pop(q, None)  # the reference leaves it unanswered: silence
    return answers


def _comparisons(
    candidates: Sequence[Candidate],
    by_id: Mapping[str, Candidate],
    totals: Mapping[str, float | None],
    points: Mapping[str, Mapping[str, Mapping[str, Any]]],
    paraphrase: bool,
    reference_totals: Mapping[str, float | None] | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for c in candidates:
        if (c.kind == "paraphrase") != paraphrase or c.compare_to not in by_id:
            continue
        if not paraphrase and c.kind not in GAMING_KINDS:
            continue
        ref = by_id[c.compare_to]  # type: ignore[index]
        total, ref_total = totals.get(c.id), totals.get(ref.id)
        if reference_totals is not None and c.id in reference_totals:
            ref_total = reference_totals[c.id]
        row: dict[str, Any] = {"candidate": c.id, "kind": c.kind, "reference": ref.id}
        if reference_totals is not None:
            row["reference_interview"] = "base with the reference's answers swapped in"
        if total is not None and ref_total is not None:
            diff = round(total - ref_total, 1)
            ok = abs(diff) <= MARGIN if paraphrase else diff <= MARGIN
            row |= {"total": total, "reference_total": ref_total, "diff": diff, "ok": ok}
        per_q = []
        for q in c.own:
            if q not in c.labels or q not in ref.labels or c.answers[q] == ref.answers[q]:
                continue  # nothing to compare, or the same answer (a plain "Yes." in a list)
            mine, theirs = _question_of(points, q, c), _question_of(points, q, ref)
            if not mine or not theirs or mine["score"] is None or theirs["score"] is None:
                continue
            diff = round(mine["score"] - theirs["score"], 1)
            ok = abs(diff) <= MARGIN if paraphrase else diff <= MARGIN
            per_q.append(
                {
                    "question": q,
                    "score": mine["score"],
                    "reference_score": theirs["score"],
                    "diff": diff,
                    "ok": ok,
                }
            )
        row["questions"] = per_q
        rows.append(row)
    return rows


def _question_rhos(
    points: Mapping[str, Mapping[str, Mapping[str, Any]]], ids: set[str] | None
) -> dict[str, float | None]:
    """Per question: Spearman of the answers' points against their labels (answers given by
    a candidate in ``ids``, or all)."""
    out = {}
    for q, answers in points.items():
        mine = [a for a in answers.values() if ids is None or set(a["by"]) & ids]
        out[q] = spearman([a["points"] for a in mine], [a["label"] for a in mine])
    return out


def _oks(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """``ok``/all of comparison rows, as totals and per question."""
    totals = [r["ok"] for r in rows if "ok" in r]
    per_q = [q["ok"] for r in rows for q in r["questions"]]
    return {
        "totals_ok": f"{sum(totals)}/{len(totals)}",
        "questions_ok": f"{sum(per_q)}/{len(per_q)}",
    }


def _card_ranked(report: Mapping[str, Any]) -> bool:
    """Whether the card may be ranked with others (complete and eligible: a knock-out's total
    covers the questions before it and the report marks it ``ranked: false``)."""
    return bool((report.get("scores") or {}).get("ranked", report.get("complete")))


def _list_order(report: Mapping[str, Any]) -> float:
    """Where the card stands in a recruiter's list: every ranked card by total, then the
    knocked-out ones (``ranked: false``) below them, by total among themselves."""
    total = _total(report) or 0.0
    return total if _card_ranked(report) else total - 1000.0


def _summary(
    candidates: Sequence[Candidate],
    reports: Mapping[str, Mapping[str, Any]],
    points: Mapping[str, Mapping[str, Mapping[str, Any]]],
    gaming: Sequence[Mapping[str, Any]],
    paraphrase: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The headline figures of one part of a set (dev or held out)."""
    ids = {c.id for c in candidates}
    ranked = [
        c for c in candidates if reports[c.id]["complete"] and _total(reports[c.id]) is not None
    ]
    xs = [_total(reports[c.id]) or 0.0 for c in ranked]
    ys = [c.overall for c in ranked]
    eligible = [c for c in ranked if _card_ranked(reports[c.id])]
    ex = [_total(reports[c.id]) or 0.0 for c in eligible]
    ey = [c.overall for c in eligible]
    hits = sum(1 for c in candidates if (reports[c.id].get("scores") or {}).get("tier") == c.tier)
    rhos = [r for r in _question_rhos(points, ids).values() if r is not None]
    return {
        "candidates": len(candidates),
        "ranked": len(ranked),
        "spearman_total": spearman(xs, ys),
        "pairwise_accuracy": pairwise_accuracy(xs, ys),
        "spearman_list": spearman([_list_order(reports[c.id]) for c in ranked], ys),
        "ranked_eligible": len(eligible),
        "spearman_total_eligible": spearman(ex, ey),
        "pairwise_accuracy_eligible": pairwise_accuracy(ex, ey),
        "spearman_questions_mean": round(statistics.mean(rhos), 3) if rhos else None,
        "tier_accuracy": round(hits / len(candidates), 3) if candidates else None,
        "gaming": _oks([r for r in gaming if r["candidate"] in ids]),
        "paraphrase": _oks([r for r in paraphrase if r["candidate"] in ids]),
        "outcomes_wrong": [c.id for c in candidates if reports[c.id]["outcome"] != c.outcome],
    }


def _closure(answer_set: AnswerSet, only: Sequence[str] | None) -> list[Candidate]:
    """The selected candidates plus those they compare to and the probe context."""
    if not only:
        return list(answer_set.candidates)
    by_id = answer_set.by_id()
    unknown = [cid for cid in only if cid not in by_id]
    if unknown:
        raise SetError(f"unknown candidates: {', '.join(unknown)}")
    wanted = set(only) | {answer_set.probe_context}
    wanted |= {by_id[c].compare_to for c in only if by_id[c].compare_to}  # type: ignore[misc]
    return [c for c in answer_set.candidates if c.id in wanted]


def bench_set(
    answer_set: AnswerSet,
    embed: Embed,
    *,
    only: Sequence[str] | None = None,
    per_question: bool = True,
    auto_reject: bool = False,
) -> dict[str, Any]:
    """All figures for one labelled set."""
    script = answer_set.script
    candidates = _closure(answer_set, only)
    by_id = {c.id: c for c in candidates}
    reports: dict[str, dict[str, Any]] = {}
    seconds: list[float] = []
    for c in candidates:
        reports[c.id], took = score(script, c.answers, embed, auto_reject)
        seconds.append(took)
    totals = {cid: _total(r) for cid, r in reports.items()}
    ranked = [c for c in candidates if reports[c.id]["complete"] and totals[c.id] is not None]
    xs = [totals[c.id] or 0.0 for c in ranked]
    ys = [c.overall for c in ranked]
    confusion: dict[str, dict[str, int]] = {}
    for c in candidates:
        scores = reports[c.id].get("scores") or {}
        given = str(scores.get("tier", "unscored"))
        row = confusion.setdefault(c.tier, {})
        row[given] = row.get(given, 0) + 1
    tier_hits = sum(
        1 for c in candidates if (reports[c.id].get("scores") or {}).get("tier") == c.tier
    )
    points = (
        question_points(answer_set, candidates, memo_embed(embed), auto_reject)
        if per_question
        else {}
    )
    per_q_rho = _question_rhos(points, None)
    rhos = [r for r in per_q_rho.values() if r is not None]
    cards = [r["scores"] for r in reports.values() if r.get("scores")]
    # Gaming totals are compared with the fair reference (see fair_reference), scored here.
    fair: dict[str, float | None] = {}
    for c in candidates:
        if c.kind in GAMING_KINDS and c.compare_to in by_id:
            answers = fair_reference(c, by_id[c.compare_to])
            fair[c.id] = _total(score(script, answers, embed, auto_reject)[0])
    gaming = _comparisons(
        candidates, by_id, totals, points, paraphrase=False, reference_totals=fair
    )
    paraphrase = _comparisons(candidates, by_id, totals, points, paraphrase=True)
    return {
        "script": script.id,
        "scorer_version": cards[0].get("scorer_version") if cards else None,
        "candidates": len(candidates),
        "ranked": len(ranked),
        "spearman_total": spearman(xs, ys),
        "pairwise_accuracy": pairwise_accuracy(xs, ys),
        "spearman_list": spearman([_list_order(reports[c.id]) for c in ranked], ys),
        "spearman_questions": {
            **per_q_rho,
            "mean": round(statistics.mean(rhos), 3) if rhos else None,
        },
        "tier_accuracy": round(tier_hits / len(candidates), 3) if candidates else None,
        "tier_confusion": confusion,
        "splits": {
            split: _summary(
                [c for c in candidates if c.split == split], reports, points, gaming, paraphrase
            )
            for split in SPLITS
        },
        # The same per file: the fresh parts are the blindest measure (see the data README).
        "files": {
            name: _summary(
                [c for c in candidates if c.source == name], reports, points, gaming, paraphrase
            )
            for name in answer_set.files
            if any(c.source == name for c in candidates)
        },
        "gaming": gaming,
        "paraphrase": paraphrase,
        "outcomes": [
            {
                "candidate": c.id,
                "expected": c.outcome,
                "got": reports[c.id]["outcome"],
                "states": reports[c.id]["states"],
            }
            for c in candidates
            if reports[c.id]["outcome"] != c.outcome
        ],
        "scoring_s": {
            "n": len(seconds),
            "p50": _percentile(seconds, 50),
            "p95": _percentile(seconds, 95),
            "max": round(max(seconds), 4) if seconds else None,
        },
        "interviews": [
            {
                "candidate": c.id,
                "split": c.split,
                "file": c.source,
                "kind": c.kind,
                "overall": c.overall,
                "expected_tier": c.tier,
                "total": totals[c.id],
                "tier": (reports[c.id].get("scores") or {}).get("tier"),
                "outcome": reports[c.id]["outcome"],
                "complete": reports[c.id]["complete"],
            }
            for c in candidates
        ],
        "questions": {
            q: [
                {"label": a["label"], "points": a["points"], "score": a["score"], "by": a["by"]}
                for a in ans.values()
            ]
            for q, ans in points.items()
        },
    }


def load_embed() -> tuple[Embed, float]:
    """The registry's embedding function as a call gets it, and its load (and first use) time."""
    from agent.cli import load_embedder
    from agent.settings import load_settings

    start = time.perf_counter()
    embed = load_embedder(load_settings())
    embed(["warm-up"])
    return embed, round(time.perf_counter() - start, 3)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bench; print (or write) the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", help="set name or path (default: en and zh)")
    parser.add_argument("--only", help="comma-separated candidate ids (plus those they need)")
    parser.add_argument("--split", choices=SPLITS, help="only this part of each set (tune: dev)")
    parser.add_argument("--no-questions", action="store_true", help="skip per-question probes")
    parser.add_argument("--out", help="write the JSON here instead of standard output")
    args = parser.parse_args(argv)

    from agent.settings import load_settings

    only = [s.strip() for s in args.only.split(",")] if args.only else None
    sets = {name: load_set(name) for name in args.set or SETS}
    if args.split:
        parts = [c.id for s in sets.values() for c in s.candidates if c.split == args.split]
        only = [c for c in only if c in parts] if only else parts
    unknown = set(only or []) - {c.id for s in sets.values() for c in s.candidates}
    if unknown:
        print(f"--only: no candidates {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    embed, load_s = load_embed()
    result: dict[str, Any] = {"model_load_s": load_s, "languages": {}}
    for name, answer_set in sets.items():
        wanted = [c for c in (only or []) if c in answer_set.by_id()] if only else None
        if only and not wanted:
            continue
        found = problems(answer_set)
        if found:
            print("\n".join(f"{name}: {p}" for p in found), file=sys.stderr)
            return 2
        result["languages"][answer_set.language] = bench_set(
            answer_set,
            embed,
            only=wanted,
            per_question=not args.no_questions,
            auto_reject=load_settings().auto_reject,
        )
    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The labelled answer sets load and are well-formed, and ``bench/assessment.py`` runs end to end.

The sets are the scorer's held-out evaluation (``bench/data/assessment/README.md``); these tests
check their shape, never the scorer's figures on them.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "assessment.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_assessment", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["en", "zh"])
def test_sets_are_well_formed(bench: ModuleType, name: str) -> None:
    answer_set = bench.load_set(name)
    assert answer_set.script.id == f"cs_home_{name}"
    assert bench.problems(answer_set) == []
    assert len(answer_set.candidates) >= bench.MIN_CANDIDATES
    kinds = {c.kind for c in answer_set.candidates}
    assert set(bench.REQUIRED_KINDS) <= kinds
    labelled = set(bench.labelled_questions(answer_set.script))
    assert set(bench.scored_questions(answer_set.script)) <= labelled
    question_ids = {q.id for q in answer_set.script.questions}
    for c in answer_set.candidates:
        assert 1 <= c.overall <= 5
        assert set(c.answers) <= question_ids | {"greeting"}
        assert set(c.labels) <= labelled
        assert all(1 <= v <= 5 for v in c.labels.values())
    # Every labelled question has answers at both ends of the scale.
    for q in labelled:
        labels = {c.labels[q] for c in answer_set.candidates if q in c.labels}
        assert {1, 5} <= labels, q


#: The blind parts of each set: the suffix of the file, the id infix, how many strong, mediocre
#: and poor interviews each holds at least, and its split (a part is all one split).
BLIND_PARTS = {
    "fresh": ("f", 5, "held_out"),
    "blind": ("b", 6, "held_out"),
    "blind2": ("c", 6, "held_out"),
    "blind3": ("d", 6, "held_out"),
    "blind4": ("e", 6, "held_out"),
    "blind5": ("g", 6, "held_out"),
    "blind6": ("i", 6, "held_out"),
    "blind7": ("j", 6, "held_out"),
    "blind8": ("k", 6, "held_out"),
}


@pytest.mark.parametrize("part_name", sorted(BLIND_PARTS))
@pytest.mark.parametrize("name", ["en", "zh"])
def test_blind_part_is_well_formed_and_stands_alone(
    bench: ModuleType, name: str, part_name: str
) -> None:
    """A blind part (``<set>_fresh.yaml``, ``<set>_blind.yaml``): all in its split, every
    required kind, its own ids, and variants that build on and compare with its own candidates."""
    answer_set = bench.load_set(name)
    assert sorted(answer_set.files) == sorted(
        [f"{name}.yaml", *(f"{name}_{p}.yaml" for p in BLIND_PARTS)]
    )
    assert answer_set.files[0] == f"{name}.yaml"  # the main file first
    infix, at_least, split = BLIND_PARTS[part_name]
    part = f"{name}_{part_name}.yaml"
    mine = [c for c in answer_set.candidates if c.source == part]
    assert len(mine) >= bench.MIN_PART_CANDIDATES
    ids = [c.id for c in answer_set.candidates]
    assert len(ids) == len(set(ids))  # unique across the files
    assert all(c.id.startswith(f"{name}-{infix}-") for c in mine)
    assert all(c.split == split for c in mine)
    required = {*bench.REQUIRED_KINDS, *(["traditional"] if name == "zh" else [])}
    kinds = [c.kind for c in mine]
    assert required <= set(kinds)
    for kind in ("strong", "mediocre", "poor"):
        assert kinds.count(kind) >= at_least, kind
    names = {c.id for c in mine}
    for c in mine:
        assert c.base is None or c.base in names
        assert c.compare_to is None or c.compare_to in names
        assert bench._label_ok(c.overall)
        assert all(bench._label_ok(v) for v in c.labels.values())


def test_parts_are_loaded_checked_and_ids_unique(bench: ModuleType, tmp_path: Path) -> None:
    data = BENCH.parent / "data" / "assessment"
    main = tmp_path / "en.yaml"
    main.write_text((data / "en.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "en_extra.yaml").write_text(
        "script: cs_home_en\n"
        "candidates:\n"
        "  - {id: en-x-1, split: dev, kind: strong, overall: 5, tier: strong_recommend,\n"
        "     base: en-s1, answers: {}, labels: {}}\n"
        "  - {id: en-x-2, split: held_out, kind: poor, overall: 1, tier: reject,\n"
        "     answers: {cs_experience: None.}, labels: {cs_experience: 1}}\n",
        encoding="utf-8",
    )
    answer_set = bench.load_set(main)
    assert answer_set.files == ["en.yaml", "en_extra.yaml"]
    assert answer_set.by_id()["en-x-1"].answers == answer_set.by_id()["en-s1"].answers
    found = "\n".join(bench.problems(answer_set))
    assert "en_extra.yaml: 2 candidates, fewer than" in found
    assert "en_extra.yaml: no candidate of kind 'keyword_list'" in found
    assert "en_extra.yaml: mixes the splits dev, held_out" in found
    assert "en-x-1: 'en-s1' is not in en_extra.yaml" in found
    (tmp_path / "en_more.yaml").write_text(
        "candidates:\n  - {id: en-s1, kind: strong, overall: 5, tier: strong_recommend}\n",
        encoding="utf-8",
    )
    with pytest.raises(bench.SetError, match="duplicate candidate id 'en-s1'"):
        bench.load_set(main)
    (tmp_path / "en_more.yaml").write_text("script: cs_home_zh\ncandidates: []\n", "utf-8")
    with pytest.raises(bench.SetError, match="script 'cs_home_zh'"):
        bench.load_set(main)
    (tmp_path / "en_more.yaml").write_text("probe_context: en-s1\ncandidates: []\n", "utf-8")
    with pytest.raises(bench.SetError, match=r"probe_context belongs in en\.yaml"):
        bench.load_set(main)


def test_problems_catches_malformed_sets(bench: ModuleType) -> None:
    answer_set = bench.load_set("en")
    first = answer_set.candidates[0]
    first.labels["cs_experience"] = 7
    first.labels["salary"] = 3
    first.answers["no_such_question"] = "hi"
    del first.labels["stress"]
    answer_set.candidates = [c for c in answer_set.candidates if c.kind != "keyword_list"][
        : bench.MIN_CANDIDATES - 1
    ]
    found = "\n".join(bench.problems(answer_set))
    assert "is not 1-5" in found
    assert "'salary', which is neither scored nor yes/no" in found
    assert "unknown question id 'no_such_question'" in found
    assert "answer to 'stress' has no label" in found
    assert "no dev candidate of kind 'keyword_list'" in found
    assert "fewer than 40" in found


def test_statistics(bench: ModuleType) -> None:
    assert bench.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert bench.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1.0
    assert bench.spearman([1, 1, 1], [1, 2, 3]) is None
    assert bench.pairwise_accuracy([3, 2, 1], [3, 2, 1]) == 1.0
    assert bench.pairwise_accuracy([1, 1], [2, 1]) == 0.5


def test_bench_runs_end_to_end_on_a_subset(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        str(BENCH),
        "--set",
        "en",
        "--set",
        "zh",
        "--only",
        "en-s1,en-kw1,en-para1,zh-neg1,zh-hang1",
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["languages"]) == {"en", "zh"}
    en, zh = result["languages"]["en"], result["languages"]["zh"]
    # The selection plus what it needs: compare_to references and the probe context.
    assert {i["candidate"] for i in en["interviews"]} == {
        "en-s1",
        "en-kw1",
        "en-para1",
        "en-p1",
        "en-m1",
    }
    assert [g["candidate"] for g in en["gaming"]] == ["en-kw1"]
    assert en["gaming"][0]["reference"] == "en-p1"
    assert {q["question"] for q in en["gaming"][0]["questions"]} >= {"angry_customer"}
    assert [p["candidate"] for p in en["paraphrase"]] == ["en-para1"]
    assert zh["gaming"][0]["kind"] == "refusal"
    hung = next(i for i in zh["interviews"] if i["candidate"] == "zh-hang1")
    assert hung["complete"] is False
    for figures in (en, zh):
        assert figures["scoring_s"]["n"] == figures["candidates"]
        assert figures["scoring_s"]["p50"] > 0
        assert set(figures["spearman_questions"]) >= {"angry_customer", "mean"}
        assert sum(sum(row.values()) for row in figures["tier_confusion"].values()) == len(
            figures["interviews"]
        )
        assert figures["ranked"] == sum(1 for i in figures["interviews"] if i["complete"])

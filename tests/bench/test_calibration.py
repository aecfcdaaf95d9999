"""The shipped scripts' calibration answers are the labelled sets' dev answers, and only those.

``bench/calibration.py`` writes them; a held-out answer among them would make the held-out
figures of ``bench/assessment.py`` in-sample, so this checks both ways.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.assessment import load_set  # noqa: E402
from bench.calibration import calibration, rewrite  # noqa: E402


@pytest.mark.parametrize("name", ["en", "zh"])
def test_calibration_holds_dev_answers_only(name: str) -> None:
    answer_set = load_set(name)
    held_out = {
        " ".join(a.split()) if name == "en" else a.strip()
        for c in answer_set.candidates
        if c.split != "dev"
        for a in c.answers.values()
        if isinstance(a, str)
    }
    dev = calibration(answer_set)
    for q in answer_set.script.questions:
        if q.rubric is None:
            continue
        shipped = [(e.level, e.text) for e in q.rubric.calibration]
        assert shipped == dev.get(q.id, []), q.id
        leaked = {text for _, text in shipped} & held_out
        assert not leaked, (q.id, leaked)


def test_the_scripts_are_up_to_date() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "calibration.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_rewrite_replaces_an_old_block_and_keeps_the_rest() -> None:
    source = (
        "questions:\n"
        "  - id: a\n"
        "    prompt: Hi?\n"
        "    rubric:\n"
        "      measures: m\n"
        "      calibration:\n"
        "        - {level: 1, text: old}\n"
        "    follow_ups: []\n"
        "  - id: b\n"
        "    prompt: Bye?\n"
    )
    out = rewrite(source, {"a": [(5, 'new "one"')]})
    assert "old" not in out
    assert '      calibration:\n        - {level: 5, text: "new \\"one\\""}\n    follow_ups' in out
    assert out.endswith("  - id: b\n    prompt: Bye?\n")

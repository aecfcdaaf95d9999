"""Write a labelled set's dev answers into its script as rubric calibration answers.

A rubric's ``calibration`` (dialogue/script.py) holds answers from reviewed interviews at the
level a reviewer gave them; the scorer reads an answer's level from them and the exemplars
together. This takes them from the ``dev`` split of ``bench/data/assessment`` only, never from a
held-out part, so the held-out figures of ``bench/assessment.py`` stay out of sample:

- every string answer to a rubric question scored by meaning (``scale: anchors``) that carries a
  label, once per text, in the script's language (other-language answers are scored by their
  own rule and would pull answers in the script's language towards their level), and that no
  held-out candidate gives too (a held-out variant built on a dev base inherits its answers:
  those stay out of the calibration, so no held-out answer is ever in sample);
- written as the last key of each such rubric, replacing an earlier ``calibration`` block.

    .venv/bin/python bench/calibration.py [--set en] [--check]

``--check`` writes nothing and exits 1 if a script's calibration differs from what its set's dev
split gives (the test suite runs it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.assessment import AnswerSet, load_set  # noqa: E402
from dialogue.checks import in_language  # noqa: E402

SCRIPTS = ROOT / "dialogue" / "scripts"


def calibration(answer_set: AnswerSet) -> dict[str, list[tuple[int, str]]]:
    """Per rubric question: (label, text) of the dev answers, sorted by level then text."""
    script = answer_set.script

    def clean(text: str) -> str:
        return " ".join(text.split()) if script.language == "en" else text.strip()

    held_out = {
        clean(a)
        for c in answer_set.candidates
        if c.split != "dev"
        for a in c.answers.values()
        if isinstance(a, str)
    }
    out: dict[str, list[tuple[int, str]]] = {}
    for q in script.questions:
        if q.rubric is None or q.rubric.scale != "anchors" or q.type != "open":
            continue
        found: dict[str, int] = {}
        for c in answer_set.candidates:
            text, label = c.answers.get(q.id), c.labels.get(q.id)
            if c.split != "dev" or not isinstance(text, str) or label is None:
                continue
            text = clean(text)
            if text in held_out or text.startswith("/") or not text:
                continue
            if in_language(text, script.language):
                found[text] = label
        out[q.id] = sorted((label, text) for text, label in found.items())
    return out


def rewrite(source: str, blocks: dict[str, list[tuple[int, str]]]) -> str:
    """``source`` (a script's YAML) with each question's rubric ending in its calibration."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    question: str | None = None
    in_rubric = skipping = False

    def flush() -> None:
        nonlocal in_rubric
        if in_rubric and question in blocks and blocks[question]:
            out.append("      calibration:\n")
            for level, text in blocks[question]:
                quoted = json.dumps(text, ensure_ascii=False)
                out.append(f"        - {{level: {level}, text: {quoted}}}\n")
        in_rubric = False

    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if skipping:
            if stripped and indent <= 6:
                skipping = False
            else:
                continue
        if in_rubric and stripped and indent <= 4:
            flush()
        if m := re.match(r"  - id: (\S+)", line):
            question = m.group(1)
        if line.startswith("    rubric:"):
            in_rubric = True
        elif in_rubric and line.startswith("      calibration:"):
            skipping = True  # the old block: replaced at the rubric's end
            continue
        out.append(line)
    flush()
    return "".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", help="en, zh (default: both)")
    parser.add_argument("--check", action="store_true", help="write nothing; 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for name in args.set or ["en", "zh"]:
        answer_set = load_set(name)
        path = SCRIPTS / f"{answer_set.script.id}.yaml"
        source = path.read_text(encoding="utf-8")
        updated = rewrite(source, calibration(answer_set))
        if updated != source:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.write_text(updated, encoding="utf-8")
    print(json.dumps({"changed" if not args.check else "stale": stale}))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())

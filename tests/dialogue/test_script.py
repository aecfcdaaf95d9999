"""Script schema and loader: shipped catalogue, content hash, YAML 1.2 booleans, line numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dialogue.script import ScriptError, Timing, list_scripts, load_script
from dialogue.text import render

Write = Callable[..., Path]


def test_catalogue() -> None:
    assert list_scripts() == ["cs_home_en", "cs_home_zh"]
    with pytest.raises(ScriptError, match=r"unknown script .*cs_home_en"):
        load_script("no_such_script")


@pytest.mark.parametrize("script_id", ["cs_home_en", "cs_home_zh"])
def test_shipped_scripts_cover_the_brief(script_id: str) -> None:
    script = load_script(script_id)
    assert script.id == script_id and script.language == script_id[-2:]
    assert 6 <= len(script.questions) <= 8
    assert abs(sum(d.weight for d in script.dimensions) - 1) < 1e-9
    assert {f.id for f in script.faq} == {"pay", "schedule", "equipment", "next_steps", "real_job"}
    knockouts = {q.id for q in script.questions if q.knockout}
    assert knockouts == {"quiet_space", "internet"}
    records = {q.record for q in script.questions if q.record}
    assert {"availability", "salary_expectation"} <= records
    assert all(q.concepts for q in script.questions if q.type == "open" and q.id != "salary")


def test_content_hash_ignores_layout_but_not_content(write_script: Write) -> None:
    base = load_script(write_script()).content_hash
    assert len(base) == 64
    relaid = write_script(("role: tester", "# a comment\nrole:   'tester'"), name="b.yaml")
    assert load_script(relaid).content_hash == base
    changed = write_script(("role: tester", "role: tester2"), name="c.yaml")
    assert load_script(changed).content_hash != base


def test_yes_no_keys_stay_strings(write_script: Write) -> None:
    # Under YAML 1.1 these keys would be booleans and the branch would silently vanish.
    script = load_script(write_script())
    branch = script.questions[0].branch
    assert branch is not None and branch.yes is not None and branch.yes.goto == "story"
    assert branch.no is not None and branch.no.end == "completed"


def test_knockout_shorthand_and_timing_override() -> None:
    script = load_script("cs_home_en")
    internet = script.question("internet")
    assert internet.knockout is not None and internet.knockout.answer == "no"
    timing = script.timing_for(internet)
    # No 30 s cap any more: a long reply to a yes/no question is heard to the end (issue 10).
    assert timing == Timing(end_silence_s=0.8, min_answer_s=0, max_answer_s=90)
    assert script.timing_for(None) == Timing()


def test_source_lines(write_script: Write) -> None:
    script = load_script(write_script())
    assert script.source_path is not None and script.source_path.name == "mini.yaml"
    assert script.line_of(("questions", 0, "branch", "yes")) == 23
    assert script.line_of(("questions", 2, "concepts", 0, "synonyms", 1)) == 33
    assert script.line_of(()) == 1


def test_numeric_version_is_text(write_script: Write) -> None:
    versioned = write_script(("role: tester", "role: tester\nversion: 1.2"))
    assert load_script(versioned).version == "1.2"
    assert load_script(write_script(name="plain.yaml")).version == "unversioned"


def test_tiers() -> None:
    # Calibrated on the rubric scorer: strong answers land near 90, mediocre near 50.
    tiers = load_script("cs_home_en").tiers
    assert [tiers.tier_for(s) for s in (90, 70, 69.9, 40, 39.9)] == [
        "strong_recommend",
        "strong_recommend",
        "pending",
        "pending",
        "reject",
    ]


RUBRIC = """
    rubric:
      measures: staying calm with a difficult customer
      levels: {1: loses temper, 3: stays calm, 5: calm and fixes it}
      exemplars:
        - {level: 5, text: "I stayed calm, listened and fixed the order the same day."}
        - {level: 3, text: I tried to stay calm.}
        - {level: 1, text: I shouted back at him.}
"""


def test_rubrics_are_part_of_the_content_hash(write_script: Write) -> None:
    anchor = ("        if_missing: [calm]\n", "        if_missing: [calm]\n" + RUBRIC.lstrip("\n"))
    with_rubric = load_script(write_script(anchor))
    rubric = with_rubric.question("story").rubric
    assert rubric is not None and [e.level for e in rubric.exemplars] == [5, 3, 1]
    edited = write_script(
        (anchor[0], anchor[1].replace("I tried to stay calm.", "I tried hard.")), name="e.yaml"
    )
    assert load_script(edited).content_hash != with_rubric.content_hash
    assert with_rubric.content_hash != load_script(write_script(name="n.yaml")).content_hash


def test_render_tidies_empty_variables() -> None:
    assert render("{candidate_name}，谢谢您。", {"candidate_name": ""}) == "谢谢您。"
    assert render("Hello {candidate_name}, hi", {}) == "Hello, hi"

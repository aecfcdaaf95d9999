"""Script lint: seeded mistakes are reported at the right line with a clear message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dialogue.lint import LintIssue, lint_script, main
from dialogue.script import SCRIPTS_DIR, ScriptError, list_scripts, load_script

Write = Callable[..., Path]


def _found(issues: list[LintIssue]) -> list[tuple[str, int | None, str]]:
    return [(i.severity, i.line, i.message) for i in issues]


@pytest.mark.parametrize("script_id", list_scripts())
def test_shipped_scripts_lint_clean(script_id: str) -> None:
    assert lint_script(SCRIPTS_DIR / f"{script_id}.yaml") == []
    assert lint_script(script_id) == []  # an id works too


def test_minimal_script_has_only_the_unreachable_and_share_warnings(write_script: Write) -> None:
    path = write_script()
    issues = lint_script(path)
    assert _found(issues) == [
        (
            "warning",
            21,
            "question 'remote' carries 40% of the total (over 30%): it alone would decide the tier",
        ),
        ("warning", 25, "question 'skipped' is unreachable: no yes/no answer path leads to it"),
    ]
    assert str(issues[1]).startswith(f"{path}:25: warning: question 'skipped'")
    load_script(path)  # warnings do not stop loading


@pytest.mark.parametrize(
    ("replace", "severity", "line", "message"),
    [
        (("weight: 0.4", "weight: 0.5"), "error", 5, "dimension weights sum to 1.100, not 1"),
        (
            ("dimensions: [communication]", "dimensions: [comms]"),
            "error",
            27,
            "question 'skipped' measures unknown dimension 'comms'",
        ),
        (
            ("goto: story", "goto: stroy"),
            "error",
            23,
            "branch of 'remote' goes to unknown question 'stroy'",
        ),
        (
            ("goto: story", "goto: remote"),
            "error",
            23,
            "branch of 'remote' goes back to 'remote' (loops are not allowed)",
        ),
        (
            ("if_missing: [calm]", "if_missing: [clam]"),
            "error",
            36,
            "follow-up of 'story' refers to unknown concept 'clam'",
        ),
        (
            ("label: {en: Reliability, zh: 可靠}", "label: {en: Reliability}"),
            "warning",
            11,
            "dimension 'reliability' has no 'zh' label",
        ),
        (("- id: skipped", "- id: remote"), "error", 25, "duplicate question id 'remote'"),
        (
            ("dimensions: [reliability]", "dimensions: [communication]"),
            "error",
            9,
            "no question measures dimension 'reliability'",
        ),
        (
            ("type: yes_no", "type: yesno"),
            "error",
            19,
            "questions.0.type: Input should be 'open' or 'yes_no'",
        ),
        (
            ("    prompt: Tell me something.", "    promt: Tell me something."),
            "error",
            26,
            "questions.1.promt: Extra inputs are not permitted",
        ),
        (("role: tester", "role: tester\nrole: again"), "error", 3, "duplicate key 'role'"),
        (
            ("intro: Hi {candidate_name}.", "intro: Hi {candidate}."),
            "error",
            13,
            "unknown variable '{candidate}' (declare it under variables:)",
        ),
        (
            ("weight: 0.6", "weight: lots"),
            "error",
            7,
            "dimensions.0.weight: Input should be a valid number, unable to parse string as a "
            "number",
        ),
        (
            ("ai_disclosure: I am an AI interviewer.", "ai_disclosure: I am your interviewer."),
            "warning",
            14,
            "ai_disclosure does not say 'AI'",
        ),
    ],
)
def test_seeded_mistakes(
    write_script: Write, replace: tuple[str, str], severity: str, line: int, message: str
) -> None:
    path = write_script(replace)
    issues = lint_script(path)
    assert (severity, line, message) in _found(issues)
    assert f"{path}:{line}: {severity}: {message}" in [str(i) for i in issues]
    if severity == "error":
        with pytest.raises(ScriptError) as raised:
            load_script(path)
        assert f"{path}:{line}: error: {message}" in str(raised.value)


RUBRIC = """    rubric:
      measures: staying calm
      levels: {1: loses temper, 2: tense, 3: stays calm, 4: calm and kind, 5: calm and fixes it}
      exemplars:
        - {level: 5, text: I stayed calm and fixed the order the same day.}
        - {level: 3, text: I tried to stay calm.}
        - {level: 1, text: I shouted back at him.}
"""
_AFTER_STORY = "        if_missing: [calm]\n"


@pytest.mark.parametrize(
    ("change", "severity", "message"),
    [
        (
            ("- {level: 3, text: I tried to stay calm.}", "- {level: 4, text: I tried.}"),
            "error",
            "rubric of 'story' needs exemplars at level 3",
        ),
        (
            ("I shouted back at him.", "我冲他吼了。"),
            "error",
            "rubric text of 'story' is not in 'en'",
        ),
        (
            (
                "I shouted back at him.}",
                "I shouted back at him.}\n      calibration:\n        - {level: 2, text: 我烦。}",
            ),
            "error",
            "rubric text of 'story' is not in 'en'",
        ),
        (
            ("2: tense,", "6: tense,"),
            "error",
            "questions.2.rubric.levels: rubric levels must be 1-5, got [6]",
        ),
        (
            ("2: tense, 3: stays calm, 4: calm and kind, 5: calm and fixes it", "2: tense"),
            "warning",
            "rubric of 'story' describes no level 3, 4, 5",
        ),
    ],
)
def test_rubric_mistakes(
    write_script: Write, change: tuple[str, str], severity: str, message: str
) -> None:
    rubric = RUBRIC.replace(*change)
    assert rubric != RUBRIC
    path = write_script((_AFTER_STORY, _AFTER_STORY + rubric))
    found = [(s, m) for s, _line, m in _found(lint_script(path))]
    assert (severity, message) in found, found
    clean = write_script((_AFTER_STORY, _AFTER_STORY + RUBRIC), name="clean.yaml")
    assert not [i for i in lint_script(clean) if "rubric" in i.message]


def test_yaml_syntax_error_has_a_line(write_script: Write) -> None:
    path = write_script(("prompt: Tell me something.", "prompt: [unclosed"))
    (issue,) = lint_script(path)
    assert issue.severity == "error" and issue.line == 27
    assert issue.message.startswith("YAML syntax:")


def test_missing_field_points_at_the_parent(write_script: Write) -> None:
    path = write_script(("closing: Thank you, goodbye.\n", ""))
    assert ("error", 1, "closing: Field required") in _found(lint_script(path))


def test_errors_come_first(write_script: Write) -> None:
    path = write_script(
        ("label: {en: Reliability, zh: 可靠}", "label: {en: Reliability}"),
        ("goto: story", "goto: stroy"),
    )
    severities = [i.severity for i in lint_script(path)]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert severities[0] == "error"


def test_main_exit_status(write_script: Write, capsys: pytest.CaptureFixture[str]) -> None:
    good = str(SCRIPTS_DIR / "cs_home_en.yaml")
    assert main([good]) == 0
    bad = write_script(("weight: 0.4", "weight: 0.5"), name="bad.yaml")
    assert main([good, str(bad)]) == 1
    assert f"{bad}:5: error: dimension weights" in capsys.readouterr().out

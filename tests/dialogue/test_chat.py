"""The text REPL, driven through StringIO (no subprocess)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from dialogue.chat import run_chat
from tests.dialogue.test_engine import ALL_STATES, HAPPY


def chat(lines: list[str], interactive: bool = False, script: str = "cs_home_en") -> list[str]:
    out = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    status = run_chat(script, stdin, out, interactive, {})
    assert status == 0
    return out.getvalue().splitlines()


def test_non_interactive_happy_path_ends_with_json() -> None:
    output = chat(HAPPY["en"])
    result = json.loads(output[-1])
    assert result["outcome"] == "completed"
    assert result["states"] == ALL_STATES
    assert result["records"]["salary_expectation"] == HAPPY["en"][7]
    assert result["flags"] == []
    assert output[0].startswith("Interviewer: Hello there")
    assert all(line.startswith("Interviewer: ") for line in output[:-1])


def test_mandarin_and_variables() -> None:
    out = io.StringIO()
    run_chat(
        "cs_home_zh",
        io.StringIO("再说一遍\n不方便\n明天上午\n"),
        out,
        False,
        {"candidate_name": "王女士"},
    )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Interviewer: 王女士您好")
    result = json.loads(lines[-1])
    assert result["outcome"] == "callback_requested"
    assert result["records"] == {"callback_time": "明天上午"}


def test_eof_is_a_hang_up_and_commands_work() -> None:
    output = chat(["/dtmf 1", "/silence", "/bargein", "/nonsense", "/long I did call center"])
    assert "unknown command '/nonsense' (try /help)" in output
    result = json.loads(output[-1])
    assert result["outcome"] == "hung_up"
    assert result["records"]["consent"] is True
    assert result["records"]["barge_ins"] == ["q:cs_experience"]
    assert result["states"] == ["greeting", "q:cs_experience", "q:angry_customer", "ended"]


def test_hangup_command() -> None:
    result = json.loads(chat(["yes", "/hangup", "never read"])[-1])
    assert result["outcome"] == "hung_up"


def test_interactive_shows_state_concepts_and_records() -> None:
    text = "\n".join(chat(["yes", "I answered calls in a call center", "/help", "/quit"], True))
    assert "state: greeting -> q:cs_experience" in text
    assert "concepts (cs_experience): phone_support" in text
    assert "records: consent=True" in text
    assert "/silence" in text  # help
    assert "outcome: hung_up" in text


def test_invalid_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [", encoding="utf-8")
    out = io.StringIO()
    assert run_chat(str(bad), io.StringIO(""), out, False, None) == 2
    assert f"{bad}:1: error: YAML syntax" in out.getvalue()

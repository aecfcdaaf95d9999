"""Typed interviews (`screenline score`): the engine, the call record and the scorer from a file.

Runs both shipped scripts through the driver in-process and through the console command as a
subprocess; every report must be valid against the report schema.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.calls.typed import AnswersError, load_answers, parse_answers, run_typed, score_typed
from agent.cli import load_embedder, main
from agent.reports.schema import schema_problems
from agent.settings import Settings
from dialogue.script import Script, load_script

EN_ANSWERS = {
    "cs_experience": (
        "I worked three years in a call centre for an online furniture shop, about sixty calls "
        "and chats a day."
    ),
    "angry_customer": (
        "I'd apologize, let them explain, and arrange a replacement sofa or a refund, then "
        "follow up by phone once it is delivered."
    ),
    "stress": (
        "I take short breaks and stay calm. For example last year in the holiday sale I handled "
        "twice the usual volume."
    ),
    "quiet_space": {"dtmf": "1"},
    "internet": "Yes, wired fibre.",
    "availability": "Any day, mornings or evenings, weekends included.",
    "salary": "Eighteen dollars an hour.",
    "ecommerce": "Yes, I handled online orders, returns and delivery tracking for furniture.",
}
ZH_ANSWERS = {
    "greeting": "可以。",
    "cs_experience": "我在一家家具网店做了三年电话客服，每天接六十多个电话，处理物流和退换货。",
    "angry_customer": "我会先道歉，耐心听顾客说完，然后马上安排换货或者退款，之后再回访确认。",
    "stress": "我会利用休息时间深呼吸，按优先级处理问题。比如去年双十一我一天接了一百多个电话。",
    "quiet_space": "有的，我有一个单独的书房。",
    "internet": {"dtmf": "1"},
    "availability": "周末和晚上都可以，时间比较灵活。",
    "salary": "每个月六千左右。",
    "ecommerce": "做过，我处理过很多家具的订单、退货和物流问题。",
}


@pytest.fixture(scope="module")
def en() -> Script:
    return load_script("cs_home_en")


@pytest.fixture(scope="module")
def zh() -> Script:
    return load_script("cs_home_zh")


@pytest.fixture(scope="module")
def embed() -> Any:
    """The embedding function a call gets (the registry's shared model)."""
    return load_embedder(Settings())


def _valid(report: dict[str, Any]) -> dict[str, Any]:
    assert schema_problems(report) == []
    return report


def _candidate_texts(report: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(t["question_id"], t["text"]) for t in report["turns"] if t["speaker"] == "candidate"]


@pytest.mark.parametrize(
    ("script_id", "answers"), [("cs_home_en", EN_ANSWERS), ("cs_home_zh", ZH_ANSWERS)]
)
def test_mapping_form_scores_a_complete_interview(
    script_id: str, answers: dict[str, Any], embed: Any
) -> None:
    script = load_script(script_id)
    report = _valid(score_typed(script, parse_answers(answers, script), embed=embed))
    assert report["outcome"] == "completed" and report["complete"] is True
    assert report["transport"] == "typed"
    assert report["script"]["content_hash"] == script.content_hash
    assert report["records"]["consent"] is True
    # The keypad yes is the engine's yes: recorded as such, and no spoken turn is invented.
    assert report["records"]["has_quiet_space"] is True
    assert report["records"]["has_stable_internet"] is True
    texts = _candidate_texts(report)
    assert ("cs_experience", answers["cs_experience"]) in texts
    assert all(qid != "internet" or "dtmf" not in text for qid, text in texts)
    assert report["records"]["salary_expectation"] == answers["salary"]
    assert report["states"][0] == "greeting" and report["states"][-1] == "ended"
    # Interviewer lines are in the record too, each with its question.
    asked = {t["question_id"] for t in report["turns"] if t["speaker"] == "interviewer"}
    assert {q.id for q in script.questions} <= asked
    scores = report["scores"]
    assert scores is not None and 0 <= scores["total"] <= 100


def test_keypad_and_spoken_yes_give_the_same_records(en: Script, embed: Any) -> None:
    spoken = {**EN_ANSWERS, "quiet_space": "Yes, a spare room with a door."}
    a = score_typed(en, parse_answers(EN_ANSWERS, en), embed=embed)
    b = score_typed(en, parse_answers(spoken, en), embed=embed)
    assert a["records"]["has_quiet_space"] is b["records"]["has_quiet_space"] is True
    assert a["states"] == b["states"]


def test_keypad_no_to_a_knockout_ends_ineligible(zh: Script, embed: Any) -> None:
    answers = {**ZH_ANSWERS, "quiet_space": {"dtmf": "2"}}
    report = _valid(score_typed(zh, parse_answers(answers, zh), embed=embed))
    assert report["outcome"] == "ineligible"
    assert report["records"]["has_quiet_space"] is False
    assert any("knock-out" in f for f in report["flags"])
    assert "q:internet" not in report["states"]


def test_a_question_asked_again_gets_the_same_answer(en: Script, embed: Any) -> None:
    answers = {**EN_ANSWERS, "quiet_space": "Hmm, it depends on the day."}
    record = run_typed(en, parse_answers(answers, en), embed=embed)
    said = [
        t.text for t in record.turns if t.speaker == "candidate" and t.question_id == "quiet_space"
    ]
    assert said == ["Hmm, it depends on the day."] * 2  # asked again after an unsure reply
    assert record.outcome == "completed"


def test_turns_form_with_keypad_digits_in_order(en: Script, embed: Any) -> None:
    turns = [
        {"question": "greeting", "dtmf": "1"},
        EN_ANSWERS["cs_experience"],
        {"question": "angry_customer", "text": EN_ANSWERS["angry_customer"]},
        EN_ANSWERS["stress"],
        {"question": "quiet_space", "dtmf": "1"},
        {"dtmf": "1"},
        EN_ANSWERS["availability"],
        EN_ANSWERS["salary"],
        EN_ANSWERS["ecommerce"],
    ]
    report = _valid(score_typed(en, parse_answers(turns, en), embed=embed))
    assert report["outcome"] == "completed"
    assert report["records"]["has_stable_internet"] is True
    assert report["records"]["availability"] == EN_ANSWERS["availability"]


def test_turns_running_out_is_a_hang_up(en: Script, embed: Any) -> None:
    turns = [EN_ANSWERS["cs_experience"], EN_ANSWERS["angry_customer"]]
    report = _valid(score_typed(en, parse_answers(turns, en), embed=embed))
    assert report["outcome"] == "hung_up" and report["complete"] is False
    assert "q:quiet_space" not in report["states"]


def test_mapping_left_short_hangs_up_and_a_skipped_question_is_silence(
    en: Script, embed: Any
) -> None:
    first_two = {k: EN_ANSWERS[k] for k in ("cs_experience", "angry_customer")}
    report = _valid(score_typed(en, parse_answers(first_two, en), embed=embed))
    assert report["outcome"] == "hung_up" and report["complete"] is False

    skipped = {k: v for k, v in EN_ANSWERS.items() if k != "stress"}
    record = run_typed(en, parse_answers(skipped, en), embed=embed)
    assert record.outcome == "completed"
    assert "q:stress" in record.states
    assert all(t.question_id != "stress" for t in record.turns if t.speaker == "candidate")


def test_chat_commands_and_follow_up_answers(en: Script, embed: Any) -> None:
    answers = {
        **EN_ANSWERS,
        # The thin answer draws the follow-up; the list's second text answers it.
        "cs_experience": ["I worked in a shop.", "About forty customers a day, in person."],
        "ecommerce": "/hangup",
    }
    record = run_typed(en, parse_answers(answers, en), embed=embed)
    assert "followup:cs_experience" in record.states
    texts = [t.text for t in record.turns if t.speaker == "candidate"]
    assert "About forty customers a day, in person." in texts
    assert record.outcome == "hung_up" and record.complete is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"favourite_colour": "blue"}, "unknown question id 'favourite_colour'"),
        ([{"question": "nope", "text": "hi"}], "unknown question id 'nope'"),
        ({"quiet_space": {"dtmf": "12"}}, "bad keypad digit"),
        ({"quiet_space": {"dtmf": "x"}}, "bad keypad digit"),
        ({"quiet_space": "/dtmf 9x"}, "bad keypad digit"),
        ({"quiet_space": {"dtmf": "1", "text": "yes"}}, "either 'text' or 'dtmf'"),
        ({"stress": "/frobnicate"}, "unknown command"),
        ({"stress": ["ok", {"nested": 1}]}, "either 'text' or 'dtmf'"),
        ({"stress": True}, "an answer is a text"),
        ({"stress": "x" * 10_001}, "longer than"),
        ("just a string", "expected a mapping"),
    ],
)
def test_bad_answers_are_clear_errors(en: Script, data: Any, message: str) -> None:
    with pytest.raises(AnswersError, match=message):
        parse_answers(data, en, "answers.yaml")


def test_a_turn_for_the_wrong_question_is_an_error(en: Script, embed: Any) -> None:
    turns = [{"question": "stress", "text": "I stay calm."}]
    with pytest.raises(AnswersError, match="interviewer is asking 'cs_experience'"):
        run_typed(en, parse_answers(turns, en), embed=embed)


def test_bad_files(en: Script, tmp_path: Path, embed: Any) -> None:
    with pytest.raises(AnswersError, match="cannot read"):
        load_answers(tmp_path / "missing.yaml", en)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("stress: [unclosed\n", encoding="utf-8")
    with pytest.raises(AnswersError, match="not valid YAML"):
        load_answers(bad_yaml, en)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"stress": ', encoding="utf-8")
    with pytest.raises(AnswersError, match="not valid JSON"):
        load_answers(bad_json, en)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(AnswersError, match="not UTF-8"):
        load_answers(binary, en)
    huge = tmp_path / "huge.yaml"
    huge.write_text("stress: " + "a" * (1 << 20), encoding="utf-8")
    with pytest.raises(AnswersError, match="larger than"):
        load_answers(huge, en)
    # YAML 1.2 booleans: a bare no stays the word "no", an answer the engine understands.
    ok = tmp_path / "ok.yaml"
    ok.write_text("answers:\n  greeting: no\n", encoding="utf-8")
    record = run_typed(en, load_answers(ok, en), embed=embed)
    assert record.records["consent"] is False
    assert record.outcome == "opted_out"


def test_score_command_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCREENLINE_DATA_DIR", str(tmp_path))
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(ZH_ANSWERS, ensure_ascii=False), encoding="utf-8")
    assert main(["score", "cs_home_zh", str(path), "--candidate", "c-7"]) == 0
    report = _valid(json.loads(capsys.readouterr().out))
    assert report["candidate_id"] == "c-7" and report["script"]["id"] == "cs_home_zh"
    assert report["outcome"] == "completed"
    assert not list(tmp_path.glob("reports/*.json"))  # a try-out stores nothing

    bad = tmp_path / "bad.yaml"
    bad.write_text("nope: hello\n", encoding="utf-8")
    assert main(["score", "cs_home_zh", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "unknown question id 'nope'" in captured.err and captured.out == ""
    assert main(["score", "no_such_script", str(path)]) == 2
    assert "no_such_script" in capsys.readouterr().err


def test_score_command_as_a_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "cs_experience: Three years of phone support at a furniture shop, sixty calls a day.\n"
        "angry_customer: I'd apologize and send a replacement sofa.\n"
        "stress: I take short breaks and stay calm.\n"
        'quiet_space: {dtmf: "1"}\n'
        "internet: /dtmf 1\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SCREENLINE_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "agent.cli", "score", "cs_home_en", str(path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = _valid(json.loads(done.stdout))
    # Answers stop after internet: the candidate hangs up at availability.
    assert report["outcome"] == "hung_up" and report["complete"] is False
    assert report["records"]["has_stable_internet"] is True

    zh_path = tmp_path / "answers_zh.yaml"
    zh_path.write_text(
        "- {question: greeting, dtmf: '1'}\n- 我在呼叫中心做了三年电话客服，每天六十个电话左右。\n",
        encoding="utf-8",
    )
    zh_command = [sys.executable, "-m", "agent.cli", "score", "cs_home_zh", str(zh_path)]
    done = subprocess.run(zh_command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = _valid(json.loads(done.stdout))
    assert report["script"]["language"] == "zh" and report["complete"] is False
    assert (
        "cs_experience",
        "我在呼叫中心做了三年电话客服，每天六十个电话左右。",
    ) in _candidate_texts(report)

    path.write_text('quiet_space: {dtmf: "7x"}\n', encoding="utf-8")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "bad keypad digit" in done.stderr and done.stdout == ""

"""Hand back after a take-over: the interview resumes at the next question (engine, no audio)."""

from __future__ import annotations

from pathlib import Path

from dialogue.engine import Interview
from dialogue.events import HandBack, Listen, Say, Utterance
from dialogue.script import load_script

SCRIPTS = Path(__file__).parents[1] / "fixtures" / "scripts"


def _said(actions: list) -> list[str | None]:  # type: ignore[type-arg]
    return [a.question_id for a in actions if isinstance(a, Say)]


def test_hand_back_moves_to_the_next_question() -> None:
    script = load_script(SCRIPTS / "short_en.yaml")
    interview = Interview(script)
    interview.start()
    interview.handle(Utterance("Yes, that is fine."))
    first = interview.state
    assert first.startswith("q:")
    actions = interview.handle(HandBack())
    assert interview.state != first and interview.state.startswith("q:")
    assert isinstance(actions[-1], Listen)
    assert _said(actions)[-1] == interview.state.removeprefix("q:")


def test_hand_back_during_the_greeting_asks_for_consent_again() -> None:
    interview = Interview(load_script(SCRIPTS / "short_en.yaml"))
    interview.start()
    actions = interview.handle(HandBack())
    assert interview.state == "greeting"
    assert any(isinstance(a, Say) for a in actions) and isinstance(actions[-1], Listen)

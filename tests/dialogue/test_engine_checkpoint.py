"""Interview.checkpoint / rollback: an answer taken back leaves no trace in the engine."""

from __future__ import annotations

from dialogue.engine import Interview
from dialogue.events import Say, Utterance
from dialogue.script import load_script


def _started(script_id: str) -> Interview:
    engine = Interview(load_script(script_id))
    engine.start()
    return engine


def test_rollback_undoes_every_event_since_the_checkpoint() -> None:
    engine = _started("cs_home_en")
    engine.handle(Utterance("Yes, sure."))
    before = (engine.state, dict(engine.records), list(engine.flags), len(engine.history))
    checkpoint = engine.checkpoint()
    engine.handle(Utterance("I worked three years at a bank."))
    engine.handle(Utterance("I'd rather not say more."))
    assert engine.answers  # something changed
    engine.rollback(checkpoint)
    assert (engine.state, engine.records, engine.flags, len(engine.history)) == before
    assert "cs_experience" not in engine.answers
    # ... and from there it goes on as if the answer came whole.
    whole = "I worked three years at a bank. Then two years at a call centre, on the phones."
    actions = engine.handle(Utterance(whole))
    assert engine.answers["cs_experience"].texts == [whole]
    assert any(isinstance(a, Say) for a in actions)


def test_a_checkpoint_is_not_changed_by_what_follows() -> None:
    """Rolled back to twice: the checkpoint holds copies, not the live state."""
    engine = _started("cs_home_zh")
    engine.handle(Utterance("可以。"))
    checkpoint = engine.checkpoint()
    for _ in range(2):
        engine.handle(Utterance("我在银行做了三年客服。"))
        assert "cs_experience" in engine.answers
        engine.rollback(checkpoint)
        assert "cs_experience" not in engine.answers
    # Shared, read-only parts stay shared (no per-turn copy of the script).
    assert "script" not in checkpoint.state and "prompts" not in checkpoint.state

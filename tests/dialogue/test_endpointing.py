"""The text-side end-of-answer cue."""

from __future__ import annotations

import pytest

from dialogue.endpointing import sounds_finished


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I moved to a call centre.", "en"),
        ("Yes, that is fine with me.", "en"),
        ("Could you repeat that?", "en"),
        ("I'd say eighteen dollars an hour!", "en"),
        ("我在客服中心工作了三年。", "zh"),
        ("可以。", "zh"),
    ],
)
def test_finished(text: str, language: str) -> None:
    assert sounds_finished(text, language)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "en"),
        ("I worked at a store, and then, um,", "en"),
        ("and then um.", "en"),
        ("I think the most important thing is", "en"),
        ("My last job was with.", "en"),
        ("Because.", "en"),
        ("然后嗯。", "zh"),
        ("我觉得最重要的是", "zh"),
        ("我做过客服，然后", "zh"),
    ],
)
def test_unfinished(text: str, language: str) -> None:
    assert not sounds_finished(text, language)

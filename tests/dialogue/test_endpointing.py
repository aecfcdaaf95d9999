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
        # A sentence opened by a connective is finished once it says something.
        ("And then I moved to a call centre.", "en"),
        ("So that was my first job.", "en"),
        ("I stayed. But I learned a lot there.", "en"),
        ("I would call them back and then apologise.", "en"),
        ("I listened, then I offered a refund.", "en"),
        ("Whenever you need me to come.", "en"),
        ("I would ask my manager and then come back to them.", "en"),
        ("然后我去了客服中心。", "zh"),
        ("但是我学到了很多东西。", "zh"),
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
        # A connective and a word or two is a restart, however it is punctuated ("um" heard as
        # "come" in a 60 s answer ended it at its thinking pause).
        ("I moved into the customer care team. And then, come.", "en"),
        ("And thumb.", "en"),
        ("I moved into the customer care team and then, hum.", "en"),
        ("I moved into the customer care team, and then, um.", "en"),
        # No comma at all (a loaded run): the filler after "and then" is still a filler.
        ("I moved into the customer care team and then come.", "en"),
        ("I handled returns and thumb.", "en"),
        ("But, so.", "en"),
        ("我在客服部门工作。然后来。", "zh"),
        ("还有呢。", "zh"),
    ],
)
def test_unfinished(text: str, language: str) -> None:
    assert not sounds_finished(text, language)

"""Streaming ASR on recorded human speech is as good as whole-answer ASR (issue 11, item 2).

Three 43-58 s answers in a human voice recorded at 8 kHz (Debian's Asterisk prompts, see
tests/human_speech.py; each has two 1.2 s thinking pauses besides its short ones) go over a
real ``/ws/call`` socket at 8 kHz; the server transcribes them in chunks as a call does. The
same Whisper model then transcribes each answer's audio whole. bench/human_asr.py runs all ten
answers and the phone path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import human_speech

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

#: Streamed WER may exceed whole-answer WER by this much over the three answers (~320 words).
#: The target over the bench's ten answers is 1 point; three answers are a smaller sample, in
#: which one phrase misheard at a chunk join (2-3 words) is already ~1 point, and a chunk cut
#: differently under load shifts Whisper's context for the next. A lost chunk (4-20 s of
#: speech, 10-50 words) costs 3-15 points and fails this, as it fails the word count below.
MARGIN = 0.03


@pytest.fixture(scope="module")
async def scored(
    server_url: str, candidate_voice: Any, runtime: Any, tmp_path_factory: pytest.TempPathFactory
) -> list[human_speech.Scored]:
    human_speech.require()
    chosen = human_speech.answers(4)[1:]  # the first has no 1.2 s pause
    result = await human_speech.interview(
        server_url, chosen, Path(tmp_path_factory.mktemp("human")), voice=candidate_voice, speed=2
    )
    assert result.outcome == "hung_up", result.events
    report = runtime.reports.load(result.report_id)
    return human_speech.score(result, report, chosen, runtime.registry.asr("en"))


async def test_each_answer_is_one_turn_with_all_its_words(
    scored: list[human_speech.Scored],
) -> None:
    # A pause (1.2 s at most, end-of-answer silence 1.5 s) does not end the answer.
    assert [s.turns for s in scored] == [1, 1, 1], [s.to_dict(texts=True) for s in scored]
    for s in scored:
        # Nothing lost: a dropped chunk takes 10-50 of these ~100 words with it.
        assert s.streamed_words >= 0.95 * s.whole_words, s.to_dict(texts=True)
        assert s.whole_words >= 0.9 * s.reference_words, s.to_dict(texts=True)


async def test_streamed_wer_is_within_the_margin_of_whole(
    scored: list[human_speech.Scored],
) -> None:
    streamed = human_speech.overall_wer(scored, streamed=True)
    whole = human_speech.overall_wer(scored, streamed=False)
    assert whole < 0.15  # the whole-answer reference itself reads this voice
    assert streamed <= whole + MARGIN, [s.to_dict(texts=True) for s in scored]

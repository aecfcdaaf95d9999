"""End-of-answer timing across voices, clean and over a phone line (issue 11, item 3).

The embedded Piper voice, two espeak-ng variants and a recorded human voice (Asterisk's
prompts, tests/human_speech.py) each consent (in Piper's voice) and answer two questions of the
human_en script (end-of-answer silence 1.5 s) over a real ``/ws/call`` socket: clean (16 kHz;
the recording at its own 8 kHz) and degraded to a phone line (8 kHz, noise 25 dB under the
speech, mu-law). Each answer has a short pause inside that must not end it. Timing is read on
the call's audio clock (tests/voices.py): from the end of the answer's voice in the audio sent
to the server's end-of-answer decision, which depends on the audio alone, not on how busy the
machine is. bench/human_asr.py reports the reply on the audio clock and at the client in real
time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import human_speech
from tests.helpers import unavailable
from tests.voices import (
    VOICE_ANSWERS,
    TurnTiming,
    espeak_missing,
    percentile,
    voice_interviews,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

END_SILENCE_S = 1.5  # tests/fixtures/scripts/human_en.yaml
#: The decision may come this much after the end silence: VAD frames (32 ms) and the VAD's own
#: stop delay round the silence up; a longer wait is a hold or a transcript waited for.
DECISION_MARGIN_S = 0.3


@pytest.fixture(scope="module")
async def timings(
    server_url: str, candidate_voice: Any, runtime: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, bool], list[TurnTiming]]:
    """Per (voice, phone line): the timing of the consent and the two answers."""
    human_speech.require()
    if missing := espeak_missing():
        unavailable(missing, "make deps installs it")
    runs = await voice_interviews(
        server_url,
        candidate_voice,
        Path(tmp_path_factory.mktemp("voices")),
        runtime.reports.load,
        speed=2,
    )
    for run in runs:
        assert run.outcome == "hung_up", run
        # Each answer is one turn: its pause did not end it.
        assert run.answered == [None, *VOICE_ANSWERS], run
    return {(run.voice, run.phone): run.timings for run in runs}


async def test_every_answer_is_timed_on_the_audio_clock(
    timings: dict[tuple[str, bool], list[TurnTiming]],
) -> None:
    for key, turns in timings.items():
        assert [t.question_id for t in turns] == [None, *VOICE_ANSWERS], key
        for t in turns:
            # The client's count of audio and the server's clock agree: the server's VAD puts
            # the end of the voice within 0.3 s of where the audio has it.
            assert abs(t.last_voice_s - t.voiced_end_s) < 0.3, (key, t.to_dict())
            assert t.endpoint_s <= t.reply_s, (key, t.to_dict())  # a cached reply: same frame


async def test_finished_answers_end_within_the_silence_and_margin(
    timings: dict[tuple[str, bool], list[TurnTiming]],
) -> None:
    decisions = [t.decision_s for turns in timings.values() for t in turns]
    by_voice = {f"{k[0]}{'/phone' if k[1] else ''}": [t.to_dict() for t in v]
                for k, v in timings.items()}  # fmt: skip
    # Never before the silence (the VAD may put the end of the voice up to 0.3 s off, above).
    assert min(decisions) >= END_SILENCE_S - 0.3, by_voice
    p95 = percentile(decisions, 0.95)
    assert p95 is not None and p95 <= END_SILENCE_S + DECISION_MARGIN_S, by_voice

"""Recorded prompts and the TTS engine interface: recordings play through the prompt cache at
the call's rate, and a missing voice is reported per prompt instead of failing calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agent.calls.run import Runtime
from agent.devtools.simulate import Speaker, load_persona
from agent.settings import Settings
from audio.tts import PromptCache, as_engine, recording_key, synthesize_sentences
from audio.wav import read_wav
from models.config import ModelSettings
from tests.conftest import FIXTURES

PROMPT = FIXTURES / "zh" / "prompt_consent.wav"


def test_a_recording_is_resampled_once_per_rate_and_cached() -> None:
    cache = PromptCache()
    source, rate = read_wav(PROMPT)
    assert rate == 8000
    wide = cache.recording(PROMPT, 16000)
    assert abs(len(wide) // 2 - 2 * source.size) <= 2  # 16-bit samples, twice the rate
    assert cache.get(recording_key(PROMPT, 16000)) == wide
    assert cache.recording(PROMPT, 16000) is wide and cache.misses == 1
    assert cache.warm_recordings([PROMPT], 8000) == 1
    assert cache.warm_recordings([PROMPT], 8000) == 0


class _Tone:
    """A stand-in engine with the SpeechEngine shape (speak -> pieces at its own rate)."""

    def speak(self, text: str):  # type: ignore[no-untyped-def]
        for _ in text.split():
            yield np.full(1200, 0.25, np.float32), 12000


def test_any_engine_with_speak_is_used_as_it_is() -> None:
    engine = _Tone()
    assert as_engine(engine) is engine
    pieces = list(synthesize_sentences(engine, "one two", 24000))
    assert [len(p) for p in pieces] == [4800, 4800]  # 2400 samples each at 24 kHz, 16-bit


def test_start_up_lists_the_prompts_no_voice_can_say(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        scripts_dir=FIXTURES / "scripts",
        models=ModelSettings(voices={"en": "embedded", "zh": str(tmp_path / "no-voice.onnx")}),
    )
    runtime = Runtime(settings)
    gaps = runtime.report_unvoiced()
    assert "short_en" not in gaps and "cs_home_en" not in gaps
    short = gaps["short_zh"]
    # Recorded prompts are voiced; the closing (it names the candidate) and system lines not.
    assert "closing" in short and "sys:clarify_prefix" in short
    assert not {"greeting:consent", "q:experience", "q:start"} & set(short)
    assert "q:cs_experience" in gaps["cs_home_zh"]  # the shipped script has no recordings
    runtime.registry.close()


def test_the_synthetic_candidate_plays_recorded_answers_without_a_voice() -> None:
    persona = load_persona(FIXTURES / "short_zh_persona.yaml")
    recorded = persona.recorded()
    text = persona.by_question["start"].text
    assert recorded[text] == FIXTURES / "zh" / "answer_start.wav"
    wide = Speaker(None, 16000, telephony=False, recorded=recorded).speak(text)
    phone = Speaker(None, 8000, telephony=True, recorded=recorded).speak(text)
    source, _rate = read_wav(recorded[text])
    assert wide.size == source.size
    assert abs(phone.size - source.size // 2) <= 2

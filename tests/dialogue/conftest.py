"""Shared helpers for dialogue tests: a small valid script to vary per test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

# Line numbers matter to the lint tests: keep this text's layout stable.
MINIMAL = """\
id: mini
role: tester
language: en
company: Acme
dimensions:
  - id: communication
    weight: 0.6
    label: {en: Communication, zh: 沟通}
  - id: reliability
    weight: 0.4
    label: {en: Reliability, zh: 可靠}
greeting:
  intro: Hi {candidate_name}.
  ai_disclosure: I am an AI interviewer.
  recording_notice: This call is recorded and evaluated.
  consent: May we continue?
questions:
  - id: remote
    type: yes_no
    prompt: Can you work from home?
    dimensions: [reliability]
    branch:
      yes: {goto: story}
      no: {end: completed, say: "Thanks anyway, goodbye."}
  - id: skipped
    prompt: Tell me something.
    dimensions: [communication]
  - id: story
    prompt: Tell me about a difficult customer.
    dimensions: [communication]
    concepts:
      - id: calm
        synonyms: [calm, patient]
    follow_ups:
      - text: How did you stay calm?
        if_missing: [calm]
closing: Thank you, goodbye.
"""


@pytest.fixture
def write_script(tmp_path: Path) -> Callable[..., Path]:
    """Write ``MINIMAL`` with (old, new) replacements applied; return the file's path."""

    def write(*replacements: tuple[str, str], name: str = "mini.yaml") -> Path:
        text = MINIMAL
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write

"""The token cap on Whisper base: the longest chunk after the longest context still decodes."""

from __future__ import annotations

import numpy as np
import pytest

from audio.asr import transcribe_chunk
from models.registry import ModelRegistry

pytestmark = pytest.mark.slow


def test_a_max_length_chunk_after_a_long_mandarin_context_is_accepted() -> None:
    registry = ModelRegistry()
    model = registry.asr("zh")
    quiet = np.zeros(20 * 16000, np.float32)  # a 20 s chunk (max_chunk_s); silence decodes fast
    # 200 characters of context (the most the streaming path passes), ~300 tokens before cutting.
    context = "我在京东做过三年电话客服，主要处理订单、物流和退换货的问题。" * 7
    segments = transcribe_chunk(model, quiet, "zh", context[-200:], 0.0)
    assert all(len(s.text) < 400 for s in segments)  # no loop, no refusal of the arguments
    registry.close()

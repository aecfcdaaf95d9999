"""The embedding function the pure scorer and intent classifier take as a parameter.

``dialogue/`` never loads a model: ``models/`` does, ``agent/`` passes its ``embed`` in, and
text-only tests pass the real one or a deterministic stand-in. Vectors are L2-normalised rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

#: ``embed(texts) -> array of shape (len(texts), dim)``, each row L2-normalised.
Embed = Callable[[Sequence[str]], NDArray[np.float32]]

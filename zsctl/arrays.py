"""numpy helpers shared by the dedup stage and the gram-index build."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def unique_sorted(h: NDArray[Any]) -> NDArray[Any]:
    """Sorted distinct values (np.unique is several times slower on numpy 2 for this)."""
    s = np.sort(h)
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]

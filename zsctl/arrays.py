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


def find_sorted(table: NDArray[Any], keys: NDArray[Any]) -> NDArray[np.int64]:
    """Index of each key in the sorted distinct `table`, or -1 (by bisection: `table` is
    sorted once by its owner, however many look-ups follow)."""
    if len(table) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return np.where(table[at] == keys, at, -1).astype(np.int64)

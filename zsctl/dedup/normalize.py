"""Text normalisation for duplicate detection: NFKC, no whitespace/punctuation/symbols, lowercase.

`_normalize_reference` is the definition (NFKC, str.translate, lower). `normalize_for_dedup` and
`normalize_batch` give identical results through a per-code-point lookup table applied in numpy:
on 2,500-character articles that is ~9x faster than NFKC + str.translate (which costs ~100 ns a
non-ASCII character) and ~20x faster than a regex over the same character classes. A string
holding one of the rare characters whose NFKC form depends on its neighbours (combining marks,
conjoining Hangul jamo, Greek capital sigma) takes the reference path, so the table never has
to reason about context.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zsctl.parse.paragraphs import TRUNCATION_MARKERS, is_truncated  # re-exported for dedup

__all__ = [
    "TRUNCATION_MARKERS",
    "is_truncated",
    "normalize_batch",
    "normalize_codepoints",
    "normalize_for_dedup",
]


_UNICODE_SIZE = 0x110000
# Table values above any code point: "expands to several characters", "needs the whole string".
_EXPAND = np.uint32(0xFFFFFFFE)
_CONTEXT = np.uint32(0xFFFFFFFF)
_SIGMA = "\u03a3"  # str.lower() maps it to σ or ς depending on the next letter

# Ranges whose characters are all letters (or unassigned) that NFKC and lower() leave alone;
# skipping them makes building the table 5x faster. tests/test_dedup.py checks the shortcut.
_IDENTITY_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables (one composes with a following jamo: that jamo is
    # context-sensitive and sends the whole string to the reference path)
    (0x20000, 0x2F7FF),  # CJK extensions B-F and I (the compatibility supplement follows)
    (0x30000, 0xDFFFF),  # CJK extensions G-H, then unassigned planes
    (0xF0000, 0x10FFFF),  # private use planes
)


def _dropped(ch: str) -> bool:
    """Whitespace, punctuation, symbols, separators, controls and invisible format characters."""
    cat = unicodedata.category(ch)
    return cat[0] in "PSZ" or cat in ("Cc", "Cf") or ch.isspace()


def _is_jamo(cp: int) -> bool:
    """Conjoining Hangul jamo, which NFKC composes with their neighbours."""
    return 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF


def _context_sensitive(ch: str) -> bool:
    """Whether NFKC or lower() of a string holding ch can depend on ch's neighbours."""
    for part in unicodedata.normalize("NFKD", ch):
        if (
            unicodedata.combining(part)
            or unicodedata.category(part)[0] == "M"
            or _is_jamo(ord(part))
            or part == _SIGMA
        ):
            return True
    return False


class _Tables:
    """Per-code-point mapping used by the vectorised path, plus the reference path's drop table.

    Each code point's entry is worked out the first time a text holds it: building the whole
    table took 0.3 s per process (a sixth of adding one dump at 100,000 articles), and a
    corpus holds a few thousand distinct characters. `cover` must see a text's code points
    before `mapping` or `drop` is read for them.
    """

    def __init__(self) -> None:
        # 0 = drop, else mapped code point, or _EXPAND / _CONTEXT; identity until covered
        self.mapping: NDArray[np.uint32] = np.arange(_UNICODE_SIZE, dtype=np.uint32)
        self.known = np.zeros(_UNICODE_SIZE, dtype=bool)
        for lo, hi in _IDENTITY_RANGES:
            self.known[lo : hi + 1] = True
        self.known[0xD800:0xE000] = True  # lone surrogates pass NFKC and lower() unchanged
        self.expansions: dict[int, tuple[int, ...]] = {}
        self.drop: dict[int, None] = {}

    def cover(self, cps: NDArray[np.uint32]) -> None:
        """Work out the entries of the code points not seen before."""
        new = cps[~self.known[cps]]
        if len(new):
            for cp in np.unique(new).tolist():
                self._learn(cp)
            self.known[new] = True

    def _learn(self, cp: int) -> None:
        ch = chr(cp)
        if unicodedata.category(ch) == "Cn":
            return  # unassigned: NFKC and lower() leave it, and it is no symbol
        if _dropped(ch):
            self.drop[cp] = None
        if _context_sensitive(ch):
            self.mapping[cp] = _CONTEXT
            return
        out = "".join(c for c in unicodedata.normalize("NFKC", ch) if not _dropped(c)).lower()
        if not out:
            self.mapping[cp] = 0
        elif len(out) == 1:
            self.mapping[cp] = ord(out)
        else:
            self.mapping[cp] = _EXPAND
            self.expansions[cp] = tuple(ord(c) for c in out)


@cache
def _tables() -> _Tables:
    """The process's tables, filled in as texts arrive."""
    return _Tables()


def _normalize_reference(text: str) -> str:
    """The definition: NFKC, drop whitespace/punctuation/symbols, lowercase."""
    nfkc = unicodedata.normalize("NFKC", text)
    tables = _tables()
    tables.cover(_encode(nfkc))
    return nfkc.translate(tables.drop).lower()


def _encode(text: str) -> NDArray[np.uint32]:
    """Code points of a string as a uint32 array (lone surrogates allowed)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _apply_expansions(
    raw: NDArray[np.uint32], mapped: NDArray[np.uint32], tables: _Tables
) -> NDArray[np.uint32]:
    """Replace each _EXPAND entry by its several code points (rare: ㎡, ½, ™, ligatures)."""
    where = np.flatnonzero(mapped == _EXPAND)
    seqs = [tables.expansions[cp] for cp in raw[where].tolist()]
    lengths = np.ones(len(mapped), dtype=np.int64)
    lengths[where] = [len(s) for s in seqs]
    out = np.repeat(mapped, lengths)
    starts = np.cumsum(lengths) - lengths
    for pos, seq in zip(starts[where].tolist(), seqs, strict=True):
        out[pos : pos + len(seq)] = seq
    return out


def normalize_batch(texts: Sequence[str]) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """Normalise many texts at once: concatenated code points and each text's normalised length."""
    tables = _tables()
    raw_lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    raw = _encode("".join(texts))
    tables.cover(raw)
    mapped = np.take(tables.mapping, raw)
    if len(mapped) and mapped.max() >= _EXPAND:
        context = np.flatnonzero(mapped == _CONTEXT)
        if len(context):
            owners = np.searchsorted(np.cumsum(raw_lengths), context, side="right")
            return _normalize_split(texts, np.unique(owners))
        out_lengths = (mapped != 0).astype(np.int64)
        expand = np.flatnonzero(mapped == _EXPAND)
        out_lengths[expand] = [len(tables.expansions[cp]) for cp in raw[expand].tolist()]
        mapped = _apply_expansions(raw, mapped, tables)
        return mapped[mapped != 0], _segment_sums(out_lengths, raw_lengths)
    keep = mapped != 0
    return mapped[keep], _segment_sums(keep, raw_lengths)


def _segment_sums(values: NDArray[Any], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sum of `values` over consecutive segments of the given lengths (empty segments give 0)."""
    out = np.zeros(len(lengths), dtype=np.int64)
    nonempty = lengths > 0
    if nonempty.any():
        # reduceat misreads empty segments, so skip them: their neighbours absorb nothing.
        starts = (np.cumsum(lengths) - lengths)[nonempty]
        out[nonempty] = np.add.reduceat(values, starts, dtype=np.int32)  # 2x faster than int64
    return out


def _normalize_split(
    texts: Sequence[str], slow: NDArray[np.intp]
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """normalize_batch for a batch where the texts at indices `slow` need the reference path."""
    n = len(texts)
    pieces: list[NDArray[np.uint32]] = []
    lengths = np.zeros(n, dtype=np.int64)
    prev = 0
    for i in [*slow.tolist(), n]:
        if i > prev:
            cps, lens = normalize_batch(texts[prev:i])
            pieces.append(cps)
            lengths[prev:i] = lens
        if i < n:
            cps_i = normalize_codepoints(texts[i])
            pieces.append(cps_i)
            lengths[i] = len(cps_i)
        prev = i + 1
    return np.concatenate(pieces) if pieces else np.zeros(0, np.uint32), lengths


def normalize_codepoints(text: str) -> NDArray[np.uint32]:
    """normalize_for_dedup(text) as a uint32 array of code points."""
    tables = _tables()
    raw = _encode(text)
    tables.cover(raw)
    mapped = np.take(tables.mapping, raw)
    if (mapped == _CONTEXT).any():
        return _encode(_normalize_reference(text)).copy()
    if (mapped == _EXPAND).any():
        mapped = _apply_expansions(raw, mapped, tables)
    kept: NDArray[np.uint32] = mapped[mapped != 0]
    return kept


def normalize_for_dedup(text: str) -> str:
    """NFKC, then drop whitespace/punctuation/symbols/controls (so '...' markers go), lowercase."""
    return normalize_codepoints(text).tobytes().decode("utf-32-le", "surrogatepass")

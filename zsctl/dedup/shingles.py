"""Shingles, signatures and sets: the numpy building blocks of deduplication (cluster.py).

Texts are normalised (normalize.py), cut into 5-character shingles hashed to 32 bits, and
summarised by one-permutation MinHash (128 bins, optimal densification; for long texts computed
on the quarter of the shingles whose hash falls in a fixed range) whose LSH band keys decide
which pairs get compared; every comparison is then made on the real shingle sets.

Shingles are hashed, bucketed and compared in numpy, a few hundred texts at a time, because a
100k-article corpus is ~250M characters: anything per character or per shingle in Python is out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zsctl.arrays import unique_sorted
from zsctl.dedup.normalize import normalize_batch, normalize_codepoints
from zsctl.model import DupKind, Edge
from zsctl.parse.tags import strip_tag

__all__ = [
    "MIN_CHARS",
    "Cluster",
    "DedupItem",
    "containment_score",
    "jaccard",
]

SHINGLE = 5  # characters per shingle: ~2-3 Chinese words, rare enough to tell articles apart
NUM_BINS = 128  # one-permutation MinHash bins
MIN_CHARS = 30  # normalised body length below which a text is only ever an exact duplicate
MIN_SHORT_CONTENT = 8  # normalised title+body length below which an item stays alone
_BATCH = 256  # texts per numpy batch: amortises per-call overhead, stays in cache
_MISS = 1e-6  # accepted LSH miss probability for a pair right at the threshold

_U32 = np.uint32
_EMPTY = _U32(0xFFFFFFFF)  # an empty OPH bin; real bin values have at most 25 bits
_HASH_BASE = _U32(0x9E3779B1)
_HASH_BASE3 = _U32((0x9E3779B1**3) % (1 << 32))
# Long texts' signatures are drawn from the lowest quarter of the hash space (4x cheaper).
_ANCHOR_SPACE = _U32(1 << 30)
# Signatures come from the shingles in the anchor space (a quarter of them: 4x cheaper), with
# bins from hash bits 23-29, for texts of at least threshold * _FULL_BELOW / 2 (estimated)
# distinct shingles, and from all shingles for texts of fewer than _FULL_BELOW: a pair similar
# enough to matter always has both texts in one of the two families.
_SAMPLED_VALUE_BITS = 23
_FULL_VALUE_BITS = 25  # the top 7 of 32 bits pick the bin
_FULL_BELOW = 1000


@dataclass(frozen=True, slots=True)
class DedupItem:
    """One parsed record to cluster: a unique stable key, its title and its body text."""

    key: str  # unique, stable id of one parsed record, e.g. "001_x.txt:7"
    title: str  # title without its 【X招商】 tag (a tag still present is stripped)
    text: str  # body paragraphs joined with "\n"


@dataclass(frozen=True, slots=True)
class Cluster:
    """Items judged to be copies of one article, the edges that joined them, and the fullest one."""

    members: tuple[str, ...]  # sorted keys
    edges: tuple[Edge, ...]  # sorted by (a, b, kind)
    representative: str  # longest normalised body; tie -> smallest key


# ------------------------------------------------------------------------------------- exact groups


@dataclass(slots=True)
class _Groups:
    """Exact-duplicate groups of the items (in key order) and the comparable ones among them."""

    item_group: list[int]  # group of each item
    items: list[list[int]]  # items of each group, the canonical (smallest key) first
    u: list[int]  # per group: index among comparable groups, or -1 if too short to compare
    u_group: list[int]  # group of each comparable group index
    by_digest: dict[bytes, int]


def _add_to_groups(
    groups: _Groups, base: int, digests: list[bytes | None], lengths: NDArray[np.int64]
) -> list[int]:
    """Put a batch's items into exact groups; return batch indices that opened comparable ones."""
    fresh: list[int] = []
    for k, d in enumerate(digests):
        g = -1 if d is None else groups.by_digest.get(d, -1)
        if g < 0:
            g = len(groups.items)
            groups.items.append([])
            if d is not None:
                groups.by_digest[d] = g
            if lengths[k] >= MIN_CHARS:
                groups.u.append(len(groups.u_group))
                groups.u_group.append(g)
                fresh.append(k)
            else:
                groups.u.append(-1)
        groups.items[g].append(base + k)
        groups.item_group.append(g)
    return fresh


def _digests(
    cps: NDArray[np.uint32], lengths: NDArray[np.int64], titles: Sequence[str]
) -> list[bytes | None]:
    """Exact-duplicate identity of each text of a batch; None for an item that stays alone."""
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # Texts without characters beyond the BMP are hashed as 16-bit units: half the bytes.
    wide = np.zeros(len(lengths), dtype=bool)
    if len(cps) and int(cps.max()) > 0xFFFF:
        wide_before = np.zeros(len(cps) + 1, dtype=np.int64)
        np.cumsum(cps > 0xFFFF, out=wide_before[1:])
        wide = wide_before[ends] > wide_before[starts]
    narrow_bytes = cps.astype(np.uint16).data.cast("B")
    out: list[bytes | None] = []
    for k, (start, end, is_wide) in enumerate(
        zip(starts.tolist(), ends.tolist(), wide.tolist(), strict=True)
    ):
        if end - start < MIN_CHARS:
            out.append(_short_digest(cps[start:end], titles[k]))
        elif is_wide:
            out.append(
                hashlib.sha1(b"W" + cps[start:end].tobytes(), usedforsecurity=False).digest()
            )
        else:
            h = hashlib.sha1(b"N", usedforsecurity=False)
            h.update(narrow_bytes[start * 2 : end * 2])
            out.append(h.digest())
    return out


def _short_digest(body: NDArray[np.uint32], title: str) -> bytes | None:
    """Identity of a text too short to stand for an article: its title and body together."""
    # "详见附件" under two different titles is two articles, so the title takes part; an item
    # with hardly any text at all is never merged.
    head = normalize_codepoints(strip_tag(title))
    if len(head) + len(body) < MIN_SHORT_CONTENT:
        return None
    # NUL never survives normalisation, so it separates title from body unambiguously.
    data = b"T" + head.tobytes() + b"\0\0\0\0" + body.tobytes()
    return hashlib.sha1(data, usedforsecurity=False).digest()


def _select(
    cps: NDArray[np.uint32], lengths: NDArray[np.int64], which: list[int]
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """The texts `which` (ascending batch indices) of a normalised batch."""
    if len(which) == len(lengths):
        return cps, lengths
    ends = np.cumsum(lengths)
    bounds = zip((ends - lengths)[which].tolist(), ends[which].tolist(), strict=True)
    return np.concatenate([cps[a:b] for a, b in bounds]), lengths[which]


# ----------------------------------------------------------------------------------------- shingles


def _shingle_hashes(cps: NDArray[np.uint32]) -> NDArray[np.uint32]:
    """32-bit hash of each run of SHINGLE consecutive code points (callers drop cross-text runs)."""
    m = len(cps) - SHINGLE + 1
    if m <= 0:
        return np.zeros(0, dtype=_U32)
    # Polynomial hash c0*B^4 + c1*B^3 + c2*B^2 + c3*B + c4 (mod 2**32) built from bigram hashes
    # (3 multiplications instead of 4). Its high bits depend on every input bit, its low bits
    # hardly; one xorshift folds the high bits down so that all bits are usable (high ones pick
    # the anchor space and the OPH bin, low ones are the bin value and the anchor filter index).
    pair = cps[:-1] * _HASH_BASE
    pair += cps[1:]
    h = pair[:m] * _HASH_BASE3
    tmp = pair[2 : m + 2] * _HASH_BASE
    h += tmp
    h += cps[SHINGLE - 1 :]
    np.right_shift(h, _U32(15), out=tmp)
    h ^= tmp
    return h


@dataclass(frozen=True, slots=True)
class _Shingled:
    """Shingle hashes of a batch of normalised texts laid end to end."""

    hashes: NDArray[np.uint32]  # one per start position in the concatenation
    # NUM_BINS * (batch index of the text a shingle belongs to, or n if the shingle is void):
    # the first signature slot of its text, precomputed because it costs nothing here.
    slot: NDArray[np.uint32]
    starts: NDArray[np.int64]  # per text: offset of its first shingle in `hashes`
    counts: NDArray[np.int64]  # per text: number of shingles (0 unless >= MIN_CHARS chars)

    def of(self, k: int) -> NDArray[np.uint32]:
        """Shingle hashes of text k (contiguous: a text's shingles never cross its end)."""
        start = int(self.starts[k])
        return self.hashes[start : start + int(self.counts[k])]


def _shingle_batch(cps: NDArray[np.uint32], lengths: NDArray[np.int64]) -> _Shingled:
    """Shingle hashes of a batch; texts shorter than MIN_CHARS get none."""
    n = len(lengths)
    h = _shingle_hashes(cps)
    eligible = lengths >= MIN_CHARS
    counts = np.where(eligible, lengths - SHINGLE + 1, 0)
    starts = np.cumsum(lengths) - lengths
    # Void positions (short texts, runs crossing into the next text) are owned by row n: the
    # signature step sends them to a scratch row instead of compressing the array.
    row = np.where(eligible, np.arange(n, dtype=_U32), _U32(n)) * _U32(NUM_BINS)
    slot = np.repeat(row, lengths)
    tails = (starts + lengths)[:, None] - np.arange(1, SHINGLE)[None, :]
    slot[tails[(tails >= 0) & (tails < len(slot))]] = n * NUM_BINS
    return _Shingled(h, slot[: len(h)], starts, counts)


@dataclass(frozen=True, slots=True)
class _Sample:
    """The shingles of a batch in the anchor space, with their signature slots."""

    hashes: NDArray[np.uint32]
    slot: NDArray[np.uint32]


def _sample(sh: _Shingled) -> _Sample:
    """The shingles of a batch in the anchor space: what anchors and signatures look at."""
    pos = np.flatnonzero(sh.hashes < _ANCHOR_SPACE)
    return _Sample(sh.hashes[pos], sh.slot[pos])


def _runs(values: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """Distinct values of an array and how often each occurs."""
    s = np.sort(values)
    first = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    return s[first], np.diff(np.append(first, len(s)))


def _intersection_size(a: NDArray[np.uint32], b: NDArray[np.uint32]) -> int:
    """Number of common values of two sorted distinct arrays."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 0:
        return 0
    idx = np.searchsorted(b, a)
    idx[idx == len(b)] = 0
    return int(np.count_nonzero(b[idx] == a))


def _sets_of(texts: Sequence[str]) -> list[NDArray[np.uint32]]:
    """Sorted distinct shingle hashes of each text (empty when shorter than MIN_CHARS)."""
    out: list[NDArray[np.uint32]] = []
    for lo in range(0, len(texts), _BATCH):
        cps, lengths = normalize_batch(texts[lo : lo + _BATCH])
        sh = _shingle_batch(cps, lengths)
        out.extend(unique_sorted(sh.of(k)) for k in range(len(lengths)))
    return out


def jaccard(a: str, b: str) -> float:
    """Jaccard similarity of the shingle sets of two texts, as the near tier computes it."""
    sa, sb = _sets_of([a, b])
    if len(sa) == 0 or len(sb) == 0:
        return 0.0
    inter = _intersection_size(sa, sb)
    return inter / (len(sa) + len(sb) - inter)


def containment_score(snippet: str, text: str) -> float:
    """Share of the snippet's shingles that occur in text, as the containment tier computes it."""
    sa, sb = _sets_of([snippet, text])
    return _intersection_size(sa, sb) / len(sa) if len(sa) else 0.0


# --------------------------------------------------- near duplicates: signatures, LSH, verification


def _splitmix(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64 finaliser: a fixed, platform-independent pseudo-random function."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


# Optimal densification (Shrivastava 2017): an empty bin j borrows the value of bin
# _PROBE[j, t] for the first t whose bin is not empty. The sequence is the same for every text,
# which keeps P(bins equal) close to the Jaccard similarity for texts with few shingles.
_PROBE_STEPS = 96
_PROBE = (
    (_splitmix(np.arange(NUM_BINS * _PROBE_STEPS, dtype=np.uint64)) % np.uint64(NUM_BINS))
    .astype(np.intp)
    .reshape(NUM_BINS, _PROBE_STEPS)
)


def _oph(
    hashes: NDArray[np.uint32], slot: NDArray[np.uint32], n: int, value_bits: int
) -> tuple[NDArray[np.uint32], NDArray[np.int64]]:
    """One-permutation MinHash of n texts, and how many bins each filled before densification.

    The 7 hash bits above the low `value_bits` pick the bin, the low bits are the value; `slot`
    is NUM_BINS times the text of each shingle (n for shingles to ignore).
    """
    flat = np.full((n + 1) * NUM_BINS, _EMPTY, dtype=_U32)  # row n collects void shingles
    if len(hashes):
        index = hashes >> _U32(value_bits)
        if value_bits + 7 < 32:
            index &= _U32(NUM_BINS - 1)
        index |= slot
        np.minimum.at(flat, index, hashes & _U32((1 << value_bits) - 1))
    sig = flat[: n * NUM_BINS].reshape(n, NUM_BINS)
    empty = sig == _EMPTY
    filled = NUM_BINS - empty.sum(axis=1)
    rows, cols = np.nonzero(empty & (filled > 0)[:, None])
    if len(rows) == 0:
        return sig, filled
    # Probe step by step, keeping only the bins still unfilled (a text with few shingles needs
    # several steps, most bins of a long text none).
    values = np.empty(len(rows), dtype=_U32)
    todo = np.arange(len(rows))
    for step in range(_PROBE_STEPS):
        borrowed = sig[rows[todo], _PROBE[cols[todo], step]]
        found = borrowed != _EMPTY
        values[todo[found]] = borrowed[found]
        todo = todo[~found]
        if len(todo) == 0:
            break
    else:
        # A text with a handful of distinct shingles may miss in every probe: fall back to its
        # smallest value, which is still a function of the shingle set alone.
        values[todo] = sig.min(axis=1)[rows[todo]]
    sig[rows, cols] = values
    return sig, filled


def _distinct_estimate(filled: NDArray[np.int64]) -> NDArray[np.float64]:
    """Distinct shingles of a text from the bins its sampled (1 in 4) shingles filled."""
    with np.errstate(divide="ignore"):
        return -4.0 * NUM_BINS * np.log1p(-filled / NUM_BINS)


def _lsh_rows(threshold: float) -> int:
    """Rows per band: the most that still finds a pair at the threshold with P >= 1 - _MISS."""
    best = 1
    for rows in range(1, 17):
        if (1.0 - threshold**rows) ** (NUM_BINS // rows) <= _MISS:
            best = rows
    return best


def _band_keys(sig: NDArray[np.uint32], rows: int) -> NDArray[np.uint32]:
    """LSH band keys (n x NUM_BINS // rows): equal bins in a band give equal keys."""
    bands = NUM_BINS // rows
    cols = sig[:, : bands * rows].reshape(len(sig), bands, rows).astype(np.uint64)
    key = np.zeros((len(sig), bands), dtype=np.uint64)
    for c in range(rows):
        key += cols[:, :, c]
        # Multiplying by an odd constant after every value spreads it over the high bits.
        key *= np.uint64(0x9E3779B97F4A7C15)
    # 32 bits per band keep 100k texts to about one chance collision per band, which only
    # adds a candidate that verification removes, at a quarter of the signature's memory.
    return (key >> np.uint64(32)).astype(_U32)


class _UnionFind:
    """Disjoint sets over 0..n-1 whose root is always the smallest member."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        """Root of x's set (with path halving)."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        """Merge the sets of a and b; False if they were one already."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


# ------------------------------------------------------------------------------------------- output


def _assemble(
    ordered: Sequence[DedupItem],
    groups: _Groups,
    lengths: NDArray[np.int64],
    uf: _UnionFind,
    near: list[tuple[int, int, float]],
    contained: list[tuple[int, int, float]],
) -> list[Cluster]:
    """Turn exact groups, union-find sets and verified edges into sorted Cluster objects."""
    n = len(ordered)
    keys = [it.key for it in ordered]
    # Label each item by its union-find root; groups too short to compare get fresh labels.
    num_u = len(groups.u_group)
    roots = np.array([uf.find(u) for u in range(num_u)], dtype=np.int64)
    group_u = np.array(groups.u, dtype=np.int64)
    group_label = num_u + np.arange(len(group_u), dtype=np.int64)
    comparable = group_u >= 0
    group_label[comparable] = roots[group_u[comparable]]
    label = group_label[np.array(groups.item_group, dtype=np.int64)]
    index = np.arange(n, dtype=np.int64)
    members = np.lexsort((index, label))  # by cluster, then key (items are in key order)
    first = np.flatnonzero(np.concatenate(([True], label[members][1:] != label[members][:-1])))
    bounds = np.append(first, n).tolist()
    # Representative: the longest normalised body, ties to the smallest key.
    by_length = np.lexsort((index, -lengths, label))
    reps = by_length[first].tolist()
    edges: dict[int, list[Edge]] = {}
    group_labels = group_label.tolist()
    for g, its in enumerate(groups.items):
        if len(its) > 1:  # exact copies: a star around the group's smallest key
            edges.setdefault(group_labels[g], []).extend(
                Edge(keys[its[0]], keys[other], DupKind.EXACT, 1.0) for other in its[1:]
            )
    for kind, links in ((DupKind.NEAR, near), (DupKind.CONTAINED, contained)):
        for ua, ub, score in links:
            ga, gb = groups.u_group[ua], groups.u_group[ub]
            a, b = sorted((keys[groups.items[ga][0]], keys[groups.items[gb][0]]))
            edges.setdefault(group_labels[ga], []).append(Edge(a, b, kind, score))
    member_list = members.tolist()
    labels = label[members[first]].tolist()
    key_of = keys.__getitem__
    out: list[Cluster] = []
    for c in np.argsort(reps, kind="stable").tolist():  # keys sort like indices
        lo, hi = bounds[c], bounds[c + 1]
        linked = edges.get(labels[c])
        out.append(
            Cluster(
                members=(keys[member_list[lo]],)
                if hi - lo == 1
                else tuple(map(key_of, member_list[lo:hi])),
                edges=tuple(sorted(linked, key=_edge_order)) if linked else (),
                representative=keys[reps[c]],
            )
        )
    return out


def _edge_order(e: Edge) -> tuple[str, str, str]:
    """Sort key of edges within a cluster."""
    return (e.a, e.b, e.kind)

"""Deterministic near-duplicate clustering of articles in three verified tiers.

1. exact: identical normalised body (`textnorm.normalize_for_dedup`). A body shorter than
   MIN_CHARS does not identify an article ("详见附件"), so there title and body must both match,
   and an item with hardly any text stays alone.
2. near: Jaccard similarity of 5-character shingle sets >= threshold. Candidates come from
   one-permutation MinHash (128 bins, optimal densification; for long texts computed on the
   quarter of the shingles whose hash falls in a fixed range) with LSH banding; every candidate
   is verified on the real shingle sets, so LSH only decides what gets looked at.
3. contained: a short or truncated text whose shingles lie (>= containment) inside a longer text.
   Candidates come from up to 32 "anchor" shingles per short text (its smallest shingle hashes
   that are not common phrases), looked up in every longer text; texts holding enough of a
   snippet's anchors get the containment ratio computed exactly.

Shingles are hashed, bucketed and compared in numpy, a few hundred texts at a time, because a
100k-article corpus is ~250M characters: anything per character or per shingle in Python is out.
Everything runs on the items sorted by key, so the result does not depend on the input order.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zsctl.arrays import unique_sorted
from zsctl.dedup.normalize import is_truncated, normalize_batch, normalize_codepoints
from zsctl.model import DupKind, Edge
from zsctl.parse.tags import strip_tag

__all__ = [
    "MIN_CHARS",
    "Cluster",
    "DedupItem",
    "Edge",
    "cluster",
    "containment_score",
    "jaccard",
]

SHINGLE = 5  # characters per shingle: ~2-3 Chinese words, rare enough to tell articles apart
NUM_BINS = 128  # one-permutation MinHash bins
MIN_CHARS = 30  # normalised body length below which a text is only ever an exact duplicate
SHORT_TEXT = 1000  # raw length up to which an unmarked text may be a snippet of a longer one
NUM_ANCHORS = 32  # most anchor shingles per snippet
MIN_ANCHORS = 4  # fewest anchor shingles per snippet
MIN_SHORT_CONTENT = 8  # normalised title+body length below which an item stays alone
_BATCH = 256  # texts per numpy batch: amortises per-call overhead, stays in cache
_SET_CACHE = 2048  # shingle sets kept while verifying near-duplicate candidates
_BIG_BUCKET = 64  # an LSH bucket larger than this is linked as a star plus a chain
_MISS = 1e-6  # accepted LSH miss probability for a pair right at the threshold
_ANCHOR_MISS = 1e-4  # accepted probability that a contained snippet hits too few anchors

_U32 = np.uint32
_EMPTY = _U32(0xFFFFFFFF)  # an empty OPH bin; real bin values have at most 25 bits
_HASH_BASE = _U32(0x9E3779B1)
_HASH_BASE3 = _U32((0x9E3779B1**3) % (1 << 32))
# Anchors are drawn from the lowest quarter of the hash space, so a long text only looks up
# the quarter of its shingles that can be anchors.
_ANCHOR_SPACE = _U32(1 << 30)
# A 2**22-bit (512 KiB) presence filter stays in L2 cache; a byte per slot would not.
_TABLE_MASK = _U32((1 << 22) - 1)
# Signatures come from the shingles in the anchor space (a quarter of them: 4x cheaper), with
# bins from hash bits 23-29, for texts of at least threshold * _FULL_BELOW / 2 (estimated)
# distinct shingles, and from all shingles for texts of fewer than _FULL_BELOW: a pair similar
# enough to matter always has both texts in one of the two families.
_SAMPLED_VALUE_BITS = 23
_FULL_VALUE_BITS = 25  # the top 7 of 32 bits pick the bin
_FULL_BELOW = 1000
_DF_SAMPLE = 2048  # items sampled to find common shingles
_COMMON_DF = 3  # sampled items a shingle must occur in to be too common for an anchor


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


def cluster(
    items: Sequence[DedupItem], *, threshold: float = 0.8, containment: float = 0.9
) -> list[Cluster]:
    """Cluster items into exact, near and contained duplicates; every item in one cluster."""
    if not (0.0 < threshold <= 1.0 and 0.0 < containment <= 1.0):
        raise ValueError("threshold and containment must be in (0, 1]")
    ordered = sorted(items, key=lambda it: it.key)
    for prev, cur in itertools.pairwise(ordered):
        if prev.key == cur.key:
            raise ValueError(f"duplicate key {cur.key!r}")
    if not ordered:
        return []
    snip = _build_snippets(ordered, containment)
    scan = _scan(ordered, snip, threshold, containment)
    canon = [scan.groups.items[g][0] for g in scan.groups.u_group]
    uf = _UnionFind(len(canon))
    pairs = _unique_rows(np.concatenate([f.candidates() for f in scan.families]))
    near = _verify_near(pairs, [ordered[i].text for i in canon], threshold, uf)
    contained = _attach_snippets(scan, snip, uf, canon)
    return _assemble(ordered, scan.groups, scan.lengths, uf, near, contained)


@dataclass(frozen=True, slots=True)
class _ScanResult:
    """What the pass over all items yields."""

    groups: _Groups
    lengths: NDArray[np.int64]  # normalised body length of each item
    families: tuple[_Family, _Family]  # (sampled, full) band keys of comparable groups
    contained: list[tuple[int, int, int]]  # (item, snippet, common shingles), verified


def _scan(
    ordered: Sequence[DedupItem], snip: _Snippets, threshold: float, containment: float
) -> _ScanResult:
    """One pass, batch by batch: exact groups, signatures, and snippets held by each text."""
    groups = _Groups([], [], [], [], {})
    lengths = np.zeros(len(ordered), dtype=np.int64)
    rows = _lsh_rows(threshold)
    families = (_Family(rows, [], []), _Family(rows, [], []))
    sampled_from = 0.5 * threshold * _FULL_BELOW
    contained: list[tuple[int, int, int]] = []
    for base in range(0, len(ordered), _BATCH):
        batch = ordered[base : base + _BATCH]
        cps, batch_lengths = normalize_batch([it.text for it in batch])
        lengths[base : base + len(batch)] = batch_lengths
        digests = _digests(cps, batch_lengths, [it.title for it in batch])
        first_u = len(groups.u_group)
        fresh = _add_to_groups(groups, base, digests, batch_lengths)
        if not fresh:
            continue
        # Copies of texts seen before need no shingles: their group already has them.
        cps, batch_lengths = _select(cps, batch_lengths, fresh)
        sh = _shingle_batch(cps, batch_lengths)
        sample = _sample(sh)
        contained.extend(
            (base + fresh[k], s, c)
            for k, s, c in _probe(sample, sh, batch_lengths, snip, containment)
        )
        sig, filled = _oph(sample.hashes, sample.slot, len(fresh), _SAMPLED_VALUE_BITS)
        distinct = _distinct_estimate(filled)
        which = np.flatnonzero(distinct >= sampled_from)
        families[0].add(first_u, which, sig[which])
        which = np.flatnonzero((sh.counts < _FULL_BELOW) | (distinct < _FULL_BELOW))
        if len(which):
            short = _shingle_batch(*_select(cps, batch_lengths, which.tolist()))
            sig = _oph(short.hashes, short.slot, len(which), _FULL_VALUE_BITS)[0]
            families[1].add(first_u, which, sig)
    return _ScanResult(groups, lengths, families, contained)


def _attach_snippets(
    scan: _ScanResult, snip: _Snippets, uf: _UnionFind, canon: list[int]
) -> list[tuple[int, int, float]]:
    """Join snippets to their containers in uf; return the (snippet, container, ratio) links."""
    # Each near-duplicate set holding snippets joins at most one other set, the one with the
    # best container (highest ratio, then longest, then smallest key), so a boilerplate
    # snippet found in two unrelated articles cannot chain them together. Decisions are taken
    # on the sets as the near tier left them, so they do not depend on each other.
    groups = scan.groups
    snippet_u = [groups.u[groups.by_digest[d]] for d in snip.digest]
    best: dict[int, tuple[float, int, int, int]] = {}
    for item, s, common in scan.contained:
        us, ul = snippet_u[s], groups.u[groups.item_group[item]]
        rs = uf.find(us)
        if rs != uf.find(ul):
            rank = (-common / len(snip.sets[s]), -int(scan.lengths[canon[ul]]), ul, us)
            if rs not in best or rank < best[rs]:
                best[rs] = rank
    links = [(us, ul, -neg_score) for neg_score, _, ul, us in best.values()]
    for us, ul, _ in links:
        uf.union(us, ul)
    return links


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


@dataclass(slots=True)
class _Family:
    """LSH band keys of one kind of signature (sampled or full), and whose they are."""

    rows: int  # signature bins per band
    u: list[NDArray[np.int64]]
    keys: list[NDArray[np.uint32]]

    def add(self, first_u: int, which: NDArray[np.intp], sig: NDArray[np.uint32]) -> None:
        """Add the signatures of a batch's new groups first_u + which (one row each)."""
        self.u.append(first_u + which)
        self.keys.append(_band_keys(sig, self.rows))

    def candidates(self) -> NDArray[np.int64]:
        """LSH candidate pairs of comparable-group indices (i < j)."""
        if not self.u:
            return np.zeros((0, 2), dtype=np.int64)
        u = np.concatenate(self.u)
        return u[_candidate_pairs(np.concatenate(self.keys))]


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


def _bucket_pairs(key: NDArray[np.uint32]) -> NDArray[np.int64]:
    """Pairs (i, j), i < j, of texts with equal keys, as an (m, 2) array."""
    n = len(key)
    # Sort keys with the text index in the low half: np.sort is several times faster than a
    # stable argsort and the order is still fully determined.
    packed = key.astype(np.uint64) << np.uint64(32)
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    sk = packed >> np.uint64(32)
    is_start = np.ones(n, dtype=bool)
    np.not_equal(sk[1:], sk[:-1], out=is_start[1:])
    run_start = np.flatnonzero(is_start)
    run_len = np.diff(np.append(run_start, n))
    if run_len.max(initial=0) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    elem_run = np.cumsum(is_start) - 1
    elem_end = (run_start + run_len)[elem_run]
    elem_len = run_len[elem_run]
    members = np.flatnonzero((elem_len >= 2) & (elem_len <= _BIG_BUCKET))
    out: list[NDArray[np.int64]] = []
    for d in range(1, int(elem_len[members].max(initial=1))):
        p = members[members + d < elem_end[members]]
        out.append(np.stack([order[p], order[p + d]], axis=1))
    # A huge bucket (many copies of a template) is linked as a star around its first member
    # plus a chain, so candidates stay linear in its size; other bands add more links.
    for r in np.flatnonzero(run_len > _BIG_BUCKET).tolist():
        idx = order[run_start[r] : run_start[r] + run_len[r]]
        out.append(np.stack([np.repeat(idx[0], len(idx) - 1), idx[1:]], axis=1))
        out.append(np.stack([idx[1:-1], idx[2:]], axis=1))
    pairs = np.concatenate(out)
    pairs.sort(axis=1)
    return pairs


def _candidate_pairs(keys: NDArray[np.uint32]) -> NDArray[np.int64]:
    """Distinct LSH candidate pairs (i < j) from band keys, as an (m, 2) array sorted by (i, j)."""
    n = len(keys)
    codes: list[NDArray[np.int64]] = []
    for band in range(keys.shape[1]):
        pairs = _bucket_pairs(keys[:, band])
        if len(pairs):
            codes.append(pairs[:, 0] * n + pairs[:, 1])
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    flat = unique_sorted(np.concatenate(codes))
    return np.stack([flat // n, flat % n], axis=1)


def _unique_rows(pairs: NDArray[np.int64]) -> NDArray[np.int64]:
    """Distinct (i, j) rows, sorted."""
    if len(pairs) == 0:
        return pairs.reshape(0, 2)
    width = int(pairs.max()) + 1
    codes = unique_sorted(pairs[:, 0] * width + pairs[:, 1])
    return np.stack([codes // width, codes % width], axis=1)


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


def _verify_near(
    pairs: NDArray[np.int64], texts: Sequence[str], threshold: float, uf: _UnionFind
) -> list[tuple[int, int, float]]:
    """Verify candidate pairs; return those that joined two sets, with their Jaccard."""
    # Go component by component of the candidate graph (each in (i, j) order) so a text's
    # shingle set is computed about once and at most _SET_CACHE sets are alive. A pair whose
    # texts are already joined is skipped: a family of k copies costs ~k checks, not k^2/2.
    comp = _UnionFind(len(texts))
    for i, j in pairs.tolist():
        comp.union(i, j)
    roots = np.array([comp.find(i) for i in pairs[:, 0].tolist()], dtype=np.int64)
    pair_list = pairs[np.lexsort((pairs[:, 1], pairs[:, 0], roots))].tolist()
    cache: OrderedDict[int, NDArray[np.uint32]] = OrderedDict()
    joined: list[tuple[int, int, float]] = []
    pos = 0
    while pos < len(pair_list):
        need: dict[int, None] = {}
        end = pos
        while end < len(pair_list) and len(need) < _SET_CACHE // 2:
            i, j = pair_list[end]
            if uf.find(i) != uf.find(j):
                need[i] = need[j] = None
            end += 1
        missing = [u for u in need if u not in cache]
        while cache and len(cache) + len(missing) > _SET_CACHE:
            cache.popitem(last=False)
        for u, s in zip(missing, _sets_of([texts[u] for u in missing]), strict=True):
            cache[u] = s
        for i, j in pair_list[pos:end]:
            if uf.find(i) == uf.find(j):
                continue
            a, b = cache[i], cache[j]
            if min(len(a), len(b)) < threshold * max(len(a), len(b)):
                continue  # Jaccard <= smaller / larger
            common = _intersection_size(a, b)
            score = common / (len(a) + len(b) - common)
            if score >= threshold:
                uf.union(i, j)
                joined.append((i, j, score))
        pos = end
    return joined


# ---------------------------------------------------------------- snippets: anchors and containment


@dataclass(frozen=True, slots=True)
class _Snippets:
    """Short or truncated texts that may lie inside a longer one, with their anchor index."""

    digest: list[bytes]
    sets: list[NDArray[np.uint32]]
    length: NDArray[np.int64]  # normalised length
    min_hits: NDArray[np.int64]
    anchor_hash: NDArray[np.uint32]  # sorted
    anchor_owner: NDArray[np.int64]  # snippet of each anchor
    table: NDArray[np.uint8]  # bit set over the low 22 bits of the anchor hashes


def _min_hits(anchors: int, rate: float) -> int:
    """Hits that `anchors` anchors drawn at `rate` reach with probability >= 1 - _ANCHOR_MISS."""
    return _min_hits_at(anchors, math.floor(max(rate, 0.0) * 100) / 100)  # round down: safe


@cache
def _min_hits_at(anchors: int, rate: float) -> int:
    """_min_hits for a rate with two decimals (cached: snippets share few distinct values)."""
    # Hits ~ Binomial(anchors, rate); the true law (hypergeometric) is tighter.
    cdf = 0.0
    for hits in range(anchors + 1):
        cdf += math.comb(anchors, hits) * rate**hits * (1 - rate) ** (anchors - hits)
        if cdf > _ANCHOR_MISS:
            return max(hits, 1)
    return max(anchors, 1)


def _common_shingles(items: Sequence[DedupItem]) -> NDArray[np.uint32]:
    """Anchor-space shingles found in >= _COMMON_DF of an evenly spaced sample of the items."""
    # A snippet's anchors are looked up in every text, so an anchor like "高质量发展" that
    # occurs in 1 of 5 articles would cost a hit in each; a small document-frequency sample is
    # enough to recognise such phrases and leave them out.
    if not items:
        return np.zeros(0, dtype=_U32)
    picks = np.unique(np.linspace(0, len(items) - 1, min(len(items), _DF_SAMPLE)).astype(int))
    seen: list[NDArray[np.uint32]] = []
    for lo in range(0, len(picks), _BATCH):
        cps, lengths = normalize_batch([items[i].text for i in picks[lo : lo + _BATCH].tolist()])
        sh = _shingle_batch(cps, lengths)
        for k in range(len(lengths)):
            h = sh.of(k)
            seen.append(unique_sorted(h[h < _ANCHOR_SPACE]))
    values, counts = _runs(np.concatenate(seen)) if seen else (np.zeros(0, _U32), np.zeros(0))
    common: NDArray[np.uint32] = values[counts >= _COMMON_DF].astype(_U32)
    return common


def _anchors(
    s: NDArray[np.uint32], common: NDArray[np.uint32], containment: float
) -> tuple[NDArray[np.uint32], int]:
    """A snippet's anchors (its smallest uncommon hashes: a uniform sample) and hits needed.

    Anchors come from the anchor space only, so a snippet none of whose shingles falls there
    (odds 0.75**26 for the shortest snippets) is not indexed.
    """
    space = s[: int(np.searchsorted(s, _ANCHOR_SPACE))]
    pool = space
    if len(common) and len(space):
        idx = np.minimum(np.searchsorted(common, space), len(common) - 1)
        pool = space[common[idx] != space]
    if len(pool) < MIN_ANCHORS:
        pool = space  # boilerplate, or a tiny snippet: any of its shingles will do
    if len(pool) == 0:
        return pool, 1
    # Shingles missing from a container fall anywhere in hash space, but common ones are
    # probably present: in the worst case every missing one is in the pool. Two standard
    # deviations more cover the luck of which shingles fell into the anchor space.
    missing = (1.0 - containment) * len(space) / len(pool)
    spread = 2.0 * math.sqrt(containment * (1.0 - containment) / len(space))
    anchors = pool[:NUM_ANCHORS]
    # Besides, a container lacks at most (1 - containment) * |s| of the snippet's shingles, so
    # it certainly holds all the other anchors: decisive for snippets with few anchors.
    certain = math.ceil(len(anchors) - (1.0 - containment) * len(s) - 1e-9)
    return anchors, max(_min_hits(len(anchors), 1.0 - missing - spread), certain)


def _build_snippets(items: Sequence[DedupItem], containment: float) -> _Snippets:
    """Index the anchors of every distinct short or truncated text of MIN_CHARS or more."""
    chosen = [it for it in items if len(it.text) <= SHORT_TEXT or is_truncated(it.text)]
    seen: set[bytes] = set()
    digests: list[bytes] = []
    sets: list[NDArray[np.uint32]] = []
    lengths_out: list[int] = []
    for lo in range(0, len(chosen), _BATCH):
        part = chosen[lo : lo + _BATCH]
        cps, lengths = normalize_batch([it.text for it in part])
        sh = _shingle_batch(cps, lengths)
        for k, d in enumerate(_digests(cps, lengths, [it.title for it in part])):
            if lengths[k] < MIN_CHARS or d is None or d in seen:
                continue
            seen.add(d)
            digests.append(d)
            sets.append(unique_sorted(sh.of(k)))
            lengths_out.append(int(lengths[k]))
    common = _common_shingles(items) if sets else np.zeros(0, dtype=_U32)
    chosen_anchors = [_anchors(s, common, containment) for s in sets]
    anchors = [a for a, _ in chosen_anchors]
    sizes = [len(a) for a in anchors]
    anchor_hash = np.concatenate(anchors) if anchors else np.zeros(0, _U32)
    anchor_owner = np.repeat(np.arange(len(anchors), dtype=np.int64), sizes)
    order = np.argsort(anchor_hash, kind="stable")
    present = np.zeros(int(_TABLE_MASK) + 1, dtype=np.bool_)
    present[anchor_hash & _TABLE_MASK] = True
    table = np.packbits(present, bitorder="little")
    return _Snippets(
        digest=digests,
        sets=sets,
        length=np.array(lengths_out, dtype=np.int64),
        min_hits=np.array([h for _, h in chosen_anchors], dtype=np.int64),
        anchor_hash=anchor_hash[order],
        anchor_owner=anchor_owner[order],
        table=table,
    )


def _probe(
    sample: _Sample, sh: _Shingled, lengths: NDArray[np.int64], snip: _Snippets, containment: float
) -> list[tuple[int, int, int]]:
    """(text, snippet, common shingles) for each snippet verified inside a longer batch text."""
    if len(sample.hashes) == 0 or len(snip.anchor_hash) == 0:
        return []
    n = len(lengths)
    low = sample.hashes & _TABLE_MASK
    bits = snip.table[low >> _U32(3)] >> (low & _U32(7)).astype(np.uint8)
    keep = (bits & np.uint8(1)).view(np.bool_)
    hv, owner = sample.hashes[keep], sample.slot[keep] // _U32(NUM_BINS)
    hv, owner = hv[owner < n], owner[owner < n]
    lo = np.searchsorted(snip.anchor_hash, hv, side="left")
    cnt = np.searchsorted(snip.anchor_hash, hv, side="right") - lo
    sel = cnt > 0
    if not sel.any():
        return []
    owner, lo, cnt = owner[sel].astype(np.int64), lo[sel], cnt[sel]
    # An anchor value may belong to several snippets: one row per (text, anchor) ...
    total = int(cnt.sum())
    anchor = np.repeat(lo, cnt) + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    num_anchors = len(snip.anchor_hash)
    hit, _ = _runs(np.repeat(owner, cnt) * num_anchors + anchor)
    # ... and one count per (text, snippet) of the distinct anchors it holds.
    num_snippets = len(snip.sets)
    pair, hits = _runs((hit // num_anchors) * num_snippets + snip.anchor_owner[hit % num_anchors])
    doc, sid = pair // num_snippets, pair % num_snippets
    ok = (hits >= snip.min_hits[sid]) & (lengths[doc] > snip.length[sid])
    return _verify_contained(doc[ok], sid[ok], sh, snip, containment)


def _verify_contained(
    doc: NDArray[np.int64],
    sid: NDArray[np.int64],
    sh: _Shingled,
    snip: _Snippets,
    containment: float,
) -> list[tuple[int, int, int]]:
    """(text, snippet, common shingles) of the candidate pairs whose containment is verified.

    At 100,000 bench articles there are ~730,000 candidate pairs and under 1% hold. Two
    exact stages, each one searchsorted call per text over all its candidates (a call per pair
    spent ~40 s in numpy's per-call overhead): first a quarter of each snippet's shingles,
    which already rejects a pair when its misses there exceed what the whole snippet may miss
    (misses in a subset never exceed misses in the whole); then the full check for the rest.
    """
    found: list[tuple[int, int, int]] = []
    docs = doc.tolist()
    sids = sid.tolist()
    if not docs:
        return found
    starts = [0, *(i for i in range(1, len(docs)) if docs[i] != docs[i - 1]), len(docs)]
    for lo, hi in itertools.pairwise(starts):
        text = unique_sorted(sh.of(docs[lo]))
        if len(text) == 0:
            continue
        sets = [snip.sets[s] for s in sids[lo:hi]]
        sizes = [len(x) for x in sets]
        allowed = [n - containment * n for n in sizes]  # misses the whole may have
        heads = _common_counts(text, [x[: (len(x) + 3) // 4] for x in sets])
        keep = [
            k
            for k, c in enumerate(heads)
            if (sizes[k] + 3) // 4 - c <= allowed[k]  # else rejected by its head alone
        ]
        if not keep:
            continue
        common = _common_counts(text, [sets[k] for k in keep])
        for k, c in zip(keep, common, strict=True):
            if c >= containment * sizes[k]:
                found.append((docs[lo], sids[lo + k], c))
    return found


def _common_counts(text: NDArray[np.uint32], sets: list[NDArray[np.uint32]]) -> list[int]:
    """How many values of each sorted set are in the sorted, distinct `text`."""
    sizes = np.array([len(x) for x in sets], dtype=np.int64)
    wanted = np.concatenate(sets)
    idx = np.searchsorted(text, wanted)
    idx[idx == len(text)] = 0
    hit = (text[idx] == wanted).astype(np.int64)
    counts: list[int] = np.add.reduceat(hit, np.cumsum(sizes) - sizes).tolist()
    return counts


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

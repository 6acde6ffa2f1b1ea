"""Pairwise clustering in stages: records -> signatures -> candidate pairs -> verified edges ->
components. Every decision is about one pair (or one snippet's candidates), so the clusters are
a function of the set of records alone, and any subset closed under the candidate relation
clusters the same way on its own (what an incremental ingest relies on).

Tiers, each verified exactly on 5-character shingle sets:

* exact: identical normalised body (short bodies: title and body) -> one group, a star of edges
  around its smallest key. Only each group's smallest key takes part below.
* near: Jaccard >= threshold. Candidates share an LSH band key (every pair of a bucket, however
  large: no shortcut). Components are the connected components of verified pairs; the edges kept
  are the spanning forest that Kruskal's rule gives in the fixed order (family, band, a, b), so
  a pair already joined is never verified and the forest is a function of the set.
* contained: a record S is a *truncated form* of a longer record A when
  (a) S ends with a truncation marker (…, ..., ……) and at least `containment` of S's shingles
      occur in A's opening (its first 1.1 |S| + 10 normalised characters), or
  (b) S and A have the same normalised title (or one title is the other's cut-off prefix) and at
      least `containment` of S's shingles occur anywhere in A.
  A snippet joins only its best container (highest ratio, then longest, then smallest key), so
  one snippet never links two articles, and a passage quoted inside an unrelated report links
  nothing.
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zsctl.arrays import unique_sorted
from zsctl.dedup.normalize import TRUNCATION_MARKERS, is_truncated, normalize_batch
from zsctl.dedup.shingles import (
    _FULL_BELOW,
    _FULL_VALUE_BITS,
    _SAMPLED_VALUE_BITS,
    MIN_CHARS,
    NUM_BINS,
    SHINGLE,
    Cluster,
    DedupItem,
    _add_to_groups,
    _assemble,
    _band_keys,
    _digests,
    _distinct_estimate,
    _Groups,
    _intersection_size,
    _lsh_rows,
    _oph,
    _sample,
    _select,
    _shingle_batch,
    _Shingled,
    _UnionFind,
    containment_score,
    jaccard,
)
from zsctl.parse.tags import strip_tag

__all__ = [
    "MIN_CHARS",
    "Cluster",
    "CodeIndex",
    "DedupItem",
    "Signatures",
    "affected",
    "candidate_pairs",
    "cluster",
    "cluster_signed",
    "containment_score",
    "could_be_one_headline",
    "generic_titles",
    "jaccard",
    "paired_buckets",
    "record_codes",
    "signatures",
    "title_buckets",
    "title_codes",
]

WINDOW = 30  # normalised characters per opening window (= MIN_CHARS: every text has one)
WINDOWS = 4  # opening windows indexed per text: its first 120 characters
WINDOW_HASHES = 4  # min-hashes per window: one edit in it misses all four with odds ~1e-4
TITLE_PREFIX = 8  # normalised characters of a title that a cut-off title is looked up by
MIN_TITLE = 4  # a normalised title shorter than this never matches another
# A cut snippet joins a text whose opening holds it only if their titles could be one
# headline: equal, one a prefix of the other (cut), or sharing this share of character
# pairs (an edited listing headline). Measured at 100k on bench.generate's snippets shape:
# stories whose bodies open with the same generated sentences took each other's snippets
# (precision 0.9948, 239 wrong pairs, every one under an unrelated title).
TITLE_SIMILAR = 0.5
# A title (or a cut title's 8-character prefix) carried by more records than this in the whole
# corpus ("招商引资工作动态", "一周要闻") names a column, not a story: it proves nothing, and
# comparing every pair under it would be quadratic. Counted over every record, so that an
# incremental ingest can tell from the store alone (store/codes.py) and never has to
# re-cluster such a column (7,481 records under "一周要闻" on bench.generate's titles shape).
TITLE_BUCKET = 256
OPENING_SLACK = (1.1, 10)  # A's opening checked for S: 1.1 * |S| + 10 characters
_BATCH = 256
_SET_CACHE = 4096  # shingle sets alive at once while verifying
_CHUNK = 2048  # candidate pairs verified per round (needs at most 2 * _CHUNK sets)
_MIX = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F], dtype=np.uint32)


@dataclass(frozen=True, slots=True)
class Signatures:
    """Stage 1 output, one row per record (in key order): all candidate generation needs.

    Each row depends on its own record only, so rows can be computed anywhere and stored.
    """

    keys: list[str]
    digest: list[bytes | None]  # exact identity, None for an item that stays alone
    length: NDArray[np.int64]  # normalised body length
    truncated: NDArray[np.bool_]  # body ends with a truncation marker
    title: list[str]  # normalised title, tag stripped
    title_cut: NDArray[np.bool_]  # title ends with a truncation marker
    buckets: NDArray[np.int64]  # (n, 2) title bucket keys (full title, prefix); -1 = none
    bands: tuple[NDArray[np.int64], NDArray[np.int64]]  # (n, bands) per family; -1 = none
    openings: NDArray[np.int64]  # (n, WINDOWS, WINDOW_HASHES); -1 where the text is too short


def signatures(items: Sequence[DedupItem], threshold: float) -> Signatures:
    """Stage 1: per-record exact digest, LSH band keys, opening keys and title key."""
    rows = _lsh_rows(threshold)
    n_bands = NUM_BINS // rows
    n = len(items)
    length = np.zeros(n, dtype=np.int64)
    bands = (np.full((n, n_bands), -1, np.int64), np.full((n, n_bands), -1, np.int64))
    openings = np.full((n, WINDOWS, WINDOW_HASHES), -1, dtype=np.int64)
    digest: list[bytes | None] = []
    sampled_from = 0.5 * threshold * _FULL_BELOW
    for base in range(0, n, _BATCH):
        batch = items[base : base + _BATCH]
        cps, lens = normalize_batch([it.text for it in batch])
        length[base : base + len(batch)] = lens
        digest += _digests(cps, lens, [it.title for it in batch])
        sh = _shingle_batch(cps, lens)
        sample = _sample(sh)
        sig, filled = _oph(sample.hashes, sample.slot, len(batch), _SAMPLED_VALUE_BITS)
        distinct = _distinct_estimate(filled)
        ok = (sh.counts > 0) & (distinct >= sampled_from)
        bands[0][base : base + len(batch)][ok] = _band_keys(sig[ok], rows)
        full = np.flatnonzero(
            (sh.counts > 0) & ((sh.counts < _FULL_BELOW) | (distinct < _FULL_BELOW))
        )
        if len(full):
            short = _shingle_batch(*_select(cps, lens, full.tolist()))
            sig = _oph(short.hashes, short.slot, len(full), _FULL_VALUE_BITS)[0]
            bands[1][base + full] = _band_keys(sig, rows)
        openings[base : base + len(batch)] = _opening_keys(sh)
    titles_raw = [strip_tag(it.title) for it in items]
    titles = _normalized_titles(titles_raw)
    return Signatures(
        keys=[it.key for it in items],
        digest=digest,
        length=length,
        truncated=np.array([is_truncated(it.text) for it in items], dtype=np.bool_),
        title=titles,
        title_cut=_cut(titles_raw),
        buckets=_bucket_keys(titles),
        bands=bands,
        openings=openings,
    )


def _cut(titles: Sequence[str]) -> NDArray[np.bool_]:
    """Which raw titles end with a truncation marker (a listing's cut headline)."""
    return np.array([t.rstrip().endswith(TRUNCATION_MARKERS) for t in titles], dtype=np.bool_)


def _normalized_titles(titles_raw: list[str]) -> list[str]:
    """Titles (tag already stripped) normalised as bodies are, in one batch."""
    tcps, tlens = normalize_batch(titles_raw)
    flat = tcps.tobytes().decode("utf-32-le", "surrogatepass")
    ends = list(itertools.accumulate(tlens.tolist()))
    return [flat[e - m : e] for e, m in zip(ends, tlens.tolist(), strict=True)]


def _opening_keys(sh: _Shingled) -> NDArray[np.int64]:
    """(n, WINDOWS, WINDOW_HASHES) min-hashes of the shingles lying wholly inside each opening
    window of each text of a batch; -1 for windows a text does not fill."""
    n = len(sh.counts)
    out = np.full((n, WINDOWS, WINDOW_HASHES), -1, dtype=np.int64)
    per = WINDOW - SHINGLE + 1  # shingles wholly inside one window
    for w in range(WINDOWS):
        rows = np.flatnonzero(sh.counts >= w * WINDOW + per)
        if len(rows) == 0:
            break
        pos = sh.starts[rows][:, None] + w * WINDOW + np.arange(per)[None, :]
        part = sh.hashes[pos]  # (rows, per)
        mixed = (part[None, :, :] * _MIX[:, None, None]) ^ (part[None, :, :] >> np.uint32(13))
        out[rows, w] = mixed.min(axis=2).T.astype(np.int64) | (w << 32)
    return out


def _title_key(title: str) -> int:
    """40-bit bucket of a normalised title (or of a title prefix)."""
    digest = hashlib.blake2b(title.encode(), digest_size=5).digest()
    return int.from_bytes(digest, "little")


def _title_keys(sig: Signatures, comparable: NDArray[np.bool_]) -> NDArray[np.int64]:
    """(n, 3): full-title key, prefix key, and the prefix key again for a cut title; -1 = none."""
    out = np.full((len(sig.title), 3), -1, dtype=np.int64)
    out[:, :2] = sig.buckets
    out[~comparable, :2] = -1
    cut = sig.title_cut & (out[:, 1] >= 0)
    out[cut, 2] = out[cut, 1]
    return out


def _bucket_keys(titles: Sequence[str]) -> NDArray[np.int64]:
    """(n, 2): the full-title and prefix bucket keys of normalised titles; -1 = none."""
    out = np.full((len(titles), 2), -1, dtype=np.int64)
    for i, t in enumerate(titles):
        if len(t) < MIN_TITLE:
            continue
        out[i, 0] = _title_key(t)
        if len(t) >= TITLE_PREFIX:
            out[i, 1] = _title_key("\0" + t[:TITLE_PREFIX])
    return out


def title_buckets(titles: Sequence[str]) -> NDArray[np.int64]:
    """(n, 2): the title buckets (full title, 8-character prefix) raw record titles fall in,
    -1 for none: what TITLE_BUCKET counts (store/codes.py counts stored records by it)."""
    return _bucket_keys(_normalized_titles([strip_tag(t) for t in titles]))


def paired_buckets(titles: Sequence[str], keys: NDArray[np.int64]) -> set[int]:
    """The title buckets in which `candidate_pairs` could pair records with these raw titles
    (`keys`: their `title_buckets` rows): a full title two of them carry, or a prefix two
    carry and one of them is cut at."""
    cut = _cut(titles)
    out: set[int] = set()
    for col, need_cut in ((0, False), (1, True)):
        k = keys[:, col]
        values, counts = np.unique(k[k >= 0], return_counts=True)
        shared = values[counts > 1]
        if need_cut:
            shared = np.intersect1d(shared, k[cut & (k >= 0)])
        out.update(shared.tolist())
    return out


def generic_titles(keys: NDArray[np.int64]) -> set[int]:
    """The title buckets (of `title_buckets` rows) holding more than TITLE_BUCKET records."""
    flat = keys[keys >= 0]
    values, counts = np.unique(flat, return_counts=True)
    return set(values[counts > TITLE_BUCKET].tolist())


# ------------------------------------------------------------------------ stage 2: candidates


def _buckets(values: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows with a value (>= 0) ordered by value, members ascending within one, and where
    each group of rows sharing a value starts in that order."""
    idx = np.flatnonzero(values >= 0)
    order = idx[np.argsort(values[idx], kind="stable")]
    keys = values[order]
    return order, np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def _bucket_runs(values: NDArray[np.int64]) -> list[NDArray[np.int64]]:
    """Indices (ascending) of each group of 2+ rows sharing a value (values < 0 ignored)."""
    order, starts = _buckets(values)
    bounds = np.append(starts, len(order))
    return [order[a:b] for a, b in itertools.pairwise(bounds.tolist()) if b - a >= 2]


def _all_pairs(members: NDArray[np.int64]) -> NDArray[np.int64]:
    """Every pair (i < j) of a sorted bucket, in (i, j) order."""
    m = len(members)
    a, b = np.triu_indices(m, k=1)
    return np.stack([members[a], members[b]], axis=1)


def near_candidates(band: NDArray[np.int64], roots: NDArray[np.int64]) -> NDArray[np.int64]:
    """Stage 2 (near), one band: every pair sharing the band key, sorted by (i, j).

    A bucket whose members are already in one component (`roots`) adds nothing: Kruskal's
    rule would skip all its pairs. Vectorised over the buckets, by bucket size: bucket by
    bucket, ~55,000 buckets cost ~4 s of numpy calls at 100,000 records.
    """
    order, starts = _buckets(band)
    if len(order) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sizes = np.diff(np.append(starts, len(order)))
    r = roots[order]
    mixed = np.minimum.reduceat(r, starts) != np.maximum.reduceat(r, starts)
    keep = (sizes >= 2) & mixed
    starts, sizes = starts[keep], sizes[keep]
    if not len(starts):
        return np.zeros((0, 2), dtype=np.int64)
    out = []
    for m in np.unique(sizes).tolist():  # all buckets of one size at once
        rows = order[starts[sizes == m][:, None] + np.arange(m)]  # (buckets, m)
        a, b = np.triu_indices(m, k=1)
        out.append(np.stack([rows[:, a].reshape(-1), rows[:, b].reshape(-1)], axis=1))
    pairs = np.concatenate(out)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def candidate_pairs(
    sig: Signatures,
    comparable: NDArray[np.bool_],
    roots: NDArray[np.int64],
    generic: Collection[int] = frozenset(),
) -> NDArray[np.int64]:
    """Stage 2 (contained): (snippet, container) pairs in different components, sorted.

    A truncated text looks up its deepest full opening window in every longer text's windows;
    every text looks up texts whose normalised title begins like its own, unless that title
    bucket is `generic` (over TITLE_BUCKET records in the whole corpus). A pair already in
    one component (`roots`, after the near tier) needs no containment: it is left out.
    """
    out: list[NDArray[np.int64]] = []
    n = len(sig.keys)
    snip = np.flatnonzero(sig.truncated & comparable)
    if len(snip):
        deepest = np.minimum(sig.length[snip] // WINDOW - 1, WINDOWS - 1)
        ok = deepest >= 0
        snip, deepest = snip[ok], deepest[ok]
        owners = np.flatnonzero(comparable)
        index = sig.openings[owners].reshape(len(owners), -1)
        flat_owner = np.repeat(owners, index.shape[1])
        flat_key = index.reshape(-1)
        keep = flat_key >= 0
        flat_owner, flat_key = flat_owner[keep], flat_key[keep]
        order = np.argsort(flat_key, kind="stable")
        flat_owner, flat_key = flat_owner[order], flat_key[order]
        probe = sig.openings[snip, deepest]  # (m, WINDOW_HASHES)
        probe_owner = np.repeat(snip, WINDOW_HASHES)
        probe_key = probe.reshape(-1)
        lo = np.searchsorted(flat_key, probe_key, "left")
        hi = np.searchsorted(flat_key, probe_key, "right")
        cnt = hi - lo
        total = int(cnt.sum())
        if total:
            pos = np.repeat(lo, cnt) + (np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            out.append(np.stack([np.repeat(probe_owner, cnt), flat_owner[pos]], axis=1))
    titles = _title_keys(sig, comparable)
    for run in _bucket_runs(titles[:, 0]):
        if _generic(run, titles[:, 0], generic) or np.all(roots[run] == roots[run[0]]):
            continue  # a generic title, or near copies under one title: nothing to contain
        p = _all_pairs(run)
        p = p[roots[p[:, 0]] != roots[p[:, 1]]]
        out.append(np.concatenate([p, p[:, ::-1]]))
    cut = np.flatnonzero(titles[:, 2] >= 0)
    if len(cut):  # a cut-off title looks up the titles that begin like it
        for run in _bucket_runs(titles[:, 1]):
            s_rows = run[np.isin(run, cut)]
            if len(s_rows) and not _generic(run, titles[:, 1], generic):
                pairs_cut = np.stack(np.meshgrid(s_rows, run, indexing="ij"), -1).reshape(-1, 2)
                out.append(pairs_cut[pairs_cut[:, 0] != pairs_cut[:, 1]])
    if not out:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    pairs = pairs[sig.length[pairs[:, 0]] < sig.length[pairs[:, 1]]]  # snippet is shorter
    pairs = pairs[roots[pairs[:, 0]] != roots[pairs[:, 1]]]
    codes = unique_sorted(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)


def _generic(run: NDArray[np.int64], keys: NDArray[np.int64], generic: Collection[int]) -> bool:
    """Is the title bucket of `run` (rows sharing a key) a column's (see TITLE_BUCKET)?"""
    return len(run) > TITLE_BUCKET or int(keys[run[0]]) in generic


# ------------------------------------------------------------------- stage 3: verified edges


class _Sets:
    """Shingle sets of texts computed on demand, at most _SET_CACHE alive (never one in use)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self.cache: dict[int, NDArray[np.uint32]] = {}

    def need(self, wanted: set[int]) -> None:
        """Make every set in `wanted` available, evicting only sets not wanted."""
        missing = sorted(u for u in wanted if u not in self.cache)
        if len(self.cache) + len(missing) > _SET_CACHE:
            for u in [u for u in self.cache if u not in wanted]:
                del self.cache[u]
                if len(self.cache) + len(missing) <= _SET_CACHE:
                    break
        for lo in range(0, len(missing), _BATCH):
            part = missing[lo : lo + _BATCH]
            cps, lens = normalize_batch([self.texts[u] for u in part])
            sh = _shingle_batch(cps, lens)
            for k, u in enumerate(part):
                self.cache[u] = unique_sorted(sh.of(k))

    def __getitem__(self, u: int) -> NDArray[np.uint32]:
        return self.cache[u]


def _roots(uf: _UnionFind) -> NDArray[np.int64]:
    """Every node's root, vectorised (pointer jumping)."""
    parent = np.array(uf.parent, dtype=np.int64)
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return parent
        parent = up


def verify_near(
    bands: Sequence[NDArray[np.int64]],
    sets: _Sets,
    threshold: float,
    uf: _UnionFind,
    allowed: Callable[[int, int], bool] = lambda i, j: True,
) -> list[tuple[int, int, float]]:
    """Stage 3 (near): Kruskal over candidate pairs in (band, i, j) order; the forest's edges.

    `allowed` vetoes a pair whatever its similarity (a pure function of the two records)."""
    joined: list[tuple[int, int, float]] = []
    failed: set[tuple[int, int]] = set()
    roots = _roots(uf)
    for band in bands:
        pairs = near_candidates(band, roots)
        for lo in range(0, len(pairs), _CHUNK):
            part = pairs[lo : lo + _CHUNK]
            part = part[roots[part[:, 0]] != roots[part[:, 1]]]  # joined pairs stay joined
            chunk = [p for p in map(tuple, part.tolist()) if p not in failed]
            if not chunk:
                continue
            sets.need({u for p in chunk for u in p})
            before = len(joined)
            for i, j in chunk:
                if uf.find(i) == uf.find(j):
                    continue
                score = _jaccard(sets[i], sets[j], threshold)
                if score >= threshold and allowed(i, j):
                    uf.union(i, j)
                    joined.append((i, j, score))
                else:
                    failed.add((i, j))
            if len(joined) > before:
                roots = _roots(uf)
    return joined


def _jaccard(a: NDArray[np.uint32], b: NDArray[np.uint32], threshold: float) -> float:
    """Jaccard of two sorted sets (0 when their sizes alone rule the threshold out)."""
    if min(len(a), len(b)) < threshold * max(len(a), len(b)):
        return 0.0
    common = _intersection_size(a, b)
    return common / (len(a) + len(b) - common)


def _titles_match(ts: str, ta: str, cut_s: bool, cut_a: bool) -> bool:
    """Same normalised title, or one is the other's prefix and was cut with a marker."""
    if len(ts) < MIN_TITLE or len(ta) < MIN_TITLE:
        return False
    if ts == ta:
        return True
    return (cut_s and ta.startswith(ts)) or (cut_a and ts.startswith(ta))


def _cut_headlines_agree(sig: Signatures) -> Callable[[int, int], bool]:
    """Two records may be near copies unless one is a cut snippet and their headlines could
    not be one: different stories whose opening sentences match give near-identical cut
    snippets (bench.generate's snippets shape at 100k: precision 0.9946, every wrong pair a
    'near' edge between such snippets under unrelated titles)."""

    def allowed(i: int, j: int) -> bool:
        if not (sig.truncated[i] or sig.truncated[j]):
            return True
        return _titles_compatible(sig.title[i], sig.title[j])

    return allowed


def _titles_compatible(ts: str, ta: str) -> bool:
    """Could two normalised titles be one headline (a listing's, perhaps cut or edited, and
    its article's)? A missing or very short title cannot tell them apart."""
    return _unknown_or_prefix(ts, ta) or _pairs_similar(frozenset(_char_pairs(ts)), _char_pairs(ta))


def _unknown_or_prefix(ts: str, ta: str) -> bool:
    """Compatible without counting character pairs: a title too short to tell, or a prefix."""
    return len(ts) < MIN_TITLE or len(ta) < MIN_TITLE or ts.startswith(ta) or ta.startswith(ts)


def _pairs_similar(pairs_s: frozenset[int], pairs_a: array[int]) -> bool:
    """Dice of two titles' distinct character pairs at least TITLE_SIMILAR."""
    common = len(pairs_s.intersection(pairs_a))
    return 2 * common >= TITLE_SIMILAR * (len(pairs_s) + len(pairs_a))


def _char_pairs(title: str) -> array[int]:
    """A title's distinct character pairs, each as one integer (two code points)."""
    return array("Q", sorted({ord(x) << 21 | ord(y) for x, y in itertools.pairwise(title)}))


class _Headlines:
    """`_titles_compatible` asked of many pairs, snippet title by snippet title: each title's
    character pairs are made once, packed (~200 bytes a title), and the snippet's are a set
    while its pairs are asked in a row."""

    def __init__(self) -> None:
        self.packed: dict[str, array[int]] = {}
        self.title = ""
        self.pairs: frozenset[int] = frozenset()

    def compatible(self, ts: str, ta: str) -> bool:
        """Could the two titles be one headline."""
        if _unknown_or_prefix(ts, ta):
            return True
        if ts != self.title:
            self.title, self.pairs = ts, frozenset(self._packed(ts))
        return _pairs_similar(self.pairs, self._packed(ta))

    def _packed(self, title: str) -> array[int]:
        found = self.packed.get(title)
        if found is None:
            found = self.packed[title] = _char_pairs(title)
        return found


def verify_contained(
    pairs: NDArray[np.int64], sig: Signatures, sets: _Sets, texts: Sequence[str], ratio: float
) -> dict[int, tuple[int, float]]:
    """Stage 3 (contained): each snippet's best verified container, with its ratio.

    Each pair's clause is decided from the titles first, and only the shingle sets that
    clause reads are made: A's whole set only under the same title. Loading both sets of
    every candidate pair recomputed 291,275 evicted sets (628 M characters) on the reports
    shape at 100,000 records, where most candidates share an opening under another title.
    """
    best: dict[int, tuple[float, int, int]] = {}
    clause = _clauses(sig, pairs)
    rows = [(s, a, c) for (s, a), c in zip(pairs.tolist(), clause.tolist(), strict=True) if c]
    rows.sort(key=lambda row: (row[1], row[0]))  # by container: its set is made once
    for lo in range(0, len(rows), _CHUNK):
        chunk = rows[lo : lo + _CHUNK]
        sets.need({s for s, _, _ in chunk} | {a for _, a, c in chunk if c == _WHOLE})
        for (s, a, _), score in zip(chunk, _contained(sig, sets, texts, chunk), strict=True):
            if score < ratio:
                continue
            rank = (-score, -int(sig.length[a]), a)
            if s not in best or rank < best[s]:
                best[s] = rank
    return {s: (a, -neg) for s, (neg, _, a) in best.items()}


_WHOLE, _OPENING = 1, 2  # the containment clauses: S in all of A, or in A's opening


_TITLE_ID_BITS = 28  # (snippet title, container title, 3 flags) packed in one int64 key


def _clauses(sig: Signatures, pairs: NDArray[np.int64]) -> NDArray[np.int8]:
    """Each (S, A) pair's clause of the truncated-form rule (0: neither): the same title, S's
    whole text in A's (_WHOLE); or S a cut snippet under a compatible headline, in A's
    opening (_OPENING). Decided once per distinct pair of titles and flags: the 1.3 M
    candidate pairs of bench.generate's snippets shape at 100,000 records share 556,104."""
    if not len(pairs):
        return np.zeros(0, dtype=np.int8)
    ids: dict[str, int] = {}
    tid = np.fromiter((ids.setdefault(t, len(ids)) for t in sig.title), np.int64, len(sig.title))
    if len(ids) >= 1 << _TITLE_ID_BITS:
        raise ValueError(f"at most {1 << _TITLE_ID_BITS} distinct titles")
    s, a = pairs[:, 0], pairs[:, 1]
    cut = sig.title_cut.astype(np.int64)
    flags = (cut[s] << 2) | (cut[a] << 1) | sig.truncated[s].astype(np.int64)
    keys, inverse = np.unique(
        (tid[s] << (_TITLE_ID_BITS + 3)) | (tid[a] << 3) | flags, return_inverse=True
    )
    titles, heads, mask = list(ids), _Headlines(), (1 << _TITLE_ID_BITS) - 1
    out = []
    for key in keys.tolist():  # by snippet title: its pairs are a set once
        ts, ta = titles[key >> (_TITLE_ID_BITS + 3)], titles[(key >> 3) & mask]
        if _titles_match(ts, ta, bool(key & 4), bool(key & 2)):
            out.append(_WHOLE)
        else:
            out.append(_OPENING if key & 1 and heads.compatible(ts, ta) else 0)
    found: NDArray[np.int8] = np.asarray(out, dtype=np.int8)[inverse.reshape(-1)]
    return found


def _contained(
    sig: Signatures, sets: _Sets, texts: Sequence[str], pairs: list[tuple[int, int, int]]
) -> list[float]:
    """How much of S lies in A for each (S, A, clause): all of S's set in A's (_WHOLE), or in
    A's opening (_OPENING); 0 for a text too short to shingle."""
    scores = [0.0] * len(pairs)
    cut: list[int] = []
    for k, (s, a, clause) in enumerate(pairs):
        if len(sets[s]) == 0:
            continue
        if clause == _WHOLE:
            scores[k] = _intersection_size(sets[s], sets[a]) / len(sets[s])
        else:
            cut.append(k)
    openings = _opening_sets(sig, texts, [pairs[k][:2] for k in cut])
    for k, opening in zip(cut, openings, strict=True):
        small = sets[pairs[k][0]]
        scores[k] = _intersection_size(small, opening) / len(small)
    return scores


def _opening_sets(
    sig: Signatures, texts: Sequence[str], pairs: Sequence[Sequence[int]]
) -> list[NDArray[np.uint32]]:
    """The shingle set of A's opening, 1.1 * |S| + 10 normalised characters, for each (S, A).

    All at once: one normalize_batch and one _shingle_batch per call cost ~0.2 ms of numpy
    overhead a pair (~6 s at 100,000 records). The same sets as one pair at a time (tested).
    """
    if not pairs:
        return []
    scale, extra = OPENING_SLACK
    windows = [int(scale * int(sig.length[s])) + extra for s, _ in pairs]
    # Normalisation only drops characters, so a raw prefix twice as long (and some) nearly
    # always holds the window; otherwise take the whole text.
    heads = [texts[a][: 2 * w + 200] for (_, a), w in zip(pairs, windows, strict=True)]
    cps, lens = normalize_batch(heads)
    starts = (np.cumsum(lens) - lens).tolist()
    parts: list[NDArray[np.uint32]] = []
    for k, ((_, a), w) in enumerate(zip(pairs, windows, strict=True)):
        part = cps[starts[k] : starts[k] + int(lens[k])]
        if len(part) < w and len(heads[k]) < len(texts[a]):
            part = normalize_batch([texts[a]])[0]
        parts.append(part[:w])
    sh = _shingle_batch(np.concatenate(parts), np.array([len(p) for p in parts], dtype=np.int64))
    return [unique_sorted(sh.of(k)) for k in range(len(parts))]


# ----------------------------------------------------------------------- stage 4: components


def cluster(
    items: Sequence[DedupItem],
    *,
    threshold: float = 0.8,
    containment: float = 0.9,
    generic: Collection[int] = frozenset(),
) -> list[Cluster]:
    """Cluster items: components of verified exact, near and contained edges. `generic`: the
    title buckets that are columns in the whole corpus (as `cluster_signed`'s)."""
    return cluster_signed(items, threshold=threshold, containment=containment, generic=generic)[0]


def cluster_signed(
    items: Sequence[DedupItem],
    *,
    threshold: float = 0.8,
    containment: float = 0.9,
    generic: Collection[int] = frozenset(),
) -> tuple[list[Cluster], Signatures | None]:
    """`cluster`, and the items' signatures (in key order; None when there are no items).

    `generic` names title buckets that hold over TITLE_BUCKET records in the whole corpus,
    when `items` are only part of it (an incremental ingest); the items' own are counted."""
    if not (0.0 < threshold <= 1.0 and 0.0 < containment <= 1.0):
        raise ValueError("threshold and containment must be in (0, 1]")
    ordered = sorted(items, key=lambda it: it.key)
    for prev, cur in itertools.pairwise(ordered):
        if prev.key == cur.key:
            raise ValueError(f"duplicate key {cur.key!r}")
    if not ordered:
        return [], None
    sig = signatures(ordered, threshold)
    groups = _Groups([], [], [], [], {})
    _add_to_groups(groups, 0, sig.digest, sig.length)
    canon = [groups.items[g][0] for g in groups.u_group]  # item of each comparable group
    csig = _subset(sig, canon)
    texts = [ordered[i].text for i in canon]
    uf = _UnionFind(len(canon))
    sets = _Sets(texts)
    band_list = [fam[:, b] for fam in csig.bands for b in range(fam.shape[1])]
    near = verify_near(band_list, sets, threshold, uf, _cut_headlines_agree(csig))
    comparable = np.ones(len(canon), dtype=np.bool_)
    columns = generic_titles(sig.buckets) | set(generic)
    pairs = candidate_pairs(csig, comparable, _roots(uf), columns)
    best = verify_contained(pairs, csig, sets, texts, containment)
    contained = [(s, a, score) for s, (a, score) in sorted(best.items())]
    for s, a, _ in contained:
        uf.union(s, a)
    return _assemble(ordered, groups, sig.length, uf, near, contained), sig


def _subset(sig: Signatures, rows: list[int]) -> Signatures:
    """The signature rows `rows`, in that order."""
    idx = np.array(rows, dtype=np.int64)
    return Signatures(
        keys=[sig.keys[i] for i in rows],
        digest=[sig.digest[i] for i in rows],
        length=sig.length[idx],
        truncated=sig.truncated[idx],
        title=[sig.title[i] for i in rows],
        title_cut=sig.title_cut[idx],
        buckets=sig.buckets[idx],
        bands=(sig.bands[0][idx], sig.bands[1][idx]),
        openings=sig.openings[idx],
    )


# ------------------------------------------------------- per-record state for incremental runs

INDEX, PROBE = 1, 2  # roles of a code: others find this record by it / it finds others by it
BOTH = INDEX | PROBE
_KIND_SHIFT = 40  # code = kind << 40 | a 40-bit value ...
_MASK40 = (1 << _KIND_SHIFT) - 1
_CODE_BITS = 29  # ... hashed to 29 bits and packed into 32: (hash << 3) | contained << 2 | role,
# where `contained` marks the codes the containment tier looks up (openings, titles).
# A collision only adds a candidate (a cluster recomputed for nothing), and at 6M codes a
# look-up of 600 finds about 7 such: a quarter of the storage of 64-bit codes.
CONTAINED = 4
_CONTAINED_KINDS = 200  # kinds from here on (openings 200+, titles 300+) are containment's
Codes = NDArray[np.int64]  # packed codes < 2**32, sorted


def _pack(kind: int | NDArray[np.int64], value: NDArray[np.int64], role: Any) -> Codes:
    """Packed codes; -1 where value is -1 (absent)."""
    packed: NDArray[np.int64] = (((kind << _KIND_SHIFT) | (value & _MASK40)) << 2) | role
    return np.where(value >= 0, packed, -1)


_CODES_CHUNK = 8192  # records coded at once: all 100,000 made ~410 MB of code tables at once


def record_codes(sig: Signatures) -> list[Codes]:
    """Each record's candidate codes with their roles: what the corpus stores per record.

    Two records are candidates of each other (in some tier) only if one's PROBE code is the
    other's INDEX code, so a new record finds every record whose clustering it can change by
    looking its codes up, and nothing else. Made _CODES_CHUNK records at a time: the tables
    of a whole first ingest at once came at its peak of memory (the end of clustering).
    """
    n = len(sig.keys)
    out: list[Codes] = []
    for lo in range(0, n, _CODES_CHUNK):
        out += _codes_of_rows(_subset(sig, list(range(lo, min(n, lo + _CODES_CHUNK)))))
    return out


def _codes_of_rows(sig: Signatures) -> list[Codes]:
    """`record_codes` of some records at once."""
    n = len(sig.keys)
    cols: list[NDArray[np.int64]] = []
    digest = np.array(
        [-1 if d is None else int.from_bytes(d[:5], "little") for d in sig.digest], np.int64
    )
    cols.append(_pack(0, digest, BOTH)[:, None])
    for f, fam in enumerate(sig.bands):
        kinds = 1 + f * 64 + np.arange(fam.shape[1], dtype=np.int64)
        cols.append(_pack(kinds[None, :], fam, BOTH))
    deepest = np.minimum(sig.length // WINDOW - 1, WINDOWS - 1)
    probe = sig.truncated[:, None] & (np.arange(WINDOWS)[None, :] == deepest[:, None])
    role = np.where(probe, BOTH, INDEX)[:, :, None]
    kinds = 200 + np.arange(WINDOW_HASHES, dtype=np.int64)[None, None, :]
    cols.append(_pack(kinds, sig.openings, role).reshape(n, -1))
    titles = _title_keys(sig, np.ones(n, dtype=np.bool_))
    cols.append(_pack(300, titles[:, 0], BOTH)[:, None])
    cols.append(_pack(301, titles[:, 1], INDEX)[:, None])
    cols.append(_pack(301, titles[:, 2], PROBE)[:, None])
    table = np.concatenate(cols, axis=1)
    hashed = _hashed(table)
    return [unique_sorted(h[row >= 0]) for h, row in zip(hashed, table, strict=True)]


def _hashed(table: NDArray[np.int64]) -> NDArray[np.int64]:
    """Packed codes (kind, value, role) hashed to the 32 bits the corpus stores."""
    mixed = (table >> 2).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    tier = np.where((table >> (2 + _KIND_SHIFT)) >= _CONTAINED_KINDS, CONTAINED, 0)
    return (mixed >> np.uint64(64 - _CODE_BITS)).astype(np.int64) << 3 | tier | (table & 3)


def title_codes(buckets: NDArray[np.int64]) -> tuple[Codes, Codes]:
    """The stored codes of `title_buckets` rows: (full-title codes, prefix codes), each in the
    rows' order (-1 for none). A prefix code is its INDEX form; `| BOTH` gives every role."""
    full = _pack(300, buckets[:, 0], BOTH)
    prefix = _pack(301, buckets[:, 1], INDEX)
    return (
        np.where(full >= 0, _hashed(full), -1),
        np.where(prefix >= 0, _hashed(prefix), -1),
    )


def affected(
    seeds: Sequence[tuple[Codes, set[str]]],
    seed_keys: set[str],
    matches: Callable[[Codes, set[str]], set[str]],
    codes_of: Callable[[set[str]], Codes],
    members_of: Callable[[set[str]], set[str]],
) -> set[str]:
    """Stored records whose clusters must be recomputed when records come, go or change.

    `seeds` are (codes, the records they are of): the new records' codes, and the stored
    codes of the removed ones; `seed_keys` the removed ones' keys. `matches(codes, owners)`
    gives the stored records that some records' codes find (PROBE against INDEX and back; it
    may leave out a record no edge could join to those records), `codes_of` stored records'
    codes, `members_of` the members of the stored clusters of some records. Two rounds: the
    clusters the change touches, then the clusters their snippets might move to once a
    container is gone or has joined their own cluster. The result is a union of whole stored
    clusters.
    """
    found: set[str] = set()
    for codes, owners in seeds:
        found |= matches(codes, owners)
    touched = members_of(seed_keys | found)
    # Near and exact edges never cross stored clusters, so only containment's codes can lead
    # a touched cluster's snippet to a container elsewhere.
    theirs = codes_of(touched)
    return members_of(touched | matches(theirs[(theirs & CONTAINED) != 0], touched))


def could_be_one_headline(pairs: Sequence[tuple[str, str]]) -> list[bool]:
    """For pairs of raw titles: could a containment edge join records with them? Both of
    its clauses need it (`_titles_match` implies `_titles_compatible`)."""
    flat = _normalized_titles([strip_tag(t) for pair in pairs for t in pair])
    return [_titles_compatible(flat[2 * k], flat[2 * k + 1]) for k in range(len(pairs))]


class CodeIndex:
    """Stored records' codes, sorted for look-ups (the corpus loads it from record_codes)."""

    def __init__(self, stored: dict[str, Codes]) -> None:
        self.keys = sorted(stored)
        self.stored = stored
        parts = [stored[k] for k in self.keys]
        owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        flat = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        order = np.argsort(flat, kind="stable")
        self.flat, self.owner = flat[order], owner[order]

    def matches(self, codes: Codes) -> set[str]:
        """Stored records whose INDEX codes are among `codes`' PROBE codes, and back."""
        found: set[int] = set()
        base = codes >> 2 << 2
        for role, want in ((PROBE, INDEX), (INDEX, PROBE)):
            mine = base[(codes & role) != 0]
            for theirs in (want, BOTH):
                target = np.unique(mine | theirs)
                lo = np.searchsorted(self.flat, target, "left")
                hi = np.searchsorted(self.flat, target, "right")
                for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                    found.update(self.owner[a:b].tolist())
        return {self.keys[i] for i in found}

    def codes_of(self, keys: set[str]) -> Codes:
        """The stored codes of some records."""
        parts = [self.stored[k] for k in sorted(keys) if k in self.stored]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

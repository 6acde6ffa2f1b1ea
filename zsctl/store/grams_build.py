"""Building and patching the gram index with numpy (the format is in zsctl/grams.py).

Per batch of about 8 M characters, every (gram, article) key is formed in one array and
sorted once; each gram's run of rowids then becomes one chunk, encoded for all grams at once.
At 100,000 articles this takes seconds where SQLite's FTS5 trigram build took minutes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from zsctl.arrays import find_sorted, unique_sorted
from zsctl.store import grams
from zsctl.store.grams import BITMAP, CHAR_BITS, DEAD, HEADER, PAIR_OFFSET

_DOC_BITS = 16  # articles per batch <= 2**16: (pair code, article) keys fit in 59 bits
_BATCH_CHARS = 2_000_000  # ~130 MB of arrays per worker at the peak of a batch
_DELTA_TYPES: dict[int, np.dtype[Any]] = {
    1: np.dtype("<u1"),
    2: np.dtype("<u2"),
    4: np.dtype("<u4"),
}
_EMPTY = np.zeros(0, dtype=np.uint32)
Postings = NDArray[np.uint32]


def _codepoints(text: str) -> NDArray[np.uint64]:
    """Code points with ASCII capitals folded to lower case."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    out = cps.astype(np.uint64)
    out[(out >= 0x41) & (out <= 0x5A)] += 0x20
    return out


def _pair_codes(cps: NDArray[np.uint64]) -> NDArray[np.uint64]:
    return ((cps[:-1] + np.uint64(PAIR_OFFSET)) << np.uint64(CHAR_BITS)) | cps[1:]


_JoinedText = tuple[NDArray[np.uint64], NDArray[np.uint64]]  # code points, text of each


def _joined(texts: Sequence[str]) -> _JoinedText:
    """A batch's code points end to end (ASCII capitals folded), and each one's text number:
    made once a batch for both its gram and its phrase lists."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    cps = _codepoints("".join(texts))
    return cps, np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)


def gram_pairs(
    rowids: Sequence[int], texts: Sequence[str], joined: _JoinedText | None = None
) -> tuple[NDArray[Any], Postings]:
    """Every distinct (gram code, rowid) of the texts, sorted by code then rowid.

    Characters come first (every pair code is above every code point): those of a batch
    are few, so a character-by-text bitmap gives their (code, text) keys in order without a
    sort, and only the pairs' keys are sorted (half the keys: the sort was ~40% of the index
    build's CPU at 100,000 articles).
    """
    if not texts:
        return np.zeros(0, dtype=np.uint64), _EMPTY
    if len(texts) > 1 << _DOC_BITS:
        raise ValueError(f"at most {1 << _DOC_BITS} texts per batch")
    cps, doc = joined or _joined(texts)
    same = doc[:-1] == doc[1:]  # pairs never span two texts
    pairs = unique_sorted((_pair_codes(cps)[same] << _DOC_BITS) | doc[:-1][same])
    keys = np.concatenate((_char_keys(cps, doc, len(texts)), pairs))
    order = np.asarray(rowids, dtype=np.uint32)
    return keys >> _DOC_BITS, order[(keys & ((1 << _DOC_BITS) - 1)).astype(np.intp)]


_BITMAP_CELLS = 16_000_000  # bytes of a character-by-text bitmap, past which keys are sorted


def _char_keys(cps: NDArray[np.uint64], doc: NDArray[np.uint64], docs: int) -> NDArray[Any]:
    """The distinct (code point << _DOC_BITS | text) keys of a batch, sorted."""
    if not len(cps):
        return np.zeros(0, dtype=np.uint64)
    seen = np.zeros(int(cps.max()) + 1, dtype=np.bool_)
    seen[cps] = True
    chars = np.flatnonzero(seen)
    if len(chars) * docs > _BITMAP_CELLS:  # many short texts: a sort costs less
        return unique_sorted((cps << _DOC_BITS) | doc)
    rank = np.cumsum(seen, dtype=np.int64) - 1
    bitmap = np.zeros((len(chars), docs), dtype=np.bool_)
    bitmap[rank[cps], doc.astype(np.intp)] = True
    row, col = np.nonzero(bitmap)  # row-major: by character, then by text
    return (chars[row].astype(np.uint64) << np.uint64(_DOC_BITS)) | col.astype(np.uint64)


def encode(rowids: Postings) -> bytes:
    """One chunk for sorted, distinct rowids: a bitmap or deltas, whichever is smaller."""
    first = int(rowids[0])
    span = int(rowids[-1]) - first + 1
    deltas = np.diff(rowids, prepend=rowids[0])
    biggest = int(deltas.max())
    width = 1 if biggest < 1 << 8 else 2 if biggest < 1 << 16 else 4
    if (span + 7) // 8 < len(rowids) * width:
        bits = np.zeros((span + 7) // 8 * 8, dtype=np.uint8)
        bits[rowids - first] = 1
        payload = np.packbits(bits, bitorder="little").tobytes()
        return HEADER.pack(BITMAP, first, len(payload)) + payload
    payload = deltas.astype(_DELTA_TYPES[width]).tobytes()
    return HEADER.pack(width, first, len(rowids)) + payload


def batch_chunks(
    rowids: Sequence[int], texts: Sequence[str], joined: _JoinedText | None = None
) -> tuple[NDArray[Any], list[bytes]]:
    """Gram codes of a batch of texts (ascending rowids) and each code's encoded chunk."""
    return _encode_runs(*gram_pairs(rowids, texts, joined))


def _encode_runs(codes: NDArray[Any], docs: Postings) -> tuple[NDArray[Any], list[bytes]]:
    """Each distinct code (sorted, with its rowids ascending) and its rowids as one chunk."""
    if len(codes) == 0:
        return codes, []
    starts = np.concatenate(([0], np.flatnonzero(np.diff(codes)) + 1))
    ends = np.append(starts[1:], len(codes))
    # Encoding list by list costs ~50 us of numpy overhead each (35,000 lists per batch), so
    # the deltas, their widths and the bitmap-or-deltas choice are computed for all at once
    # and each list's payload is a slice of one bytes object.
    deltas = np.diff(docs.astype(np.int64), prepend=0)
    deltas[starts] = 0
    biggest = np.maximum.reduceat(deltas, starts)
    width = np.where(biggest < 1 << 8, 1, np.where(biggest < 1 << 16, 2, 4))
    counts = ends - starts
    firsts = docs[starts].astype(np.int64)
    sizes = (docs[ends - 1].astype(np.int64) - firsts + 8) // 8  # a bitmap's bytes
    bitmap = sizes < counts * width
    packed = {w: deltas.astype(t).tobytes() for w, t in _DELTA_TYPES.items() if (width == w).any()}
    bits, offsets = _bitmaps(docs, starts, counts, firsts, sizes, bitmap)
    chunks: list[bytes] = []
    pack = HEADER.pack
    for lo, hi, w, first, at, size in zip(
        starts.tolist(),
        ends.tolist(),
        width.tolist(),
        firsts.tolist(),
        offsets.tolist(),
        sizes.tolist(),
        strict=True,
    ):
        if at >= 0:
            chunks.append(pack(BITMAP, first, size) + bits[at : at + size])
        else:
            chunks.append(pack(w, first, hi - lo) + packed[w][lo * w : hi * w])
    return codes[starts], chunks


def _bitmaps(
    docs: Postings,
    starts: NDArray[Any],
    counts: NDArray[Any],
    firsts: NDArray[np.int64],
    sizes: NDArray[np.int64],
    chosen: NDArray[np.bool_],
) -> tuple[bytes, NDArray[np.int64]]:
    """The bitmap payloads of the `chosen` lists as one bytes object, and each list's offset
    into it (-1 where not chosen): what `encode` makes one list at a time (one numpy call
    chain for each of ~3,700 dense lists a batch: ~6 s at 100,000 articles)."""
    offsets = np.full(len(starts), -1, dtype=np.int64)
    which = np.flatnonzero(chosen)
    if not len(which):
        return b"", offsets
    nbytes = sizes[which]
    offsets[which] = np.cumsum(nbytes) - nbytes
    lens = counts[which].astype(np.int64)
    inside = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    rows = np.repeat(starts[which].astype(np.int64), lens) + inside
    at = np.repeat(offsets[which] * 8 - firsts[which], lens) + docs[rows].astype(np.int64)
    flags = np.zeros(int(nbytes.sum()) * 8, dtype=np.uint8)
    flags[at] = 1
    return np.packbits(flags, bitorder="little").tobytes(), offsets


def _batches(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[list[int], list[str]]]:
    """(rowids, texts) in batches of about _BATCH_CHARS characters."""
    ids: list[int] = []
    texts: list[str] = []
    size = 0
    for n, text in rows:
        ids.append(n)
        texts.append(text)
        size += len(text)
        if size >= _BATCH_CHARS or len(ids) == 1 << _DOC_BITS:
            yield ids, texts
            ids, texts, size = [], [], 0
    if ids:
        yield ids, texts


_Lists = tuple[NDArray[Any], list[bytes]]  # codes (sorted) and each one's chunk, of one batch


def _both_of(job: tuple[list[str], tuple[list[int], list[str]]]) -> tuple[_Lists, _Lists]:
    """In a worker: a batch's gram chunks and its phrase chunks (the texts cross over once)."""
    phrases, (rowids, texts) = job
    joined = _joined(texts)
    return batch_chunks(rowids, texts, joined), _table_for(tuple(phrases)).chunks(
        rowids, texts, joined
    )


@lru_cache(maxsize=1)
def _table_for(phrases: tuple[str, ...]) -> PhraseTable:
    """One worker's PhraseTable for a rebuild's phrases, built once, not per batch (~20 ms)."""
    return PhraseTable(phrases)


def _map_batches(
    jobs: Iterable[Any], pool: Executor | None, fn: Callable[[Any], Any]
) -> Iterator[Any]:
    """fn over the jobs, in order; in the pool with a few jobs in flight."""
    if pool is None:
        yield from map(fn, jobs)
        return
    queued: list[Future[Any]] = []
    for job in jobs:
        queued.append(pool.submit(fn, job))
        if len(queued) > 3:  # bounded: bodies are never all in flight at once
            yield queued.pop(0).result()
    for future in queued:
        yield future.result()


class _Joined:
    """Each code's chunks from all batches, appended in batch (rowid) order.

    One bytearray per code: a list of every batch's bytes objects cost ~40 bytes more per
    chunk (1.8 M chunks at 100,000 articles).
    """

    def __init__(self) -> None:
        self.lists: dict[int, bytearray] = {}

    def add(self, codes: NDArray[Any], chunks: list[bytes]) -> None:
        lists = self.lists
        for code, chunk in zip(codes.tolist(), chunks, strict=True):
            found = lists.get(code)
            if found is None:
                lists[code] = bytearray(chunk)
            else:
                found += chunk

    def rows(self) -> Iterator[tuple[int, bytearray]]:
        """(code, list) in code order, each dropped once handed out."""
        for code in sorted(self.lists):
            yield code, self.lists.pop(code)


def rebuild(
    db: sqlite3.Connection,
    rows: Callable[[], Iterable[tuple[int, str]]],
    pool: Executor | None = None,
) -> int:
    """Replace the whole index with one built from (rowid, text) in ascending rowid order.

    `rows` is called twice: the phrases are chosen on a sample from the first rows, then
    one pass builds the gram lists and the phrase lists together.
    """
    for table in ("grams", "gram_tails", "phrases", "phrase_tails"):
        db.execute(f"DELETE FROM {table}")
    phrases = choose_phrases(_sample(rows()))
    grams_out, phrases_out = _Joined(), _Joined()
    jobs = ((phrases, batch) for batch in _batches(rows()))
    for (codes, chunks), (found, lists) in _map_batches(jobs, pool, _both_of):
        grams_out.add(codes, chunks)
        phrases_out.add(found, lists)
    count = len(grams_out.lists) + len(phrases_out.lists)
    db.executemany("INSERT INTO grams VALUES (?, ?)", grams_out.rows())
    db.executemany(
        "INSERT INTO phrases (text, postings) VALUES (?, ?)",
        sorted((phrases[i], blob) for i, blob in phrases_out.rows()),
    )
    return count


def _sample(rows: Iterable[tuple[int, str]]) -> list[str]:
    """The texts the phrases are chosen on: rowids divisible by SAMPLE_EVERY, from the first,
    up to SAMPLE_CHARS characters (the rest of the rows is not read)."""
    sample: list[str] = []
    size = 0
    for n, text in rows:
        if size >= SAMPLE_CHARS:
            break
        if n % SAMPLE_EVERY == 0:
            sample.append(text)
            size += len(text)
    return sample


def update(db: sqlite3.Connection, removed: Sequence[int], added: Sequence[tuple[int, str]]) -> int:
    """Mark removed rowids dead and append added articles to their grams' lists; grams touched.

    Rowids are never reused (articles.n is AUTOINCREMENT), so an added article's rowid is
    larger than any in a list and its chunk is appended as a row of gram_tails, without
    reading or rewriting the list (rewriting them wrote 105 MB for one 10-article dump at
    100k articles). Removed rowids stay in the lists, masked by the DEAD list at query time,
    until the next rebuild.
    """
    if removed:
        row = db.execute("SELECT postings FROM grams WHERE gram = ?", (DEAD,)).fetchone()
        dead = (grams.bits_of(row[0]) if row else 0) | grams.bitset(removed)
        db.execute("INSERT OR REPLACE INTO grams VALUES (?, ?)", (DEAD, grams.encode_bits(dead)))
    touched = 0
    for ids, texts in _batches(sorted(added)):
        codes, chunks = batch_chunks(ids, texts)
        rows = zip(codes.tolist(), chunks, strict=True)
        db.executemany("INSERT INTO gram_tails VALUES (?, ?)", rows)
        touched += len(chunks)
    return touched + _append_phrases(db, added)


def _append_phrases(db: sqlite3.Connection, added: Sequence[tuple[int, str]]) -> int:
    """Append the added articles to the lists of the phrases they hold; lists touched.

    The set of phrases stays as the last rebuild chose it: a list is complete for its phrase
    whatever else the corpus gains, and the next rebuild chooses again.
    """
    phrases = [row[0] for row in db.execute("SELECT text FROM phrases ORDER BY text")]
    table = PhraseTable(phrases)
    touched = 0
    for ids, texts in _batches(sorted(added)):
        codes, chunks = table.chunks(ids, texts)
        rows = ((phrases[i], chunk) for i, chunk in zip(codes.tolist(), chunks, strict=True))
        db.executemany("INSERT INTO phrase_tails VALUES (?, ?)", rows)
        touched += len(chunks)
    return touched


def dead_count(db: sqlite3.Connection) -> int:
    """How many removed rowids the lists still hold (masked at query time)."""
    row = db.execute("SELECT postings FROM grams WHERE gram = ?", (DEAD,)).fetchone()
    return grams.bits_of(row[0]).bit_count() if row else 0


# --- phrase lists: exact posting lists for common 3- and 4-character strings ---------------
#
# The pair lists' intersection is a superset for a longer term, checked on the text; for a
# term in many articles that check reads most of the corpus (issue 17: 2.2x ripgrep for a term
# in 42% of the articles). So the strings of PHRASE_LENGTHS characters found in at least
# PHRASE_SHARE of a sample of the articles get a list of their own, built over every article:
# those terms are answered from the index alone. Below that share the candidates are few
# enough to check. The choice depends only on the corpus (a fixed sample by rowid), so the
# same dumps still give the same corpus.

PHRASE_LENGTHS = (3, 4)
# Measured on both bench shapes at 100,000 records: ~3,700 3-grams and ~1,700 4-grams reach
# 5% (~56 MB of lists); 2% would take ~370 MB, as many generated sentences recur in 2-3%.
PHRASE_SHARE = 0.05
SAMPLE_EVERY = 8  # the articles with rowid % 8 == 0 choose the phrases...
SAMPLE_CHARS = 4_000_000  # ...up to 4 M characters: ~200 MB of arrays, within the ingest's RSS
MAX_PHRASES = 16_384  # a bound for small corpora, where a few articles make a string common
_NL = 10  # the newline between title and body: no phrase holds it


def _frequent(keys: NDArray[np.uint64], least: int) -> NDArray[np.uint64]:
    """The distinct values of (value << _DOC_BITS | doc) keys found in >= `least` docs."""
    u = unique_sorted(keys) >> np.uint64(_DOC_BITS)
    if len(u) == 0:
        return u
    starts = np.concatenate(([0], np.flatnonzero(np.diff(u)) + 1))
    counts = np.diff(np.append(starts, len(u)))
    return u[starts[counts >= least]]


def _next_level(ids: NDArray[np.int64], same: NDArray[np.bool_], width: int) -> NDArray[Any]:
    """Keys of the strings one longer: two overlapping known ids (-1 where either is unknown)."""
    ok = (ids[:-1] >= 0) & (ids[1:] >= 0) & same[: len(ids) - 1]
    keys = ids[:-1].astype(np.uint64) * np.uint64(max(width, 1)) + ids[1:].astype(np.uint64)
    return np.where(ok, keys, np.uint64(2**63))  # 2**63: never a key


def choose_phrases(texts: Sequence[str]) -> list[str]:
    """The 3- and 4-character strings (without a newline) in >= PHRASE_SHARE of the texts.

    Level by level, as Apriori does: a 3-gram is counted only where both its pairs are
    common, a 4-gram only where both its 3-grams are, each as two small ids.
    """
    texts = texts[: 1 << _DOC_BITS]
    least = max(2, int(np.ceil(PHRASE_SHARE * len(texts))))
    if len(texts) < least:
        return []
    cps, doc = _joined(texts)
    same = np.append(doc[:-1] == doc[1:], False)
    pair = np.append(_pair_codes(cps), np.uint64(0))
    good = same & (cps != _NL) & (np.roll(cps, -1) != _NL)
    tables = [_frequent((pair[good] << np.uint64(_DOC_BITS)) | doc[good], least)]
    ids = np.where(good, find_sorted(tables[0], pair), -1)
    for _ in PHRASE_LENGTHS:
        keys = _next_level(ids, same, len(tables[-1]))
        ok = keys != np.uint64(2**63)
        tables.append(_frequent((keys[ok] << np.uint64(_DOC_BITS)) | doc[: len(keys)][ok], least))
        ids = find_sorted(tables[-1], keys)
    return _phrase_texts(tables)[:MAX_PHRASES]


def _phrase_texts(tables: list[NDArray[np.uint64]]) -> list[str]:
    """The strings behind each level's keys, shortest first, each level in code order."""
    mask = np.uint64((1 << CHAR_BITS) - 1)
    level = [
        chr(int(c >> np.uint64(CHAR_BITS)) - PAIR_OFFSET) + chr(int(c & mask)) for c in tables[0]
    ]
    out: list[str] = []
    for table, prev in zip(tables[1:], tables, strict=False):
        width = np.uint64(max(len(prev), 1))
        level = [level[int(k // width)] + level[int(k % width)][-1] for k in table]
        out += level
    return out


class _Lookup:
    """`find_sorted` into a fixed table, by a direct-addressed hash of the keys first.

    searchsorted of every position's key was 40% of building the phrase lists; a slot
    array answers most keys with two gathers, and only keys whose slot two table entries
    share go to searchsorted.
    """

    def __init__(self, table: NDArray[np.uint64], bits: int = 20) -> None:
        # 1 M slots (4 MB) for at most MAX_PHRASES keys: few share a slot
        self.table, self.bits = table, bits
        slots = self._slots(table)
        self.at = np.full(1 << bits, -1, dtype=np.int32)
        self.at[slots] = np.arange(len(table), dtype=np.int32)
        self.at[np.bincount(slots, minlength=1 << bits) > 1] = -2

    def _slots(self, keys: NDArray[np.uint64]) -> NDArray[np.intp]:
        mixed = keys * np.uint64(0x9E3779B97F4A7C15)  # wraps: a multiplicative hash
        return (mixed >> np.uint64(64 - self.bits)).astype(np.intp)

    def __call__(self, keys: NDArray[np.uint64]) -> NDArray[np.int64]:
        found = self.at[self._slots(keys)].astype(np.int64)
        sure = found >= 0
        hit = self.table[np.where(sure, found, 0)] == keys if len(self.table) else sure
        out = np.where(sure & hit, found, -1)
        shared = np.flatnonzero(found == -2)
        if len(shared):
            out[shared] = find_sorted(self.table, keys[shared])
        return out


class PhraseTable:
    """Chosen phrases as numpy lookups: 3-grams by code, 4-grams by (3-gram rank, last char)."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases = list(phrases)
        tri = {_tri_code(p): i for i, p in enumerate(self.phrases) if len(p) == 3}
        self.tri = np.asarray(sorted(tri), dtype=np.uint64)
        self.tri_index = np.asarray([tri[c] for c in sorted(tri)], dtype=np.int64)
        rank = {p: r for r, p in enumerate(self.phrases[tri[c]] for c in sorted(tri))}
        quad = {
            (rank[p[:3]] << CHAR_BITS) | ord(grams.fold(p[3])): i
            for i, p in enumerate(self.phrases)
            if len(p) == 4 and p[:3] in rank
        }
        self.quad = np.asarray(sorted(quad), dtype=np.uint64)
        self.quad_index = np.asarray([quad[k] for k in sorted(quad)], dtype=np.int64)
        self.tri_at, self.quad_at = _Lookup(self.tri), _Lookup(self.quad)

    def chunks(
        self, rowids: Sequence[int], texts: Sequence[str], joined: _JoinedText | None = None
    ) -> tuple[NDArray[Any], list[bytes]]:
        """Indexes into `phrases` found in the batch, and each one's chunk of rowids."""
        if not texts or not self.phrases:
            return np.zeros(0, dtype=np.uint64), []
        cps, doc = joined or _joined(texts)
        n = len(cps)
        if n < 3:
            return np.zeros(0, dtype=np.uint64), []
        tri = (
            ((cps[:-2] + np.uint64(PAIR_OFFSET)) << np.uint64(2 * CHAR_BITS))
            | (cps[1:-1] << np.uint64(CHAR_BITS))
            | cps[2:]
        )
        t_at = np.where(doc[:-2] == doc[2:], self.tri_at(tri), -1)
        found = [(self.tri_index[t_at[t_at >= 0]], doc[:-2][t_at >= 0])]
        if n >= 4 and len(self.quad):
            ok = (t_at[:-1] >= 0) & (doc[:-3] == doc[3:])
            keys = (np.maximum(t_at[:-1], 0).astype(np.uint64) << np.uint64(CHAR_BITS)) | cps[3:]
            q_at = np.where(ok, self.quad_at(keys), -1)
            found.append((self.quad_index[q_at[q_at >= 0]], doc[:-3][q_at >= 0]))
        index = np.concatenate([f[0] for f in found]).astype(np.uint64)
        docs = np.concatenate([f[1] for f in found])
        keys = unique_sorted((index << np.uint64(_DOC_BITS)) | docs)
        order = np.asarray(rowids, dtype=np.uint32)
        mask = np.uint64((1 << _DOC_BITS) - 1)
        return _encode_runs(keys >> np.uint64(_DOC_BITS), order[(keys & mask).astype(np.intp)])


def _tri_code(p: str) -> int:
    a, b, c = (ord(x) for x in grams.fold(p))
    return ((a + PAIR_OFFSET) << (2 * CHAR_BITS)) | (b << CHAR_BITS) | c

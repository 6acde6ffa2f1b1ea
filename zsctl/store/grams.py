"""The gram index: which articles contain each character and each character pair.

`grep` asks it first. A 1- or 2-character term is one posting list, and that list is the
exact answer; a longer term gets the intersection of its pairs' lists, a small superset that
is then verified on the text. Title and body are indexed together ("title\\nbody") with ASCII
letters folded to lower case, so case-insensitive ASCII searches use it too.

It replaces an SQLite FTS5 trigram table, which took ~270 s to build at 100,000 articles on
the 2-core target (this takes ~15 s, zsctl/grams_build.py) and could not serve 1- and
2-character terms. This module is the read side and the format, in plain Python: grep's
start-up does not pay for importing numpy (0.13 s).

Gram codes: a character is its code point (< 2**21); a pair is ((c1 + 1) << 21) | c2, always
larger. A posting list is one or more chunks in ascending rowid order, each a `<BII` header
(kind, first rowid, size) and a payload: kind 0 is a bitmap of `size` bytes (bit i, least
significant first, marks rowid first + i); kinds 1, 2 and 4 are `size` little-endian deltas of
that many bytes (rowid = first + running sum; the first delta is 0).

Removed articles stay in the lists until the next rebuild; their rowids are listed under
gram DEAD (-1) and masked out of every answer. Rowids are never reused (AUTOINCREMENT), so an
added article's rowid can be appended as a new chunk.

A rebuild writes each list as one row of `grams` (or `phrases`). An ingest that adds a few
articles appends their chunks as rows of `gram_tails` (`phrase_tails`) instead of rewriting the
lists: rewriting them wrote 105 MB for a 10-article dump at 100,000 articles. A list is its
row followed by its tails in rowid order; the next rebuild folds the tails in.

Sets of rowids are Python ints used as bitsets: AND and popcount run in C over ~10 KB at
100,000 articles.
"""

from __future__ import annotations

import sqlite3
import struct
import sys
from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate, pairwise
from typing import Any

CHAR_BITS = 21
PAIR_OFFSET = 1  # pairs are ((c1 + PAIR_OFFSET) << CHAR_BITS) | c2: never a code point
HEADER = struct.Struct("<BII")
BITMAP = 0
MAX_LOOKUP = 256  # grams of one term looked up at most
DEAD = -1  # the gram row whose list holds removed articles' rowids, masked out of every answer
_ARRAY_TYPES = {1: "B", 2: "H", 4: "I"}
# The index's tables; zsctl/store/corpus.py puts them in the corpus schema.
# gram: a code point, or ((c1 + 1) << 21) | c2 for a pair; postings: sorted article rowids
# (articles.n) as bitmap/delta chunks (above); gram -1 (DEAD) lists removed articles' rowids.
# phrases: the exact lists of common 3- and 4-character strings (zsctl/store/grams_build.py).
INDEX_DDL = """
CREATE TABLE grams (gram INTEGER PRIMARY KEY, postings BLOB NOT NULL);
CREATE TABLE phrases (text TEXT PRIMARY KEY, postings BLOB NOT NULL) WITHOUT ROWID;
-- Chunks appended since the last rebuild, in rowid order after the list's own row.
CREATE TABLE gram_tails (gram INTEGER NOT NULL, postings BLOB NOT NULL);
CREATE INDEX gram_tails_gram ON gram_tails(gram);
CREATE TABLE phrase_tails (text TEXT NOT NULL, postings BLOB NOT NULL);
CREATE INDEX phrase_tails_text ON phrase_tails(text);
"""
_BITS_OF = tuple(tuple(b for b in range(8) if byte >> b & 1) for byte in range(256))


def fold(text: str) -> str:
    """ASCII capitals to lower case, as the index stores text (other characters unchanged)."""
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 0x20 for c in range(0x41, 0x5B)}


def term_grams(term: str) -> tuple[int, ...]:
    """The gram codes whose lists hold every article containing `term` (ASCII-folded)."""
    cps = [ord(c) for c in fold(term)]
    if len(cps) == 1:
        return (cps[0],)
    pairs = (((a + PAIR_OFFSET) << CHAR_BITS) | b for a, b in pairwise(cps))
    return tuple(dict.fromkeys(pairs))


def bits_of(blob: bytes) -> int:
    """A stored posting list as a bitset (bit n set for rowid n)."""
    out = 0
    at = 0
    while at < len(blob):
        kind, first, size = HEADER.unpack_from(blob, at)
        at += HEADER.size
        if kind == BITMAP:
            out |= int.from_bytes(blob[at : at + size], "little") << first
            at += size
            continue
        deltas = array(_ARRAY_TYPES[kind], blob[at : at + size * kind])
        if sys.byteorder != "little":
            deltas.byteswap()
        out |= bitset(accumulate(deltas, initial=first))
        at += size * kind
    return out


def bitset(rowids: Iterable[int]) -> int:
    """A bitset with the given rowids set."""
    values = list(rowids)
    if not values:
        return 0
    buf = bytearray(max(values) // 8 + 1)
    for n in values:
        buf[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(buf, "little")


def encode_bits(bits: int) -> bytes:
    """One chunk for a non-empty bitset: a bitmap or deltas, whichever is smaller.

    Patching a list with Python ints costs microseconds where numpy's set operations on a
    decoded array cost milliseconds, and an ingest patches thousands of lists.
    """
    first = (bits & -bits).bit_length() - 1  # the lowest set bit
    span = bits.bit_length() - first
    count = bits.bit_count()
    if (span + 7) // 8 < count:  # a bitmap beats even one byte per rowid
        payload = (bits >> first).to_bytes((span + 7) // 8, "little")
        return HEADER.pack(BITMAP, first, len(payload)) + payload
    values = members(bits)
    deltas = [0, *(b - a for a, b in pairwise(values))]
    biggest = max(deltas)
    width = 1 if biggest < 1 << 8 else 2 if biggest < 1 << 16 else 4
    if (span + 7) // 8 < count * width:
        payload = (bits >> first).to_bytes((span + 7) // 8, "little")
        return HEADER.pack(BITMAP, first, len(payload)) + payload
    packed = array(_ARRAY_TYPES[width], deltas)
    if sys.byteorder != "little":
        packed.byteswap()
    return HEADER.pack(width, first, count) + packed.tobytes()


def members(bits: int) -> list[int]:
    """The rowids set in a bitset, ascending."""
    out: list[int] = []
    for i, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if byte:
            base = i * 8
            out.extend(base + b for b in _BITS_OF[byte])
    return out


class Membership:
    """Constant-time `n in set` for a bitset (shifting a 10 KB int per test would not be)."""

    __slots__ = ("_buf",)

    def __init__(self, bits: int) -> None:
        self._buf = bits.to_bytes((bits.bit_length() + 7) // 8, "little")

    def __contains__(self, n: int) -> bool:
        i = n >> 3
        return i < len(self._buf) and bool(self._buf[i] >> (n & 7) & 1)


def candidates(db: sqlite3.Connection, codes: Sequence[int], phrases: Sequence[str] = ()) -> int:
    """Bitset of the live rowids in all the grams' and phrases' lists (an unseen gram has none).

    A phrase without a list of its own says nothing (only common strings have one), so it
    only narrows the answer when its list exists.
    """
    # Any subset of a term's grams still gives a superset of its matches, so a very long term
    # looks up at most MAX_LOOKUP of them (and stays under SQLite's limit on parameters).
    wanted = sorted(set(codes))[:MAX_LOOKUP]
    rows = gram_lists(db, [*wanted, DEAD])
    dead = rows.pop(DEAD, None)
    if not rows and dead is None:
        _refuse_empty_index(db)  # nothing at all found: a grep of 0 must not hide an empty index
    if len(rows) < len(wanted):
        return 0
    blobs = [*rows.values(), *_phrase_lists(db, phrases).values()]
    try:
        out = -1  # all bits set: the identity of AND
        for blob in sorted(blobs, key=len):  # the smallest list first
            out &= bits_of(blob)
            if not out:
                return 0
        return out & ~bits_of(dead) if dead else out
    except (struct.error, KeyError, ValueError, TypeError) as exc:
        raise _damaged(db, f"a posting list of the gram index does not decode ({exc})") from None


def _refuse_empty_index(db: sqlite3.Connection) -> None:
    """An empty gram index over stored articles is damage (a hand edit), not 'no match'."""
    if db.execute("SELECT EXISTS (SELECT 1 FROM grams)").fetchone()[0]:
        return
    if db.execute("SELECT EXISTS (SELECT 1 FROM articles)").fetchone()[0]:
        raise _damaged(db, "the gram index is empty but articles are stored")


def _damaged(db: sqlite3.Connection, why: str) -> Exception:
    from zsctl.errors import CorpusError
    from zsctl.store.corpus import db_file, rebuild_hint

    return CorpusError(rebuild_hint(db_file(db), why))


def phrase(db: sqlite3.Connection, text: str) -> int | None:
    """Bitset of the live rowids whose text holds `text` (ASCII-folded), from its own list.

    None when the index keeps no list for it: only strings common when the index was built
    have one (zsctl/store/grams_build.py), and such a list is the exact answer.
    """
    blob = _phrase_lists(db, [text]).get(fold(text))
    if blob is None:
        return None
    dead = gram_lists(db, [DEAD]).get(DEAD)
    return bits_of(blob) & ~bits_of(dead) if dead else bits_of(blob)


def _phrase_lists(db: sqlite3.Connection, texts: Sequence[str]) -> dict[str, bytes]:
    """The stored phrase lists among `texts` (folded), by text."""
    wanted = sorted({fold(t) for t in texts})[:MAX_LOOKUP]
    if not wanted:
        return {}
    return _lists(db, "phrases", f"text IN ({','.join('?' * len(wanted))})", wanted)


def gram_lists(db: sqlite3.Connection, codes: Sequence[int]) -> dict[int, bytes]:
    """The whole stored lists of some grams, by gram (a gram with no list is absent)."""
    return _lists(db, "grams", f"gram IN ({','.join('?' * len(codes))})", codes)


def all_lists(
    db: sqlite3.Connection, table: str = "grams", chars: bool = False
) -> dict[Any, bytes]:
    """Every stored list of the gram index (`grams`; with `chars`, the characters' only) or
    of the phrases (`phrases`)."""
    return _lists(db, table, f"gram < {1 << CHAR_BITS}" if chars and table == "grams" else "1")


# Each list table, with the table of its appended chunks and its key column.
_TAILS = {"grams": ("gram_tails", "gram"), "phrases": ("phrase_tails", "text")}


def _lists(
    db: sqlite3.Connection, table: str, where: str, params: Sequence[Any] = ()
) -> dict[Any, bytes]:
    """The lists whose key passes `where`: each one's row, then its tails in the order
    they were appended."""
    tails, key = _TAILS[table]
    out: dict[Any, bytes] = dict(
        db.execute(f"SELECT {key}, postings FROM {table} WHERE {where}", params)
    )
    appended = f"SELECT {key}, postings FROM {tails} WHERE {where} ORDER BY rowid"
    for found, blob in db.execute(appended, params):
        out[found] = out.get(found, b"") + blob
    return out

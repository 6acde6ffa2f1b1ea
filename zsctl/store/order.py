"""Every article's id in grep's default order, kept by ingest, for `grep -l` of a common term.

Listing the ids of a term in 41% of 85,000 articles in date order meant SQLite walking the
whole `articles_date` index and testing a flag byte per row: ~30 ms of a ~95 ms `grep -l` in
a fresh process, where `grep -c` only counts bits. With the order stored as one row (the
articles' rowids in that order, and their ids one a line), the matches are picked with no
SQLite step and no Python bytecode per article: `struct.unpack` reads the rowids, one
`operator.itemgetter` call gathers each article's flag byte into the stored order,
`bytes.split` cuts the ids, `itertools.compress` keeps the flagged ones, all in C.

Every ingest that changes the articles rewrites the row, in the same transaction
(store.writes.update_index), so it lists exactly the live articles; zsctl/store/verify.py
checks that it still does. The order is that of `DATE_DESC`, which query/filters.py uses for
`--sort -date`.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Sequence
from itertools import compress
from operator import itemgetter

# grep's default order (`--sort -date`): newest first, undated last, ties by id, descending.
DATE_DESC = "a.date DESC, a.id DESC"
SORT = "-date"  # the key the stored order is kept under
# The articles in DATE_DESC order (a row per order kept): `rowids` (articles.n) as little-endian
# uint32, `ids` the same articles' ids joined by newlines, `top` the largest rowid.
ORDER_DDL = """
CREATE TABLE article_order (
    sort TEXT PRIMARY KEY,
    top INTEGER NOT NULL,
    rowids BLOB NOT NULL,
    ids BLOB NOT NULL
);
"""
# Past this many removed and added articles, rewriting the order (~60 ms at 85,000) beats
# patching it (~0.2 ms an added article, on ~15 ms of reading and writing the row).
PATCH_MAX = 256
_PICK = bytes.maketrans(b"01", b"\x00\x01")  # search.row_flags' b'0'/b'1' to false/true


def rewrite(db: sqlite3.Connection) -> None:
    """Store the current articles' order (in the caller's transaction); ~30 ms at 85,000."""
    db.execute("DELETE FROM article_order WHERE sort = ?", (SORT,))
    rowids, ids = current(db)
    if rowids:  # no article: nothing to list (a reader finds no row and lists none)
        _store(db, max(rowids), rowids, ids)


def _store(db: sqlite3.Connection, top: int, rowids: list[int], ids: bytes) -> None:
    db.execute("INSERT INTO article_order VALUES (?, ?, ?, ?)", (SORT, top, packed(rowids), ids))


def update(db: sqlite3.Connection, removed: Sequence[int], added: Sequence[int]) -> None:
    """Bring the stored order in line after an ingest removed and added these rowids (in the
    caller's transaction): a few are patched in, ~15 ms at 85,000 articles, where rewriting
    the whole order from the date index takes ~60 ms of a ~2 s daily ingest."""
    kept = stored(db)
    if kept is None or len(removed) + len(added) > PATCH_MAX:
        rewrite(db)
        return
    _, packed, joined = kept
    rowids = list(struct.unpack(f"<{len(packed) // 4}I", packed))
    ids = joined.split(b"\n")
    if removed:
        gone = set(removed)
        keep = [n not in gone for n in rowids]
        rowids, ids = list(compress(rowids, keep)), list(compress(ids, keep))
    for n, aid, date in _articles(db, added):
        at = _place(db, rowids, ids, (date, aid.encode()))
        rowids.insert(at, n)
        ids.insert(at, aid.encode())
    db.execute("DELETE FROM article_order WHERE sort = ?", (SORT,))
    if rowids:
        _store(db, max(rowids), rowids, b"\n".join(ids))


def _articles(db: sqlite3.Connection, rowids: Sequence[int]) -> list[tuple[int, str, str | None]]:
    """(rowid, id, date) of some articles."""
    out: list[tuple[int, str, str | None]] = []
    for lo in range(0, len(rowids), 500):  # under SQLite's limit on parameters
        part = list(rowids[lo : lo + 500])
        sql = f"SELECT n, id, date FROM articles WHERE n IN ({','.join('?' * len(part))})"
        out += db.execute(sql, part).fetchall()
    return out


def _place(
    db: sqlite3.Connection, rowids: list[int], ids: list[bytes], key: tuple[str | None, bytes]
) -> int:
    """Where an article of this (date, id) goes in DATE_DESC order: a binary search that
    reads the date of each probed article (~17 look-ups at 85,000)."""
    lo, hi = 0, len(rowids)
    while lo < hi:
        mid = (lo + hi) // 2
        (date,) = db.execute("SELECT date FROM articles WHERE n = ?", (rowids[mid],)).fetchone()
        if _comes_after(key, (date, ids[mid])):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _comes_after(a: tuple[str | None, bytes], b: tuple[str | None, bytes]) -> bool:
    """Whether `a` sorts after `b` in DATE_DESC: the later date first, NULL below every date
    (as SQLite orders it), then the larger id first. Python compares str by code point and
    bytes bytewise, as SQLite's BINARY collation compares UTF-8."""
    if a[0] != b[0]:
        return a[0] is None or (b[0] is not None and a[0] < b[0])
    return a[1] < b[1]


def current(db: sqlite3.Connection) -> tuple[list[int], bytes]:
    """The live articles' rowids in DATE_DESC order, and their ids (UTF-8) joined by newlines,
    as read from the articles themselves."""
    # group_concat keeps a FROM subquery's order (see query/filters.py's ordered_joined).
    sql = "SELECT group_concat(n), group_concat(id, char(10)) FROM"
    sql += f" (SELECT n, id FROM articles a ORDER BY {DATE_DESC})"
    ns, joined = db.execute(sql).fetchone()
    if ns is None:
        return [], b""
    return list(map(int, ns.split(","))), joined.encode()


def packed(rowids: list[int]) -> bytes:
    """Rowids as the stored order holds them: little-endian uint32."""
    return struct.pack(f"<{len(rowids)}I", *rowids)


def stored(db: sqlite3.Connection) -> tuple[int, bytes, bytes] | None:
    """The stored order's largest rowid, packed rowids and joined ids; None if none is kept."""
    row = db.execute(
        "SELECT top, rowids, ids FROM article_order WHERE sort = ?", (SORT,)
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def ids_of(db: sqlite3.Connection, flags: bytes) -> str | None:
    """The ids of the articles whose byte in `flags` is b'1' (search.row_flags of a bitset; a
    rowid past its end is not set), one a line in DATE_DESC order, each line ending in a
    newline ('' for none); None when the corpus keeps no stored order."""
    row = stored(db)
    if row is None:
        return None
    top, packed, joined = row
    try:
        order = struct.unpack(f"<{len(packed) // 4}I", packed)  # a tuple of ints, made in C
    except struct.error:  # not a whole number of uint32: a hand edit
        raise _damaged(db) from None
    ids = joined.split(b"\n")
    mask = flags[: top + 1].ljust(top + 1, b"0").translate(_PICK)
    try:
        if len(ids) != len(order) or not order:
            raise IndexError
        # itemgetter of one index returns the item, not a tuple of one.
        picked = itemgetter(*order)(mask) if len(order) > 1 else (mask[order[0]],)
    except IndexError:  # a rowid past `top`, or not one id per rowid: a hand edit
        raise _damaged(db) from None
    kept = b"\n".join(compress(ids, picked))
    return kept.decode(errors="replace") + "\n" if kept else ""


def _damaged(db: sqlite3.Connection) -> Exception:
    from zsctl.errors import CorpusError
    from zsctl.store.corpus import db_file, rebuild_hint

    why = "the stored order of the articles (article_order) does not match their ids"
    return CorpusError(rebuild_hint(db_file(db), why), path=str(db_file(db)))

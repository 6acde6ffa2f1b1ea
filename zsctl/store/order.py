"""Every article's id in grep's default order, kept by ingest, for `grep -l` of a common term.

Listing the ids of a term in 41% of 85,000 articles in date order meant SQLite walking the
whole `articles_date` index and testing a flag byte per row: ~30 ms of a ~95 ms `grep -l` in
a fresh process, where `grep -c` only counts bits. With the order stored as one row (the
articles' rowids in that order, and their ids packed as 8-byte items), the matches are picked
with no SQLite step and no Python bytecode per article: `struct.unpack` reads the rowids, one
`operator.itemgetter` call gathers each article's flag byte into the stored order,
`itertools.compress` keeps the flagged ids of an `array('Q')`, and one `bytes.hex` spells
them, all in C: ~12 ms.

Every ingest that changes the articles patches the row (or rewrites it), in the same
transaction (store.writes.update_index), so it lists exactly the live articles;
zsctl/store/verify.py checks that it still does. The order is that of `DATE_DESC`, which
query/filters.py uses for `--sort -date`.
"""

from __future__ import annotations

import sqlite3
import struct
import sys
from array import array
from collections.abc import Sequence
from itertools import compress
from operator import itemgetter
from typing import NamedTuple

from zsctl.ids import ALPHABET, HEX, from_hex

# grep's default order (`--sort -date`): newest first, undated last, ties by id, descending.
DATE_DESC = "a.date DESC, a.id DESC"
SORT = "-date"  # the key the stored order is kept under
# The articles in DATE_DESC order (a row per order kept): `rowids` (articles.n) as little-endian
# uint32; `ids` the same articles' ids, as `width` says: 8, each id (12 consonants: 12 hex
# digits, zsctl/ids.py) as its 6 bytes and 2 zero bytes; 0, the ids (any other: lengthened
# after a hash collision, or not made by zsctl) as UTF-8 joined by newlines. `top`: the
# largest rowid.
ORDER_DDL = """
CREATE TABLE article_order (
    sort TEXT PRIMARY KEY,
    top INTEGER NOT NULL,
    width INTEGER NOT NULL,
    rowids BLOB NOT NULL,
    ids BLOB NOT NULL
);
"""
# Ids as 8-byte items (array 'Q'): itertools.compress picks 34,573 of 85,000 of them in ~5 ms,
# where splitting lines of text into 85,000 bytes objects and joining the kept took ~9 ms.
PACKED = 8
ID_LENGTH = 12  # consonants in an id as zsctl spells it (dedup/articles.py lengthens on a clash)
# Past this many removed and added articles, rewriting the order (~50-80 ms at 85,000) beats
# patching it (~0.2 ms an article, on ~5 ms of reading and writing the row).
PATCH_MAX = 128
_PICK = bytes.maketrans(b"01", b"\x00\x01")  # search.row_flags' b'0'/b'1' to false/true
_TO_HEX = str.maketrans(ALPHABET, HEX)
_NATIVE = sys.byteorder  # how array items lay out their bytes
_ID_LETTERS = f"{ALPHABET}\n".encode()


class Stored(NamedTuple):
    """The stored order's row."""

    top: int
    width: int
    rowids: bytes
    ids: bytes


def rewrite(db: sqlite3.Connection) -> None:
    """Store the current articles' order (in the caller's transaction); ~50-80 ms at 85,000."""
    rowids, lines = current(db)
    _put(db, encoded(rowids, lines) if rowids else None)


def update(db: sqlite3.Connection, removed: Sequence[int], added: Sequence[int]) -> None:
    """Bring the stored order in line after an ingest removed and added these rowids (in the
    caller's transaction). A few changes to zsctl's packed ids are patched in, ~5-10 ms at
    85,000 articles, where rewriting the whole order from the date index takes ~50-80 ms of a
    ~2 s daily ingest; anything else (many changes, ids of other spellings) is rewritten."""
    kept = stored(db)
    new = _articles(db, added) if len(removed) + len(added) <= PATCH_MAX else []
    if kept is None or kept.width != PACKED or len(new) != len(added):
        rewrite(db)
        return
    if not all(_plain(aid) for _, aid, _ in new):
        rewrite(db)  # an id that cannot be packed: the order is stored as lines from now on
        return
    try:
        gone = sorted({_position(kept.rowids, n) for n in removed}, reverse=True)
    except ValueError:  # a removed article the order did not list: rebuild it from the rows
        rewrite(db)
        return
    rowids = _native(array("I", kept.rowids))
    ids = array("Q", kept.ids)
    for at in gone:  # the last first, so the positions found stay right
        del rowids[at], ids[at]
    for n, aid, date in new:
        at = _place(db, rowids, ids, (date, aid))
        rowids.insert(at, n)
        ids.insert(at, int.from_bytes(bytes.fromhex(aid.translate(_TO_HEX)) + b"\0\0", _NATIVE))
    if not rowids:
        _put(db, None)
        return
    top = max(rowids) if kept.top in set(removed) else max([kept.top, *added])
    _put(db, Stored(top, PACKED, _native(rowids).tobytes(), ids.tobytes()))


def _position(rowids: bytes, n: int) -> int:
    """Where rowid n is in the stored rowids: a byte search in C (~20 µs at 85,000; the
    array's own index() compares 85,000 Python ints), at a whole uint32."""
    needle = struct.pack("<I", n)
    at = rowids.find(needle)
    while at > 0 and at % 4:  # found across two rowids: look on
        at = rowids.find(needle, at + 1)
    if at < 0:
        raise ValueError(f"rowid {n} is not in the stored order")
    return at // 4


def _native(rowids: array[int]) -> array[int]:
    """Little-endian uint32 (as stored) to this machine's order, or back: a swap on big-endian."""
    if sys.byteorder != "little":
        rowids.byteswap()
    return rowids


def _put(db: sqlite3.Connection, row: Stored | None) -> None:
    """Replace the stored order (with none when there is no article: a reader lists none)."""
    db.execute("DELETE FROM article_order WHERE sort = ?", (SORT,))
    if row is not None:
        db.execute("INSERT INTO article_order VALUES (?, ?, ?, ?, ?)", (SORT, *row))


def _plain(aid: str) -> bool:
    """Whether an id is spelt as zsctl spells it (12 consonants), so it packs into 6 bytes."""
    return len(aid) == ID_LENGTH and not aid.encode().translate(None, _ID_LETTERS)


def encoded(rowids: list[int], lines: str) -> Stored:
    """The stored form of an order given its rowids and its ids joined by newlines: packed
    when every id is spelt as zsctl spells it, else the lines as they are."""
    rows = struct.pack(f"<{len(rowids)}I", *rowids)
    count = len(rowids)
    plain = len(lines) == (ID_LENGTH + 1) * count - 1 and not lines.encode().translate(
        None, _ID_LETTERS
    )
    if plain and lines[ID_LENGTH :: ID_LENGTH + 1] == "\n" * (count - 1):
        # Each id's hex digits and four '0's (two zero bytes): one fromhex for all of them.
        hexed = lines.translate(_TO_HEX).replace("\n", "0000") + "0000"
        if array("Q").itemsize == PACKED:
            return Stored(max(rowids), PACKED, rows, bytes.fromhex(hexed))
    return Stored(max(rowids), 0, rows, lines.encode())


def _unpacked(packed: bytes) -> str:
    """Packed ids as text, each followed by a newline: their hex digits, 8 bytes a line, less
    the two zero bytes ('0000' before each newline), spelt as zsctl spells ids."""
    return from_hex((packed.hex("\n", PACKED) + "\n").replace("0000\n", "\n"))


def _articles(db: sqlite3.Connection, rowids: Sequence[int]) -> list[tuple[int, str, str | None]]:
    """(rowid, id, date) of some articles."""
    out: list[tuple[int, str, str | None]] = []
    for lo in range(0, len(rowids), 500):  # under SQLite's limit on parameters
        part = list(rowids[lo : lo + 500])
        sql = f"SELECT n, id, date FROM articles WHERE n IN ({','.join('?' * len(part))})"
        out += db.execute(sql, part).fetchall()
    return out


def _place(
    db: sqlite3.Connection, rowids: array[int], ids: array[int], key: tuple[str | None, str]
) -> int:
    """Where an article of this (date, id) goes in DATE_DESC order: a binary search that
    reads the date of each probed article (~17 look-ups at 85,000)."""
    lo, hi = 0, len(rowids)
    while lo < hi:
        mid = (lo + hi) // 2
        (date,) = db.execute("SELECT date FROM articles WHERE n = ?", (rowids[mid],)).fetchone()
        if _comes_after(key, (date, _unpacked(ids[mid].to_bytes(PACKED, _NATIVE))[:-1])):
            lo = mid + 1
        else:
            hi = mid
    return lo


def _comes_after(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    """Whether `a` sorts after `b` in DATE_DESC: the later date first, NULL below every date
    (as SQLite orders it), then the larger id first. Python compares str by code point, as
    SQLite's BINARY collation compares their UTF-8 bytes."""
    if a[0] != b[0]:
        return a[0] is None or (b[0] is not None and a[0] < b[0])
    return a[1] < b[1]


def current(db: sqlite3.Connection) -> tuple[list[int], str]:
    """The live articles' rowids in DATE_DESC order, and their ids joined by newlines, as
    read from the articles themselves."""
    # group_concat keeps a FROM subquery's order (see query/filters.py's ordered_joined).
    sql = "SELECT group_concat(n), group_concat(id, char(10)) FROM"
    sql += f" (SELECT n, id FROM articles a ORDER BY {DATE_DESC})"
    ns, joined = db.execute(sql).fetchone()
    if ns is None:
        return [], ""
    return list(map(int, ns.split(","))), joined


def stored(db: sqlite3.Connection) -> Stored | None:
    """The stored order's row; None if none is kept."""
    row = db.execute(
        "SELECT top, width, rowids, ids FROM article_order WHERE sort = ?", (SORT,)
    ).fetchone()
    return None if row is None else Stored(*row)


def ids_of(db: sqlite3.Connection, flags: bytes) -> str | None:
    """The ids of the articles whose byte in `flags` is b'1' (search.row_flags of a bitset; a
    rowid past its end is not set), one a line in DATE_DESC order, each line ending in a
    newline ('' for none); None when the corpus keeps no stored order."""
    kept = stored(db)
    if kept is None:
        return None
    mask = flags[: kept.top + 1].ljust(kept.top + 1, b"0").translate(_PICK)
    try:
        order = struct.unpack(f"<{len(kept.rowids) // 4}I", kept.rowids)  # ints made in C
        # itemgetter of one index returns the item, not a tuple of one.
        picked = itemgetter(*order)(mask) if len(order) > 1 else (mask[order[0]],)
        if kept.width == PACKED and len(kept.ids) == PACKED * len(order):
            chosen = array("Q", compress(array("Q", kept.ids), picked)).tobytes()
            return _unpacked(chosen) if chosen else ""
        ids = kept.ids.split(b"\n")
        if kept.width != 0 or len(ids) != len(order):
            raise ValueError("not one id per rowid")
    except (struct.error, IndexError, ValueError):  # a rowid past `top`, ...: a hand edit
        raise _damaged(db) from None
    chosen = b"\n".join(compress(ids, picked))
    return chosen.decode(errors="replace") + "\n" if chosen else ""


def _damaged(db: sqlite3.Connection) -> Exception:
    from zsctl.errors import CorpusError
    from zsctl.store.corpus import db_file, rebuild_hint

    why = "the stored order of the articles (article_order) does not match their ids"
    return CorpusError(rebuild_hint(db_file(db), why), path=str(db_file(db)))

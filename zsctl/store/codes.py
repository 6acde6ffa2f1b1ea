"""Per-record candidate codes (table record_codes) and the lookups an incremental ingest makes.

Each record stores the codes its signatures give (`dedup.cluster.record_codes`): the exact
digest, its LSH band keys, its opening windows, its title. A new, edited or removed record
finds the stored records whose clustering it can change by these codes alone, so only their
clusters are recomputed (`dedup.cluster.affected`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from zsctl.dedup.cluster import INDEX, PROBE, Codes

_CHUNK = 500  # parameters per statement, under SQLite's limit


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for lo in range(0, len(values), _CHUNK):
        yield values[lo : lo + _CHUNK]


def _in(n: int) -> str:
    return ",".join("?" * n)


def coded_keys(db: sqlite3.Connection) -> set[str]:
    """Keys of the records whose codes are stored (removed records' codes linger until dedup)."""
    return {k for (k,) in db.execute("SELECT DISTINCT key FROM record_codes")}


def codes_of(db: sqlite3.Connection, keys: Iterable[str]) -> Codes:
    """The stored codes of some records."""
    out: Codes = []
    for part in _chunks(sorted(keys)):
        sql = f"SELECT code, role FROM record_codes WHERE key IN ({_in(len(part))})"
        out += db.execute(sql, part).fetchall()
    return out


def matches(db: sqlite3.Connection, codes: Codes) -> set[str]:
    """Stored records that `codes` find: their INDEX codes among its PROBE codes, and back."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS probe (code INTEGER, role INTEGER)")
    db.execute("DELETE FROM probe")
    db.executemany("INSERT INTO probe VALUES (?, ?)", codes)
    rows = db.execute(
        "SELECT DISTINCT r.key FROM probe p JOIN record_codes r ON r.code = p.code"
        f" WHERE ((p.role & {PROBE}) AND (r.role & {INDEX}))"
        f" OR ((p.role & {INDEX}) AND (r.role & {PROBE}))"
    )
    found = {k for (k,) in rows}
    db.execute("DELETE FROM probe")
    return found


def members_of(db: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """The records of the stored articles of some records (and those records themselves)."""
    wanted = sorted(set(keys))
    out = set(wanted)
    for part in _chunks(wanted):
        sql = (
            "SELECT o.record_key FROM article_sources s JOIN article_sources o"
            f" ON o.article_id = s.article_id WHERE s.record_key IN ({_in(len(part))})"
        )
        out.update(k for (k,) in db.execute(sql, part))
    return out


def articles_of(db: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """Ids of the stored articles that hold some records."""
    out: set[str] = set()
    for part in _chunks(sorted(set(keys))):
        sql = f"SELECT article_id FROM article_sources WHERE record_key IN ({_in(len(part))})"
        out.update(a for (a,) in db.execute(sql, part))
    return out


def replace_codes(db: sqlite3.Connection, stale: Iterable[str], rows: dict[str, Codes]) -> None:
    """Drop the codes of stale records, store those of new ones."""
    for part in _chunks(sorted(set(stale) | set(rows))):
        db.execute(f"DELETE FROM record_codes WHERE key IN ({_in(len(part))})", part)
    db.executemany(
        "INSERT OR IGNORE INTO record_codes VALUES (?, ?, ?)",
        ((code, key, role) for key, codes in rows.items() for code, role in codes),
    )


def clear_codes(db: sqlite3.Connection) -> None:
    """Forget every record's codes (a full re-cluster stores them all again)."""
    db.execute("DELETE FROM record_codes")

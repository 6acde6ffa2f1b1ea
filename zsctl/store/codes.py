"""Per-record candidate codes (table record_codes) and the lookups an incremental ingest makes.

Each record stores the codes its signatures give (`dedup.cluster.record_codes`): the exact
digest, its LSH band keys, its opening windows, its title. A new, edited or removed record
finds the stored records whose clustering it can change by these codes alone, so only their
clusters are recomputed (`dedup.cluster.affected`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

import numpy as np

from zsctl.dedup.cluster import CodeIndex, Codes

_CHUNK = 500  # parameters per statement, under SQLite's limit


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for lo in range(0, len(values), _CHUNK):
        yield values[lo : lo + _CHUNK]


def _in(n: int) -> str:
    return ",".join("?" * n)


def load_index(db: sqlite3.Connection) -> CodeIndex:
    """Every stored record's codes (removed records' codes linger until the dedup stage)."""
    rows = db.execute("SELECT key, codes FROM record_codes")
    return CodeIndex({k: np.frombuffer(blob, dtype="<i8").astype(np.int64) for k, blob in rows})


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


def memberships(db: sqlite3.Connection, ids: set[str] | None) -> dict[str, set[str]]:
    """Record keys of some stored articles (all when ids is None), by article id."""
    out: dict[str, set[str]] = {}
    if ids is None:
        rows: Iterable[tuple[str, str]] = db.execute(
            "SELECT article_id, record_key FROM article_sources"
        )
        for a, k in rows:
            out.setdefault(a, set()).add(k)
        return out
    for part in _chunks(sorted(ids)):
        sql = (
            "SELECT article_id, record_key FROM article_sources"
            f" WHERE article_id IN ({_in(len(part))})"
        )
        for a, k in db.execute(sql, part):
            out.setdefault(a, set()).add(k)
    return out


def replace_codes(db: sqlite3.Connection, stale: Iterable[str], rows: dict[str, Codes]) -> None:
    """Drop the codes of stale records, store those of new ones (one blob per record)."""
    db.executemany("DELETE FROM record_codes WHERE key = ?", ((k,) for k in sorted(stale)))
    db.executemany(
        "INSERT OR REPLACE INTO record_codes VALUES (?, ?)",
        ((key, c.astype("<i8").tobytes()) for key, c in sorted(rows.items())),
    )


def clear_codes(db: sqlite3.Connection) -> None:
    """Forget every record's codes (a full re-cluster stores them all again)."""
    db.execute("DELETE FROM record_codes")

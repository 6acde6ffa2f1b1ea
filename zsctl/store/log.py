"""The ingest log (table ingest_log): one row per ingest that ran to its end, for `zsctl log`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any, NamedTuple


class LogEntry(NamedTuple):
    """One ingest: when (UTC, ISO 8601), how long, and what it did (counts, changed ids)."""

    n: int
    at: str
    seconds: float
    summary: dict[str, Any]


def record(db: sqlite3.Connection, at: str, seconds: float, summary: Mapping[str, Any]) -> None:
    """Append an ingest to the log, inside the ingest's transaction."""
    db.execute(
        "INSERT INTO ingest_log (at, seconds, summary) VALUES (?, ?, ?)",
        (at, round(seconds, 3), json.dumps(summary, ensure_ascii=False, sort_keys=True)),
    )


def entries(db: sqlite3.Connection, limit: int | None = None) -> list[LogEntry]:
    """The logged ingests, newest first."""
    sql = "SELECT n, at, seconds, summary FROM ingest_log ORDER BY n DESC"
    rows = db.execute(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
    return [LogEntry(n, at, s, json.loads(summary)) for n, at, s, summary in rows]

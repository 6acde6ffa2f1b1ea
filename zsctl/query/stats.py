"""stats: counts by district and by month over the filtered articles."""

from __future__ import annotations

import re
import sqlite3
from typing import NamedTuple

from zsctl.query.articles import count
from zsctl.query.filters import Filters, where_clauses


class Stats(NamedTuple):
    """Counts by district and by month."""

    articles: int
    records: int
    # (district or None, articles with it as primary district, articles mentioning it)
    by_district: list[tuple[str | None, int, int]]
    # ('YYYY-MM' or None for undated, articles), empty months between the first and last as 0
    by_month: list[tuple[str | None, int]]


def stats(db: sqlite3.Connection, filters: Filters) -> Stats:
    """Articles by primary district (with how many mention each) and by month."""
    clauses, params = where_clauses(db, filters)
    where = " AND ".join(clauses) or "1"
    subset = f"IN (SELECT a.id FROM articles a WHERE {where})" if clauses else None
    total = count(db, filters)
    records_sql = "SELECT count(*) FROM article_sources s" + (
        f" WHERE s.article_id {subset}" if subset else ""
    )
    records = int(db.execute(records_sql, params).fetchone()[0])
    primary = db.execute(
        f"SELECT a.district, count(*) FROM articles a WHERE {where} GROUP BY a.district", params
    ).fetchall()
    mention_sql = "SELECT d.district, count(*) FROM article_districts d" + (
        f" WHERE d.article_id {subset}" if subset else ""
    )
    mentioned = dict(db.execute(mention_sql + " GROUP BY d.district", params).fetchall())
    months = db.execute(
        f"SELECT substr(a.date, 1, 7), count(*) FROM articles a WHERE {where} GROUP BY 1", params
    ).fetchall()
    return Stats(total, records, _by_district(primary, mentioned), _fill_months(months))


def _by_district(
    primary: list[tuple[str | None, int]], mentioned: dict[str, int]
) -> list[tuple[str | None, int, int]]:
    """Primary-district counts, most first; districts only ever mentioned come last with 0."""
    counts = dict(primary)
    names: list[str | None] = [*counts, *(d for d in mentioned if d not in counts)]
    rows = [(d, counts.get(d, 0), mentioned.get(d, 0) if d else 0) for d in names]
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0] is None, r[0] or ""))


def _fill_months(rows: list[tuple[str | None, int]]) -> list[tuple[str | None, int]]:
    """Months in order with empty months between the first and last filled in as 0."""
    counts = {m: c for m, c in rows if m and _MONTH.fullmatch(m)}
    undated = sum(c for m, c in rows if m not in counts)
    out: list[tuple[str | None, int]] = []
    if counts:
        year, month = map(int, min(counts).split("-"))
        end = max(counts)
        while (key := f"{year:04d}-{month:02d}") <= end:
            out.append((key, counts.get(key, 0)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if undated:
        out.append((None, undated))
    return out


_MONTH = re.compile(r"\d{4}-\d{2}")

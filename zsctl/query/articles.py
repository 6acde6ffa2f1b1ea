"""Read-side queries on the corpus: filters, ordering, article detail, search and statistics.

Every ordered query runs in two phases where bodies are involved: first SQLite orders the
matching rowids (the sorter then holds a few bytes per row, never a body), then each article is
fetched by rowid. The body is the last column of an articles row, so reading the metadata
columns (n_sources, length, ...) never walks the body's overflow pages.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from zsctl.errors import NotFoundError
from zsctl.query.filters import (
    CHUNK,
    DEFAULT_SORT,
    EXPORT_SORT,
    N_SOURCES,
    Filters,
    chunks,
    marks,
    ordered,
    where_clauses,
)

SUMMARY = f"a.id, a.date, a.district, a.title, a.tag, {N_SOURCES}"


class Summary(NamedTuple):
    """One row of `list`: what identifies an article at a glance."""

    id: str
    date: str | None
    district: str | None
    title: str
    tag: str | None
    sources: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "date": self.date,
            "district": self.district,
            "title": self.title,
            "tag": self.tag,
            "sources": self.sources,
        }


class SourceRecord(NamedTuple):
    """One appearance of the article in a dump, and how it joined the cluster."""

    key: str
    dump: str
    first_line: int
    last_line: int
    date: str | None  # as listed in that dump
    title: str | None  # the title as that dump gave it
    tag: str | None
    kind: str  # 'kept' | 'exact' | 'near' | 'contained'
    score: float


class StoredEdge(NamedTuple):
    """A verified similarity between two records that joined the cluster."""

    a: str
    b: str
    kind: str
    score: float


class Detail(NamedTuple):
    """Everything stored about one article."""

    id: str
    title: str
    tag: str | None
    date: str | None
    district: str | None
    source_label: str | None
    body_utf8: bytes  # kept encoded: export copies it out without a decode/encode round trip
    length: int  # characters
    mentions: tuple[tuple[str, int], ...]
    sources: tuple[SourceRecord, ...]
    edges: tuple[StoredEdge, ...]

    @property
    def body(self) -> str:
        """The body text, paragraphs joined by newlines."""
        return self.body_utf8.decode()

    @property
    def paragraphs(self) -> list[str]:
        """The body split back into its paragraphs."""
        return self.body.split("\n") if self.body_utf8 else []


# --- filters and ordering -------------------------------------------------------------------


def summaries(
    db: sqlite3.Connection, filters: Filters, sort: str = DEFAULT_SORT, limit: int | None = None
) -> Iterator[Summary]:
    """Article summaries in `sort` order, at most `limit` of them."""
    for row in ordered(db, SUMMARY, filters, sort, limit=limit):
        yield Summary(*row)


def count(db: sqlite3.Connection, filters: Filters) -> int:
    """How many articles pass the filters."""
    clauses, params = where_clauses(db, filters)
    sql = f"SELECT count(*) FROM articles a WHERE {' AND '.join(clauses) or '1'}"
    return int(db.execute(sql, params).fetchone()[0])


# --- one article ----------------------------------------------------------------------------


def resolve_id(db: sqlite3.Connection, text: str) -> str:
    """The full id for a full id or unique prefix; NotFoundError listing candidates otherwise.

    A schema-1 hex id or prefix (e.g. from an old export) is accepted too, for one release.
    """
    from zsctl.ids import legacy

    prefix = text.strip().lower()
    if not prefix:
        raise NotFoundError("empty article id")
    rows = _by_prefix(db, prefix)
    old = legacy(prefix)
    if not rows and old is not None:
        rows = _by_prefix(db, old)
    if len(rows) == 1:
        return str(rows[0][0])
    if not rows:
        raise NotFoundError(f"no article with id {text!r}; `zsctl list` shows the ids")
    shown = "; ".join(f"{i} {d or '-'} {t[:30]}" for i, d, t in rows[:10])
    more = ", and more" if len(rows) > 10 else ""
    raise NotFoundError(f"id prefix {text!r} is ambiguous: {shown}{more}; give more letters")


def _by_prefix(db: sqlite3.Connection, prefix: str) -> list[tuple[str, str | None, str]]:
    """Up to 11 (id, date, title) whose id starts with `prefix`."""
    # A range on the unique id index: every id starting with the prefix sorts inside it.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return db.execute(
        "SELECT id, date, title FROM articles WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
        (prefix, upper),
    ).fetchall()


def detail(db: sqlite3.Connection, article_id: str) -> Detail:
    """Everything stored about one article (by full id)."""
    row = db.execute("SELECT n FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"no article with id {article_id!r}")
    return next(details(db, [row[0]]))


def iter_details(
    db: sqlite3.Connection, filters: Filters, sort: str = EXPORT_SORT
) -> Iterator[Detail]:
    """Full articles in `sort` order, fetched a chunk at a time so memory stays flat."""
    return details(db, (row[0] for row in ordered(db, "a.n", filters, sort)))


def export_rowids(db: sqlite3.Connection, filters: Filters, sort: str = EXPORT_SORT) -> list[int]:
    """The rowids iter_details fetches, in its order: an export splits them between processes."""
    return [row[0] for row in ordered(db, "a.n", filters, sort)]


def details(db: sqlite3.Connection, rowids: Iterable[int]) -> Iterator[Detail]:
    """Full articles for the given rowids, in that order."""
    for chunk in chunks(rowids, CHUNK):
        yield from _detail_chunk(db, chunk)


def _detail_chunk(db: sqlite3.Connection, rowids: list[int]) -> Iterator[Detail]:
    rows = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT n, id, title, tag, date, district, source, CAST(body AS BLOB), length"
            " FROM articles"
            f" WHERE n IN ({marks(rowids)})",
            rowids,
        )
    }
    ids = [rows[n][0] for n in rowids if n in rows]
    sources = _side(db, "sources", ids)
    mentions = _side(db, "mentions", ids)
    edges = _side(db, "edges", ids)
    for n in rowids:
        if n not in rows:  # deleted since the rowids were read (only outside a transaction)
            continue
        aid, title, tag, date, district, label, body, length = rows[n]
        yield Detail(
            aid, title, tag, date, district, label, body, length,
            tuple(mentions.get(aid, ())), tuple(sources.get(aid, ())), tuple(edges.get(aid, ())),
        )  # fmt: skip


# Side rows per article, in their display order; each row is (article_id, *fields).
_SIDE_SQL = {
    "sources": "SELECT s.article_id, s.record_key, r.dump, r.first_line, r.last_line, r.date,"
    " r.title, r.tag, s.kind, s.score FROM article_sources s"
    " LEFT JOIN records r ON r.key = s.record_key WHERE s.article_id IN ({})"
    " ORDER BY s.article_id, s.kind != 'kept', r.dump, r.first_line, s.record_key",
    "mentions": "SELECT article_id, district, count FROM article_districts"
    " WHERE article_id IN ({}) ORDER BY article_id, count DESC, district",
    "edges": "SELECT article_id, a, b, kind, score FROM article_edges"
    " WHERE article_id IN ({}) ORDER BY article_id, a, b",
}
_SIDE_ROW: dict[str, Any] = {
    "sources": SourceRecord._make,
    "mentions": tuple,
    "edges": StoredEdge._make,
}


def _side(db: sqlite3.Connection, table: str, ids: list[str]) -> dict[str, list[Any]]:
    """Rows of a side table grouped by article id."""
    out: dict[str, list[Any]] = {}
    make = _SIDE_ROW[table]
    for row in db.execute(_SIDE_SQL[table].format(marks(ids)), ids):
        fields = row[1:]
        if table == "sources" and row[2] is None:  # the record row is gone: use its key
            fields = _orphan_source(fields)
        out.setdefault(row[0], []).append(make(fields))
    return out


def _orphan_source(fields: tuple[Any, ...]) -> tuple[Any, ...]:
    """Source fields for a key whose record row is missing: '<dump>:<line>' still says where."""
    key = fields[0]
    dump, _, line = key.rpartition(":")
    first = int(line) if line.isdigit() else 0
    return (key, dump, first, first, None, None, None, *fields[7:])


# --- search ---------------------------------------------------------------------------------


# --- statistics -----------------------------------------------------------------------------

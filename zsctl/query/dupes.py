"""Duplicate clusters as stored: which records merged into an article, why, how similar."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Member:
    """One source record of an article and how it joined the cluster."""

    key: str
    dump: str
    first_line: int
    last_line: int
    title: str
    tag: str | None
    date: str | None
    kind: str
    score: float


@dataclass(frozen=True, slots=True)
class ClusterView:
    """An article with more than one source."""

    id: str
    title: str
    members: tuple[Member, ...]
    edges: tuple[tuple[str, str, str, float], ...]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "id": self.id,
            "title": self.title,
            "size": len(self.members),
            "members": [
                {
                    "key": m.key,
                    "dump": m.dump,
                    "first_line": m.first_line,
                    "last_line": m.last_line,
                    "title": m.title,
                    "tag": m.tag,
                    "date": m.date,
                    "kind": m.kind,
                    "score": m.score,
                }
                for m in self.members
            ],
            "edges": [{"a": a, "b": b, "kind": k, "score": s} for a, b, k, s in self.edges],
        }


def duplicate_clusters(db: sqlite3.Connection, min_size: int = 2) -> list[ClusterView]:
    """Every article with at least min_size sources, largest first, then by id."""
    heads = db.execute(
        "SELECT id, title FROM articles WHERE n_sources >= ? ORDER BY n_sources DESC, id",
        (min_size,),
    ).fetchall()
    return [ClusterView(aid, title, _members(db, aid), _edges(db, aid)) for aid, title in heads]


def _members(db: sqlite3.Connection, article_id: str) -> tuple[Member, ...]:
    rows = db.execute(
        "SELECT s.record_key, r.dump, r.first_line, r.last_line, r.title, r.tag, r.date,"
        " s.kind, s.score FROM article_sources s JOIN records r ON r.key = s.record_key"
        " WHERE s.article_id = ? ORDER BY s.kind != 'kept', r.dump, r.first_line",
        (article_id,),
    )
    return tuple(Member(*row) for row in rows)


def _edges(db: sqlite3.Connection, article_id: str) -> tuple[tuple[str, str, str, float], ...]:
    rows = db.execute(
        "SELECT a, b, kind, score FROM article_edges WHERE article_id = ? ORDER BY a, b",
        (article_id,),
    )
    return tuple((a, b, kind, score) for a, b, kind, score in rows)

"""The export schema: its version, its fields in order, one article as a dict of them.

The one owner of what an exported article looks like; docs/EXPORT_SCHEMA.md documents it.
"""

from __future__ import annotations

from typing import Any

from zsctl.query.articles import Detail

# Bump on any change a consumer could notice (field renamed, removed, or its meaning changed);
# adding a field is not a change of version. Documented in docs/EXPORT_SCHEMA.md.
EXPORT_SCHEMA_VERSION = 1


FORMATS = ("jsonl", "csv")


FIELDS = (
    "schema_version", "id", "title", "tag", "date", "district", "source_label", "districts",
    "sources", "body", "paragraphs", "length", "cluster",
)  # fmt: skip


NESTED = frozenset({"districts", "sources", "paragraphs", "cluster"})


def article_dict(a: Detail) -> dict[str, Any]:
    """One article in the export schema, fields in documented order."""
    return {**head_fields(a), "body": a.body, "paragraphs": a.paragraphs, **tail_fields(a)}


def head_fields(a: Detail) -> dict[str, Any]:
    """The fields before the body."""
    return {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "id": a.id,
        "title": a.title,
        "tag": a.tag,
        "date": a.date,
        "district": a.district,
        "source_label": a.source_label,
        "districts": [{"district": d, "count": n} for d, n in a.mentions],
        "sources": [
            {
                "dump": s.dump,
                "first_line": s.first_line,
                "last_line": s.last_line,
                "date": s.date,
                "title": s.title,
                "tag": s.tag,
                "kind": s.kind,
                "score": s.score,
            }
            for s in a.sources
        ],
    }


def tail_fields(a: Detail) -> dict[str, Any]:
    """The fields after the paragraphs."""
    return {
        "length": a.length,
        "cluster": {
            "size": len(a.sources),
            "edges": [{"a": e.a, "b": e.b, "kind": e.kind, "score": e.score} for e in a.edges],
        },
    }

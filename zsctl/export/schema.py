"""The export schema: its version, its fields in order, one article as a dict of them.

The one owner of what an exported article looks like; docs/EXPORT_SCHEMA.md documents it.
Its Arrow form (`arrow_schema`, `record_batch`) is here too, for every writer of zsctl's
Parquet: `zsctl export --format parquet` and any other job that writes the same files.
pyarrow is imported inside those functions only: it is an optional extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zsctl.query.articles import Detail, SourceRecord

if TYPE_CHECKING:
    import pyarrow as pa

# Bump on any change a consumer could notice (field renamed, removed, or its meaning changed);
# adding a field is not a change of version. Documented in docs/EXPORT_SCHEMA.md.
# 2: `date` always YYYY-MM-DD, `published_at` added, ids in consonants (zsctl.ids).
EXPORT_SCHEMA_VERSION = 2


FORMATS = ("jsonl", "csv")  # text, to a file or stdout, in one process or two
FILE_FORMATS = (*FORMATS, "parquet")  # Parquet only to a file


FIELDS = (
    "schema_version", "id", "title", "tag", "date", "published_at", "district", "source_label",
    "districts", "sources", "body", "paragraphs", "length", "cluster",
)  # fmt: skip
# Parquet leaves out `paragraphs`: it is `body` split on "\n", and would double the file.
PARQUET_FIELDS = tuple(f for f in FIELDS if f != "paragraphs")
PARQUET_METADATA_KEY = b"zsctl.schema_version"  # the file's key-value metadata
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3  # zstd's default; higher levels gain little on Chinese text
# Rows per row group: a fixed count, so the bytes never depend on memory or batch sizes;
# 16k articles are ~60 MB of text, a modest unit for a reader's memory.
PARQUET_ROW_GROUP = 16_384


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
        "date": day_of(a.date),
        "published_at": published_at(a.date, a.sources),
        "district": a.district,
        "source_label": a.source_label,
        "districts": [{"district": d, "count": n} for d, n in a.mentions],
        "sources": [
            {
                "dump": s.dump,
                "first_line": s.first_line,
                "last_line": s.last_line,
                "date": day_of(s.date),
                "published_at": time_of(s.date),
                "title": s.title,
                "tag": s.tag,
                "kind": s.kind,
                "score": s.score,
            }
            for s in a.sources
        ],
    }


# --- dates: a day, and a time where a page gave one ----------------------------------------


def day_of(stamp: str | None) -> str | None:
    """YYYY-MM-DD of a stored ISO date or date-time."""
    return None if stamp is None else stamp[:10]


def time_of(stamp: str | None) -> str | None:
    """YYYY-MM-DDTHH:MM:SS of a stored date-time (seconds added to HH:MM); None for a day."""
    if stamp is None or len(stamp) <= 10:
        return None
    return stamp + ":00" if len(stamp) == 16 else stamp[:19]


def published_at(date: str | None, sources: Sequence[SourceRecord]) -> str | None:
    """The article's time: the earliest a source of the article's day gave, if any.

    The article's date is its sources' earliest, and a listing giving only the day sorts
    before the article page giving the day and time: any source of that day may hold it.
    """
    day = day_of(date)
    times = [t for s in sources if day_of(s.date) == day and (t := time_of(s.date)) is not None]
    return min(times) if times else None


def tail_fields(a: Detail) -> dict[str, Any]:
    """The fields after the paragraphs."""
    return {
        "length": a.length,
        "cluster": {
            "size": len(a.sources),
            "edges": [{"a": e.a, "b": e.b, "kind": e.kind, "score": e.score} for e in a.edges],
        },
    }


# --- the Arrow (Parquet) form ---------------------------------------------------------------


def arrow_schema() -> pa.Schema:
    """The Parquet export's Arrow schema, with the export schema version in its metadata."""
    import pyarrow as pa

    low = pa.dictionary(pa.int32(), pa.string())  # few distinct values: read as categorical
    stamp = pa.timestamp("ms")  # wall-clock time as the page gave it: no time zone

    def listed(*fields: tuple[str, pa.DataType]) -> pa.DataType:
        return pa.list_(pa.field("element", pa.struct(list(fields))))

    source = listed(
        ("dump", low), ("first_line", pa.int32()), ("last_line", pa.int32()),
        ("date", pa.date32()), ("published_at", stamp), ("title", pa.string()), ("tag", low),
        ("kind", low), ("score", pa.float64()),
    )  # fmt: skip
    edge = listed(("a", pa.string()), ("b", pa.string()), ("kind", low), ("score", pa.float64()))
    fields: dict[str, pa.DataType] = {
        "schema_version": pa.int16(),
        "id": pa.string(),
        "title": pa.string(),
        "tag": low,
        "date": pa.date32(),
        "published_at": stamp,
        "district": low,
        "source_label": low,
        "districts": listed(("district", low), ("count", pa.int32())),
        "sources": source,
        "body": pa.string(),
        "length": pa.int32(),
        "cluster": pa.struct([("size", pa.int32()), ("edges", edge)]),
    }
    assert tuple(fields) == PARQUET_FIELDS
    version = str(EXPORT_SCHEMA_VERSION).encode()
    return pa.schema(list(fields.items()), metadata={PARQUET_METADATA_KEY: version})


# Parquet column paths to dictionary-encode: the low-cardinality strings, not titles or bodies.
PARQUET_DICTIONARY_COLUMNS = (
    "tag", "district", "source_label", "districts.list.element.district",
    "sources.list.element.dump", "sources.list.element.tag", "sources.list.element.kind",
    "cluster.edges.list.element.kind",
)  # fmt: skip


def record_batch(articles: Sequence[Detail], schema: pa.Schema) -> pa.RecordBatch:
    """Articles as one record batch of `arrow_schema()`, in the order given.

    Built column by column from flat Python lists (the nested lists from flat children and
    offsets): converting a dict per source and per edge cost twice as much.
    """
    import pyarrow as pa

    def column(name: str, values: list[Any]) -> pa.Array:
        return _array(values, schema.field(name).type)

    columns = [
        pa.array([EXPORT_SCHEMA_VERSION] * len(articles), pa.int16()),
        column("id", [a.id for a in articles]),
        column("title", [a.title for a in articles]),
        column("tag", [a.tag for a in articles]),
        column("date", [day_of(a.date) for a in articles]),
        column("published_at", [published_at(a.date, a.sources) for a in articles]),
        column("district", [a.district for a in articles]),
        column("source_label", [a.source_label for a in articles]),
        _nested(schema.field("districts").type, [a.mentions for a in articles]),
        _nested(
            schema.field("sources").type, [[_source_row(s) for s in a.sources] for a in articles]
        ),
        pa.array([a.body_utf8 for a in articles], pa.binary()).cast(pa.string()),
        column("length", [a.length for a in articles]),
        _cluster(schema.field("cluster").type, articles),
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """A flat Arrow array of `kind`: dates and times cast from ISO text, dictionaries encoded."""
    import pyarrow as pa

    if pa.types.is_date32(kind) or pa.types.is_timestamp(kind):
        return pa.array(values, pa.string()).cast(kind)
    if pa.types.is_dictionary(kind):
        return pa.array(values, kind.value_type).dictionary_encode()
    return pa.array(values, kind)


def _nested(kind: pa.DataType, rows: Sequence[Sequence[tuple[Any, ...]]]) -> pa.Array:
    """A list<struct> column from each row's tuples (one value per struct field, in order)."""
    import pyarrow as pa

    struct = kind.value_type
    offsets = [0]
    for items in rows:
        offsets.append(offsets[-1] + len(items))
    flat = [item for items in rows for item in items]
    children = [
        _array([item[i] for item in flat], struct.field(i).type) for i in range(struct.num_fields)
    ]
    values = pa.StructArray.from_arrays(children, fields=list(struct))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, type=kind)


def _source_row(s: SourceRecord) -> tuple[Any, ...]:
    """One source's values in the order of the Arrow struct's fields."""
    return (
        s.dump, s.first_line, s.last_line, day_of(s.date), time_of(s.date), s.title, s.tag,
        s.kind, s.score,
    )  # fmt: skip


def _cluster(kind: pa.DataType, articles: Sequence[Detail]) -> pa.Array:
    """The cluster struct column: its size and its edges."""
    import pyarrow as pa

    size = pa.array([len(a.sources) for a in articles], pa.int32())
    edges = [[(e.a, e.b, e.kind, e.score) for e in a.edges] for a in articles]
    return pa.StructArray.from_arrays(
        [size, _nested(kind.field("edges").type, edges)], fields=list(kind)
    )

"""Export articles as JSONL or CSV in the versioned schema of docs/EXPORT_SCHEMA.md."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from json.encoder import encode_basestring as _q  # json's escaper for ensure_ascii=False
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from zsctl.errors import UsageError, ZsctlError
from zsctl.query import Detail

# Bump on any change a consumer could notice (field renamed, removed, or its meaning changed);
# adding a field is not a change of version. Documented in docs/EXPORT_SCHEMA.md.
SCHEMA_VERSION = 1
FORMATS = ("jsonl", "csv")
FIELDS = (
    "schema_version", "id", "title", "tag", "date", "district", "source_label", "districts",
    "sources", "body", "paragraphs", "length", "cluster",
)  # fmt: skip
_NESTED = frozenset({"districts", "sources", "paragraphs", "cluster"})
# One encoder for every line: json.dumps with options builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
# Every byte json leaves alone in a string: all but the C0 controls, quote and backslash.
_ORDINARY_BYTES = bytes(c for c in range(0x20, 0x100) if c not in b'"\\')
_SIMPLE_ESCAPES = b'\t\n"\\'  # the specials the fast path escapes itself
_NOT_CSV_SPECIAL = bytes(c for c in range(0x100) if c not in b',"\r\n')
_BUFFER = 1 << 20


class BinaryWriter(Protocol):
    """Anything with a bytes `write`, such as a binary file or sys.stdout.buffer."""

    def write(self, data: bytes, /) -> int:
        """Write `data`."""
        ...


def article_dict(a: Detail) -> dict[str, Any]:
    """One article in the export schema, fields in documented order."""
    return {**_head(a), "body": a.body, "paragraphs": a.paragraphs, **_tail(a)}


def _head(a: Detail) -> dict[str, Any]:
    """The fields before the body."""
    return {
        "schema_version": SCHEMA_VERSION,
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


def _tail(a: Detail) -> dict[str, Any]:
    """The fields after the paragraphs."""
    return {
        "length": a.length,
        "cluster": {
            "size": len(a.sources),
            "edges": [{"a": e.a, "b": e.b, "kind": e.kind, "score": e.score} for e in a.edges],
        },
    }


# The export's hot loop avoids json's generic encoder and the csv module, both of which walk
# every character of ~4 KB of body per article: the small fields are formatted directly with
# json's own string escaper, and the body is escaped on its UTF-8 bytes (only quote, backslash,
# tab and newline need it) and reused for `body` and `paragraphs` without being decoded. The
# output is byte for byte what json.dumps and csv.writer write (tests hold them equal); bodies
# with other control characters simply take that generic path.


class _Encoded(NamedTuple):
    """An article's nested fields as JSON text, and its body as a JSON string and array."""

    districts: str
    sources: str
    cluster: str
    body: bytes  # the JSON string literal, quotes included
    paragraphs: bytes  # the JSON array of paragraph strings


def _encode(a: Detail) -> _Encoded | None:
    """The fast encoding, or None when the body needs json's \\u00XX escapes."""
    raw = a.body_utf8
    special = raw.translate(None, _ORDINARY_BYTES)  # the few bytes that need an escape
    if special.translate(None, _SIMPLE_ESCAPES):
        return None
    text = raw
    if b"\\" in special:
        text = text.replace(b"\\", b"\\\\")
    if b'"' in special:
        text = text.replace(b'"', b'\\"')
    if b"\t" in special:
        text = text.replace(b"\t", b"\\t")
    paragraphs = b'["' + text.replace(b"\n", b'", "') + b'"]' if raw else b"[]"
    body = b'"' + text.replace(b"\n", b"\\n") + b'"'
    districts = ", ".join(f'{{"district": {_q(d)}, "count": {n!r}}}' for d, n in a.mentions)
    sources = ", ".join(
        f'{{"dump": {_q(s.dump)}, "first_line": {s.first_line!r}, "last_line": {s.last_line!r},'
        f' "date": {_opt(s.date)}, "title": {_opt(s.title)}, "tag": {_opt(s.tag)},'
        f' "kind": {_q(s.kind)}, "score": {s.score!r}}}'
        for s in a.sources
    )
    edges = ", ".join(
        f'{{"a": {_q(e.a)}, "b": {_q(e.b)}, "kind": {_q(e.kind)}, "score": {e.score!r}}}'
        for e in a.edges
    )
    cluster = f'{{"size": {len(a.sources)}, "edges": [{edges}]}}'
    return _Encoded(f"[{districts}]", f"[{sources}]", cluster, body, paragraphs)


def _opt(value: str | None) -> str:
    return "null" if value is None else _q(value)


def jsonl_line(a: Detail) -> bytes:
    """One article as a UTF-8 JSON line: json.dumps(article_dict(a), ensure_ascii=False)."""
    e = _encode(a)
    if e is None:
        return _ENCODE(article_dict(a)).encode() + b"\n"
    head = (
        f'{{"schema_version": {SCHEMA_VERSION}, "id": {_q(a.id)}, "title": {_q(a.title)},'
        f' "tag": {_opt(a.tag)}, "date": {_opt(a.date)}, "district": {_opt(a.district)},'
        f' "source_label": {_opt(a.source_label)}, "districts": {e.districts},'
        f' "sources": {e.sources}, "body": '
    )
    tail = f', "length": {a.length!r}, "cluster": {e.cluster}}}\n'
    return b"".join((head.encode(), e.body, b', "paragraphs": ', e.paragraphs, tail.encode()))


def csv_row(a: Detail) -> bytes:
    """One article as a UTF-8 CSV row: what csv.writer writes for the row of write_csv."""
    e = _encode(a)
    if e is None:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(_csv_values(a))
        return buffer.getvalue().encode()
    cells = (
        str(SCHEMA_VERSION).encode(),
        *(_csv_cell(v.encode()) if v else b"" for v in _small_fields(a)),
        _csv_cell(e.districts.encode()),
        _csv_cell(e.sources.encode()),
        _csv_cell(a.body_utf8),
        _csv_cell(e.paragraphs),
        str(a.length).encode(),
        _csv_cell(e.cluster.encode()),
    )
    return b",".join(cells) + b"\r\n"


def _small_fields(a: Detail) -> tuple[str | None, ...]:
    return (a.id, a.title, a.tag, a.date, a.district, a.source_label)


def _csv_values(a: Detail) -> list[Any]:
    """The CSV row as values for csv.writer: nested fields JSON-encoded."""
    return [_ENCODE(v) if k in _NESTED else v for k, v in article_dict(a).items()]


def _csv_cell(value: bytes) -> bytes:
    """Quote a cell as csv's QUOTE_MINIMAL does: when it holds a comma, quote, CR or LF."""
    if value.translate(None, _NOT_CSV_SPECIAL):
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


def write_jsonl(articles: Iterable[Detail], out: BinaryWriter) -> int:
    """One JSON object per line, UTF-8 text as is; returns the number of articles."""
    n = 0
    for a in articles:
        out.write(jsonl_line(a))
        n += 1
    return n


def write_csv(articles: Iterable[Detail], out: BinaryWriter) -> int:
    """RFC 4180 CSV in UTF-8, one row per article, nested fields as JSON; returns the count."""
    out.write(",".join(FIELDS).encode() + b"\r\n")
    n = 0
    for a in articles:
        out.write(csv_row(a))
        n += 1
    return n


def write_file(articles: Iterable[Detail], fmt: str, path: Path) -> int:
    """Write to a temporary file beside `path`, then rename: a failure leaves no half file."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ZsctlError(f"cannot write the export: {exc.strerror}", path=str(path)) from None
    try:
        with open(fd, "wb", buffering=_BUFFER) as out:
            n = (write_jsonl if fmt == "jsonl" else write_csv)(articles, out)
            out.flush()
            os.fsync(out.fileno())  # the data must be on disk before the name points at it
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ZsctlError(f"cannot write the export: {exc}", path=str(path)) from None
        raise
    return n


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

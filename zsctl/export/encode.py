"""Articles to bytes: JSON Lines and CSV rows, with a fast path for plain text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from json.encoder import encode_basestring as _q  # json's escaper for ensure_ascii=False
from typing import Any, Protocol

from zsctl.errors import UsageError
from zsctl.export.schema import (
    EXPORT_SCHEMA_VERSION,
    FIELDS,
    FORMATS,
    NESTED,
    article_dict,
    published_at,
    time_of,
)
from zsctl.query.articles import Detail

# One encoder for every line: json.dumps with options builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


# Every byte json leaves alone in a string: all but the C0 controls, quote and backslash.
_ORDINARY_BYTES = bytes(c for c in range(0x20, 0x100) if c not in b'"\\')


_SIMPLE_ESCAPES = b'\t\n"\\'  # the specials the fast path escapes itself


_NOT_CSV_SPECIAL = bytes(c for c in range(0x100) if c not in b',"\r\n')


class BinaryWriter(Protocol):
    """Anything with a bytes `write`, such as a binary file or sys.stdout.buffer."""

    def write(self, data: bytes, /) -> int:
        """Write `data`."""
        ...


def _escaped(raw: bytes) -> bytes | None:
    """A body's UTF-8 as the inside of a JSON string, paragraph breaks still raw.

    None when it holds a control character other than tab and newline, which json writes
    as \\u00XX: such a body takes the generic path.
    """
    special = raw.translate(None, _ORDINARY_BYTES)  # the few bytes that need an escape
    if not special.strip(b"\n"):  # most bodies: paragraph breaks and nothing else
        return raw
    if special.translate(None, _SIMPLE_ESCAPES):
        return None
    text = raw
    if b"\\" in special:
        text = text.replace(b"\\", b"\\\\")
    if b'"' in special:
        text = text.replace(b'"', b'\\"')
    if b"\t" in special:
        text = text.replace(b"\t", b"\\t")
    return text


def _nested(a: Detail) -> tuple[str, str, str]:
    """`districts`, `sources` and `cluster` as JSON text."""
    # Per article and per row, so written for speed: list comprehensions (str.join makes a list
    # of a generator, more slowly) and null written inline (a function call costs ~5% here).
    districts = ", ".join([f'{{"district": {_q(d)}, "count": {n!r}}}' for d, n in a.mentions])
    sources = ", ".join(
        [
            f'{{"dump": {_q(s.dump)}, "first_line": {s.first_line!r}, "last_line": {s.last_line!r},'
            f' "date": {"null" if s.date is None else _q(s.date[:10])},'
            f' "published_at": {_nullable(time_of(s.date))},'
            f' "title": {"null" if s.title is None else _q(s.title)},'
            f' "tag": {"null" if s.tag is None else _q(s.tag)},'
            f' "kind": {_q(s.kind)}, "score": {s.score!r}}}'
            for s in a.sources
        ]
    )
    edges = ", ".join(
        [
            f'{{"a": {_q(e.a)}, "b": {_q(e.b)}, "kind": {_q(e.kind)}, "score": {e.score!r}}}'
            for e in a.edges
        ]
    )
    return f"[{districts}]", f"[{sources}]", f'{{"size": {len(a.sources)}, "edges": [{edges}]}}'


def jsonl_line(a: Detail) -> bytes:
    """One article as a UTF-8 JSON line: json.dumps(article_dict(a), ensure_ascii=False)."""
    text = _escaped(a.body_utf8)
    if text is None:
        return _ENCODE(article_dict(a)).encode() + b"\n"
    districts, sources, cluster = _nested(a)
    head = (
        f'{{"schema_version": {EXPORT_SCHEMA_VERSION}, "id": {_q(a.id)}, "title": {_q(a.title)},'
        f' "tag": {"null" if a.tag is None else _q(a.tag)},'
        f' "date": {"null" if a.date is None else _q(a.date[:10])},'
        f' "published_at": {_nullable(published_at(a.date, a.sources))},'
        f' "district": {"null" if a.district is None else _q(a.district)},'
        f' "source_label": {"null" if a.source_label is None else _q(a.source_label)},'
        f' "districts": {districts},'
        f' "sources": {sources}, "body": "'
    ).encode()
    tail = f', "length": {a.length!r}, "cluster": {cluster}}}\n'.encode()
    if not text:
        return b"".join((head, b'", "paragraphs": []', tail))
    # The body twice, its paragraph breaks written as \n and as the array's separators.
    body = text.replace(b"\n", b"\\n")
    paragraphs = text.replace(b"\n", b'", "')
    return b"".join((head, body, b'", "paragraphs": ["', paragraphs, b'"]', tail))


def csv_row(a: Detail) -> bytes:
    """One article as a UTF-8 CSV row: what csv.writer writes for the row of write_csv."""
    text = _escaped(a.body_utf8)
    if text is None:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(_csv_values(a))
        return buffer.getvalue().encode()
    districts, sources, cluster = _nested(a)
    paragraphs = b'["' + text.replace(b"\n", b'", "') + b'"]' if text else b"[]"
    cells = (
        str(EXPORT_SCHEMA_VERSION).encode(),
        *(_csv_cell(v.encode()) if v else b"" for v in _small_fields(a)),
        _csv_cell(districts.encode()),
        _csv_cell(sources.encode()),
        _csv_cell(a.body_utf8),
        _csv_cell(paragraphs),
        str(a.length).encode(),
        _csv_cell(cluster.encode()),
    )
    return b",".join(cells) + b"\r\n"


def _small_fields(a: Detail) -> tuple[str | None, ...]:
    day = None if a.date is None else a.date[:10]
    return (a.id, a.title, a.tag, day, published_at(a.date, a.sources), a.district, a.source_label)


def _nullable(value: str | None) -> str:
    """A JSON string or null."""
    return "null" if value is None else _q(value)


def _csv_values(a: Detail) -> list[Any]:
    """The CSV row as values for csv.writer: nested fields JSON-encoded."""
    return [_ENCODE(v) if k in NESTED else v for k, v in article_dict(a).items()]


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


def write_csv(articles: Iterable[Detail], out: BinaryWriter, header: bool = True) -> int:
    """RFC 4180 CSV in UTF-8, one row per article, nested fields as JSON; returns the count."""
    if header:
        out.write(",".join(FIELDS).encode() + b"\r\n")
    n = 0
    for a in articles:
        out.write(csv_row(a))
        n += 1
    return n


def write(fmt: str, articles: Iterable[Detail], out: BinaryWriter, header: bool = True) -> int:
    """Articles in `fmt`; `header` False for a CSV part that continues another."""
    if fmt == "jsonl":
        return write_jsonl(articles, out)
    if fmt == "csv":
        return write_csv(articles, out, header)
    raise UsageError(f"{fmt} is written to a file: give -o PATH")


def check_format(fmt: str, formats: tuple[str, ...] = FORMATS) -> None:
    """UsageError unless `fmt` is one of `formats`."""
    if fmt not in formats:
        raise UsageError(f"unknown export format {fmt!r}; choose from {', '.join(formats)}")

"""`zsctl export`: the (filtered) corpus as JSONL or CSV, schema in docs/EXPORT_SCHEMA.md."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import CorpusOpt
from zsctl.cli.params import Option

if TYPE_CHECKING:
    from collections.abc import Iterable

    from zsctl.query.articles import Detail
    from zsctl.query.filters import Filters


class ExportFormat(StrEnum):
    """Formats of `export`."""

    jsonl = "jsonl"
    csv = "csv"


def export(
    filters: Filters,
    fmt: Annotated[
        ExportFormat,
        Option("--format", "-f", metavar="FORMAT", help="jsonl (one JSON object per line) or csv."),
    ] = ExportFormat.jsonl,
    output: Annotated[
        Path | None,
        Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE (via a temporary file renamed at the end); default or '-': stdout.",
            show_default=False,
        ),
    ] = None,
    corpus: CorpusOpt = None,
) -> int:
    """Export articles oldest first (undated last, ties by id): same corpus, same bytes.

    Every line/row carries schema_version; the fields are documented in docs/EXPORT_SCHEMA.md.
    """
    import time

    from zsctl.cli.options import corpus_path
    from zsctl.cli.output import note
    from zsctl.query.articles import iter_details
    from zsctl.store.corpus import open_snapshot

    db = open_snapshot(corpus_path(corpus))
    started = time.monotonic()
    if output is None or str(output) == "-":
        n = _to_stdout(iter_details(db, filters), fmt.value)
        note(f"exported {n} article(s) in {time.monotonic() - started:.1f}s")
        return 0
    from zsctl.cli.options import corpus_path
    from zsctl.export.files import export_file

    n = export_file(db, corpus_path(corpus), filters, fmt.value, output)
    size = output.stat().st_size / 1e6
    note(f"exported {n} article(s) to {output} ({size:.1f} MB, {time.monotonic() - started:.1f}s)")
    return 0


def _to_stdout(articles: Iterable[Detail], fmt: str) -> int:
    """UTF-8 on stdout whatever the locale; inert if it is a terminal."""
    import sys

    from zsctl.cli.output import is_tty
    from zsctl.export.encode import write_csv, write_jsonl

    sys.stdout.flush()
    # JSON and CSV only hold such characters inside strings, where inert()'s \\uXXXX is also
    # the JSON escape: a JSON line still parses to the same value, so JSONL on stdout is always
    # escaped (a pipe often ends in a terminal); piped CSV stays raw, as \\u would change it.
    out = _InertWriter() if is_tty() or fmt == "jsonl" else sys.stdout.buffer
    n = (write_jsonl if fmt == "jsonl" else write_csv)(articles, out)
    sys.stdout.flush()
    sys.stdout.buffer.flush()
    return n


class _InertWriter:
    """Writes UTF-8 bytes to the terminal with terminal-driving characters escaped."""

    def write(self, data: bytes) -> int:
        """Write `data` inert."""
        import sys

        from zsctl.cli.output import inert

        return sys.stdout.write(inert(data.decode()))

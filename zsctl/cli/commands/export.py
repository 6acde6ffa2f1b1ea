"""`zsctl export`: the (filtered) corpus as JSONL, CSV or Parquet (docs/EXPORT_SCHEMA.md)."""

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
    parquet = "parquet"


class Partition(StrEnum):
    """How `--format parquet` may split its dataset into folders."""

    year = "year"


def export(
    filters: Filters,
    fmt: Annotated[
        ExportFormat,
        Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="jsonl (one JSON object per line), csv, or parquet (needs -o and "
            "pip install 'zsctl[parquet]').",
        ),
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
    partition_by: Annotated[
        Partition | None,
        Option(
            "--partition-by",
            metavar="KEY",
            help="With parquet: write a hive-partitioned folder, FILE/year=2025/part-0.parquet.",
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

    to_stdout = output is None or str(output) == "-"
    _check_parquet_options(fmt, partition_by, to_stdout)
    db = open_snapshot(corpus_path(corpus))
    started = time.monotonic()
    if partition_by is not None and output is not None:
        from zsctl.export.parquet import write_partitioned

        n = write_partitioned(iter_details(db, filters), output)
        note(f"exported {n} article(s) to {output}/ by {partition_by.value}")
        return 0
    if to_stdout:
        n = _to_stdout(iter_details(db, filters), fmt.value)
        note(f"exported {n} article(s) in {time.monotonic() - started:.1f}s")
        return 0
    from zsctl.cli.options import corpus_path
    from zsctl.export.files import export_file

    assert output is not None  # not to_stdout

    n = export_file(db, corpus_path(corpus), filters, fmt.value, output)
    size = output.stat().st_size / 1e6
    note(f"exported {n} article(s) to {output} ({size:.1f} MB, {time.monotonic() - started:.1f}s)")
    return 0


def _check_parquet_options(fmt: ExportFormat, partition: Partition | None, stdout: bool) -> None:
    """Usage errors for Parquet to stdout, or a partition of a text format."""
    from zsctl.errors import UsageError

    if fmt is ExportFormat.parquet and stdout:
        raise UsageError("--format parquet writes a file: give -o PATH")
    if partition is not None and fmt is not ExportFormat.parquet:
        raise UsageError("--partition-by needs --format parquet")
    if fmt is ExportFormat.parquet:
        from zsctl.export.parquet import require_pyarrow

        require_pyarrow()


def _to_stdout(articles: Iterable[Detail], fmt: str) -> int:
    """UTF-8 on stdout whatever the locale, always inert (a pipe often ends in a terminal)."""
    import sys

    from zsctl.export.encode import write_csv, write_jsonl

    sys.stdout.flush()
    # JSON and CSV only hold such characters inside strings, where inert()'s \\uXXXX is also
    # the JSON escape: a JSON line still parses to the same value. A pipe often ends in a
    # terminal or a spreadsheet, so stdout is always inert; CSV also escapes TAB (JSON's
    # encoder already does), which a spreadsheet reads as a cell break or a formula prefix.
    # A file written with -o keeps the text exactly (docs/SECURITY.md).
    n = (write_jsonl if fmt == "jsonl" else write_csv)(articles, _InertWriter(fmt == "csv"))
    sys.stdout.flush()
    sys.stdout.buffer.flush()
    return n


class _InertWriter:
    """Writes UTF-8 bytes to stdout with terminal-driving characters (and TAB) escaped."""

    def __init__(self, tabs: bool) -> None:
        self.tabs = tabs

    def write(self, data: bytes) -> int:
        """Write `data` inert."""
        import sys

        from zsctl.cli.output import inert

        text = inert(data.decode())
        return sys.stdout.write(text.replace("\t", "\\u0009") if self.tabs else text)

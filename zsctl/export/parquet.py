"""Parquet export: one typed file, or a hive-partitioned dataset by year (the `parquet` extra).

The schema is zsctl.export.schema.arrow_schema(). Rows are written in the export's order,
PARQUET_ROW_GROUP at a time, so memory stays flat and the bytes depend only on the corpus and
the pyarrow version (Parquet's `created_by` names it).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zsctl.errors import CorpusError, UsageError, ZsctlError
from zsctl.export.files import umask
from zsctl.export.schema import (
    PARQUET_COMPRESSION,
    PARQUET_COMPRESSION_LEVEL,
    PARQUET_DICTIONARY_COLUMNS,
    PARQUET_ROW_GROUP,
    arrow_schema,
    record_batch,
)
from zsctl.store.corpus import unreadable_hint

if TYPE_CHECKING:
    import pyarrow as pa

    from zsctl.query.articles import Detail

PARTITIONS = ("year",)
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # Hive's, Spark's and pyarrow's name for null
PART_FILE = "part-0.parquet"


def require_pyarrow() -> None:
    """UsageError naming the extra when pyarrow is not installed."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise UsageError("--format parquet needs pyarrow: pip install 'zsctl[parquet]'") from None


def _groups(articles: Iterable[Detail]) -> Iterator[list[Detail]]:
    """The articles one row group at a time."""
    it = iter(articles)
    while batch := list(itertools.islice(it, PARQUET_ROW_GROUP)):
        yield batch


def _writer(where: Any, schema: pa.Schema) -> Any:
    """A Parquet writer with zsctl's settings: zstd, dictionaries for low-cardinality text."""
    import pyarrow.parquet as pq

    return pq.ParquetWriter(
        where, schema, compression=PARQUET_COMPRESSION,
        compression_level=PARQUET_COMPRESSION_LEVEL,
        use_dictionary=list(PARQUET_DICTIONARY_COLUMNS),
    )  # fmt: skip


def write_parquet(articles: Iterable[Detail], out: Any) -> int:
    """Write one Parquet file to `out` (a path or a binary file); returns the row count."""
    require_pyarrow()
    import pyarrow as pa

    schema = arrow_schema()
    n = 0
    with _writer(out, schema) as writer:
        for group in _groups(articles):
            try:
                batch = record_batch(group, schema)
            except pa.ArrowInvalid as exc:  # text a flipped byte left invalid (see doctor)
                why = unreadable_hint(str(exc)[:120])
                raise CorpusError(f"{why} (`zsctl doctor` says what is wrong)") from None
            writer.write_batch(batch, row_group_size=PARQUET_ROW_GROUP)
            n += len(group)
    return n


def _year(a: Detail) -> str:
    return a.date[:4] if a.date else NULL_PARTITION


def write_partitioned(articles: Iterable[Detail], root: Path) -> int:
    """Write root/year=YYYY/part-0.parquet, one file per year; root appears whole or not at all.

    The export is ordered by date (undated last), so each year's articles arrive together and
    one writer is open at a time.
    """
    require_pyarrow()
    n = 0
    with _replacing_dir(root) as tmp:
        for year, rows in itertools.groupby(articles, key=_year):
            folder = tmp / f"year={year}"
            folder.mkdir()
            n += write_parquet(rows, str(folder / PART_FILE))
    return n


def _is_dataset(root: Path) -> bool:
    """Whether `root` holds only what write_partitioned writes (so replacing it loses nothing)."""
    return all(
        p.is_dir() and p.name.startswith("year=") and {c.name for c in p.iterdir()} <= {PART_FILE}
        for p in root.iterdir()
    )


@contextlib.contextmanager
def _replacing_dir(root: Path) -> Iterator[Path]:
    """A temporary folder beside `root` that replaces it once complete."""
    if root.exists() and not (root.is_dir() and _is_dataset(root)):
        raise UsageError(
            f"{root} exists and is not a zsctl Parquet dataset; --partition-by writes a new "
            "folder: choose another -o"
        )
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    except OSError as exc:
        raise ZsctlError(f"cannot write the export: {exc.strerror}", path=str(root)) from None
    try:
        yield tmp
        tmp.chmod(0o777 & ~umask())  # mkdtemp makes 0700; give the usual mode
        old = root.with_name(f".{root.name}.old")
        if root.exists():
            root.rename(old)
        tmp.rename(root)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

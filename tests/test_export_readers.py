"""Exports as analysts read them: pandas, DuckDB and Polars on JSONL, CSV and Parquet.

Read with each tool's defaults (no dtype hints), the types must come out right: dates are
dates, ids are strings, lists are lists. The corpus is the real seeds plus the re-scrapes,
whose article page gives a time (2024-02-04 08:47) and whose listings give dates only.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.corpora import demo_corpus, export_jsonl, zsctl

pd = pytest.importorskip("pandas")
duckdb = pytest.importorskip("duckdb")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo corpus exported once in every format."""
    tmp = tmp_path_factory.mktemp("readers")
    corpus = demo_corpus(tmp)
    paths = {"corpus": corpus}
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp / f"corpus.{fmt}"
        done = zsctl("export", "--corpus", str(corpus), "--format", fmt, "-o", str(out))
        if done.returncode == 0:  # else each test of that format fails on its own
            paths[fmt] = out
    return paths


def got(exports: dict[str, Path], fmt: str) -> Path:
    """The exported file of one format."""
    assert fmt in exports, f"zsctl export --format {fmt} failed"
    return exports[fmt]


@pytest.fixture(scope="module")
def records(exports: dict[str, Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in got(exports, "jsonl").read_text("utf-8").splitlines()]


def test_schema_2_dates_are_days_and_the_time_is_published_at(
    records: list[dict[str, Any]],
) -> None:
    assert {r["schema_version"] for r in records} == {2}
    for record in records:
        dt.date.fromisoformat(record["date"])
        assert len(record["date"]) == 10
        for source in record["sources"]:
            assert source["date"] is None or len(source["date"]) == 10
    timed = [r for r in records if r["published_at"] is not None]
    assert [r["published_at"] for r in timed] == ["2024-02-04T08:47:00"]
    assert timed[0]["date"] == "2024-02-04"


def test_ids_can_never_read_as_numbers(records: list[dict[str, Any]]) -> None:
    for record in records:
        ident = record["id"]
        with pytest.raises(ValueError):
            float(ident)
        assert not ident.isdigit()
        assert ident.lower() not in ("nan", "inf", "infinity", "true", "false", "null", "na")


# --- pandas ---------------------------------------------------------------------------------


def test_pandas_jsonl(exports: dict[str, Path], records: list[dict[str, Any]]) -> None:
    frame = pd.read_json(got(exports, "jsonl"), lines=True, dtype=False)
    assert list(frame["id"]) == [r["id"] for r in records]
    assert pd.to_datetime(frame["date"], format="%Y-%m-%d").notna().all()
    assert all(isinstance(v, list) for v in frame["districts"])
    assert all(isinstance(v, list) for v in frame["sources"])


def test_pandas_csv_defaults(exports: dict[str, Path], records: list[dict[str, Any]]) -> None:
    frame = pd.read_csv(got(exports, "csv"))
    assert list(frame["id"]) == [r["id"] for r in records]  # not one id became a number
    assert pd.to_datetime(frame["date"], format="%Y-%m-%d").notna().all()
    assert [json.loads(v) for v in frame["sources"]] == [r["sources"] for r in records]


def test_pandas_parquet(exports: dict[str, Path], records: list[dict[str, Any]]) -> None:
    frame = pd.read_parquet(got(exports, "parquet"))
    assert list(frame["id"]) == [r["id"] for r in records]
    assert all(isinstance(d, dt.date) for d in frame["date"])
    assert "paragraphs" not in frame.columns
    first = frame["sources"].iloc[0]
    assert len(first) == len(records[0]["sources"]) and first[0]["dump"]


# --- DuckDB ---------------------------------------------------------------------------------


def duck_types(sql: str, path: Path) -> dict[str, str]:
    """Column -> DuckDB type of a reader's result."""
    rel = duckdb.sql(sql.format(path=str(path).replace("'", "''")))
    return dict(zip(rel.columns, [str(t) for t in rel.types], strict=True))


def test_duckdb_jsonl_types(exports: dict[str, Path]) -> None:
    types = duck_types("SELECT * FROM read_json_auto('{path}')", got(exports, "jsonl"))
    assert types["id"] == "VARCHAR"
    assert types["date"] == "DATE"
    assert types["published_at"] == "TIMESTAMP"
    assert types["districts"].startswith("STRUCT(") and types["districts"].endswith("[]")
    assert types["sources"].endswith("[]")


def test_duckdb_csv_types(exports: dict[str, Path]) -> None:
    types = duck_types("SELECT * FROM read_csv_auto('{path}')", got(exports, "csv"))
    assert types["id"] == "VARCHAR"
    assert types["date"] == "DATE"


def test_duckdb_parquet_types(exports: dict[str, Path], records: list[dict[str, Any]]) -> None:
    types = duck_types("SELECT * FROM read_parquet('{path}')", got(exports, "parquet"))
    assert types["id"] == "VARCHAR"
    assert types["date"] == "DATE"
    assert types["published_at"].startswith("TIMESTAMP")
    assert types["sources"].endswith("[]")
    ids = duckdb.sql(f"SELECT id FROM read_parquet('{got(exports, 'parquet')}')").fetchall()
    assert [i for (i,) in ids] == [r["id"] for r in records]  # rows in the export's order


# --- Polars ---------------------------------------------------------------------------------


def test_polars_jsonl(exports: dict[str, Path], records: list[dict[str, Any]]) -> None:
    frame = pl.read_ndjson(got(exports, "jsonl"))
    assert frame.schema["id"] == pl.String
    assert frame.get_column("id").to_list() == [r["id"] for r in records]
    dates = frame.get_column("date").str.to_date("%Y-%m-%d", strict=False)
    assert dates.null_count() == 0
    assert isinstance(frame.schema["districts"], pl.List)


def test_polars_csv(exports: dict[str, Path], records: list[dict[str, Any]]) -> None:
    frame = pl.read_csv(got(exports, "csv"), try_parse_dates=True)
    assert frame.schema["id"] == pl.String
    assert frame.schema["date"] == pl.Date
    assert frame.get_column("id").to_list() == [r["id"] for r in records]


def test_polars_parquet(exports: dict[str, Path]) -> None:
    schema = pl.read_parquet_schema(got(exports, "parquet"))
    assert schema["id"] == pl.String
    assert schema["date"] == pl.Date
    assert isinstance(schema["published_at"], pl.Datetime)
    assert isinstance(schema["districts"], pl.List)
    assert isinstance(schema["cluster"], pl.Struct)


# --- the Parquet file itself -----------------------------------------------------------------


def test_parquet_schema_metadata_and_encoding(exports: dict[str, Path]) -> None:
    file = pq.ParquetFile(got(exports, "parquet"))
    schema = file.schema_arrow
    assert schema.field("date").type == pa.date32()
    assert pa.types.is_timestamp(schema.field("published_at").type)
    assert pa.types.is_dictionary(schema.field("district").type)
    assert pa.types.is_dictionary(schema.field("tag").type)
    edges = schema.field("cluster").type.field("edges").type
    assert pa.types.is_list(edges) and pa.types.is_struct(edges.value_type)
    assert schema.metadata[b"zsctl.schema_version"] == b"2"
    column = file.metadata.row_group(0).column(0)
    assert column.compression == "ZSTD"


def test_parquet_matches_jsonl_row_for_row(
    exports: dict[str, Path], records: list[dict[str, Any]]
) -> None:
    rows = pq.read_table(got(exports, "parquet")).to_pylist()
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["date"] == dt.date.fromisoformat(record["date"])
        for key in ("id", "title", "tag", "district", "source_label", "body", "length"):
            assert row[key] == record[key], key
        assert row["districts"] == record["districts"]
        assert [s["dump"] for s in row["sources"]] == [s["dump"] for s in record["sources"]]
        assert row["cluster"]["size"] == record["cluster"]["size"]


def test_parquet_bytes_are_deterministic(exports: dict[str, Path], tmp_path: Path) -> None:
    again = tmp_path / "again.parquet"
    done = zsctl(
        "export", "--corpus", str(exports["corpus"]), "--format", "parquet", "-o", str(again)
    )
    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == got(exports, "parquet").read_bytes()


def test_parquet_partitioned_by_year(
    exports: dict[str, Path], records: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "dataset"
    done = zsctl(
        "export", "--corpus", str(exports["corpus"]), "--format", "parquet",
        "--partition-by", "year", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    years = sorted(p.name for p in out.iterdir())
    assert years == sorted({f"year={r['date'][:4]}" for r in records})
    import pyarrow.dataset as ds

    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("id").to_pylist()) == sorted(
        r["id"] for r in export_jsonl(exports["corpus"])
    )
    latest = [r["id"] for r in records if r["date"][:4] == years[-1][5:]]
    assert pl.read_parquet(out / years[-1]).get_column("id").to_list() == latest


def test_parquet_without_a_file_is_a_usage_error(exports: dict[str, Path]) -> None:
    done = zsctl("export", "--corpus", str(exports["corpus"]), "--format", "parquet")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "-o" in done.stderr


# The article whose schema-1 id was 691300644980: all digits, so a CSV of it alone read as a
# number in every tool.
DIGIT_ID_TITLE = "滨海新区强化服务赋能信创产业集群高质量发展"


def test_a_csv_of_formerly_digit_only_ids_stays_text(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    import csv

    with got(exports, "csv").open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    keep = [row for row in rows if row[header.index("title")] == DIGIT_ID_TITLE]
    assert len(keep) == 1
    ident = keep[0][header.index("id")]
    small = tmp_path / "one.csv"
    with small.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *keep])
    assert list(pd.read_csv(small)["id"]) == [ident]
    assert duck_types("SELECT * FROM read_csv_auto('{path}')", small)["id"] == "VARCHAR"
    assert pl.read_csv(small).get_column("id").to_list() == [ident]


def test_partition_by_never_replaces_a_folder_it_did_not_write(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("not a dataset", encoding="utf-8")
    done = zsctl(
        "export", "--corpus", str(exports["corpus"]), "--format", "parquet",
        "--partition-by", "year", "-o", str(keep),
    )  # fmt: skip
    assert done.returncode == 2 and "choose another -o" in done.stderr
    assert (keep / "notes.txt").read_text(encoding="utf-8") == "not a dataset"

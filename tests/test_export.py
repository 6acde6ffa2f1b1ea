"""export_file: the export of a corpus to a file, in one process or split in two."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_query import build_corpus
from zsctl.errors import ZsctlError
from zsctl.export import files as export
from zsctl.export import schema
from zsctl.query import articles
from zsctl.query.filters import Filters
from zsctl.store import corpus as store
from zsctl.store.corpus import connect_read


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The small corpus of test_query."""
    return build_corpus(tmp_path)[0]


def snapshot(corpus: Path) -> sqlite3.Connection:
    """A connection as open_snapshot makes it: read-only, in a read transaction not yet read."""
    db = connect_read(corpus)
    store.read_tuning(db)
    db.execute("BEGIN")
    return db


def exported(corpus: Path, fmt: str, out: Path, filters: Filters = Filters()) -> bytes:
    """The bytes export_file writes."""
    db = snapshot(corpus)
    try:
        export.export_file(db, corpus, filters, fmt, out)
    finally:
        db.close()
    return out.read_bytes()


def reference(corpus: Path, fmt: str, out: Path, filters: Filters = Filters()) -> bytes:
    """The bytes write_file writes from iter_details, in one process."""
    db = snapshot(corpus)
    try:
        export.write_file(articles.iter_details(db, filters), fmt, out)
    finally:
        db.close()
    return out.read_bytes()


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Split every export, however small, between this process and a helper."""
    monkeypatch.setattr(export, "SPLIT_MIN", 1)
    monkeypatch.setattr(export, "_cores", lambda: 2)
    yield


def leftovers(folder: Path) -> list[str]:
    """Temporary and part files left in `folder`."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_export_file_writes_what_write_file_writes(corpus: Path, tmp_path: Path, fmt: str) -> None:
    assert exported(corpus, fmt, tmp_path / "a") == reference(corpus, fmt, tmp_path / "b")


@pytest.mark.parametrize("fmt", schema.FORMATS)
@pytest.mark.parametrize(
    "filters", [Filters(), Filters(districts=("滨海新区", "西青区")), Filters(since="2023-05-31")]
)
def test_split_export_is_byte_identical(
    corpus: Path, tmp_path: Path, split: None, fmt: str, filters: Filters
) -> None:
    out = tmp_path / "out" / f"x.{fmt}"
    out.parent.mkdir()
    helped = []
    append_to = export._Helper.append_to

    def spy(helper: export._Helper, fd: int) -> None:
        helped.append(True)
        append_to(helper, fd)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export._Helper, "append_to", spy)
        data = exported(corpus, fmt, out, filters)
    assert helped == [True]  # the helper's part was used, not rewritten here
    assert data == reference(corpus, fmt, tmp_path / "ref", filters)
    assert leftovers(out.parent) == []


def test_split_csv_has_one_header(corpus: Path, tmp_path: Path, split: None) -> None:
    data = exported(corpus, "csv", tmp_path / "x.csv")
    assert data.count(b"schema_version,id,title") == 1
    empty = exported(corpus, "csv", tmp_path / "y.csv", Filters(districts=("和平区",)))
    assert empty == ",".join(schema.FIELDS).encode() + b"\r\n"


@pytest.mark.parametrize(
    "helper_main",
    [
        "import sys; sys.exit(1)",  # fails
        "import sys; sys.stdin.read(); print(1)",  # claims success but wrote nothing
        "import sys; sys.exit(3)",  # saw another snapshot
    ],
)
def test_a_failed_helper_only_costs_time(
    corpus: Path, tmp_path: Path, split: None, monkeypatch: pytest.MonkeyPatch, helper_main: str
) -> None:
    monkeypatch.setattr(export, "_HELPER_MAIN", helper_main)
    assert exported(corpus, "jsonl", tmp_path / "a") == reference(corpus, "jsonl", tmp_path / "b")
    assert leftovers(tmp_path) == []


def test_a_helper_that_cannot_start_only_costs_time(
    corpus: Path, tmp_path: Path, split: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export.sys, "executable", str(tmp_path / "no-such-python"))
    assert exported(corpus, "jsonl", tmp_path / "a") == reference(corpus, "jsonl", tmp_path / "b")
    assert leftovers(tmp_path) == []


def test_a_commit_during_a_split_export_is_not_mixed_in(
    corpus: Path, tmp_path: Path, split: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The helper took its snapshot after something was committed: its part is not used.
    versions = iter([1, 2])
    monkeypatch.setattr(export, "_data_version", lambda db: next(versions))

    def refuse(helper: export._Helper, fd: int) -> None:
        raise AssertionError("the helper's part must not be appended")

    monkeypatch.setattr(export._Helper, "append_to", refuse)
    assert exported(corpus, "jsonl", tmp_path / "a") == reference(corpus, "jsonl", tmp_path / "b")
    assert leftovers(tmp_path) == []


def test_data_version_sees_another_connections_commit(corpus: Path) -> None:
    probe = connect_read(corpus)
    before = export._data_version(probe)
    writer = sqlite3.connect(corpus)
    writer.execute("UPDATE articles SET title = title || '!' WHERE id = 'aaaa00000001'")
    writer.commit()
    writer.close()
    assert export._data_version(probe) != before
    probe.close()


def test_helper_refuses_another_snapshot(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "part"
    total = len(articles.export_rowids(snapshot(corpus), Filters()))
    with out.open("wb") as f:
        assert (
            export._helper(str(corpus), Filters()._asdict(), "jsonl", 1, total + 1, f.fileno()) == 3
        )
    assert out.read_bytes() == b""


def test_a_failed_sync_fails_the_export(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(export.os, "fsync", broken)
    out = tmp_path / "out.jsonl"
    with pytest.raises(ZsctlError, match="Input/output error"):
        exported(corpus, "jsonl", out)
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_an_early_sync_error_is_not_lost(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a failed fsync the kernel may report success for the next one: the first counts.
    calls = []

    def flaky(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(export.os, "fsync", flaky)
    monkeypatch.setattr(export, "_SYNC_EVERY", 0.0)
    db = snapshot(corpus)

    def slow() -> Iterator[articles.Detail]:
        for a in articles.iter_details(db, Filters()):
            while not calls:  # let the early sync run (and fail) before the end
                time.sleep(0.001)
            yield a

    with pytest.raises(ZsctlError, match="Input/output error"):
        export.write_file(slow(), "jsonl", tmp_path / "out.jsonl")
    db.close()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("attr, value", [("frozen", True), ("executable", "")])
def test_no_helper_without_a_plain_interpreter(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attr: str, value: object
) -> None:
    monkeypatch.setattr(export, "SPLIT_MIN", 1)
    monkeypatch.setattr(export, "_cores", lambda: 2)
    monkeypatch.setattr(export.sys, attr, value, raising=False)

    def refuse(*args: object) -> None:
        raise AssertionError("no helper may be started")

    monkeypatch.setattr(export._Helper, "__init__", refuse)
    assert exported(corpus, "jsonl", tmp_path / "a") == reference(corpus, "jsonl", tmp_path / "b")

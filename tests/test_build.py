"""`zsctl build` on a LocalCluster gives exactly what a local ingest gives, resumes, survives.

One generated corpus (bench.generate at a small size, the real seeds among its dumps) plus
every shape of tests/shapes.py is built once on 2 worker processes and ingested once locally;
the tests compare the two and then break the build in several ways.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from bench.generate import generate
from tests import shapes
from zsctl.build import stages
from zsctl.build.datasets import MARKER, Folder
from zsctl.build.load import article_of, load_built
from zsctl.build.pipeline import STAGES, BuildError, _start, build
from zsctl.errors import ManifestError, UsageError
from zsctl.export.schema import PARQUET_FIELDS, arrow_schema
from zsctl.ingest import ingest
from zsctl.store.corpus import PAGE_SIZE

ARTICLES = 1500  # records from the generator (the real seeds among them)
SHAPE_PLAN = [
    ("plain", 60),
    ("family", 300),
    ("family", 40),
    ("report", 12),
    ("report", 6),
    ("boilerplate", 10),
    ("titles", 30),
    ("column", 300),
]  # about 950 records more: the column's title is one over dedup.cluster.TITLE_BUCKET


def _add_shapes(seeds: Path) -> int:
    """Every shape of tests/shapes.py as extra listed dumps: families of near copies, long
    reports quoted by short items plus true snippets, boilerplate openings, generic titles,
    and a column (a title over 256 records) whose records spread over the articles buckets."""
    corpus = shapes.build(11, SHAPE_PLAN)
    index = (seeds / "INDEX.md").read_text(encoding="utf-8")
    for name, items in corpus.dumps().items():
        data = shapes.render(items, day=1 + len(name) % 28)
        (seeds / f"shape{name}").write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        index += f"| shape{name} | chanyeyuanqu | dash | - | {sha} | shapes |\n"
    (seeds / "INDEX.md").write_text(index, encoding="utf-8")
    return len(corpus.items)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """One LocalCluster of 2 worker processes for the module (each start costs seconds)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        yield str(cluster.scheduler_address)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, scheduler: str) -> dict[str, Any]:
    """The seeds folder, a local ingest's export of it, and a finished build.

    Generating, ingesting and exporting run as their own processes, as a user runs them, so
    this process stays small (test_hostile measures children that inherit its peak RSS).
    """
    base = tmp_path_factory.mktemp("build")
    seeds = base / "seeds"
    _run("bench.generate", "--articles", str(ARTICLES), "--seed", "3", "--out", str(seeds), "-q")
    _add_shapes(seeds)
    db = base / "local.db"
    _run("zsctl", "ingest", "--seeds", str(seeds), "--corpus", str(db))
    export = base / "local.jsonl"
    _export(db, export)
    _run(
        "zsctl",
        "export",
        "--corpus",
        str(db),
        "--format",
        "parquet",
        "-o",
        str(base / "local.parquet"),
    )
    out = base / "built"
    built = _run(
        "zsctl", "build", "--seeds", str(seeds), "--out", str(out), "--scheduler", scheduler
    )
    return {"seeds": seeds, "export": export, "out": out, "built": built, "base": base}


def _ok(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m module args` in its own process; it must succeed without a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return proc


def _run(module: str, *args: str) -> str:
    """Its stdout and stderr."""
    proc = _ok(module, *args)
    return proc.stdout + proc.stderr


def _export(db: Path, path: Path) -> None:
    _run("zsctl", "export", "--corpus", str(db), "-o", str(path))


def _built_rows(out: Path) -> dict[str, Any]:
    return {r["id"]: r for r in pq.read_table(out / "articles").to_pylist()}


def test_articles_are_row_for_row_the_local_export(corpus: dict[str, Any]) -> None:
    """The articles dataset holds the rows `zsctl export --format parquet` writes locally."""
    local = {r["id"]: r for r in pq.read_table(corpus["base"] / "local.parquet").to_pylist()}
    built = _built_rows(corpus["out"])
    assert sorted(built) == sorted(local)  # the same ids: the same clusters, the same kept texts
    assert [k for k in local if built[k] != local[k]] == []
    merged = [r for r in local.values() if r["cluster"]["size"] > 1]
    assert len(merged) > 50  # the corpus has duplicates to find, or this test proves little
    kinds = {e["kind"] for r in merged for e in r["cluster"]["edges"]}
    assert kinds == {"exact", "near", "contained"}  # every tier had something to decide
    records = sum(r["cluster"]["size"] for r in local.values())
    assert f"{records} records -> {len(local)} articles" in corpus["built"]


def test_articles_dataset_has_the_export_parquet_schema(corpus: dict[str, Any]) -> None:
    part = next((corpus["out"] / "articles").glob("*.parquet"))
    assert pq.read_schema(part).equals(arrow_schema(), check_metadata=True)
    assert tuple(pq.read_schema(part).names) == PARQUET_FIELDS


def test_ingest_from_parquet_gives_the_same_export_bytes(corpus: dict[str, Any]) -> None:
    db = corpus["base"] / "from-parquet.db"
    said = _run("zsctl", "ingest", "--from-parquet", str(corpus["out"]), "--corpus", str(db))
    assert f"-> {len(_built_rows(corpus['out']))} articles" in said
    path = corpus["base"] / "from-parquet.jsonl"
    _export(db, path)
    assert path.read_bytes() == corpus["export"].read_bytes()
    # A local ingest over the loaded corpus finds nothing to change: the same dumps, same state.
    again = _run("zsctl", "ingest", "--seeds", str(corpus["seeds"]), "--corpus", str(db))
    assert "no article changed (0 records re-clustered)" in again


def test_ingest_from_parquet_reports_like_a_local_ingest(corpus: dict[str, Any]) -> None:
    """--json and --changes say what a load changed, as they do for an ingest of the seeds."""
    db = corpus["base"] / "from-parquet-json.db"
    args = ("zsctl", "ingest", "--from-parquet", str(corpus["out"]), "--corpus", str(db))
    summary = json.loads(_ok(*args, "--json").stdout)
    ids = sorted(_built_rows(corpus["out"]))
    assert summary["articles"] == len(ids) and summary["corpus"] == str(db)
    assert sorted(summary["changes"]["added"]) == ids  # a new corpus: every article added
    db.unlink()
    lines = _ok(*args, "--changes").stdout.splitlines()
    assert sorted(lines) == sorted(f"added\t{i}" for i in ids)


def test_a_damaged_build_folder_is_one_line_and_the_corpus_untouched(
    corpus: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "damaged"
    shutil.copytree(corpus["out"], out)
    next((out / "articles").glob("*.parquet")).write_bytes(b"junk")
    db = tmp_path / "c.db"
    _run("zsctl", "ingest", "--from-parquet", str(corpus["out"]), "--corpus", str(db))
    before = db.read_bytes()
    args = [
        sys.executable,
        "-m",
        "zsctl",
        "ingest",
        "--from-parquet",
        str(out),
        "--corpus",
        str(db),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    assert "build folder damaged: articles/part-" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert db.read_bytes() == before


def test_a_failed_run_resumes_from_the_last_complete_stage(
    corpus: dict[str, Any], scheduler: str, tmp_path: Path
) -> None:
    out = tmp_path / "resumed"
    shutil.copytree(corpus["out"], out)
    # As if the run had died during the edges stage: its marker and everything after it gone.
    for stage in ("edges", "components", "articles"):
        (out / stage / MARKER).unlink()
    shutil.rmtree(out / "articles")
    stats = build(str(corpus["seeds"]), str(out), scheduler)
    assert stats.resumed == ["records", "signatures"]
    assert _built_rows(out) == _built_rows(corpus["out"])


def test_other_inputs_start_the_folder_over(tmp_path: Path) -> None:
    folder = Folder(str(tmp_path / "out"))
    params = {"format": 1, "seeds": "s", "manifest": "m", "threshold": 0.8}
    _start(folder, params)
    folder.mark("records", {"records": 1})
    _start(folder, params)
    assert folder.done("records") == {"records": 1}  # the same inputs: kept
    _start(folder, {**params, "threshold": 0.9})
    assert folder.done("records") is None  # another threshold: every stage is redone
    assert folder.read_json("build.json") == {**params, "threshold": 0.9}


def test_a_part_left_half_written_is_not_read(tmp_path: Path) -> None:
    import pyarrow as pa

    folder = Folder(str(tmp_path))
    folder.write("edges/part-0000.parquet", pa.table({"a": ["x"], "b": ["y"]}))
    (tmp_path / "edges" / ".tmp-0123-part-0001.parquet").write_bytes(b"")  # a killed writer's
    assert folder.read("edges").to_pylist() == [{"a": "x", "b": "y"}]
    assert folder.parts("edges") == ["edges/part-0000.parquet"]


def test_a_killed_worker_is_survived_or_named_and_a_rerun_completes(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    seeds = tmp_path / "seeds"
    generate(300, 5, seeds, log=False)
    ingest(seeds, tmp_path / "local.db")
    local = tmp_path / "local.parquet"
    _run(
        "zsctl",
        "export",
        "--corpus",
        str(tmp_path / "local.db"),
        "--format",
        "parquet",
        "-o",
        str(local),
    )
    out = tmp_path / "killed"
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        killed: list[int] = []

        def kill_once(stage: str, done: int, total: int) -> None:
            if stage == "records" and done == 1 and not killed:
                os.kill(pids[0], signal.SIGKILL)  # mid-stage: other tasks are still running
                killed.append(pids[0])

        try:
            build(str(seeds), str(out), cluster.scheduler_address, progress=kill_once)
        except BuildError as exc:
            assert "run the same command again" in str(exc)
        assert killed
        build(str(seeds), str(out), cluster.scheduler_address)
    assert _built_rows(out) == {r["id"]: r for r in pq.read_table(local).to_pylist()}


def test_urls_for_seeds_and_output(tmp_path: Path) -> None:
    """fsspec URLs both ways (memory://, so the cluster runs in this process)."""
    import fsspec
    from distributed import LocalCluster

    from tests.conftest import SEEDS

    fs = fsspec.filesystem("memory")
    for f in SEEDS.iterdir():
        fs.pipe_file(f"/seeds/{f.name}", f.read_bytes())
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        stats = build("memory://seeds", "memory://out", cluster.scheduler_address)
    db = tmp_path / "c.db"
    load_built("memory://out", db)  # a new corpus: built beside it, moved in, in WAL mode
    assert sorted(p.name for p in tmp_path.iterdir() if "building" in p.name) == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    ingest(SEEDS, tmp_path / "local.db")
    _export(db, tmp_path / "a.jsonl")
    _export(tmp_path / "local.db", tmp_path / "b.jsonl")
    assert stats.articles > 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_a_dump_at_a_url_over_the_limit_is_refused_before_it_is_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fsspec
    from distributed import LocalCluster

    from tests.conftest import SEEDS

    fs = fsspec.filesystem("memory")
    for f in SEEDS.iterdir():
        if f.is_file():
            fs.pipe_file(f"/big/{f.name}", f.read_bytes())
    index = (SEEDS / "INDEX.md").read_text(encoding="utf-8")
    huge = b"x" * (2 * 1024 * 1024)
    row = f"| 900_huge.txt | chanyeyuanqu | auto | - | {hashlib.sha256(huge).hexdigest()} | |\n"
    fs.pipe_file("/big/INDEX.md", (index + row).encode())
    fs.pipe_file("/big/900_huge.txt", huge)
    monkeypatch.setenv("ZSCTL_MAX_DUMP_MB", "1")
    with LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster:
        stats = build("memory://big", "memory://big-out", cluster.scheduler_address)
    assert [f for f, _ in stats.failed] == ["900_huge.txt"]
    assert "over the 1 MiB limit" in stats.failed[0][1]
    assert stats.articles > 0  # the other dumps were built


def test_manifest_rules_are_ingests(seeds_copy: Path, tmp_path: Path) -> None:
    index = seeds_copy / "INDEX.md"
    index.write_text(
        index.read_text(encoding="utf-8")
        + "| ../outside.txt | x | auto | - | "
        + "0" * 64
        + " | |\n",
        encoding="utf-8",
    )
    with pytest.raises(ManifestError, match=r"\.\./outside\.txt"):
        build(str(seeds_copy), str(tmp_path / "out"), "local:1")
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_bad_scheduler_and_unfinished_folders_are_usage_errors(tmp_path: Path) -> None:
    from tests.conftest import SEEDS

    with pytest.raises(UsageError, match="local:N"):
        build(str(SEEDS), str(tmp_path / "out"), "local:two")
    with pytest.raises(UsageError, match="not a build folder"):
        load_built(str(tmp_path), tmp_path / "c.db")


def test_build_finds_the_seeds_and_threshold_as_ingest_does(tmp_path: Path) -> None:
    """$ZSCTL_SEEDS and zsctl.toml, not only ./seeds (the README says every command)."""
    from tests.conftest import SEEDS

    (tmp_path / "zsctl.toml").write_text("threshold = 0.9\n", encoding="utf-8")
    env = {**os.environ, "ZSCTL_SEEDS": str(SEEDS)}
    args = [sys.executable, "-m", "zsctl", "build", "--out", "b", "--scheduler", "local:1"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    params = json.loads((tmp_path / "b" / "build.json").read_text(encoding="utf-8"))
    assert params["seeds"] == str(SEEDS) and params["threshold"] == 0.9


def test_components_join_links_transitively_and_name_the_smallest_key() -> None:
    comp = stages.components([("c", "d"), ("b", "a"), ("d", "b"), ("x", "y")])
    assert comp == {"a": "a", "b": "a", "c": "a", "d": "a", "x": "x", "y": "x"}


def test_article_of_round_trips_the_digest(corpus: dict[str, Any]) -> None:
    """What ingest --from-parquet rebuilds is the Article build_articles made, digest and all."""
    from zsctl.store.corpus import connect_read

    db = connect_read(corpus["base"] / "local.db")
    stored = dict(db.execute("SELECT id, digest FROM articles").fetchall())
    records = pq.read_table(corpus["out"] / "records", columns=["key", "date"]).to_pylist()
    dates = {r["key"]: r["date"] for r in records}
    rows = _built_rows(corpus["out"])
    assert {k: article_of(r, dates).digest() for k, r in rows.items()} == stored


def test_stages_are_listed_in_order() -> None:
    assert STAGES == ("records", "signatures", "edges", "components", "articles")


def test_dumps_are_batched_by_bytes_with_work_for_every_worker() -> None:
    from zsctl.build.pipeline import BYTES_PER_TASK, _batches
    from zsctl.seeds.manifest import DumpEntry

    entries = [DumpEntry(f"{k:03d}.txt", "s", "auto", None, "0" * 64, "", k) for k in range(100)]
    small = _batches(entries, {e.file: 1000 for e in entries}, 8)
    assert len(small) == 8 and [e for b in small for e in b] == entries  # in order, all of them
    big = _batches(entries, {e.file: BYTES_PER_TASK // 2 for e in entries}, 8)
    assert len(big) == 50  # two dumps of half the budget each
    assert len(_batches(entries[:3], {}, 8)) == 3  # sizes unknown: one dump a task at most

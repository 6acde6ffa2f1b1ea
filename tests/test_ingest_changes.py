"""What an ingest says it changed (--changes, --json), its log (`zsctl log`), its progress."""

from __future__ import annotations

import json
import random
from pathlib import Path

from typer.testing import CliRunner, Result

from tests import shapes
from zsctl.cli import app as app_module
from zsctl.cli import output
from zsctl.dedup.changes import diff
from zsctl.ingest import ingest

APP = app_module.build_app()
ENV = {"COLUMNS": "200", "NO_COLOR": "1", "ZSCTL_CORPUS": None}


def cli(*args: str) -> Result:
    """Run zsctl in-process, stdout not a terminal."""
    output.console.cache_clear()
    return CliRunner().invoke(APP, list(args), env=ENV)


def test_diff_names_added_removed_merged_split_and_changed() -> None:
    before = {"A": {"a1", "a2"}, "B": {"b1"}, "C": {"c1", "c2"}, "D": {"d1"}, "E": {"e1"}}
    after = {
        "A": {"a1", "a2"},  # untouched: not reported
        "BD": {"b1", "d1"},  # B and D merged
        "C1": {"c1"},  # C split into C1 and C2
        "C2": {"c2", "new"},
        "E2": {"e1", "e9"},  # E gained a record and a new id
        "N": {"n1"},  # all new
    }
    c = diff(before, after)
    assert c.added == ["N"]
    assert c.removed == []
    assert c.merged == [("BD", ["B", "D"])]
    assert c.split == [("C", ["C1", "C2"])]
    assert c.changed == [("E", "E2")]
    gone = diff({"X": {"x1"}, "Y": {"y1"}}, {"Y": {"y1"}})
    assert gone.removed == ["X"] and not gone.added and not gone.changed


def _two_stories(root: Path) -> tuple[Path, dict[str, bytes]]:
    c = shapes.Corpus()
    r = random.Random(11)
    shapes.add_plain(c, r, 12, "p")
    shapes.add_family(c, r, 4, 3, "f")
    dumps = {n: shapes.render(items) for n, items in c.dumps().items()}
    return root, dumps


def test_dropping_a_dump_reports_just_its_articles(tmp_path: Path) -> None:
    root, dumps = _two_stories(tmp_path)
    seeds = shapes.write_seeds(root, dumps)
    corpus = root / "c.db"
    first = cli("ingest", "--seeds", str(seeds), "--corpus", str(corpus), "--json")
    assert first.exit_code == 0, first.output
    created = json.loads(first.stdout)
    assert len(created["changes"]["added"]) == created["articles"]
    last = sorted(dumps)[-1]
    shapes.write_seeds(root, {n: d for n, d in dumps.items() if n != last})
    dropped = cli("ingest", "--seeds", str(seeds), "--corpus", str(corpus), "--changes")
    assert dropped.exit_code == 0, dropped.output
    lines = [line.split("\t") for line in dropped.stdout.splitlines()]
    removed = [row[1] for row in lines if row[0] == "removed"]
    listed = cli("list", "--corpus", str(corpus), "--json")
    ids = {json.loads(row)["id"] for row in listed.stdout.splitlines()}
    assert removed and not set(removed) & ids
    assert len(ids) + len(removed) - sum(row[0] == "added" for row in lines) == created["articles"]


def test_every_ingest_is_logged_newest_first(tmp_path: Path) -> None:
    root, dumps = _two_stories(tmp_path)
    seeds = shapes.write_seeds(root, dumps)
    corpus = root / "c.db"
    ingest(seeds, corpus)
    ingest(seeds, corpus)  # nothing changed: logged all the same
    result = cli("log", "--corpus", str(corpus), "--json")
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.stdout.splitlines()]  # JSON Lines
    assert [e["n"] for e in entries] == [2, 1]
    assert entries[1]["parsed"] == len(dumps) and entries[0]["parsed"] == 0
    assert entries[0]["changes"]["added"] == [] and entries[1]["articles"] > 0
    plain = cli("log", "--corpus", str(corpus))
    header, *rows = plain.stdout.splitlines()
    assert header.split("\t")[:3] == ["n", "at", "seconds"] and len(rows) == 2


def test_progress_covers_every_phase_with_totals(tmp_path: Path) -> None:
    root, dumps = _two_stories(tmp_path)
    seeds = shapes.write_seeds(root, dumps)
    seen: list[tuple[str, int, int | None]] = []
    ingest(
        seeds, root / "c.db", progress=lambda p, done, total, info: seen.append((p, done, total))
    )
    phases = [p for p, _, _ in seen]
    assert sorted(set(phases), key=phases.index) == ["parse", "cluster", "articles", "index"]
    last = {p: (done, total) for p, done, total in seen}
    assert last["parse"] == (len(dumps), len(dumps))
    done, total = last["articles"]
    assert total is not None and done == total
    assert last["index"] == (1, 1) and last["cluster"] == (1, 1)

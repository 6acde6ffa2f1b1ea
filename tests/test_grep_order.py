"""`grep -l` and the first page of hits list articles in the order of a plain scan (issue 17).

The ids of a common term are ordered by walking the sort's index inside SQLite and testing
each row against a flag byte per matching rowid (search.row_flags), or in the default order
picked from the order ingest stores (store/order.py); a short list of rowids is handed to
SQLite as an IN list instead. All must give exactly the order that sorting every matching
article by the definition of `--sort` gives, done here in plain Python over every row, on
corpora of several shapes ingested through the command line: bench/generate.py's,
bench/shapes_grep.py's wide listings with a term in ~40% of the articles, and tests/shapes.py's
families, reports and generic titles, ingested again with a dump removed (so rowids have gaps
and the index lists removed articles under its DEAD gram).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bench import generate, shapes_grep
from tests import shapes
from tests.corpora import ingest
from tests.corpora import stored_order as order_of
from zsctl.cli import app as app_module
from zsctl.query import search
from zsctl.query.filters import Filters
from zsctl.store import grams
from zsctl.store import order as kept_order
from zsctl.store.corpus import connect_read

RECORDS = 300  # per generated corpus: ~260 articles, ~1 s of ingest each
SORTS = ("-date", "date", "id", "-id", "title", "-sources")
TERMS = (shapes_grep.COMMON_TERM, "港", "企业", "西青区", "天津市", "项目", shapes_grep.RARE_TERM)
APP = app_module.build_app()


class Row(NamedTuple):
    id: str
    date: str | None
    district: str | None
    title: str
    body: str
    n_sources: int


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Name -> corpus path, each built once for the module through `zsctl ingest`."""
    root = tmp_path_factory.mktemp("order")
    generate.generate(RECORDS, 7, root / "bench", log=False)
    shapes_grep.generate_wide(RECORDS, 7, root / "wide")
    out = {name: ingest(root / name, root / f"{name}.db") for name in ("bench", "wide")}
    corpus = shapes.build(11, [("family", 25), ("report", 6), ("titles", 20), ("plain", 150)])
    dumps = {
        name: shapes.render(part, day=k % 28 + 1)
        for k, (name, part) in enumerate(corpus.dumps().items())
    }
    db = root / "shapes.db"
    ingest(shapes.write_seeds(root / "s", dumps), db)
    ingest(shapes.write_seeds(root / "s", dict(sorted(dumps.items())[1:])), db)
    out["shapes"] = db
    return out


@pytest.fixture(params=["as-is", "flags-always", "no-stored-order"])
def flags_always(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Beyond "as-is", every bitset goes through the flag bytes however few rowids it holds:
    in the default order to the stored order's pick (store/order.py), else (and with
    "no-stored-order", as in a corpus keeping none) to SQLite's walk along the order's index."""
    if request.param != "as-is":
        monkeypatch.setattr(search, "_FEW", 0)
    if request.param == "no-stored-order":
        monkeypatch.setattr(kept_order, "ids_of", lambda db, flags: None)
    return request.param != "as-is"


def rows_of(path: Path) -> list[Row]:
    """Every article, read directly (not through zsctl's queries)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        sql = "SELECT id, date, district, title, body, n_sources FROM articles"
        return [Row(*r) for r in con.execute(sql)]


def plain_scan(rows: list[Row], term: str, sort: str, f: Filters) -> list[str]:
    """Ids holding `term` that pass the filters, sorted by the definition of `sort`."""
    keep = [
        r
        for r in rows
        if (term in r.title or term in r.body)
        and (not f.districts or r.district in f.districts)
        and (f.since is None or (r.date is not None and r.date >= f.since))
    ]
    dated = [r for r in keep if r.date is not None]
    undated = [r for r in keep if r.date is None]
    if sort == "-date":  # undated last: SQLite orders NULL below every date
        by = sorted(dated, key=lambda r: (r.date, r.id), reverse=True)
        return [r.id for r in by] + [r.id for r in sorted(undated, key=lambda r: r.id)[::-1]]
    if sort == "date":
        by = sorted(dated, key=lambda r: (r.date, r.id)) + sorted(undated, key=lambda r: r.id)
        return [r.id for r in by]
    keys = {
        "id": (lambda r: (r.id,), False),
        "-id": (lambda r: (r.id,), True),
        "title": (lambda r: (r.title, r.id), False),  # code points order as UTF-8 bytes do
        "-sources": (lambda r: (r.n_sources, r.id), True),
    }
    key, reverse = keys[sort]
    return [r.id for r in sorted(keep, key=key, reverse=reverse)]


def filters_for(rows: list[Row]) -> list[Filters]:
    """No filter, the commonest district, and the later half of the dates."""
    districts = sorted({r.district for r in rows if r.district})
    common = max(districts, key=lambda d: sum(r.district == d for r in rows))
    dates = sorted(r.date for r in rows if r.date)
    return [Filters(), Filters(districts=(common,)), Filters(since=dates[len(dates) // 2][:10])]


@pytest.fixture(scope="module")
def opened(corpora: dict[str, Path]) -> Iterator[dict[str, tuple[sqlite3.Connection, list[Row]]]]:
    out = {name: (connect_read(path), rows_of(path)) for name, path in corpora.items()}
    yield out
    for db, _ in out.values():
        db.close()


@pytest.mark.parametrize("shape", ["bench", "wide", "shapes"])
def test_ids_in_the_order_of_a_plain_scan(
    opened: dict[str, tuple[sqlite3.Connection, list[Row]]], shape: str, flags_always: bool
) -> None:
    db, rows = opened[shape]
    matched = 0
    for term in TERMS:
        compiled = search.compile_search(term)
        for f in filters_for(rows):
            for sort in SORTS:
                expected = plain_scan(rows, term, sort, f)
                assert list(search.grep_ids(db, compiled, f, sort)) == expected, (term, f, sort)
                lines = "".join(search.grep_id_lines(db, compiled, f, sort))
                assert lines == "".join(f"{i}\n" for i in expected), (term, f, sort)
                assert list(search.grep_ids(db, compiled, f, sort, 7)) == expected[:7]
                assert [h.article.id for h in search.grep(db, compiled, f, sort, 5)] == (
                    expected[:5]
                )
                assert search.grep_count(db, compiled, f) == len(expected)
                matched += len(expected)
    assert matched > 1000  # the terms are common enough for the flags to be the usual path


def test_the_shapes_corpus_has_removed_articles(
    opened: dict[str, tuple[sqlite3.Connection, list[Row]]],
) -> None:
    """Its second ingest dropped a dump: rowids have gaps and the index lists the removed."""
    db, rows = opened["shapes"]
    dead = db.execute("SELECT postings FROM grams WHERE gram = ?", (grams.DEAD,)).fetchone()
    assert dead is not None and grams.bits_of(dead[0])
    assert db.execute("SELECT max(n) FROM articles").fetchone()[0] > len(rows)


@pytest.mark.parametrize("shape", ["wide", "shapes"])
@pytest.mark.parametrize("sort", ["-date", "date", "title"])
def test_cli_ids_and_first_page_in_plain_scan_order(
    corpora: dict[str, Path], shape: str, sort: str, flags_always: bool
) -> None:
    """What `zsctl grep -l` and `zsctl grep -n` print, line for line."""
    rows = rows_of(corpora[shape])
    term = shapes_grep.COMMON_TERM if shape == "wide" else "企业"
    expected = plain_scan(rows, term, sort, Filters())
    assert len(expected) > 50
    base = ["grep", term, "--sort", sort, "--corpus", str(corpora[shape])]
    listed = CliRunner().invoke(APP, [*base, "-l"], env={"ZSCTL_CORPUS": None})
    assert listed.exit_code == 0, listed.output
    assert listed.stdout == "".join(f"{i}\n" for i in expected)
    page = CliRunner().invoke(APP, [*base, "-n", "20"], env={"ZSCTL_CORPUS": None})
    assert page.exit_code == 0, page.output
    lines = page.stdout.splitlines()
    assert lines[0].split("\t")[0] == "id"
    assert [line.split("\t")[0] for line in lines[1:]] == expected[:20]


@pytest.mark.parametrize("shape", ["bench", "wide", "shapes"])
def test_the_stored_order_is_the_plain_date_order_of_the_live_articles(
    corpora: dict[str, Path], shape: str
) -> None:
    """What ingest stored (through the command line, the shapes corpus ingested twice with a
    dump removed) is every live article, sorted by the definition of `--sort -date`."""
    rows = rows_of(corpora[shape])
    expected = plain_scan(rows, "", "-date", Filters())
    with closing(sqlite3.connect(f"file:{corpora[shape]}?mode=ro", uri=True)) as con:
        rowids, ids = order_of(con)
        rowid = dict(con.execute("SELECT id, n FROM articles"))
        (width,) = con.execute("SELECT width FROM article_order").fetchone()
    assert ids == expected
    assert rowids == [rowid[i] for i in expected]
    assert width == 8  # zsctl's ids, all 12 consonants: packed


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 5_000), min_size=1, max_size=300))
def test_row_flags_mark_exactly_the_members(rowids: set[int]) -> None:
    flags = search.row_flags(grams.bitset(rowids))
    assert len(flags) == max(rowids) + 1
    assert {n for n, flag in enumerate(flags) if flag == ord("1")} == rowids
    assert set(flags) <= {ord("0"), ord("1")}


def test_rowids_past_the_flags_are_not_members(tmp_path: Path) -> None:
    """SQLite's substr past a blob's end is empty: a later rowid never passes the test."""
    con = sqlite3.connect(tmp_path / "t.db")
    con.execute("CREATE TABLE articles (n INTEGER PRIMARY KEY)")
    con.executemany("INSERT INTO articles VALUES (?)", [(n,) for n in range(1, 40)])
    flags = search.row_flags(grams.bitset([3, 9, 17]))
    sql = f"SELECT a.n FROM articles a WHERE {search._IN_FLAGS} ORDER BY a.n"
    assert [n for (n,) in con.execute(sql, (flags,))] == [3, 9, 17]
    con.close()


def test_an_id_that_is_not_an_id_is_printed_inert(
    corpora: dict[str, Path], tmp_path: Path, flags_always: bool
) -> None:
    """-l checks its blocks of ids for anything but id letters (a tampered corpus) and then
    escapes control characters as every other command does, wherever it read them: the
    articles, or the stored order (tampered the same way)."""
    path = tmp_path / "tampered.db"
    shutil.copy(corpora["wide"], path)
    term = shapes_grep.COMMON_TERM
    evil = "evil\x1b[31mred"
    with closing(sqlite3.connect(path)) as con:
        n = con.execute("SELECT n FROM articles WHERE body LIKE ? LIMIT 1", (f"%{term}%",))
        n, aid = con.execute("SELECT n, id FROM articles WHERE n = ?", n.fetchone()).fetchone()
        con.execute("UPDATE articles SET id = ? WHERE n = ?", (evil, n))
        ids = "\n".join(order_of(con)[1]).replace(aid, evil)  # no longer packable
        con.execute("UPDATE article_order SET width = 0, ids = ?", (ids.encode(),))
        con.commit()
    listed = CliRunner().invoke(APP, ["grep", term, "-l", "--corpus", str(path)])
    assert listed.exit_code == 0, listed.output
    assert "evil\\u001b[31mred\n" in listed.stdout
    assert "\x1b" not in listed.stdout

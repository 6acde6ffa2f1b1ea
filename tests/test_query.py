"""zsctl.query.articles and zsctl.export.files on a small hand-made corpus."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from zsctl.errors import (
    CorpusError,
    DumpChangedError,
    DumpReadError,
    NotFoundError,
    UsageError,
    ZsctlError,
)
from zsctl.export import encode, schema
from zsctl.export import files as export
from zsctl.model import Article
from zsctl.query import articles
from zsctl.query import raw as qraw
from zsctl.query import search as qsearch
from zsctl.query import stats as qstats
from zsctl.query.filters import Filters
from zsctl.seeds.dumps import dump_path
from zsctl.store import corpus as store
from zsctl.store.corpus import connect_read, connect_write
from zsctl.store.writes import update_index, write_articles

# Scraped text that must never drive a terminal: Rich markup, an ANSI escape, a bidi override.
EVIL_TITLE = "Evil [bold red]x[/] \x1b[31mred\u202eRTL"
EVIL_BODY = "text [bold red]x[/] and \x1b[31m escape \u202e end 招商 Éclair"

DUMPS = {
    "000_a.txt": (
        "chanyeyuanqu",
        "-\n\n【西青招商】西青区招商引资大会签约项目30个\n2023-05-10\n西青区举办招商大会。\n\n"
        "Binhai TEDA 港口 expansion\n2024-01-02 09:30\n天津港集团宣布扩建。\n",
    ),
    "001_b.txt": (
        "binhai-zwfw",
        "Binhai TEDA 港口 expansion!\n2024-01-03\n天津港集团宣布扩建\n\n"
        "Evil [bold red]x[/] red\u202eRTL\ntext [bold red]x[/]\n",
    ),
    "002_c.txt": ("chanyeyuanqu", "无日期的文章 港\n武清区 招商\n招商 招商 招商\n"),
    "../outside.txt": ("chanyeyuanqu", "outside the seeds folder\n"),
}

# (record key, first, last, listed title, tag, listed date)
RECORDS = [
    ("000_a.txt:3", 3, 5, "西青区招商引资大会签约项目30个", "西青招商", "2023-05-10"),
    ("000_a.txt:7", 7, 9, "Binhai TEDA 港口 expansion", None, "2024-01-02T09:30"),
    ("001_b.txt:1", 1, 3, "Binhai TEDA 港口 expansion!", None, "2024-01-03"),
    ("001_b.txt:5", 5, 6, EVIL_TITLE, None, "2022-12-31"),
    ("002_c.txt:1", 1, 1, "无日期的文章", None, None),
    ("002_c.txt:2", 2, 3, "武清区 招商", None, "2023-05-31"),
    ("../outside.txt:1", 1, 1, "outside", None, "2021-01-01"),
]

ARTICLES = [
    Article(
        "aaaa00000001", "西青区招商引资大会签约项目30个", "西青招商", "2023-05-10", "西青区",
        "天津日报", ["西青区举办招商大会。", "签约项目涉及港口物流,增长100%。"], "000_a.txt:3",
        [("000_a.txt:3", "kept", 1.0)], {"西青区": 3, "天津市": 1}, [],
    ),
    Article(
        "aaaa00000002", "Binhai TEDA 港口 expansion", None, "2024-01-02T09:30", "滨海新区", None,
        ["天津港集团宣布扩建。", "The TEDA zone grows, code A_B."], "000_a.txt:7",
        [("000_a.txt:7", "kept", 1.0), ("001_b.txt:1", "near", 0.93)], {"滨海新区": 2},
        [("000_a.txt:7", "001_b.txt:1", "near", 0.93)],
    ),
    Article(
        "bbbb00000003", EVIL_TITLE, None, "2022-12-31", "天津市", None, [EVIL_BODY],
        "001_b.txt:5", [("001_b.txt:5", "kept", 1.0)], {"天津市": 1}, [],
    ),
    Article(
        "bbbb00000004", "无日期的文章", None, None, None, None, ["港"], "002_c.txt:1",
        [("002_c.txt:1", "kept", 1.0)], {}, [],
    ),
    Article(
        "aaab00000005", "武清区 招商", "武清招商", "2023-05-31", "武清区", None,
        ["招商 招商 招商", "AxB", "招商引和商引资"], "002_c.txt:2",
        [("002_c.txt:2", "kept", 1.0)], {"武清区": 1}, [],
    ),
    Article(
        "cccc00000006", "outside", None, "2021-01-01", None, None,
        ["outside body\twith \"quotes\" and \\back\\slash", "", "末段 \u2028 ok"],
        "../outside.txt:1", [("../outside.txt:1", "kept", 1.0)], {}, [],
    ),
]  # fmt: skip

ALL_IDS = {a.id for a in ARTICLES}


def build_corpus(root: Path) -> tuple[Path, Path]:
    """Write the seeds folder and the corpus under `root`; returns (corpus, seeds)."""
    seeds = root / "seeds"
    seeds.mkdir()
    corpus = root / "corpus" / "zsctl.db"
    db = connect_write(corpus)
    db.execute("BEGIN")
    for file, (site, text) in DUMPS.items():
        data = text.encode()
        (seeds / file).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        db.execute(
            "INSERT INTO dumps VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (file, digest, site, "auto", "dash", "utf-8", 0, 1, 0, 0, 0, None),
        )
    for key, first, last, title, tag, date in RECORDS:
        db.execute(
            "INSERT INTO records (key, dump, first_line, last_line, title, tag, date, layout,"
            " mentions) VALUES (?,?,?,?,?,?,?,?,?)",
            (key, key.rpartition(":")[0], first, last, title, tag, date, "dash", "{}"),
        )
    done = write_articles(db, ARTICLES)
    update_index(db, done.removed, done.added, done.articles)
    db.execute("COMMIT")
    db.close()
    return corpus, seeds


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus path, seeds path) of the small corpus."""
    return build_corpus(tmp_path)


@pytest.fixture
def db(corpus: tuple[Path, Path]) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the small corpus."""
    conn = connect_read(corpus[0])
    store.read_tuning(conn)
    yield conn
    conn.close()


def ids(summaries: Iterator[articles.Summary]) -> list[str]:
    return [s.id for s in summaries]


# --- filters and order ----------------------------------------------------------------------


def test_default_order_is_newest_first_undated_last(db: sqlite3.Connection) -> None:
    assert ids(articles.summaries(db, Filters())) == [
        "aaaa00000002", "aaab00000005", "aaaa00000001", "bbbb00000003", "cccc00000006",
        "bbbb00000004",
    ]  # fmt: skip


def test_oldest_first_still_puts_undated_last(db: sqlite3.Connection) -> None:
    got = ids(articles.summaries(db, Filters(), "date"))
    assert got[0] == "cccc00000006"
    assert got[-1] == "bbbb00000004"


@pytest.mark.parametrize(
    ("sort", "first"),
    [("id", "aaaa00000001"), ("-id", "cccc00000006"), ("title", "aaaa00000002"),
     ("-sources", "aaaa00000002")],
)  # fmt: skip
def test_other_orders(db: sqlite3.Connection, sort: str, first: str) -> None:
    assert ids(articles.summaries(db, Filters(), sort))[0] == first


def test_limit_spans_the_undated_part(db: sqlite3.Connection) -> None:
    assert len(ids(articles.summaries(db, Filters(), "date", limit=6))) == 6
    assert len(ids(articles.summaries(db, Filters(), "date", limit=2))) == 2


def test_unknown_sort_is_a_usage_error(db: sqlite3.Connection) -> None:
    with pytest.raises(UsageError):
        list(articles.summaries(db, Filters(), "colour"))


def test_summary_counts_sources(db: sqlite3.Connection) -> None:
    by_id = {s.id: s for s in articles.summaries(db, Filters())}
    assert by_id["aaaa00000002"].sources == 2
    assert by_id["aaaa00000001"].sources == 1


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(districts=("西青区",)), {"aaaa00000001"}),
        (Filters(districts=("西青区", "滨海新区")), {"aaaa00000001", "aaaa00000002"}),
        (Filters(since="2023-05-31"), {"aaab00000005", "aaaa00000002"}),
        # A stored time of day stays inside an upper bound of that day.
        (Filters(until="2024-01-02"), ALL_IDS - {"bbbb00000004"}),
        (Filters(until="2024-01-01"), ALL_IDS - {"bbbb00000004", "aaaa00000002"}),
        (Filters(since="2023-05-01", until="2023-05-31"), {"aaaa00000001", "aaab00000005"}),
        (Filters(tags=("西青招商",)), {"aaaa00000001"}),
        (Filters(tags=("【武清招商】",)), {"aaab00000005"}),
        (Filters(sources=("001_b.txt",)), {"aaaa00000002", "bbbb00000003"}),
        (Filters(sources=("002_c",)), {"bbbb00000004", "aaab00000005"}),
        (Filters(sources=("binhai-zwfw",)), {"aaaa00000002", "bbbb00000003"}),
        (Filters(sources=("天津日报",)), {"aaaa00000001"}),
        (Filters(sources=("nowhere",)), set()),
        (Filters(districts=("滨海新区",), sources=("000_a.txt",)), {"aaaa00000002"}),
    ],
)
def test_filters(db: sqlite3.Connection, filters: Filters, expected: set[str]) -> None:
    assert set(ids(articles.summaries(db, filters))) == expected
    assert articles.count(db, filters) == len(expected)


def test_source_prefix_of_another_dump_does_not_match(db: sqlite3.Connection) -> None:
    # '000_a.txt:' must not catch a dump named '000_a.txt.bak' or the like: the key range ends
    # at ';', right after ':'.
    assert set(ids(articles.summaries(db, Filters(sources=("000_a.txt",))))) == {
        "aaaa00000001",
        "aaaa00000002",
    }


# --- one article ----------------------------------------------------------------------------


def test_resolve_full_id_and_unique_prefix(db: sqlite3.Connection) -> None:
    assert articles.resolve_id(db, "aaaa00000002") == "aaaa00000002"
    assert articles.resolve_id(db, "AAAB") == "aaab00000005"
    assert articles.resolve_id(db, " cccc ") == "cccc00000006"


@pytest.mark.parametrize("text", ["aaa", "aaaa0000000", "b"])
def test_ambiguous_prefix_lists_candidates(db: sqlite3.Connection, text: str) -> None:
    with pytest.raises(NotFoundError) as err:
        articles.resolve_id(db, text)
    assert "ambiguous" in str(err.value)
    assert err.value.exit_code == 2


@pytest.mark.parametrize("text", ["ffff", "", "zz", "aaaa000000019"])
def test_unknown_id(db: sqlite3.Connection, text: str) -> None:
    with pytest.raises(NotFoundError):
        articles.resolve_id(db, text)


def test_detail_has_everything(db: sqlite3.Connection) -> None:
    a = articles.detail(db, "aaaa00000002")
    assert a.title == "Binhai TEDA 港口 expansion"
    assert a.paragraphs == ["天津港集团宣布扩建。", "The TEDA zone grows, code A_B."]
    assert a.length == len(a.body)
    assert a.mentions == (("滨海新区", 2),)
    assert [(s.dump, s.first_line, s.last_line, s.kind) for s in a.sources] == [
        ("000_a.txt", 7, 9, "kept"),
        ("001_b.txt", 1, 3, "near"),
    ]
    assert a.sources[1].title == "Binhai TEDA 港口 expansion!"
    assert a.sources[1].date == "2024-01-03"
    assert a.edges == (articles.StoredEdge("000_a.txt:7", "001_b.txt:1", "near", 0.93),)


def test_source_whose_record_row_is_gone(corpus: tuple[Path, Path]) -> None:
    writer = connect_write(corpus[0])
    writer.execute("DELETE FROM records WHERE key = '002_c.txt:1'")
    writer.close()
    reader = connect_read(corpus[0])
    (source,) = articles.detail(reader, "bbbb00000004").sources
    assert (source.dump, source.first_line, source.last_line, source.kind) == (
        "002_c.txt",
        1,
        1,
        "kept",
    )
    assert source.title is None


def test_detail_mentions_most_first(db: sqlite3.Connection) -> None:
    assert articles.detail(db, "aaaa00000001").mentions == (("西青区", 3), ("天津市", 1))


def test_raw_sources_are_the_dump_lines(db: sqlite3.Connection, corpus: tuple[Path, Path]) -> None:
    a = articles.detail(db, "aaaa00000002")
    raw = qraw.raw_sources(db, corpus[1], a.sources)
    assert raw[0].lines == [
        "Binhai TEDA 港口 expansion",
        "2024-01-02 09:30",
        "天津港集团宣布扩建。",
    ]
    assert raw[1].lines[0] == "Binhai TEDA 港口 expansion!"
    assert not any(r.changed for r in raw)


def test_raw_refuses_a_changed_dump(db: sqlite3.Connection, corpus: tuple[Path, Path]) -> None:
    (corpus[1] / "002_c.txt").write_text("changed\n", encoding="utf-8")
    with pytest.raises(DumpChangedError, match="changed since the ingest"):
        qraw.raw_sources(db, corpus[1], articles.detail(db, "bbbb00000004").sources)


def test_raw_refuses_a_dump_outside_the_seeds(
    db: sqlite3.Connection, corpus: tuple[Path, Path]
) -> None:
    assert (corpus[1].parent / "outside.txt").is_file()
    with pytest.raises(CorpusError, match="outside the seeds folder"):
        qraw.raw_sources(db, corpus[1], articles.detail(db, "cccc00000006").sources)


@pytest.mark.parametrize("name", ["/etc/passwd", "..", "a/../../x.txt", ""])
def test_dump_path_stays_inside(tmp_path: Path, name: str) -> None:
    with pytest.raises(CorpusError):
        dump_path(tmp_path, name)


def test_missing_dump_says_which_folder(db: sqlite3.Connection, tmp_path: Path) -> None:
    with pytest.raises(DumpReadError, match="--seeds"):
        qraw.raw_sources(db, tmp_path, articles.detail(db, "aaaa00000001").sources)


# --- search ---------------------------------------------------------------------------------


def grep_ids(db: sqlite3.Connection, pattern: str, **kw: bool) -> set[str]:
    search = qsearch.compile_search(pattern, **kw)
    hits = {h.article.id for h in qsearch.grep(db, search, Filters())}
    # The three ways of answering agree: hits, ids only, count.
    assert set(qsearch.grep_ids(db, search, Filters())) == hits
    assert qsearch.grep_count(db, search, Filters()) == len(hits)
    return hits


@pytest.mark.parametrize(
    ("pattern", "options", "expected"),
    [
        ("招商", {}, {"aaaa00000001", "bbbb00000003", "aaab00000005"}),
        ("港", {}, {"aaaa00000001", "aaaa00000002", "bbbb00000004"}),
        ("招商引资", {}, {"aaaa00000001"}),
        ("招商引", {}, {"aaaa00000001", "aaab00000005"}),
        ("商引资", {"ignore_case": True}, {"aaaa00000001", "aaab00000005"}),
        ("TEDA", {}, {"aaaa00000002"}),
        ("teda", {}, set()),
        ("teda", {"ignore_case": True}, {"aaaa00000002"}),
        ("tEdA 港口", {"ignore_case": True}, {"aaaa00000002"}),
        ("a_b", {"ignore_case": True}, {"aaaa00000002"}),  # '_' is no LIKE wildcard
        ("100%", {}, {"aaaa00000001"}),
        ("0%", {"ignore_case": True}, {"aaaa00000001"}),
        ("éclair", {}, set()),
        ("éclair", {"ignore_case": True}, {"bbbb00000003"}),  # Unicode case: Python path
        ("[bold red]x[/]", {}, {"bbbb00000003"}),
        ("\x1b[31m", {}, {"bbbb00000003"}),
        ('"quoted"', {}, set()),
        (r"TEDA\s+港", {"regex": True}, {"aaaa00000002"}),
        (r"招商\s招商", {"regex": True}, {"aaab00000005"}),
        (r"teda", {"regex": True, "ignore_case": True}, {"aaaa00000002"}),
        ("签约项目", {}, {"aaaa00000001"}),  # in the title and the body
    ],
)
def test_grep(
    db: sqlite3.Connection, pattern: str, options: dict[str, bool], expected: set[str]
) -> None:
    assert grep_ids(db, pattern, **options) == expected


def test_fixed_strings_use_the_gram_index() -> None:
    assert qsearch.compile_search("招商引资").uses_index
    assert qsearch.compile_search("招商").uses_index
    assert qsearch.compile_search("港").uses_index
    assert qsearch.compile_search("teda", ignore_case=True).uses_index
    assert not qsearch.compile_search("招商引资", regex=True).uses_index
    assert not qsearch.compile_search("éclair", ignore_case=True).uses_index


def test_only_short_terms_the_index_folds_exactly_are_answered_by_it_alone() -> None:
    assert qsearch.compile_search("港").exact_index
    assert qsearch.compile_search("招商").exact_index
    assert qsearch.compile_search("TE", ignore_case=True).exact_index
    assert not qsearch.compile_search("招商引").exact_index
    assert not qsearch.compile_search("TE").exact_index  # the index folds case: a superset
    assert not qsearch.compile_search("a\n").exact_index  # title and body join with a newline


def test_index_candidates_are_verified(db: sqlite3.Connection) -> None:
    from zsctl.store import grams

    # aaab00000005 has every pair of 招商引资 (招商, 商引, 引资) but not the term itself.
    bits = grams.candidates(db, qsearch.compile_search("招商引资").grams)
    assert bits.bit_count() == 2
    assert grep_ids(db, "招商引资") == {"aaaa00000001"}
    assert qsearch.grep_count(db, qsearch.compile_search("招商引资"), Filters()) == 1


def test_grep_with_filters_and_limit(db: sqlite3.Connection) -> None:
    search = qsearch.compile_search("招商")
    hits = qsearch.grep(db, search, Filters(districts=("武清区", "西青区")))
    assert [h.article.id for h in hits] == ["aaab00000005", "aaaa00000001"]
    assert len(list(qsearch.grep(db, search, Filters(), limit=1))) == 1
    regex = qsearch.compile_search("招.", regex=True)
    assert len(list(qsearch.grep(db, regex, Filters(), limit=2))) == 2


def test_hit_spans_count_and_snippet(db: sqlite3.Connection) -> None:
    search = qsearch.compile_search("招商")
    hit = next(h for h in qsearch.grep(db, search, Filters()) if h.article.id == "aaab00000005")
    assert hit.title_spans == ((4, 6),)
    assert hit.body_span == (0, 2)
    assert hit.matches == 5
    snippet = hit.snippet(2)
    assert (snippet.field, snippet.before, snippet.match, snippet.after) == (
        "body",
        "",
        "招商",
        " 招…",
    )


def test_title_only_match_snippets_the_title(db: sqlite3.Connection) -> None:
    search = qsearch.compile_search("expansion")
    hit = next(qsearch.grep(db, search, Filters()))
    assert hit.body_span is None
    snippet = hit.snippet(3)
    assert snippet.field == "title"
    assert snippet.text() == "…港口 expansion"


@pytest.mark.parametrize(
    ("pattern", "regex"), [("(", True), ("[a-", True), ("", False), ("", True)]
)
def test_bad_patterns(pattern: str, regex: bool) -> None:
    with pytest.raises(UsageError):
        qsearch.compile_search(pattern, regex=regex)


# --- statistics -----------------------------------------------------------------------------


def test_stats(db: sqlite3.Connection) -> None:
    s = qstats.stats(db, Filters())
    assert (s.articles, s.records) == (6, 7)
    districts = {d: (n, m) for d, n, m in s.by_district}
    assert districts["西青区"] == (1, 1)
    assert districts["天津市"] == (1, 2)
    assert districts[None] == (2, 0)
    months = dict(s.by_month)
    assert next(iter(months)) == "2021-01"
    assert list(months)[-2] == "2024-01"
    assert len(months) == 37 + 1  # 2021-01 .. 2024-01, then undated
    assert months["2023-05"] == 2
    assert months["2022-01"] == 0
    assert months[None] == 1


def test_stats_with_filters(db: sqlite3.Connection) -> None:
    s = qstats.stats(db, Filters(districts=("滨海新区",)))
    assert (s.articles, s.records) == (1, 2)
    assert s.by_district == [("滨海新区", 1, 1)]
    assert s.by_month == [("2024-01", 1)]


def test_stats_of_nothing(db: sqlite3.Connection) -> None:
    s = qstats.stats(db, Filters(sources=("nowhere",)))
    assert (s.articles, s.records, s.by_district, s.by_month) == (0, 0, [], [])


# --- export ---------------------------------------------------------------------------------


def test_export_order_is_date_then_id(db: sqlite3.Connection) -> None:
    got = [a.id for a in articles.iter_details(db, Filters())]
    assert got == [
        "cccc00000006", "bbbb00000003", "aaaa00000001", "aaab00000005", "aaaa00000002",
        "bbbb00000004",
    ]  # fmt: skip


def test_export_in_small_chunks_keeps_order(
    db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(articles, "CHUNK", 2)
    got = [a.id for a in articles.iter_details(db, Filters())]
    monkeypatch.setattr(articles, "CHUNK", 256)
    assert got == [a.id for a in articles.iter_details(db, Filters())]


def test_article_dict_fields(db: sqlite3.Connection) -> None:
    data = schema.article_dict(articles.detail(db, "aaaa00000002"))
    assert tuple(data) == schema.FIELDS
    assert data["schema_version"] == schema.EXPORT_SCHEMA_VERSION
    assert data["districts"] == [{"district": "滨海新区", "count": 2}]
    assert data["sources"][1] == {
        "dump": "001_b.txt", "first_line": 1, "last_line": 3, "date": "2024-01-03",
        "published_at": None, "title": "Binhai TEDA 港口 expansion!", "tag": None,
        "kind": "near", "score": 0.93,
    }  # fmt: skip
    # Schema 2: the stored 2024-01-02T09:30 is a day and a time.
    assert (data["date"], data["published_at"]) == ("2024-01-02", "2024-01-02T09:30:00")
    assert data["sources"][0]["published_at"] == "2024-01-02T09:30:00"
    assert data["cluster"] == {
        "size": 2,
        "edges": [{"a": "000_a.txt:7", "b": "001_b.txt:1", "kind": "near", "score": 0.93}],
    }
    assert data["paragraphs"] == data["body"].split("\n")


def dumps_line(a: articles.Detail) -> bytes:
    """The reference JSONL line."""
    return (json.dumps(schema.article_dict(a), ensure_ascii=False) + "\n").encode()


def test_jsonl_fast_path_is_exactly_json_dumps(db: sqlite3.Connection) -> None:
    details = list(articles.iter_details(db, Filters()))
    for a in details:
        assert encode.jsonl_line(a) == dumps_line(a), a.id
    empty = details[0]._replace(body_utf8=b"")
    assert encode.jsonl_line(empty) == dumps_line(empty)


def test_csv_fast_path_is_exactly_csv_writer(db: sqlite3.Connection) -> None:
    details = list(articles.iter_details(db, Filters()))
    details.append(details[0]._replace(body_utf8=b"", title="a,b", tag=""))
    for a in details:
        nested = {"districts", "sources", "paragraphs", "cluster"}
        values = [
            json.dumps(v, ensure_ascii=False) if k in nested else v
            for k, v in schema.article_dict(a).items()
        ]
        buffer = io.StringIO()
        csv.writer(buffer).writerow(values)
        assert encode.csv_row(a) == buffer.getvalue().encode(), a.id


def test_jsonl_is_faithful_utf8(db: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert export.write_file(articles.iter_details(db, Filters()), "jsonl", path) == 6
    raw = path.read_bytes()
    assert "招商".encode() in raw  # not \\u escaped
    rows = [json.loads(line) for line in raw.decode().split("\n")[:-1]]
    evil = next(r for r in rows if r["id"] == "bbbb00000003")
    assert evil["title"] == EVIL_TITLE
    assert evil["body"] == EVIL_BODY


def test_jsonl_loads_in_pandas(db: sqlite3.Connection, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    path = tmp_path / "out.jsonl"
    export.write_file(articles.iter_details(db, Filters()), "jsonl", path)
    frame = pandas.read_json(path, lines=True)
    assert len(frame) == 6
    assert tuple(frame.columns) == schema.FIELDS
    assert set(frame["id"]) == ALL_IDS
    row = frame.set_index("id").loc["aaaa00000002"]
    assert row["paragraphs"][1] == "The TEDA zone grows, code A_B."
    assert row["cluster"]["size"] == 2


def test_csv_loads_in_pandas(db: sqlite3.Connection, tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    path = tmp_path / "out.csv"
    export.write_file(articles.iter_details(db, Filters()), "csv", path)
    frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == 6
    assert tuple(frame.columns) == schema.FIELDS
    row = frame.set_index("id").loc["bbbb00000003"]
    assert row["title"] == EVIL_TITLE
    assert json.loads(row["paragraphs"]) == [EVIL_BODY]
    assert json.loads(frame.set_index("id").loc["aaaa00000002"]["cluster"])["size"] == 2


def test_export_is_byte_identical(db: sqlite3.Connection, tmp_path: Path) -> None:
    for fmt in schema.FORMATS:
        first, second = tmp_path / f"1.{fmt}", tmp_path / f"2.{fmt}"
        export.write_file(articles.iter_details(db, Filters()), fmt, first)
        export.write_file(articles.iter_details(db, Filters()), fmt, second)
        assert first.read_bytes() == second.read_bytes()


def test_failed_export_leaves_no_file(db: sqlite3.Connection, tmp_path: Path) -> None:
    def broken() -> Iterator[articles.Detail]:
        yield from articles.iter_details(db, Filters(districts=("西青区",)))
        raise RuntimeError("disk on fire")

    folder = tmp_path / "exports"
    folder.mkdir()
    path = folder / "out.jsonl"
    path.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        export.write_file(broken(), "jsonl", path)
    assert path.read_text() == "previous export\n"
    assert [p.name for p in folder.iterdir()] == ["out.jsonl"]


def test_export_to_a_missing_folder_is_a_clear_error(
    db: sqlite3.Connection, tmp_path: Path
) -> None:
    with pytest.raises(ZsctlError, match="cannot write"):
        export.write_file(
            articles.iter_details(db, Filters()), "jsonl", tmp_path / "no" / "x.jsonl"
        )


def test_exported_file_has_the_usual_mode(db: sqlite3.Connection, tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    export.write_file(articles.iter_details(db, Filters()), "csv", path)
    assert path.stat().st_mode & 0o044  # readable by others, as a normal file would be

"""The stored date order `grep -l` picks its ids from (zsctl/store/order.py).

It must list exactly the live articles in `--sort -date` order, whatever the ids and dates
look like (lengthened ids, undated articles, dates with a time, rowids with gaps), after every
ingest that adds, edits or removes articles; and picking from it must give what sorting the
flagged articles by that order's definition, here in plain Python, gives.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import shapes
from tests.corpora import stored_order as stored_articles
from zsctl.errors import CorpusError
from zsctl.ids import ALPHABET, from_hex
from zsctl.ingest import ingest
from zsctl.query import search
from zsctl.query.filters import Filters
from zsctl.store import grams, order, verify
from zsctl.store.corpus import SCHEMA, connect_read

Article = tuple[int, str, str | None]  # rowid, id, date


def date_desc(articles: Sequence[Article]) -> list[Article]:
    """`--sort -date` by its definition: dated newest first, then undated, ties by id, all
    descending (SQLite orders NULL below every date)."""
    dated = sorted((a for a in articles if a[2] is not None), key=lambda a: (a[2], a[1]))
    undated = sorted((a for a in articles if a[2] is None), key=lambda a: a[1])
    return [*dated[::-1], *undated[::-1]]


def memory_corpus(articles: Sequence[Article]) -> sqlite3.Connection:
    """An empty corpus schema in memory holding these articles."""
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA)
    insert(db, articles)
    return db


def insert(db: sqlite3.Connection, articles: Sequence[Article]) -> None:
    """Insert articles on their rowids, their other columns filler."""
    db.executemany(
        "INSERT INTO articles (n, id, title, date, paragraphs, length, n_sources,"
        " representative, digest, body) VALUES (?, ?, 't', ?, 1, 1, 1, 'r', 'd', 'b')",
        articles,
    )


def live_articles(db: sqlite3.Connection) -> list[Article]:
    return [(n, i, d) for n, i, d in db.execute("SELECT n, id, date FROM articles")]


def assert_stored_order_is_right(db: sqlite3.Connection) -> None:
    expected = date_desc(live_articles(db))
    if not expected:
        assert db.execute("SELECT count(*) FROM article_order").fetchone()[0] == 0
        return
    assert stored_articles(db) == ([a[0] for a in expected], [a[1] for a in expected])
    assert list(verify._order_problems(db, full=True)) == []


# Ids as zsctl spells them (12 consonants: stored packed), 14 after a hash collision, and as a
# foreign or hand-made corpus may hold them: any text without a newline or NUL.
PLAIN_IDS = st.text(ALPHABET, min_size=12, max_size=12)
IDS = st.one_of(
    PLAIN_IDS,
    st.text(ALPHABET, min_size=14, max_size=14),
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\x00"),
        min_size=1,
        max_size=20,
    ),
)
DATES = st.one_of(
    st.none(),
    st.sampled_from(["2025-07-01", "2025-07-01T09:30", "2025-07-02", "2019-01-31", "2025"]),
    st.dates().map(str),
)


@st.composite
def corpora(draw: st.DrawFn) -> list[Article]:
    """1-60 articles with unique ids on distinct rowids (gaps where articles were removed)."""
    ids = draw(
        st.lists(draw(st.sampled_from([PLAIN_IDS, IDS])), min_size=1, max_size=60, unique=True)
    )
    rowids = draw(
        st.lists(st.integers(1, 3_000), min_size=len(ids), max_size=len(ids), unique=True)
    )
    return [(n, i, draw(DATES)) for n, i in zip(rowids, ids, strict=True)]


@settings(max_examples=150, deadline=None)
@given(corpora(), st.data())
def test_picked_ids_are_the_flagged_articles_in_date_order(
    articles: list[Article], data: st.DataObject
) -> None:
    db = memory_corpus(articles)
    order.rewrite(db)
    assert_stored_order_is_right(db)
    rowids = [a[0] for a in articles]
    # Flagged: some articles, and perhaps removed rowids, also past the largest stored one.
    chosen = data.draw(st.sets(st.sampled_from([*rowids, 0, 3_001, 9_999])))
    flags = search.row_flags(grams.bitset(chosen)) if chosen else b""
    expected = [a[1] for a in date_desc(articles) if a[0] in chosen]
    assert order.ids_of(db, flags) == "".join(f"{i}\n" for i in expected)


@settings(max_examples=100, deadline=None)
@given(corpora(), st.randoms(use_true_random=False), st.integers(1, 3))
def test_the_stored_order_follows_removals_and_additions(
    articles: list[Article], rnd: random.Random, rounds: int
) -> None:
    """order.update brings the stored order in line as an ingest's changes come (removed
    rowids, added ones: new articles, edited ones under a new rowid, removed ones back),
    patched or rewritten."""
    db = memory_corpus(articles)
    order.rewrite(db)
    top = max(a[0] for a in articles)
    for _ in range(rounds):
        live = live_articles(db)
        gone = rnd.sample(live, rnd.randrange(len(live) + 1))
        db.executemany("DELETE FROM articles WHERE n = ?", [(a[0],) for a in gone])
        present = {a[1] for a in live} - {a[1] for a in gone}
        dates = [None, "2025-07-09", "2030"]
        # Some removed ones back under a new rowid (edited: perhaps another date), new ones.
        back = {a[1]: rnd.choice([a[2], *dates]) for a in gone if rnd.random() < 0.5}
        fresh = {from_hex(f"{top:06x}{k:06x}"): rnd.choice(dates) for k in range(3)}
        if rnd.random() < 0.2:  # an id zsctl would not spell: the order is stored as lines
            fresh[f"new{top}"] = rnd.choice(dates)
        coming = [(i, d) for i, d in {**fresh, **back}.items() if i not in present]
        again = [(top + k + 1, aid, date) for k, (aid, date) in enumerate(coming)]
        insert(db, again)
        top = max([top, *(a[0] for a in again)])
        order.update(db, [a[0] for a in gone], [a[0] for a in again])
        assert_stored_order_is_right(db)


def test_ties_on_the_date_are_placed_by_the_whole_id() -> None:
    """Articles of one date whose ids differ only in their last letter, removed and added
    back one by one: each goes back to its place between its neighbours."""
    # With ids whose hex digits end in '0000' and are all '0': the packing's two zero bytes
    # are told from the id's own.
    ids = [f"bcdfghjkmnp{c}" for c in ALPHABET] + ["bcdfghjkbbbb", "bbbbbbbbbbbb"]
    db = memory_corpus([(k + 1, i, "2025-07-01") for k, i in enumerate(ids)])
    order.rewrite(db)
    top = len(ids)
    for k in (0, 5, 15, 7, 16, 17):
        (n,) = db.execute("SELECT n FROM articles WHERE id = ?", (ids[k],)).fetchone()
        db.execute("DELETE FROM articles WHERE n = ?", (n,))
        top += 1
        insert(db, [(top, ids[k], "2025-07-01")])
        order.update(db, [n], [top])
        assert_stored_order_is_right(db)


def test_a_removed_rowid_is_found_whole_not_across_two() -> None:
    """256 then 512 are the bytes 00 01 00 00 00 02 00 00: rowid 1 (01 00 00 00) seems to be
    there, across them; the patch must find the real one, and a rowid the order does not
    hold (a stale order) makes it rebuild the order from the rows."""
    ids = [f"bcdfghjkmnp{c}" for c in ALPHABET[:4]]
    db = memory_corpus([(256, ids[0], "2025-07-04"), (512, ids[1], "2025-07-03")])
    insert(db, [(1, ids[2], "2025-07-02"), (2, ids[3], "2025-07-01")])
    order.rewrite(db)
    db.execute("DELETE FROM articles WHERE n = 1")
    order.update(db, [1], [])
    assert_stored_order_is_right(db)
    db.execute("DELETE FROM articles WHERE n = 512")
    order.update(db, [1, 512], [])  # 1 is no longer listed
    assert_stored_order_is_right(db)


def test_no_articles_no_stored_order() -> None:
    db = memory_corpus([(1, "bcdfghjkmnpq", "2025-07-01")])
    order.rewrite(db)
    db.execute("DELETE FROM articles")
    order.rewrite(db)
    assert db.execute("SELECT count(*) FROM article_order").fetchone()[0] == 0
    assert order.ids_of(db, b"01") is None  # grep falls back to SQLite, which finds none
    assert list(verify._order_problems(db, full=True)) == []


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("UPDATE article_order SET rowids = X'010000'", "does not list every article"),
        ("UPDATE article_order SET ids = CAST('x' AS BLOB)", "is not their date order"),
        ("UPDATE article_order SET top = 1", "does not list every article"),
        ("DELETE FROM article_order", "is missing"),
    ],
)
def test_a_damaged_stored_order_is_found_and_no_traceback(
    tmp_path: Path, damage: str, problem: str
) -> None:
    path = tmp_path / "c.db"
    with closing(sqlite3.connect(path)) as db:
        db.executescript(SCHEMA)
        insert(db, [(n, f"{ALPHABET[n]}{'b' * 11}", f"2025-07-{n:02d}") for n in range(1, 9)])
        order.rewrite(db)
        db.execute(damage)
        problems = list(verify._order_problems(db, full=True))
        assert len(problems) == 1 and problem in problems[0]
        if "DELETE" not in damage:
            with pytest.raises(CorpusError, match="zsctl ingest"):
                order.ids_of(db, b"1" * 9)


# -------------------------------------------------------------- through ingest, incrementally


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(shapes.corpora(max_records=160), st.randoms(use_true_random=False))
def test_ingests_keep_the_stored_order_right(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    corpus: shapes.Corpus,
    rnd: random.Random,
) -> None:
    """Add dumps, add the rest, remove some and edit one: after each ingest the stored order
    lists the live articles in date order, and grep -l through it is a plain scan's order."""
    monkeypatch.setattr(search, "_FEW", 0)  # every id list through the stored order
    root = tmp_path_factory.mktemp("order")
    dumps = {
        name: shapes.render(part, day=rnd.randrange(1, 29)) for name, part in corpus.dumps().items()
    }
    names = sorted(dumps)
    rnd.shuffle(names)
    first = {n: dumps[n] for n in names[: len(names) // 2 + 1]}
    last = {n: d for n, d in dumps.items() if rnd.random() < 0.7} or dict(first)
    edited = sorted(last)[0]
    last[edited] = shapes.render(corpus.dumps()[edited][:-1] or corpus.dumps()[edited], day=28)
    db_path = root / "c.db"
    for present in (first, dumps, last):
        ingest(shapes.write_seeds(root, present), db_path)
        with closing(connect_read(db_path)) as db:
            assert_stored_order_is_right(db)
            listed = "".join(search.grep_id_lines(db, search.compile_search("企业"), Filters()))
            texts = db.execute("SELECT n, id, date, title || char(10) || body FROM articles")
            having = [(n, i, d) for n, i, d, text in texts if "企业" in text]
            assert listed == "".join(f"{a[1]}\n" for a in date_desc(having))

"""The gram index: format round trips, build = brute force, patch = rebuild, grep = brute force."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zsctl.arrays import find_sorted
from zsctl.model import Article
from zsctl.query import search as qsearch
from zsctl.query.filters import Filters, where_clauses
from zsctl.store import grams
from zsctl.store import grams_build as build
from zsctl.store.corpus import connect_read, connect_write
from zsctl.store.writes import update_index, write_articles

# Few distinct characters, so that terms drawn from them often match; ASCII of both cases.
ALPHABET = "招商引资港西青区aAbB \n"
texts = st.text(alphabet=ALPHABET, min_size=0, max_size=40)


def memory_db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(grams.INDEX_DDL)
    return db


def index_of(db: sqlite3.Connection) -> dict[int, list[int]]:
    """Every gram's live rowids (dead ones masked), decoded by the pure-Python reader."""
    lists = grams.all_lists(db)
    dead = grams.bits_of(lists.pop(grams.DEAD)) if grams.DEAD in lists else 0
    live = {code: grams.members(grams.bits_of(blob) & ~dead) for code, blob in lists.items()}
    return {code: ns for code, ns in live.items() if ns}


def brute_index(rows: dict[int, str]) -> dict[int, list[int]]:
    """The index by definition: each character and pair of the folded text, per rowid."""
    out: dict[int, set[int]] = {}
    for n, text in rows.items():
        folded = grams.fold(text)
        for i, c in enumerate(folded):
            out.setdefault(ord(c), set()).add(n)
            if i + 1 < len(folded):
                out.setdefault(grams.term_grams(folded[i : i + 2])[0], set()).add(n)
    return {code: sorted(ns) for code, ns in sorted(out.items())}


@given(st.sets(st.integers(0, 300_000), min_size=1, max_size=400))
def test_encode_decode_round_trip(values: set[int]) -> None:
    rowids = np.array(sorted(values), dtype=np.uint32)
    blob = build.encode(rowids)
    assert grams.members(grams.bits_of(blob)) == sorted(values)


def test_dense_lists_are_bitmaps_and_sparse_ones_deltas() -> None:
    dense = build.encode(np.arange(1000, 9000, dtype=np.uint32))
    sparse = build.encode(np.array([5, 70_000, 200_000], dtype=np.uint32))
    assert dense[0] == grams.BITMAP and len(dense) < 8000 // 8 + 20
    assert sparse[0] == 4 and len(sparse) == grams.HEADER.size + 3 * 4


def test_chunks_concatenate() -> None:
    blob = build.encode(np.array([1, 2, 3], dtype=np.uint32)) + build.encode(
        np.arange(100, 200, dtype=np.uint32)
    )
    assert grams.members(grams.bits_of(blob)) == [1, 2, 3, *range(100, 200)]


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=25), st.integers(1, 7))
def test_rebuild_matches_brute_force(items: list[str], batch_chars: int) -> None:
    rows = {3 * i + 1: text for i, text in enumerate(items)}  # rowids with gaps
    db = memory_db()
    old = build._BATCH_CHARS
    build._BATCH_CHARS = batch_chars  # many small batches: chunks of one gram concatenate
    try:
        build.rebuild(db, lambda: sorted(rows.items()))
    finally:
        build._BATCH_CHARS = old
    assert index_of(db) == brute_index(rows)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(min_size=0, max_size=30), min_size=1, max_size=20),
    st.sampled_from((0, 1 << 30)),
)
def test_gram_pairs_are_each_texts_distinct_grams_in_order(items: list[str], cells: int) -> None:
    # Characters by a character-by-text bitmap, or (many short texts: cells 0) by a sort:
    # either way every distinct (gram, rowid), by gram then rowid, over any code points.
    rows = {5 * i + 2: text for i, text in enumerate(items)}
    with mock.patch.object(build, "_BITMAP_CELLS", cells):
        codes, rowids = build.gram_pairs(list(rows), list(rows.values()))
    pairs = list(zip(codes.tolist(), rowids.tolist(), strict=True))
    assert pairs == [(code, n) for code, ns in brute_index(rows).items() for n in ns]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(texts, min_size=1, max_size=15),
    st.lists(st.booleans(), min_size=15, max_size=15),
    st.lists(texts, max_size=8),
)
def test_update_equals_rebuild(items: list[str], drop: list[bool], new: list[str]) -> None:
    rows = {i + 1: text for i, text in enumerate(items)}
    db = memory_db()
    build.rebuild(db, lambda: sorted(rows.items()))
    removed = [n for n in rows if drop[n - 1]]
    added = [(100 + i, t) for i, t in enumerate(new)]  # rowids are never reused: always larger
    build.update(db, removed, added)
    assert build.dead_count(db) == len(removed)
    final = {n: t for n, t in rows.items() if not drop[n - 1]} | dict(added)
    assert index_of(db) == brute_index(final)


def test_term_grams_fold_ascii_only() -> None:
    assert grams.term_grams("A") == grams.term_grams("a") == (ord("a"),)
    assert grams.term_grams("Éa") != grams.term_grams("éa")
    assert len(grams.term_grams("招商招商")) == 2  # 招商, 商招 (招商 again is not repeated)


def test_candidates_of_an_unseen_gram_is_empty() -> None:
    db = memory_db()
    build.rebuild(db, lambda: [(1, "招商")])
    assert grams.candidates(db, grams.term_grams("招商")) == 1 << 1
    assert grams.candidates(db, grams.term_grams("招x")) == 0


def test_removed_articles_are_masked_and_added_ones_appended() -> None:
    db = memory_db()
    build.rebuild(db, lambda: [(1, "招商引资"), (2, "招商")])
    build.update(db, [1], [(3, "引资招商")])
    assert grams.members(grams.candidates(db, grams.term_grams("招商"))) == [2, 3]
    assert grams.members(grams.candidates(db, grams.term_grams("引资"))) == [3]
    build.rebuild(db, lambda: [(2, "招商"), (3, "引资招商")])
    assert build.dead_count(db) == 0


def test_membership() -> None:
    inside = grams.Membership(grams.bitset([0, 9, 64]))
    assert [n for n in range(100) if n in inside] == [0, 9, 64]


# --- grep over the index agrees with a plain substring test --------------------------------


@pytest.fixture(scope="module")
def search_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("grams") / "zsctl.db"
    rng = np.random.default_rng(7)
    alphabet = list(ALPHABET)
    articles = []
    for i in range(300):
        title = "".join(rng.choice(alphabet, 6))
        body = ["".join(rng.choice(alphabet, int(rng.integers(0, 30)))) for _ in range(2)]
        district = ("西青区", "武清区", None)[i % 3]
        date = f"2024-{i % 12 + 1:02d}-01" if i % 5 else None
        articles.append(
            Article(f"{i:012x}", title, None, date, district, None, body, f"x:{i}",
                    [(f"x:{i}", "kept", 1.0)], {}, [])
        )  # fmt: skip
    db = connect_write(path)
    db.execute("BEGIN")
    done = write_articles(db, articles)
    update_index(db, done.removed, done.added, done.articles)
    db.execute("COMMIT")
    db.close()
    conn = connect_read(path)
    yield conn
    conn.close()


def brute(db: sqlite3.Connection, term: str, fold: bool, filters: Filters) -> set[str]:
    clauses, params = where_clauses(db, filters)
    sql = f"SELECT a.id, a.title, a.body FROM articles a WHERE {' AND '.join(clauses) or '1'}"
    out = set()
    for aid, title, body in db.execute(sql, params):
        t, b, needle = (title.lower(), body.lower(), term.lower()) if fold else (title, body, term)
        if needle in t or needle in b:
            out.add(aid)
    return out


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(alphabet=ALPHABET.replace("\n", ""), min_size=1, max_size=4),
    st.booleans(),
    st.sampled_from([Filters(), Filters(districts=("西青区",)), Filters(since="2024-06-01")]),
)
def test_grep_agrees_with_substring_search(
    search_db: sqlite3.Connection, term: str, fold: bool, filters: Filters
) -> None:
    search = qsearch.compile_search(term, ignore_case=fold)
    expected = brute(search_db, term, fold, filters)
    assert qsearch.grep_count(search_db, search, filters) == len(expected)
    assert set(qsearch.grep_ids(search_db, search, filters)) == expected
    assert {h.article.id for h in qsearch.grep(search_db, search, filters)} == expected


@given(st.sets(st.integers(0, 300_000), min_size=1, max_size=400))
def test_python_encoding_round_trips_and_matches_numpy_choice(values: set[int]) -> None:
    blob = grams.encode_bits(grams.bitset(values))
    assert grams.members(grams.bits_of(blob)) == sorted(values)
    assert blob == build.encode(np.array(sorted(values), dtype=np.uint32))


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(
        st.integers(0, 40),
        st.sets(st.integers(0, 3_000), min_size=1, max_size=300)
        | st.builds(lambda a, n: set(range(a, a + n)), st.integers(0, 70_000), st.integers(1, 400)),
        min_size=1,
        max_size=12,
    )
)
def test_a_batchs_lists_are_each_encoded_as_alone(lists: dict[int, set[int]]) -> None:
    # Bitmaps and deltas of every width, made for a batch's lists at once: each list's
    # chunk is what encode() makes of it alone.
    codes = np.array([c for c in sorted(lists) for _ in lists[c]], dtype=np.uint64)
    docs = np.array([n for c in sorted(lists) for n in sorted(lists[c])], dtype=np.uint32)
    found, chunks = build._encode_runs(codes, docs)
    assert found.tolist() == sorted(lists)
    assert chunks == [build.encode(np.array(sorted(lists[c]), dtype=np.uint32)) for c in found]


def test_a_very_long_term_is_still_answered(search_db: sqlite3.Connection) -> None:
    import random

    rng = random.Random(3)
    # More pairs than SQLite takes parameters in one statement (32,766).
    term = "".join(chr(0x4E00 + rng.randrange(2000)) for _ in range(40_000))
    search = qsearch.compile_search(term)
    assert len(search.grams) > grams.MAX_LOOKUP
    assert qsearch.grep_count(search_db, search, Filters()) == 0
    text = search_db.execute("SELECT body FROM articles WHERE length(body) > 20").fetchone()[0]
    found = qsearch.compile_search(text)  # a whole body: its own article matches
    assert qsearch.grep_count(search_db, found, Filters()) >= 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2**63 - 1), max_size=300, unique=True),
    st.lists(st.integers(0, 2**63 - 1), max_size=300),
    st.integers(4, 12),
)
def test_hashed_lookup_equals_a_binary_search(
    table: list[int], other: list[int], bits: int
) -> None:
    """The slot array gives what searchsorted gives, also where keys share a slot."""
    sorted_table = np.array(sorted(table), dtype=np.uint64)
    lookup = build._Lookup(sorted_table, bits)  # few slots: many shared, the fallback runs too
    keys = np.array([*table, *other, *(t + 1 for t in table if t < 2**63 - 1)], dtype=np.uint64)
    assert np.array_equal(lookup(keys), find_sorted(sorted_table, keys))

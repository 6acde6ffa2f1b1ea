"""grep = a plain substring scan, on random corpora (issue 17).

Every answer `grep -c`, `grep -l` and plain `grep` give, including those the gram index gives
alone without reading any text, must equal a substring scan of the titles and bodies: with
and without filters, with -i, over ASCII (both cases) and CJK, for terms of 1 to 8
characters, most of them cut from the corpus so that they match somewhere.

Index-only answers are held to that twice: once as they are, and once after every title and
body in the corpus has been blanked, so an answer that claims to need no text cannot quietly
read it.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsctl.model import Article
from zsctl.query import search as query
from zsctl.query.articles import summaries
from zsctl.query.filters import Filters
from zsctl.store import grams, grams_build
from zsctl.store.corpus import connect_read, connect_write
from zsctl.store.writes import update_index, write_articles

# Few distinct characters, so that pairs recur and the index's candidates are supersets;
# ASCII of both cases, CJK, a cased non-ASCII letter and the Kelvin sign (folds to k in
# Unicode, not in ASCII).
ALPHABET = "生物医药西青区港招商aAbBkK Éé\u212a"
DISTRICTS = ("西青区", "武清区", None)
SORTS = ("-date", "date", "id")


@pytest.fixture(autouse=True, scope="module")
def every_article_samples() -> Iterator[None]:
    """Every article takes part in choosing phrases: small corpora then have many lists."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grams_build, "SAMPLE_EVERY", 1)
        yield


chunk = st.text(alphabet=ALPHABET, min_size=0, max_size=30)
article = st.tuples(
    st.text(alphabet=ALPHABET, min_size=1, max_size=10),  # title
    st.lists(chunk, min_size=1, max_size=3),  # paragraphs
    st.integers(0, len(DISTRICTS) - 1),
    st.one_of(st.none(), st.integers(1, 12)),  # month of 2024, or undated
)
corpora = st.lists(article, min_size=1, max_size=40)
filters = st.sampled_from(
    [
        Filters(),
        Filters(districts=("西青区",)),
        Filters(since="2024-06-01"),
        Filters(districts=("西青区",), since="2024-06-01"),
    ]
)


def build(path: Path, items: list[tuple[str, list[str], int, int | None]]) -> None:
    """Write the articles and their gram index, as an ingest does."""
    articles = [
        Article(
            f"{i:012x}",
            title,
            None,
            None if month is None else f"2024-{month:02d}-01",
            DISTRICTS[d],
            None,
            paragraphs,
            f"x:{i}",
            [(f"x:{i}", "kept", 1.0)],
            {},
            [],
        )
        for i, (title, paragraphs, d, month) in enumerate(items)
    ]
    db = connect_write(path)
    db.execute("BEGIN")
    done = write_articles(db, articles)
    update_index(db, done.removed, done.added, done.articles)
    db.execute("COMMIT")
    db.close()


def scan(db: sqlite3.Connection, term: str, fold: bool, f: Filters, sort: str) -> list[str]:
    """Ids whose title or body contains the term, in `sort` order: the definition of grep."""
    ordered = [(s.id, s.title) for s in summaries(db, f, sort)]
    bodies = dict(db.execute("SELECT id, body FROM articles"))
    if fold and any(not c.isascii() and c.lower() != c.upper() for c in term):
        rx = re.compile(re.escape(term), re.IGNORECASE)  # full Unicode folding
        return [i for i, t in ordered if rx.search(t) or rx.search(bodies[i])]
    if fold:  # ASCII letters only, as re.ASCII | re.IGNORECASE
        needle = term.encode().lower()
        return [i for i, t in ordered if needle in t.encode().lower() or needle in
                bodies[i].encode().lower()]  # fmt: skip
    return [i for i, t in ordered if term in t or term in bodies[i]]


@st.composite
def term_of(draw: st.DrawFn, items: list[tuple[str, list[str], int, int | None]]) -> str:
    """1 to 8 characters: usually cut from a title or body, else random."""
    size = draw(st.integers(1, 8))
    title, paragraphs, _, _ = draw(st.sampled_from(items))
    text = draw(st.sampled_from([title, "\n".join(paragraphs)]))
    if len(text) >= size and draw(st.integers(0, 3)):
        at = draw(st.integers(0, len(text) - size))
        return text[at : at + size]
    return draw(st.text(alphabet=ALPHABET, min_size=size, max_size=size))


@settings(max_examples=120, deadline=None)
@given(st.data(), corpora, filters, st.booleans(), st.sampled_from(SORTS), st.booleans())
def test_every_answer_equals_a_substring_scan(
    data: st.DataObject,
    items: list[tuple[str, list[str], int, int | None]],
    f: Filters,
    fold: bool,
    sort: str,
    parallel: bool,
) -> None:
    """Also with the text check split over two connections from the first candidate on, and
    with the order taken through flag bytes (search.row_flags) for any number of rowids."""
    term = data.draw(term_of(items))
    limit = data.draw(st.one_of(st.none(), st.integers(1, 5)))
    flags = data.draw(st.booleans())
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        if parallel:
            patch.setattr(query, "_PARALLEL_MIN", 1)
        if flags:
            patch.setattr(query, "_FEW", 0)
        path = Path(tmp) / "zsctl.db"
        build(path, items)
        db = connect_read(path)
        expected = scan(db, term, fold, f, sort)
        search = query.compile_search(term, ignore_case=fold)
        assert query.grep_count(db, search, f) == len(expected)
        assert list(query.grep_ids(db, search, f, sort)) == expected
        assert list(query.grep_ids(db, search, f, sort, limit)) == expected[:limit]
        hits = list(query.grep(db, search, f, sort, limit))
        assert [h.article.id for h in hits] == expected[:limit]
        for hit in hits:  # each hit says where: the spans hold the term
            spans = [(hit.article.title, s) for s in hit.title_spans]
            if hit.body_span is not None:
                spans.append((hit.body, hit.body_span))
            assert spans
            for text, (a, b) in spans:
                found = text[a:b]
                assert found.casefold() == term.casefold() if fold else found == term
        db.close()


@settings(max_examples=80, deadline=None)
@given(st.data(), corpora, filters, st.booleans())
def test_index_only_answers_read_no_text(
    data: st.DataObject,
    items: list[tuple[str, list[str], int, int | None]],
    f: Filters,
    fold: bool,
) -> None:
    term = data.draw(term_of(items))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zsctl.db"
        build(path, items)
        db = connect_read(path)
        search = query.compile_search(term, ignore_case=fold)
        expected = scan(db, term, fold, f, "-date")
        index_only = query.index_answers(db, search)
        db.close()
        if not index_only:
            return
        blank = sqlite3.connect(path)
        blank.execute("UPDATE articles SET title = '', body = ''")  # the index is untouched
        blank.commit()
        blank.close()
        db = connect_read(path)
        assert query.grep_count(db, search, f) == len(expected)
        assert list(query.grep_ids(db, search, f, "-date")) == expected
        db.close()


def test_a_term_across_title_and_body_does_not_match() -> None:
    """The index joins title and body with a newline; grep looks at each on its own."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zsctl.db"
        build(path, [("招商", ["港区"], 0, 1)])
        db = connect_read(path)
        for term in ("商\n港", "商\n", "\n港"):
            assert query.grep_count(db, query.compile_search(term), Filters()) == 0
        assert query.grep_count(db, query.compile_search("商"), Filters()) == 1
        db.close()


@settings(max_examples=60, deadline=None)
@given(corpora, st.data())
def test_phrase_lists_hold_exactly_the_articles_with_the_phrase(
    items: list[tuple[str, list[str], int, int | None]], data: st.DataObject
) -> None:
    """Built whole, or appended to article by article, each phrase list is its definition."""
    rows = [(i + 1, t + "\n" + "\n".join(ps)) for i, (t, ps, _, _) in enumerate(items)]
    cut = data.draw(st.integers(0, len(rows)))
    whole, patched = memory_db(), memory_db()
    grams_build.rebuild(whole, lambda: rows)
    grams_build.rebuild(patched, lambda: rows[:cut] or [(0, "")])
    chosen = [r[0] for r in patched.execute("SELECT text FROM phrases")]
    grams_build.update(patched, [], rows[cut:])
    for db in (whole, patched):
        lists = grams.all_lists(db, "phrases")
        for text, blob in lists.items():
            assert len(text) in grams_build.PHRASE_LENGTHS and "\n" not in text
            assert grams.members(grams.bits_of(blob)) == [
                n for n, t in rows if text in grams.fold(t)
            ]
    assert sorted(grams.all_lists(patched, "phrases")) == sorted(chosen)


def test_common_phrases_are_chosen_and_rare_ones_not() -> None:
    texts = [f"生物医药第{i}号" for i in range(40)] + ["雪龙湾数据港"]
    chosen = grams_build.choose_phrases(texts)
    assert {"生物医", "物医药", "生物医药", "医药第"} <= set(chosen)
    assert not {"雪龙湾", "雪龙湾数"} & set(chosen)
    assert grams_build.choose_phrases([]) == []


def memory_db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(grams.INDEX_DDL)
    return db


def test_a_phrase_is_never_counted_across_two_articles() -> None:
    """One article ending in 生物 and the next starting with 医药 hold no 生物医药."""
    rows = [(1, "xx生物"), (2, "医药yy"), (3, "生物医药"), (4, "生物医药"), (5, "生物医药")]
    db = memory_db()
    grams_build.rebuild(db, lambda: rows)
    lists = grams.all_lists(db, "phrases")
    for text in ("生物医", "物医药", "生物医药"):
        assert grams.members(grams.bits_of(lists[text])) == [3, 4, 5]


def test_a_case_sensitive_term_is_checked_on_the_text() -> None:
    """Phrase lists fold ASCII case: for a cased term without -i they are only candidates."""
    items = [("aab", ["x"], 0, 1), ("AAB", ["x"], 0, 1), ("aAb", ["x"], 0, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zsctl.db"
        build(path, items)
        db = connect_read(path)
        assert grams.phrase(db, "AAB") is not None  # the folded list exists...
        for term, fold, n in (("aab", False, 1), ("AAB", False, 1), ("aab", True, 3)):
            search = query.compile_search(term, ignore_case=fold)
            assert query.index_answers(db, search) is fold  # ...and answers only with -i
            assert query.grep_count(db, search, Filters()) == n
            assert len(list(query.grep_ids(db, search, Filters()))) == n
        db.close()

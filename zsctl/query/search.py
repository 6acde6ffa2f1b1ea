"""grep: fixed strings and regular expressions over titles and bodies, through the gram index."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator
from typing import Any, NamedTuple

from zsctl.errors import UsageError
from zsctl.query.articles import Summary
from zsctl.query.filters import (
    CHUNK,
    DEFAULT_SORT,
    Filters,
    chunks,
    marks,
    ordered_chunks,
    ordered_joined,
    where_clauses,
)
from zsctl.store import order as kept_order


class Search(NamedTuple):
    """A compiled grep pattern and the cheapest exact way to test it.

    Fixed strings are tested on the UTF-8 bytes SQLite hands over, before any decoding: a byte
    substring of valid UTF-8 is a character substring, and bytes.lower() folds exactly the
    ASCII letters, as re.ASCII|re.IGNORECASE does. Regexes (and full-Unicode case folding)
    need the decoded text.
    """

    pattern: str
    regex: re.Pattern[str]  # finds the spans; also the test when `needle` is None
    needle: bytes | None = None  # UTF-8 of a fixed string (lower-cased when `fold`)
    fold: bool = False  # compare ASCII-case-insensitively
    grams: tuple[int, ...] = ()  # gram codes (zsctl/grams.py) whose lists hold every match
    exact_index: bool = False  # ...and whose lists' intersection is exactly the matches
    phrases: tuple[str, ...] = ()  # substrings whose phrase lists, where kept, hold every match
    exact_phrase: bool = False  # the pattern's own phrase list, if kept, is exactly the matches

    @property
    def uses_index(self) -> bool:
        """Whether the gram index narrows the rows to read."""
        return bool(self.grams)

    def test(self, title: bytes, body: bytes) -> bool:
        """Whether an article's UTF-8 title or body matches."""
        if self.needle is None:
            return bool(self.regex.search(title.decode()) or self.regex.search(body.decode()))
        if self.fold:
            title, body = title.lower(), body.lower()
        return self.needle in title or self.needle in body


class Snippet(NamedTuple):
    """A match with its context; `before`/`after` start/end with '…' when cut."""

    field: str  # 'title' or 'body'
    before: str
    match: str
    after: str

    def text(self) -> str:
        """The snippet as one string."""
        return self.before + self.match + self.after


class GrepHit(NamedTuple):
    """An article that matches a search."""

    article: Summary
    body: str
    title_spans: tuple[tuple[int, int], ...]
    body_span: tuple[int, int] | None  # the first match in the body
    matches: int  # matches in title and body together

    def snippet(self, context: int) -> Snippet:
        """The first body match (else the first title match) with `context` characters around."""
        if self.body_span is not None:
            return _snippet("body", self.body, self.body_span, context)
        return _snippet("title", self.article.title, self.title_spans[0], context)


_FETCH = (
    "SELECT a.n, a.id, a.date, a.district, a.tag, CAST(a.title AS BLOB), CAST(a.body AS BLOB)"
    " FROM articles a WHERE a.n IN ({})"
)


_NUMBERED_TEXTS = (
    "SELECT a.n, CAST(a.title AS BLOB), CAST(a.body AS BLOB) FROM articles a WHERE a.n IN ({})"
)
_STATE = "SELECT count(*), max(n) FROM articles"  # which snapshot a connection reads


def compile_search(pattern: str, *, regex: bool = False, ignore_case: bool = False) -> Search:
    """Compile a grep pattern and decide how the corpus can answer it."""
    from zsctl.store.grams import term_grams

    if not pattern:
        raise UsageError("empty search pattern")
    if regex:
        try:
            return Search(pattern, re.compile(pattern, re.IGNORECASE if ignore_case else 0))
        except re.error as exc:
            raise UsageError(f"bad regular expression {pattern!r}: {exc}") from None
        except (OverflowError, RecursionError):  # a{99999999999}, or groups nested 1,000 deep
            raise UsageError(
                f"regular expression {pattern[:80]!r} is too large or nested too deep"
            ) from None
    literal = re.escape(pattern)
    if ignore_case and _non_ascii_cased(pattern):
        # Full Unicode case-insensitivity: only re on the decoded text can tell.
        return Search(pattern, re.compile(literal, re.IGNORECASE))
    fold = ignore_case and _cased(pattern)
    rx = re.compile(literal, re.IGNORECASE | re.ASCII) if fold else re.compile(literal)
    needle = pattern.lower().encode() if fold else pattern.encode()
    # The index folds ASCII case, so its rows are a superset for a case-sensitive cased term;
    # a 1- or 2-character term is one list, which is exactly the matching articles, unless
    # it holds the newline the index puts between title and body. So is a 3- or 4-character
    # term's phrase list, where the index keeps one.
    exact = (fold or not _cased(pattern)) and "\n" not in pattern
    phrases = _phrases_in(pattern)
    return Search(
        pattern,
        rx,
        needle,
        fold,
        term_grams(pattern),
        exact and len(pattern) <= 2,
        phrases,
        exact and len(pattern) in PHRASE_LENGTHS,
    )


def _phrases_in(pattern: str) -> tuple[str, ...]:
    """The substrings of the pattern that can have phrase lists (none holds a newline)."""
    return tuple(
        dict.fromkeys(
            pattern[i : i + size]
            for size in PHRASE_LENGTHS
            for i in range(len(pattern) - size + 1)
            if "\n" not in pattern[i : i + size]
        )
    )


def _cased(text: str) -> bool:
    return any(c.lower() != c or c.upper() != c for c in text)


def _non_ascii_cased(text: str) -> bool:
    return any(not c.isascii() and _cased(c) for c in text)


def grep(
    db: sqlite3.Connection,
    search: Search,
    filters: Filters,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
) -> Iterator[GrepHit]:
    """Matching articles in `sort` order, each with where it matched."""
    found = 0
    for rows in _matching_chunks(db, search, filters, sort):
        sources = _source_counts(db, [row[1] for row in rows])
        for _, aid, date, district, tag, title, body in rows:
            summary = Summary(aid, date, district, title.decode(), tag, sources.get(aid, 0))
            hit = _hit(search.regex, summary, body.decode())
            if hit is None:
                continue
            yield hit
            found += 1
            if limit is not None and found >= limit:
                return


def grep_ids(
    db: sqlite3.Connection,
    search: Search,
    filters: Filters,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
) -> Iterator[str]:
    """Ids of matching articles in `sort` order."""
    return itertools.chain.from_iterable(grep_id_chunks(db, search, filters, sort, limit))


def grep_id_chunks(
    db: sqlite3.Connection,
    search: Search,
    filters: Filters,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
) -> Iterator[list[str]]:
    """The ids of `grep_ids`, a list at a time (no Python step per id for a common term)."""
    if limit is not None and limit <= 0:
        return
    bits = _known_matches(db, search, filters, limit)
    if bits is not None:  # only their order is left to read
        for rows in _ordered_in(db, "a.id", bits, filters, sort, limit, _ID_CHUNK):
            yield [row[0] for row in rows]
        return
    left = limit
    for rows in _matching_chunks(db, search, filters, sort):
        ids = [row[1] for row in rows[:left]]
        yield ids
        if left is not None:
            left -= len(ids)
            if left <= 0:
                return


def grep_id_lines(
    db: sqlite3.Connection,
    search: Search,
    filters: Filters,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
) -> Iterator[str]:
    """The ids of `grep_ids` as blocks of lines, each id ending in a newline (`grep -l`).

    When all the matches are known before their order is read, many of them in the default
    order are picked from the order ingest stores (store/order.py), with the filters applied
    first; else SQLite joins the ids itself along the order's index.
    """
    stored = limit is None and sort == kept_order.SORT
    if stored:
        bits = _filtered_matches(db, search, filters)
    else:
        bits = None if limit is not None else _known_matches(db, search, filters, None)
    if bits is None:
        yield from (
            "\n".join(ids) + "\n" for ids in grep_id_chunks(db, search, filters, sort, limit) if ids
        )
        return
    if not bits:
        return
    if stored and bits.bit_count() > _FEW:
        text = kept_order.ids_of(db, row_flags(bits))
        if text is not None:  # else a corpus keeping no order: SQLite's walk below
            yield from (text,) if text else ()
            return
    yield from (text + "\n" for text in ordered_joined(db, "a.id", filters, sort, _in_bits(bits)))


def _filtered_matches(db: sqlite3.Connection, search: Search, filters: Filters) -> int | None:
    """Bitset of the matching rowids that pass the filters, read from the index alone or by one
    scan of the candidates in storage order; None when the pattern has no gram to look up."""
    if not search.grams:
        return None
    bits, exact = _index_bits(db, search)
    bits = _filtered(db, bits, filters)
    return bits if exact else _matching(db, search, bits)


def _known_matches(
    db: sqlite3.Connection, search: Search, filters: Filters, limit: int | None
) -> int | None:
    """Bitset of the matching rowids (the filters not yet applied) when it can be had before
    the order is read: from the index alone, or for all the matches by one scan of the
    candidates in storage order. None when the text is checked in order, as far as needed."""
    if not search.grams:
        return None
    bits, exact = _index_bits(db, search)
    if exact:
        return bits
    return _matching(db, search, _filtered(db, bits, filters)) if limit is None else None


def grep_count(db: sqlite3.Connection, search: Search, filters: Filters) -> int:
    """How many articles match, reading as few bodies as the pattern allows."""
    bits = _filtered_matches(db, search, filters)
    return _scan_count(db, search, filters) if bits is None else bits.bit_count()


def index_answers(db: sqlite3.Connection, search: Search) -> bool:
    """Whether the index alone answers the search, without reading any text."""
    return bool(search.grams) and _index_bits(db, search)[1]


def _index_bits(db: sqlite3.Connection, search: Search) -> tuple[int, bool]:
    """Bitset of the rowids the index allows, and whether they are exactly the matches."""
    from zsctl.store import grams

    if search.exact_phrase:
        bits = grams.phrase(db, search.pattern)
        if bits is not None:
            return bits, True
    return grams.candidates(db, search.grams, search.phrases), search.exact_index


def _filtered(db: sqlite3.Connection, bits: int, filters: Filters) -> int:
    """The rowids of a bitset that also pass the filters."""
    from zsctl.store import grams

    if bits and filters.active():
        # SQLite walks the filter's index and keeps the rows in the bitset: only the
        # intersection comes back to Python, not every article that passes the filter.
        clauses, params = where_clauses(db, filters)
        sql = f"SELECT a.n FROM articles a WHERE {' AND '.join([*clauses, _IN_FLAGS])}"
        bits = grams.bitset(row[0] for row in db.execute(sql, [*params, row_flags(bits)]))
    return bits


def _matching(db: sqlite3.Connection, search: Search, bits: int) -> int:
    """Bitset of the candidates whose title or body holds the fixed string.

    One pass over the candidates in storage order, tested inside SQLite (instr on the bytes,
    or on lower() for -i: both fold ASCII only, as Search.test does), so no row becomes a Python
    object. With many candidates, the second half is scanned on a second connection in a
    thread: sqlite3 releases the GIL while a statement runs, so both cores search.
    """
    from zsctl.store import grams

    ns = grams.members(bits)
    test, needle = _sql_test(search)
    if test is None:
        return grams.bitset(_python_scan(db, search, ns))
    if len(ns) < _PARALLEL_MIN:
        return grams.bitset(_sql_scan(db, test, needle, ns))
    half = len(ns) // 2
    other = _Twin(db, test, needle, ns[half:])
    other.start()
    mine = _sql_scan(db, test, needle, ns[:half])
    other.join()
    theirs = other.found if other.found is not None else _sql_scan(db, test, needle, ns[half:])
    return grams.bitset(mine) | grams.bitset(theirs)


def _sql_test(search: Search) -> tuple[str | None, bytes | str]:
    """The SQL condition testing one article for a fixed string, and its parameter."""
    if search.needle is None:
        return None, b""
    if search.fold:
        return "(instr(lower(a.title), ?1) OR instr(lower(a.body), ?1))", search.needle.decode()
    return "(instr(CAST(a.title AS BLOB), ?1) OR instr(CAST(a.body AS BLOB), ?1))", search.needle


def _sql_scan(db: sqlite3.Connection, test: str, needle: bytes | str, ns: list[int]) -> list[int]:
    """The rowids among `ns` (ascending) that pass `test`."""
    out: list[int] = []
    for lo in range(0, len(ns), _SCAN_CHUNK):
        # Integers written into the statement: no limit on parameters, nothing to escape.
        ids = ",".join(map(str, ns[lo : lo + _SCAN_CHUNK]))
        sql = f"SELECT a.n FROM articles a WHERE a.n IN ({ids}) AND {test}"
        out.extend(row[0] for row in db.execute(sql, (needle,)))
    return out


def _python_scan(db: sqlite3.Connection, search: Search, ns: list[int]) -> Iterator[int]:
    """The rowids among `ns` whose text passes Search.test (regexes, Unicode folding)."""
    for chunk in chunks(ns, CHUNK):
        rows = db.execute(_NUMBERED_TEXTS.format(marks(chunk)), chunk)
        yield from (n for n, title, body in rows if search.test(title, body))


class _Twin:
    """A second connection to the same corpus file scanning part of the candidates, in a thread.

    It reads the same snapshot only if no ingest committed in between; it checks that
    (articles are never updated in place, so their count and largest rowid tell) and
    leaves `found` None otherwise, for the caller to scan that part itself.
    """

    def __init__(self, db: sqlite3.Connection, test: str, needle: bytes | str, ns: list[int]):
        import threading  # only here: plain grep's start-up does not pay for it

        self.path = db.execute("PRAGMA database_list").fetchone()[2]
        self.state = db.execute(_STATE).fetchone()
        self.args = (test, needle, ns)
        self.found: list[int] | None = None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self) -> None:
        """Start scanning."""
        self.thread.start()

    def join(self) -> None:
        """Wait for the scan to end."""
        self.thread.join()

    def run(self) -> None:
        """Scan on a connection of this thread's own (sqlite3 objects stay in one thread)."""
        from pathlib import Path

        from zsctl.errors import ZsctlError
        from zsctl.store.corpus import open_snapshot

        try:
            db = open_snapshot(Path(self.path))
        except (ZsctlError, sqlite3.Error, OSError):  # the caller scans this part instead
            return
        try:
            if db.execute(_STATE).fetchone() == self.state:
                self.found = _sql_scan(db, *self.args)
        except sqlite3.Error:
            self.found = None
        finally:
            db.close()


def _scan_count(db: sqlite3.Connection, search: Search, filters: Filters) -> int:
    """Count by testing every filtered article (regexes, Unicode case folding)."""
    clauses, params = where_clauses(db, filters)
    where = " AND ".join(clauses) or "1"
    # Python's bytes search beats SQLite's instr()/LIKE, which step one character at a time:
    # measured ~1.2-2x faster over 420 MB of bodies, and no text is decoded.
    sql = f"SELECT CAST(a.title AS BLOB), CAST(a.body AS BLOB) FROM articles a WHERE {where}"
    return sum(1 for title, body in db.execute(sql, params) if search.test(title, body))


def _ordered_candidates(
    db: sqlite3.Connection, columns: str, search: Search, filters: Filters, sort: str
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of `columns` for the filtered articles the index allows, CHUNK at a time."""
    if not search.grams:
        return ordered_chunks(db, columns, filters, sort)
    return _ordered_in(db, columns, _index_bits(db, search)[0], filters, sort)


def _ordered_in(
    db: sqlite3.Connection,
    columns: str,
    bits: int,
    filters: Filters,
    sort: str,
    limit: int | None = None,
    size: int = CHUNK,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of `columns` for the filtered articles in a bitset, `size` at a time."""
    if not bits:
        return iter(())
    return ordered_chunks(db, columns, filters, sort, _in_bits(bits), limit, size)


def _in_bits(bits: int) -> tuple[str, list[Any]]:
    """The condition (and its parameters) that a row's rowid is in a non-empty bitset."""
    from zsctl.store import grams

    if bits.bit_count() <= _FEW:  # SQLite orders a short list itself
        ns: list[Any] = grams.members(bits)
        return f"a.n IN ({marks(ns)})", ns
    # Else SQLite tests each ordered row in C against one flag byte per rowid: testing 85,000
    # rows one by one in Python took most of `grep -l`'s time for a common term, and a JSON
    # array of the rowids (json_each: an IN list built into a b-tree) 3x the SQLite time of
    # the flags.
    return _IN_FLAGS, [row_flags(bits)]


def row_flags(bits: int) -> bytes:
    """A bitset as one byte per rowid from 0 up to its largest, b'1' where set, b'0' elsewhere
    (what _IN_FLAGS tests): bin() writes the bits in C, most significant first."""
    return bin(bits)[:1:-1].encode("ascii")


def _matching_chunks(
    db: sqlite3.Connection, search: Search, filters: Filters, sort: str
) -> Iterator[list[tuple[Any, ...]]]:
    """Matching rows of _FETCH in `sort` order, a chunk at a time.

    The order is taken first over rowids alone, so a sorter never holds bodies; then each chunk
    is fetched by rowid and tested.
    """
    for order in _ordered_candidates(db, "a.n", search, filters, sort):
        chunk = [row[0] for row in order]
        rows = {row[0]: row for row in db.execute(_FETCH.format(marks(chunk)), chunk)}
        matched = [rows[n] for n in chunk if n in rows and search.test(rows[n][5], rows[n][6])]
        if matched:
            yield matched


def _source_counts(db: sqlite3.Connection, ids: list[str]) -> dict[str, int]:
    sql = (
        "SELECT article_id, count(*) FROM article_sources"
        f" WHERE article_id IN ({marks(ids)}) GROUP BY article_id"
    )
    return dict(db.execute(sql, ids).fetchall())


def _hit(rx: re.Pattern[str], summary: Summary, body: str) -> GrepHit | None:
    title_spans = tuple(m.span() for m in rx.finditer(summary.title))
    first = rx.search(body)
    if first is None and not title_spans:
        return None
    in_body = 0 if first is None else sum(1 for _ in rx.finditer(body, first.start()))
    span = None if first is None else first.span()
    return GrepHit(summary, body, title_spans, span, len(title_spans) + in_body)


def _snippet(name: str, text: str, span: tuple[int, int], context: int) -> Snippet:
    start, end = span
    lo, hi = max(0, start - context), min(len(text), end + context)
    before = ("…" if lo > 0 else "") + text[lo:start]
    after = text[end:hi] + ("…" if hi < len(text) else "")
    return Snippet(name, before, text[start:end], after)


PHRASE_LENGTHS = (3, 4)  # as zsctl/store/grams_build.py builds them (it imports numpy)
_FEW = 500  # candidate rowids few enough to hand SQLite as a list instead of testing each row
# Candidates worth a second connection and thread: opening one costs about 1 ms, checking
# 2,000 bodies (~8 MB) about 8 ms.
_PARALLEL_MIN = 2_000
_SCAN_CHUNK = 4_096  # rowids per scanning statement
_ID_CHUNK = 2_048  # ids per list of grep_id_chunks: ~26 KB written at a time by grep -l
# Whether a row is in a bitset, given as row_flags (a blob: substr of a blob is a byte offset,
# O(1), where on text it would count characters), so SQLite walks the order's (or a filter's)
# index and tests each row in C, with no list of rowids to build. A rowid past the blob's end
# gets an empty blob: not in the set. x'31' is b'1'.
_IN_FLAGS = "substr(?, a.n + 1, 1) = x'31'"

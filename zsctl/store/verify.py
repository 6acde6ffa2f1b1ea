"""Is a corpus damaged? SQLite's own check plus cheap checks of zsctl's data against itself.

A corpus is a cache of the seeds, so damage is refused with the rebuild hint, never repaired.
Hand edits and disk faults that SQLite cannot see (a record body that no longer decompresses,
a district count that is not JSON, an emptied or garbled gram index, an article deleted from
under its sources) would otherwise surface as a traceback or, worse, a wrong answer (`grep -c`
printing 0 over an emptied index).

`quick_problems` is what every ingest runs before writing (about a second per 500 MB for
`PRAGMA quick_check`, plus a few milliseconds); `all_problems` is `zsctl doctor`: every body,
every JSON field and every posting list decoded.
"""

from __future__ import annotations

import json
import sqlite3
import struct
import zlib
from collections.abc import Iterable, Iterator

from zsctl.errors import CorpusError
from zsctl.store import grams, order
from zsctl.store.corpus import db_file, rebuild_hint

SAMPLE = 32  # articles whose index entries an ingest checks: cheap, and catches a lost index
_DECODE_ERRORS = (struct.error, KeyError, ValueError, TypeError)


def check_before_ingest(db: sqlite3.Connection, *, pages: bool = True) -> None:
    """Refuse a damaged corpus with the rebuild hint before an ingest builds on it.

    `pages=False` leaves out SQLite's quick_check, for a corpus file exactly as the last
    ingest that checked it left it (store.corpus.WriteLock); the cheap checks always run.
    """
    for problem in quick_problems(db, pages=pages):
        raise CorpusError(rebuild_hint(db_file(db), problem), path=str(db_file(db)))


def quick_problems(db: sqlite3.Connection, *, pages: bool = True) -> Iterator[str]:
    """SQLite's quick_check, the sources' articles, and a sample of the gram index."""
    first = "ok"
    if pages:
        first = " ".join(str(db.execute("PRAGMA quick_check(1)").fetchone()[0]).split())
    if first != "ok":
        yield f"SQLite's quick_check: {first}"  # one line, however many pages are bad
        return
    orphans = db.execute(
        "SELECT count(*) FROM article_sources WHERE article_id NOT IN (SELECT id FROM articles)"
    ).fetchone()[0]
    if orphans:
        yield f"{orphans} source row(s) belong to no stored article"
    yield from _records_problems(db, _sample_records(db))
    sample = _sample(db)
    yield from _index_problems(
        db, db.execute(f"SELECT n, title FROM articles WHERE n IN ({_marks(sample)})", sample)
    )
    yield from _order_problems(db, full=False)


def all_problems(db: sqlite3.Connection) -> Iterator[str]:
    """quick_problems, then every stored body, JSON field and posting list decoded."""
    yield from quick_problems(db)
    yield from _records_problems(db, db.execute("SELECT key, body, mentions FROM records"))
    unclaimed = db.execute(
        "SELECT count(*) FROM records WHERE key NOT IN (SELECT record_key FROM article_sources)"
    ).fetchone()[0]
    if unclaimed:
        yield f"{unclaimed} record(s) belong to no article"
    yield from _text_problems(db, "articles", ("title", "tag", "source", "body"))
    yield from _text_problems(db, "records", ("key", "title", "tag", "source"))
    yield from _lists_problems(db)
    yield from _index_problems(db, db.execute("SELECT n, title FROM articles"))
    yield from _order_problems(db, full=True)


def _text_problems(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> Iterator[str]:
    """Text a flipped byte left invalid: SQLite stores and checks it, Python cannot read it."""
    blobs = ", ".join(f"CAST({c} AS BLOB)" for c in columns)
    bad, first = 0, None
    for rowid, *texts in db.execute(f"SELECT rowid, {blobs} FROM {table}"):
        try:
            for text in texts:
                if text is not None:
                    text.decode()
        except UnicodeDecodeError:
            bad += 1
            first = rowid if first is None else first
    if bad:
        yield f"{bad} row(s) of {table} hold text that is not UTF-8 (the first: rowid {first})"


def _records_problems(
    db: sqlite3.Connection, rows: Iterable[tuple[str, bytes | None, str]]
) -> Iterator[str]:
    """Each record's stored body (zlib) decompresses and its district counts are JSON."""
    for key, body, mentions in rows:
        try:
            if body is not None:
                zlib.decompress(body).decode()
            if not isinstance(json.loads(mentions), dict):
                raise ValueError("not an object")
        except (zlib.error, ValueError, TypeError) as exc:
            yield f"record {key} is damaged ({exc})"
            return


def _sample_records(db: sqlite3.Connection) -> list[tuple[str, bytes | None, str]]:
    """Up to SAMPLE records that keep their own body, spread over the table (indexed look-ups)."""
    top = db.execute("SELECT max(rowid) FROM records").fetchone()[0] or 0
    found: dict[str, tuple[str, bytes | None, str]] = {}
    for start in range(1, top + 1, max(1, top // SAMPLE)):
        row = db.execute(
            "SELECT key, body, mentions FROM records WHERE rowid >= ? AND body IS NOT NULL"
            " ORDER BY rowid LIMIT 1",
            (start,),
        ).fetchone()
        if row is not None:
            found[row[0]] = row
    return list(found.values())


def _sample(db: sqlite3.Connection) -> list[int]:
    """Up to SAMPLE article rowids spread evenly over the corpus, newest included."""
    # Indexed look-ups by rowid: listing every rowid reads the whole table (0.4 s at 100k).
    low, top = db.execute("SELECT min(n), max(n) FROM articles").fetchone()
    if top is None:
        return []
    found = {top}
    for start in range(top, low - 1, -max(1, (top - low + 1) // SAMPLE)):
        row = db.execute(
            "SELECT n FROM articles WHERE n <= ? ORDER BY n DESC LIMIT 1", (start,)
        ).fetchone()
        found.add(row[0])
    return sorted(found, reverse=True)[:SAMPLE]


def _index_problems(db: sqlite3.Connection, articles: Iterable[tuple[int, str]]) -> Iterator[str]:
    """Each article is listed under its title's first character, and that list decodes."""
    if db.execute("SELECT NOT EXISTS (SELECT 1 FROM articles)").fetchone()[0]:
        return
    if db.execute("SELECT NOT EXISTS (SELECT 1 FROM grams)").fetchone()[0]:
        yield "the gram index is empty but articles are stored"
        return
    decoded: dict[int, int] = {}
    for n, title in articles:
        code = ord(grams.fold(title or "\n")[0])
        if code not in decoded:
            blob = grams.gram_lists(db, [code]).get(code)
            try:
                decoded[code] = grams.bits_of(blob) if blob else 0
            except _DECODE_ERRORS as exc:
                yield f"the gram index's list for {chr(code)!r} does not decode ({exc})"
                return
        if not decoded[code] >> n & 1:
            yield f"the gram index does not list article {n} under its title's first character"
            return


def _lists_problems(db: sqlite3.Connection) -> Iterator[str]:
    """Every single character's posting list decodes and lists only rowids ever given out."""
    top = db.execute("SELECT max(n) FROM articles").fetchone()[0] or 0
    for code, blob in grams.all_lists(db, chars=True).items():
        try:
            bits = grams.bits_of(blob)
        except _DECODE_ERRORS as exc:
            yield f"the gram index's list for gram {code} does not decode ({exc})"
            return
        if bits.bit_length() > top + 1:
            yield f"the gram index's list for gram {code} names articles never stored"
            return


def _order_problems(db: sqlite3.Connection, *, full: bool) -> Iterator[str]:
    """grep -l's stored order lists every live article once (with `full`: exactly in their
    date order, as their rows say)."""
    count, top = db.execute("SELECT count(*), max(n) FROM articles").fetchone()
    row = db.execute(
        "SELECT top, length(rowids) FROM article_order WHERE sort = ?",
        (order.SORT,),
    ).fetchone()
    if row is None:
        if count:
            yield "the stored order of the articles (article_order) is missing"
        return
    if row[0] != top or row[1] != 4 * count:
        yield "the stored order of the articles (article_order) does not list every article"
        return
    if full and order.stored(db) != order.encoded(*order.current(db)):
        yield "the stored order of the articles (article_order) is not their date order"


def _marks(values: list[int]) -> str:
    return ",".join("?" * len(values))

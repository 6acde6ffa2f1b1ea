"""Every SQL statement that writes the corpus during an ingest, with its columns named."""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from zsctl.errors import CorpusError
from zsctl.model import Article, Districts, StoredRecord, record_key
from zsctl.parse.worker import DumpOutcome, Known
from zsctl.seeds.manifest import DumpEntry

PARALLEL_GRAMS = 20_000  # articles; below, indexing in one process is as fast
REBUILD_AT = 2_000  # changed articles past which the gram index is rebuilt, not patched
MAX_PATCHES = 32  # patched ingests after which the gram index is rebuilt in one piece
_INDEXED_TEXT = "title || char(10) || body"  # what the gram index covers (zsctl/store/grams.py)


@dataclass(slots=True)
class WriteResult:
    """Counts from writing articles, and the kept record of each."""

    articles: int = 0
    written: int = 0
    deleted: int = 0
    kept: set[str] = field(default_factory=set)
    removed: list[int] = field(default_factory=list)  # rowids deleted
    added: list[int] = field(default_factory=list)  # rowids written


def meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def restat(db: sqlite3.Connection, file: str, key: str, known: Known) -> int:
    """Store a re-hashed, unchanged dump's new stat_key; 1 if it differed."""
    if key == known[3]:
        return 0
    db.execute("UPDATE dumps SET stat = ? WHERE file = ?", (key, file))
    return 1


def known_dumps(db: sqlite3.Connection) -> dict[str, Known]:
    """What the corpus knows of each dump it holds: sha256, site, layout, stat key."""
    rows = db.execute("SELECT file, sha256, site, layout, stat FROM dumps")
    return {row[0]: row[1:] for row in rows}


def count_existing(db: sqlite3.Connection) -> tuple[int, int]:
    """Records and articles in the corpus."""
    records = db.execute("SELECT count(*) FROM records").fetchone()[0]
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    return int(records), int(articles)


def remove_dumps(
    db: sqlite3.Connection, gone: list[str], titles: dict[str, str] | None = None
) -> None:
    """Delete the dumps and their records; `titles` gets each deleted record's title."""
    for file in gone:
        _delete_records(db, file, titles)
        db.execute("DELETE FROM dumps WHERE file = ?", (file,))


def _delete_records(db: sqlite3.Connection, file: str, titles: dict[str, str] | None) -> None:
    """Delete a dump's records; `titles` (if given) gets each one's key and title first."""
    if titles is not None:
        titles.update(db.execute("SELECT key, title FROM records WHERE dump = ?", (file,)))
    db.execute("DELETE FROM records WHERE dump = ?", (file,))


def write_dump(
    db: sqlite3.Connection,
    entry: DumpEntry,
    out: DumpOutcome,
    replaced: dict[str, str] | None = None,
) -> dict[str, str]:
    """Store a parsed dump's row and records; bodies are returned, stored after clustering.

    `replaced` (for a dump stored before) gets the title of each record it replaces."""
    assert out.summary is not None  # only parsed outcomes are written
    _delete_records(db, entry.file, replaced)
    summary = out.summary
    db.execute(
        "INSERT OR REPLACE INTO dumps (file, sha256, site, layout, detected_layout, encoding,"
        " encoding_guessed, records, chrome, blank, unparsed, stat)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            entry.file,
            out.digest,
            entry.site,
            entry.layout,
            summary.layout,
            summary.encoding,
            int(summary.encoding_guessed),
            summary.records,
            summary.chrome,
            summary.blank,
            summary.unparsed,
            out.stat,
        ),
    )
    rows = [
        (
            record_key(r),
            entry.file,
            r.provenance.first_line,
            r.provenance.last_line,
            r.title,
            r.tag,
            r.date,
            r.source,
            r.layout,
            None,
            primary,
            json.dumps(mentions, ensure_ascii=False),
        )
        for r, (primary, mentions) in zip(out.records, out.districts, strict=True)
    ]
    db.executemany(
        "INSERT INTO records (key, dump, first_line, last_line, title, tag, date, source, layout,"
        " body, district, mentions) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    return {record_key(r): r.body for r in out.records}


def load_records(
    db: sqlite3.Connection, fresh: dict[str, str], only: set[str] | None = None
) -> tuple[list[StoredRecord], Districts]:
    """Every record (or those in `only`): new ones' bodies from memory, stored ones' from the
    record or its article."""
    where = ""
    if only is not None:
        db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT PRIMARY KEY)")
        db.execute("DELETE FROM wanted")
        db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((k,) for k in only))
        # CROSS JOIN: SQLite then reads `wanted` first, not every record.
        where = " FROM wanted w CROSS JOIN records r ON r.key = w.key"
    rows = db.execute(
        "SELECT r.key, r.title, r.tag, r.date, r.source, COALESCE(r.body, a.body),"
        " r.district, r.mentions, r.body IS NOT NULL"
        f"{where or ' FROM records r'}"
        " LEFT JOIN articles a ON r.body IS NULL AND a.representative = r.key"
        " ORDER BY r.key"
    )
    records: list[StoredRecord] = []
    districts: Districts = {}
    for key, title, tag, date, source, stored, primary, mentions, has_body in rows:
        body = fresh.get(key)  # a re-parsed dump's text wins over what was stored
        if body is None and stored is not None:
            body = zlib.decompress(stored).decode() if isinstance(stored, bytes) else stored
        if body is None:
            raise CorpusError(f"record {key} lost its body; rebuild the corpus")
        records.append(StoredRecord(key, title, tag, date, source, body, bool(has_body)))
        districts[key] = (primary, json.loads(mentions))
    return records, districts


def store_bodies_once(db: sqlite3.Connection, records: list[StoredRecord], kept: set[str]) -> None:
    """Kept records' bodies are their articles' bodies: store them once to keep the corpus small."""
    db.executemany(
        "UPDATE records SET body = NULL WHERE key = ?",
        [(r.key,) for r in records if r.stored and r.key in kept],
    )
    # Duplicates' bodies are read only to re-cluster, so they are stored compressed; only
    # rows that lack one are written, so an incremental ingest touches few rows.
    db.executemany(
        "UPDATE records SET body = ? WHERE key = ?",
        [
            (zlib.compress(r.body.encode(), 6), r.key)
            for r in records
            if not r.stored and r.key not in kept
        ],
    )


def _stored_articles(db: sqlite3.Connection, ids: set[str] | None) -> dict[str, tuple[int, str]]:
    """Rowid and digest of the stored articles `ids` (all when None)."""
    if ids is None:
        return {a: (n, d) for a, n, d in db.execute("SELECT id, n, digest FROM articles")}
    out: dict[str, tuple[int, str]] = {}
    wanted = sorted(ids)
    for lo in range(0, len(wanted), 500):  # under SQLite's limit on parameters
        part = wanted[lo : lo + 500]
        sql = f"SELECT id, n, digest FROM articles WHERE id IN ({','.join('?' * len(part))})"
        out.update({a: (n, d) for a, n, d in db.execute(sql, part)})
    return out


def write_articles(
    db: sqlite3.Connection, articles: Iterable[Article], replacing: set[str] | None = None
) -> WriteResult:
    """Write articles as they come, replacing only those whose content changed.

    Stored articles not written again are deleted: all of them, or only those in `replacing`
    (the clusters an incremental ingest recomputed).
    """
    old = _stored_articles(db, replacing)
    result = WriteResult()
    removed: list[int] = []
    added: list[int] = []
    for a in articles:
        result.articles += 1
        result.kept.add(a.representative)
        previous = old.pop(a.id, None)
        if previous is not None and previous[1] == a.digest():
            continue
        if previous is not None:
            removed.append(delete_article(db, a.id, previous[0]))
            result.deleted += 1
        added.append(insert_article(db, a))
        result.written += 1
    for aid, (n, _) in sorted(old.items()):
        removed.append(delete_article(db, aid, n))
        result.deleted += 1
    result.removed, result.added = removed, added
    return result


def update_index(
    db: sqlite3.Connection,
    removed: list[int],
    added: list[int],
    total: int,
    pool: Executor | None = None,
) -> None:
    """Bring the gram index in line (append and mask a few articles, or rebuild it), and
    grep -l's stored order of the articles."""
    from zsctl.store import grams_build, order

    indexed = db.execute("SELECT 1 FROM grams LIMIT 1").fetchone() is not None
    if removed or added or not indexed:
        order.update(db, removed, added)  # grep -l's stored order: any change can move it
    # Past a few thousand changed or masked articles, one rebuild from scratch (seconds at
    # 100,000 articles) is cheaper than appending, and it drops the masked rowids.
    # Each patch appends a chunk to the lists it touches; reading a list costs a little more
    # per chunk, so every MAX_PATCHES patches the index is rebuilt in one piece.
    limit = max(REBUILD_AT, total // 10)
    patches = int(meta(db, "gram_patches") or 0)
    changed = len(removed) + len(added) + grams_build.dead_count(db)
    if not indexed or changed > limit or patches >= MAX_PATCHES:

        def rows() -> Iterable[tuple[int, str]]:
            return db.execute(f"SELECT n, {_INDEXED_TEXT} FROM articles ORDER BY n")

        grams_build.rebuild(db, rows, pool if total >= PARALLEL_GRAMS else None)
        set_meta(db, "gram_patches", "0")
        return
    if not removed and not added:
        return
    set_meta(db, "gram_patches", str(patches + 1))
    new: list[tuple[int, str]] = []
    for lo in range(0, len(added), 500):  # under SQLite's limit on parameters
        part = added[lo : lo + 500]
        sql = f"SELECT n, {_INDEXED_TEXT} FROM articles WHERE n IN ({','.join('?' * len(part))})"
        new += db.execute(sql, part).fetchall()
    grams_build.update(db, removed, new)


def delete_article(db: sqlite3.Connection, article_id: str, n: int) -> int:
    """Delete an article; its rowid, to mask it in the gram index."""
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    return n


def insert_article(db: sqlite3.Connection, a: Article) -> int:
    """Insert an article and its side rows; its rowid."""
    body = "\n".join(a.paragraphs)
    cur = db.execute(
        "INSERT INTO articles (id, title, tag, date, district, source, body, paragraphs, length,"
        " n_sources, representative, digest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            a.id,
            a.title,
            a.tag,
            a.date,
            a.district,
            a.source,
            body,
            len(a.paragraphs),
            len(body),
            len(a.sources),
            a.representative,
            a.digest(),
        ),
    )
    db.executemany(
        "INSERT INTO article_sources (article_id, record_key, kind, score) VALUES (?,?,?,?)",
        [(a.id, k, kind, s) for k, kind, s in a.sources],
    )
    db.executemany(
        "INSERT INTO article_districts (article_id, district, count) VALUES (?,?,?)",
        [(a.id, d, n) for d, n in sorted(a.mentions.items())],
    )
    db.executemany(
        "INSERT INTO article_edges (article_id, a, b, kind, score) VALUES (?,?,?,?,?)",
        [(a.id, *e) for e in a.edges],
    )
    assert cur.lastrowid is not None  # an INSERT into a rowid table always sets it
    return cur.lastrowid

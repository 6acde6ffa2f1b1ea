"""`ingest`: parse the listed dumps, deduplicate, and update the corpus in one transaction."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zsctl.errors import CorpusError, ZsctlError
from zsctl.manifest import Entry, read_manifest
from zsctl.model import LineKind, ParseResult, Provenance, Record
from zsctl.parse import parse_dump
from zsctl.rules import ChromeRules, default_rules
from zsctl.store import connect_write, write_lock

if TYPE_CHECKING:
    from zsctl.dedup import Cluster

ID_LENGTH = 12
Progress = Callable[[str, int, int], None]  # (dump file, bytes, records) after each dump


@dataclass(slots=True)
class IngestStats:
    """What an ingest did, for the summary line and for tests."""

    dumps: int = 0
    parsed: int = 0
    reused: int = 0
    removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes: int = 0
    records: int = 0
    articles: int = 0
    duplicates: int = 0
    written: int = 0
    deleted: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class Article:
    """One deduplicated story as it is stored."""

    id: str
    title: str
    tag: str | None
    date: str | None
    district: str | None
    source: str | None
    paragraphs: list[str]
    representative: str
    sources: list[tuple[str, str, float]]  # (record key, kind, score)
    mentions: dict[str, int]
    edges: list[tuple[str, str, str, float]]  # verified (a, b, kind, score) that joined the cluster

    def digest(self) -> str:
        """Hash of every stored field, so unchanged articles are not rewritten."""
        blob = json.dumps(
            [self.title, self.tag, self.date, self.district, self.source, self.paragraphs,
             self.representative, self.sources, sorted(self.mentions.items()), self.edges],
            ensure_ascii=False,
        )
        return hashlib.sha1(blob.encode()).hexdigest()


def record_key(record: Record) -> str:
    """The stable key of one record: '<dump>:<first line>'."""
    return f"{record.provenance.dump}:{record.provenance.first_line}"


def ingest(
    seeds: Path,
    corpus: Path,
    *,
    threshold: float = 0.8,
    wait: bool = False,
    progress: Progress | None = None,
    rules: ChromeRules | None = None,
) -> IngestStats:
    """Bring the corpus in line with INDEX.md; all or nothing, never a half-written corpus."""
    started = time.monotonic()
    rules = rules or default_rules()
    manifest = read_manifest(seeds, rules.site_ids())
    manifest.raise_if_problems()
    stats = IngestStats(dumps=len(manifest.entries))
    with write_lock(corpus, wait):
        db = connect_write(corpus)
        try:
            _ingest_locked(db, seeds, manifest.entries, rules, threshold, stats, progress)
        except sqlite3.OperationalError as exc:
            raise CorpusError(
                f"writing the corpus failed ({exc}); nothing was changed. Free disk space "
                "or check permissions, then run ingest again",
                path=str(corpus),
            ) from None
        finally:
            db.close()
    stats.seconds = time.monotonic() - started
    return stats


def _ingest_locked(
    db: sqlite3.Connection, seeds: Path, entries: list[Entry], rules: ChromeRules,
    threshold: float, stats: IngestStats, progress: Progress | None,
) -> None:
    known = {row[0]: row[1:] for row in db.execute("SELECT file, sha256, site, layout FROM dumps")}
    changed: dict[str, tuple[Entry, str, ParseResult]] = {}
    for entry in entries:
        data = (seeds / entry.file).read_bytes() if (seeds / entry.file).is_file() else None
        if data is None:
            stats.failed.append((entry.file, "listed in INDEX.md but missing; kept what was stored"))
            continue
        stats.bytes += len(data)
        digest = hashlib.sha256(data).hexdigest()
        if known.get(entry.file) == (digest, entry.site, entry.layout):
            stats.reused += 1
            continue
        result = _parse_or_report(data, entry, rules, stats)
        if result is not None:
            changed[entry.file] = (entry, digest, result)
            stats.parsed += 1
        if progress:
            progress(entry.file, len(data), len(result.records) if result else 0)
    listed = {e.file for e in entries}
    gone = sorted(set(known) - listed)
    stats.removed = len(gone)
    db.execute("BEGIN IMMEDIATE")
    try:
        _write_dumps(db, changed, gone)
        records = _load_records(db)
        stats.records = len(records)
        articles = build_articles(records, threshold)
        stats.articles = len(articles)
        stats.duplicates = len(records) - len(articles)
        stats.written, stats.deleted = _write_articles(db, articles)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _parse_or_report(data: bytes, entry: Entry, rules: ChromeRules, stats: IngestStats) -> ParseResult | None:
    try:
        result = parse_dump(data, entry.file, entry.site, entry.layout, rules)
    except ZsctlError as exc:
        stats.failed.append((entry.file, f"{exc.message}; skipped, kept what was stored"))
        return None
    if not result.records:
        stats.failed.append((entry.file, "no article found (empty or only chrome); skipped"))
        return None
    return result


def _write_dumps(
    db: sqlite3.Connection, changed: dict[str, tuple[Entry, str, ParseResult]], gone: list[str]
) -> None:
    for file in gone:
        db.execute("DELETE FROM records WHERE dump = ?", (file,))
        db.execute("DELETE FROM dumps WHERE file = ?", (file,))
    for file, (entry, digest, result) in sorted(changed.items()):
        db.execute("DELETE FROM records WHERE dump = ?", (file,))
        db.execute(
            "INSERT OR REPLACE INTO dumps VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (file, digest, entry.site, entry.layout, result.layout, result.encoding,
             int(result.encoding_fallback), len(result.records), result.count(LineKind.CHROME),
             result.count(LineKind.BLANK), result.count(LineKind.UNPARSED)),
        )
        db.executemany(
            "INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(record_key(r), file, r.provenance.first_line, r.provenance.last_line, r.title, r.tag,
              r.date, r.source, r.layout, r.body) for r in result.records],
        )


def _load_records(db: sqlite3.Connection) -> list[Record]:
    rows = db.execute(
        "SELECT dump, first_line, last_line, title, tag, date, source, layout, body FROM records"
    )
    return [
        Record(title, tag, date, source, body.split("\n") if body else [],
               Provenance(dump, first, last), layout)
        for dump, first, last, title, tag, date, source, layout, body in rows
    ]


def build_articles(records: Iterable[Record], threshold: float = 0.8) -> list[Article]:
    """Cluster records into articles with the keep policy: fullest body, earliest date."""
    from zsctl.dedup import DedupItem, cluster
    from zsctl.districts import assign

    by_key = {record_key(r): r for r in records}
    items = [DedupItem(k, r.title, r.body) for k, r in sorted(by_key.items())]
    articles: list[Article] = []
    used: set[str] = set()
    for c in cluster(items, threshold=threshold):
        rep = by_key[c.representative]
        members = [by_key[k] for k in c.members]
        scores = _scores_to_representative(c)
        sources = [(k, "kept" if k == c.representative else scores[k][0], scores[k][1]) for k in c.members]
        tag = rep.tag or next((m.tag for m in members if m.tag), None)
        dates = sorted(m.date for m in members if m.date)
        where = assign(tag, rep.title, rep.paragraphs)
        articles.append(
            Article(
                id=_unique_id(rep, used),
                title=rep.title,
                tag=tag,
                date=dates[0] if dates else None,
                district=where.primary,
                source=rep.source or next((m.source for m in members if m.source), None),
                paragraphs=rep.paragraphs,
                representative=c.representative,
                sources=sources,
                mentions=dict(where.mentions),
                edges=[(e.a, e.b, e.kind, round(e.score, 4)) for e in c.edges],
            )
        )
    return sorted(articles, key=lambda a: a.id)


def _scores_to_representative(c: Cluster) -> dict[str, tuple[str, float]]:
    """Each member's strongest edge kind and score (the representative scores itself 1.0)."""
    best: dict[str, tuple[str, float]] = {}
    for e in c.edges:
        for k in (e.a, e.b):
            if k not in best or e.score > best[k][1]:
                best[k] = (e.kind, round(e.score, 4))
    best[c.representative] = ("kept", 1.0)
    return best


def _unique_id(rep: Record, used: set[str]) -> str:
    from zsctl.textnorm import normalize_for_dedup

    text = normalize_for_dedup(rep.title) + "\x00" + normalize_for_dedup(rep.body)
    full = hashlib.sha1(text.encode()).hexdigest()
    length = ID_LENGTH
    while full[:length] in used:  # a 48-bit collision: lengthen deterministically
        length += 2
    used.add(full[:length])
    return full[:length]


def _write_articles(db: sqlite3.Connection, articles: list[Article]) -> tuple[int, int]:
    """Replace only articles whose content changed; returns (written, deleted)."""
    old = {row[0]: row[1:] for row in db.execute("SELECT id, n, digest FROM articles")}
    new = {a.id: a for a in articles}
    stale = [(aid, n) for aid, (n, digest) in old.items() if aid not in new or new[aid].digest() != digest]
    for aid, n in stale:
        db.execute(
            "INSERT INTO article_fts(article_fts, rowid, title, body) "
            "SELECT 'delete', n, title, body FROM articles WHERE n = ?", (n,)
        )
        db.execute("DELETE FROM articles WHERE id = ?", (aid,))
    fresh = [a for a in articles if a.id not in old or any(aid == a.id for aid, _ in stale)]
    for a in fresh:
        _insert_article(db, a)
    return len(fresh), len(stale)


def _insert_article(db: sqlite3.Connection, a: Article) -> None:
    body = "\n".join(a.paragraphs)
    cur = db.execute(
        "INSERT INTO articles (id, title, tag, date, district, source, body, paragraphs, length,"
        " n_sources, representative, digest) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (a.id, a.title, a.tag, a.date, a.district, a.source, body, len(a.paragraphs), len(body),
         len(a.sources), a.representative, a.digest()),
    )
    db.execute("INSERT INTO article_fts(rowid, title, body) VALUES (?,?,?)", (cur.lastrowid, a.title, body))
    db.executemany("INSERT INTO article_sources VALUES (?,?,?,?)", [(a.id, k, kind, s) for k, kind, s in a.sources])
    db.executemany(
        "INSERT INTO article_districts VALUES (?,?,?)", [(a.id, d, n) for d, n in sorted(a.mentions.items())]
    )
    db.executemany("INSERT INTO article_edges VALUES (?,?,?,?,?)", [(a.id, *e) for e in a.edges])

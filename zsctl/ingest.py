"""`ingest`: parse the listed dumps, deduplicate, and update the corpus in one transaction."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
import stat
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from zsctl.errors import CorpusError, ZsctlError
from zsctl.model import LineKind, Record
from zsctl.parse.dump import parse_dump
from zsctl.parse.rules import default_rules
from zsctl.seeds.dumps import DumpLimits, dump_limits, read_dump, sha256_of
from zsctl.seeds.manifest import Entry, read_manifest
from zsctl.store.corpus import connect_for_ingest, rebuild_hint, write_lock

if TYPE_CHECKING:
    from zsctl.dedup.cluster import Cluster

ID_LENGTH = 12
ID_BATCH = 256  # clusters whose identity texts are normalised together
MAX_WORKERS = 2  # the target machine has 2 cores; more processes only add memory
PARALLEL_THRESHOLD = 16  # below this many dumps, worker start-up costs more than it saves
PARALLEL_GRAMS = 20_000  # articles; below, indexing in one process is as fast
REBUILD_AT = 2_000  # changed articles past which the gram index is rebuilt, not patched
MAX_PATCHES = 32  # patched ingests after which the gram index is rebuilt in one piece
_INDEXED_TEXT = "title || char(10) || body"  # what the gram index covers (zsctl/grams.py)
Districts = dict[str, tuple[str | None, dict[str, int]]]  # record key -> (primary, mentions)
Known = tuple[str, str, str, str | None]  # sha256, site, layout, stat_key
RACY_NS = 2_000_000_000  # a file this recently modified is re-hashed next time regardless
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
    set_aside: Path | None = None  # an older-schema corpus moved aside before rebuilding


@dataclass(slots=True)
class WriteResult:
    """Counts from writing articles, and the kept record of each."""

    articles: int = 0
    written: int = 0
    deleted: int = 0
    kept: set[str] = field(default_factory=set)
    removed: list[int] = field(default_factory=list)  # rowids deleted
    added: list[int] = field(default_factory=list)  # rowids written


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
            [
                self.title,
                self.tag,
                self.date,
                self.district,
                self.source,
                self.paragraphs,
                self.representative,
                self.sources,
                sorted(self.mentions.items()),
                self.edges,
            ],
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
) -> IngestStats:
    """Bring the corpus in line with INDEX.md; all or nothing, never a half-written corpus."""
    started = time.monotonic()
    dump_limits()  # a bad $ZSCTL_MAX_DUMP_* is a usage error now, not a failure per dump
    manifest = read_manifest(seeds, default_rules().site_ids())
    manifest.raise_if_problems()
    stats = IngestStats(dumps=len(manifest.entries))
    # Workers first: forked later, they would inherit the lock file and the database, and a
    # killed ingest's orphaned workers would hold the lock for ever.
    with _worker_pool(len(manifest.entries)) as pool, write_lock(corpus, wait):
        db, stats.set_aside = connect_for_ingest(corpus)
        try:
            _ingest_locked(db, seeds, manifest.entries, threshold, stats, progress, pool)
        except sqlite3.OperationalError as exc:
            raise CorpusError(
                f"writing the corpus failed ({exc}); nothing was changed. Free disk space "
                "or check permissions, then run ingest again",
                path=str(corpus),
            ) from None
        except sqlite3.DatabaseError as exc:
            raise CorpusError(rebuild_hint(corpus, str(exc)), path=str(corpus)) from None
        finally:
            db.close()
    stats.seconds = time.monotonic() - started
    return stats


@dataclass(slots=True)
class DumpOutcome:
    """What reading one listed dump gave: unchanged, parsed records, or why it failed."""

    file: str
    size: int = 0
    digest: str = ""
    unchanged: bool = False
    error: str | None = None
    summary: tuple[str, str, int, int, int, int, int] | None = None  # layout..unparsed
    records: list[Record] = field(default_factory=list)
    districts: list[tuple[str | None, dict[str, int]]] = field(default_factory=list)
    stat: str | None = None  # stat_key() taken before reading, if trusted


def read_one(
    seeds: Path, entry: Entry, known: tuple[str, str, str] | None, limits: DumpLimits
) -> DumpOutcome:
    """Hash a dump and, unless it is unchanged, parse it and place each record's districts."""
    from zsctl.districts import assign

    out = DumpOutcome(entry.file)
    if not (seeds / entry.file).exists():
        out.error = "listed in INDEX.md but missing; kept what was stored"
        return out
    out.stat = stat_key(seeds / entry.file)  # before reading: a later change shows next time
    try:
        data = read_dump(seeds / entry.file, entry.file, limits)
    except ZsctlError as exc:
        out.error = f"{exc.message}; skipped, kept what was stored"
        return out
    out.size, out.digest = len(data), sha256_of(data)
    if known == (out.digest, entry.site, entry.layout):
        out.unchanged = True
        return out
    try:
        result = parse_dump(data, entry.file, entry.site, entry.layout, limits=limits)
    except ZsctlError as exc:
        out.error = f"{exc.message}; skipped, kept what was stored"
        return out
    if not result.records:
        out.error = "no article found (empty or only chrome); skipped, kept what was stored"
        return out
    out.summary = (
        result.layout,
        result.encoding,
        int(result.encoding_fallback),
        len(result.records),
        result.count(LineKind.CHROME),
        result.count(LineKind.BLANK),
        result.count(LineKind.UNPARSED),
    )
    out.records = result.records
    for r in result.records:
        where = assign(r.tag, r.title, r.paragraphs)
        out.districts.append((where.primary, dict(where.mentions)))
    return out


def stat_key(path: Path) -> str | None:
    """Size, mtime, ctime, inode and device of a regular file, if they can vouch it is unchanged.

    As git's index does, all five are compared: `touch -d` or `cp -p` can restore an mtime, but
    not a ctime or an inode. A file changed in the last two seconds is not vouched for: it could
    be written again within the clock's resolution without any of them changing.
    """
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if time.time_ns() - st.st_mtime_ns < RACY_NS:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"


def _unchanged_by_stat(
    seeds: Path, entries: list[Entry], known: dict[str, Known]
) -> tuple[list[DumpOutcome], list[Entry]]:
    """Dumps whose stat_key matches the last ingest's (not re-read), and the rest."""
    same: list[DumpOutcome] = []
    rest: list[Entry] = []
    for e in entries:
        k = known.get(e.file)
        if k is not None and k[1:3] == (e.site, e.layout) and k[3] is not None:
            key = stat_key(seeds / e.file)
            if key is not None and key == k[3]:
                same.append(DumpOutcome(e.file, size=int(key.split(":")[0]), unchanged=True))
                continue
        rest.append(e)
    return same, rest


def _read_all(
    seeds: Path,
    entries: list[Entry],
    known: dict[str, Known],
    pool: Executor | None,
) -> Iterator[DumpOutcome]:
    """Read dumps in order; in the worker pool when there is one (parsing is CPU-bound)."""
    same, entries = _unchanged_by_stat(seeds, entries, known)
    yield from same
    limits = dump_limits()
    args = [(seeds, e, _content_key(known.get(e.file)), limits) for e in entries]
    if pool is None:
        yield from (read_one(*a) for a in args)
    elif args:
        yield from pool.map(read_one, *zip(*args, strict=True), chunksize=8)


@contextmanager
def _worker_pool(dumps: int) -> Iterator[Executor | None]:
    """Worker processes for parsing and indexing, started now, while this process is small.

    Started later, each forked worker would count the ingest's memory (~1 GB at 100,000
    articles) again in its own RSS; spawned ones would re-import the caller's main module.
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or dumps < PARALLEL_THRESHOLD:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        # ProcessPoolExecutor forks on first use; make that now, not after the clustering.
        list(pool.map(abs, range(workers)))
        yield pool


def _worker_init(parent: int) -> None:
    """In a worker: leave Ctrl-C to the parent, and die with it rather than linger as an orphan."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # one message from the parent, no tracebacks
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


def _ingest_locked(
    db: sqlite3.Connection,
    seeds: Path,
    entries: list[Entry],
    threshold: float,
    stats: IngestStats,
    progress: Progress | None,
    pool: Executor | None,
) -> None:
    known: dict[str, Known] = {
        row[0]: row[1:] for row in db.execute("SELECT file, sha256, site, layout, stat FROM dumps")
    }
    by_file = {e.file: e for e in entries}
    gone = sorted(set(known) - set(by_file))
    stats.removed = len(gone)
    # One write transaction from the first parsed dump to the commit; WAL readers keep
    # seeing the previous corpus throughout. Records are written as they arrive, so parsed
    # dumps are not all held in memory at once.
    db.execute("BEGIN IMMEDIATE")
    try:
        _remove_dumps(db, gone)
        fresh: dict[str, str] = {}
        restat = 0
        for outcome in _read_all(seeds, entries, known, pool):
            _account(outcome, stats, progress)
            if outcome.summary is not None:
                fresh.update(_write_dump(db, by_file[outcome.file], outcome))
            elif outcome.unchanged and outcome.stat is not None:
                restat += _restat(db, outcome.file, outcome.stat, known[outcome.file])
        same_threshold = _meta(db, "threshold") == repr(threshold)
        if not fresh and not gone and same_threshold:
            # Nothing changed: the corpus is already what the dumps make. New stats are kept
            # so that the next ingest need not read those dumps again.
            db.execute("COMMIT" if restat else "ROLLBACK")
            _count_existing(db, stats)
            return
        records, districts = _load_records(db, fresh)
        del fresh
        stats.records = len(records)
        done = _write_articles(db, build_articles(records, threshold, districts))
        stats.articles, stats.written, stats.deleted = done.articles, done.written, done.deleted
        stats.duplicates = len(records) - done.articles
        _store_bodies_once(db, records, done.kept)
        del records, districts  # the index build below is the other large allocation
        _update_grams(db, done.removed, done.added, done.articles, pool)
        _set_meta(db, "threshold", repr(threshold))  # another threshold re-clusters next time
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # on a full disk SQLite may already have rolled back
            db.execute("ROLLBACK")
        raise


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _content_key(known: Known | None) -> tuple[str, str, str] | None:
    return None if known is None else known[:3]


def _restat(db: sqlite3.Connection, file: str, key: str, known: Known) -> int:
    """Store a re-hashed, unchanged dump's new stat_key; 1 if it differed."""
    if key == known[3]:
        return 0
    db.execute("UPDATE dumps SET stat = ? WHERE file = ?", (key, file))
    return 1


def _account(outcome: DumpOutcome, stats: IngestStats, progress: Progress | None) -> None:
    stats.bytes += outcome.size
    if outcome.error:
        stats.failed.append((outcome.file, outcome.error))
    elif outcome.unchanged:
        stats.reused += 1
    else:
        stats.parsed += 1
    if progress:
        progress(outcome.file, outcome.size, len(outcome.records))


def _count_existing(db: sqlite3.Connection, stats: IngestStats) -> None:
    stats.records = db.execute("SELECT count(*) FROM records").fetchone()[0]
    stats.articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    stats.duplicates = stats.records - stats.articles


def _remove_dumps(db: sqlite3.Connection, gone: list[str]) -> None:
    for file in gone:
        db.execute("DELETE FROM records WHERE dump = ?", (file,))
        db.execute("DELETE FROM dumps WHERE file = ?", (file,))


def _write_dump(db: sqlite3.Connection, entry: Entry, out: DumpOutcome) -> dict[str, str]:
    """Store a parsed dump's row and records; bodies are returned, stored after clustering."""
    assert out.summary is not None  # only parsed outcomes are written
    db.execute("DELETE FROM records WHERE dump = ?", (entry.file,))
    db.execute(
        "INSERT OR REPLACE INTO dumps VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            entry.file,
            out.digest,
            entry.site,
            entry.layout,
            *out.summary,
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
    db.executemany("INSERT INTO records VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    return {record_key(r): r.body for r in out.records}


class Row(NamedTuple):
    """A stored record as clustering needs it: plain fields, the body as one string."""

    key: str
    title: str
    tag: str | None
    date: str | None
    source: str | None
    body: str
    stored: bool = True  # False when the records row holds no body (kept, or new)


def _load_records(db: sqlite3.Connection, fresh: dict[str, str]) -> tuple[list[Row], Districts]:
    """Every record: new ones' bodies from memory, stored ones' from the record or its article."""
    rows = db.execute(
        "SELECT r.key, r.title, r.tag, r.date, r.source, COALESCE(r.body, a.body),"
        " r.district, r.mentions, r.body IS NOT NULL"
        " FROM records r LEFT JOIN articles a ON r.body IS NULL AND a.representative = r.key"
        " ORDER BY r.key"
    )
    records: list[Row] = []
    districts: Districts = {}
    for key, title, tag, date, source, stored, primary, mentions, has_body in rows:
        body = fresh.get(key)  # a re-parsed dump's text wins over what was stored
        if body is None and stored is not None:
            body = zlib.decompress(stored).decode() if isinstance(stored, bytes) else stored
        if body is None:
            raise CorpusError(f"record {key} lost its body; rebuild the corpus")
        records.append(Row(key, title, tag, date, source, body, bool(has_body)))
        districts[key] = (primary, json.loads(mentions))
    return records, districts


def _store_bodies_once(db: sqlite3.Connection, records: list[Row], kept: set[str]) -> None:
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


def build_articles(
    records: Sequence[Row], threshold: float = 0.8, districts: Districts | None = None
) -> Iterator[Article]:
    """Cluster records into articles, one at a time: fullest body kept, earliest date."""
    from zsctl.dedup.cluster import DedupItem, cluster

    by_key = {r.key: r for r in records}
    items = [DedupItem(r.key, r.title, r.body) for r in records]
    used: set[str] = set()
    clusters = cluster(items, threshold=threshold)
    del items
    for c, identity in zip(clusters, _identities(clusters, by_key), strict=True):
        rep = by_key[c.representative]
        members = [by_key[k] for k in c.members]
        scores = _scores_to_representative(c)
        sources = [
            (k, "kept" if k == c.representative else scores[k][0], scores[k][1]) for k in c.members
        ]
        tag = rep.tag or next((m.tag for m in members if m.tag), None)
        dates = sorted(m.date for m in members if m.date)
        primary, mentions = _districts_of(rep, tag, districts)
        yield Article(
            id=_unique_id(identity, used),
            title=rep.title,
            tag=tag,
            date=dates[0] if dates else None,
            district=primary,
            source=rep.source or next((m.source for m in members if m.source), None),
            paragraphs=rep.body.split("\n") if rep.body else [],
            representative=c.representative,
            sources=sources,
            mentions=mentions,
            edges=[(e.a, e.b, e.kind, round(e.score, 4)) for e in c.edges],
        )


def _districts_of(
    rep: Row, tag: str | None, districts: Districts | None
) -> tuple[str | None, dict[str, int]]:
    """The kept record's districts, computed at parse time; the tag may come from a twin."""
    from zsctl.districts import assign

    if districts is not None and tag == rep.tag:
        return districts[rep.key]
    where = assign(tag, rep.title, rep.body.split("\n"))
    return where.primary, dict(where.mentions)


def _scores_to_representative(c: Cluster) -> dict[str, tuple[str, float]]:
    """Each member's strongest edge kind and score (the representative scores itself 1.0)."""
    best: dict[str, tuple[str, float]] = {}
    for e in c.edges:
        for k in (e.a, e.b):
            if k not in best or e.score > best[k][1]:
                best[k] = (e.kind, round(e.score, 4))
    best[c.representative] = ("kept", 1.0)
    return best


def _identities(clusters: Sequence[Cluster], by_key: dict[str, Row]) -> Iterator[str]:
    """Each cluster's identity text: its kept record's normalised title, NUL, normalised body.

    Normalised ID_BATCH at a time: one normalize_codepoints call per text cost ~12 s of numpy
    call overhead at 100,000 articles. normalize_batch gives the same text (tested).
    """
    from zsctl.dedup.normalize import normalize_batch

    for lo in range(0, len(clusters), ID_BATCH):
        reps = [by_key[c.representative] for c in clusters[lo : lo + ID_BATCH]]
        texts = [r.title for r in reps] + [r.body for r in reps]
        cps, lengths = normalize_batch(texts)
        flat = cps.tobytes().decode("utf-32-le", "surrogatepass")
        ends = itertools.accumulate(lengths.tolist())
        parts = [flat[end - n : end] for end, n in zip(ends, lengths.tolist(), strict=True)]
        half = len(reps)
        yield from (t + "\x00" + b for t, b in zip(parts[:half], parts[half:], strict=True))


def _unique_id(identity: str, used: set[str]) -> str:
    """12 hex digits of the identity's SHA-1, lengthened on a (48-bit) collision."""
    full = hashlib.sha1(identity.encode()).hexdigest()
    length = ID_LENGTH
    while full[:length] in used:  # a 48-bit collision: lengthen deterministically
        length += 2
    used.add(full[:length])
    return full[:length]


def _write_articles(db: sqlite3.Connection, articles: Iterable[Article]) -> WriteResult:
    """Write articles as they come, replacing only those whose content changed."""
    old = {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, n, digest FROM articles")}
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
            removed.append(_delete_article(db, a.id, previous[0]))
            result.deleted += 1
        added.append(_insert_article(db, a))
        result.written += 1
    for aid, (n, _) in sorted(old.items()):
        removed.append(_delete_article(db, aid, n))
        result.deleted += 1
    result.removed, result.added = removed, added
    return result


def _update_grams(
    db: sqlite3.Connection,
    removed: list[int],
    added: list[int],
    total: int,
    pool: Executor | None = None,
) -> None:
    """Bring the gram index in line: append and mask a few articles, or rebuild it."""
    from zsctl.store import grams_build

    indexed = db.execute("SELECT 1 FROM grams LIMIT 1").fetchone() is not None
    # Past a few thousand changed or masked articles, one rebuild from scratch (seconds at
    # 100,000 articles) is cheaper than appending, and it drops the masked rowids.
    # Each patch appends a chunk to the lists it touches; reading a list costs a little more
    # per chunk, so every MAX_PATCHES patches the index is rebuilt in one piece.
    limit = max(REBUILD_AT, total // 10)
    patches = int(_meta(db, "gram_patches") or 0)
    changed = len(removed) + len(added) + grams_build.dead_count(db)
    if not indexed or changed > limit or patches >= MAX_PATCHES:
        rows = db.execute(f"SELECT n, {_INDEXED_TEXT} FROM articles ORDER BY n")
        grams_build.rebuild(db, rows, pool if total >= PARALLEL_GRAMS else None)
        _set_meta(db, "gram_patches", "0")
        return
    if not removed and not added:
        return
    _set_meta(db, "gram_patches", str(patches + 1))
    new: list[tuple[int, str]] = []
    for lo in range(0, len(added), 500):  # under SQLite's limit on parameters
        part = added[lo : lo + 500]
        sql = f"SELECT n, {_INDEXED_TEXT} FROM articles WHERE n IN ({','.join('?' * len(part))})"
        new += db.execute(sql, part).fetchall()
    grams_build.update(db, removed, new)


def _delete_article(db: sqlite3.Connection, article_id: str, n: int) -> int:
    """Delete an article; its rowid, to mask it in the gram index."""
    db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
    return n


def _insert_article(db: sqlite3.Connection, a: Article) -> int:
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
        "INSERT INTO article_sources VALUES (?,?,?,?)",
        [(a.id, k, kind, s) for k, kind, s in a.sources],
    )
    db.executemany(
        "INSERT INTO article_districts VALUES (?,?,?)",
        [(a.id, d, n) for d, n in sorted(a.mentions.items())],
    )
    db.executemany("INSERT INTO article_edges VALUES (?,?,?,?,?)", [(a.id, *e) for e in a.edges])
    assert cur.lastrowid is not None  # an INSERT into a rowid table always sets it
    return cur.lastrowid

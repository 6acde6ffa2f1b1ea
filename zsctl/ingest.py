"""`ingest`: bring the corpus in line with INDEX.md, in one transaction, as numbered stages.

1. manifest   read and validate INDEX.md (zsctl/seeds/manifest.py)
2. read+parse each changed dump, in the worker pool (zsctl/parse/worker.py)
3. records    store each parsed dump's records as it arrives (zsctl/store/writes.py)
4. dedup      cluster every record into articles (zsctl/dedup/)
5. articles   write the articles that changed (zsctl/store/writes.py)
6. index      patch or rebuild grep's gram index (zsctl/store/grams_build.py)
"""

from __future__ import annotations

import ctypes
import json
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from zsctl.dedup import stage
from zsctl.dedup.changes import Changes
from zsctl.errors import CorpusError, Interrupted
from zsctl.model import Record
from zsctl.parse.identity import identity, stale
from zsctl.parse.rules import ChromeRules, rules_for_seeds
from zsctl.parse.worker import DumpOutcome, read_all
from zsctl.pool import worker_pool
from zsctl.seeds.bodies import short_paragraphs
from zsctl.seeds.check import site_problems
from zsctl.seeds.dumps import dump_limits
from zsctl.seeds.manifest import DumpEntry, read_manifest
from zsctl.seeds.problems import Problem
from zsctl.store import log, writes
from zsctl.store.corpus import (
    close_ingest,
    connect_ingest,
    rebuild_hint,
    write_failed,
    write_lock,
)
from zsctl.store.verify import check_before_ingest

# (phase, done, total or None, info): "parse" after each dump, "cluster", "articles" after each
# article, "index"; a phase starts with done 0 and ends with done == total.
Progress = Callable[[str, int, int | None, str], None]


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
    reclustered: int = 0  # records clustered again (all of them on a first ingest)
    changes: Changes = field(default_factory=Changes)
    started: float = field(default_factory=time.monotonic)
    # What `check` would report of each dump parsed, by dump; and why stored dumps were
    # parsed again (rules or parser changed, --reparse).
    problems: dict[str, list[Problem]] = field(default_factory=dict)
    reparsed_why: list[str] = field(default_factory=list)
    committed: bool = False  # the transaction committed (an interrupt after it changed nothing)

    def summary(self) -> dict[str, object]:
        """What the ingest log keeps of it."""
        return {
            "dumps": self.dumps,
            "parsed": self.parsed,
            "unchanged": self.reused,
            "removed_dumps": self.removed,
            "failed": [f for f, _ in self.failed],
            "records": self.records,
            "articles": self.articles,
            "reclustered": self.reclustered,
            "changes": self.changes.as_dict(),
            "problems": sum(p.severity == "error" for ps in self.problems.values() for p in ps),
            "reparsed_why": self.reparsed_why,
        }


@dataclass(frozen=True, slots=True)
class _Plan:
    """How this ingest parses: the rules in force, --strict, --reparse, --accept-changed."""

    rules: ChromeRules
    strict: bool
    reparse: bool
    accept_changed: bool = False  # store dumps whose sha256 is not their INDEX.md row's


def ingest(
    seeds: Path,
    corpus: Path,
    *,
    threshold: float = 0.8,
    wait: bool = False,
    progress: Progress | None = None,
    strict: bool = False,
    reparse: bool = False,
    accept_changed: bool = False,
) -> IngestStats:
    """Bring the corpus in line with INDEX.md; all or nothing, never a half-written corpus.

    A dump whose bytes are not the ones its INDEX.md row lists is skipped, unless
    `accept_changed`. Ctrl-C or SIGTERM (as KeyboardInterrupt) becomes Interrupted.
    """
    dump_limits()  # a bad $ZSCTL_MAX_DUMP_* is a usage error now, not a failure per dump
    # 1. manifest
    manifest = read_manifest(seeds)  # any site id: a new one gets the common rules
    manifest.raise_if_problems()
    plan = _Plan(rules_for_seeds(seeds), strict, reparse, accept_changed)
    stats = IngestStats(dumps=len(manifest.entries))
    try:
        _locked(seeds, corpus, manifest.entries, stats, wait, progress, threshold, plan)
    except KeyboardInterrupt:
        changed = "the corpus was updated" if stats.committed else "the corpus was not changed"
        raise Interrupted(f"interrupted; {changed}") from None
    stats.seconds = time.monotonic() - stats.started
    return stats


def _locked(
    seeds: Path,
    corpus: Path,
    entries: list[DumpEntry],
    stats: IngestStats,
    wait: bool,
    progress: Progress | None,
    threshold: float,
    plan: _Plan,
) -> None:
    """Stages 2-6 under the corpus's write lock, in one transaction."""
    # Workers first: forked later, they would inherit the lock file and the database, and a
    # killed ingest's orphaned workers would hold the lock for ever.
    with worker_pool(len(entries)) as pool, write_lock(corpus, wait) as lock:
        db, stats.set_aside, first = connect_ingest(corpus)
        try:
            check_before_ingest(db, pages=not lock.unchanged_since_verified())
            in_transaction(
                db,
                lambda: _stages(db, seeds, entries, threshold, stats, progress, pool, plan),
                stats,
            )
        except sqlite3.OperationalError as exc:
            raise CorpusError(write_failed(corpus, exc), path=str(corpus)) from None
        except (sqlite3.DatabaseError, zlib.error, json.JSONDecodeError) as exc:
            # A corpus damaged past what check_before_ingest samples: a record's stored body
            # or districts no longer decode.
            raise CorpusError(rebuild_hint(corpus, f"damaged: {exc}"), path=str(corpus)) from None
        finally:
            close_ingest(db, corpus, first, stats.committed)
        lock.seal()  # checked, and changed only by this ingest: the next one need not recheck


def in_transaction(db: sqlite3.Connection, stages: Callable[[], bool], stats: IngestStats) -> None:
    """Stages 2-6 in one write transaction; WAL readers see the previous corpus throughout.

    `stages` returns False when nothing changed, and the transaction is rolled back.
    `stats.committed` says whether it was committed, also when Ctrl-C interrupts: a signal
    that arrives during COMMIT is raised as soon as COMMIT returns, so the transaction is
    gone (committed) though the code after it never ran.
    """
    db.execute("BEGIN IMMEDIATE")
    committing = False
    try:
        if stages():
            committing = True
            db.execute("COMMIT")
            stats.committed = True
        else:
            db.execute("ROLLBACK")
    except BaseException as exc:
        if db.in_transaction:  # on a full disk SQLite may already have rolled back
            db.execute("ROLLBACK")
        elif committing and isinstance(exc, KeyboardInterrupt):
            stats.committed = True
        raise


def _stages(
    db: sqlite3.Connection,
    seeds: Path,
    entries: list[DumpEntry],
    threshold: float,
    stats: IngestStats,
    progress: Progress | None,
    pool: Executor | None,
    plan: _Plan,
) -> bool:
    """Run stages 2-6; False when nothing changed and there is nothing to commit."""
    known = writes.known_dumps(db)
    now = identity(plan.rules, entries)
    old = stale(lambda k: writes.meta(db, k), now, entries, set(known), plan.reparse)
    stats.reparsed_why = old.reasons
    by_file = {e.file: e for e in entries}
    gone = sorted(set(known) - set(by_file))
    stats.removed = len(gone)
    replaced: dict[str, str] = {}  # key -> title of each stored record deleted or re-parsed
    writes.remove_dumps(db, gone, replaced)
    # 2. read+parse and 3. records: written as they arrive, so parsed dumps are not all
    # held in memory at once; bodies wait in `fresh` until clustering has chosen.
    fresh: dict[str, str] = {}
    restat = 0
    current = {f: k for f, k in known.items() if f not in old.files}
    outcomes = read_all(seeds, entries, current, pool, plan.rules, plan.accept_changed)
    for outcome in _checked(outcomes, seeds, entries, plan):
        # The list itself: problems seen across dumps are added to it after the last one.
        stats.problems[os.path.join(seeds, outcome.file)] = outcome.problems  # no Path: 23k
        _account(outcome, stats, progress, len(entries))
        if outcome.summary is not None:
            was = replaced if outcome.file in known else None
            fresh.update(writes.write_dump(db, by_file[outcome.file], outcome, was))
        elif outcome.unchanged and outcome.stat is not None:
            restat += writes.restat(db, outcome.file, outcome.stat, known[outcome.file])
    now["seeds"] = str(seeds.resolve())  # show --raw reads the dumps from there
    for key, value in now.items():
        if writes.meta(db, key) != value:
            writes.set_meta(db, key, value)  # committed with the dumps parsed under them
    if not fresh and not gone and writes.meta(db, "threshold") == repr(threshold):
        # Nothing changed: the corpus is already what the dumps make. New stats are kept
        # so that the next ingest need not read those dumps again.
        stats.records, stats.articles = writes.count_existing(db)
        stats.duplicates = stats.records - stats.articles
        log_ingest(db, stats)
        return True
    # 4. dedup and 5. articles: only the clusters the change touches are recomputed.
    full = writes.meta(db, "threshold") != repr(threshold)
    out = stage.run(db, fresh, threshold, full=full, progress=progress, replaced=replaced)
    del fresh
    done = out.done
    stats.records, stats.articles = out.records, out.articles
    stats.written, stats.deleted = done.written, done.deleted
    stats.duplicates = out.records - out.articles
    stats.reclustered, stats.changes = out.reclustered, out.changes
    # 6. index
    _return_freed_memory()
    if progress:
        progress("index", 0, 1, "")
    writes.update_index(db, done.removed, done.added, out.articles, pool)
    if progress:
        progress("index", 1, 1, "")
    writes.set_meta(db, "threshold", repr(threshold))  # another threshold re-clusters next time
    log_ingest(db, stats)
    return True


def _return_freed_memory() -> None:
    """Hand the heap the dedup stage freed back to the OS before the index is built.

    glibc keeps freed memory mapped for reuse: 0.4 GB at 100,000 articles, which the index
    build's arrays came on top of (the ingest's peak RSS). Elsewhere this does nothing.
    """
    if sys.platform.startswith("linux"):
        with suppress(OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            ctypes.CDLL(None).malloc_trim(0)


def _checked(
    outcomes: Iterator[DumpOutcome], seeds: Path, entries: list[DumpEntry], plan: _Plan
) -> Iterator[DumpOutcome]:
    """Outcomes with the problems seen across dumps added; --strict turns problems into skips.

    Without --strict the outcomes stream through (parsed dumps are not all held in memory:
    only their short paragraphs are kept) and a paragraph repeating across dumps is added to
    the problems after the last one. With it they are held until all are read, so a dump is
    skipped before any of it is written.
    """
    site = {e.file: e.site for e in entries}
    if not plan.strict:
        seen: list[_Parsed] = []
        for outcome in outcomes:
            if outcome.records:
                seen.append((outcome.file, short_paragraphs(outcome.records), outcome.problems))
            yield outcome
        _add_site_problems(seeds, seen, site)
        return
    held = list(outcomes)
    _add_site_problems(seeds, [(o.file, o.records, o.problems) for o in held if o.records], site)
    for outcome in held:
        errors = sum(p.severity == "error" for p in outcome.problems)
        if errors:
            outcome.error = f"{errors} problem(s); skipped (--strict), kept what was stored"
            outcome.summary, outcome.records, outcome.districts = None, [], []
        yield outcome


_Parsed = tuple[str, list[Record], list[Problem]]  # dump file, records, its problem list


def _add_site_problems(seeds: Path, parsed: list[_Parsed], site: dict[str, str]) -> None:
    """Problems `check` sees only across dumps, among the dumps this ingest parsed."""
    problems = {str(seeds / file): found for file, _, found in parsed}
    for p in site_problems([(str(seeds / f), site[f], records) for f, records, _ in parsed]):
        problems[p.file].append(p)


def log_ingest(db: sqlite3.Connection, stats: IngestStats) -> None:
    """Record the ingest in the corpus's log (committed with it)."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    log.record(db, at, time.monotonic() - stats.started, stats.summary())


def _account(
    outcome: DumpOutcome, stats: IngestStats, progress: Progress | None, total: int
) -> None:
    """Count one dump's outcome and report it to the progress callback."""
    stats.bytes += outcome.size
    if outcome.error:
        stats.failed.append((outcome.file, outcome.error))
    elif outcome.unchanged:
        stats.reused += 1
    else:
        stats.parsed += 1
    stats.records += len(outcome.records)
    if progress:
        done = stats.parsed + stats.reused + len(stats.failed)
        info = f"{stats.bytes / 1e6:.1f} MB, {stats.records} new records"
        progress("parse", done, total, info)

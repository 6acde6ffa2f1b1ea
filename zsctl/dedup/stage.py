"""Ingest stage 4-5 (dedup, articles): recompute only the clusters a change touches.

The clusters are a function of the set of records (dedup/cluster.py), and any union of whole
clusters clusters alone exactly as inside the corpus. So when dumps are added, edited or
removed, the stage looks up, by the codes stored per record (store/codes.py), the stored
clusters the changed records can alter (`cluster.affected`), re-clusters their records plus the
new ones, and replaces just those articles. The result is what a full ingest of the final set
gives, byte for byte (tests/test_dedup_shapes.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from zsctl.dedup.articles import build_articles
from zsctl.dedup.changes import Changes, diff
from zsctl.dedup.cluster import (
    Codes,
    DedupItem,
    Signatures,
    affected,
    record_codes,
    signatures,
)
from zsctl.model import Article
from zsctl.store import codes, writes

# Past this share of the corpus, re-clustering everything costs no more than the look-ups.
FULL_SHARE = 0.5

Progress = Callable[[str, int, int | None, str], None]  # as zsctl.ingest.Progress


@dataclass(slots=True)
class DedupOutcome:
    """What the stage did: records re-clustered, articles in the corpus, what was written."""

    reclustered: int
    records: int
    articles: int
    done: writes.WriteResult
    changes: Changes


def run(
    db: sqlite3.Connection,
    fresh: dict[str, str],
    threshold: float,
    *,
    full: bool,
    progress: Progress | None = None,
    replaced: dict[str, str] | None = None,
) -> DedupOutcome:
    """Bring the articles in line with the records after `fresh` (key -> body) were stored;
    `replaced`: the titles the stored records deleted or re-parsed had (key -> title)."""
    report = progress or (lambda phase, done, total, info: None)
    present = writes.count_existing(db)[0]
    report("cluster", 0, None, "")
    redo: set[str] | None = None
    replacing: set[str] | None = None
    columns: set[int] = set()
    if not full:
        plan = _plan(db, fresh, threshold, replaced or {})
        redo, replacing, stale = plan.redo, plan.replacing, plan.stale
        if len(redo) > FULL_SHARE * present:
            redo = replacing = None
    if redo is None:
        codes.clear_codes(db)
        stale = set()
    records, districts = writes.load_records(db, fresh, redo)
    if redo is not None:  # part of the corpus: its title columns are counted in the store
        columns = plan.titles.columns({r.key: r.title for r in records})
    new_codes: dict[str, bytes] = {}
    total: list[int | None] = [None]

    def keep_codes(sig: Signatures, clusters: int) -> None:
        report("cluster", 1, 1, f"{len(records)} records")
        total[0] = clusters
        wanted = sig.keys if redo is None else None
        for key, c in zip(sig.keys, record_codes(sig), strict=True):
            if wanted is not None or key in fresh:
                new_codes[key] = codes.packed(c)

    before = codes.memberships(db, replacing)
    after: dict[str, set[str]] = {}

    def noted(articles: Iterator[Article]) -> Iterator[Article]:
        for n, a in enumerate(articles, start=1):
            after[a.id] = {k for k, _, _ in a.sources}
            if n % 256 == 0 or n == total[0]:
                report("articles", n, total[0], "")
            yield a

    built = build_articles(records, threshold, districts, keep_codes, columns)
    done = writes.write_articles(db, noted(built), replacing)
    codes.replace_codes(db, stale, new_codes)
    writes.store_bodies_once(db, records, done.kept)
    n_records, n_articles = writes.count_existing(db)
    return DedupOutcome(len(records), n_records, n_articles, done, diff(before, after))


@dataclass(frozen=True, slots=True)
class _Plan:
    """Records to re-cluster, stored articles they replace, records whose codes are stale,
    and the title columns (dedup.cluster.TITLE_BUCKET) as the store counts them."""

    redo: set[str]
    replacing: set[str]
    stale: set[str]
    titles: codes.TitleColumns


def _plan(
    db: sqlite3.Connection, fresh: dict[str, str], threshold: float, replaced: dict[str, str]
) -> _Plan:
    """Which stored clusters the change can alter (`cluster.affected`), by stored codes.

    A title bucket that is a column before and after the change links nothing either time,
    so its code is not looked up: one new "一周要闻" item would otherwise re-cluster every
    record under that title (7,481 of 8,426 re-clustered for one 10-record dump at 100,000).
    That holds for the old codes of a removed or re-parsed record too, by its old title
    (`replaced`); one whose old title is not known has its codes followed as they are.
    """
    stale = codes.stale_keys(db, fresh)
    new, _ = writes.load_records(db, fresh, set(fresh))
    items = [DedupItem(r.key, r.title, r.body) for r in new]
    parts = record_codes(signatures(items, threshold)) if items else []
    index = codes.StoredCodes(db)
    titles = codes.TitleColumns(db, index, {r.key: r.title for r in new}, replaced)

    def without_columns(found: Codes, keys: set[str]) -> Codes:
        return found[~np.isin(found, titles.droppable(keys))]

    def stored(keys: set[str]) -> Codes:  # a stale record's by its old title (`replaced`)
        return without_columns(index.codes_of(keys), keys)

    empty = np.zeros(0, np.int64)
    seed: Codes = np.concatenate([empty, *parts])
    touched = affected(
        # The stale records' codes are their old ones: followed with no owner (no headline).
        [(without_columns(seed, set(fresh)), set(fresh)), (stored(stale), set())],
        stale,
        codes.HeadlineMatches(db, index, {r.key: c for r, c in zip(new, parts, strict=True)}),
        stored,
        lambda keys: codes.members_of(db, keys),
    )
    replacing = codes.articles_of(db, touched | stale)
    return _Plan((touched - (stale - set(fresh))) | set(fresh), replacing, stale, titles)

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
) -> DedupOutcome:
    """Bring the articles in line with the records after `fresh` (key -> body) were stored."""
    report = progress or (lambda phase, done, total, info: None)
    present = writes.count_existing(db)[0]
    report("cluster", 0, None, "")
    redo: set[str] | None = None
    replacing: set[str] | None = None
    if not full:
        redo, replacing, stale = _plan(db, fresh, threshold)
        if len(redo) > FULL_SHARE * present:
            redo = replacing = None
    if redo is None:
        codes.clear_codes(db)
        stale = set()
    records, districts = writes.load_records(db, fresh, redo)
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

    built = build_articles(records, threshold, districts, keep_codes)
    done = writes.write_articles(db, noted(built), replacing)
    codes.replace_codes(db, stale, new_codes)
    writes.store_bodies_once(db, records, done.kept)
    n_records, n_articles = writes.count_existing(db)
    return DedupOutcome(len(records), n_records, n_articles, done, diff(before, after))


def _plan(
    db: sqlite3.Connection, fresh: dict[str, str], threshold: float
) -> tuple[set[str], set[str], set[str]]:
    """Records to re-cluster, stored articles they replace, and records whose codes are stale."""
    stale = codes.stale_keys(db, fresh)
    new, _ = writes.load_records(db, fresh, set(fresh))
    items = [DedupItem(r.key, r.title, r.body) for r in new]
    parts = record_codes(signatures(items, threshold)) if items else []
    index = codes.StoredCodes(db)
    seed: Codes = np.concatenate([np.zeros(0, np.int64), *parts, index.codes_of(stale)])
    touched = affected(
        seed,
        stale,
        index.matches,
        index.codes_of,
        lambda keys: codes.members_of(db, keys),
    )
    replacing = codes.articles_of(db, touched | stale)
    return (touched - (stale - set(fresh))) | set(fresh), replacing, stale

"""The stages of a build as functions over rows: the same functions `ingest` runs.

This module is the one seam between the Dask build and the library. Each function takes the rows
one task holds and returns rows; none keeps state between calls, so a task can run anywhere and
run again after a worker dies.

    parse       zsctl.parse.worker.read_one             one listed dump -> records (as ingest)
    signatures  zsctl.dedup.cluster.record_codes         records -> candidate codes per record
                title_counts, columns                    records -> the corpus's title columns
    edges       linked                                   one candidate group -> links
    articles    zsctl.dedup.articles.build_articles      a union of components -> articles
                zsctl.export.schema.record_batch         articles -> the export's Parquet rows

Clustering decides pairwise, so a union of whole clusters clusters alone exactly as in the whole
corpus (the invariant tests/test_dedup_shapes.py holds the dedup stages to). The build only has
to find, with candidate codes and verification, a graph whose components are unions of clusters:
an extra link makes a component larger, never wrong; `build_articles` then runs on each union.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zsctl.dedup.articles import build_articles
from zsctl.dedup.cluster import (
    INDEX,
    PROBE,
    TITLE_BUCKET,
    Codes,
    DedupItem,
    cluster,
    record_codes,
    signatures,
    title_buckets,
)
from zsctl.model import Article, Districts, StoredRecord
from zsctl.parse.rules import ChromeRules
from zsctl.parse.worker import DumpOutcome, read_one
from zsctl.query.articles import Detail, SourceRecord, StoredEdge
from zsctl.seeds.dumps import DumpLimits
from zsctl.seeds.manifest import DumpEntry

__all__ = [
    "INDEX",
    "PROBE",
    "article_details",
    "candidate_codes",
    "columns",
    "dump_row",
    "linked",
    "parse_dump",
    "record_rows",
    "title_counts",
]


# ---------------------------------------------------------------------------------------- parse


def parse_dump(
    seeds: Path, entry: DumpEntry, limits: DumpLimits, rules: ChromeRules
) -> DumpOutcome:
    """One listed dump read, hashed, parsed and placed: exactly what ingest does with it."""
    return read_one(seeds, entry, None, limits, rules)


def record_rows(outcome: DumpOutcome) -> list[dict[str, Any]]:
    """A parsed dump's records as rows of the records dataset (the corpus's records table)."""
    return [
        {
            "key": f"{r.provenance.dump}:{r.provenance.first_line}",
            "dump": r.provenance.dump,
            "first_line": r.provenance.first_line,
            "last_line": r.provenance.last_line,
            "title": r.title,
            "tag": r.tag,
            "date": r.date,
            "source": r.source,
            "layout": r.layout,
            "body": r.body,
            "district": primary,
            "mentions": json.dumps(mentions, ensure_ascii=False),
        }
        for r, (primary, mentions) in zip(outcome.records, outcome.districts, strict=True)
    ]


def dump_row(entry: DumpEntry, outcome: DumpOutcome) -> dict[str, Any]:
    """A parsed dump's row of the dumps dataset (the corpus's dumps table, less its stat)."""
    assert outcome.summary is not None  # only parsed dumps have a row
    s = outcome.summary
    return {
        "file": entry.file,
        "sha256": outcome.digest,
        "site": entry.site,
        "layout": entry.layout,
        "detected_layout": s.layout,
        "encoding": s.encoding,
        "encoding_guessed": s.encoding_guessed,
        "records": s.records,
        "chrome": s.chrome,
        "blank": s.blank,
        "unparsed": s.unparsed,
        "bytes": outcome.size,
    }


# ----------------------------------------------------------------------------------- signatures


def title_counts(titles: Sequence[str]) -> tuple[list[int], list[int]]:
    """Records per title bucket among some raw titles (bucket keys, counts): summed over the
    corpus, the buckets over TITLE_BUCKET are its columns (dedup.cluster.generic_titles)."""
    keys = title_buckets(titles)
    values, counts = np.unique(keys[keys >= 0], return_counts=True)
    return values.tolist(), counts.tolist()


def columns(counts: Sequence[tuple[list[int], list[int]]]) -> list[int]:
    """The title buckets over TITLE_BUCKET records, from every part's `title_counts`."""
    total: dict[int, int] = {}
    for values, n in counts:
        for v, c in zip(values, n, strict=True):
            total[v] = total.get(v, 0) + c
    return sorted(v for v, c in total.items() if c > TITLE_BUCKET)


def candidate_codes(items: Sequence[DedupItem], threshold: float) -> list[Codes]:
    """Each record's candidate codes, packed with their roles (code << 2 | role): two records
    can be linked only if one's PROBE code is the other's INDEX code. A function of each
    record alone, and what the corpus stores per record (store/codes.py)."""
    return record_codes(signatures(items, threshold))


# ---------------------------------------------------------------------------------------- edges


def linked(
    items: Sequence[DedupItem], threshold: float, generic: Sequence[int] = ()
) -> list[tuple[str, str]]:
    """Verify one candidate group: the links (a star per cluster) clustering finds in it,
    knowing the corpus's title columns (`columns`): a group holds only some of a column."""
    out: list[tuple[str, str]] = []
    for c in cluster(items, threshold=threshold, generic=frozenset(generic)):
        out += [(c.members[0], k) for k in c.members[1:]]
    return out


def components(links: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Union-find over links: each linked record's component, named by its smallest key."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            lo, hi = (ra, rb) if ra < rb else (rb, ra)
            parent[hi] = lo
            parent.setdefault(lo, lo)
    return {k: find(k) for k in parent}


# ------------------------------------------------------------------------------------- articles


def article_details(
    rows: Sequence[dict[str, Any]], threshold: float, generic: Sequence[int] = ()
) -> list[Detail]:
    """Articles of records that form a union of whole clusters, as the export reads them
    (`generic`: the corpus's title columns, as for `linked`)."""
    ordered = sorted(rows, key=lambda r: str(r["key"]))
    records = [
        StoredRecord(r["key"], r["title"], r["tag"], r["date"], r["source"], r["body"])
        for r in ordered
    ]
    districts: Districts = {r["key"]: (r["district"], json.loads(r["mentions"])) for r in ordered}
    by_key = {r["key"]: r for r in ordered}
    built = build_articles(records, threshold, districts, generic=frozenset(generic))
    return [detail_of(a, by_key) for a in built]


def detail_of(a: Article, by_key: dict[str, dict[str, Any]]) -> Detail:
    """One article as the corpus would give it to `zsctl export` (zsctl/query/articles.py)."""
    body = "\n".join(a.paragraphs)
    sources = [_source(by_key[k], k, str(kind), score) for k, kind, score in a.sources]
    sources.sort(key=lambda s: (s.kind != "kept", s.dump, s.first_line, s.key))
    return Detail(
        id=a.id,
        title=a.title,
        tag=a.tag,
        date=a.date,
        district=a.district,
        source_label=a.source,
        body_utf8=body.encode(),
        length=len(body),
        mentions=tuple(sorted(a.mentions.items(), key=lambda m: (-m[1], m[0]))),
        sources=tuple(sources),
        edges=tuple(StoredEdge(x, y, str(kind), s) for x, y, kind, s in a.edges),
    )


def _source(row: dict[str, Any], key: str, kind: str, score: float) -> SourceRecord:
    return SourceRecord(
        key, row["dump"], row["first_line"], row["last_line"], row["date"], row["title"],
        row["tag"], kind, score,
    )  # fmt: skip


def stable_bucket(values: Sequence[str], buckets: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """A bucket for each string, the same in every process (Python's hash() is salted)."""
    import zlib

    return np.array([zlib.crc32(v.encode()) % buckets for v in values], dtype=np.int64)

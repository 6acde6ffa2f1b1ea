"""Clusters to articles: the kept record, the earliest date, the districts, a stable id."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import TYPE_CHECKING

from zsctl.model import Article, Districts, DupKind, StoredRecord

if TYPE_CHECKING:
    from zsctl.dedup.cluster import Cluster, Signatures

ID_LENGTH = 12
ID_BATCH = 256  # clusters whose identity texts are normalised together


def build_articles(
    records: Sequence[StoredRecord],
    threshold: float = 0.8,
    districts: Districts | None = None,
    signed: Callable[[Signatures, int], None] | None = None,
    generic: Collection[int] = frozenset(),
) -> Iterator[Article]:
    """Cluster records into articles, one at a time: fullest body kept, earliest date.

    `signed` receives the records' signatures (what the corpus stores per record) and the
    number of clusters, before the first article. `generic`: as `cluster_signed`'s.
    """
    from zsctl.dedup.cluster import DedupItem, cluster_signed

    by_key = {r.key: r for r in records}
    items = [DedupItem(r.key, r.title, r.body) for r in records]
    used: set[str] = set()
    clusters, sig = cluster_signed(items, threshold=threshold, generic=generic)
    del items
    if signed is not None and sig is not None:
        signed(sig, len(clusters))
    del sig  # ~100 MB of band keys and windows at 100,000 records, not needed from here
    for c, identity in zip(clusters, _identities(clusters, by_key), strict=True):
        rep = by_key[c.representative]
        members = [by_key[k] for k in c.members]
        scores = _scores_to_representative(c)
        sources = [
            (k, DupKind.KEPT if k == c.representative else scores[k][0], scores[k][1])
            for k in c.members
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
    rep: StoredRecord, tag: str | None, districts: Districts | None
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
    best[c.representative] = (DupKind.KEPT, 1.0)
    return best


def _identities(clusters: Sequence[Cluster], by_key: dict[str, StoredRecord]) -> Iterator[str]:
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
    """12 hex digits of the identity's SHA-1, spelt in consonants (zsctl.ids: no reader takes
    one for a number), lengthened on a (48-bit) collision."""
    from zsctl.ids import from_hex

    full = from_hex(hashlib.sha1(identity.encode()).hexdigest())
    length = ID_LENGTH
    while full[:length] in used:  # a 48-bit collision: lengthen deterministically
        length += 2
    used.add(full[:length])
    return full[:length]

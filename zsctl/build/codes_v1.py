"""Candidate codes for the clustering main has before issue 11's pairwise stages land.

Delete this module when `zsctl.dedup.cluster.record_codes` exists (stages.candidate_codes then
never imports it). Codes: the exact digest, every LSH band key of both signature families, and
for containment every text's anchor-space shingles (INDEX) against each snippet's smallest
anchors (PROBE). More candidates than the clustering itself looks at: verification drops them.
"""

from __future__ import annotations

from collections.abc import Sequence

from zsctl.arrays import unique_sorted
from zsctl.dedup import cluster as c
from zsctl.dedup.normalize import is_truncated, normalize_batch

_BATCH = 256
_ANCHORS = 32
_KIND = 1 << 40  # code spaces: 0 digest, 1.. band (family, index), 300 anchors


def candidate_codes(items: Sequence[c.DedupItem], threshold: float) -> list[list[tuple[int, int]]]:
    """Each record's (code, role) pairs; see the module docstring."""
    both = 3
    rows = c._lsh_rows(threshold)
    out: list[list[tuple[int, int]]] = []
    for base in range(0, len(items), _BATCH):
        batch = items[base : base + _BATCH]
        cps, lens = normalize_batch([it.text for it in batch])
        digests = c._digests(cps, lens, [it.title for it in batch])
        sh = c._shingle_batch(cps, lens)
        sample = c._sample(sh)
        sampled = c._oph(sample.hashes, sample.slot, len(batch), c._SAMPLED_VALUE_BITS)[0]
        full = c._oph(sh.hashes, sh.slot, len(batch), c._FULL_VALUE_BITS)[0]
        families = (c._band_keys(sampled, rows), c._band_keys(full, rows))
        for k, it in enumerate(batch):
            codes: set[tuple[int, int]] = set()
            d = digests[k]
            if d is not None:
                codes.add((int.from_bytes(d[:5], "little"), both))
            if sh.counts[k] > 0:
                for f, keys in enumerate(families):
                    codes.update(
                        (((1 + f * 64 + b) * _KIND) | v, both)
                        for b, v in enumerate(keys[k].tolist())
                    )
                shingles = unique_sorted(sh.of(k))
                space = shingles[shingles < c._ANCHOR_SPACE].tolist()
                codes.update(((300 * _KIND) | v, 1) for v in space)
                if len(it.text) <= c.SHORT_TEXT or is_truncated(it.text):
                    codes.update(((300 * _KIND) | v, both) for v in space[:_ANCHORS])
            out.append(sorted(_merge_roles(codes)))
    return out


def _merge_roles(codes: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """One entry per code, its roles or-ed together."""
    roles: dict[int, int] = {}
    for code, role in codes:
        roles[code] = roles.get(code, 0) | role
    return set(roles.items())

"""What one Dask task of a build does: read its input parts, run a stage, write its output part.

Every task is a plain function of picklable arguments that writes its own part atomically and
returns a small summary, so the scheduler may run it on any worker and run it again after that
worker died (a retry overwrites the same part).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zsctl.build import stages
from zsctl.build.datasets import Folder
from zsctl.build.schemas import CODES, COMPONENTS, DUMPS, LINKS, RECORDS
from zsctl.dedup.cluster import DedupItem
from zsctl.errors import ZsctlError
from zsctl.parse.rules import ChromeRules
from zsctl.seeds.dumps import DumpLimits, refuse_size
from zsctl.seeds.manifest import DumpEntry


def part_name(n: int) -> str:
    return f"part-{n:05d}.parquet"


# --------------------------------------------------------------------------------- 1. records


def parse_batch(
    seeds: str,
    entries: list[DumpEntry],
    out: Folder,
    part: int,
    limits: DumpLimits,
    rules: ChromeRules,
) -> dict[str, Any]:
    """Parse a batch of listed dumps into one records part and one dumps part."""
    records: list[dict[str, Any]] = []
    dumps: list[dict[str, Any]] = []
    failed: list[tuple[str, str]] = []
    size = 0
    with _local_seeds(seeds, entries, limits) as (folder, refused):
        for entry in entries:
            if entry.file in refused:
                failed.append((entry.file, refused[entry.file]))
                continue
            outcome = stages.parse_dump(folder, entry, limits, rules)
            size += outcome.size
            if outcome.error:
                failed.append((entry.file, outcome.error))
                continue
            records += stages.record_rows(outcome)
            dumps.append(stages.dump_row(entry, outcome))
    out.write(f"records/{part_name(part)}", pa.Table.from_pylist(records, schema=RECORDS))
    out.write(f"dumps/{part_name(part)}", pa.Table.from_pylist(dumps, schema=DUMPS))
    return {"records": len(records), "bytes": size, "failed": failed}


@contextmanager
def _local_seeds(
    seeds: str, entries: list[DumpEntry], limits: DumpLimits
) -> Iterator[tuple[Path, dict[str, str]]]:
    """The seeds folder as a local path (itself, or the batch's dumps fetched from a URL), and
    the dumps refused before fetching, with why.

    A dump at a URL is checked against the size limit before it is fetched; read_one then
    applies every rule it applies to a local dump (regular file, limits, parse).
    """
    import fsspec

    fs, root = fsspec.core.url_to_fs(seeds)
    if "file" in fs.protocol:
        yield Path(root), {}
        return
    refused: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="zsctl-build-") as tmp:
        for e in entries:
            src = f"{root.rstrip('/')}/{e.file}"
            if not fs.exists(src):
                continue  # read_one reports it missing, as for a local dump
            try:
                refuse_size(fs.size(src), limits, e.file)
            except ZsctlError as exc:
                refused[e.file] = f"{exc.message}; skipped, kept what was stored"
                continue
            fs.get(src, str(Path(tmp) / e.file))
        yield Path(tmp), refused


# ------------------------------------------------------------------------------ 2. signatures


def signature_part(
    out: Folder, part: int, buckets: int, threshold: float
) -> tuple[int, tuple[list[int], list[int]]]:
    """Candidate codes of one records part, split into `buckets` shuffle files by code; the
    number of codes and the part's records per title bucket (`stages.title_counts`)."""
    table = out.read(f"records/{part_name(part)}", columns=["key", "title", "body"])
    items = [
        DedupItem(k, t, b)
        for k, t, b in zip(
            *(table.column(n).to_pylist() for n in ("key", "title", "body")), strict=True
        )
    ]
    del table
    titles = stages.title_counts([it.title for it in items])
    codes = stages.candidate_codes(items, threshold)
    sizes = [len(c) for c in codes]
    packed = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(items)), sizes)
    keys = np.array([it.key for it in items], dtype=object)
    bucket = (packed >> 2) % buckets
    for b in range(buckets):
        sel = bucket == b
        out.write(
            f"signatures/bucket-{b:04d}/{part_name(part)}",
            pa.table(
                {
                    "packed": packed[sel],
                    "key": keys[owner[sel]].tolist(),
                    "part": np.full(int(sel.sum()), part, dtype=np.int32),
                },
                schema=CODES,
            ),
        )
    return len(packed), titles


# ----------------------------------------------------------------------------------- 3. edges


def edge_bucket(out: Folder, bucket: int, threshold: float, columns: list[int]) -> int:
    """Candidate groups of one shuffle bucket (records sharing a code), verified: links."""
    table = out.read(f"signatures/bucket-{bucket:04d}")
    groups = _groups(table)
    del table
    wanted: dict[int, set[str]] = {}
    for members in groups:
        for key, part in members:
            wanted.setdefault(part, set()).add(key)
    texts = _texts(out, wanted)
    links: set[tuple[str, str]] = set()
    # Overlapping groups are verified together: one clustering call per connected union of
    # groups costs far less than one per group, and a union of candidates links no less.
    for union in _unions(groups):
        links.update(stages.linked([DedupItem(k, *texts[k]) for k in union], threshold, columns))
    rows = sorted(links)
    out.write(
        f"edges/part-{bucket:04d}.parquet",
        pa.table({"a": [a for a, _ in rows], "b": [b for _, b in rows]}, schema=LINKS),
    )
    return len(rows)


def _groups(table: pa.Table) -> list[tuple[tuple[str, int], ...]]:
    """The distinct member sets of codes that some PROBE member shares with an INDEX one."""
    table = table.sort_by([("packed", "ascending"), ("key", "ascending")])
    packed = table.column("packed").to_numpy()
    code, role = packed >> 2, packed & 3
    keys = table.column("key").to_pylist()
    parts = table.column("part").to_pylist()
    starts = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1])))
    ends = np.append(starts[1:], len(code))
    seen: set[tuple[tuple[str, int], ...]] = set()
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        if hi - lo < 2:
            continue
        r = role[lo:hi]
        probes, indexed = (r & stages.PROBE) > 0, (r & stages.INDEX) > 0
        # A pair needs one member's PROBE and another's INDEX (every member has a role, so
        # with two or more members one of each is enough).
        if not probes.any() or not indexed.any():
            continue
        seen.add(tuple(sorted(set(zip(keys[lo:hi], parts[lo:hi], strict=True)))))
    return sorted(seen)


def _unions(groups: list[tuple[tuple[str, int], ...]]) -> list[list[str]]:
    """The keys of each connected union of overlapping candidate groups, sorted."""
    comp = stages.components([(members[0][0], key) for members in groups for key, _ in members[1:]])
    unions: dict[str, list[str]] = {}
    for key, root in comp.items():
        unions.setdefault(root, []).append(key)
    return sorted(sorted(u) for u in unions.values())


def _texts(out: Folder, wanted: dict[int, set[str]]) -> dict[str, tuple[str, str]]:
    """Title and body of the records wanted, read from their parts (only those rows)."""
    texts: dict[str, tuple[str, str]] = {}
    for part, keys in sorted(wanted.items()):
        t = out.read(f"records/{part_name(part)}", columns=["key", "title", "body"])
        t = t.filter(pc.is_in(t.column("key"), value_set=pa.array(sorted(keys))))
        for k, title, body in zip(
            *(t.column(n).to_pylist() for n in ("key", "title", "body")), strict=True
        ):
            texts[k] = (title, body)
    return texts


# ------------------------------------------------------------------------------ 4. components


def components(out: Folder) -> int:
    """Union-find over every link, on one worker: each linked record's component."""
    links = out.read("edges", columns=["a", "b"])
    pairs = list(zip(links.column("a").to_pylist(), links.column("b").to_pylist(), strict=True))
    del links
    comp = stages.components(pairs)
    keys = sorted(comp)
    out.write(
        "components/part-00000.parquet",
        pa.table({"key": keys, "component": [comp[k] for k in keys]}, schema=COMPONENTS),
    )
    return len({comp[k] for k in keys})


# -------------------------------------------------------------------------------- 5. articles


def article_shuffle(out: Folder, part: int, buckets: int) -> int:
    """Send one records part's rows to the article bucket of their component."""
    table = out.read(f"records/{part_name(part)}")
    comps = out.read(
        "components/part-00000.parquet",
        filters=pc.is_in(pc.field("key"), value_set=table.column("key")),
    )
    comp = dict(
        zip(comps.column("key").to_pylist(), comps.column("component").to_pylist(), strict=True)
    )
    keys = table.column("key").to_pylist()
    bucket = stages.stable_bucket([comp.get(k, k) for k in keys], buckets)
    for b in range(buckets):
        out.write(
            f"shuffle/bucket-{b:04d}/{part_name(part)}",
            table.filter(pa.array(bucket == b)),
        )
    return len(keys)


def article_bucket(out: Folder, bucket: int, threshold: float, columns: list[int]) -> int:
    """The articles of one bucket (whole components, so whole clusters), in the Parquet form
    `zsctl export --format parquet` writes, sorted by id."""
    from zsctl.export.schema import arrow_schema, record_batch

    rows = out.read(f"shuffle/bucket-{bucket:04d}").to_pylist()
    details = stages.article_details(rows, threshold, columns)
    del rows
    details.sort(key=lambda d: d.id)
    schema = arrow_schema()
    out.write(
        f"articles/part-{bucket:04d}.parquet",
        pa.Table.from_batches([record_batch(details, schema)], schema=schema),
    )
    return len(details)


def clashing_id(out: Folder) -> str | None:
    """An id two articles share, or None (in Arrow's buffers: ~16 bytes an article)."""
    ids = out.read("articles", columns=["id"])
    if pc.count_distinct(ids.column("id")).as_py() == ids.num_rows:
        return None
    counts = ids.group_by("id").aggregate([("id", "count")])
    clash: str = counts.filter(pc.greater(counts.column("id_count"), 1)).column("id")[0].as_py()
    return clash

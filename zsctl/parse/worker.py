"""Stages 1 and 2 for one listed dump, in a worker process: read, hash, parse, place districts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from zsctl.errors import ZsctlError
from zsctl.model import DumpSummary, LineKind, Record
from zsctl.parse.dump import parse_dump
from zsctl.parse.rules import ChromeRules
from zsctl.seeds.check import dump_problems
from zsctl.seeds.dumps import (
    DumpLimits,
    dump_limits,
    listed_mismatch,
    read_dump_stat,
    sha256_of,
)
from zsctl.seeds.manifest import DumpEntry
from zsctl.seeds.problems import Problem
from zsctl.seeds.statcache import stat_key, stat_key_of

Known = tuple[
    str, str, str, str | None
]  # what the corpus knows of a dump: sha256, site, layout, stat


@dataclass(slots=True)
class DumpOutcome:
    """What reading one listed dump gave: unchanged, parsed records, or why it failed."""

    file: str
    size: int = 0
    digest: str = ""
    unchanged: bool = False
    error: str | None = None
    summary: DumpSummary | None = None
    records: list[Record] = field(default_factory=list)
    districts: list[tuple[str | None, dict[str, int]]] = field(default_factory=list)
    stat: str | None = None  # stat_key() taken before reading, if trusted
    problems: list[Problem] = field(default_factory=list)  # what `check` says of this dump


def read_one(
    seeds: Path,
    entry: DumpEntry,
    known: tuple[str, str, str] | None,
    limits: DumpLimits,
    rules: ChromeRules,
    accept_changed: bool = False,
) -> DumpOutcome:
    """Hash a dump and, unless it is unchanged, parse it and place each record's districts.

    Its bytes must hash to the sha256 its INDEX.md row lists (unless `accept_changed`): what is
    stored is what the manifest vouches for, not whatever file sits under the name.
    """
    from zsctl.districts import assign

    out = DumpOutcome(entry.file)
    if not os.path.lexists(seeds / entry.file):
        out.error = "listed in INDEX.md but missing; kept what was stored"
        return out
    try:
        got = read_dump_stat(seeds / entry.file, entry.file, limits)
    except ZsctlError as exc:
        out.error = f"{exc.message}; skipped, kept what was stored"
        return out
    data = got.data
    out.stat = stat_key_of(got.info)  # taken before reading: a later change shows next time
    out.size, out.digest = len(data), sha256_of(data)
    mismatch = listed_mismatch(out.digest, entry.sha256, entry.line)
    if mismatch and not accept_changed:
        out.error = f"{mismatch} (or ingest with --accept-changed); skipped, kept what was stored"
        return out
    if known == (out.digest, entry.site, entry.layout):
        out.unchanged = True
        return out
    try:
        result = parse_dump(data, entry.file, entry.site, entry.layout, rules, limits=limits)
    except ZsctlError as exc:
        out.error = f"{exc.message}; skipped, kept what was stored"
        return out
    out.problems = dump_problems(str(seeds / entry.file), entry, out.digest, result, rules)
    if accept_changed:  # asked for: a changed dump is stored, so its new sha256 is no problem
        out.problems = [p for p in out.problems if p.code != "sha256-mismatch"]
    if not result.records:
        out.error = "no article found (empty or only chrome); skipped, kept what was stored"
        return out
    out.summary = DumpSummary(
        result.layout,
        result.encoding,
        result.encoding_fallback,
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


def _unchanged_by_stat(
    seeds: Path, entries: list[DumpEntry], known: dict[str, Known], accept_changed: bool
) -> tuple[list[DumpOutcome], list[DumpEntry]]:
    """Dumps whose stat_key matches the last ingest's (not re-read), and the rest.

    Only a dump stored with the sha256 its row lists now is vouched for by its stat: after the
    row changed, the dump is read and checked again.
    """
    same: list[DumpOutcome] = []
    rest: list[DumpEntry] = []
    folder = str(seeds)  # os.path, not Path: 23,000 dumps at 100k articles
    for e in entries:
        k = known.get(e.file)
        listed = accept_changed or (k is not None and k[0] == e.sha256)
        if k is not None and listed and k[1:3] == (e.site, e.layout) and k[3] is not None:
            key = stat_key(os.path.join(folder, e.file))
            if key is not None and key == k[3]:
                same.append(DumpOutcome(e.file, size=int(key.split(":")[0]), unchanged=True))
                continue
        rest.append(e)
    return same, rest


def read_all(
    seeds: Path,
    entries: list[DumpEntry],
    known: dict[str, Known],
    pool: Executor | None,
    rules: ChromeRules,
    accept_changed: bool = False,
) -> Iterator[DumpOutcome]:
    """Read dumps in order; in the worker pool when there is one (parsing is CPU-bound)."""
    same, entries = _unchanged_by_stat(seeds, entries, known, accept_changed)
    yield from same
    limits = dump_limits()
    key = _content_key
    args = [(seeds, e, key(known.get(e.file)), limits, rules, accept_changed) for e in entries]
    if pool is None:
        yield from (read_one(*a) for a in args)
    elif args:
        yield from pool.map(read_one, *zip(*args, strict=True), chunksize=8)


def _content_key(known: Known | None) -> tuple[str, str, str] | None:
    return None if known is None else known[:3]

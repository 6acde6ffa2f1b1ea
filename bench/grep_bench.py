"""grep against ripgrep on two corpus shapes (issue 17).

    python -m bench.grep_bench [--articles 100000] [--seed 1] [--runs 5] [--shapes bench,wide]

For each shape (`bench`: bench/generate.py's corpus; `wide`: bench/shapes_grep.py's fewer,
larger dumps with common long terms) the corpus is generated if not cached, ingested once
into bench/out/grep-<shape>-<N>-s<seed>.db (reused while the dumps are unchanged: zsctl's
ingest finds nothing to do) and every row is timed as in bench/run.py: medians of --runs
whole-process runs, zsctl alternating with its reference, after one untimed warm-up of each
(so the page cache is warm for both).

* `grep TERM -c` rows are measured against `rg -F -c TERM DIR` over the raw dumps. Their bound
  is 1.0x rg, or RARE_BOUND x rg for a term in fewer than RARE_SHARE of the articles (the share
  is zsctl's own count over the articles in the corpus, so it is measured, not assumed).
* `grep TERM -l` and `grep TERM -n PAGE` (the first page of hits) rows are measured against
  the same term's `-c` run, bound LIST_BOUND.

bench/run.py calls `shape_rows` for `make bench`; this command line runs the grep rows alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from bench import generate, shapes_grep
from bench.run import (
    OUT,
    CommandFailed,
    Row,
    _short,
    compile_zsctl,
    find_zsctl,
    interleaved,
    ratio_row,
    render_table,
    run,
)

COUNT_BOUND = 1.0  # every `grep -c` row: at most ripgrep's time
RARE_SHARE, RARE_BOUND = 0.05, 0.6  # terms in < 5% of the articles: at most 0.6x ripgrep
LIST_BOUND = 1.5  # `-l` and the first page of hits: within 1.5x of the same term's count
PAGE = 20  # "the first page of hits": what a terminal shows


class Query(NamedTuple):
    """One `-c` row, and whether to time `-l` and the first page for the same term."""

    term: str
    filters: tuple[str, ...] = ()
    listing: bool = False


# Terms per shape: the table, plus -l / first-page rows for a common and a rare term.
QUERIES = {
    "bench": (
        Query("招商"),
        Query("生物医药", listing=True),
        Query("生物医药", ("--district", "西青")),
        Query("生物医药", ("--since", "2025-07")),
        Query("西青区"),
        Query("港", ("--district", "滨海新区")),
    ),
    "wide": (
        Query("港"),
        Query(shapes_grep.RARE_TERM, listing=True),
        Query("招商", ("--district", "武清")),
        Query("西青区"),
        Query("西青区", ("--district", "西青")),
        Query(shapes_grep.COMMON_TERM, listing=True),
    ),
}


def corpus_dir(shape: str, n: int, seed: int) -> Path:
    """Where a shape's dumps are cached (the bench shape shares bench/run.py's)."""
    return OUT / (f"corpus-{n}-s{seed}" if shape == "bench" else f"{shape}-{n}-s{seed}")


def ensure_corpus(shape: str, n: int, seed: int, log: bool = True) -> Path:
    """Generate the shape's dumps unless they are cached; their directory."""
    out = corpus_dir(shape, n, seed)
    cached = shapes_grep.is_wide(out, n, seed) if shape == "wide" else _is_bench(out, n, seed)
    if not cached:
        if log:
            _log(f"generating the {shape} shape, {n} records, into {out}")
        if shape == "wide":
            shapes_grep.generate_wide(n, seed, out)
        else:
            generate.generate(n, seed, out, log=False)
    return out


def _is_bench(out: Path, n: int, seed: int) -> bool:
    return generate.is_generated(out, n, seed) and not shapes_grep.is_wide(out, n, seed)


def ensure_db(zsctl: str, dumps: Path, db: Path, timeout: float) -> float:
    """Ingest the dumps into `db` (a no-op when it is up to date); the seconds it took."""
    t, _ = run([zsctl, "ingest", "--seeds", str(dumps), "--corpus", str(db)], timeout)
    return t


def articles_in(db: Path) -> int:
    """Articles in the corpus, read directly (the denominator of a term's share)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return int(con.execute("SELECT count(*) FROM articles").fetchone()[0])


def shape_rows(
    shape: str, dumps: Path, db: Path, zsctl: str, runs: int, timeout: float
) -> list[Row]:
    """Every grep row of one shape, errors as rows."""
    if not shutil.which("rg"):
        return [Row(f"{shape}: grep", "≤ 1× rg", error="ripgrep (rg) is not installed")]
    total = articles_in(db)
    rows: list[Row] = []
    for q in QUERIES[shape]:
        try:
            rows.extend(_query_rows(shape, q, dumps, db, zsctl, runs, timeout, total))
        except (CommandFailed, OSError, ValueError) as e:
            rows.append(Row(f"{shape}: grep {q.term}", "≤ 1× rg", error=_short(e)))
    return rows


def _query_rows(
    shape: str,
    q: Query,
    dumps: Path,
    db: Path,
    zsctl: str,
    runs: int,
    timeout: float,
    total: int,
) -> list[Row]:
    """The -c row of a query, then its -l and first-page rows if asked for."""
    base = [zsctl, "grep", q.term, *q.filters, "--corpus", str(db)]
    rg = ["rg", "-F", "-c", q.term, str(dumps)]
    z, r, last = interleaved([*base, "-c"], rg, runs, timeout, b_ok=(0, 1))
    found = int(last.stdout.strip() or 0)
    share = found / total if total else 0.0
    bound = RARE_BOUND if share < RARE_SHARE else COUNT_BOUND
    label = f"{shape}: grep {' '.join((q.term, *q.filters))} -c ({share:.1%})"
    count = ratio_row(label, z, r, bound, "rg")
    count.raw.update(count=found, articles=total, share=share)
    rows = [count]
    if q.listing:
        for flag, args in (("-l", ["-l"]), (f"-n {PAGE}", ["-n", str(PAGE)])):
            zl, zc, _ = interleaved([*base, *args], [*base, "-c"], runs, timeout)
            rows.append(ratio_row(f"{shape}: grep {q.term} {flag}", zl, zc, LIST_BOUND, "-c"))
    return rows


def _log(msg: str) -> None:
    print(f"[grep bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate, ingest and time the grep rows of the chosen shapes."""
    ap = argparse.ArgumentParser(prog="python -m bench.grep_bench", description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000, help="records per shape")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per row (default 5)")
    ap.add_argument("--shapes", default="bench,wide", help="comma-separated: bench, wide")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per command")
    ap.add_argument("--zsctl", help="zsctl executable (default: next to this python)")
    args = ap.parse_args(argv)
    if not shutil.which("rg"):
        print("grep bench: ripgrep (rg) is needed as the reference; install it", file=sys.stderr)
        return 2
    zsctl = find_zsctl(args.zsctl)
    if zsctl is None:
        print("grep bench: zsctl not found; pip install -e . first", file=sys.stderr)
        return 2
    compile_zsctl()
    rows: list[Row] = []
    _log(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for shape in args.shapes.split(","):
        dumps = ensure_corpus(shape, args.articles, args.seed)
        db = OUT / f"grep-{shape}-{args.articles}-s{args.seed}.db"
        _log(f"{shape}: ingest into {db.name} took {ensure_db(zsctl, dumps, db, 900):.1f}s")
        rows.extend(shape_rows(shape, dumps, db, zsctl, args.runs, args.timeout))
    print(render_table(rows))
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`zsctl build` on local:2 beside `zsctl ingest`: wall time, per-stage time, peak RSS per worker.

    python -m bench.build [--articles 100000] [--seed 1] [--workers 2]

Generates (or reuses) the bench corpus, times one `zsctl ingest` as a whole process (peak RSS
of its process tree), then one build on a LocalCluster of --workers processes started here, so
each worker's own peak RSS (ru_maxrss) can be read before the cluster closes. Per-stage seconds
come from the build's progress callback. Checks that the built articles are the ingested ones.
Raw numbers go to bench/results/build-<N>.json; docs/PERFORMANCE.md quotes them by hand.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.run import OUT, RESULTS, find_zsctl, remove_db, run_monitored


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_build(seeds: Path, out: Path, workers: int) -> dict[str, Any]:
    """One build on a fresh LocalCluster: seconds, per stage seconds, each worker's peak RSS."""
    from distributed import Client, LocalCluster

    from zsctl.build.pipeline import build

    shutil.rmtree(out, ignore_errors=True)
    stages: dict[str, list[float]] = {}
    t0 = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - t0
        span = stages.setdefault(stage, [now, now])
        span[1] = now

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        started = time.perf_counter() - t0
        stats = build(str(seeds), str(out), cluster.scheduler_address, progress=progress)
        seconds = time.perf_counter() - t0 - started
        peaks = client.run(_peak_rss)
    return {
        "seconds": seconds,
        "cluster_start": started,
        "stages": {k: round(b - a, 2) for k, (a, b) in stages.items()},
        "worker_peak_rss": sorted(peaks.values()),
        "records": stats.records,
        "articles": stats.articles,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    from bench import generate

    corpus = OUT / f"corpus-{args.articles}-s{args.seed}"
    if not generate.is_generated(corpus, args.articles, args.seed):
        generate.generate(args.articles, args.seed, corpus, log=False)
    zsctl = find_zsctl(None)
    if zsctl is None:
        print("zsctl not found; run make bench from the repo", file=sys.stderr)
        return 2
    db = OUT / "build-ingest.db"
    remove_db(db)
    ingest = run_monitored([zsctl, "ingest", "--seeds", str(corpus), "--corpus", str(db)], 7200)
    built = measure_build(corpus, OUT / f"build-{args.articles}", args.workers)
    result = {
        "articles": args.articles,
        "workers": args.workers,
        "ingest": {k: ingest[k] for k in ("seconds", "peak_rss")},
        "build": built,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"build-{args.articles}.json").write_text(json.dumps(result, indent=1) + "\n")
    gib = 1024**3
    print(f"ingest: {ingest['seconds']:.1f} s, peak RSS {ingest['peak_rss'] / gib:.2f} GiB")
    print(
        f"build local:{args.workers}: {built['seconds']:.1f} s (+{built['cluster_start']:.1f} s "
        f"cluster start), worker peak RSS "
        + ", ".join(f"{p / gib:.2f}" for p in built["worker_peak_rss"])
        + " GiB"
    )
    print("stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in built["stages"].items()))
    remove_db(db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`zsctl build`: the ingest stages as Dask tasks, each stage a Parquet dataset under DIR/.

    1. records     a map over the manifest, a batch of dumps per task   (tasks.parse_batch)
    2. signatures  a map over records parts; codes shuffled by value    (tasks.signature_part)
    3. edges       a map over shuffle buckets: candidate groups verified (tasks.edge_bucket)
    4. components  union-find over every link, on one worker             (tasks.components)
    5. articles    records shuffled by component, then a map over buckets (tasks.article_*)

A stage that completed is not run again: a run that failed resumes from the last complete stage,
provided the seeds, INDEX.md and the threshold are what they were (else the folder starts over).
"""

from __future__ import annotations

import hashlib
import math
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsctl.build import stages, tasks
from zsctl.build.datasets import Folder
from zsctl.errors import UsageError, ZsctlError
from zsctl.parse.identity import identity
from zsctl.parse.rules import SITES_DIR, ChromeRules, rules_for_seeds
from zsctl.seeds.dumps import DumpLimits, dump_limits
from zsctl.seeds.manifest import MANIFEST_NAME, DumpEntry, read_manifest

STAGES = ("records", "signatures", "edges", "components", "articles")
FORMAT = 2  # of the build folder; a folder of another format is rebuilt (2: title columns)
# A records task parses this many bytes of dumps (fewer when that leaves a worker idle): its
# part is then read whole by one signatures task, and every part writes one file per bucket,
# so fewer, larger parts keep the shuffle's file count (parts x buckets) in hand at 10M records.
BYTES_PER_TASK = 32 * 1024 * 1024
TASKS_PER_WORKER = 4  # records tasks per worker at least, while a task has a dump of its own
RECORDS_PER_BUCKET = 50_000  # a shuffle bucket's articles task holds about this many records
RETRIES = 3  # a task whose worker died is run again this many times, then the build fails

Progress = Callable[[str, int, int], None]  # (stage, tasks done, tasks in the stage)


class BuildError(ZsctlError):
    """A build could not finish; what completed is kept, and a re-run resumes from it."""


@dataclass(slots=True)
class BuildStats:
    """What a build did, for the summary line and for tests."""

    dumps: int = 0
    records: int = 0
    articles: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes: int = 0
    resumed: list[str] = field(default_factory=list)  # stages found complete and skipped
    dashboard: str | None = None
    seconds: float = 0.0


def build(
    seeds: str,
    out: str,
    scheduler: str = "local",
    *,
    threshold: float = 0.8,
    progress: Progress | None = None,
    on_client: Callable[[str | None], None] | None = None,
) -> BuildStats:
    """Run (or resume) every stage of a build of the dumps `seeds` lists into `out`."""
    started = time.monotonic()
    job = _job(seeds, threshold)
    folder = Folder(out)
    params = {
        "format": FORMAT,
        "seeds": seeds,
        "manifest": job.manifest_sha,
        "threshold": threshold,
        "parse": identity(job.rules, job.entries),  # parser version, each site's rules
    }
    _start(folder, params)
    stats = BuildStats(dumps=len(job.entries))
    with _client(scheduler) as client:
        stats.dashboard = getattr(client, "dashboard_link", None)
        if on_client:
            on_client(stats.dashboard)
        run = _Runner(client, progress)
        for stage in STAGES:
            info = folder.done(stage)
            if info is None:
                folder.clear(stage)
                info = _STAGES[stage](run, folder, job)
                folder.mark(stage, info)
            else:
                stats.resumed.append(stage)
            _account(stage, info, stats)
    stats.seconds = time.monotonic() - started
    return stats


def _account(stage: str, info: dict[str, Any], stats: BuildStats) -> None:
    if stage == "records":
        stats.records, stats.bytes = info["records"], info["bytes"]
        stats.failed = [(f, why) for f, why in info["failed"]]
    elif stage == "articles":
        stats.articles = info["articles"]


@dataclass(frozen=True, slots=True)
class Job:
    """What every stage of one build needs: the listed dumps and how to parse and cluster."""

    seeds: str
    entries: list[DumpEntry]
    manifest_sha: str
    rules: ChromeRules
    limits: DumpLimits
    threshold: float


def _job(seeds: str, threshold: float) -> Job:
    """INDEX.md's entries and the chrome rules, read and validated exactly as ingest does."""
    import fsspec

    limits = dump_limits()  # a bad $ZSCTL_MAX_DUMP_* is a usage error now, not per dump
    fs, root = fsspec.core.url_to_fs(seeds)
    if "file" in fs.protocol:
        return _job_in(Path(root), seeds, limits, threshold)
    # A URL: INDEX.md and the site rules are read into an empty folder first; INDEX.md's names
    # are plain file names, so no dump can be read from outside the seeds folder.
    with tempfile.TemporaryDirectory(prefix="zsctl-manifest-") as tmp:
        base = root.rstrip("/")
        wanted = [MANIFEST_NAME]
        if fs.isdir(f"{base}/{SITES_DIR}"):
            wanted += [f"{SITES_DIR}/{Path(p).name}" for p in fs.ls(f"{base}/{SITES_DIR}", False)]
        for rel in wanted:
            if fs.isfile(f"{base}/{rel}"):
                (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / rel).write_bytes(fs.cat_file(f"{base}/{rel}"))
        return _job_in(Path(tmp), seeds, limits, threshold)


def _job_in(folder: Path, seeds: str, limits: DumpLimits, threshold: float) -> Job:
    manifest = read_manifest(folder)  # any site id: a new one gets the common rules
    manifest.raise_if_problems()
    rules = rules_for_seeds(folder)
    sha = hashlib.sha256((folder / MANIFEST_NAME).read_bytes()).hexdigest()
    return Job(seeds, manifest.entries, sha, rules, limits, threshold)


def _start(folder: Folder, params: dict[str, Any]) -> None:
    """Keep the folder's complete stages if it was built from the same input, else clear it."""
    if folder.read_json("build.json") != params:
        for stage in (*STAGES, "dumps", "shuffle"):
            folder.clear(stage)
        folder.write_json("build.json", params)


@contextmanager
def _client(scheduler: str) -> Iterator[Any]:
    """A Dask client: on a LocalCluster of N worker processes for local[:N], else connected."""
    import os

    from distributed import Client, LocalCluster

    if scheduler == "local" or scheduler.startswith("local:"):
        count = scheduler.partition(":")[2]
        if count and not (count.isdigit() and int(count) > 0):
            raise UsageError(f"--scheduler local:N needs a whole number N above 0, got {count!r}")
        workers = int(count) if count else max(1, os.cpu_count() or 1)
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise BuildError(
            f"cannot reach the Dask scheduler at {scheduler!r} ({exc}); start one with "
            "`dask scheduler` (README: 'Running on a cluster') or use --scheduler local"
        ) from None
    with client:
        yield client


class _Runner:
    """Submits a stage's tasks, follows them for the progress bar, and names what failed."""

    def __init__(self, client: Any, progress: Progress | None) -> None:
        self.client = client
        self.progress = progress
        # Task keys name this run: two builds on one scheduler must never share a result.
        self.token = uuid.uuid4().hex[:12]

    def map(
        self, stage: str, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]
    ) -> list[Any]:
        """Run fn(*args) for each call as tasks; their results in call order."""
        from distributed import as_completed

        futures = [
            self.client.submit(
                fn, *args, retries=RETRIES, pure=False, key=f"{stage}-{self.token}-{i}"
            )
            for i, args in enumerate(calls)
        ]
        done = 0
        if self.progress:
            self.progress(stage, 0, len(futures))
        try:
            for _ in as_completed(futures):
                done += 1
                if self.progress:
                    self.progress(stage, done, len(futures))
            return [f.result() for f in futures]
        except ZsctlError:
            raise
        except Exception as exc:  # a task's own error, or KilledWorker after the retries
            raise BuildError(
                f"stage {stage} failed: {type(exc).__name__}: {exc}; the stages before it are "
                "kept, run the same command again to resume from them"
            ) from None
        finally:
            for f in futures:
                f.release()


StageFn = Callable[["_Runner", Folder, Job], dict[str, Any]]


def _records(run: _Runner, folder: Folder, job: Job) -> dict[str, Any]:
    folder.clear("dumps")
    batches = _batches(job.entries, _sizes(job.seeds), _workers(run) * TASKS_PER_WORKER)
    calls = [(job.seeds, b, folder, n, job.limits, job.rules) for n, b in enumerate(batches)]
    results = run.map("records", tasks.parse_batch, calls)
    records = sum(r["records"] for r in results)
    return {
        "parts": len(batches),
        "records": records,
        "bytes": sum(r["bytes"] for r in results),
        "failed": [f for r in results for f in r["failed"]],
        "buckets": max(2 * _workers(run), math.ceil(records / RECORDS_PER_BUCKET)),
    }


def _workers(run: _Runner) -> int:
    return max(1, len(run.client.scheduler_info().get("workers", {})))


def _sizes(seeds: str) -> dict[str, int]:
    """Bytes of each file in the seeds folder, from one listing (0 for what is not there)."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(seeds)
    try:
        listing = fs.ls(root, detail=True)
    except OSError:
        return {}
    return {str(f["name"]).rsplit("/", 1)[-1]: int(f.get("size") or 0) for f in listing}


def _batches(entries: list[DumpEntry], sizes: dict[str, int], least: int) -> list[list[DumpEntry]]:
    """Consecutive runs of listed dumps of about BYTES_PER_TASK each, and at least `least`
    runs when there are that many dumps (so every worker has work)."""
    total = sum(sizes.get(e.file, 1) for e in entries)
    target = max(1, min(BYTES_PER_TASK, total // max(1, least)))
    batches: list[list[DumpEntry]] = [[]]
    held = 0
    for e in entries:
        if batches[-1] and held >= target:
            batches.append([])
            held = 0
        batches[-1].append(e)
        held += sizes.get(e.file, 1)
    return [b for b in batches if b]


def _signatures(run: _Runner, folder: Folder, job: Job) -> dict[str, Any]:
    rec = _require(folder, "records")
    calls = [(folder, p, rec["buckets"], job.threshold) for p in range(rec["parts"])]
    done = run.map("signatures", tasks.signature_part, calls)
    return {
        "codes": sum(n for n, _ in done),
        "buckets": rec["buckets"],
        # Title buckets over TITLE_BUCKET records in the whole corpus: a task sees only part.
        "columns": stages.columns([counts for _, counts in done]),
    }


def _edges(run: _Runner, folder: Folder, job: Job) -> dict[str, Any]:
    sig = _require(folder, "signatures")
    calls = [(folder, b, job.threshold, sig["columns"]) for b in range(sig["buckets"])]
    links = run.map("edges", tasks.edge_bucket, calls)
    return {"links": sum(links)}


def _components(run: _Runner, folder: Folder, job: Job) -> dict[str, Any]:
    (count,) = run.map("components", tasks.components, [(folder,)])
    return {"components": count}


def _articles(run: _Runner, folder: Folder, job: Job) -> dict[str, Any]:
    rec = _require(folder, "records")
    folder.clear("shuffle")
    buckets = rec["buckets"]
    run.map("shuffle", tasks.article_shuffle, [(folder, p, buckets) for p in range(rec["parts"])])
    columns = _require(folder, "signatures")["columns"]
    calls = [(folder, b, job.threshold, columns) for b in range(buckets)]
    counts = run.map("articles", tasks.article_bucket, calls)
    folder.clear("shuffle")
    (clash,) = run.map("ids", tasks.clashing_id, [(folder,)])
    if clash is not None:
        # ingest lengthens the later of two clashing ids; buckets cannot see each other's
        raise BuildError(f"two articles were given the id {clash} (a 48-bit collision); report it")
    return {"articles": sum(counts), "parts": buckets}


def _require(folder: Folder, stage: str) -> dict[str, Any]:
    info = folder.done(stage)
    if info is None:  # only if the folder was changed under a running build
        raise BuildError(f"stage {stage} is not complete in {folder.url}; run the build again")
    return info


_STAGES: dict[str, StageFn] = {
    "records": _records,
    "signatures": _signatures,
    "edges": _edges,
    "components": _components,
    "articles": _articles,
}

"""Measure zsctl against its performance targets on a generated corpus ("Fast at 100,000").

    python -m bench.run [--articles 100000] [--seed 1] [--runs 5] [--write] [--check]
    python -m bench.run --self-test

Generates the corpus if it is not cached (bench/out/corpus-<N>-s<seed>/), times one full
``zsctl ingest`` into bench/out/corpus.db (with peak RSS), then measures every figure as the
median of --runs whole-process runs (subprocess, wall clock), each run of zsctl alternating
with a run of its reference command, after one untimed warm-up of each. Prints one table;
``--write`` also writes docs/PERFORMANCE.md; raw numbers always go to bench/results/*.json.
See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
RESULTS = REPO / "bench" / "results"
PERFORMANCE_MD = REPO / "docs" / "PERFORMANCE.md"
DB = OUT / "corpus.db"

FAST_COMMAND_S = 0.15
INGEST_S, INGEST_RSS = 60.0, 1.5e9
INCREMENTAL_S = 2.0
EXPORT_MBPS = 150.0
PRECISION, RECALL = 0.995, 0.99
SIZE_RATIO = 1.5


# ----------------------------------------------------------------------------- adapters
# The two places that depend on the shape of zsctl's JSON output. Fix them here once the
# real output exists.
def clusters_from_dupes_json(text: str) -> list[list[str]]:
    """`zsctl dupes --json` -> clusters of record keys "dump_file:first_line".

    Assumed shape: a JSON array of clusters, each {"members": [{"dump": ..., "first_line": ...},
    ...], ...}. Also accepted: {"clusters": [...]}, a cluster given as a bare list of members,
    and a member given as a "dump:line" string.
    """
    data = _json_or_lines(text)
    if isinstance(data, dict):
        data = data.get("clusters", data.get("groups", []))
    clusters = []
    for cluster in data:
        members = cluster.get("members", []) if isinstance(cluster, dict) else cluster
        keys = []
        for m in members:
            if isinstance(m, str):
                dump, _, line = m.rpartition(":")
            else:
                prov = m.get("provenance", m)
                dump, line = prov["dump"], prov["first_line"]
            keys.append(f"{Path(str(dump)).name}:{int(line)}")
        clusters.append(keys)
    return clusters


def align_keys(
    predicted: list[list[str]], truth: Sequence[Sequence[str]]
) -> tuple[list[list[str]], int]:
    """Map keys of single-record dumps (article pages) onto the truth's key for that dump.

    truth.json keys an article page at line 1; a parser may instead report the line where
    the title or body starts. Returns (clusters with aligned keys, number of keys changed).
    """
    known = {k for c in truth for k in c}
    per_dump: dict[str, list[str]] = {}
    for k in known:
        per_dump.setdefault(k.rpartition(":")[0], []).append(k)
    changed = 0
    out = []
    for cluster in predicted:
        keys = []
        for k in cluster:
            if k not in known:
                candidates = per_dump.get(k.rpartition(":")[0], [])
                if len(candidates) == 1:
                    k = candidates[0]
                    changed += 1
            keys.append(k)
        out.append(keys)
    return out, changed


def _json_or_lines(text: str) -> Any:
    """One JSON document, or JSON Lines (as zsctl writes lists) as the list of its objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(data, dict) and ("id" in data or "members" in data):
        return [data]  # JSON Lines of one object: a list of one
    return data


def first_id_from_list_json(text: str) -> str:
    """`zsctl list --json --limit 1` -> the first article's id.

    Accepts a JSON array of objects with "id", an object wrapping such an array under
    "articles"/"items"/"results", or JSON Lines.
    """
    data = _json_or_lines(text)
    if isinstance(data, dict):
        for key in ("articles", "items", "results", "rows"):
            if key in data:
                data = data[key]
                break
    first = data[0]
    if isinstance(first, dict):
        for key in ("id", "article_id", "short_id"):
            if key in first:
                return str(first[key])
        raise ValueError(f"no id field in {sorted(first)}")
    return str(first)


# ----------------------------------------------------------------------------- pure parts
def median(xs: Sequence[float]) -> float:
    if not xs:
        raise ValueError("median of no samples")
    return float(statistics.median(xs))


def pair_count(n: int) -> int:
    return n * (n - 1) // 2


def truth_pairs(clusters: Iterable[Sequence[str]]) -> int:
    """Number of unordered record pairs that are in the same cluster."""
    return sum(pair_count(len(set(c))) for c in clusters)


def pairwise_scores(
    predicted: Sequence[Sequence[str]], truth: Sequence[Sequence[str]]
) -> dict[str, float]:
    """Pairwise precision/recall of a clustering, without listing the pairs.

    A key missing from ``truth`` is a singleton there (so pairing it costs precision); a key
    in several predicted clusters counts in the first only.
    """
    truth_of: dict[str, int] = {}
    for ci, c in enumerate(truth):
        for k in c:
            truth_of[k] = ci
    seen: set[str] = set()
    cells: Counter[tuple[int, int | str]] = Counter()
    pred_sizes: list[int] = []
    for pi, c in enumerate(predicted):
        keys = [k for k in dict.fromkeys(c) if k not in seen]
        seen.update(keys)
        pred_sizes.append(len(keys))
        for k in keys:
            cells[(pi, truth_of.get(k, "missing:" + k))] += 1
    tp = sum(pair_count(n) for n in cells.values())
    pp = sum(pair_count(n) for n in pred_sizes)
    tpairs = truth_pairs(truth)
    return {
        "precision": tp / pp if pp else 1.0,
        "recall": tp / tpairs if tpairs else 1.0,
        "true_pairs": tp,
        "predicted_pairs": pp,
        "truth_pairs": tpairs,
    }


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_bytes(b: float | None) -> str:
    if b is None:
        return "—"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if b >= size:
            return f"{b / size:.2f} {unit}"
    return f"{b:.0f} B"


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    target: str
    zsctl: str = "—"
    reference: str = "—"
    ratio: str = "—"
    met: bool | None = None
    error: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def met_text(self) -> str:
        if self.error:
            return "skipped" if self.error.startswith("skipped") else "error"
        return {True: "yes", False: "**no**", None: "—"}[self.met]


HEADERS = ("figure", "zsctl", "target", "reference", "ratio", "met?")


def render_table(rows: Sequence[Row]) -> str:
    """A Markdown pipe table, columns padded for reading in a terminal too."""
    cells = [list(HEADERS)] + [
        [
            r.figure,
            r.zsctl if not r.error else f"error: {r.error}",
            r.target,
            r.reference,
            r.ratio,
            r.met_text,
        ]
        for r in rows
    ]
    cells = [[c.replace("|", "\\|").replace("\n", " ") for c in row] for row in cells]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(HEADERS))]

    def line(row: list[str]) -> str:
        return (
            "| "
            + " | ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True))
            + " |"
        )

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def _width(s: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in s)


def ratio_row(figure: str, z: list[float], ref: list[float], bound: float, ref_name: str) -> Row:
    mz, mr = median(z), median(ref)
    ratio = mz / mr if mr > 0 else float("inf")
    return Row(
        figure,
        f"≤ {bound:g}× {ref_name}",
        fmt_seconds(mz),
        f"{ref_name} {fmt_seconds(mr)}",
        f"{ratio:.2f}×",
        ratio <= bound,
        raw={
            "zsctl_s": z,
            "reference_s": ref,
            "median_zsctl_s": mz,
            "median_reference_s": mr,
            "ratio": ratio,
        },
    )


# ----------------------------------------------------------------------------- processes
class CommandFailed(RuntimeError):
    """A command exited non-zero or timed out; str() has the command and its stderr tail."""

    def __init__(self, message: str, short: str) -> None:
        super().__init__(message)
        self.short = short


def _short(e: Exception) -> str:
    """One line for the table."""
    if isinstance(e, CommandFailed):
        return e.short
    return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:120]


def _failure(code: int, argv: Sequence[str], out: str, err: str) -> CommandFailed:
    tail = (err or out).strip().splitlines()[-8:]
    last = tail[-1].strip() if tail else ""
    return CommandFailed(
        f"exit {code}: {' '.join(argv)}\n    " + "\n    ".join(tail), f"exit {code}: {last}"[:120]
    )


def run(
    argv: Sequence[str], timeout: float, ok_codes: Iterable[int] = (0,)
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a whole process to completion; returns (wall seconds, completed process)."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, errors="replace"
        )
    except subprocess.TimeoutExpired as e:
        msg = f"timed out after {timeout:.0f}s: {' '.join(argv)}"
        raise CommandFailed(msg, f"timed out after {timeout:.0f}s") from e
    elapsed = time.perf_counter() - t0
    if proc.returncode not in tuple(ok_codes):
        raise _failure(proc.returncode, argv, proc.stdout, proc.stderr)
    return elapsed, proc


def interleaved(
    a: Sequence[str],
    b: Sequence[str] | None,
    runs: int,
    timeout: float,
    before: Callable[[], None] | None = None,
    b_ok: Iterable[int] = (0,),
) -> tuple[list[float], list[float], subprocess.CompletedProcess[str]]:
    """One untimed warm-up of each, then ``runs`` alternating timed runs a, b, a, b, ..."""
    b_ok = tuple(b_ok)
    if before:
        before()
    _, last = run(a, timeout)
    if b:
        run(b, timeout, b_ok)
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(runs):
        if before:
            before()
        t, last = run(a, timeout)
        ta.append(t)
        if b:
            tb.append(run(b, timeout, b_ok)[0])
    return ta, tb, last


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total


def run_monitored(argv: Sequence[str], timeout: float) -> dict[str, Any]:
    """Run once; wall time and peak RSS (max of wait4's ru_maxrss and sampled process-tree RSS)."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(list(argv), stdout=fo, stderr=fe, start_new_session=True)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_rss(p.pid))

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, 9)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.perf_counter() - t0
        timer.cancel()
        done.set()
        sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read().decode(errors="replace"), fe.read().decode(errors="replace")
    if elapsed >= timeout:
        msg = f"timed out after {timeout:.0f}s: {' '.join(argv)}"
        raise CommandFailed(msg, f"timed out after {timeout:.0f}s")
    if p.returncode != 0:
        raise _failure(p.returncode, argv, out, err)
    maxrss = usage.ru_maxrss * 1024
    return {
        "seconds": elapsed,
        "peak_rss": max(maxrss, peak[0]),
        "ru_maxrss": maxrss,
        "tree_rss_sampled": peak[0],
        "stdout": out[-2000:],
        "stderr": err[-2000:],
    }


def db_size(db: Path) -> int:
    """Bytes on disk of the corpus: the db file and any sidecar starting with its name."""
    total = 0
    for p in db.parent.glob(db.name + "*"):
        if p.is_file():
            total += p.stat().st_size
        elif p.is_dir():
            total += sum(q.stat().st_size for q in p.rglob("*") if q.is_file())
    return total


def remove_db(db: Path) -> None:
    for p in db.parent.glob(db.name + "*"):
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


def copy_db(src: Path, dst: Path) -> None:
    remove_db(dst)
    for p in src.parent.glob(src.name + "*"):
        target = dst.parent / (dst.name + p.name[len(src.name) :])
        if p.is_dir():
            shutil.copytree(p, target)
        else:
            shutil.copyfile(p, target)


def link_tree(src: Path, dst: Path) -> None:
    """A copy of a corpus dir: dumps hard-linked (falls back to copies), INDEX.md copied."""
    dst.mkdir(parents=True)
    for p in src.iterdir():
        if p.name == "INDEX.md" or not p.is_file():
            if p.is_file():
                shutil.copyfile(p, dst / p.name)
            continue
        try:
            os.link(p, dst / p.name)
        except OSError:
            shutil.copyfile(p, dst / p.name)


# ----------------------------------------------------------------------------- environment
def machine_info() -> dict[str, str]:
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": str(os.cpu_count()),
        "cpu": platform.processor() or platform.machine(),
        "ram": "?",
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "rg": "?",
        "load": "?",
    }
    if hasattr(os, "getloadavg"):
        info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    info["ram"] = fmt_bytes(int(line.split()[1]) * 1024)
                    break
    except OSError:
        pass
    if hasattr(os, "sched_getaffinity"):
        info["nproc"] = str(len(os.sched_getaffinity(0)))
    rg = shutil.which("rg")
    if rg:
        info["rg"] = subprocess.run([rg, "--version"], capture_output=True, text=True).stdout.split(
            "\n"
        )[0]
    return info


def find_zsctl(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "zsctl"
    if beside.exists():
        return str(beside)
    return shutil.which("zsctl")


def compile_zsctl() -> None:
    """Byte-compile zsctl's modules once, as installing it does.

    With PYTHONDONTWRITEBYTECODE set (as on the benchmark machine) an editable install never
    writes its .pyc files, and every timed run would compile its modules again (~30 ms for
    grep): time no installed zsctl spends.
    """
    import compileall

    compileall.compile_dir(REPO / "zsctl", quiet=1)


def check_zsctl(zsctl: str | None) -> str | None:
    """None when zsctl looks usable, else a message saying what to do."""
    how = "Install it into the venv: .venv/bin/pip install -e '.[dev]'"
    if not zsctl:
        return f"zsctl is not installed (no zsctl next to {sys.executable} or on PATH). {how}"
    try:
        proc = subprocess.run([zsctl, "--help"], capture_output=True, text=True, timeout=60)
    except OSError as e:
        return f"cannot run {zsctl}: {e}. {how}"
    missing = [
        c for c in ("ingest", "grep", "list", "show", "export", "dupes") if c not in proc.stdout
    ]
    if proc.returncode != 0 or "ingest" in missing:
        return (
            f"{zsctl} --help exited {proc.returncode} without listing an 'ingest' command;"
            f" the CLI is not built yet. {how}"
        )
    if missing:
        print(
            f"warning: zsctl --help does not list {', '.join(missing)};"
            " those figures will show errors",
            file=sys.stderr,
        )
    return None


# ----------------------------------------------------------------------------- the bench
class Bench:
    def __init__(self, args: argparse.Namespace, zsctl: str, shape: str | None = None) -> None:
        self.args = args
        self.zsctl = zsctl
        self.shape = shape
        self.runs: int = args.runs
        self.timeout: float = args.timeout
        suffix = f"-{shape}" if shape else ""
        self.corpus = OUT / f"corpus-{args.articles}-s{args.seed}{suffix}"
        self.db = OUT / f"corpus{suffix}.db" if shape else DB
        self.rows: list[Row] = []
        self.extra: dict[str, Any] = {}
        self.deadline = time.perf_counter() + args.budget

    def z(self, sub: str, *args: str, db: Path | None = None) -> list[str]:
        """A zsctl command line; every command gets ``--corpus DB``."""
        return [self.zsctl, sub, *args, "--corpus", str(db or self.db)]

    def log(self, msg: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    def figure(self, name: str, target: str, fn: Callable[[], Row | list[Row]]) -> None:
        if time.perf_counter() > self.deadline:
            self.log(f"{name}: skipped, --budget of {self.args.budget:.0f}s used up")
            self.rows.append(
                Row(name, target, error=f"skipped: --budget {self.args.budget:.0f}s used up")
            )
            return
        self.log(name)
        try:
            out = fn()
            self.rows.extend(out if isinstance(out, list) else [out])
        except (CommandFailed, ValueError, KeyError, TypeError, OSError, IndexError) as e:
            self.log(f"  failed: {e}")
            self.rows.append(Row(name, target, error=_short(e), raw={"error": str(e)}))

    def ensure_corpus(self) -> None:
        from bench import generate

        args = self.args
        if generate.is_generated(self.corpus, args.articles, args.seed, self.shape):
            self.log(f"corpus cached: {self.corpus.relative_to(REPO)}")
        else:
            self.log(f"generating {args.articles} articles into {self.corpus.relative_to(REPO)}")
            summary = generate.generate(
                args.articles, args.seed, self.corpus, log=False, shape=self.shape
            )
            self.log(f"  generated in {summary['seconds']}s")
        meta = json.loads((self.corpus / generate.MARKER).read_text(encoding="utf-8"))
        _, rows = generate.read_index(self.corpus / "INDEX.md")
        self.raw_bytes = sum((self.corpus / r["file"]).stat().st_size for r in rows)
        self.extra["corpus"] = {
            k: meta[k] for k in ("articles", "seed", "records", "stories", "dumps", "bytes")
        }

    # -- figures ------------------------------------------------------------------------
    def ingest(self) -> list[Row]:
        remove_db(self.db)
        m = run_monitored(self.z("ingest", "--seeds", str(self.corpus)), self.args.ingest_timeout)
        self.extra["ingest"] = m
        ref = "—"
        ratio = "—"
        if self.args.ingest_ref:
            self.log("  reference: SQLite FTS5 trigram load of the bodies")
            ref_db = OUT / "fts-ref.db"
            t, proc = run(
                [sys.executable, "-m", "bench.refs", "fts", str(self.corpus), str(ref_db)],
                self.args.ingest_timeout,
            )
            self.extra["ingest_reference"] = {"seconds": t, **json.loads(proc.stdout)}
            remove_db(ref_db)
            ref, ratio = f"FTS5 trigram {fmt_seconds(t)}", f"{m['seconds'] / t:.2f}×"
        return [
            Row(
                "ingest, full",
                f"≤ {INGEST_S:g} s",
                fmt_seconds(m["seconds"]),
                ref,
                ratio,
                m["seconds"] <= INGEST_S,
                raw=m,
            ),
            Row(
                "ingest, peak RSS",
                f"≤ {fmt_bytes(INGEST_RSS)}",
                fmt_bytes(m["peak_rss"]),
                met=m["peak_rss"] <= INGEST_RSS,
                raw={k: m[k] for k in ("peak_rss", "ru_maxrss", "tree_rss_sampled")},
            ),
        ]

    def grep_rows(self, shape: str) -> list[Row]:
        """Issue 17's grep rows on one corpus shape (bench/grep_bench.py)."""
        from bench import grep_bench

        dumps, db = self.corpus, self.db
        if shape != "bench":
            dumps = grep_bench.ensure_corpus(shape, self.args.articles, self.args.seed)
            db = OUT / f"grep-{shape}-{self.args.articles}-s{self.args.seed}.db"
            took = grep_bench.ensure_db(self.zsctl, dumps, db, self.args.ingest_timeout)
            meta = json.loads((dumps / ".generated.json").read_text(encoding="utf-8"))
            self.extra[shape] = {"ingest_s": took, "articles": grep_bench.articles_in(db)}
            self.extra[shape] |= {k: meta[k] for k in ("records", "stories", "dumps", "bytes")}
        return grep_bench.shape_rows(shape, dumps, db, self.zsctl, self.runs, self.timeout)

    def fast(self, label: str, zargv: list[str]) -> Row:
        bare = [sys.executable, str(REPO / "bench" / "bare_typer.py"), "--help"]
        z, r, last = interleaved(zargv, bare, self.runs, self.timeout)
        mz, mr = median(z), median(r)
        return Row(
            label,
            f"≤ {FAST_COMMAND_S:g} s",
            fmt_seconds(mz),
            f"bare Typer --help {fmt_seconds(mr)}",
            f"{mz / mr:.2f}×",
            mz <= FAST_COMMAND_S,
            raw={
                "zsctl_s": z,
                "reference_s": r,
                "median_zsctl_s": mz,
                "median_reference_s": mr,
                "stdout_bytes": len(last.stdout),
            },
        )

    def show(self) -> Row:
        _, proc = run(self.z("list", "--json", "--limit", "1"), self.timeout)
        article_id = first_id_from_list_json(proc.stdout)
        self.extra["show_id"] = article_id
        row = self.fast("show ID", self.z("show", article_id))
        row.raw["id"] = article_id
        return row

    def incremental(self) -> Row:
        from bench import generate

        work = OUT / "incremental"
        shutil.rmtree(work, ignore_errors=True)
        try:
            seeds = work / "seeds"
            link_tree(self.corpus, seeds)
            # Making hard links changes the dumps' ctime, and zsctl (as git) then re-hashes
            # them once. An untimed ingest of the linked tree brings a copy of the corpus up to
            # date first, so the timed runs measure adding one dump, not that re-hash.
            base = work / "base.db"
            copy_db(self.db, base)
            run(self.z("ingest", "--seeds", str(seeds), db=base), self.args.ingest_timeout)
            base_index = (seeds / "INDEX.md").read_bytes()
            name, _ = generate.add_extra_dump(seeds, self.args.seed)
            plus_one = (seeds / "INDEX.md").read_bytes()
            # Reference: the same dump alone, ingested into an empty corpus.
            alone = work / "alone"
            alone.mkdir()
            shutil.copyfile(seeds / name, alone / name)
            preamble, _ = generate.read_index(self.corpus / "INDEX.md")
            index_row = (seeds / "INDEX.md").read_text(encoding="utf-8").splitlines()[-1]
            (alone / "INDEX.md").write_text(
                "\n".join(preamble) + "\n\n" + generate.INDEX_HEADER + index_row + "\n",
                encoding="utf-8",
            )
            db, ref_db = work / "corpus.db", work / "alone.db"

            def fresh() -> None:
                # As the day before: yesterday's ingest left the corpus (a copy is a new file,
                # which an ingest checks page by page; one untimed ingest of the same dumps
                # vouches for it again), then one dump more is listed.
                copy_db(base, db)
                remove_db(ref_db)
                (seeds / "INDEX.md").write_bytes(base_index)
                run(self.z("ingest", "--seeds", str(seeds), db=db), self.args.ingest_timeout)
                (seeds / "INDEX.md").write_bytes(plus_one)

            z, r, _ = interleaved(
                self.z("ingest", "--seeds", str(seeds), db=db),
                self.z("ingest", "--seeds", str(alone), db=ref_db),
                self.runs,
                self.timeout,
                before=fresh,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        mz, mr = median(z), median(r)
        return Row(
            "ingest, +1 dump of 10 (incremental)",
            f"≤ {INCREMENTAL_S:g} s",
            fmt_seconds(mz),
            f"same dump, empty corpus {fmt_seconds(mr)}",
            f"{mz / mr:.2f}×",
            mz <= INCREMENTAL_S,
            raw={"zsctl_s": z, "reference_s": r, "median_zsctl_s": mz, "median_reference_s": mr},
        )

    def export(self) -> Row:
        out, ref_out = OUT / "export.jsonl", OUT / "export-ref.jsonl"
        zt: list[float] = []
        rt: list[float] = []
        sizes: list[int] = []
        try:
            for i in range(self.runs + 1):  # the first round is the warm-up
                out.unlink(missing_ok=True)
                t, _ = run(self.z("export", "--format", "jsonl", "-o", str(out)), self.timeout)
                size = out.stat().st_size
                _, proc = run(
                    [sys.executable, "-m", "bench.refs", "json", str(out), str(ref_out)],
                    self.timeout,
                )
                ref = json.loads(proc.stdout)
                ref_out.unlink(missing_ok=True)
                if i:
                    zt.append(t)
                    sizes.append(size)
                    rt.append(
                        ref["seconds"] / max(ref["bytes"], 1) * size
                    )  # time for the same bytes
        finally:
            out.unlink(missing_ok=True)
            ref_out.unlink(missing_ok=True)
        size = median(sizes)
        self.extra["export_jsonl_s"] = median(zt)
        z_mbps, r_mbps = size / median(zt) / 1e6, size / median(rt) / 1e6
        return Row(
            "export --format jsonl",
            f"≥ {EXPORT_MBPS:g} MB/s",
            f"{z_mbps:.0f} MB/s",
            f"json.dumps {r_mbps:.0f} MB/s",
            f"{z_mbps / r_mbps:.2f}×",
            z_mbps >= EXPORT_MBPS,
            raw={
                "zsctl_s": zt,
                "reference_s_same_bytes": rt,
                "bytes": sizes,
                "zsctl_mbps": z_mbps,
                "reference_mbps": r_mbps,
            },
        )

    def export_parquet(self) -> Row:
        """Parquet export throughput in articles/s, beside JSONL's on the same corpus.

        No target: Parquet does more per article (typed columns, zstd), and its files are
        smaller, so MB/s of output would not compare; articles/s does.
        """
        import pyarrow.parquet as pq

        out = OUT / "export.parquet"
        times: list[float] = []
        try:
            for i in range(self.runs + 1):  # the first round is the warm-up
                out.unlink(missing_ok=True)
                t, _ = run(self.z("export", "--format", "parquet", "-o", str(out)), self.timeout)
                if i:
                    times.append(t)
            rows, size = pq.read_metadata(out).num_rows, out.stat().st_size
        finally:
            out.unlink(missing_ok=True)
        jsonl_s = self.extra.get("export_jsonl_s")
        mine = rows / median(times)
        beside = f"jsonl {rows / jsonl_s:,.0f} articles/s" if jsonl_s else "—"
        return Row(
            "export --format parquet",
            "— (beside jsonl)",
            f"{mine:,.0f} articles/s ({fmt_bytes(size)})",
            beside,
            f"{(rows / jsonl_s) / mine:.2f}× slower" if jsonl_s else "—",
            None,
            raw={"zsctl_s": times, "rows": rows, "bytes": size, "jsonl_s": jsonl_s},
        )

    def dupes(self) -> list[Row]:
        t, proc = run(self.z("dupes", "--json"), self.args.ingest_timeout)
        truth = json.loads((self.corpus / "truth.json").read_text(encoding="utf-8"))["clusters"]
        predicted, aligned = align_keys(clusters_from_dupes_json(proc.stdout), truth)
        known = {k for c in truth for k in c}
        unknown = sorted({k for c in predicted for k in c} - known)
        s = pairwise_scores(predicted, truth)
        raw = {**s, "seconds": t, "clusters": len(predicted), "keys_aligned": aligned}
        raw["unknown_keys"] = {"count": len(unknown), "examples": unknown[:20]}
        self.extra["dupes"] = raw
        pairs = f"{s['true_pairs']}/{s['predicted_pairs']} pairs"
        return [
            Row(
                "dupes precision (pairwise)",
                f"≥ {PRECISION:g}",
                f"{s['precision']:.4f}",
                pairs,
                met=s["precision"] >= PRECISION,
                raw=raw,
            ),
            Row(
                "dupes recall (pairwise)",
                f"≥ {RECALL:g}",
                f"{s['recall']:.4f}",
                f"{s['true_pairs']}/{s['truth_pairs']} pairs",
                met=s["recall"] >= RECALL,
                raw=raw,
            ),
        ]

    def size(self) -> Row:
        size = db_size(self.db)
        ratio = size / self.raw_bytes
        return Row(
            "corpus size on disk",
            f"≤ {SIZE_RATIO:g}× raw",
            fmt_bytes(size),
            f"raw dumps {fmt_bytes(self.raw_bytes)}",
            f"{ratio:.2f}×",
            ratio <= SIZE_RATIO,
            raw={"db_bytes": size, "raw_bytes": self.raw_bytes, "ratio": ratio},
        )

    def shape_figures(self) -> None:
        """The figures that depend on the corpus's shape: ingest, +1 dump, dupes, size."""
        self.ensure_corpus()
        first = len(self.rows)
        self.figure("ingest, full", f"≤ {INGEST_S:g} s", self.ingest)
        if not any(r.error for r in self.rows[first:]):
            self.figure(
                "ingest, +1 dump of 10 (incremental)", f"≤ {INCREMENTAL_S:g} s", self.incremental
            )
            self.figure("dupes precision / recall", f"≥ {PRECISION:g} / ≥ {RECALL:g}", self.dupes)
            self.figure("corpus size on disk", f"≤ {SIZE_RATIO:g}× raw", self.size)
        for r in self.rows[first:]:
            r.figure = f"{self.shape}: {r.figure}"
        remove_db(self.db)

    def all(self) -> None:
        self.ensure_corpus()
        self.log("ingest, full (timed once)")
        try:
            self.rows.extend(self.ingest())
        except CommandFailed as e:
            self.log(f"ingest failed, nothing else can be measured:\n{e}")
            self.rows.append(
                Row(
                    "ingest, full",
                    f"≤ {INGEST_S:g} s",
                    error=_short(e),
                    raw={"error": str(e)},
                )
            )
            return
        self.figure("grep, bench shape", "≤ 1× rg", lambda: self.grep_rows("bench"))
        self.figure("grep, wide shape", "≤ 1× rg", lambda: self.grep_rows("wide"))
        self.figure(
            "list --limit 20",
            f"≤ {FAST_COMMAND_S:g} s",
            lambda: self.fast("list --limit 20", self.z("list", "--limit", "20")),
        )
        self.figure("show ID", f"≤ {FAST_COMMAND_S:g} s", self.show)
        self.figure(
            "ingest, +1 dump of 10 (incremental)", f"≤ {INCREMENTAL_S:g} s", self.incremental
        )
        self.figure("export --format jsonl", f"≥ {EXPORT_MBPS:g} MB/s", self.export)
        self.figure("export --format parquet", "— (beside jsonl)", self.export_parquet)
        self.figure("dupes precision / recall", f"≥ {PRECISION:g} / ≥ {RECALL:g}", self.dupes)
        self.figure("corpus size on disk", f"≤ {SIZE_RATIO:g}× raw", self.size)


def performance_md(
    bench_args: argparse.Namespace, rows: Sequence[Row], info: dict[str, str], extra: dict[str, Any]
) -> str:
    corpus = extra.get("corpus", {})
    lines = [
        "# Performance",
        "",
        f"Generated by `python -m bench.run --articles {bench_args.articles}"
        f" --seed {bench_args.seed} --runs {bench_args.runs} --write"
        + (
            f" --shapes {' '.join(bench_args.shapes)}"
            if getattr(bench_args, "shapes", None)
            else ""
        )
        + "` (`make bench` runs every shape, 5 runs)"
        f" on {info['date'][:10]}; do not edit by hand.",
        "What each figure means and how it is measured: [bench/README.md](../bench/README.md).",
        "",
        f"Corpus: {corpus.get('records', '?')} records"
        f" ({corpus.get('stories', '?')} distinct stories) in {corpus.get('dumps', '?')} dumps,"
        f" {fmt_bytes(corpus.get('bytes'))} of raw dumps, generated by `bench/generate.py`"
        f" (seed {bench_args.seed}).",
        *_wide_line(extra),
        *(
            [
                f"Rows named after a shape ({', '.join(bench_args.shapes)}) measure a corpus of"
                " the same size where 30% of the records have that shape (`bench.generate"
                " --shape`): ingest, +1 dump, precision/recall against its truth, size.",
            ]
            if getattr(bench_args, "shapes", None)
            else []
        ),
        f"Times are medians of {bench_args.runs} whole-process runs (wall clock), each"
        " alternating with its reference after one untimed warm-up; ingest is timed once.",
        "",
        render_table(rows),
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']} ({info['nproc']} cores available)",
        f"- RAM: {info['ram']}",
        f"- OS: {info['os']}",
        f"- Python {info['python']}, SQLite {info['sqlite']}, {info['rg']}",
        f"- Date: {info['date']}; load average (1, 5, 15 min) at the start: {info['load']},"
        f" at the end: {extra.get('load_end', '?')}",
        "",
    ]
    return "\n".join(lines) + _kept_analysis()


def _wide_line(extra: dict[str, Any]) -> list[str]:
    """The second grep corpus, when it was measured."""
    wide = extra.get("wide")
    if not wide:
        return []
    return [
        f"grep's second shape (`bench/shapes_grep.py`, fewer and larger dumps, 生物医药 in ~42%"
        f" of the articles): {wide['records']} records, {wide['articles']} articles in"
        f" {wide['dumps']} dumps, {fmt_bytes(wide['bytes'])}.",
    ]


ANALYSIS_MARKER = "<!-- analysis: written by hand, kept by bench.run -->"


def _kept_analysis() -> str:
    """The hand-written analysis below the marker in the current file survives a rewrite."""
    if not PERFORMANCE_MD.exists():
        return ""
    text = PERFORMANCE_MD.read_text(encoding="utf-8")
    at = text.find(ANALYSIS_MARKER)
    return "\n" + text[at:] if at >= 0 else ""


# ----------------------------------------------------------------------------- self-test
def self_test() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    try:
        median([])
    except ValueError:
        pass
    else:
        raise AssertionError("median([]) must raise")

    truth = [["a:1", "b:1", "c:1"], ["d:1", "e:5"], ["f:1"]]
    assert truth_pairs(truth) == 4
    s = pairwise_scores(truth, truth)
    assert s["precision"] == 1.0 and s["recall"] == 1.0 and s["true_pairs"] == 4
    # split one cluster, merge a singleton into another, name an unknown record
    pred = [["a:1", "b:1"], ["c:1"], ["d:1", "e:5", "f:1"], ["x:9", "a:1"]]
    s = pairwise_scores(pred, truth)
    assert s["true_pairs"] == 2, s  # a-b, d-e
    assert s["predicted_pairs"] == 1 + 3, s  # x:9 drops out: a:1 was already claimed
    assert abs(s["precision"] - 0.5) < 1e-9 and abs(s["recall"] - 0.5) < 1e-9, s
    assert pairwise_scores([], truth)["recall"] == 0.0
    assert pairwise_scores([], [["a:1"]]) == {
        "precision": 1.0,
        "recall": 1.0,
        "true_pairs": 0,
        "predicted_pairs": 0,
        "truth_pairs": 0,
    }

    dupes = json.dumps(
        [
            {
                "id": "c1",
                "members": [
                    {"dump": "00012_0123456789abcdef.txt", "first_line": 5},
                    {"dump": "seeds/00099_0123456789abcdef.txt", "first_line": "1"},
                ],
            },
            [{"dump": "x.txt", "first_line": 9}, "y.txt:13"],
        ]
    )
    assert clusters_from_dupes_json(dupes) == [
        ["00012_0123456789abcdef.txt:5", "00099_0123456789abcdef.txt:1"],
        ["x.txt:9", "y.txt:13"],
    ]
    assert clusters_from_dupes_json(
        '{"clusters": [{"members": [{"provenance": {"dump": "a", "first_line": 1}}]}]}'
    ) == [["a:1"]]
    aligned, n = align_keys([["p.txt:5", "a:1", "zz:3"]], [["p.txt:1"], ["a:1", "a:5"], ["zz:3"]])
    assert aligned == [["p.txt:1", "a:1", "zz:3"]] and n == 1, aligned
    assert first_id_from_list_json('[{"id": "3f2a9c", "title": "t"}]') == "3f2a9c"
    assert first_id_from_list_json('{"articles": [{"id": 7}]}') == "7"
    assert first_id_from_list_json('{"id": "ab"}\n{"id": "cd"}\n') == "ab"

    rows = [
        Row("grep 生物医药 -c", "≤ 0.5× rg", "120 ms", "rg 400 ms", "0.30×", True),
        Row("show a|b", "≤ 0.15 s", error="exit 2: zsctl show"),
        Row("dupes recall (pairwise)", "≥ 0.99", "0.9950", "—", "—", None),
    ]
    table = render_table(rows).splitlines()
    assert len(table) == 5 and table[0].startswith("| figure") and set(table[1]) <= set("|-")
    assert all(line.count(" | ") == len(HEADERS) - 1 for line in table[2:]), table
    assert (
        "error: exit 2" in table[3]
        and "a\\|b" in table[3]
        and table[3].rstrip().endswith("error |")
    )
    assert len({_width(line) for line in table}) == 1, "columns must line up"
    assert ratio_row("x", [1.0, 2.0, 3.0], [4.0, 4.0, 4.0], 0.5, "rg").met is True
    assert ratio_row("x", [3.0], [4.0], 0.5, "rg").ratio == "0.75×"
    assert fmt_seconds(0.1234) == "123 ms" and fmt_seconds(61.0) == "61.00 s"
    assert fmt_bytes(1.5e9) == "1.50 GB" and fmt_bytes(512) == "512 B"
    md = performance_md(
        argparse.Namespace(articles=10, seed=1, runs=5),
        rows,
        {**machine_info(), "date": "2025-01-01T00:00:00+00:00"},
        {},
    )
    assert md.startswith("# Performance") and "| figure" in md
    print("self-test ok")


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--articles", type=int, default=100_000, help="corpus size in records (default 100000)"
    )
    ap.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    ap.add_argument(
        "--runs", type=int, default=5, help="timed runs per figure (default 5; publish with >= 5)"
    )
    ap.add_argument("--write", action="store_true", help="write docs/PERFORMANCE.md")
    ap.add_argument(
        "--check", action="store_true", help="exit 1 if a target is missed or a figure failed"
    )
    ap.add_argument(
        "--ingest-ref",
        action="store_true",
        help="also time an FTS5 trigram load as the ingest reference (slow)",
    )
    ap.add_argument(
        "--zsctl", help="zsctl executable (default: the one next to this python, else PATH)"
    )
    ap.add_argument(
        "--timeout", type=float, default=60, help="seconds allowed per command (default 60)"
    )
    ap.add_argument(
        "--ingest-timeout",
        type=float,
        default=600,
        help="seconds allowed for the full ingest and for dupes (default 600)",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=780,
        help="seconds after which the remaining figures are skipped (default 780: with"
        " generation, make bench stays under 15 minutes)",
    )
    ap.add_argument(
        "--shapes",
        nargs="*",
        default=[],
        metavar="SHAPE",
        help="also measure ingest, +1 dump, precision/recall and size on corpora of these"
        " shapes (bench.generate --shape; none given after the flag: all of them)",
    )
    ap.add_argument("--self-test", action="store_true", help="test the pure helpers and exit")
    args = ap.parse_args(argv)
    if args.shapes == [] and "--shapes" in (argv if argv is not None else sys.argv):
        from bench import generate

        args.shapes = list(generate.SHAPES)
    if args.self_test:
        self_test()
        return 0
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    if not shutil.which("rg"):
        print(
            "bench: ripgrep (rg) is needed for the reference timings but is not installed.\n"
            "  Debian/Ubuntu: sudo apt-get install ripgrep    macOS: brew install ripgrep",
            file=sys.stderr,
        )
        return 2
    zsctl = find_zsctl(args.zsctl)
    problem = check_zsctl(zsctl)
    if problem:
        print(f"bench: {problem}", file=sys.stderr)
        return 2
    assert zsctl is not None
    compile_zsctl()
    OUT.mkdir(parents=True, exist_ok=True)
    info = machine_info()
    started = time.perf_counter()
    bench = Bench(args, zsctl)
    bench.all()
    for shape in args.shapes:
        other = Bench(args, zsctl, shape)
        other.shape_figures()
        bench.rows += other.rows
        bench.extra[f"shape.{shape}"] = other.extra
    bench.extra["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    total = time.perf_counter() - started
    table = render_table(bench.rows)
    print(table)
    print(
        f"\n{info['cpu']}, {info['nproc']} cores, {info['ram']} RAM; bench took {total:.0f}s",
        file=sys.stderr,
    )

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    result_file = RESULTS / f"{stamp}-n{args.articles}.json"
    payload = {
        "args": {k: v for k, v in vars(args).items() if k != "self_test"},
        "machine": info,
        "seconds_total": total,
        "rows": [asdict(r) | {"met": r.met} for r in bench.rows],
        "extra": bench.extra,
    }
    result_file.write_text(
        json.dumps(payload, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    print(f"raw numbers: {result_file.relative_to(REPO)}", file=sys.stderr)
    if args.write:
        PERFORMANCE_MD.parent.mkdir(parents=True, exist_ok=True)
        PERFORMANCE_MD.write_text(
            performance_md(args, bench.rows, info, bench.extra), encoding="utf-8"
        )
        print(f"wrote {PERFORMANCE_MD.relative_to(REPO)}", file=sys.stderr)
    failed = [r for r in bench.rows if r.error or r.met is False]
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make torture`: issue 12's attacks on zsctl with random timings, for minutes.

    .venv/bin/python scripts/torture.py --minutes 10          # what `make torture` runs
    .venv/bin/python scripts/torture.py --minutes 1 --seed 7  # reproduce a run's timings

Each experiment runs the real CLI in subprocesses (tests/attack_kit.py) and checks what a
person would check afterwards. Experiments take turns until the time is up:

- kill:     `kill -9` of an update or a first ingest at a random moment; the corpus is then
            the old one or the new one (or, on a first ingest, none yet: it is built beside
            the corpus and moved in), and the next ingest equals a fresh full ingest byte
            for byte.
- signal:   SIGINT to the job or SIGTERM to the process at a random moment; exit 130/143 and
            "interrupted; the corpus was not changed" with the old corpus, or a finished run.
- swap:     a listed dump renamed to a symlink to an outside file at a random moment of a
            `check` or an `ingest`; nothing of the outside file is printed or stored.
- rewrite:  a dump rewritten in place, between two versions, while ingest reads it; what is
            stored is the version INDEX.md lists, whole, or nothing (the dump is skipped).
- disk-full: ingest into a tmpfs of random size; it succeeds, or fails in one line with the
            old corpus kept; with space back, the next ingest equals a fresh one. Needs root.
- readers:  `export` runs at random moments of an ingest; each sees the old corpus or the
            new one, never a mix.

It prints a table of attempts and failures per experiment and exits 1 if anything failed;
each failure's details go to --out (torture-failures/ by default).
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.attack_kit import (  # noqa: E402  (needs the repository on sys.path first)
    SECRET,
    can_mount,
    dash_dump,
    error_lines,
    exported,
    fill,
    finish,
    kill_group,
    make_seeds,
    many_dumps,
    outside_dump,
    remount,
    spawn,
    swap_in_symlink,
    titles,
    tmpfs,
    traceback_free,
    zsctl,
)

INTERRUPTED = "interrupted; the corpus was not changed"


class Failed(Exception):
    """One attempt broke a promise; the message says which."""


@dataclass
class Tally:
    """Attempts and failures of one experiment."""

    attempts: int = 0
    failures: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def saw(self, outcome: str) -> None:
        """Count how an attempt ended (for the table's last column)."""
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


class Lab:
    """Seeds folders and their known-good exports, built once per torture run."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root, self.rng = root, rng
        self.full = many_dumps(150, 8)
        self.seeds = make_seeds(root / "lab", self.full)
        self.base = make_seeds(root / "base", dict(list(self.full.items())[:10]))
        self.base_db = self._ingest(self.base, root / "base.db")
        self.before = exported(self.base_db)
        started = time.monotonic()
        self.after = exported(self._ingest(self.seeds, root / "full.db"))
        # Random moments are drawn over how long the runs take here, plus a margin after.
        self.ingest_s = time.monotonic() - started
        started = time.monotonic()
        zsctl("check", "--seeds", str(self.seeds))
        self.check_s = time.monotonic() - started
        self.n = 0

    def moment(self, seconds: float) -> float:
        """A random moment of a run that takes about `seconds`, or a little after it."""
        return self.rng.uniform(0, seconds * 1.2)

    def _ingest(self, seeds: Path, corpus: Path) -> Path:
        proc = ingest(seeds, corpus)
        if proc.returncode != 0:
            raise SystemExit(f"torture: setting up failed: {proc.stderr}")
        return corpus

    def scratch(self) -> Path:
        """A fresh folder for one attempt."""
        self.n += 1
        path = self.root / f"try{self.n}"
        path.mkdir()
        return path

    def old_corpus(self, where: Path) -> Path:
        """A copy of the corpus of the first ten dumps, to be updated to all of them."""
        dest = where / "c.db"
        shutil.copyfile(self.base_db, dest)
        return dest


def ingest(seeds: Path, corpus: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """`zsctl ingest` to the end."""
    return zsctl("ingest", "--seeds", str(seeds), "--corpus", str(corpus), *more)


def expect(ok: bool, why: str) -> None:
    """Fail the attempt with `why` unless `ok`."""
    if not ok:
        raise Failed(why)


def _recovers(lab: Lab, corpus: Path) -> None:
    """The next ingest succeeds and equals a fresh full ingest byte for byte."""
    proc = ingest(lab.seeds, corpus)
    expect(proc.returncode == 0, f"the next ingest failed: {proc.stderr[-500:]}")
    expect(exported(corpus) == lab.after, "the next ingest differs from a fresh full ingest")


def kill(lab: Lab, tally: Tally) -> None:
    """SIGKILL an ingest (an update, or a first ingest) at a random moment."""
    where = lab.scratch()
    first = lab.rng.random() < 0.3
    corpus = where / "c.db" if first else lab.old_corpus(where)
    proc = spawn("ingest", "--seeds", str(lab.seeds), "--corpus", str(corpus))
    time.sleep(lab.moment(lab.ingest_s))
    kill_group(proc, signal.SIGKILL)
    code, _out, err = finish(proc)
    expect(traceback_free(err), f"traceback: {err[-800:]}")
    listed = zsctl("export", "--format", "jsonl", "--corpus", str(corpus))
    expect(traceback_free(listed.stderr), f"reader traceback: {listed.stderr[-800:]}")
    if listed.returncode == 0:
        states = {lab.after} | ({""} if first else {lab.before})
        expect(listed.stdout in states, "the killed ingest left a corpus of neither state")
        tally.saw("old" if listed.stdout == lab.before else "new" if code == 0 else "new/killed")
    else:
        expect(first, f"an update's corpus is unreadable after a kill: {listed.stderr}")
        expect("not a zsctl corpus" not in listed.stderr, "a first ingest's file called foreign")
        tally.saw("unfinished first")
    _recovers(lab, corpus)


def interrupt(lab: Lab, tally: Tally) -> None:
    """SIGINT to the job (Ctrl-C) or SIGTERM to the process, at a random moment."""
    where = lab.scratch()
    corpus = lab.old_corpus(where)
    sig = lab.rng.choice([signal.SIGINT, signal.SIGTERM])
    proc = spawn("ingest", "--seeds", str(lab.seeds), "--corpus", str(corpus))
    time.sleep(lab.moment(lab.ingest_s))
    if sig == signal.SIGINT:
        kill_group(proc, sig)
    else:
        proc.send_signal(sig)
    code, _out, err = finish(proc)
    expect(traceback_free(err), f"traceback: {err[-800:]}")
    now = exported(corpus)
    if code == -sig:  # before zsctl's main() ran: the interpreter was still starting
        expect(now == lab.before and not err, "killed while starting, yet something changed")
        tally.saw("killed while starting")
        return
    if code == 0:
        expect(now == lab.after, "a finished ingest left another corpus")
        tally.saw("finished first")
        return
    expect(code == 128 + sig, f"exit {code} after signal {sig}: {err[-300:]}")
    last = error_lines(err)[-1] if error_lines(err) else ""
    if last.endswith(INTERRUPTED) or last == "error: interrupted":  # the latter before ingest began
        expect(now == lab.before, f"said {last!r} but the corpus changed")
        tally.saw("interrupted" if last.endswith(INTERRUPTED) else "interrupted early")
    else:
        expect(last.endswith("interrupted; the corpus was updated"), f"message: {last!r}")
        expect(now == lab.after, "said the corpus was updated, but it is not the new one")
        tally.saw("interrupted after commit")
    _recovers(lab, corpus)


def swap(lab: Lab, tally: Tally) -> None:
    """Rename a symlink to an outside file over a random listed dump during check or ingest."""
    where = lab.scratch()
    seeds = make_seeds(where, lab.full)
    secret = outside_dump(where / "outside.txt")
    victim = seeds / lab.rng.choice(list(lab.full))
    command = lab.rng.choice(["check", "ingest"])
    corpus = where / "c.db"
    extra = ["--corpus", str(corpus)] if command == "ingest" else []
    proc = spawn(command, "--seeds", str(seeds), *extra)
    time.sleep(lab.moment(lab.check_s if command == "check" else lab.ingest_s))
    swap_in_symlink(victim, secret)
    code, out, err = finish(proc)
    expect(traceback_free(out, err), f"traceback: {err[-800:]}")
    expect(SECRET not in out + err, f"{command} printed the outside file")
    if command == "ingest" and corpus.exists():
        expect(not any(SECRET in t for t in titles(corpus)), "ingest stored the outside file")
    tally.saw(f"{command} exit {code}")


REWRITER = """
import os, sys
path, stop = sys.argv[1], sys.argv[4]
a, b = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
fd = os.open(path, os.O_WRONLY)
while not os.path.exists(stop):
    for data in (a, b):
        for off in range(0, len(data), 16384):
            os.pwrite(fd, data[off:off + 16384], off)
"""


def rewrite(lab: Lab, tally: Tally) -> None:
    """Rewrite a dump in place, between two versions of the same size, while ingest reads it."""
    where = lab.scratch()
    size = lab.rng.choice([200, 1000, 3000])
    a, b = dash_dump(3, size, marker="甲"), dash_dump(3, size, marker="乙")
    seeds = make_seeds(where, {"001_a.txt": a})
    (where / "a.bin").write_bytes(a)
    (where / "b.bin").write_bytes(b)
    stop = where / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", REWRITER, str(seeds / "001_a.txt"), str(where / "a.bin"),
         str(where / "b.bin"), str(stop)]
    )  # fmt: skip
    try:
        time.sleep(lab.rng.uniform(0, 0.2))
        proc = ingest(seeds, where / "c.db")
    finally:
        stop.write_text("stop")
        writer.wait(timeout=30)
    expect(traceback_free(proc.stderr), f"traceback: {proc.stderr[-800:]}")
    expect(proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr[-300:]}")
    marks = {t[0] for t in titles(where / "c.db")} if (where / "c.db").exists() else set()
    expect(marks <= {"甲"}, f"a dump rewritten during its read was stored torn or other: {marks}")
    tally.saw("skipped" if not marks else "listed version")


def disk_full(lab: Lab, tally: Tally) -> None:
    """Ingest into a tmpfs of random size: success, or one line and the old corpus kept."""
    where = lab.scratch()
    size = lab.rng.choice(["64k", "256k", "512k", "1m", "2m", "4m", "8m"])
    with tmpfs(where / "mnt", size) as mnt:
        corpus = mnt / "c.db"
        update = lab.rng.random() < 0.6 and _fits(lab, corpus)
        if lab.rng.random() < 0.3:
            fill(mnt)
        proc = ingest(lab.seeds, corpus)
        expect(traceback_free(proc.stderr), f"traceback: {proc.stderr[-800:]}")
        if proc.returncode == 0:
            expect(exported(corpus) == lab.after, "a successful ingest differs from a fresh one")
            tally.saw("fitted")
            return
        lines = error_lines(proc.stderr)
        expect(len(lines) == 1 and lines[0].startswith("error: "), f"not one line: {lines}")
        if update:
            expect(exported(corpus) == lab.before, "a failed ingest changed the corpus")
        remount(mnt, "size=256m")
        (mnt / "filler").unlink(missing_ok=True)
        _recovers(lab, corpus)
        tally.saw("full, kept" if update else "full on first ingest")


def _fits(lab: Lab, corpus: Path) -> bool:
    """Put the old corpus in place if it fits; False if even that fills the disk."""
    try:
        shutil.copyfile(lab.base_db, corpus)
        return True
    except OSError:
        corpus.unlink(missing_ok=True)
        return False


def readers(lab: Lab, tally: Tally) -> None:
    """Exports at random moments of an ingest: each sees the old corpus or the new one."""
    where = lab.scratch()
    corpus = lab.old_corpus(where)
    proc = spawn("ingest", "--seeds", str(lab.seeds), "--corpus", str(corpus))
    seen = []
    try:
        for _ in range(lab.rng.randint(1, 4)):
            time.sleep(lab.moment(lab.ingest_s) / 2)
            read = zsctl("export", "--format", "jsonl", "--corpus", str(corpus))
            expect(read.returncode == 0 and traceback_free(read.stderr), read.stderr[-500:])
            expect(read.stdout in (lab.before, lab.after), "a reader saw a mixed corpus")
            seen.append("old" if read.stdout == lab.before else "new")
    finally:
        code, _out, err = finish(proc)
    expect(code == 0, f"the ingest failed: {err[-500:]}")
    tally.saw("+".join(sorted(set(seen))))


Experiment = Callable[[Lab, Tally], None]
EXPERIMENTS: dict[str, Experiment] = {
    "kill": kill,
    "signal": interrupt,
    "swap": swap,
    "rewrite": rewrite,
    "disk-full": disk_full,
    "readers": readers,
}


def _table(tallies: dict[str, Tally], skipped: dict[str, str]) -> str:
    rows = [("experiment", "attempts", "failures", "outcomes")]
    for name, t in tallies.items():
        seen = ", ".join(f"{k} {v}" for k, v in sorted(t.outcomes.items()))
        rows.append((name, str(t.attempts), str(t.failures), skipped.get(name, seen)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"| {r[0]:<{widths[0]}} | {r[1]:>{widths[1]}} | {r[2]:>{widths[2]}} | {r[3]} |"
             for r in rows]  # fmt: skip
    lines.insert(1, f"|{'-' * (widths[0] + 2)}|{'-' * (widths[1] + 1)}:|"
                    f"{'-' * (widths[2] + 1)}:|---|")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the experiments in turn until the time is up; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "torture-failures")
    parser.add_argument("--only", choices=list(EXPERIMENTS), action="append")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    names = args.only or list(EXPERIMENTS)
    skipped = {"disk-full": f"skipped: {why}"} if (why := can_mount()) else {}
    names = [n for n in names if n not in skipped]
    tallies = {n: Tally() for n in [*names, *skipped]}
    deadline = time.monotonic() + args.minutes * 60
    print(f"torture: seed {seed}, {args.minutes:g} minute(s)", flush=True)
    with tempfile.TemporaryDirectory(prefix="zsctl-torture-") as tmp:
        lab = Lab(Path(tmp), rng)
        turn = 0
        while time.monotonic() < deadline:
            name = names[turn % len(names)]
            turn += 1
            _attempt(name, lab, tallies[name], args.out)
    print(_table(tallies, skipped))
    return 1 if any(t.failures for t in tallies.values()) else 0


def _attempt(name: str, lab: Lab, tally: Tally, out: Path) -> None:
    tally.attempts += 1
    try:
        EXPERIMENTS[name](lab, tally)
    except (Failed, subprocess.TimeoutExpired, AssertionError, OSError) as exc:
        tally.failures += 1
        out.mkdir(exist_ok=True)
        note = out / f"{name}-{tally.attempts}.txt"
        note.write_text(f"{name} attempt {tally.attempts}: {type(exc).__name__}: {exc}\n")
        print(f"FAIL {name} #{tally.attempts}: {str(exc)[:200]} ({note})", flush=True)
    finally:
        for leftover in list(lab.root.glob("try*/mnt")):
            subprocess.run(["umount", "-l", str(leftover)], capture_output=True)
        shutil.rmtree(lab.root / f"try{lab.n}", ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Incremental == full at scale, on a generator other than bench/generate.py.

The property tests check "a base, increments and a removal ingested in turn export the same
bytes as a full ingest of the final set" on corpora of a few hundred records. This runs the
same check on tests/shapes.py's generator at ten thousand records and more (families, long
reports with quoted items and snippets, shared openings, generic titles, a column), through
the real command line:

    .venv/bin/python -m bench.incremental --scale 1 --seed 7 --out bench/out/incremental

It prints each step's summary line and ends with `identical` (exit 0) or `DIFFER` (exit 1).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from pathlib import Path

from tests import shapes

# Records per unit of --scale: ~10,600 at 1, with every shape of tests/shapes.py.
_PLAN = [("plain", 4000), ("family", 300), ("family", 120), ("report", 30), ("report", 12),
         ("boilerplate", 400), ("titles", 500), ("column", 400), ("plain", 2000)]  # fmt: skip
_SMALL = [("report", 8)] * 40 + [("family", 25)] * 40


def _zsctl(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "zsctl", *args], capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"zsctl {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path("bench/out/incremental"))
    args = ap.parse_args()
    plan = [(shape, n * args.scale) for shape, n in _PLAN] + _SMALL * args.scale
    corpus = shapes.build(args.seed, plan)
    dumps = {
        name: shapes.render(items, day=1 + i % 28)
        for i, (name, items) in enumerate(corpus.dumps().items())
    }
    names = sorted(dumps)
    random.Random(args.seed).shuffle(names)
    n = len(names)
    removed = set(names[: n // 20])  # in the base or an increment, then taken out
    final = [x for x in names if x not in removed]
    print(f"{len(corpus.items)} records in {n} dumps; {len(removed)} removed at the end")
    inc, full = args.out / "incremental.db", args.out / "full.db"
    for db in (inc, full):
        db.unlink(missing_ok=True)
    steps = [("base", names[: n * 7 // 10], inc), ("increment", names[: n * 85 // 100], inc),
             ("increment", names, inc), ("removal", final, inc), ("full", final, full)]  # fmt: skip
    for k, (label, files, db) in enumerate(steps):
        seeds = shapes.write_seeds(args.out / f"step{k}", {f: dumps[f] for f in files})
        said = _zsctl("ingest", "--seeds", str(seeds), "--corpus", str(db)).stderr
        print(f"{label}: {said.strip().splitlines()[-1]}")
    a = _zsctl("export", "--corpus", str(inc)).stdout
    b = _zsctl("export", "--corpus", str(full)).stdout
    print(
        f"{a.count(chr(10))} and {b.count(chr(10))} articles:", "identical" if a == b else "DIFFER"
    )
    return 0 if a == b else 1


if __name__ == "__main__":
    sys.exit(main())

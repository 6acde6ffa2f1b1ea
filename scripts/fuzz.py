"""The long fuzz run: the properties of tests/test_fuzz.py on random inputs for N minutes.

    .venv/bin/python scripts/fuzz.py --minutes 10            # what `make fuzz` runs
    .venv/bin/python scripts/fuzz.py --minutes 1 --seed 42   # reproduce a run

Each input is random bytes, a generated page, or a committed fuzz input (tests/fuzz_corpus/)
or a window of a real dump (seeds/) with up to a dozen random edits. Every input goes through
`decode_bytes` and `parse_dump` (random site and layout) and must hold the properties:
nothing but a ZsctlError escapes, every line is accounted for exactly once. An input that
breaks them, or takes longer than --timeout seconds, is saved to --out with a note of the
site, layout and traceback; the run then exits 1 and prints the saved file's path. A saved
input that shows a real bug belongs in tests/fuzz_corpus/ once the bug is fixed.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_fuzz import (  # noqa: E402  (needs the repository root on sys.path)
    LAYOUTS,
    SITES,
    check_decode,
    check_parse,
    corpus_inputs,
    generated_page,
    mutate,
)


class SlowInput(Exception):
    """One input took longer than --timeout: a hang or a super-linear path."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise SlowInput


def make_input(rnd: random.Random, pool: list[bytes]) -> tuple[str, bytes]:
    """One fuzz input and the kind of generator that made it."""
    roll = rnd.random()
    if roll < 0.15:
        return "random", rnd.randbytes(rnd.randrange(0, 8192))
    if roll < 0.4:
        return "generated", generated_page(rnd)
    return "mutated", mutate(rnd.choice(pool), rnd, pool, rnd.randrange(1, 13))


def save(out: Path, data: bytes, note: str) -> Path:
    """Write the failing input and a note beside it; returns the input's path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{hashlib.sha256(data).hexdigest()[:16]}.bin"
    path.write_bytes(data)
    path.with_suffix(".txt").write_text(note, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Fuzz until time runs out or an input breaks a property; 0 when none did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds allowed per input")
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz-failures", help="failures")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    rnd = random.Random(seed)
    pool = corpus_inputs()
    print(f"fuzzing for {args.minutes:g} min, seed {seed}, {len(pool)} seed inputs", flush=True)
    signal.signal(signal.SIGALRM, _alarm)
    counts: Counter[str] = Counter()
    started = last_report = time.monotonic()
    deadline = started + args.minutes * 60
    while time.monotonic() < deadline:
        kind, data = make_input(rnd, pool)
        site, layout = rnd.choice(SITES), rnd.choice(LAYOUTS)
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            check_decode(data)
            check_parse(data, site, layout)
        except BaseException as exc:  # a broken property, a hang, anything: keep the input
            signal.setitimer(signal.ITIMER_REAL, 0)
            if isinstance(exc, KeyboardInterrupt):
                raise
            why = f"slower than {args.timeout:g}s" if isinstance(exc, SlowInput) else "failed"
            note = (
                f"{kind} input {why}; site={site} layout={layout} seed={seed} "
                f"input #{sum(counts.values()) + 1}\n\n{traceback.format_exc()}"
            )
            path = save(args.out, data, note)
            print(f"FAIL: {kind} input {why} (site {site}, layout {layout})", flush=True)
            print(f"input saved to {path}; traceback in {path.with_suffix('.txt')}")
            print("reproduce: .venv/bin/python -c \"from pathlib import Path; from tests.test_fuzz"
                  f" import check_parse; check_parse(Path('{path}').read_bytes(), '{site}', "
                  f"'{layout}')\"")  # fmt: skip
            return 1
        signal.setitimer(signal.ITIMER_REAL, 0)
        counts[kind] += 1
        if time.monotonic() - last_report > 60:
            last_report = time.monotonic()
            print(f"  {sum(counts.values())} inputs ({dict(counts)}), no failure", flush=True)
    elapsed = time.monotonic() - started
    print(f"ok: {sum(counts.values())} inputs in {elapsed:.0f}s ({dict(counts)}), seed {seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Real corpora for the end-to-end tests, built through the command line as a user builds them."""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SEEDS
from zsctl.ids import from_hex

RESCRAPE_SCRIPT = ROOT / "scripts" / "rescrape.py"
# No inherited corpus, colour or pager setting decides what a test sees.
ENV = {k: v for k, v in os.environ.items() if k not in ("ZSCTL_CORPUS", "NO_COLOR", "PAGER")}


def zsctl(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real command line (stdout is a pipe)."""
    return subprocess.run(
        [sys.executable, "-m", "zsctl", *args],
        capture_output=True, text=True, check=False, timeout=120, env={**ENV, **(env or {})},
    )  # fmt: skip


def ingest(seeds: Path, corpus: Path) -> Path:
    """Ingest `seeds` into `corpus`; the corpus path."""
    done = zsctl("ingest", "--seeds", str(seeds), "--corpus", str(corpus))
    assert done.returncode == 0, done.stderr
    return corpus


def seeds_corpus(tmp: Path) -> Path:
    """The five real seeds, ingested."""
    return ingest(SEEDS, tmp / "seeds.db")


def demo_corpus(tmp: Path) -> Path:
    """Seeds plus examples/rescrape, ingested as `make demo` does."""
    subprocess.run([sys.executable, str(RESCRAPE_SCRIPT), "--demo", str(tmp / "demo")], check=True)
    return ingest(tmp / "demo", tmp / "demo.db")


def export_jsonl(corpus: Path) -> list[dict[str, Any]]:
    """Every exported record, parsed."""
    done = zsctl("export", "--corpus", str(corpus), "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def stored_order(db: sqlite3.Connection) -> tuple[list[int], list[str]]:
    """grep -l's stored order (zsctl/store/order.py): its rowids and ids, read directly and
    checked against its `top` and its packing."""
    top, width, packed, ids = db.execute(
        "SELECT top, width, rowids, ids FROM article_order"
    ).fetchone()
    rowids = list(struct.unpack(f"<{len(packed) // 4}I", packed))
    assert top == max(rowids)
    if width == 0:
        return rowids, ids.decode().split("\n")
    assert width == 8 and len(ids) == 8 * len(rowids)  # 6 bytes of hex digits, 2 zero bytes
    assert all(ids[k + 6 : k + 8] == b"\0\0" for k in range(0, len(ids), 8))
    return rowids, [from_hex(ids[k : k + 6].hex()) for k in range(0, len(ids), 8)]

"""Real corpora for the end-to-end tests, built through the command line as a user builds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SEEDS

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

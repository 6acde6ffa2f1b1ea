"""examples/rescrape/: reproducible re-scrapes of the seeds that dedup must fold back in."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests import corpora
from tests.conftest import ROOT, SEEDS
from tests.corpora import RESCRAPE_SCRIPT as SCRIPT
from tests.corpora import export_jsonl, zsctl

RESCRAPE = ROOT / "examples" / "rescrape"


def manifest_rows(index: Path) -> list[list[str]]:
    """The cells of every data row of an INDEX.md table."""
    lines = index.read_text(encoding="utf-8").splitlines()
    table = [line for line in lines if line.startswith("| ") and not line.startswith("| file")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in table]


def test_committed_rescrapes_are_what_the_script_makes() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_every_rescrape_is_listed_with_its_sha256() -> None:
    rows = manifest_rows(RESCRAPE / "INDEX.md")
    listed = {row[0]: row[4] for row in rows}
    assert set(listed) == {p.name for p in RESCRAPE.glob("*.txt")}
    assert len(listed) == 3
    for name, digest in listed.items():
        assert hashlib.sha256((RESCRAPE / name).read_bytes()).hexdigest() == digest
    assert zsctl("check", "--seeds", str(RESCRAPE)).returncode == 0


def test_the_gb18030_rescrape_is_the_seed_in_other_bytes() -> None:
    (gb,) = RESCRAPE.glob("101_*.txt")
    (seed,) = SEEDS.glob("002_*.txt")
    assert gb.read_bytes() != seed.read_bytes()
    assert gb.read_bytes().decode("gb18030") == seed.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seeds plus re-scrapes, ingested as make demo does."""
    return corpora.demo_corpus(tmp_path_factory.mktemp("demo"))


def test_the_demo_folder_leaves_seeds_alone(demo_corpus: Path) -> None:
    demo_seeds = demo_corpus.parent / "demo"
    for seed in SEEDS.glob("*.txt"):
        assert (demo_seeds / seed.name).read_bytes() == seed.read_bytes()
    assert len(manifest_rows(demo_seeds / "INDEX.md")) == 8


def test_dedup_folds_every_rescrape_back_in(demo_corpus: Path) -> None:
    articles = export_jsonl(demo_corpus)
    # The seeds' 41 stories and nothing more: the re-scrapes' 21 records all merge into them
    # (100's new top item is 002's first).
    assert len(articles) == 41
    kinds: dict[str, set[str]] = {}
    for article in articles:
        for source in article["sources"]:
            kinds.setdefault(source["dump"][:3], set()).add(source["kind"])
    assert kinds["100"] == {"exact", "near"}
    assert kinds["101"] == {"exact"}
    assert kinds["102"] == {"contained"}

"""Shared fixtures: paths to the real seeds and fixture dumps, and a golden-file helper."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from zsctl.model import ParseResult

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UPDATE_GOLDEN = os.environ.get("ZSCTL_UPDATE_GOLDEN") == "1"


def records_as_json(result: ParseResult) -> list[dict[str, Any]]:
    """The golden view of parsed records: every field, body in full."""
    return [
        {
            "title": r.title,
            "tag": r.tag,
            "date": r.date,
            "source": r.source,
            "lines": [r.provenance.first_line, r.provenance.last_line],
            "paragraphs": r.paragraphs,
        }
        for r in result.records
    ]


def assert_golden(actual: Any, path: Path) -> None:
    """Compare with a JSON golden file; ZSCTL_UPDATE_GOLDEN=1 rewrites it (review the diff)."""
    if UPDATE_GOLDEN or not path.exists():
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {path} missing; run with ZSCTL_UPDATE_GOLDEN=1 and review it")
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may break."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest

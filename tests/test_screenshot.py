"""Screenshots of `zsctl serve` (the article list, a search) with headless Chromium.

Runs only where Debian's `chromium` is installed. Writes into a temporary folder; with
ZSCTL_UPDATE_SCREENSHOTS=1 it writes docs/screenshots/*.png, the pictures in the README.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.corpora import demo_corpus
from tests.serving import DB, serving
from zsctl.web.server import COMPACT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium"),
    pytest.mark.slow,
]
pytest.importorskip("datasette")
SHOTS = {
    "serve-articles.png": f"{COMPACT}&_sort_desc=date",  # the list the articles page links to
    "serve-search.png": f"/{DB}/search?" + urllib.parse.urlencode({"q": "生物医药"}),
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def screenshot(url: str, out: Path, profile: Path) -> None:
    """Chromium's picture of the page at `url`, 1280 x 900."""
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,900",
            f"--screenshot={out}", url,
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def test_screenshots_of_the_browser_view(tmp_path: Path) -> None:
    update = os.environ.get("ZSCTL_UPDATE_SCREENSHOTS") == "1"
    dest = ROOT / "docs" / "screenshots" if update else tmp_path / "shots"
    dest.mkdir(parents=True, exist_ok=True)
    with serving(demo_corpus(tmp_path)) as server:
        for name, path in SHOTS.items():
            screenshot(server.url(path), dest / name, tmp_path / "profile")
            data = (dest / name).read_bytes()
            assert data.startswith(PNG_MAGIC) and len(data) > 20_000, name

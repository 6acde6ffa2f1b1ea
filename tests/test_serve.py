"""`zsctl serve`: the corpus in a browser through datasette, read-only, searched by zsctl's index.

One server on a free loopback port for the module; every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.corpora import ENV, demo_corpus, export_jsonl, zsctl

pytest.importorskip("datasette")

DB = "corpus"  # the name zsctl serve gives the database, whatever the file is called
START_TIMEOUT = 60.0  # seconds for datasette to come up on a loaded 2-core machine


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running `zsctl serve` and how to ask it things."""

    def __init__(self, proc: subprocess.Popen[str], port: int, corpus: Path) -> None:
        self.proc, self.port, self.corpus = proc, port, corpus

    def url(self, path: str, **params: str) -> str:
        query = urllib.parse.urlencode(params)
        return f"http://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def get(self, path: str, **params: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path, **params), timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def json(self, path: str, **params: str) -> Any:
        status, body = self.get(path, **params)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"zsctl serve exited {server.proc.returncode}: {server.proc.stderr}")
        try:
            server.get("/-/versions.json")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("zsctl serve did not answer in time")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    corpus = demo_corpus(tmp_path_factory.mktemp("serve"))
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "zsctl", "serve", "--port", str(port), "--corpus", str(corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    running = Server(proc, port, corpus)
    try:
        wait_until_up(running)
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_article_list_is_every_article(server: Server) -> None:
    data = server.json(f"/{DB}/articles.json", _shape="objects", _size="max")
    exported = export_jsonl(server.corpus)
    assert sorted(row["id"] for row in data["rows"]) == sorted(r["id"] for r in exported)


def test_facets_on_district_month_and_tag(server: Server) -> None:
    data = server.json(f"/{DB}/articles.json", _size="0")
    facets = data["facet_results"]
    assert {"district", "tag"} <= set(facets)
    months = [f for name, f in facets.items() if "month" in name]
    assert months, sorted(facets)
    exported = export_jsonl(server.corpus)
    by_district: dict[str, int] = {}
    for record in exported:
        if record["district"]:
            by_district[record["district"]] = by_district.get(record["district"], 0) + 1
    got = {r["value"]: r["count"] for r in facets["district"]["results"]}
    assert got == by_district
    month_counts = {r["value"]: r["count"] for r in months[0]["results"]}
    assert month_counts.get("2025-07") == sum(r["date"][:7] == "2025-07" for r in exported)


def test_index_and_blob_tables_are_hidden(server: Server) -> None:
    data = server.json(f"/{DB}.json")
    hidden = {t["name"] for t in data["tables"] if t["hidden"]}
    assert {"grams", "records", "meta"} <= hidden
    shown = {t["name"] for t in data["tables"] if not t["hidden"]}
    assert "articles" in shown


def article_n(server: Server, article_id: str) -> int:
    rows = server.json(f"/{DB}/articles.json", id=article_id, _shape="array")
    assert len(rows) == 1
    return int(rows[0]["n"])


def test_article_page_shows_its_sources(server: Server) -> None:
    record = max(export_jsonl(server.corpus), key=lambda r: r["cluster"]["size"])
    assert record["cluster"]["size"] >= 3
    status, page = server.get(f"/{DB}/articles/{article_n(server, record['id'])}")
    assert status == 200
    assert record["title"] in page
    for source in record["sources"]:
        assert source["dump"] in page


def test_links_to_articles_resolve(server: Server) -> None:
    status, page = server.get(f"/{DB}/article_sources")
    assert status == 200
    links = sorted(set(_hrefs(page, f"/{DB}/articles/")))
    assert links
    for link in links[:10]:
        assert server.get(link)[0] == 200, link


def _hrefs(page: str, prefix: str) -> list[str]:
    """Every href in the page that starts with prefix."""
    found = []
    for part in page.split('href="')[1:]:
        href = part.split('"', 1)[0]
        if href.startswith(prefix) and "?" not in href:
            found.append(href)
    return found


@pytest.mark.parametrize("term", ["招商", "生物医药", "港"])
def test_search_agrees_with_grep(server: Server, term: str) -> None:
    rows = server.json(f"/{DB}/search.json", q=term, _shape="array", _size="max")
    counted = zsctl("grep", "-c", term, "--corpus", str(server.corpus))
    assert counted.returncode in (0, 1), counted.stderr
    assert len(rows) == int(counted.stdout.strip())
    listed = zsctl("grep", "-l", term, "--corpus", str(server.corpus)).stdout.split()
    assert sorted(row["id"] for row in rows) == sorted(listed)


def test_nothing_is_written_beside_the_corpus(server: Server) -> None:
    server.json(f"/{DB}/search.json", q="招商", _shape="array")
    beside = sorted(p.name for p in server.corpus.parent.iterdir() if p.name.startswith("demo.db"))
    assert beside == ["demo.db"]


def test_ctrl_c_ends_it_cleanly(server: Server) -> None:
    """Last in the module: stops the server by its process id, as Ctrl-C would."""
    os.kill(server.proc.pid, signal.SIGINT)
    _, err = server.proc.communicate(timeout=30)
    assert server.proc.returncode == 0, err
    assert "Traceback" not in err

"""`zsctl serve`: the corpus in a browser through datasette, read-only, searched by zsctl's index.

One server on a free loopback port for the module; every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.corpora import demo_corpus, export_jsonl, zsctl
from tests.serving import DB, Server, serving

pytest.importorskip("datasette")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(demo_corpus(tmp_path_factory.mktemp("serve"))) as running:
        yield running


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
    assert {"meta", "dumps"} <= hidden
    with closing(sqlite3.connect(f"file:{server.corpus}?immutable=1", uri=True)) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        binary = {
            n for n in names if any(c[2] == "BLOB" for c in db.execute(f"PRAGMA table_info({n})"))
        }
    assert binary and binary <= hidden  # posting lists, codes, compressed bodies
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


def test_nothing_is_written_beside_the_corpus(server: Server, tmp_path: Path) -> None:
    """Immutable: a corpus alone in its folder stays alone, byte for byte, while served."""
    alone = tmp_path / "alone" / "zsctl.db"
    alone.parent.mkdir()
    shutil.copyfile(server.corpus, alone)
    before = alone.read_bytes()
    with serving(alone) as other:
        other.json(f"/{DB}/search.json", q="招商", _shape="array")
        assert other.get(f"/{DB}/articles/1")[0] == 200
    assert [p.name for p in alone.parent.iterdir()] == ["zsctl.db"]
    assert alone.read_bytes() == before


def test_ctrl_c_ends_it_cleanly(server: Server) -> None:
    """Last in the module: stops the server by its process id, as Ctrl-C would."""
    os.kill(server.proc.pid, signal.SIGINT)
    _, err = server.proc.communicate(timeout=30)
    assert server.proc.returncode == 0, err
    assert "Traceback" not in err

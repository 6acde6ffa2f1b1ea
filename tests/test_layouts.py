"""Golden-file tests: each layout's fixture dump parses to exactly the expected records."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, assert_golden, records_as_json
from zsctl.model import LineKind
from zsctl.parse.dump import parse_dump

LAYOUT_FIXTURES = {
    "dash": "chanyeyuanqu",
    "bullet": "chanyeyuanqu",
    "article": "binhai-zwfw",
}


@pytest.mark.parametrize("layout", sorted(LAYOUT_FIXTURES))
def test_fixture_matches_golden(layout: str) -> None:
    path = FIXTURES / "layouts" / f"{layout}.txt"
    result = parse_dump(path.read_bytes(), path.name, LAYOUT_FIXTURES[layout])
    assert result.layout == layout  # detected, not pinned
    assert result.unparsed() == []
    assert_golden(records_as_json(result), path.with_suffix(".json"))


@pytest.mark.parametrize("layout", sorted(LAYOUT_FIXTURES))
def test_every_line_accounted_once(layout: str) -> None:
    path = FIXTURES / "layouts" / f"{layout}.txt"
    result = parse_dump(path.read_bytes(), path.name, LAYOUT_FIXTURES[layout])
    n_lines = len(path.read_text(encoding="utf-8").splitlines())
    assert [n.line for n in result.lines] == list(range(1, n_lines + 1))
    total = sum(result.count(kind) for kind in LineKind)
    assert total == n_lines


def test_tag_is_split_from_title() -> None:
    path = FIXTURES / "layouts" / "dash.txt"
    records = parse_dump(path.read_bytes(), path.name, "chanyeyuanqu").records
    assert [(r.tag, r.title[:8]) for r in records] == [
        ("天津招商", "滨海新区知识产权"),
        (None, '武清"四高"并举'),
        ("滨海新区招商", "滨海新区:深化企"),
    ]


def test_listing_body_is_split_into_paragraphs_at_sentence_and_heading_breaks() -> None:
    path = FIXTURES / "layouts" / "dash.txt"
    first = parse_dump(path.read_bytes(), path.name, "chanyeyuanqu").records[0]
    assert first.paragraphs[1] == "一、国家级知识产权保护平台落地滨海新区"
    assert len(first.paragraphs) == 4


def test_broken_heading_is_not_split() -> None:
    # "(一)坚持质量第 一、效益优先" is one heading the scraper broke with a space.
    path = FIXTURES / "layouts" / "bullet.txt"
    report = parse_dump(path.read_bytes(), path.name, "chanyeyuanqu").records[0]
    assert report.paragraphs[-1].startswith("(一)坚持质量第 一、效益优先")


def test_article_date_keeps_time_and_source() -> None:
    path = FIXTURES / "layouts" / "article.txt"
    (record,) = parse_dump(path.read_bytes(), path.name, "binhai-zwfw").records
    assert record.date == "2024-02-04T08:47"
    assert record.source == "区政务服务办"
    assert record.paragraphs[1] == "01创新“双招双引”模式 集聚创新创业领军人才"


def test_pinned_layout_overrides_detection() -> None:
    path = FIXTURES / "layouts" / "dash.txt"
    result = parse_dump(path.read_bytes(), path.name, "chanyeyuanqu", layout="bullet")
    assert result.layout == "bullet"
    assert result.records == []
    assert result.count(LineKind.UNPARSED) > 0

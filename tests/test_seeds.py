"""The real seeds: exactly 41 records, every boundary right, no chrome in any body."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SEEDS, assert_golden, records_as_json
from zsctl.model import LineKind, ParseResult
from zsctl.parse.dump import parse_dump
from zsctl.parse.rules import classify_chrome, default_rules
from zsctl.seeds.check import check_seeds
from zsctl.seeds.manifest import read_manifest

EXPECTED = {
    "000_d4354e664a3d2bb6.txt": ("dash", 10),
    "001_59724510a70e23fc.txt": ("bullet", 10),
    "002_04e0af03625ab7e7.txt": ("dash", 10),
    "003_c4e75968d8e1035a.txt": ("dash", 10),
    "004_744bbacfdfa27cd6.txt": ("article", 1),
}
# Text that is site chrome and must never appear inside an article body.
# ("企业入驻" is a footer link but also ordinary prose, so it is checked per paragraph below.)
CHROME_MARKERS = re.compile(
    r"点我投稿|投稿提示|投稿须知|400-162-2002|共 \d+ 页|当前位置|扫一扫在手机|"
    r"checktaskdate|全国各省市政府网站|“产业园区网”|字号:"
)


def _parse_all() -> dict[str, ParseResult]:
    manifest = read_manifest(SEEDS)
    return {
        e.file: parse_dump((SEEDS / e.file).read_bytes(), e.file, e.site, e.layout)
        for e in manifest.entries
    }


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParseResult]:
    return _parse_all()


def test_layouts_and_record_counts(parsed: dict[str, ParseResult]) -> None:
    assert {f: (r.layout, len(r.records)) for f, r in parsed.items()} == EXPECTED
    assert sum(len(r.records) for r in parsed.values()) == 41


def test_no_unparsed_lines(parsed: dict[str, ParseResult]) -> None:
    assert {f: r.unparsed() for f, r in parsed.items()} == {f: [] for f in EXPECTED}


def test_no_chrome_inside_bodies(parsed: dict[str, ParseResult]) -> None:
    leaks = [
        (r.provenance, m.group())
        for result in parsed.values()
        for r in result.records
        for m in [CHROME_MARKERS.search(r.body + r.title)]
        if m
    ]
    assert leaks == []


def test_no_paragraph_is_a_chrome_line(parsed: dict[str, ParseResult]) -> None:
    rules = default_rules()
    for result in parsed.values():
        site = "binhai-zwfw" if result.layout == "article" else "chanyeyuanqu"
        for r in result.records:
            flags = classify_chrome([r.title, *r.paragraphs], rules.for_site(site))
            assert flags == [None] * (len(r.paragraphs) + 1), r.provenance


def test_every_record_complete(parsed: dict[str, ParseResult]) -> None:
    for result in parsed.values():
        for r in result.records:
            assert r.title and r.date and r.paragraphs, r.provenance


def test_government_report_is_one_record(parsed: dict[str, ParseResult]) -> None:
    report = parsed["001_59724510a70e23fc.txt"].records[0]
    assert report.title == "2019年天津市西青区政府工作报告"
    assert report.tag == "西青区招商"
    assert len(report.body.encode()) > 36000  # the "36,000-character" report, in UTF-8 bytes
    assert report.body.endswith("以优异成绩迎接中华人民共和国成立70周年!")


def test_footer_legal_text_is_chrome(parsed: dict[str, ParseResult]) -> None:
    notes = {n.line: n for n in parsed["001_59724510a70e23fc.txt"].lines}
    assert notes[143].kind is LineKind.CHROME and notes[143].rule == "contribution-rules"
    assert notes[63].rule == "page-counter"
    assert notes[66].rule == "hotline-number"


def test_article_page_spans_whole_body(parsed: dict[str, ParseResult]) -> None:
    (article,) = parsed["004_744bbacfdfa27cd6.txt"].records
    assert article.title == "人文环境篇丨2023年度滨海新区优化营商环境创新实践案例展示"
    assert (article.provenance.first_line, article.provenance.last_line) == (5, 130)
    assert article.paragraphs[0].startswith("为全面展示滨海新区")
    assert article.paragraphs[-1].startswith("试点的成功获批")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seed_golden(parsed: dict[str, ParseResult], name: str) -> None:
    assert_golden(records_as_json(parsed[name]), FIXTURES / "golden" / f"{Path(name).stem}.json")


def test_check_passes_on_seeds() -> None:
    report = check_seeds(SEEDS)
    assert report.problems() == []
    assert report.ok()

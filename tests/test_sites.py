"""A portal zsctl has never seen: common rules, chrome inside records, user site rules files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from zsctl.errors import RulesError
from zsctl.parse.dump import parse_dump
from zsctl.parse.regex_safety import linear_time_problem
from zsctl.parse.rules import default_rules, merge_site_file, rules_for_seeds
from zsctl.seeds.check import check_seeds

JINNAN = FIXTURES / "sites" / "jinnan-gov"
# The lines of the jinnan-gov portal that no built-in rule may know.
SITE_LINES = [
    "天津市津南区人民政府",
    "津南区人民政府门户网站 | 无障碍 | 长者模式",
    "首页 | 走进津南 | 政务公开 | 政务服务 | 互动交流 | 投资津南",
    "网站地图 | 联系我们 | 使用帮助",
    "投资津南 共赢未来",
]
# Furniture that must never reach a title or a body.
CHROME = re.compile(
    r"责任编辑|浏览次数|阅读量|字体：|分享到|打印本页|扫一扫|上一篇|下一篇|版权所有|ICP备|公网安备|"
    r"网站标识码|邮编|主办单位|共 \d+ 页|首页 >|^作者："
)
# (title, date, source, paragraphs, first and last words of the body) per dump, by hand.
EXPECTED = {
    "000_f53c422dbeb1d3a7.txt": [
        ("津南区举行一季度招商引资项目集中签约 协议投资额超60亿元", "2024-03-18", None, 2),
        ("天开津南园新增落地科技型企业超百家", "2024-03-15", None, 2),
        ("小站镇特色产业园吸引食品加工企业集聚", "2024-03-12", None, 2),
    ],
    "001_0f72abd9a6d793c0.txt": [
        ("津南区与京津冀十余家商协会签署合作协议", "2024-04-26", None, 2),
        ("海河教育园区校地合作平台揭牌 推动科技成果就地转化", "2024-04-19", None, 2),
        ("八里台镇盘活闲置厂房 引进智能装备项目", "2024-04-11", None, 2),
    ],
    "002_cb1afea04d4030cd.txt": [
        ("津南经济开发区（西区）新能源汽车零部件产业链加速成形", "2024-06-28", None, 2),
        ("津南区出台支持楼宇经济高质量发展若干措施", "2024-06-20", None, 2),
        ("葛沽镇文旅项目集中开工 总投资超20亿元", "2024-06-14", None, 2),
    ],
    "003_dd59ee59700cde4d.txt": [
        (
            "签约项目38个、协议投资额61.3亿元——津南区举行2024年一季度招商引资项目集中签约",
            "2024-03-18T17:26:11",
            "津南区投资促进局",
            4,
        )
    ],
    "004_417f08e71598026b.txt": [
        ("天开津南园：以全周期服务吸引科技型企业集聚", "2024-04-02", "天津日报", 6)
    ],
    "005_d4220abb5d6455d8.txt": [
        ("《关于支持楼宇经济高质量发展的若干措施》政策解读", "2024-06-20T10:05", "津南区商务局", 4)
    ],
    "006_218cc19e7dcfc7dd.txt": [
        ("葛沽镇6个文旅融合项目集中开工 总投资21.4亿元", "2024-06-14T09:30", "津南区融媒体中心", 4)
    ],
}


@pytest.fixture
def jinnan(tmp_path: Path) -> Path:
    """A private copy of the jinnan-gov seeds folder."""
    dest = tmp_path / "seeds"
    shutil.copytree(JINNAN, dest)
    return dest


def _parse(name: str, seeds: Path = JINNAN) -> object:
    return parse_dump(
        (seeds / name).read_bytes(), name, "jinnan-gov", "auto", rules_for_seeds(seeds)
    )


def test_built_in_rules_alone_give_whole_records() -> None:
    report = check_seeds(JINNAN)
    got = {
        d.entry.file: [(r.title, r.date, r.source, len(r.paragraphs)) for r in d.result.records]
        for d in report.dumps
        if d.result is not None
    }
    assert got == EXPECTED


def test_no_chrome_line_reaches_a_title_or_body() -> None:
    report = check_seeds(JINNAN)
    leaks = [
        (d.entry.file, text)
        for d in report.dumps
        for r in (d.result.records if d.result else [])
        for text in [r.title, *r.paragraphs]
        if CHROME.search(text)
    ]
    assert leaks == []


def test_every_paragraph_of_every_article_is_kept() -> None:
    # The article lines of the pages: indented paragraphs, in order, none dropped.
    for d in check_seeds(JINNAN).dumps:
        if d.result is None or d.result.layout != "article":
            continue
        text = (JINNAN / d.entry.file).read_text(encoding="utf-8").splitlines()
        indented = [line.strip() for line in text if line.startswith("    ")]
        body = [p for p in indented if not CHROME.search(p)]
        assert d.result.records[0].paragraphs == body, d.entry.file


def test_body_sentences_about_sources_and_addresses_survive() -> None:
    bodies = "\n".join(
        r.body for d in check_seeds(JINNAN).dumps for r in (d.result.records if d.result else [])
    )
    assert "资金来源以区级引导基金和社会资本为主" in bodies
    assert "地址：天津市津南区咸水沽镇津沽路39号，联系电话：022-28391234。" in bodies


def test_check_fails_on_the_site_lines_and_names_them() -> None:
    report = check_seeds(JINNAN)
    assert not report.ok()
    unparsed = {
        p.message.split(": ", 1)[1].strip("'")
        for p in report.problems()
        if p.code == "unparsed-line"
    }
    assert unparsed == set(SITE_LINES)
    groups = report.unparsed_groups()
    assert sorted(g.text for g in groups) == sorted(SITE_LINES)
    assert {(g.count, g.dumps) for g in groups} == {(7, 7)}
    assert {p.code for p in report.problems()} == {"unparsed-line"}


def test_a_site_file_beside_the_dumps_makes_check_pass(jinnan: Path) -> None:
    (jinnan / "sites").mkdir()
    rules = "\n".join(
        f"      - id: line-{n}\n        pattern: '{re.escape(t)}'" for n, t in enumerate(SITE_LINES)
    )
    (jinnan / "sites" / "jinnan-gov.yaml").write_text(
        f"version: 1\nsites:\n  jinnan-gov:\n    name: 津南区人民政府\n    rules:\n{rules}\n",
        encoding="utf-8",
    )
    report = check_seeds(jinnan)
    assert report.problems() == []
    assert rules_for_seeds(jinnan).origins["jinnan-gov"] == (
        str(jinnan / "sites" / "jinnan-gov.yaml"),
    )


def test_a_user_file_for_a_packaged_site_extends_it(tmp_path: Path) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "binhai-zwfw.yaml").write_text(
        "version: 1\nsites:\n  binhai-zwfw:\n    rules:\n"
        "      - id: slogan\n        pattern: '滨城欢迎您'\n",
        encoding="utf-8",
    )
    rules = rules_for_seeds(tmp_path)
    ids = [r.id for r in rules.for_site("binhai-zwfw")]
    packaged = [r.id for r in default_rules().for_site("binhai-zwfw")]
    assert set(packaged) < set(ids) and "slogan" in ids
    assert rules.site_names["binhai-zwfw"] == default_rules().site_names["binhai-zwfw"]
    assert rules.fingerprint("binhai-zwfw") != default_rules().fingerprint("binhai-zwfw")
    assert rules.fingerprint("chanyeyuanqu") == default_rules().fingerprint("chanyeyuanqu")


# --- a dash listing with an editor line between body and date --------------------------------

DASH_WITH_EDITOR = """\
-
津南区举行招商推介会 签约项目12个
津南区日前举行招商推介会，现场签约项目12个，协议投资额18.6亿元。 项目涵盖新材料和智能装备领域。
责任编辑：王晓明
2024-05-06
-
小站镇冷链物流中心开工
小站镇冷链物流中心项目开工建设，总投资3.2亿元。
来源：津南区融媒体中心 浏览次数：88

2024-05-02
"""


def test_dash_record_with_editor_line_before_its_date_stays_whole() -> None:
    result = parse_dump(DASH_WITH_EDITOR.encode(), "x.txt", "no-such-site")
    got = [(r.title, r.paragraphs, r.date, r.provenance.last_line) for r in result.records]
    assert got == [
        (
            "津南区举行招商推介会 签约项目12个",
            [
                "津南区日前举行招商推介会，现场签约项目12个，协议投资额18.6亿元。",
                "项目涵盖新材料和智能装备领域。",
            ],
            "2024-05-06",
            5,
        ),
        (
            "小站镇冷链物流中心开工",
            ["小站镇冷链物流中心项目开工建设，总投资3.2亿元。"],
            "2024-05-02",
            11,
        ),
    ]
    assert [(n.line, n.rule) for n in result.lines if n.rule] == [(4, "editor"), (9, "meta-line")]
    assert result.unparsed() == []


def test_a_listing_whose_items_carry_metadata_lines_stays_a_listing() -> None:
    listing = "".join(
        f"-\n项目{n}签约\n项目{n}投资{n}亿元。\n发布时间：2024-05-0{n} 10:00 来源：津南发布\n"
        f"2024-05-0{n}\n"
        for n in range(1, 4)
    )
    result = parse_dump(listing.encode(), "x.txt", "no-such-site")
    assert result.layout == "dash" and result.unparsed() == []
    assert [(r.title, r.date, r.paragraphs) for r in result.records] == [
        (f"项目{n}签约", f"2024-05-0{n}", [f"项目{n}投资{n}亿元。"]) for n in range(1, 4)
    ]


def test_a_bare_date_line_over_a_listing_is_not_an_article_page() -> None:
    listing = "日期：2024-07-01\n" + DASH_WITH_EDITOR
    result = parse_dump(listing.encode(), "x.txt", "no-such-site")
    assert result.layout == "dash" and len(result.records) == 2


@pytest.mark.parametrize(
    ("meta", "date", "source"),
    [
        (
            "发布时间：2024-03-18 17:26:11　来源：区投资促进局　浏览次数：1532",
            "2024-03-18T17:26:11",
            "区投资促进局",
        ),
        ("发布日期: 2024-03-18 来源: 区投资促进局", "2024-03-18", "区投资促进局"),
        ("来源：天津日报 发布日期：2024/3/18 作者：记者 刘宁", "2024-03-18", "天津日报"),
        ("浏览次数：12 作者：赵琳 发布时间：2024年3月18日 09:30", "2024-03-18T09:30", None),
        ("【发布时间：2024-03-18 09:30:05】【来源：津南发布】", "2024-03-18T09:30:05", "津南发布"),
        ("时间:2022-07-28 10:21 来源:天津日报", "2022-07-28T10:21", "天津日报"),
    ],
)
def test_article_meta_line_variants(meta: str, date: str, source: str | None) -> None:
    page = f"天津市津南区人民政府\n\n标题在这里\n{meta}\n\n    第一段正文。\n\n    第二段正文。\n"
    result = parse_dump(page.encode(), "x.txt", "no-such-site")
    (rec,) = result.records
    assert (rec.title, rec.date, rec.source, rec.paragraphs) == (
        "标题在这里",
        date,
        source,
        ["第一段正文。", "第二段正文。"],
    )


# --- malformed user rules files: each an error naming the file and the line ------------------

_GOOD_HEAD = "version: 1\nsites:\n  mysite:\n    rules:\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (_GOOD_HEAD + "      - id: a\n        pattern: 'x\n", 6, "invalid YAML"),
        (_GOOD_HEAD + "      - id: a\n        pattern: x\n        colour: red\n", 7, "unknown key"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '[abc'\n", 6, "bad regex"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '[[x]'\n", 6, "nested set"),
        (
            _GOOD_HEAD
            + "      - id: a\n        pattern: x\n"
            + "      - id: b\n        pattern: '(\\d+\\s*)+页'\n",
            8,
            "exponential",
        ),
        (_GOOD_HEAD + "      - id: a\n        pattern: '(a)x\\1'\n", 6, "backreference"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '\\s*\\s*x'\n", 6, "quadratic"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '(a|a)*b'\n", 6, "exponential"),
        (_GOOD_HEAD + "      - id: [1]\n        pattern: x\n", 5, "a rule id is text"),
        ("version: 1\nsites:\n  mysite:\n    name: [1]\n    rules: []\n", 4, "name must be text"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '(a|aa)+b'\n", 6, "exponential"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '(?i:ab|AB)+c'\n", 6, "exponential"),
        (_GOOD_HEAD + "      - id: a\n        pattern: '(?:\\d+|…)+'\n", 6, "itself repeats"),
        (_GOOD_HEAD + "      - id: a\n        pattern: 'a{99999999999}'\n", 6, "too large"),
        (
            _GOOD_HEAD + "      - id: a\n        pattern: '" + "(" * 500 + "a" + ")" * 500 + "'\n",
            6,
            "nested too deep",
        ),
        (_GOOD_HEAD + "      - id: a\n        pattern: '.*'\n", 6, "empty line"),
        (_GOOD_HEAD + "      - id: breadcrumb\n        pattern: 'x'\n", 5, "already defined"),
        ("version: 1\ncommon: []\nsites:\n  mysite: {}\n", 2, "unknown key"),
        ("version: 1\nsites:\n  othersite:\n    rules: []\n", 2, "exactly 'mysite'"),
    ],
)
def test_malformed_user_rules_file_is_an_error_with_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    (tmp_path / "sites").mkdir()
    path = tmp_path / "sites" / "mysite.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        rules_for_seeds(tmp_path)
    assert (info.value.path, info.value.line) == (str(path), line)
    assert words in info.value.message
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_a_rules_file_named_yml_is_not_silently_ignored(tmp_path: Path) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "mysite.yml").write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"rename it to mysite\.yaml"):
        rules_for_seeds(tmp_path)


def test_check_of_a_seeds_folder_with_a_bad_rules_file_raises_one_error(jinnan: Path) -> None:
    (jinnan / "sites").mkdir()
    (jinnan / "sites" / "jinnan-gov.yaml").write_text("version: 1\nsites: [\n", encoding="utf-8")
    with pytest.raises(RulesError, match="invalid YAML"):
        check_seeds(jinnan)


# --- chrome that reaches a body anyway --------------------------------------------------------


def _one_dump_seeds(tmp_path: Path, items: str) -> Path:
    """A seeds folder holding one dash-listing dump of site 'mysite', listed with its sha256."""
    import hashlib

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "001_a.txt").write_text(items, encoding="utf-8")
    sha = hashlib.sha256(items.encode()).hexdigest()
    (seeds / "INDEX.md").write_text(
        "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n"
        f"| 001_a.txt | mysite | auto | - | {sha} | x |\n",
        encoding="utf-8",
    )
    return seeds


def test_check_reports_a_paragraph_repeating_across_records_and_a_chrome_paragraph(
    tmp_path: Path,
) -> None:
    items = "".join(
        f"-\n标题{n}号项目落地\n项目{n}签约落地，投资{n}亿元。 本文转自津南发布\n2024-05-0{n}\n"
        for n in range(1, 5)
    )
    items += "-\n标题五\n项目五签约落地。 责任编辑：王晓明\n2024-05-09\n"
    seeds = _one_dump_seeds(tmp_path, items)
    problems = check_seeds(seeds).problems()
    assert [(p.code, p.line) for p in problems] == [
        ("chrome-in-body", 17),
        ("repeated-paragraph", 1),
        ("repeated-paragraph", 5),
        ("repeated-paragraph", 9),
        ("repeated-paragraph", 13),
    ]
    assert (
        "本文转自津南发布" in problems[1].message and "zsctl sites suggest" in problems[1].message
    )
    assert "'editor'" in problems[0].message


def test_the_stub_a_cut_summary_leaves_is_no_repeated_paragraph(tmp_path: Path) -> None:
    """Summaries cut after a space end in a stub paragraph ('天...'); different stories share
    it, and check must not call it page furniture (it did, on bench.generate's snippets)."""
    items = "".join(
        f"-\n第{n}个项目落地\n项目{n}在西青签约落地，投资{n}亿元，总部设在这里。 天...\n"
        f"2024-05-0{n}\n"
        for n in range(1, 6)
    )
    report = check_seeds(_one_dump_seeds(tmp_path, items))
    stubs = [r.paragraphs[-1] for d in report.dumps for r in d.result.records]
    assert stubs == ["天..."] * 5  # the stub is a paragraph of its own
    assert [p.code for p in report.problems()] == []


# --- no rules file gives a traceback -----------------------------------------------------------

_PATTERN_BITS = st.sampled_from(
    [
        "a",
        "中",
        "\\d",
        "\\s",
        ".",
        "*",
        "+",
        "?",
        "{1,3}",
        "(",
        ")",
        "[",
        "]",
        "|",
        "\\1",
        "(?=",
        "'",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    patterns=st.lists(st.lists(_PATTERN_BITS, max_size=8).map("".join), max_size=4),
    junk=st.text(max_size=40),
)
def test_any_rules_file_loads_or_is_one_rules_error(patterns: list[str], junk: str) -> None:
    rules = "".join(
        f"      - id: r{n}\n        pattern: '{p.replace(chr(39), chr(39) * 2)}'\n"
        for n, p in enumerate(patterns)
    )
    for text in (_GOOD_HEAD + rules, _GOOD_HEAD + rules + junk, junk):
        try:
            merged = merge_site_file(default_rules(), text, "mysite.yaml", "mysite")
        except RulesError as exc:
            assert exc.path == "mysite.yaml" and exc.message
        else:
            for rule in merged.for_site("mysite"):
                assert linear_time_problem(rule.pattern.pattern) is None


@pytest.mark.parametrize(
    "pattern", ["(?:共|共计)+页", "(a|ab)+c", "(?:上一页|下一页|首页|尾页)+", "(?:第一页|共)+"]
)
def test_alternations_that_start_apart_pass_the_linear_time_check(pattern: str) -> None:
    """`re` factors `共|共计` into `共(?:|计)`: the empty branch is followed by 共 or 页, not 计."""
    assert linear_time_problem(pattern) is None


def test_headings_and_sentences_shared_by_stories_are_not_furniture(tmp_path: Path) -> None:
    items = "".join(
        f"-\n项目{n}签约\n一、总体要求 项目{n}投资{n}亿元。 全区新签约项目一百二十个；\n"
        f"2024-05-0{n}\n"
        for n in range(1, 5)
    )
    seeds = _one_dump_seeds(tmp_path, items)
    report = check_seeds(seeds)
    assert [len(r.paragraphs) for d in report.dumps for r in d.result.records] == [3] * 4
    assert report.problems() == []

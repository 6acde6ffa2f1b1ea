"""Every packaged chrome rule: lines it must claim, and near-miss body lines no rule may claim."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsctl.parse.rules import Rule, _any_of, default_rules, first_rule

# rule id -> (lines the rule must match, body lines that look like it and no rule may match).
# The near misses are sentences an article may well contain; a rule that eats one loses text.
EXAMPLES: dict[str, tuple[list[str], list[str]]] = {
    "breadcrumb": (
        ["当前位置: 首页>新闻中心", "您现在的位置：首页 > 投资津南 > 招商动态", "您的位置 : 首页"],
        ["企业所在位置优越，距天津港仅20公里。"],
    ),
    "breadcrumb-trail": (
        ["首页 > 投资津南 > 招商动态", "首页>政务公开>政策解读", "首页 » 新闻中心"],
        ["首页展示了全区重点项目的分布情况。", "首页设有“投资津南”专栏"],
    ),
    "hotline-number": (["400-162-2002", "022-2839-1234", "2839-1234-8"], ["2024年"]),
    "page-counter": (["共 5 页", "第 2 页 共 9 页", "上一页", "尾页"], ["第二页内容更加丰富。"]),
    "pager": (
        [
            "共 5 页  当前第 1 页",
            "首页 上一页 下一页 尾页",
            "共42条记录 首页 上一页 1 2 3 下一页 尾页",
        ],
        ["下一页将介绍具体申报流程。", "共同打造一流营商环境页面"],
    ),
    "query-string": (
        ["checktaskdate=&unchecktaskdate=&ssbm=&fromcontentid=", "a=1&b=2&c=3 d=4"],
        ["a=1&b=2", "企业可登录网站查询办理进度。"],
    ),
    "font-size": (
        ["字号:", "【字体：大 中 小】", "字号：[大] [中] [小]", "字体：【大 中 小】"],
        ["字体设计行业在园区快速集聚。"],
    ),
    "share-qr": (
        [
            "扫一扫在手机打开当前页",
            "• 扫一扫在手机上打开当前页",
            "扫一扫，分享到微信",
            "扫一扫 关注津南发布",
        ],
        ["扫一扫二维码即可在线申报。", "市民扫一扫就能办理业务"],
    ),
    "share-to": (
        ["分享到：", "分享到：微信 微博 QQ空间", "分享: "],
        ["分享到会企业纷纷表示将加大投资。", "分享：园区企业介绍了各自的发展经验。"],
    ),
    "print-close": (
        [
            "【打印本页】【关闭窗口】",
            "[打印] [关闭]",
            "【打印本页】 【关闭窗口】 【返回顶部】",
            "【字体：大 中 小】 【打印本页】【关闭窗口】",
        ],
        ["打印本页的内容仅供参考。", "关闭窗口期后将不再受理申请。"],
    ),
    "prev-next": (
        ["上一篇：天开津南园新增落地科技型企业超百家", "下一篇: 无", "下一篇"],
        ["上一篇文章中我们提到，园区将新建孵化器。"],
    ),
    "views": (
        ["浏览次数：1532", "阅读量：2075", "点击数：", "【浏览次数：326次】", "访问量: 88"],
        ["阅读量大幅提升，公众号粉丝突破十万。", "浏览：园区展厅后，客商表示了投资意向。"],
    ),
    "editor": (
        [
            "责任编辑：王晓明",
            "（责任编辑：李娜）",
            "[责任编辑: 赵琳]",
            "编辑：张晓 审核：李娜",
            "责编：刘宁",
        ],
        ["编辑：这部作品由园区企业联合出品。", "责任编辑部门要切实落实审核责任。"],
    ),
    "author": (
        ["作者：本网记者 赵琳", "作者: 张三", "通讯员：王芳", "（记者：刘宁）"],
        ["作者：园区将新建三座孵化器，预计年底投用。", "作者认为，营商环境是最好的招商。"],
    ),
    "source": (
        ["来源：天津日报", "信息来源: 市人民政府办公室", "（来源：津南区融媒体中心）"],
        ["来源：据区统计局数据，全区规上工业增加值增长8.2%。", "资金来源以社会资本为主。"],
    ),
    "meta-line": (
        [
            "来源：津南区投资促进局 浏览次数：326",
            "来源: 天津日报  发布日期: 2024-04-02  作者: 记者 刘宁",
            "作者：本网记者 赵琳 发布时间：2024-06-14 09:30 来源：津南区融媒体中心",
            "时间:2022-07-28 10:21 来源:天津日报",
            "发布时间：2024-03-18 17:26:11 来源：津南区投资促进局 浏览次数：1532",
            "【发布时间：2024-03-18】【来源：津南发布】",
        ],
        ["来源：区统计局。作者：调研组。", "时间：6月14日上午，地点：葛沽镇文化广场。"],
    ),
    "copyright": (
        [
            "版权所有：天津市津南区人民政府 津ICP备05004589号-1",
            "Copyright © 2024 津南区人民政府 All Rights Reserved",
            "版权所有 © 2006-2023 中企天津报道 | | 举报电话:16710267953",
        ],
        ["依法保护著作权人，明确版权所有人的合法权益。"],
    ),
    "host-org": (
        [
            "主办单位：天津市津南区人民政府办公室 承办单位：天津市津南区大数据管理中心",
            "主办：津南区人民政府",
            "技术支持：津南区融媒体中心",
        ],
        ["本次活动由区商务局主办、区工商联承办。", "主办方：园区管委会介绍了招商政策。"],
    ),
    "icp-number": (
        ["津ICP备05004589号-1", "ICP备案号：津ICP备12345678号", "京ICP证030173号"],
        ["企业可在线办理ICP许可证和增值电信业务经营许可证。"],
    ),
    "police-record": (
        ["津公网安备 12011202000591号 网站标识码：1201120001", "津公网安备12011202000591号"],
        ["公网安备案工作已全面完成。"],
    ),
    "site-code": (
        ["网站标识码：1201120001", "网站标识码 1200000070"],
        ["网站标识码的编制规则由国务院办公厅制定。"],
    ),
    "address-postcode": (
        [
            "地址：天津市津南区咸水沽镇津沽路39号 邮编：300350",
            "联系地址: 天津市和平区南京路1号 邮政编码: 300040",
            "地址：天津市津南区津沽路39号 电话：022-28391234",
        ],
        [
            "政策咨询请与区商务局联系，地址：天津市津南区咸水沽镇津沽路39号，联系电话：022-28391234。",
            "地址：天津市津南区咸水沽镇津沽路39号",
        ],
    ),
    # Site rules of the packaged sites.
    "contribute-link": (["有想补充的信息?点我投稿", "有想补充的信息？点我投稿"], ["欢迎投稿。"]),
    "nav-link": (["- 联系我们", "• 企业入驻", "- 工业用地招商"], ["企业入驻率达100%。"]),
    "hotline-label": (["招商中心", "投资咨询热线"], ["招商中心负责项目对接。"]),
    "policy-offer": (["获取园区招商政策资料", "立即获取"], ["立即获取政策支持的企业有20家。"]),
    "contribution-rules": (["投稿提示"], ["投稿提示语已更新。"]),
    "site-name": (
        ["天津市滨海新区人民政府政务服务办公室"],
        ["天津市滨海新区人民政府政务服务办公室发布了新政。"],
    ),
    "link-list": (["全国各省市政府网站", "重点链接"], ["重点链接京津冀产业资源。"]),
}


def _all_rules() -> list[Rule]:
    rules = default_rules()
    return [*rules.common, *(r for site in rules.sites.values() for r in site)]


def test_every_packaged_rule_has_examples() -> None:
    assert sorted({r.id for r in _all_rules()}) == sorted(EXAMPLES)


@pytest.mark.parametrize("rule", _all_rules(), ids=lambda r: r.id)
def test_rule_matches_its_examples(rule: Rule) -> None:
    lines, _ = EXAMPLES[rule.id]
    assert lines, rule.id
    assert [line for line in lines if not rule.pattern.fullmatch(line.strip())] == []


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_no_rule_eats_a_near_miss(rule_id: str) -> None:
    _, near_misses = EXAMPLES[rule_id]
    assert near_misses, rule_id
    eaten = [
        (line, r.id) for line in near_misses for r in _all_rules() if r.pattern.fullmatch(line)
    ]
    assert eaten == []


# --- one regex for all the rules: the same answer as trying them one by one ---------------------

_PATTERNS = [
    r"共\s*\d+\s*页",
    r"(?i)print",  # a global inline flag: cannot be joined
    r"(?P<n>\d+)-(?P=n)",  # a named back-reference: kept apart
    r"(a)\1",  # a numbered back-reference
    r"(?P<x>首页)|上一页",
    r"(?P<x>尾页)",  # the same group name as the rule before: cannot be joined
    r"a|ab",  # fullmatch must backtrack into the next alternative
    r".*招商.*",
    r"",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_PATTERNS), min_size=0, max_size=5),
    st.text(alphabet="共 12页首上一尾ab招商PRINTprint-", max_size=12),
)
def test_first_rule_is_the_first_pattern_that_fullmatches(patterns: list[str], text: str) -> None:
    rules = tuple(Rule(f"r{i}", re.compile(p)) for i, p in enumerate(patterns))
    expected = next((r for r in rules if r.pattern.fullmatch(text)), None)
    assert first_rule(text, rules) == expected


def test_the_packaged_rules_are_joined_into_one_regex() -> None:
    rules = default_rules()
    for site in rules.sites:
        assert _any_of(rules.for_site(site)) is not None, site

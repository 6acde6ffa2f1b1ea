"""Fuzzing decode and parse: random bytes, mutated dumps and generated pages.

Properties, for any input:
* the only exceptions that escape `decode_bytes` and `parse_dump` are `ZsctlError`s;
* decoded text holds no controls but tab and newline, and decoding it again changes nothing;
* every line is accounted for exactly once (`ParseResult.lines` is lines 1..N in order, each
  record, chrome, blank or unparsed), blank means whitespace only, records' spans are inside
  the dump, in order, disjoint, and hold every record line.

The CI run keeps examples few (about 200 per property). `scripts/fuzz.py --minutes N` runs the
same checks on the same generators for as long as you like. The generators take a
`random.Random`, so Hypothesis (through `st.randoms`) and the script share them.
"""

from __future__ import annotations

import codecs
import random
import re
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zsctl.errors import ZsctlError
from zsctl.model import LineKind, ParseResult
from zsctl.parse.decode import decode_bytes
from zsctl.parse.dump import parse_dump, split_lines
from zsctl.parse.rules import default_rules
from zsctl.seeds.dumps import DumpLimits

ROOT = Path(__file__).resolve().parent.parent
FUZZ_CORPUS = Path(__file__).resolve().parent / "fuzz_corpus"
SITES = ("chanyeyuanqu", "binhai-zwfw")
LAYOUTS = ("auto", "auto", "dash", "bullet", "article")
# Small limits keep a mutation that repeats a chunk from turning into a slow example; the
# limits themselves are part of what is fuzzed (refusal is a ZsctlError like any other).
LIMITS = DumpLimits(max_bytes=256 * 1024, max_lines=20_000)
WINDOW = 6 * 1024  # the real dumps are fuzzed a window at a time, to keep examples fast

_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u00a0\u3000\r]")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?")

# Fragments that real dumps, damaged dumps and hostile dumps are made of.
SNIPPETS: tuple[bytes, ...] = tuple(
    s if isinstance(s, bytes) else s.encode()
    for s in (
        b"\x00", b"\xff", b"\xe6\xa0", b"\xc0\xaf", b"\xed\xa0\x80", b"\r", b"\r\n", b"\n",
        b"\n\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
        "\x1b[31m", "\x1b]0;t\x07", "\u009b2J", "\u202e", "\u2066", "\ufeff", "\u00a0", "\u3000",
        "\u2028", "[bold red]x[/]", "-\n", "- 联系我们\n", "• 【天津招商】标题\n", "    正文。\n",
        "  • ", "【", "】", "2025-07-01\n", "2025-7-1 09:30\n", "2025-13-45\n",
        "发布日期: 2024-02-04 09:30      来源: 区政务服务办\n", "发布时间：2024年2月4日\n",
        "投稿提示\n", "2.3“产业园区网”尊重\n", "当前位置: 首页>新闻\n", "有想补充的信息?点我投稿\n",
        "共 5 页\n", "字号: 大 中 小\n", "重点链接\n", "400-162-2002\n", "a=1&b=2&c=3\n",
        "一、", "(一)", "。 ", "字号" + " " * 200, "a=&" * 100, "\t",
    )
)  # fmt: skip
# Whole lines for generated pages: the layouts' and chrome rules' vocabulary.
LINES: tuple[str, ...] = (
    "-", "-", "- 联系我们", "• 【天津招商】滨海新区招商引资推介会", "  • 【西青区招商】西青签约",
    "•", "• ", "【天津招商】标题", "标题", "武清\"四高\"并举打造项目集聚新高地",
    "    滨海新区持续深化企地联动机制。 一、国家级平台落地 在滨海—中关村科技园。",
    "正文。 (一)坚持质量第 一、效益优先,经济运行稳中向好。", "2025-07-18", "    2025-07-08",
    "2025-7-1 09:30", "2025-02-30", "发布日期: 2024-02-04 09:30      来源: 区政务服务办",
    "发布日期:2024-02-04", "投稿提示", "2.3“产业园区网”尊重并保护法人", "当前位置: 首页>新闻中心",
    "有想补充的信息?点我投稿", "共 573 页", "第 2 页 下一页", "字号:", "字号: 大 中 小", "重点链接",
    "天津市滨海新区人民政府政务服务办公室", "招商中心", "400-162-2002", "a=1&b=&c=3&d=4",
    "扫一扫在手机打开当前页", "【打印本页】【关闭窗口】", "", "", "   ", "\t",
)  # fmt: skip
_REENCODINGS = ("gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "utf-8-sig", "crlf", "cr")


def corpus_inputs() -> list[bytes]:
    """The committed fuzz seeds, then windows of the real dumps in seeds/."""
    inputs = [p.read_bytes() for p in sorted(FUZZ_CORPUS.iterdir()) if p.suffix != ".md"]
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        data = path.read_bytes()
        inputs += [data[i : i + WINDOW] for i in range(0, len(data), WINDOW)]
    return inputs


def mutate(data: bytes, rnd: random.Random, pool: Sequence[bytes], steps: int) -> bytes:
    """Apply `steps` random edits: byte flips, snippets, cuts, line shuffles, re-encodings."""
    out = bytearray(data)
    for _ in range(steps):
        op = rnd.choice(
            (
                "flip",
                "insert",
                "insert",
                "delete",
                "truncate",
                "lines",
                "splice",
                "repeat",
                "encode",
            )
        )
        pos = rnd.randrange(len(out) + 1)
        if op == "flip" and out:
            out[min(pos, len(out) - 1)] = rnd.randrange(256)
        elif op == "insert":
            out[pos:pos] = rnd.choice(SNIPPETS)
        elif op == "delete":
            del out[pos : pos + rnd.randrange(1, 64)]
        elif op == "truncate":
            del out[pos:]
        elif op == "lines":
            lines = bytes(out).split(b"\n")
            i, j = rnd.randrange(len(lines)), rnd.randrange(len(lines))
            if rnd.random() < 0.5:
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            out = bytearray(b"\n".join(lines))
        elif op == "splice":
            other = rnd.choice(pool)
            start = rnd.randrange(len(other) + 1)
            out[pos:pos] = other[start : start + rnd.randrange(1, 512)]
        elif op == "repeat":
            chunk = bytes(out[pos : pos + rnd.randrange(1, 16)]) or b" "
            out[pos:pos] = chunk * rnd.randrange(2, 2000)
        elif op == "encode":
            out = bytearray(reencode(bytes(out), rnd.choice(_REENCODINGS)))
    return bytes(out)


def reencode(data: bytes, how: str) -> bytes:
    """The same text (as far as it decodes) in another encoding or with other line ends."""
    text = data.decode("utf-8", errors="replace")
    if how == "crlf":
        return text.replace("\n", "\r\n").encode()
    if how == "cr":
        return text.replace("\n", "\r").encode()
    return text.encode(how, errors="ignore")


def generated_page(rnd: random.Random) -> bytes:
    """A page assembled from layout and chrome lines, with the odd random character."""
    lines = []
    for _ in range(rnd.randrange(0, 40)):
        line = rnd.choice(LINES)
        if rnd.random() < 0.1:
            cut = rnd.randrange(len(line) + 1)
            line = (
                line[:cut]
                + chr(rnd.choice((rnd.randrange(0x20, 0x2FF), 0x202E, 0x4E00)))
                + line[cut:]
            )
        lines.append(line)
    return ("\n".join(lines) + rnd.choice(("", "\n", "\n\n"))).encode()


def check_decode(data: bytes) -> None:
    """decode_bytes either raises a ZsctlError or returns clean text that decodes to itself."""
    try:
        decoded = decode_bytes(data, "fuzz.txt")
    except ZsctlError as exc:
        assert exc.path == "fuzz.txt" and exc.message
        return
    assert not _UNSAFE_TEXT.search(decoded.text), _UNSAFE_TEXT.findall(decoded.text)[:5]
    again = decode_bytes(decoded.text.encode("utf-8"), "again.txt")
    assert (again.text, again.encoding, again.fallback) == (decoded.text, "utf-8", False)


def check_parse(data: bytes, site: str, layout: str) -> ParseResult | None:
    """parse_dump raises only ZsctlErrors, and accounts for every line exactly once."""
    try:
        result = parse_dump(data, "fuzz.txt", site, layout, limits=LIMITS)
    except ZsctlError as exc:
        assert exc.message
        return None
    lines = split_lines(decode_bytes(data, "fuzz.txt").text)
    assert [n.line for n in result.lines] == list(range(1, len(lines) + 1))
    rules = {r.id for r in default_rules().for_site(site)}
    for note, text in zip(result.lines, lines, strict=True):
        assert (note.kind is LineKind.BLANK) == (not text.strip()), (note, text)
        assert (note.rule is not None) == (note.kind is LineKind.CHROME), note
        assert note.rule is None or note.rule in rules
        assert note.text == (text if note.kind is LineKind.UNPARSED else "")
    kinds = {n.line: n.kind for n in result.lines}
    previous_end = 0
    covered: set[int] = set()
    for record in result.records:
        span = record.provenance
        assert span.dump == "fuzz.txt" and record.layout == result.layout
        assert previous_end < span.first_line <= span.last_line <= len(lines), span
        assert kinds[span.first_line] is kinds[span.last_line] is LineKind.RECORD, span
        covered.update(range(span.first_line, span.last_line + 1))
        previous_end = span.last_line
        assert "\n" not in record.title and all(p and "\n" not in p for p in record.paragraphs)
        assert record.date is None or _ISO.fullmatch(record.date), record.date
    assert {n for n, k in kinds.items() if k is LineKind.RECORD} <= covered
    return result


FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INPUTS = corpus_inputs()


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(SITES), st.sampled_from(LAYOUTS))
def test_random_bytes(data: bytes, site: str, layout: str) -> None:
    check_decode(data)
    check_parse(data, site, layout)


@FUZZ
@given(
    st.sampled_from(INPUTS),
    st.randoms(use_true_random=False),
    st.integers(1, 8),
    st.sampled_from(SITES),
    st.sampled_from(LAYOUTS),
)
def test_mutated_dumps(data: bytes, rnd: random.Random, steps: int, site: str, layout: str) -> None:
    mutated = mutate(data, rnd, INPUTS, steps)
    check_decode(mutated)
    check_parse(mutated, site, layout)


@FUZZ
@given(st.randoms(use_true_random=False), st.sampled_from(SITES), st.sampled_from(LAYOUTS))
def test_generated_pages(rnd: random.Random, site: str, layout: str) -> None:
    data = generated_page(rnd)
    check_decode(data)
    result = check_parse(data, site, layout)
    assert result is not None  # valid UTF-8 text, well under the limits: always parses
    # The same page with a BOM or other line ends is the same page.
    for variant in (codecs.BOM_UTF8 + data, codecs.BOM_UTF16_LE + reencode(data, "utf-16-le"),
                    reencode(data, "crlf")):  # fmt: skip
        other = check_parse(variant, site, layout)
        assert other is not None
        assert other.lines == result.lines and other.records == result.records


def test_every_committed_fuzz_input_holds_the_properties() -> None:
    for data in INPUTS:
        check_decode(data)
        for site in SITES:
            check_parse(data, site, "auto")

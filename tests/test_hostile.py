"""Hostile input and failure: every case gives a clear error, and nothing is lost.

One section per row of the hostile-input table in docs/SECURITY.md. Commands are driven
through the real CLI (Typer's CliRunner, or a subprocess where a fault needs its own process)
and every run is checked for the exit code and for the absence of a traceback.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import FIXTURES, ROOT, SEEDS
from zsctl.cli import output
from zsctl.cli.app import build_app
from zsctl.errors import ZsctlError
from zsctl.ingest import ingest
from zsctl.parse.decode import normalise_text
from zsctl.parse.dump import parse_dump
from zsctl.seeds.dumps import read_dump
from zsctl.seeds.manifest import read_manifest
from zsctl.store.corpus import connect_read

HEADER = "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n"
DASH = (FIXTURES / "layouts" / "dash.txt").read_bytes()
ARTICLE = (FIXTURES / "layouts" / "article.txt").read_bytes()
CHROME_ONLY = "有想补充的信息?点我投稿\n\n- 联系我们\n- 企业入驻\n".encode()
# What must never reach a terminal: C0 controls but tab and newline, DEL, C1, bidi controls.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

T = TypeVar("T")

app = build_app()


def cli(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """Run zsctl in-process with a wide, colourless, non-terminal stdout."""
    output.console.cache_clear()
    base: dict[str, str | None] = {"COLUMNS": "200", "NO_COLOR": "1", "ZSCTL_CORPUS": None}
    return CliRunner().invoke(app, list(args), env={**base, **(env or {})})


def assert_clean(result: Result, *codes: int) -> None:
    """The exit code is one of `codes` and no exception escaped (CliRunner hides tracebacks)."""
    assert result.exit_code in codes, (result.exit_code, result.output)
    escaped = result.exception
    assert escaped is None or isinstance(escaped, SystemExit), repr(escaped)
    assert "Traceback" not in result.output


def one_line_error(result: Result, code: int) -> str:
    """The run failed with `code` and said why in exactly one line on stderr."""
    assert_clean(result, code)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def row(name: str, data: bytes, site: str = "chanyeyuanqu", **kw: str) -> str:
    """One INDEX.md row for `data` (sha256 and layout overridable)."""
    sha = kw.get("sha", hashlib.sha256(data).hexdigest())
    return f"| {name} | {site} | {kw.get('layout', 'auto')} | - | {sha} | test |\n"


def make_seeds(
    root: Path, dumps: Mapping[str, bytes | tuple[bytes, str]], rows: str | None = None
) -> Path:
    """A seeds folder holding `dumps` (name -> bytes, or (bytes, site)) and its INDEX.md."""
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    body = ""
    for name, value in dumps.items():
        data, site = value if isinstance(value, tuple) else (value, "chanyeyuanqu")
        (seeds / name).write_bytes(data)
        body += row(name, data, site)
    (seeds / "INDEX.md").write_text(
        "# seeds\n\n" + HEADER + (rows if rows is not None else body), "utf-8"
    )
    return seeds


def article_rows(corpus: Path) -> list[tuple[object, ...]]:
    """Every article as stored, for before/after comparisons."""
    with closing(connect_read(corpus)) as db:
        return db.execute(
            "SELECT id, title, date, body, n_sources FROM articles ORDER BY id"
        ).fetchall()


def problems(result: Result) -> list[dict[str, object]]:
    """The problems of a `check --format json` run."""
    data = json.loads(result.stdout)
    assert isinstance(data["problems"], list)
    return data["problems"]


# --- empty dump, dump of only chrome --------------------------------------------------------------


def test_check_names_empty_and_chrome_only_dumps(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_e.txt": b"", "002_c.txt": CHROME_ONLY, "003_d.txt": DASH})
    result = cli("check", "--seeds", str(seeds))
    assert_clean(result, 1)
    assert f"{seeds}/001_e.txt: error: layout-unknown: empty dump" in result.stdout
    assert (
        f"{seeds}/002_c.txt: error: layout-unknown: only site chrome (3 line(s))" in result.stdout
    )
    assert "003_d.txt: error" not in result.stdout
    blank = make_seeds(tmp_path / "b", {"001_b.txt": b"\n  \n\t\n"})
    result = cli("check", "--seeds", str(blank))
    assert_clean(result, 1)
    assert "001_b.txt: error: layout-unknown: only blank lines" in result.stdout


def test_ingest_skips_empty_and_chrome_only_with_warning_and_keeps_others(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_e.txt": b"", "002_c.txt": CHROME_ONLY, "003_d.txt": DASH})
    corpus = tmp_path / "c.db"
    result = cli("ingest", "--seeds", str(seeds), "--corpus", str(corpus))
    assert_clean(result, 1)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert [w.split(":")[1].strip() for w in warnings] == ["001_e.txt", "002_c.txt"]
    assert len(article_rows(corpus)) == 3  # the good dump's three articles


# --- binary, invalid and truncated bytes ----------------------------------------------------------


_RANDOM = random.Random(7).randbytes(4096)
_CUT = DASH.index(b"\n", 300) + 1
_BAD_MID = DASH[:_CUT] + b"\xe6\xa0" + DASH[_CUT:]  # a character cut in two in mid-file
_MANY_BAD = bytes(b if i % 7 else 0xFF for i, b in enumerate(DASH * 4))
_UTF16 = b"\xff\xfe" + DASH.decode().encode("utf-16-le")
_GB = DASH.decode().encode("gb18030")
_GB_CUT = _GB.rindex("协同".encode("gb18030")) + 1  # inside 协

# (bytes, "decoded" or "refused", text the problem's message must hold: byte offset and why)
BAD_BYTES = {
    "nul-bytes": (b"\x00\x01\x02binary" * 10, "refused", "NUL byte at offset 0"),
    "nul-late": (DASH + b"\x00" + DASH, "refused", f"NUL byte at offset {len(DASH)}"),
    "random": (_RANDOM, "refused", "byte "),
    "invalid-mid-sequence": (_BAD_MID, "decoded", f"invalid UTF-8 at byte {_CUT}"),
    "mostly-invalid": (_MANY_BAD, "refused", "not valid UTF-8 (byte 0"),
    "truncated-utf8": (DASH + "招商".encode()[:4], "decoded", f"at byte {len(DASH) + 3}"),
    "truncated-gb18030": (_GB[:_GB_CUT], "decoded", f"mid-character at byte {_GB_CUT - 1}"),
    "truncated-utf16": (
        _UTF16[:-1],
        "decoded",
        f"truncated mid-character at byte {len(_UTF16) - 2}",
    ),
    "utf8-bom-then-garbage": (
        b"\xef\xbb\xbf" + b"\xff" * 50,
        "refused",
        "invalid utf-8-sig at byte 3",
    ),
    "overlong-and-surrogate": (DASH + b"\xc0\xaf\xed\xa0\x80", "refused", f"(byte {len(DASH)}:"),
}


@pytest.mark.parametrize("case", sorted(BAD_BYTES))
def test_bad_bytes_are_decoded_or_refused_with_offset(tmp_path: Path, case: str) -> None:
    data, outcome, where = BAD_BYTES[case]
    seeds = make_seeds(tmp_path, {"001_x.txt": data})
    result = cli("check", "--seeds", str(seeds), "--format", "json")
    assert_clean(result, 0, 1)
    found = [p for p in problems(result) if p["code"] in ("decode-error", "decode-warning")]
    assert found and all(p["file"] == f"{seeds}/001_x.txt" for p in found)
    codes = {str(p["code"]) for p in found}
    assert codes == ({"decode-error"} if outcome == "refused" else {"decode-warning"})
    assert any(where in str(p["message"]) for p in found), found
    plain = cli("check", "--seeds", str(seeds))
    assert_clean(plain, result.exit_code)
    # ingest keeps going: a refused dump is a warning naming it, a decoded one is stored
    corpus = tmp_path / "c.db"
    ingested = cli("ingest", "--seeds", str(seeds), "--corpus", str(corpus))
    assert_clean(ingested, 0, 1)
    if outcome == "refused":
        assert "warning: 001_x.txt: " in ingested.stderr and where in ingested.stderr


def test_unreadable_dump_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH})
    fifo = seeds / "002_f.txt"
    os.mkfifo(fifo)  # a FIFO planted under a dump's name must not hang or crash anyone
    with (seeds / "INDEX.md").open("a", encoding="utf-8") as f:
        f.write(row("002_f.txt", b""))
    result = cli("check", "--seeds", str(seeds), "--format", "json")
    assert_clean(result, 1)
    [problem] = problems(result)
    assert (problem["file"], problem["code"]) == (str(fifo), "read-error")
    assert "not a regular file" in str(problem["message"])
    with pytest.raises(ZsctlError, match="not a regular file"):
        read_dump(fifo)
    directory = seeds / "003_d.txt"
    directory.mkdir()
    with pytest.raises(ZsctlError, match="not a regular file"):
        read_dump(directory)


# --- legacy and mixed encodings -------------------------------------------------------------------


BIG5_TEXT = """-
【天津招商】濱海新區舉辦招商引資推介會
濱海新區在北京舉辦招商引資推介會，現場簽約項目二十個，協議投資總額超過一百億元。會議介紹了區域產業政策和營商環境。
2025-07-01
-
武清區優化營商環境吸引企業落戶
武清區聚焦高端製造和現代服務業，持續優化營商環境，今年以來新增註冊企業一千餘家，其中外資企業三十餘家。
2025-07-02
-
西青區召開重點項目推動會
西青區召開重點項目推動會，要求各部門強化服務意識，加快項目審批，確保簽約項目早開工、早投產、早見效。
2025-07-03
"""
_DASH_TEXT = DASH.decode()
_MIXED = "".join(
    line + ("\r\n", "\n", "\r")[i % 3] for i, line in enumerate(_DASH_TEXT.split("\n")[:-1])
)

# (text, encoded bytes, encoding `check` must report, whether it must say it guessed)
ENCODINGS = {
    "gb18030": (_DASH_TEXT, _DASH_TEXT.encode("gb18030"), "gb18030", True),
    "big5": (BIG5_TEXT, BIG5_TEXT.encode("big5"), "big5", True),
    "utf-16-le-no-bom": (_DASH_TEXT, _DASH_TEXT.encode("utf-16-le"), "utf-16-le", True),
    "utf-16-be-no-bom": (_DASH_TEXT, _DASH_TEXT.encode("utf-16-be"), "utf-16-be", True),
    "mixed-crlf-lf-cr": (_DASH_TEXT, _MIXED.encode(), "utf-8", False),
}


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_encodings_decode_like_utf8_or_are_flagged(tmp_path: Path, case: str) -> None:
    text, data, encoding, guessed = ENCODINGS[case]
    seeds = make_seeds(tmp_path, {"001_x.txt": data})
    result = cli("check", "--seeds", str(seeds), "--format", "json")
    assert_clean(result, 0)  # a guess is a warning, not a failure
    summary = json.loads(result.stdout)["dumps"][0]
    assert (summary["encoding"], summary["encoding_guessed"]) == (encoding, guessed)
    flagged = [p for p in problems(result) if "encoding guessed" in str(p["message"])]
    assert bool(flagged) is guessed
    expected = parse_dump(text.encode(), "x.txt", "chanyeyuanqu")
    got = parse_dump(data, "x.txt", "chanyeyuanqu")
    assert [(r.title, r.date, r.paragraphs, r.provenance) for r in got.records] == [
        (r.title, r.date, r.paragraphs, r.provenance) for r in expected.records
    ]
    assert len(got.lines) == len(expected.lines)


# --- size: a huge dump, a huge line, and regexes that could go quadratic --------------------------


# VmHWM, not getrusage's ru_maxrss: Linux keeps ru_maxrss across execve, so a child of a large
# pytest process would report pytest's own peak.
PEAK_RSS = """
import re, sys
from zsctl.cli.app import run
try:
    run(sys.argv[1:])
finally:
    status = open("/proc/self/status").read()
    print("peak-kib", re.search(r"VmHWM:\\s*(\\d+)", status).group(1), file=sys.stderr)
"""


def test_dump_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH})
    huge = seeds / "002_huge.txt"
    with huge.open("wb") as f:
        f.truncate(1 << 30)  # 1 GiB, sparse: costs no disk, but reading it would cost 1 GiB
    with (seeds / "INDEX.md").open("a", encoding="utf-8") as f:
        f.write(row("002_huge.txt", b"", sha="0" * 64))
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, "check", "--seeds", str(seeds)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{huge}: error: too-large: dump is 1024.0 MiB, over the 64 MiB limit" in proc.stdout
    assert "ZSCTL_MAX_DUMP_MB" in proc.stdout
    peak_mib = int(proc.stderr.rsplit("peak-kib", 1)[1]) // 1024
    assert peak_mib < 400, peak_mib  # nowhere near the 1 GiB it would take to read it


def test_ingest_refuses_a_huge_dump_without_reading_it(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH})
    with (seeds / "002_huge.txt").open("wb") as f:
        f.truncate(1 << 30)
    with (seeds / "INDEX.md").open("a", encoding="utf-8") as f:
        f.write(row("002_huge.txt", b"", sha="0" * 64))
    corpus = tmp_path / "c.db"
    proc = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, "ingest", "--seeds", str(seeds), "--corpus", str(corpus)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "warning: 002_huge.txt: dump is 1024.0 MiB, over the 64 MiB limit" in proc.stderr
    assert len(article_rows(corpus)) == 3
    peak_mib = int(proc.stderr.rsplit("peak-kib", 1)[1]) // 1024
    assert peak_mib < 400, peak_mib


def test_size_and_line_limits_are_configurable(tmp_path: Path) -> None:
    lines = b"-\n\xe6\xa0\x87\xe9\xa2\x98\n" + b"x\n" * 3000 + b"2025-01-01\n"
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH, "002_big.txt": lines + b"y" * (2 << 20)})
    result = cli("check", "--seeds", str(seeds), env={"ZSCTL_MAX_DUMP_MB": "1"})
    assert_clean(result, 1)
    assert "002_big.txt: error: too-large: dump is 2.0 MiB, over the 1 MiB limit" in result.stdout
    assert "001_a.txt: error" not in result.stdout
    seeds = make_seeds(tmp_path / "l", {"001_a.txt": DASH, "002_long.txt": lines})
    result = cli("check", "--seeds", str(seeds), env={"ZSCTL_MAX_DUMP_LINES": "1000"})
    assert_clean(result, 1)
    assert "002_long.txt: error: too-large: dump has 3003 lines, over the limit of 1000" in (
        result.stdout
    )
    assert "ZSCTL_MAX_DUMP_LINES" in result.stdout
    for bad in ("abc", "0", "-5"):
        error = one_line_error(
            cli("check", "--seeds", str(seeds), env={"ZSCTL_MAX_DUMP_MB": bad}), 2
        )
        assert "ZSCTL_MAX_DUMP_MB" in error


def _cpu_seconds(fn: Callable[[T], object], arg: T) -> float:
    """Best-of-three CPU time of fn(arg): CPU, not wall, so a busy machine does not matter."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        fn(arg)
        best = min(best, time.process_time() - start)
    return best


def _superlinear(run: Callable[[T], object], small: T, large: T, floor: float = 0.02) -> float:
    """Ratio of CPU times for inputs 4x apart (linear ~4, quadratic ~16); 0 when both are fast."""
    start = time.process_time()
    run(large)
    if time.process_time() - start < floor:
        return 0.0  # one quick run settles it: however it grows, it is fast at this size
    return _cpu_seconds(run, large) / max(_cpu_seconds(run, small), 1e-6)


# Long lines of every shape a layout or a chrome rule looks at: a body with sentence and
# heading breaks, a bullet title, an article metadata line, chrome look-alikes.
LONG_LINES = {
    "body": "西青开发区持续优化营商环境。 一、区域创新体系升级 (一)坚持质量第 一、效益 ",
    "spaces": "字号 ",
    "query": "a=&",
    "bullet": "• 【天津招商】标题 ",
    "meta": "发布日期: 2024-02-04 来源: 区政务服务办 ",
    "print": "【打印本页】 ",
}


@pytest.mark.parametrize("shape", sorted(LONG_LINES))
def test_long_lines_parse_in_linear_time(shape: str) -> None:
    unit = LONG_LINES[shape]

    def dump(n: int) -> bytes:
        line = unit * (n // len(unit.encode()))
        return f"-\n标题\n{line}\n2025-01-01\n{line}x\n".encode()

    def run(data: bytes) -> None:
        result = parse_dump(data, "x.txt", "chanyeyuanqu")
        assert len(result.lines) == 5

    assert _superlinear(run, dump(100_000), dump(400_000)) < 8


def _pattern_units(pattern: str) -> list[str]:
    """Strings to repeat against a rule: its literal runs, their characters, common separators."""
    literals = [m for m in re.findall(r"(?:\\.|[^\\()\[\]{}|?*+.^$])+", pattern) if m]
    runs = {re.sub(r"\\(.)", r"\1", m) for m in literals}
    chars = {c for r in runs for c in r}
    return sorted(runs | chars | {" ", "a", "1", "=", "&", "a=&", "1-", "-1", "\t"})


def _rule_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from zsctl.parse.layouts.article import _DATE, _KEY
    from zsctl.parse.layouts.base import DATE_LINE
    from zsctl.parse.layouts.bullet import _BULLET
    from zsctl.parse.paragraphs import _HEADING_SEGMENT
    from zsctl.parse.rules import default_rules
    from zsctl.parse.tags import LEADING as _TAG

    rules = default_rules()
    out: dict[str, re.Pattern[str]] = {}
    for rule in rules.common + tuple(r for site in rules.sites.values() for r in site):
        out[rule.id] = rule.pattern
        if rule.block_end is not None:
            out[rule.id + ".block_end"] = rule.block_end
    layout = {"meta-key": _KEY, "meta-date": _DATE, "date": DATE_LINE}
    layout.update({"bullet": _BULLET, "tag": _TAG})
    return sorted({**out, **layout, "heading": _HEADING_SEGMENT}.items())


_RULE_PATTERNS = _rule_patterns()


@pytest.mark.parametrize(("rule", "pattern"), _RULE_PATTERNS, ids=[r for r, _ in _RULE_PATTERNS])
def test_no_rule_regex_is_catastrophic(rule: str, pattern: re.Pattern[str]) -> None:
    units = _pattern_units(pattern.pattern)
    prefixes = {""} | {u for u in units if len(u) > 1}
    slow = []
    for prefix in sorted(prefixes):
        for unit in units:
            for suffix in ("", "x", "&", "!"):

                def run(
                    n: int, prefix: str = prefix, unit: str = unit, suffix: str = suffix
                ) -> None:
                    pattern.fullmatch(prefix + unit * n + suffix)
                    pattern.match(prefix + unit * n + suffix)

                ratio = _superlinear(run, 500, 2000, floor=0.005)
                if ratio > 8:
                    slow.append((prefix, unit, suffix, round(ratio, 1)))
    assert not slow, f"{rule}: superlinear on (prefix, repeated unit, suffix): {slow[:5]}"


def test_query_string_rule_on_many_empty_pairs_is_linear() -> None:
    from zsctl.parse.rules import default_rules

    rule = next(r for r in default_rules().common if r.id == "query-string")
    ratio = _superlinear(lambda n: rule.pattern.fullmatch("a=&" * n), 25_000, 100_000, 0.005)
    assert ratio < 8


FIFTY_MB = """
import resource, sys, time
from zsctl.parse.dump import parse_dump
unit = "西青开发区持续优化营商环境。 一、区域创新 ".encode()
line = unit * (50 * 1024 * 1024 // len(unit))
data = b"-\\n" + "标题".encode() + b"\\n" + line + b"\\n2025-01-01\\n"
del line
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.process_time()
result = parse_dump(data, "x.txt", "chanyeyuanqu")
assert len(result.records) == 1 and result.unparsed() == []
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(time.process_time() - start, (peak - base) * 1024 / len(data))
"""


@pytest.mark.slow
def test_fifty_mb_single_line_parses_with_bounded_memory() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", FIFTY_MB], capture_output=True, text=True, timeout=900, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    seconds, growth = map(float, proc.stdout.split())
    assert growth < 8, f"parsing took {growth:.1f} bytes of memory per byte of input"
    assert seconds < 600  # generous: linear, checked by test_long_lines_parse_in_linear_time


def test_a_chrome_block_that_never_closes_does_not_swallow_the_dump() -> None:
    # The 投稿提示 pop-up is chrome up to its clause 2.3; cut off before that line, it must not
    # turn every article after it into chrome.
    data = "投稿提示\n请遵守投稿规则\n\n".encode() + DASH
    result = parse_dump(data, "x.txt", "chanyeyuanqu")
    plain = parse_dump(DASH, "x.txt", "chanyeyuanqu")
    assert [r.title for r in result.records] == [r.title for r in plain.records]
    assert (result.lines[0].rule, result.lines[1].kind.value) == ("contribution-rules", "unparsed")


# --- INDEX.md rows pointing outside seeds/ --------------------------------------------------------


def _escapes(tmp_path: Path) -> dict[str, tuple[str, Path]]:
    """Seeds folders whose INDEX.md line 5 points outside seeds/, by how it escapes."""
    outside = tmp_path / "outside.txt"
    outside.write_bytes(DASH.replace("滨海新区".encode(), b"SECRET"))
    cases: dict[str, tuple[str, Path]] = {}
    for case, name in (("dotdot", "../outside.txt"), ("absolute", str(outside))):
        seeds = make_seeds(tmp_path / case, {}, rows=row(name, DASH))
        cases[case] = (name, seeds)
    seeds = make_seeds(tmp_path / "symlink", {}, rows=row("001_a.txt", DASH))
    (seeds / "001_a.txt").symlink_to(outside)
    cases["symlink"] = ("001_a.txt", seeds)
    seeds = make_seeds(tmp_path / "loop", {}, rows=row("001_a.txt", DASH))
    (seeds / "001_a.txt").symlink_to(seeds / "loop.lnk")
    (seeds / "loop.lnk").symlink_to(seeds / "001_a.txt")
    cases["loop"] = ("001_a.txt", seeds)
    return cases


@pytest.mark.parametrize("case", ["dotdot", "absolute", "symlink", "loop"])
def test_rows_escaping_seeds_are_refused_by_check_and_ingest(tmp_path: Path, case: str) -> None:
    _name, seeds = _escapes(tmp_path)[case]
    result = cli("check", "--seeds", str(seeds), "--format", "json")
    assert_clean(result, 1)
    assert [(p["code"], p["line"]) for p in problems(result)] == [("manifest-path", 5)]
    assert "SECRET" not in result.output
    corpus = tmp_path / "c.db"
    error = one_line_error(cli("ingest", "--seeds", str(seeds), "--corpus", str(corpus)), 1)
    assert f"{seeds}/INDEX.md:5: " in error
    assert not corpus.exists() or article_rows(corpus) == []


@pytest.fixture(scope="module")
def seeds_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, seeds): the real seeds ingested once; tests that change them copy first."""
    root = tmp_path_factory.mktemp("seeds_corpus")
    seeds = root / "seeds"
    seeds.mkdir()
    for path in SEEDS.iterdir():
        (seeds / path.name).write_bytes(path.read_bytes())
    corpus = root / "c.db"
    ingest(seeds, corpus)
    return corpus, seeds


def _an_article_of(corpus: Path, dump: str) -> str:
    with closing(connect_read(corpus)) as db:
        row = db.execute(
            "SELECT s.article_id FROM article_sources s JOIN records r ON r.key = s.record_key"
            " WHERE r.dump = ? ORDER BY s.article_id LIMIT 1",
            (dump,),
        ).fetchone()
    return str(row[0])


def test_show_raw_refuses_a_dump_swapped_for_an_escaping_symlink(
    seeds_corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, real = seeds_corpus
    dump = "000_d4354e664a3d2bb6.txt"
    seeds = make_seeds(tmp_path, {p.name: p.read_bytes() for p in real.glob("*.txt")})
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET\n" * 50, encoding="utf-8")
    (seeds / dump).unlink()
    (seeds / dump).symlink_to(secret)
    article = _an_article_of(corpus, dump)
    result = cli("show", article, "--raw", "--seeds", str(seeds), "--corpus", str(corpus))
    error = one_line_error(result, 1)
    assert "outside the seeds folder" in error
    assert "SECRET" not in result.output


def test_show_raw_on_a_symlink_loop_is_a_clear_error(
    seeds_corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, real = seeds_corpus
    dump = "000_d4354e664a3d2bb6.txt"
    seeds = make_seeds(tmp_path, {p.name: p.read_bytes() for p in real.glob("*.txt")})
    (seeds / dump).unlink()
    (seeds / dump).symlink_to(seeds / "loop.txt")
    (seeds / "loop.txt").symlink_to(seeds / dump)
    result = cli("show", _an_article_of(corpus, dump), "--raw", "--seeds", str(seeds),
                 "--corpus", str(corpus))  # fmt: skip
    one_line_error(result, 1)


# --- INDEX.md: duplicates, malformed tables, unknown layouts, sha256 mismatches -------------------


MANIFEST_PROBLEMS = {
    # case: (table rows after the separator, problem code, its line)
    "duplicate": (row("001_a.txt", DASH) * 2, "manifest-duplicate", 6),
    "unknown-layout": (row("001_a.txt", DASH, layout="table"), "manifest-layout", 5),
    "too-few-cells": ("| 001_a.txt | chanyeyuanqu | auto |\n", "manifest-row", 5),
    "pipe-in-note": (row("001_a.txt", DASH).replace("test", "a | b"), "manifest-row", 5),
    "text-in-table": (row("001_a.txt", DASH) + "stray text\n", "manifest-row", 6),
    "bad-sha": (row("001_a.txt", DASH, sha="xyz"), "manifest-sha256", 5),
}


@pytest.mark.parametrize("case", sorted(MANIFEST_PROBLEMS))
def test_manifest_row_problems_name_their_line(tmp_path: Path, case: str) -> None:
    rows, code, line = MANIFEST_PROBLEMS[case]
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH}, rows=rows)
    result = cli("check", "--seeds", str(seeds), "--format", "json")
    assert_clean(result, 1)
    assert (code, line) in [(p["code"], p["line"]) for p in problems(result)]
    plain = cli("check", "--seeds", str(seeds))
    assert_clean(plain, 1)
    assert f"{seeds}/INDEX.md:{line}: error: {code}: " in plain.stdout
    error = one_line_error(
        cli("ingest", "--seeds", str(seeds), "--corpus", str(tmp_path / "c.db")), 1
    )
    assert f"INDEX.md:{line}: " in error


def test_sha256_mismatch_fails_check_and_names_the_row(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {}, rows=row("001_a.txt", DASH, sha="0" * 64))
    (seeds / "001_a.txt").write_bytes(DASH)
    result = cli("check", "--seeds", str(seeds), "--format", "json")
    assert_clean(result, 1)
    [problem] = problems(result)
    assert problem["code"] == "sha256-mismatch" and "INDEX.md line 5 says 000" in str(
        problem["message"]
    )


FATAL_TABLES = {
    # case: (INDEX.md text, the line the one-line error names, a phrase it holds)
    "wrong-header": ("# x\n\n| name | sha |\n|---|---|\n", 3, "table header must be"),
    "no-separator": (HEADER.splitlines()[0] + "\n| a |\n", 2, "separator"),
    "no-table": ("just prose, no table\n", None, "no table found"),
    "not-utf8": ("", None, "cannot read manifest: 'utf-8' codec can't decode byte 0xff"),
}


@pytest.mark.parametrize("case", sorted(FATAL_TABLES))
def test_malformed_table_is_one_line_error_with_line(tmp_path: Path, case: str) -> None:
    text, line, phrase = FATAL_TABLES[case]
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH})
    if case == "not-utf8":
        (seeds / "INDEX.md").write_bytes(b"| file \xff\xfe |\n")
    else:
        (seeds / "INDEX.md").write_text(text, encoding="utf-8")
    for args in (
        ["check", "--seeds", str(seeds)],
        ["ingest", "--seeds", str(seeds), "--corpus", str(tmp_path / "c.db")],
    ):
        error = one_line_error(cli(*args), 1)
        where = f"{seeds}/INDEX.md:{line}: " if line else f"{seeds}/INDEX.md: "
        assert error.startswith(f"error: {where}") and phrase in error, error


def test_manifest_with_a_bom_is_read(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": DASH})
    text = (seeds / "INDEX.md").read_text(encoding="utf-8")
    (seeds / "INDEX.md").write_text("\ufeff" + text[text.index("|") :], encoding="utf-8")
    assert_clean(cli("check", "--seeds", str(seeds)), 0)


# --- terminal escapes, bidi overrides and markup in scraped text ----------------------------------


EVIL_TITLE = (
    "【天津招商】Evil [bold red]x[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \u009b2J "
    "\u202eRTL\u202c end"
)
EVIL_BODY = (
    "西青区招商引资 [bold red]x[/] \x1b[2J\x1b]8;;http://evil.example\x07link\x1b]8;;\x07 "
    "\u009b31m \u202e反转\u202c \u2066iso\u2069 天津港集团宣布扩建。"
)
EVIL_SOURCE = "\u202e[bold]区政务[/]\x1b[31m办"
EVIL_DUMPS: dict[str, bytes | tuple[bytes, str]] = {
    "001_a.txt": (
        f"-\n{EVIL_TITLE}\n{EVIL_BODY}\n2025-07-01\n"
        "-\n武清区招商\n武清区招商引资工作取得新进展,签约项目二十个。\n2025-07-02\n"
    ).encode(),
    # the same story again (a duplicate cluster for `dupes`) and an unparsed hostile line
    "002_b.txt": (
        f"-\n{EVIL_TITLE}\n{EVIL_BODY}\n2025-07-03\njunk \u202e[bold]x[/] \x1b[31m\n".encode()
    ),
    "003_c.txt": (
        "天津市滨海新区人民政府政务服务办公室\n\n当前位置: 首页>新闻中心\n\n"
        f"滨海新区{EVIL_TITLE}\n发布日期: 2024-02-04 09:30      来源: {EVIL_SOURCE}\n字号:\n\n"
        f"    {EVIL_BODY}\n\n    重点链接\n".encode(),
        "binhai-zwfw",
    ),
}
HOSTILE_NAMES = ["\x1b]0;evil\u202e.txt", os.fsdecode(b"\xff\xfe[bold red]x.txt")]


@pytest.fixture(scope="module")
def evil(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(corpus, seeds, id of the hostile article) built from dumps full of escapes."""
    root = tmp_path_factory.mktemp("evil")
    seeds = make_seeds(root, EVIL_DUMPS)
    corpus = root / "c.db"
    stats = ingest(seeds, corpus)
    assert stats.failed == [] and (stats.records, stats.articles) == (4, 2)
    for name in HOSTILE_NAMES:  # unlisted files with hostile names, for `check`
        (seeds / name).write_bytes(b"x")
    with closing(connect_read(corpus)) as db:
        [(evil_id,)] = db.execute("SELECT id FROM articles WHERE n_sources > 1").fetchall()
    return corpus, seeds, str(evil_id)


def _stored_title() -> str:
    """The hostile title as decode and the dash layout store it (controls dropped, tag split)."""
    return normalise_text(EVIL_TITLE)[0].removeprefix("【天津招商】").strip()


@pytest.fixture(params=["pipe", "terminal"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run each command piped and as if on a terminal (Rich tables, panels)."""
    if request.param == "terminal":
        monkeypatch.setattr(output, "is_tty", lambda: True)
    return str(request.param)


def _read_commands(evil_id: str) -> dict[str, list[str]]:
    return {
        "list": ["list", "-n", "0"],
        "show": ["show", evil_id],
        "grep": ["grep", "招商"],
        "stats": ["stats"],
        "dupes": ["dupes"],
        "export": ["export", "--format", "jsonl"],
    }


@pytest.mark.parametrize("command", ["list", "show", "grep", "stats", "dupes"])
def test_scraped_escapes_are_inert_in_every_command(
    evil: tuple[Path, Path, str], mode: str, command: str
) -> None:
    corpus, _seeds, evil_id = evil
    args = _read_commands(evil_id)[command]
    result = cli(*args, "--corpus", str(corpus))
    assert_clean(result, 0)
    assert not UNSAFE.search(result.output), UNSAFE.findall(result.output)
    if command in ("list", "show", "grep", "dupes"):
        assert "[bold red]x[/]" in result.stdout  # markup printed as text, never interpreted


def test_export_to_a_terminal_is_inert(
    evil: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "is_tty", lambda: True)
    result = cli("export", "--format", "jsonl", "--corpus", str(evil[0]))
    assert_clean(result, 0)
    assert not UNSAFE.search(result.output), UNSAFE.findall(result.output)


def test_show_raw_on_a_terminal_is_inert(
    evil: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Piped, --raw is verbatim by design: the dump lines are the evidence.
    monkeypatch.setattr(output, "is_tty", lambda: True)
    corpus, seeds, evil_id = evil
    result = cli("show", evil_id, "--raw", "--seeds", str(seeds), "--corpus", str(corpus))
    assert_clean(result, 0)
    assert not UNSAFE.search(result.output), UNSAFE.findall(result.output)
    assert "[bold red]x[/]" in result.stdout


def _json_values(stdout: str) -> list[object]:
    """Every JSON document in stdout: one, or one per line (JSONL)."""
    try:
        return [json.loads(stdout)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize(
    "command",
    [
        ["list", "--json", "-n", "0"],
        ["show", "{id}", "--json"],
        ["grep", "招商", "--json"],
        ["export", "--format", "jsonl"],
        ["dupes", "--json"],
    ],
    ids=lambda c: c[0],
)
def test_json_keeps_hostile_text_faithful_and_escaped(
    evil: tuple[Path, Path, str], command: list[str]
) -> None:
    corpus, _seeds, evil_id = evil
    result = cli(*[a.replace("{id}", evil_id) for a in command], "--corpus", str(corpus))
    assert_clean(result, 0)
    assert not UNSAFE.search(result.stdout), UNSAFE.findall(result.stdout)
    strings = {s for doc in _json_values(result.stdout) for s in _strings(doc)}
    assert _stored_title() in strings  # the same text, only escaped in transit


@pytest.mark.parametrize("fmt", ["table", "github", "json"])
def test_check_output_is_inert(evil: tuple[Path, Path, str], mode: str, fmt: str) -> None:
    _corpus, seeds, _evil_id = evil
    result = cli("check", "--seeds", str(seeds), "--format", fmt)
    assert_clean(result, 1)
    assert not UNSAFE.search(result.output), UNSAFE.findall(result.output)
    assert "\\u202e" in result.stdout  # the unparsed line, its bidi override made visible
    assert "\\udcff\\udcfe[bold red]x.txt" in result.stdout.replace("\\\\", "\\")
    if fmt == "json":
        data = json.loads(result.stdout)
        codes = sorted(str(p["code"]) for p in data["problems"] if p["severity"] == "error")
        assert codes == ["unlisted-file", "unlisted-file", "unparsed-line"]


# Unicode's Bidi_Control characters: each can reorder what a reader sees on a terminal.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_inert_escapes_every_control_and_bidi_character() -> None:
    controls = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)) if chr(c) not in "\t\n"]
    for char in [*controls, *BIDI_CONTROLS]:
        shown = output.inert(f"a{char}b")
        assert char not in shown and shown == f"a\\u{ord(char):04x}b", repr(char)


def _doctor(corpus: Path, dest: Path) -> Path:
    """A copy of the corpus whose stored text holds raw escapes: the corpus file is untrusted."""
    dest.write_bytes(corpus.read_bytes())
    evil = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e"
    with closing(sqlite3.connect(dest)) as db, db:
        db.execute(
            "UPDATE articles SET title = title || ?, tag = ?, source = ?", (evil, evil, evil)
        )
        db.execute("UPDATE records SET title = title || ?, tag = ?, date = date || ?", (evil,) * 3)
        db.execute("UPDATE article_districts SET district = district || ?", (evil,))
    return dest


@pytest.mark.parametrize(
    "command",
    [
        "list",
        "show",
        "grep",
        "stats",
        "dupes",
    ],
)
def test_escapes_stored_in_a_doctored_corpus_are_inert(
    evil: tuple[Path, Path, str], tmp_path: Path, mode: str, command: str
) -> None:
    corpus, _seeds, evil_id = evil
    doctored = _doctor(corpus, tmp_path / "doctored.db")
    result = cli(*_read_commands(evil_id)[command], "--corpus", str(doctored))
    assert_clean(result, 0)
    assert not UNSAFE.search(result.output), UNSAFE.findall(result.output)


# --- disk full and kill -9 during ingest ----------------------------------------------------------


FULL_DISK = """
import resource, signal, sys
# Python ignores SIGXFSZ, so write() fails with EFBIG and SQLite reports an error; with the
# default action restored the kernel kills the process mid-write instead.
if sys.argv[1] == "signal":
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from zsctl.cli.app import run
run(sys.argv[3:])
"""


def _partial_seeds(root: Path) -> tuple[Path, dict[str, tuple[bytes, str]]]:
    """A seeds folder with the first real dump only, and every real dump to add later."""
    # Each with its real site: ingest reports (and exits 1 on) the unparsed lines of a dump
    # parsed with another site's rules, as check does.
    site = {e.file: e.site for e in read_manifest(SEEDS).entries}
    dumps = {p.name: (p.read_bytes(), site[p.name]) for p in sorted(SEEDS.glob("*.txt"))}
    first = next(iter(dumps))
    return make_seeds(root, {first: dumps[first]}), dumps


def _full_ingest(
    mode: str, seeds: Path, corpus: Path, limit: int
) -> subprocess.CompletedProcess[str]:
    args = ["ingest", "--seeds", str(seeds), "--corpus", str(corpus)]
    return subprocess.run(
        [sys.executable, "-c", FULL_DISK, mode, str(limit), *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("signal_mode", ["error", "signal"])
def test_disk_full_keeps_previous_corpus_and_next_ingest_succeeds(
    tmp_path: Path, signal_mode: str
) -> None:
    seeds, dumps = _partial_seeds(tmp_path)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    before = article_rows(corpus)
    make_seeds(tmp_path, dumps)  # four more dumps: the next ingest has plenty to write
    proc = _full_ingest(signal_mode, seeds, corpus, 64 * 1024)
    if signal_mode == "error":
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        [line] = [x for x in proc.stderr.splitlines() if x.strip()]
        assert line.startswith(f"error: {corpus}: writing the corpus failed")
    else:
        assert proc.returncode == -signal.SIGXFSZ, proc.stderr  # killed mid-write by the kernel
    assert article_rows(corpus) == before  # readable, and exactly the old content
    assert cli("list", "--corpus", str(corpus)).exit_code == 0
    stats = ingest(seeds, corpus)  # space is back: the next ingest succeeds
    assert stats.failed == [] and len(article_rows(corpus)) == stats.articles > len(before)


@pytest.mark.slow
def test_disk_full_error_names_the_real_cause(tmp_path: Path) -> None:
    seeds, dumps = _partial_seeds(tmp_path)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    make_seeds(tmp_path, dumps)
    proc = _full_ingest("error", seeds, corpus, 64 * 1024)
    assert proc.returncode == 1
    assert "cannot rollback" not in proc.stderr
    assert "disk I/O error" in proc.stderr or "disk is full" in proc.stderr


@pytest.mark.slow
def test_disk_full_on_first_ingest_lets_the_next_one_succeed(tmp_path: Path) -> None:
    seeds, _ = _partial_seeds(tmp_path)
    corpus = tmp_path / "c.db"
    proc = _full_ingest("error", seeds, corpus, 4096)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    stats = ingest(seeds, corpus)
    assert stats.articles > 0


# --- two ingests at once, and a reader during an ingest -------------------------------------------


HOLDER = """
import sys, time
from pathlib import Path
from typing import TypeVar
import zsctl.dedup.stage as ing
real = ing.build_articles
def held(*args, **kwargs):
    # Inside the write transaction: dumps and records are rewritten, nothing committed yet.
    out = real(*args, **kwargs)
    Path(sys.argv[3]).write_text("holding")
    deadline = time.monotonic() + 120
    while not Path(sys.argv[4]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return out
ing.build_articles = held
from zsctl.cli.app import run
run(["ingest", "--seeds", sys.argv[1], "--corpus", sys.argv[2]])
"""


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the holding ingest never got there"
        time.sleep(0.05)


@pytest.mark.slow
def test_second_ingest_fails_or_waits_and_readers_see_old_or_new(tmp_path: Path) -> None:
    seeds, dumps = _partial_seeds(tmp_path)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    before = article_rows(corpus)
    make_seeds(tmp_path, dumps)
    holding, go = tmp_path / "holding", tmp_path / "go"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seeds), str(corpus), str(holding), str(go)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    waiter = None
    try:
        _wait_for(holding, holder)
        # a reader, mid-transaction, sees the old corpus; so does a snapshot it keeps open
        assert article_rows(corpus) == before
        listed = cli("list", "--json", "-n", "0", "--corpus", str(corpus))
        assert {a["id"] for a in map(json.loads, listed.stdout.splitlines())} == {
            r[0] for r in before
        }
        snapshot = connect_read(corpus)
        snapshot.execute("BEGIN")
        old_count = snapshot.execute("SELECT count(*) FROM articles").fetchone()[0]
        # a second ingest fails at once, naming the one that runs
        error = one_line_error(cli("ingest", "--seeds", str(seeds), "--corpus", str(corpus)), 1)
        assert f"another ingest (pid {holder.pid})" in error and "--wait" in error
        # ... or waits for it with --wait
        waiter = subprocess.Popen(
            [sys.executable, "-m", "zsctl", "ingest", "--wait", "--seeds", str(seeds),
             "--corpus", str(corpus)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )  # fmt: skip
        time.sleep(1.0)
        assert waiter.poll() is None  # blocked on the lock, not failed
        go.write_text("go")
        _, err = holder.communicate(timeout=300)
        assert holder.returncode == 0, err
        _, err = waiter.communicate(timeout=300)
        assert waiter.returncode == 0 and "Traceback" not in err, err
        after = article_rows(corpus)
        assert len(after) > len(before)
        assert snapshot.execute("SELECT count(*) FROM articles").fetchone()[0] == old_count
        snapshot.execute("COMMIT")
        assert snapshot.execute("SELECT count(*) FROM articles").fetchone()[0] == len(after)
        snapshot.close()
    finally:
        go.write_text("go")
        for proc in (holder, waiter):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


# --- corrupt, foreign and old corpus files --------------------------------------------------------


def _garble_data_pages(corpus: Path, dest: Path) -> Path:
    """A copy whose pages are garbage but for the schema and `meta`: it opens, then fails."""
    with closing(sqlite3.connect(corpus)) as db:
        try:
            keep = {
                row[0]
                for row in db.execute(
                    "SELECT pageno FROM dbstat WHERE name IN "
                    "('sqlite_schema', 'sqlite_master', 'meta', 'sqlite_autoindex_meta_1')"
                )
            }
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table")
        page = db.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(corpus.read_bytes())
    noise = random.Random(3)
    for n in range(2, len(data) // page + 1):
        if n not in keep:
            data[(n - 1) * page : n * page] = noise.randbytes(page)
    dest.write_bytes(bytes(data))
    return dest


def _broken_corpora(corpus: Path, root: Path) -> dict[str, Path]:
    """Corpus files zsctl must refuse, by what is wrong with them."""
    out: dict[str, Path] = {}
    out["random-bytes"] = root / "random.db"
    out["random-bytes"].write_bytes(random.Random(5).randbytes(64 * 1024))
    out["foreign-sqlite"] = root / "foreign.db"
    with closing(sqlite3.connect(out["foreign-sqlite"])) as db, db:
        db.execute("CREATE TABLE articles (id TEXT)")
    out["truncated"] = root / "truncated.db"
    out["truncated"].write_bytes(corpus.read_bytes()[: corpus.stat().st_size // 2])
    out["text-file"] = root / "notes.db"
    out["text-file"].write_text("not a database\n" * 100, encoding="utf-8")
    for name, version in (("older-schema", "0"), ("newer-schema", "99")):
        out[name] = root / f"{name}.db"
        out[name].write_bytes(corpus.read_bytes())
        with closing(sqlite3.connect(out[name])) as db, db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (version,))
    out["no-meta"] = root / "nometa.db"
    out["no-meta"].write_bytes(corpus.read_bytes())
    with closing(sqlite3.connect(out["no-meta"])) as db, db:
        db.execute("DROP TABLE meta")
    return out


BROKEN = ["random-bytes", "foreign-sqlite", "truncated", "text-file", "older-schema",
          "newer-schema", "no-meta"]  # fmt: skip


@pytest.mark.parametrize("command", ["list", "show", "grep", "stats", "dupes", "export", "ingest"])
@pytest.mark.parametrize("kind", BROKEN)
def test_broken_corpus_is_refused_with_rebuild_hint(
    seeds_corpus: tuple[Path, Path], tmp_path: Path, kind: str, command: str
) -> None:
    corpus, seeds = seeds_corpus
    broken = _broken_corpora(corpus, tmp_path)[kind]
    before = broken.read_bytes()
    if kind == "older-schema" and command == "ingest":
        # A corpus is derived data: ingest moves an older one aside and rebuilds it.
        result = cli("ingest", "--seeds", str(seeds), "--corpus", str(broken))
        assert result.exit_code == 0, result.output
        assert broken.with_name(broken.name + ".v0.bak").read_bytes() == before
        return
    args = (
        ["ingest", "--seeds", str(seeds)] if command == "ingest" else _read_commands("0")[command]
    )
    error = one_line_error(cli(*args, "--corpus", str(broken)), 1)
    assert f"mv {broken} {broken}.old && zsctl ingest --corpus {broken}" in error
    if kind.endswith("schema"):
        assert "schema version" in error
    assert broken.read_bytes() == before  # refused, not "repaired"


@pytest.mark.parametrize("command", ["list", "show", "grep", "stats", "dupes", "export", "ingest"])
def test_corrupt_pages_are_a_clear_error_not_a_traceback(
    seeds_corpus: tuple[Path, Path], tmp_path: Path, command: str
) -> None:
    corpus, seeds = seeds_corpus
    broken = _garble_data_pages(corpus, tmp_path / "garbled.db")
    args = (
        ["ingest", "--seeds", str(seeds)] if command == "ingest" else _read_commands("0")[command]
    )
    error = one_line_error(cli(*args, "--corpus", str(broken)), 1)
    assert "zsctl ingest" in error


def _flip_a_body(corpus: Path, to: Path) -> tuple[Path, str]:
    """A copy of the corpus whose first article's body ends in a byte that is not UTF-8, as a
    flipped bit inside a page leaves it: SQLite's checks pass. The copy and that article's id."""
    shutil.copy(corpus, to)
    db = sqlite3.connect(to)
    first = "(SELECT min(n) FROM articles)"
    db.execute(
        f"UPDATE articles SET body = CAST(CAST(body AS BLOB) || X'A5' AS TEXT) WHERE n = {first}"
    )
    article = db.execute(f"SELECT id FROM articles WHERE n = {first}").fetchone()[0]
    db.commit()
    db.close()
    return to, article


@pytest.mark.parametrize(
    "args",
    [["show", "{id}"], ["grep", "招商"], ["grep", "-E", "招|商", "-c"], ["export"],
     ["export", "--format", "parquet", "-o", "{tmp}/out.parquet"]],
)  # fmt: skip
def test_text_that_is_not_utf8_is_a_clear_error_and_doctor_finds_it(
    seeds_corpus: tuple[Path, Path], tmp_path: Path, args: list[str]
) -> None:
    corpus, _ = seeds_corpus
    broken, article = _flip_a_body(corpus, tmp_path / "flipped.db")
    filled = [a.replace("{id}", article).replace("{tmp}", str(tmp_path)) for a in args]
    error = one_line_error(cli(*filled, "--corpus", str(broken)), 1)
    assert "corpus unreadable" in error and "zsctl ingest" in error
    doctor = cli("doctor", "--corpus", str(broken))
    assert doctor.exit_code == 1 and "not UTF-8" in doctor.output


def test_missing_corpus_or_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    error = one_line_error(cli("list", "--corpus", str(tmp_path / "none.db")), 1)
    assert "build it with `zsctl ingest`" in error
    error = one_line_error(cli("list", "--corpus", str(tmp_path)), 1)
    assert "zsctl ingest" in error


# Each CORPUS_SCHEMA_VERSION has meant, by structure (tables, columns, indexes; not comments).
# When you change store.SCHEMA, bump store.CORPUS_SCHEMA_VERSION and add its fingerprint here, so a
# corpus built by an older zsctl is refused with the rebuild hint instead of failing mid-query.
SCHEMA_FINGERPRINTS = {
    1: "efd33c59a0ea1ca3",
    2: "02e64f76646fa96b",
    3: "f3898aca27a6d8d2",
    4: "3da2fa0287ab7840",
    5: "2f52f1ce40023160",
    6: "a8953128285da41e",
    7: "21f80d76ccf669d3",
    8: "6ac840cf81aee077",  # grep index tails: a patch appends rows, never rewrites a list
    9: "0a80bc160dd619fe",  # article_order: grep -l picks its ids from the stored date order
}


def schema_fingerprint(schema: str) -> str:
    """A short hash of the structure a schema script creates."""
    db = sqlite3.connect(":memory:")
    db.executescript(schema)
    shape: list[object] = []
    for kind, name, table, sql in db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ):
        if name.startswith(("sqlite_", "article_fts_")):
            continue  # SQLite's own tables and FTS shadow tables vary with SQLite's version
        if kind == "table" and sql.upper().startswith("CREATE TABLE"):
            shape.append(
                [kind, name, [list(r[1:]) for r in db.execute(f"PRAGMA table_xinfo({name})")]]
            )
        else:
            shape.append([kind, name, table, " ".join((sql or "").split())])
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def test_schema_changes_bump_the_schema_version() -> None:
    from zsctl.store import corpus as store

    assert SCHEMA_FINGERPRINTS.get(store.CORPUS_SCHEMA_VERSION) == schema_fingerprint(store.SCHEMA)


# --- usage errors: one line, exit 2, suggestions where sensible -----------------------------------


def _ambiguous_prefix(corpus: Path) -> str:
    with closing(connect_read(corpus)) as db:
        ids = [str(r[0]) for r in db.execute("SELECT id FROM articles ORDER BY id")]
    firsts = [i[0] for i in ids]
    return next(c for c in firsts if firsts.count(c) > 1)  # 41 ids, 16 hex digits: one repeats


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["show", "fffffffffff0"], "no article with id"),
        (["show", "{ambiguous}"], "is ambiguous"),
        (["show", "zz-not-hex"], "no article with id"),
        (["grep", "(unclosed", "--regex"], "bad regular expression"),
        (["grep", "a{2,1}", "--regex"], "bad regular expression"),
        (["grep", "a{99999999999}", "--regex"], "too large or nested too deep"),
        (["ingest", "--threshold", "nan"], "give a number from 0.5 to 1.0"),
        (["grep", "(" * 1000 + "a" + ")" * 1000, "--regex"], "too large or nested too deep"),
        (["list", "--since", "2023-13"], ""),
        (["list", "--date", "yesterday"], ""),
        (["list", "--since", "2024", "--until", "2023"], ""),
        (["list", "--district", "火星区"], "unknown district"),
        (["grep", "招商", "--district", "xiqin"], "unknown district"),
        (["stats", "--district", "\x1b[31mred"], "unknown district"),
        (["export", "--format", "jsonl", "--since", "20xx"], ""),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    seeds_corpus: tuple[Path, Path], args: list[str], phrase: str
) -> None:
    corpus, _seeds = seeds_corpus
    args = [a.replace("{ambiguous}", _ambiguous_prefix(corpus)) for a in args]
    result = cli(*args, "--corpus", str(corpus))
    error = one_line_error(result, 2)
    assert phrase in error
    assert not UNSAFE.search(result.output)  # even the user's own typo is echoed inert
    if args[0] == "show" and "ambiguous" in phrase:
        assert error.count(args[1]) > 2  # the candidates are listed


def test_unknown_district_suggests_a_near_name(seeds_corpus: tuple[Path, Path]) -> None:
    corpus, _ = seeds_corpus
    error = one_line_error(cli("list", "--district", "xiqin", "--corpus", str(corpus)), 2)
    assert "西青" in error

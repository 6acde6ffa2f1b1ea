"""The list, show, grep, export and stats commands, through Typer's CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.test_query import ALL_IDS, EVIL_BODY, EVIL_TITLE, build_corpus
from zsctl.cli import app as app_module
from zsctl.cli import output
from zsctl.model import Article
from zsctl.store.corpus import connect_write
from zsctl.store.writes import update_index, write_articles

ENV = {"COLUMNS": "200", "LINES": "50", "NO_COLOR": None, "ZSCTL_CORPUS": None}
INERT_ESC = "\\u001b"
INERT_RLO = "\\u202e"

APP = app_module.build_app()


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, seeds) built once for the module; the commands only read it."""
    return build_corpus(tmp_path_factory.mktemp("search"))


@pytest.fixture(autouse=True)
def fresh_consoles() -> Iterator[None]:
    """Consoles are cached per process; each test decides tty-ness and width anew."""
    output.console.cache_clear()
    yield
    output.console.cache_clear()


@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend stdout is a terminal (CliRunner's is not)."""
    monkeypatch.setattr(output, "is_tty", lambda: True)


def run(corpus_dir: tuple[Path, Path], *args: str, env: dict[str, str] | None = None) -> Result:
    """Invoke zsctl with the test corpus and seeds."""
    corpus, seeds = corpus_dir
    extra = ["--corpus", str(corpus)]
    if args and args[0] == "show":
        extra += ["--seeds", str(seeds)]
    return CliRunner().invoke(APP, [*args, *extra], env={**ENV, **(env or {})})


def rows(result: Result) -> list[list[str]]:
    """Tab-separated stdout lines, header included."""
    return [line.split("\t") for line in result.stdout.splitlines()]


def json_lines(stdout: str) -> list[Any]:
    """A list as every command writes it in JSON: one object per line."""
    return [json.loads(line) for line in stdout.splitlines()]


def column(result: Result, index: int = 0) -> list[str]:
    """One column of plain output, without the header line."""
    return [r[index] for r in rows(result)[1:]]


def assert_inert(text: str) -> None:
    assert "\x1b" not in text and "\u202e" not in text
    assert INERT_ESC in text and INERT_RLO in text
    assert "[bold red]x[/]" in text  # markup printed as text, never interpreted


# --- list -----------------------------------------------------------------------------------


def test_list_plain(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "list")
    assert result.exit_code == 0, result.output
    assert rows(result)[0] == ["id", "date", "district", "title", "sources"]
    assert rows(result)[1] == [
        "aaaa00000002",
        "2024-01-02T09:30",
        "滨海新区",
        "Binhai TEDA 港口 expansion",
        "2",
    ]
    assert rows(result)[-1] == ["bbbb00000004", "-", "-", "无日期的文章", "1"]
    assert_inert(result.stdout)
    assert result.stderr == ""


def test_list_terminal_table(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "list")
    assert result.exit_code == 0
    assert "┃ id" in result.stdout or "id " in result.stdout.splitlines()[1]
    assert "Binhai TEDA 港口 expansion" in result.stdout
    assert_inert(result.stdout)
    assert "\t" not in result.stdout


@pytest.mark.parametrize("width", ["60", "100"])
def test_list_table_keeps_short_columns_whole_on_a_narrow_terminal(
    corpus_dir: tuple[Path, Path], tty: None, width: str
) -> None:
    result = run(corpus_dir, "list", env={"COLUMNS": width})
    lines = result.stdout.splitlines()
    assert all(len(line) <= int(width) for line in lines)
    assert "sources" in lines[1] and "2023-05-31" in result.stdout  # nothing squeezed away
    rows = [line for line in lines if "aaab00000005" in line]
    assert len(rows) == 1 and rows[0].rstrip().endswith("│")  # one line per article


def test_list_json_is_faithful(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "list", "--json")
    data = json_lines(result.stdout)
    assert {d["id"] for d in data} == ALL_IDS
    evil = next(d for d in data if d["id"] == "bbbb00000003")
    assert evil["title"] == EVIL_TITLE
    assert "\u202e" not in result.stdout  # escaped in the JSON text, same value after parsing
    assert set(data[0]) == {"id", "date", "district", "title", "tag", "sources"}


def test_list_limit_and_note(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "list", "--limit", "2")
    assert len(column(result)) == 2
    assert "showing 2 of 6" in result.stderr
    assert "showing" not in run(corpus_dir, "list", "--limit", "0").stderr


@pytest.mark.parametrize(
    ("sort", "first"),
    [("-date", "aaaa00000002"), ("date", "cccc00000006"), ("id", "aaaa00000001"),
     ("-sources", "aaaa00000002"), ("title", "aaaa00000002")],
)  # fmt: skip
def test_list_sort(corpus_dir: tuple[Path, Path], sort: str, first: str) -> None:
    assert column(run(corpus_dir, "list", "--sort", sort))[0] == first


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # every alias kind resolves to the canonical primary district
        (["--district", "西青区"], {"aaaa00000001"}),
        (["--district", "西青"], {"aaaa00000001"}),
        (["-d", "XiQing"], {"aaaa00000001"}),
        (["-d", "塘沽"], {"aaaa00000002"}),  # former name
        (["-d", "TEDA"], {"aaaa00000002"}),  # zone
        (["-d", "tj"], {"bbbb00000003"}),  # city, resolve-only alias
        (["-d", "西青", "-d", "binhai"], {"aaaa00000001", "aaaa00000002"}),
        # every date form
        (["--date", "2023"], {"aaaa00000001", "aaab00000005"}),
        (["--date", "2023-05"], {"aaaa00000001", "aaab00000005"}),
        (["--date", "2023/5/10"], {"aaaa00000001"}),
        (["--date", "2023.5.31"], {"aaab00000005"}),
        (["--date", "2023年5月"], {"aaaa00000001", "aaab00000005"}),
        (["--date", "2023年5月10日"], {"aaaa00000001"}),
        (["--date", "20240102"], {"aaaa00000002"}),  # a stored time of day still matches
        (["--since", "2023-05-11"], {"aaab00000005", "aaaa00000002"}),
        (["--until", "2022"], {"bbbb00000003", "cccc00000006"}),
        (["--since", "2022-12", "--until", "2023-05-10"], {"bbbb00000003", "aaaa00000001"}),
        (["--tag", "西青招商"], {"aaaa00000001"}),
        (["--tag", "【武清招商】"], {"aaab00000005"}),
        (["--source", "001_b.txt"], {"aaaa00000002", "bbbb00000003"}),
        (["--source", "002_c"], {"aaab00000005", "bbbb00000004"}),
        (["--source", "binhai-zwfw"], {"aaaa00000002", "bbbb00000003"}),
        (["--source", "天津日报"], {"aaaa00000001"}),
        (["-d", "滨海新区", "--source", "000_a.txt"], {"aaaa00000002"}),
    ],
)
def test_list_filters(corpus_dir: tuple[Path, Path], args: list[str], expected: set[str]) -> None:
    result = run(corpus_dir, "list", *args)
    assert result.exit_code == 0, result.output
    assert set(column(result)) == expected


def test_nothing_matches_says_so(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "list", "--source", "nowhere")
    assert result.exit_code == 0
    assert column(result) == []
    assert "no articles match" in result.stderr


def test_unknown_district_suggests(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "list", "--district", "xiqin")
    assert result.exit_code == 2
    assert "unknown district 'xiqin'" in result.stderr
    assert "xiqing (西青区)" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [["--date", "2023-13"], ["--since", "yesterday"], ["--date", "2023-02-30"],
     ["--date", "2023", "--since", "2022"], ["--since", "2024", "--until", "2023"]],
)  # fmt: skip
def test_bad_dates(corpus_dir: tuple[Path, Path], args: list[str]) -> None:
    result = run(corpus_dir, "list", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_corpus_tells_how_to_build_it(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    for args in (["list"], ["show", "abc"], ["grep", "x"], ["export"], ["stats"]):
        result = CliRunner().invoke(APP, [*args, "--corpus", str(missing)], env=ENV)
        assert result.exit_code == 1
        assert "zsctl ingest" in result.stderr


def test_corpus_from_environment(corpus_dir: tuple[Path, Path]) -> None:
    env = {**ENV, "ZSCTL_CORPUS": str(corpus_dir[0])}
    result = CliRunner().invoke(APP, ["list", "--limit", "1"], env=env)
    assert column(result) == ["aaaa00000002"]


def test_district_completion() -> None:
    from zsctl.cli.options import _complete_district

    assert "西青区" in _complete_district("西")
    assert "xiqing" in _complete_district("XI")
    assert _complete_district("zzz") == []


# --- show -----------------------------------------------------------------------------------


def test_show_plain(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "show", "aaaa00000002")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "id\taaaa00000002"
    assert "district\t滨海新区" in lines
    assert "mentions\t滨海新区 2" in lines
    assert (
        "record\t000_a.txt:7-9\t2024-01-02T09:30\tkept\t1.000\tBinhai TEDA 港口 expansion" in lines
    )
    assert "record\t001_b.txt:1-3\t2024-01-03\tnear\t0.930\tBinhai TEDA 港口 expansion!" in lines
    assert "edge\t000_a.txt:7\t001_b.txt:1\tnear\t0.930" in lines
    body = result.stdout.split("\n\n", 1)[1]
    assert body == "天津港集团宣布扩建。\n\nThe TEDA zone grows, code A_B.\n"


def test_show_by_prefix(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "show", "aaab")
    assert result.stdout.startswith("id\taaab00000005\n")


def test_show_ambiguous_prefix_lists_candidates(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "show", "aaaa")
    assert result.exit_code == 2
    assert "ambiguous" in result.stderr
    assert "aaaa00000001" in result.stderr and "aaaa00000002" in result.stderr


def test_show_unknown_id(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "show", "ffff")
    assert result.exit_code == 2
    assert "no article with id 'ffff'" in result.stderr


def test_show_inert_plain_and_terminal(
    corpus_dir: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_inert(run(corpus_dir, "show", "bbbb00000003").stdout)
    monkeypatch.setattr(output, "is_tty", lambda: True)
    result = run(corpus_dir, "show", "bbbb00000003")
    assert result.exit_code == 0
    assert_inert(result.stdout)
    assert "sources" in result.stdout and "001_b.txt" in result.stdout


def test_show_terminal_panel(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "show", "aaaa00000002")
    assert result.exit_code == 0
    for text in ("滨海新区 2", "duplicate edges", "near", "0.930", "The TEDA zone grows"):
        assert text in result.stdout


def test_show_json(corpus_dir: tuple[Path, Path]) -> None:
    data = json.loads(run(corpus_dir, "show", "bbbb00000003", "--json").stdout)
    assert data["title"] == EVIL_TITLE
    assert data["paragraphs"] == [EVIL_BODY]
    assert data["schema_version"] == 2
    assert "raw" not in data


def test_show_raw(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "show", "aaaa00000002", "--raw")
    assert result.exit_code == 0, result.output
    raw = result.stdout.split("\n\n", 1)[1]
    assert raw.split("\n") == [
        "==> 000_a.txt:7-9 <==",
        "Binhai TEDA 港口 expansion",
        "2024-01-02 09:30",
        "天津港集团宣布扩建。",
        "",
        "==> 001_b.txt:1-3 <==",
        "Binhai TEDA 港口 expansion!",
        "2024-01-03",
        "天津港集团宣布扩建",
        "",
    ]


def test_show_raw_verbatim_when_piped_inert_on_terminal(
    corpus_dir: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = run(corpus_dir, "show", "bbbb00000003", "--raw").stdout
    assert "Evil [bold red]x[/] red\u202eRTL\n" in piped
    monkeypatch.setattr(output, "is_tty", lambda: True)
    shown = run(corpus_dir, "show", "bbbb00000003", "--raw").stdout
    assert "\u202e" not in shown
    assert f"red{INERT_RLO}RTL" in shown


def test_show_raw_json(corpus_dir: tuple[Path, Path]) -> None:
    data = json.loads(run(corpus_dir, "show", "aaaa00000002", "--raw", "--json").stdout)
    assert data["raw"][1] == {
        "dump": "001_b.txt",
        "first_line": 1,
        "last_line": 3,
        "changed": False,
        "lines": ["Binhai TEDA 港口 expansion!", "2024-01-03", "天津港集团宣布扩建"],
    }


def test_show_raw_refuses_a_dump_outside_the_seeds(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "show", "cccc00000006", "--raw")
    assert result.exit_code == 1
    assert "outside the seeds folder" in result.stderr
    assert "outside the seeds folder\n" not in result.stdout


def test_show_raw_without_seeds(corpus_dir: tuple[Path, Path], tmp_path: Path) -> None:
    args = ["show", "aaaa00000001", "--raw", "--corpus", str(corpus_dir[0]), "--seeds", "nope"]
    result = CliRunner().invoke(APP, args, env=ENV)
    assert result.exit_code == 1
    assert "no such dump; is --seeds the folder" in result.stderr


# --- grep -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["招商"], ["aaab00000005", "aaaa00000001", "bbbb00000003"]),
        (["港"], ["aaaa00000002", "aaaa00000001", "bbbb00000004"]),
        (["招商引资"], ["aaaa00000001"]),
        (["teda"], []),
        (["-i", "teda"], ["aaaa00000002"]),
        (["-E", r"TEDA\s+港"], ["aaaa00000002"]),
        (["-E", "-i", "^binhai"], ["aaaa00000002"]),
        (["招商", "-d", "武清"], ["aaab00000005"]),
        (["招商", "--date", "2023-05"], ["aaab00000005", "aaaa00000001"]),
        (["招商", "--tag", "西青招商"], ["aaaa00000001"]),
        (["港", "--source", "002_c.txt"], ["bbbb00000004"]),
        (["招商", "--sort", "id"], ["aaaa00000001", "aaab00000005", "bbbb00000003"]),
        (["招商", "--limit", "1"], ["aaab00000005"]),
    ],
)
def test_grep_finds(corpus_dir: tuple[Path, Path], args: list[str], expected: list[str]) -> None:
    result = run(corpus_dir, "grep", *args)
    assert result.exit_code == (0 if expected else 1), result.output
    assert column(result) == expected
    ids = run(corpus_dir, "grep", "-l", *args)
    assert ids.stdout.split() == expected
    count = run(corpus_dir, "grep", "-c", *[a for a in args if a not in ("--limit", "1")])
    assert int(count.stdout) == len(expected) or "--limit" in args


def test_grep_plain_line(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "grep", "宣布", "-C", "4")
    assert rows(result) == [
        ["id", "date", "district", "title", "snippet"],
        [
            "aaaa00000002",
            "2024-01-02T09:30",
            "滨海新区",
            "Binhai TEDA 港口 expansion",
            "…津港集团宣布扩建。 ¶ …",
        ],
    ]


def test_grep_context_zero(corpus_dir: tuple[Path, Path]) -> None:
    assert column(run(corpus_dir, "grep", "宣布", "-C", "0"), 4) == ["…宣布…"]


def test_grep_terminal_highlights(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "grep", "招商", "-C", "5")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "aaab00000005  2023-05-31  武清区  ×5  武清区 招商"
    assert lines[1] == "    招商 招商 招…"
    assert_inert(result.stdout)


def test_grep_inert_plain(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "grep", "escape", "-C", "40")
    assert_inert(result.stdout)
    assert result.stdout.count("\n") == 2


def test_grep_json(corpus_dir: tuple[Path, Path]) -> None:
    data = json_lines(run(corpus_dir, "grep", "escape", "--json", "-C", "40").stdout)
    assert len(data) == 1
    hit = data[0]
    assert hit["title"] == EVIL_TITLE
    assert hit["snippet"] == EVIL_BODY
    assert (hit["field"], hit["match"], hit["matches"]) == ("body", "escape", 1)
    assert EVIL_BODY[hit["start"] : hit["end"]] == "escape"


def test_grep_count_and_ids_json(corpus_dir: tuple[Path, Path]) -> None:
    assert json.loads(run(corpus_dir, "grep", "-c", "港", "--json").stdout) == {"count": 3}
    ids = json_lines(run(corpus_dir, "grep", "-l", "港", "--json").stdout)
    assert ids == [{"id": i} for i in ("aaaa00000002", "aaaa00000001", "bbbb00000004")]


def test_grep_no_match_exits_1(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "grep", "-c", "不存在的词")
    assert (result.exit_code, result.stdout) == (1, "0\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["-E", "("], "bad regular expression"), (["-c", "-l", "x"], "not both"),
     ([""], "empty search pattern"), (["x", "-d", "nowhere"], "unknown district")],
)  # fmt: skip
def test_grep_usage_errors(corpus_dir: tuple[Path, Path], args: list[str], message: str) -> None:
    result = run(corpus_dir, "grep", *args)
    assert result.exit_code == 2
    assert message in result.stderr


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus whose output overflows a pipe buffer (64 KiB), so a closed reader is noticed."""
    corpus = tmp_path_factory.mktemp("many") / "many.db"
    db = connect_write(corpus)
    db.execute("BEGIN")
    articles = [
        Article(
            f"{i:012x}",
            f"招商项目 {i}",
            None,
            f"2024-01-{i % 28 + 1:02d}",
            "西青区",
            None,
            [f"第{i}篇:西青区招商引资项目签约,总投资{i}亿元。" * 3],
            f"x:{i}",
            [(f"x:{i}", "kept", 1.0)],
            {"西青区": 1},
            [],
        )
        for i in range(1500)
    ]
    done = write_articles(db, articles)
    update_index(db, done.removed, done.added, done.articles)
    db.execute("COMMIT")
    db.close()
    return corpus


@pytest.mark.parametrize(
    "args",
    [
        ["grep", "招商"],
        ["grep", "-l", "招商"],
        ["grep", "--json", "招商引资"],
        ["grep", "-E", "招."],
        ["list", "--limit", "0"],
        ["list", "--json", "--limit", "0"],
        ["export"],
        ["export", "-f", "csv"],
    ],
)
def test_a_closed_pipe_ends_quietly(many: Path, args: list[str]) -> None:
    zsctl = _read_one_line_and_close(many, args, subprocess.PIPE)
    _, err = zsctl.communicate(timeout=60)
    assert zsctl.returncode == 0
    assert err == b""


def _read_one_line_and_close(corpus: Path, args: list[str], stderr: int) -> subprocess.Popen[bytes]:
    """zsctl ARGS with stdout in a pipe that is closed after one line, as `head -1` does."""
    env = {k: v for k, v in os.environ.items() if k != "ZSCTL_CORPUS"}
    command = [sys.executable, "-m", "zsctl", *args, "--corpus", str(corpus)]
    zsctl = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, env=env)
    assert zsctl.stdout is not None
    assert zsctl.stdout.readline()
    zsctl.stdout.close()
    return zsctl


@pytest.mark.parametrize(
    "args",
    [["dupes"], ["dupes", "-f", "tsv"]],  # Rich tables, more than a pipe's buffer
)
def test_a_closed_pipe_on_stdout_and_stderr_ends_quietly(many: Path, args: list[str]) -> None:
    """`zsctl ... 2>&1 | head -1`: the summary on stderr meets the closed pipe too; exit 0."""
    zsctl = _read_one_line_and_close(many, args, subprocess.STDOUT)
    assert zsctl.wait(timeout=60) == 0


# --- export ---------------------------------------------------------------------------------


def test_export_jsonl_to_stdout(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "export")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.split("\n")[:-1]]
    assert [d["id"] for d in lines][:2] == ["cccc00000006", "bbbb00000003"]
    assert lines[1]["title"] == EVIL_TITLE
    # The value is faithful (json.loads gives back U+202E) but the bytes are escaped, since
    # a pipe often ends in a terminal.
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout
    assert "exported 6 article(s)" in result.stderr


def test_export_to_a_terminal_is_inert(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "export")
    assert "\u202e" not in result.stdout
    evil = json.loads(result.stdout.split("\n")[1])
    assert evil["body"] == EVIL_BODY


def test_export_files_load_in_pandas(corpus_dir: tuple[Path, Path], tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    jsonl, csv = tmp_path / "a.jsonl", tmp_path / "a.csv"
    assert run(corpus_dir, "export", "-o", str(jsonl)).exit_code == 0
    assert run(corpus_dir, "export", "-f", "csv", "-o", str(csv)).exit_code == 0
    frame = pandas.read_json(jsonl, lines=True)
    assert len(frame) == 6
    assert {"schema_version", "id", "districts", "sources", "paragraphs", "cluster"} <= set(
        frame.columns
    )
    table = pandas.read_csv(csv, dtype=str, keep_default_na=False)
    assert list(table["id"]) == list(frame["id"])
    assert json.loads(table["sources"][4])[1]["kind"] == "near"


def test_export_filters_and_repeatability(corpus_dir: tuple[Path, Path], tmp_path: Path) -> None:
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    run(corpus_dir, "export", "-d", "滨海", "-o", str(first))
    run(corpus_dir, "export", "-d", "滨海", "-o", str(second))
    assert first.read_bytes() == second.read_bytes()
    assert [json.loads(x)["id"] for x in first.read_text().split("\n")[:-1]] == ["aaaa00000002"]


def test_export_dash_is_stdout(corpus_dir: tuple[Path, Path]) -> None:
    assert run(corpus_dir, "export", "-o", "-").stdout == run(corpus_dir, "export").stdout


def test_export_bad_format(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "export", "-f", "xml")
    assert result.exit_code == 2


# --- stats ----------------------------------------------------------------------------------


def test_stats_plain(corpus_dir: tuple[Path, Path]) -> None:
    result = run(corpus_dir, "stats")
    assert result.exit_code == 0
    got = rows(result)
    assert got[:2] == [["articles", "6"], ["sources", "7"]]
    assert ["district", "西青区", "1", "1"] in got
    assert ["district", "-", "2", "0"] in got
    assert ["month", "2023-05", "2"] in got
    assert ["month", "2022-01", "0"] in got
    assert got[-1] == ["month", "-", "1"]


def test_stats_terminal_bars(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "stats")
    assert result.exit_code == 0
    assert "█" in result.stdout
    assert "(none)" in result.stdout and "(undated)" in result.stdout


def test_stats_bars_shorten_on_a_narrow_terminal(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "stats", env={"COLUMNS": "60"})
    lines = result.stdout.splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert "mentioned in" in result.stdout  # the counts are not squeezed away
    assert all(line.count("█") <= 20 for line in lines)


def test_stats_json_with_filter(corpus_dir: tuple[Path, Path]) -> None:
    data = json.loads(run(corpus_dir, "stats", "--json", "--date", "2023").stdout)
    assert data["articles"] == 2
    assert data["by_month"][0] == {"month": "2023-05", "articles": 2}
    assert {d["district"] for d in data["by_district"]} >= {"西青区", "武清区"}


def test_no_color_is_honoured(corpus_dir: tuple[Path, Path], tty: None) -> None:
    result = run(corpus_dir, "list", env={"NO_COLOR": "1"})
    assert "\x1b[" not in result.stdout

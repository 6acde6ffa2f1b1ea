"""The same output options on every command, and manners on a terminal.

Every reading command takes `--format table|tsv|json|jsonl` (table on a terminal, tsv in a
pipe); `--json` is `--format json`; a list in JSON is JSON Lines, one object per line. On a
terminal: a pager for long output, `--color`, 80 columns, usage errors on one line.
Terminal cases run the real command line on a pseudo-terminal of a set size.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.corpora import ENV, demo_corpus, export_jsonl, zsctl

# A list command and its arguments; show's id is filled in from the corpus.
LISTS = {"list": [], "grep": ["招商"], "dupes": []}
OBJECTS = {"show": ["{id}"], "stats": []}
# The article whose schema-1 id was 691300644980 (see test_export_readers).
OLD_ID, OLD_ID_TITLE = "691300644980", "滨海新区强化服务赋能信创产业集群高质量发展"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_corpus(tmp_path_factory.mktemp("manners"))


def run(
    corpus: Path, command: str, args: list[str], *extra: str
) -> subprocess.CompletedProcess[str]:
    first = export_jsonl(corpus)[0]["id"] if "{id}" in args else ""
    filled = [a.replace("{id}", first) for a in args]
    seeds = ["--seeds", str(corpus.parent / "demo")] if command == "show" else []
    return zsctl(command, *filled, *extra, "--corpus", str(corpus), *seeds)


@pytest.mark.parametrize("command", [*LISTS, *OBJECTS, "check"])
def test_every_command_takes_every_format(corpus: Path, command: str) -> None:
    args = {**LISTS, **OBJECTS}.get(command, [])
    if command == "check":
        outs = {f: zsctl("check", "--seeds", str(corpus.parent / "demo"), "--format", f) for f in
                ("table", "tsv", "json", "jsonl")}  # fmt: skip
    else:
        outs = {
            f: run(corpus, command, args, "--format", f) for f in ("table", "tsv", "json", "jsonl")
        }
    for fmt, done in outs.items():
        assert done.returncode in (0, 1), (fmt, done.stderr)
        assert done.stdout, fmt
    assert "\t" in outs["tsv"].stdout.splitlines()[0]
    for line in outs["jsonl"].stdout.splitlines():
        assert isinstance(json.loads(line), dict)


@pytest.mark.parametrize("command", list(LISTS))
def test_a_list_in_json_is_json_lines_and_json_is_its_alias(corpus: Path, command: str) -> None:
    jsonl = run(corpus, command, LISTS[command], "--format", "jsonl").stdout
    assert run(corpus, command, LISTS[command], "--format", "json").stdout == jsonl
    assert run(corpus, command, LISTS[command], "--json").stdout == jsonl
    lines = jsonl.splitlines()
    assert len(lines) > 1 and all(json.loads(line)["id"] for line in lines)


@pytest.mark.parametrize("command", list(OBJECTS))
def test_one_object_in_json_and_in_one_line(corpus: Path, command: str) -> None:
    pretty = run(corpus, command, OBJECTS[command], "--json").stdout
    assert pretty == run(corpus, command, OBJECTS[command], "--format", "json").stdout
    line = run(corpus, command, OBJECTS[command], "--format", "jsonl").stdout
    assert line.count("\n") == 1
    assert json.loads(line) == json.loads(pretty)


@pytest.mark.parametrize("command", [*LISTS, *OBJECTS])
def test_a_pipe_gets_tsv_by_default(corpus: Path, command: str) -> None:
    args = {**LISTS, **OBJECTS}[command]
    assert run(corpus, command, args).stdout == run(corpus, command, args, "--format", "tsv").stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["list", "--format", "yaml"],
        ["list", "--bogus"],
        ["grep"],
        ["show"],
        ["export", "--format", "xml"],
        ["list", "--limit", "-1"],
        ["list", "--limit", "9" * 20],  # islice and SQLite take no more than 2**63 - 1
        ["log", "--limit", "9" * 20],
        ["grep", "招商", "-C", "9" * 20],
    ],
    ids=" ".join,
)
def test_usage_errors_are_one_line_with_the_hint(argv: list[str]) -> None:
    done = zsctl(*argv)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"zsctl {argv[0]} --help" in lines[0]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["check", "--corpus", "x"], "does not read the corpus: no --corpus"),
        (["grep", "招商", "--seeds", "x"], "does not read the dumps: no --seeds"),
        (["list", "--corpus"], "requires an argument"),  # taken, but left without its value
        (["ingest", "--seeds"], "requires an argument"),
    ],
)
def test_a_path_option_a_command_lacks_says_why(argv: list[str], said: str) -> None:
    """Not Click's look-alike (`--corpus` -> "Possible options: --color")."""
    done = zsctl(*argv)
    assert done.returncode == 2
    assert said in done.stderr and "Possible options" not in done.stderr


def test_color_always_in_a_pipe_and_never(corpus: Path) -> None:
    always = run(corpus, "grep", ["招商"], "--color", "always").stdout
    assert "\x1b[" in always
    never = run(corpus, "grep", ["招商"], "--color", "never").stdout
    assert "\x1b" not in never
    assert "\x1b" not in run(corpus, "grep", ["招商"]).stdout  # auto, in a pipe


def test_show_accepts_the_schema_1_hex_id(corpus: Path) -> None:
    done = run(corpus, "show", [OLD_ID], "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["title"] == OLD_ID_TITLE
    assert shown["id"] != OLD_ID


def test_show_gives_the_day_and_the_time_as_the_export_does(corpus: Path) -> None:
    """`date` is the day in every output; the time, where a page gave one, is published_at."""
    timed = [a for a in export_jsonl(corpus) if a["published_at"] is not None]
    assert timed  # the demo's article pages give times, or this proves little
    for article in (timed[0], next(a for a in export_jsonl(corpus) if not a["published_at"])):
        shown = run(corpus, "show", [article["id"]]).stdout.splitlines()
        head = shown[: next(i for i, row in enumerate(shown) if "\t" not in row)]
        fields = dict(row.split("\t", 1) for row in head)  # the metadata, before the text
        assert fields["date"] == article["date"]
        assert fields.get("published_at") == article["published_at"]


# --- on a terminal --------------------------------------------------------------------------


def on_terminal(argv: list[str], columns: int = 80, rows: int = 24, **env: str) -> str:
    """Run zsctl with stdout on a pseudo-terminal of columns x rows; what it showed.

    The command must succeed: a usage error's short output would prove nothing.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "zsctl", *argv],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
        env={**ENV, "COLUMNS": str(columns), "LINES": str(rows), "TERM": "xterm", **env},
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8", "replace")


def cells(line: str) -> int:
    """Terminal cells a line takes (CJK characters take two), escapes left out."""
    import re
    import unicodedata

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", line)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in plain)


def test_a_terminal_gets_a_table(corpus: Path) -> None:
    shown = on_terminal(["list", "--corpus", str(corpus), "--no-pager"], rows=200)
    assert "\t" not in shown and "id" in shown


@pytest.mark.parametrize("command", [["grep", "招商", "-C", "30"], ["show", "{id}"], ["list"]])
def test_output_fits_80_columns(corpus: Path, command: list[str]) -> None:
    ident = export_jsonl(corpus)[0]["id"]
    argv = [a.replace("{id}", ident) for a in command]
    seeds = ["--seeds", str(corpus.parent / "demo")] if argv[0] == "show" else []
    shown = on_terminal([*argv, "--corpus", str(corpus), *seeds, "--no-pager"], rows=500)
    lines = shown.replace("\r", "").split("\n")
    assert len(lines) > 5
    widest = max(lines, key=cells)
    assert cells(widest) <= 80, widest
    if argv[0] == "grep":  # cut to the width, not wrapped: a head and a snippet line per hit
        hits = int(zsctl("grep", "-c", argv[1], "--corpus", str(corpus)).stdout)
        assert len([line for line in lines if line.strip()]) == 2 * hits


def test_long_output_on_a_terminal_goes_through_the_pager(corpus: Path, tmp_path: Path) -> None:
    pager = tmp_path / "pager.sh"
    marker = tmp_path / "paged.txt"
    pager.write_text(f"#!/bin/sh\ncat > {marker}\n")
    pager.chmod(0o755)
    longest = max(export_jsonl(corpus), key=lambda r: r["length"])
    argv = ["show", longest["id"], "--corpus", str(corpus), "--seeds", str(corpus.parent / "demo")]
    on_terminal(argv, PAGER=str(pager))
    assert longest["title"] in marker.read_text(encoding="utf-8")
    marker.unlink()
    on_terminal([*argv, "--no-pager"], PAGER=str(pager))
    assert not marker.exists()
    on_terminal(["stats", "--corpus", str(corpus)], rows=200, PAGER=str(pager))
    assert not marker.exists()  # short output is not paged


def _small_files() -> None:
    """In the child: files end at 4 KB, and writing past that is EFBIG, not a signal."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


@pytest.mark.parametrize("argv", [["export"], ["list", "-f", "jsonl"], ["grep", "招商"]])
def test_a_full_disk_under_stdout_is_one_line_and_exit_1(
    corpus: Path, argv: list[str], tmp_path: Path
) -> None:
    """`zsctl export > file` on a full disk: said, not a traceback, and not exit 0."""
    with (tmp_path / "out").open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "zsctl", *argv, "--corpus", str(corpus)],
            stdout=out, stderr=subprocess.PIPE, text=True, env=ENV, preexec_fn=_small_files,
            timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: writing the output failed: File too large")
    assert len(done.stderr.splitlines()) == 1

"""The fast path for list/show/grep (zsctl.cli.fast) against the Typer app it stands in for.

The fast path parses the command line from the same declarations as Typer; these tests hold it
to Typer's values on every command line it accepts, to the same output, and to its purpose:
a piped `list`, `show` or `grep` never imports Typer, pydantic or Rich.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.test_query import build_corpus
from zsctl.cli import app as app_module
from zsctl.cli import fast, typer_glue
from zsctl.cli.commands.grep import grep
from zsctl.cli.commands.list import list_articles
from zsctl.cli.commands.show import show
from zsctl.cli.options import GROUPS
from zsctl.cli.params import Argument, Option, parameters

FUNCTIONS: dict[str, Callable[..., int]] = {"list": list_articles, "show": show, "grep": grep}
ENV = {k: v for k, v in os.environ.items() if k not in ("ZSCTL_CORPUS", "NO_COLOR")}

APP = app_module.build_app()


# --- the same values as Typer -------------------------------------------------------------------


@pytest.fixture
def typer_values(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], dict[str, Any] | None]:
    """What the Typer app would call the command with for a command line; None if it refuses."""
    calls: list[tuple[Callable[..., int], dict[str, Any]]] = []
    monkeypatch.setattr(typer_glue, "invoke", lambda fn, values: calls.append((fn, values)) or 0)

    def values(argv: list[str]) -> dict[str, Any] | None:
        calls.clear()
        result = CliRunner().invoke(APP, argv)
        if result.exit_code != 0:
            assert not calls
            return None
        [(fn, got)] = calls
        assert fn is FUNCTIONS[argv[0]]
        return got

    return values


def fast_values(argv: list[str]) -> dict[str, Any] | None:
    return fast.parse(parameters(FUNCTIONS[argv[0]], GROUPS), argv[1:])


PLAIN = [
    ["list"],
    ["list", "--limit", "20"],
    ["list", "-n", "0", "--json"],
    ["list", "--limit=3", "--sort=-sources", "--json", "--json"],
    ["list", "--sort", "date", "--sort", "title", "--limit", "7", "--limit", "07"],
    ["list", "-d", "西青", "--district", "xiqing", "--since", "2023-05", "--until", "2024"],
    ["list", "--date", "2023年5月", "--source", "001_a.txt", "--source=x", "--tag", "【西青招商】"],
    ["list", "--corpus", "some/where.db", "--tag", ""],
    ["list", "--sort", "-title", "--corpus", "--json", "--since="],  # Click's reading too
    ["show", "abc"],
    ["show", "--json", "abc", "--raw", "--seeds", "s", "--corpus=c.db"],
    ["grep", "招商", "-c"],
    ["grep", "-c", "生物医药", "--district", "西青"],
    ["grep", "生物医药", "-c", "--since", "2025-07"],
    ["grep", "-E", "招.", "-i", "-l", "--limit", "5", "--sort", "id"],
    ["grep", "--regex", "x|y", "--ignore-case", "--count", "--ids"],
    ["grep", "a b", "-C", "0", "--context=12", "-n", "3", "--json", "--corpus", "c.db"],
    ["grep", ""],
]


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_plain_command_lines_take_the_fast_path_with_typers_values(
    argv: list[str], typer_values: Callable[[list[str]], dict[str, Any] | None]
) -> None:
    got = fast_values(argv)
    assert got is not None
    assert got == typer_values(argv)


LEFT_TO_TYPER = [
    ["list", "--help"],
    ["list", "-h"],
    ["list", "--limit", "-1"],  # Typer's error
    ["list", "--limit", "x"],
    ["list", "--limit"],
    ["list", "--limit", " 5"],  # Typer reads 5; not plain, so left to it
    ["list", "-n5"],
    ["list", "--sort", "newest"],  # a member's name, not a value
    ["list", "--json=1"],
    ["list", "--bogus"],
    ["list", "extra"],
    ["show"],
    ["show", "a", "b"],
    ["show", "--", "-abc"],
    ["grep"],
    ["grep", "-ic", "x"],
    ["grep", "-x"],
    ["grep", "x", "--", "y"],
    ["grep", "\udcff"],  # undecodable bytes on the command line
]


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=" ".join)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert fast_values(argv) is None


NAMES = {
    name: sorted(
        {n for p in parameters(fn, GROUPS) if isinstance(p.spec, Option) for n in p.spec.names}
    )
    for name, fn in FUNCTIONS.items()
}
ODD = ["--help", "-h", "--", "-", "-ic", "-n5", "--bogus", "--json=1", "--limit=2", "--sort=id"]
ODD += ["--sort=-id", "--since=", "--limit=", "--tag=a=b"]
VALUES = ["0", "3", "05", "-1", "x", "", "2024", "2023-05", "西青", "-date", "id", "newest", "a b"]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_whatever_the_fast_path_accepts_typer_reads_the_same(
    data: st.DataObject, typer_values: Callable[[list[str]], dict[str, Any] | None]
) -> None:
    name = data.draw(st.sampled_from(sorted(FUNCTIONS)))
    # Mostly an option and a value (or a flag and an argument), now and then an odd token.
    pair = st.tuples(st.sampled_from(NAMES[name]), st.sampled_from(VALUES)).map(list)
    odd = st.sampled_from(ODD + VALUES).map(lambda token: [token])
    chunks = data.draw(st.lists(pair | pair | odd, max_size=5))
    argv = [name, *(token for chunk in chunks for token in chunk)]
    got = fast_values(argv)
    if got is not None:
        assert got == typer_values(argv), argv


def test_a_declaration_it_does_not_know_leaves_the_command_to_typer() -> None:
    def capped(n: Annotated[int, Option("--n", max=9, clamp=True)] = 1) -> int:
        return 0

    def counted(v: Annotated[int, Option("-v", count=True)] = 0) -> int:
        return 0

    def optional_argument(x: Annotated[str, Argument()] = "") -> int:
        return 0

    assert fast.parse(parameters(capped, GROUPS), ["--n", "3"]) is None
    assert fast.parse(parameters(counted, GROUPS), ["-v"]) is None
    assert fast.parse(parameters(optional_argument, GROUPS), ["a"]) is None


def test_a_value_out_of_its_range_is_left_to_typer_which_says_the_range() -> None:
    def ranged(n: Annotated[int, Option("--n", min=1, max=9)] = 1) -> int:
        return 0

    params = parameters(ranged, GROUPS)
    assert fast.parse(params, ["--n", "3"]) is not None
    assert fast.parse(params, ["--n", "10"]) is None
    assert fast.parse(params, ["--n", "0"]) is None


def test_the_fast_commands_are_the_apps() -> None:
    registered = {c.name: c.callback for c in APP.registered_commands}
    for name, fn in FUNCTIONS.items():
        command = app_module.BY_NAME[name]
        assert command.fast and command.load() is fn
        assert registered[name].__wrapped__ is fn  # type: ignore[union-attr]
    assert {c.name for c in app_module.COMMANDS if c.fast} == set(FUNCTIONS)


def test_ctrl_c_ends_quietly_with_130_either_way(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def interrupted(fn: object, values: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("zsctl.cli.invoke.invoke", interrupted)
    monkeypatch.setattr(typer_glue, "invoke", interrupted)
    assert fast.run(["list"]) == 130
    assert CliRunner().invoke(APP, ["list"]).exit_code == 130


# --- the same output, without Typer, pydantic or Rich ------------------------------------------

MODULES = """
import sys
from zsctl.__main__ import main
sys.argv[0] = "zsctl"
try:
    main()
finally:
    print("\\nMODULES", *sorted(sys.modules), file=sys.stderr)
"""
TYPER_PATH = "import sys\nfrom zsctl.cli.app import run\nrun(sys.argv[1:])"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_corpus(tmp_path_factory.mktemp("fast"))


def zsctl(script: str, argv: list[str], corpus_dir: tuple[Path, Path]) -> tuple[int, str, str]:
    corpus, seeds = corpus_dir
    extra = ["--corpus", str(corpus)] + (["--seeds", str(seeds)] if argv[0] == "show" else [])
    proc = subprocess.run(
        [sys.executable, "-c", script, *argv, *extra],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


OUTPUT_CASES = [
    ["list"],
    ["list", "--limit", "2", "--sort", "id"],
    ["list", "--json", "--limit", "0"],
    ["list", "--format", "jsonl", "--color", "never", "--no-pager"],  # the shared options
    ["grep", "招商", "--format", "tsv", "--color", "always"],
    ["list", "--district", "西青", "--since", "2023"],
    ["list", "--date", "2023-13"],  # the library's errors (messages come by way of Rich)
    ["list", "--district", "火星"],
    ["show", "zzzz"],
    ["list", "--tag", "no-such-tag"],
    ["show", "aaaa"],
    ["show", "bbbb00000003", "--json"],
    ["show", "bbbb00000003", "--raw"],
    ["grep", "招商"],
    ["grep", "招商", "-c"],
    ["grep", "招商", "-l", "--json"],
    ["grep", "-E", "招.", "--limit", "1", "-C", "2"],
    ["grep", "no such text", "-c"],
    ["grep", "x", "-c", "-l"],
]


@pytest.mark.parametrize("argv", OUTPUT_CASES, ids=" ".join)
def test_fast_output_is_the_typer_apps_and_loads_neither_typer_nor_rich(
    argv: list[str], corpus_dir: tuple[Path, Path]
) -> None:
    assert fast_values(argv) is not None  # this case is one for the fast path
    code, out, err = zsctl(MODULES, argv, corpus_dir)
    err, _, modules = err.rpartition("\nMODULES ")
    assert (code, out, err) == zsctl(TYPER_PATH, argv, corpus_dir)
    if err.startswith("error: "):
        return
    loaded = {m.partition(".")[0] for m in modules.split()}
    assert not loaded & {"typer", "click", "pydantic", "rich"}, sorted(loaded)


def test_other_command_lines_still_get_typers_help_and_errors(
    corpus_dir: tuple[Path, Path],
) -> None:
    code, out, err = zsctl(MODULES, ["list", "--limit", "-1"], corpus_dir)
    assert code == 2
    assert "Invalid value for '--limit'" in err
    assert "typer" in err.rpartition("\nMODULES ")[2].split()
    code, out, _ = zsctl(MODULES, ["grep", "--help"], corpus_dir)
    assert code == 0 and "--ignore-case" in out


def test_shell_completion_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_ZSCTL_COMPLETE", "complete_bash")
    assert fast.run(["list"]) is None

"""Docs and code stay in sync: README commands, Makefile targets, CI script."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from zsctl.cli.app import build_app

app = build_app()

README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _commands() -> set[str]:
    return {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}


def test_readme_opens_with_the_two_fresh_machine_commands() -> None:
    first_block = README.split("```")[1]
    assert "make demo" in first_block
    assert "make test" in first_block


def test_every_command_is_documented_and_every_documented_command_exists() -> None:
    documented = set(re.findall(r"`zsctl ([a-z]+)", README))
    documented |= {
        c
        for group in re.findall(r"`zsctl [a-z]+`(?:, `[a-z]+`)+", README)
        for c in re.findall(r"`([a-z]+)`", group)
    }
    assert documented == _commands()


@pytest.mark.parametrize("option", ["--seeds", "--corpus"])
def test_readme_names_the_commands_that_take_seeds_and_corpus(option: str) -> None:
    """Configuration's lists of the commands taking --seeds and --corpus are their --help's."""
    listed = re.search(rf"take `{option}` \(([^)]*)\)", README)
    assert listed is not None
    named = set(re.findall(r"`([a-z]+)`", listed.group(1)))
    runner = CliRunner()
    taking = {c for c in _commands() if option in runner.invoke(app, [c, "--help"]).output}
    assert named == taking


def test_make_targets_named_in_readme_exist() -> None:
    targets = set(re.findall(r"^([a-z]+):", MAKEFILE, re.M))
    assert set(re.findall(r"make ([a-z]+)", README)) <= targets


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "make test" in README


ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")


def test_architecture_lists_every_module_of_the_package() -> None:
    """docs/ARCHITECTURE.md's module table names exactly the modules the package has."""
    listed = set(re.findall(r"^\| `(zsctl/[\w/]+\.py)` \|", ARCHITECTURE, re.M))
    actual = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "zsctl").rglob("*.py")
        if p.name != "__init__.py" or p.parent.name == "zsctl"
    }
    assert listed == actual


def test_architecture_names_every_command_of_the_table() -> None:
    from zsctl.cli.app import COMMANDS

    for c in COMMANDS:
        assert f"`zsctl/cli/commands/{c.module}.py` | cli | `zsctl {c.name}`" in ARCHITECTURE


def test_package_init_files_are_empty() -> None:
    """So importing one module of a stage never imports the rest (start-up time)."""
    for init in (ROOT / "zsctl").rglob("__init__.py"):
        if init.parent.name != "zsctl":
            assert init.read_text(encoding="utf-8") == "", init

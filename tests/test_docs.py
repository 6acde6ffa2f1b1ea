"""Docs and code stay in sync: README commands, Makefile targets, CI script."""

from __future__ import annotations

import re

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


def test_make_targets_named_in_readme_exist() -> None:
    targets = set(re.findall(r"^([a-z]+):", MAKEFILE, re.M))
    assert set(re.findall(r"make ([a-z]+)", README)) <= targets


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "make test" in README

"""The command table, and the Typer application built from it.

COMMANDS is the one list of commands: the Typer app registers every entry, and the fast path
(zsctl.cli.fast) runs the entries marked fast without Typer. This module imports Typer only
inside build_app(), so reading the table costs nothing at start-up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import typer


class Command(NamedTuple):
    """One subcommand: its name, where its function lives, and whether the fast path runs it."""

    name: str
    module: str  # under zsctl.cli.commands
    function: str
    fast: bool = False  # plain command lines parsed without Typer (start-up time counts)

    def load(self) -> Callable[..., int]:
        """The command function (its module imports the library lazily, inside it)."""
        fn: Callable[..., int] = getattr(
            import_module(f"zsctl.cli.commands.{self.module}"), self.function
        )
        return fn


# In the order `zsctl --help` lists them.
COMMANDS: tuple[Command, ...] = (
    Command("check", "check", "check"),
    Command("ingest", "ingest", "ingest"),
    Command("list", "list", "list_articles", fast=True),
    Command("show", "show", "show", fast=True),
    Command("grep", "grep", "grep", fast=True),
    Command("export", "export", "export"),
    Command("stats", "stats", "stats"),
    Command("dupes", "dupes", "dupes"),
    Command("log", "log", "log"),
    Command("districts", "districts", "districts"),
)
BY_NAME = {c.name: c for c in COMMANDS}


def build_app() -> typer.Typer:
    """The Typer app with every command of the table registered."""
    import typer

    from zsctl.cli.typer_glue import HELP, root_callback, typer_command

    app = typer.Typer(
        name="zsctl",
        help=HELP,
        no_args_is_help=True,
        add_completion=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root_callback)
    for c in COMMANDS:
        app.command(c.name)(typer_command(c.load()))
    return app


def run(argv: list[str] | None = None) -> None:
    """Run the CLI through Typer and exit: 0 ok, 1 problems found, 2 usage error."""
    from zsctl.cli.invoke import quiet_broken_pipe

    try:
        build_app()(args=argv, prog_name="zsctl")
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(0)

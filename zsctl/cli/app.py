"""The Typer application: registers command modules and maps errors to exit codes."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from collections.abc import Callable
from typing import Any

import typer

from zsctl import __version__

app = typer.Typer(
    name="zsctl",
    help="Clean, deduplicate and search scraped 招商引资 news dumps about Tianjin.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zsctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Clean, deduplicate and search scraped 招商引资 news dumps about Tianjin."""


def command(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Wrap a command: user errors become a one-line message and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        from zsctl.errors import ZsctlError

        try:
            code = fn(*args, **kwargs)
        except ZsctlError as exc:
            from zsctl.cli.output import inert, message

            message(f"error: {inert(str(exc))}", style="red")
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            quiet_broken_pipe()
            raise typer.Exit(0) from None
        except sqlite3.DatabaseError as exc:
            # A corpus damaged past its header opens, then fails mid-query.
            from zsctl.cli.output import inert, message

            message(
                f"error: corpus unreadable ({inert(str(exc))}); rebuild it with `zsctl ingest`"
                " after moving the damaged file aside",
                style="red",
            )
            raise typer.Exit(1) from None
        if code:
            raise typer.Exit(code)

    return wrapper


def quiet_broken_pipe() -> None:
    """The reader (e.g. `head`) has gone: point stdout at /dev/null so the final flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _register() -> None:
    # Command modules import the library lazily inside their functions, so start-up stays fast.
    if app.registered_commands:  # once only: each extra call would add every command again
        return
    from zsctl.cli import (
        check_cmd,
        dupes_cmd,
        export_cmd,
        grep_cmd,
        ingest_cmd,
        list_cmd,
        show_cmd,
        stats_cmd,
    )

    searching = (list_cmd, show_cmd, grep_cmd, export_cmd, stats_cmd)
    for module in (check_cmd, ingest_cmd, *searching, dupes_cmd):
        module.register(app)


def run(argv: list[str] | None = None) -> None:
    """Run the CLI and exit: 0 ok, 1 problems found, 2 usage error."""
    _register()
    try:
        app(args=argv, prog_name="zsctl")
    except BrokenPipeError:
        quiet_broken_pipe()
        sys.exit(0)

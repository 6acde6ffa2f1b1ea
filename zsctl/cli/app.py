"""The Typer application: registers command modules and maps errors to exit codes."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from zsctl import __version__
from zsctl.cli.invoke import invoke, quiet_broken_pipe
from zsctl.cli.options import REQUIRED, parameters

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


def command(fn: Callable[..., int]) -> Callable[..., None]:
    """A command function as Typer wants it.

    Its Option/Argument declarations become typer.Option/typer.Argument (a `filters`
    parameter becomes the shared filter options), and user errors become a one-line message
    and an exit code, never a traceback.
    """
    params = [
        inspect.Parameter(
            p.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=inspect.Parameter.empty if p.default is REQUIRED else p.default,
            annotation=Annotated[p.type, p.spec.typer()],
        )
        for p in parameters(fn)
    ]

    @functools.wraps(fn)
    def wrapper(**values: Any) -> None:
        code = invoke(fn, values)
        if code:
            raise typer.Exit(code)

    wrapper.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return wrapper


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

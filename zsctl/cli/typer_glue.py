"""Turning a command function into what Typer wants; imported only when Typer runs."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from zsctl import __version__
from zsctl.cli.invoke import invoke
from zsctl.cli.options import GROUPS
from zsctl.cli.params import REQUIRED, parameters

HELP = "Clean, deduplicate and search scraped 招商引资 news dumps about Tianjin."


def _version(value: bool) -> None:
    if value:
        typer.echo(f"zsctl {__version__}")
        raise typer.Exit()


def root_callback(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Clean, deduplicate and search scraped 招商引资 news dumps about Tianjin."""


root_callback.__doc__ = HELP


def typer_command(fn: Callable[..., int]) -> Callable[..., None]:
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
        for p in parameters(fn, GROUPS)
    ]

    @functools.wraps(fn)
    def wrapper(**values: Any) -> None:
        code = invoke(fn, values)
        if code:
            raise typer.Exit(code)

    wrapper.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return wrapper

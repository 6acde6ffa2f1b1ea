"""The smallest Typer app with two subcommands: the start-up floor of any Typer CLI.

``python bench/bare_typer.py --help`` is the reference for ``zsctl list`` and ``zsctl show``:
the interpreter, Typer, Click and Rich start-up that every zsctl command pays before it
does any work.
"""

from __future__ import annotations

import typer

app = typer.Typer(add_completion=False, help="Bare Typer app (benchmark reference).")


@app.command("list")
def list_(limit: int = typer.Option(20, help="How many rows.")) -> None:
    """List nothing."""
    typer.echo(limit)


@app.command()
def show(article_id: str) -> None:
    """Show nothing."""
    typer.echo(article_id)


if __name__ == "__main__":
    app()

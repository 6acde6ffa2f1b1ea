"""`zsctl sites [suggest]`: the sites and where their rules come from; rules learned from dumps."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import DEFAULT_SEEDS, SeedsOpt
from zsctl.cli.params import Argument, Option

if TYPE_CHECKING:
    from zsctl.cli.output import Output


class SitesAction(StrEnum):
    """What `zsctl sites` does: list the sites, or suggest rules for one."""

    list = "list"
    suggest = "suggest"


def sites(
    out: Output,
    action: Annotated[
        SitesAction, Argument(help="list (the default), or suggest rules for --site.")
    ] = SitesAction.list,
    seeds: SeedsOpt = DEFAULT_SEEDS,
    site: Annotated[
        str | None, Option("--site", help="The site to suggest rules for (suggest).")
    ] = None,
) -> int:
    """List sites, their rules' origins and dumps; or print a rules file learned from dumps."""
    from zsctl.cli.options import seeds_path
    from zsctl.errors import UsageError

    folder = seeds_path(seeds)
    if action is SitesAction.suggest:
        if not site:
            raise UsageError("sites suggest needs --site ID (see `zsctl sites`)")
        return _suggest(folder, site)
    if site:
        raise UsageError("--site goes with `zsctl sites suggest`")
    return _list(folder, out)


def _list(seeds: Path, out: Output) -> int:
    """The sites in the format asked for (the YAML of `suggest` has one form only)."""
    from zsctl.cli.output import echo, inert
    from zsctl.seeds.sites import list_sites

    found = list_sites(seeds)
    if out.machine:
        out.records(
            {"site": s.id, "dumps": s.dumps, "name": s.name, "rules_from": list(s.origins)}
            for s in found
        )
        return 0
    rows = [(s.id, str(s.dumps), s.name, ", ".join(s.origins)) for s in found]
    if out.format == "table":
        from zsctl.cli.output import show, table, text

        grid = table("sites", [(h, {}) for h in ("site", "dumps", "name", "rules from")])
        for row in rows:
            grid.add_row(*(text(v) for v in row))
        show(grid)
        return 0
    echo("\t".join(("site", "dumps", "name", "rules from")))
    for row in rows:
        echo("\t".join(inert(v) for v in row))
    return 0


def _suggest(seeds: Path, site: str) -> int:
    from zsctl.cli.output import echo, message
    from zsctl.seeds.suggest import render, suggest

    found, dumps = suggest(seeds, site)
    for line in render(seeds, site, found, dumps).splitlines():
        echo(line)
    message(f"{len(found)} rule(s) suggested from {dumps} dump(s); review, then save the output")
    return 0

"""`zsctl sites [suggest]`: the sites and where their rules come from; rules learned from dumps."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from zsctl.cli.options import DEFAULT_SEEDS, SeedsOpt
from zsctl.cli.params import Argument, Option


class SitesAction(StrEnum):
    """What `zsctl sites` does: list the sites, or suggest rules for one."""

    list = "list"
    suggest = "suggest"


def sites(
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
    return _list(folder)


def _list(seeds: Path) -> int:
    from zsctl.cli.output import echo, inert
    from zsctl.seeds.sites import list_sites

    echo("\t".join(("site", "dumps", "name", "rules from")))
    for s in list_sites(seeds):
        echo("\t".join((s.id, str(s.dumps), inert(s.name), ", ".join(map(inert, s.origins)))))
    return 0


def _suggest(seeds: Path, site: str) -> int:
    from zsctl.cli.output import echo, message
    from zsctl.seeds.suggest import render, suggest

    found, dumps = suggest(seeds, site)
    for line in render(seeds, site, found, dumps).splitlines():
        echo(line)
    message(f"{len(found)} rule(s) suggested from {dumps} dump(s); review, then save the output")
    return 0

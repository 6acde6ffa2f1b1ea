"""`zsctl seeds add FILE… --site ID`: copy dumps into the seeds folder and list them."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from zsctl.cli.options import DEFAULT_SEEDS, SeedsOpt
from zsctl.cli.params import Argument, Option


class SeedsAction(StrEnum):
    """What `zsctl seeds` does."""

    add = "add"


def seeds(
    action: Annotated[SeedsAction, Argument(help="add: copy dumps in and list them.")],
    files: Annotated[list[Path], Argument(metavar="FILE...", help="Dumps to add.")],
    site: Annotated[str, Option("--site", help="Site id of the dumps' portal.")],
    layout: Annotated[
        str, Option("--layout", help="auto, dash, bullet or article.", show_default=True)
    ] = "auto",
    fetched: Annotated[
        str | None, Option("--fetched", help="When the pages were scraped, YYYY-MM-DD.")
    ] = None,
    folder: SeedsOpt = DEFAULT_SEEDS,
) -> int:
    """Copy dumps into the seeds folder as NNN_<hash>.txt and append their INDEX.md rows."""
    from zsctl.cli.options import seeds_path
    from zsctl.cli.output import echo, inert, message
    from zsctl.seeds.add import add_dumps

    target = seeds_path(folder)
    added = add_dumps(target, files, site, layout, fetched)
    for a in added:
        if a.skipped:
            message(f"{inert(a.source)}: {a.skipped}; not added")
        else:
            echo(inert(a.row))
    new = sum(a.skipped is None for a in added)
    message(f"added {new} dump(s) to {target}; run `zsctl check --seeds {target}`")
    return 0

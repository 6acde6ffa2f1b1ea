"""`zsctl build`: the ingest stages as Dask tasks, into a folder of Parquet datasets."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import ThresholdOpt
from zsctl.cli.params import Option

if TYPE_CHECKING:
    from zsctl.build.pipeline import BuildStats, Progress


def build(
    out_dir: Annotated[
        str,
        Option(
            "--out",
            metavar="DIR",
            help="Build folder: a local path or an fsspec URL (s3://..., gs://...).",
        ),
    ],
    seeds: Annotated[
        str | None,
        Option(
            "--seeds",
            metavar="PATH|URL",
            help="Folder (or fsspec URL) holding the dumps and INDEX.md (default: "
            "$ZSCTL_SEEDS, zsctl.toml, seeds/).",
            show_default=False,
        ),
    ] = None,
    scheduler: Annotated[
        str,
        Option(
            "--scheduler",
            metavar="ADDRESS|local[:N]",
            help="Dask scheduler address (tcp://host:8786), or local[:N] for N worker "
            "processes on this machine (default: one per core).",
        ),
    ] = "local",
    threshold: ThresholdOpt = None,
) -> int:
    """Parse, deduplicate and write articles as Parquet on a Dask cluster; resumes a failed run."""
    from zsctl.build.pipeline import build as run_build
    from zsctl.cli.options import seeds_location, threshold_value
    from zsctl.cli.output import inert, message

    # The same defaults as ingest's, so a build and a local ingest read the same dumps.
    where = str(seeds_location(seeds))

    def dashboard(link: str | None) -> None:
        if link:
            message(f"Dask dashboard: {inert(link)}")

    with _progress() as progress:
        stats = run_build(
            where,
            out_dir,
            scheduler,
            threshold=threshold_value(threshold),
            progress=progress,
            on_client=dashboard,
        )
    _summary(stats, out_dir)
    return 1 if stats.failed else 0


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A Rich bar per stage on a terminal's stderr; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    from zsctl.cli.output import console

    columns = (
        TextColumn("{task.description:<11}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console(stderr=True)) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _summary(stats: BuildStats, out: str) -> None:
    from zsctl.cli.output import inert, message

    for file, why in stats.failed:
        message(f"warning: {inert(file)}: {inert(why)}", style="yellow")
    resumed = f"; resumed after {', '.join(stats.resumed)}" if stats.resumed else ""
    message(
        f"built {stats.dumps} dump(s) ({len(stats.failed)} failed; {stats.bytes / 1e6:.1f} MB): "
        f"{stats.records} records -> {stats.articles} articles{resumed}; "
        f"{stats.seconds:.1f}s -> {inert(out)}"
    )

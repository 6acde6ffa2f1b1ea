"""`zsctl ingest`: build or update the corpus from the dumps listed in INDEX.md."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import DEFAULT_SEEDS, CorpusOpt, SeedsOpt, corpus_path
from zsctl.cli.params import Option

if TYPE_CHECKING:
    from zsctl.ingest import IngestStats, Progress


def ingest(
    seeds: SeedsOpt = DEFAULT_SEEDS,
    corpus: CorpusOpt = None,
    threshold: Annotated[
        float,
        Option(min=0.5, max=1.0, help="Near-duplicate Jaccard threshold (0.5-1.0)."),
    ] = 0.8,
    wait: Annotated[
        bool, Option("--wait", help="Wait for a running ingest instead of failing.")
    ] = False,
) -> int:
    """Parse the listed dumps, deduplicate, and update the corpus in one transaction."""
    from zsctl.ingest import ingest as run_ingest

    path = corpus_path(corpus)
    with _progress() as progress:
        stats = run_ingest(seeds, path, threshold=threshold, wait=wait, progress=progress)
    _summary(stats, str(path))
    return 1 if stats.failed else 0


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A Rich progress bar on a terminal's stderr; nothing when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from zsctl.cli.output import console

    columns = (
        TextColumn("parsing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
    )
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("dumps", total=None, info="")
        seen = {"bytes": 0, "records": 0}

        def update(file: str, size: int, records: int) -> None:
            seen["bytes"] += size
            seen["records"] += records
            info = f"{seen['bytes'] / 1e6:.1f} MB, {seen['records']} records"
            bar.update(task, advance=1, info=info)

        yield update


def _summary(stats: IngestStats, corpus: str) -> None:
    from zsctl.cli.output import inert, message

    if stats.set_aside is not None:
        message(f"corpus had an older schema: moved to {stats.set_aside} and rebuilt")
    for file, why in stats.failed:
        message(f"warning: {inert(file)}: {inert(why)}", style="yellow")
    message(
        f"ingested {stats.dumps} dump(s) ({stats.parsed} parsed, {stats.reused} unchanged, "
        f"{stats.removed} removed, {len(stats.failed)} failed; {stats.bytes / 1e6:.1f} MB): "
        f"{stats.records} records -> {stats.articles} articles "
        f"({stats.duplicates} duplicates merged); "
        f"{stats.written} articles written, {stats.deleted} removed or replaced; "
        f"{stats.seconds:.1f}s -> {corpus}"
    )

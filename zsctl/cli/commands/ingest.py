"""`zsctl ingest`: build or update the corpus from the dumps listed in INDEX.md."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import (
    DEFAULT_SEEDS,
    CorpusOpt,
    JsonOpt,
    SeedsOpt,
    ThresholdOpt,
    corpus_path,
    seeds_path,
    threshold_value,
)
from zsctl.cli.params import Option

if TYPE_CHECKING:
    from zsctl.ingest import IngestStats, Progress


def ingest(
    seeds: SeedsOpt = DEFAULT_SEEDS,
    corpus: CorpusOpt = None,
    threshold: ThresholdOpt = None,
    wait: Annotated[
        bool, Option("--wait", help="Wait for a running ingest instead of failing.")
    ] = False,
    changes: Annotated[
        bool,
        Option("--changes", help="List the ids of articles added, removed, merged and split."),
    ] = False,
    json: JsonOpt = False,
    strict: Annotated[
        bool, Option("--strict", help="Skip every dump that `check` finds a problem in.")
    ] = False,
    reparse: Annotated[
        bool, Option("--reparse", help="Parse every dump again, changed or not.")
    ] = False,
    from_parquet: Annotated[
        str | None,
        Option(
            "--from-parquet",
            metavar="DIR",
            help="Load a folder `zsctl build` wrote (path or fsspec URL) instead of the seeds.",
            show_default=False,
        ),
    ] = None,
    accept_changed: Annotated[
        bool,
        Option(
            "--accept-changed",
            help="Ingest dumps whose sha256 is not the one INDEX.md lists (else skipped).",
        ),
    ] = False,
) -> int:
    """Parse the listed dumps, deduplicate, and update the corpus in one transaction.

    Only the clusters that new, edited or removed records touch are clustered again; the
    result is what ingesting every dump afresh would give. Each ingest is kept in the corpus's
    log (`zsctl log`). Problems `check` would report in the dumps parsed are reported on
    stderr, and the exit code is 1. A dump whose bytes do not hash to its INDEX.md row's
    sha256 is skipped: put the new sha256 in the row once you have checked the dump, or pass
    --accept-changed.
    """
    from zsctl.errors import Interrupted
    from zsctl.ingest import ingest as run_ingest

    path = corpus_path(corpus)
    if from_parquet is not None:
        from zsctl.build.load import load_built

        stats = load_built(from_parquet, path, wait=wait)
        _report(stats, str(path), json, changes)
        return 0
    done: IngestStats | None = None
    try:
        with _progress() as progress:
            done = stats = run_ingest(
                seeds_path(seeds),
                path,
                threshold=threshold_value(threshold),
                wait=wait,
                progress=progress,
                strict=strict,
                reparse=reparse,
                accept_changed=accept_changed,
            )
        problems = _problems(stats)
        _report(stats, str(path), json, changes)
        return 1 if stats.failed or problems else 0
    except KeyboardInterrupt:
        # Outside ingest()'s own handling: before it began, or after it returned.
        what = "was updated" if done is not None and done.committed else "was not changed"
        raise Interrupted(f"interrupted; the corpus {what}") from None


def _report(stats: IngestStats, corpus: str, json: bool, changes: bool) -> None:
    """The summary (JSON with --json), and the changed ids with --changes."""
    if json:
        from zsctl.cli.output import print_json

        print_json({**stats.summary(), "seconds": round(stats.seconds, 3), "corpus": corpus})
        return
    _summary(stats, corpus)
    if changes:
        _changes(stats)


# Problems listed per dump; `zsctl check` lists them all.
_FIRST_PROBLEMS = 3


def _problems(stats: IngestStats) -> int:
    """Each parsed dump with problems: a summary line and its first few; the error count."""
    from zsctl.cli.output import inert, message

    total = 0
    for file, problems in stats.problems.items():
        errors = [p for p in problems if p.severity == "error"]
        if not problems:
            continue
        total += len(errors)
        codes = sorted({p.code for p in problems})
        message(
            f"{inert(file)}: {len(errors)} problem(s), {len(problems) - len(errors)} "
            f"warning(s) ({', '.join(codes)})",
            style="yellow",
        )
        for p in problems[:_FIRST_PROBLEMS]:
            message(f"  {inert(p.location())}: {p.severity}: {p.code}: {inert(p.message)}")
        if len(problems) > _FIRST_PROBLEMS:
            message(f"  ... {len(problems) - _FIRST_PROBLEMS} more: run zsctl check")
    return total


PHASES = {
    "parse": "parsing dumps",
    "cluster": "clustering",
    "articles": "writing articles",
    "index": "updating the index",
}


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A Rich progress bar on a terminal's stderr, one line per phase; nothing in a pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from zsctl.cli.output import console, inert

    columns = (
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}", markup=False),
    )
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int | None, info: str) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(PHASES.get(phase, phase), total=total, info="")
            bar.update(tasks[phase], completed=done, total=total, info=inert(info))

        yield update


def _summary(stats: IngestStats, corpus: str) -> None:
    from zsctl.cli.output import inert, message

    if stats.set_aside is not None:
        message(f"corpus had an older schema: moved to {stats.set_aside} and rebuilt")
    for why in stats.reparsed_why:
        message(f"re-parsed: {why}")
    for file, why in stats.failed:
        message(f"warning: {inert(file)}: {inert(why)}", style="yellow")
    message(
        f"ingested {stats.dumps} dump(s) ({stats.parsed} parsed, {stats.reused} unchanged, "
        f"{stats.removed} removed, {len(stats.failed)} failed; {stats.bytes / 1e6:.1f} MB): "
        f"{stats.records} records -> {stats.articles} articles "
        f"({stats.duplicates} duplicates merged); "
        f"{_counts(stats)}; "
        f"{stats.seconds:.1f}s -> {corpus}"
    )


def _counts(stats: IngestStats) -> str:
    """Articles added, removed, merged, split and changed, as the summary line says them."""
    n = stats.changes.counts()
    text = ", ".join(f"{v} {k}" for k, v in n.items() if v) or "no article changed"
    return f"{text} ({stats.reclustered} records re-clustered)"


def _changes(stats: IngestStats) -> None:
    """One line per changed article: 'added ID', 'removed ID', 'merged NEW OLD...', ..."""
    from zsctl.cli.output import line

    c = stats.changes
    for aid in c.added:
        line(("added", aid))
    for aid in c.removed:
        line(("removed", aid))
    for new, olds in c.merged:
        line(("merged", new, *olds))
    for old, news in c.split:
        line(("split", old, *news))
    for old, new in c.changed:
        line(("changed", old, new))

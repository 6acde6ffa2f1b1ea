"""`zsctl dupes`: show which records merged into one article, why, and how similar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import MAX_COUNT, CorpusOpt, corpus_path
from zsctl.cli.params import Option

if TYPE_CHECKING:
    from zsctl.cli.output import Output
    from zsctl.query.dupes import ClusterView


def dupes(
    out: Output,
    corpus: CorpusOpt = None,
    min_size: Annotated[
        int, Option("--min-size", min=2, max=MAX_COUNT, help="Smallest cluster shown.")
    ] = 2,
) -> int:
    """List duplicate clusters: members, the reason they merged, and their similarity."""
    from zsctl.query.dupes import duplicate_clusters
    from zsctl.store.corpus import connect_read

    with connect_read(corpus_path(corpus)) as db:
        clusters = duplicate_clusters(db, min_size)
    if out.machine:
        out.records(c.as_dict() for c in clusters)
        return 0
    _plain(clusters, out)
    return 0


def _plain(clusters: list[ClusterView], out: Output) -> None:
    from zsctl.cli.output import echo, inert, message

    if out.format == "table":
        _rich(clusters)
    else:
        echo("id\tkind\tscore\tdate\tsource\ttitle")
        for c in clusters:
            for m in c.members:
                where = f"{m.dump}:{m.first_line}-{m.last_line}"
                cells = (c.id, m.kind, f"{m.score:.3f}", m.date or "-", where, m.title)
                echo("\t".join(inert(cell) for cell in cells))
    merged = sum(len(c.members) - 1 for c in clusters)
    message(f"{len(clusters)} cluster(s), {merged} duplicate record(s) merged")


def _rich(clusters: list[ClusterView]) -> None:
    from rich.table import Table
    from rich.text import Text

    from zsctl.cli.output import console, inert

    rows = [
        [
            c.id if i == 0 else "",
            m.kind,
            f"{m.score:.3f}",
            (m.date or "-")[:10],  # the day: a page's time does not tell duplicates apart
            f"{m.dump}:{m.first_line}-{m.last_line}",
            m.title,
        ]
        for c in clusters
        for i, m in enumerate(c.members)
    ]
    # No borders and one space between columns, so the five fixed ones fit in 80 cells.
    table = Table(
        title="duplicate clusters", title_justify="left", box=None, padding=(0, 1, 0, 0),
        header_style="bold",
    )  # fmt: skip
    # One line per record: every column but the title keeps its width, the title gives way.
    for k, col in enumerate(("article", "kind", "score", "date", "source")):
        widest = max([len(col), *(len(r[k]) for r in rows)])
        table.add_column(col, justify="right" if col == "score" else "left", min_width=widest)
    table.add_column("title", no_wrap=True, overflow="ellipsis", ratio=1)
    ends = {sum(len(c.members) for c in clusters[: j + 1]) - 1 for j in range(len(clusters))}
    for n, row in enumerate(rows):
        table.add_row(*(Text(inert(v)) for v in row), end_section=n in ends)
    console().print(table)

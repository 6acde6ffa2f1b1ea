"""`zsctl log`: the ingests recorded in the corpus, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import MAX_COUNT, CorpusOpt, corpus_path
from zsctl.cli.params import Option

if TYPE_CHECKING:
    from zsctl.cli.output import Output

COLUMNS = ("n", "at", "seconds", "parsed", "removed_dumps", "records", "articles")
CHANGES = ("added", "removed", "merged", "split", "changed")


def log(
    out: Output,
    corpus: CorpusOpt = None,
    limit: Annotated[
        int, Option("--limit", "-n", min=1, max=MAX_COUNT, help="Newest N ingests only.")
    ] = 20,
) -> int:
    """List past ingests: when, how long, dumps parsed, records, articles, what changed.

    Piped output is tab-separated, one ingest a line, under a header line.
    """
    from zsctl.store.corpus import connect_read
    from zsctl.store.log import entries

    with connect_read(corpus_path(corpus)) as db:
        rows = entries(db, limit)
    if out.machine:
        out.records({"n": e.n, "at": e.at, "seconds": e.seconds, **e.summary} for e in rows)
        return 0
    cells = [
        (
            e.n,
            e.at,
            f"{e.seconds:.1f}",
            *(e.summary.get(k, "") for k in COLUMNS[3:]),
            *(len(e.summary.get("changes", {}).get(k, [])) for k in CHANGES),
        )
        for e in rows
    ]
    if out.format == "table":
        from zsctl.cli.output import show, table, text

        grid = table(
            "ingests, newest first", [(c, {"no_wrap": True}) for c in (*COLUMNS, *CHANGES)]
        )
        for row in cells:
            grid.add_row(*(text(v) for v in row))
        show(grid)
        return 0
    from zsctl.cli.output import line

    line((*COLUMNS, *CHANGES))
    for row in cells:
        line(row)
    return 0

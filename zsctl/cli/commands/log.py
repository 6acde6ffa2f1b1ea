"""`zsctl log`: the ingests recorded in the corpus, newest first."""

from __future__ import annotations

from typing import Annotated

from zsctl.cli.options import CorpusOpt, JsonOpt, corpus_path
from zsctl.cli.params import Option

COLUMNS = ("n", "at", "seconds", "parsed", "removed_dumps", "records", "articles")
CHANGES = ("added", "removed", "merged", "split", "changed")


def log(
    corpus: CorpusOpt = None,
    limit: Annotated[int, Option("--limit", "-n", min=1, help="Newest N ingests only.")] = 20,
    json: JsonOpt = False,
) -> int:
    """List past ingests: when, how long, dumps parsed, records, articles, what changed.

    Piped output is tab-separated, one ingest a line, under a header line.
    """
    from zsctl.store.corpus import connect_read
    from zsctl.store.log import entries

    with connect_read(corpus_path(corpus)) as db:
        rows = entries(db, limit)
    if json:
        from zsctl.cli.output import print_json

        print_json([{"n": e.n, "at": e.at, "seconds": e.seconds, **e.summary} for e in rows])
        return 0
    from zsctl.cli.output import line

    line((*COLUMNS, *CHANGES))
    for e in rows:
        s = e.summary
        changes = s.get("changes", {})
        line(
            (
                e.n,
                e.at,
                f"{e.seconds:.1f}",
                *(s.get(k, "") for k in COLUMNS[3:]),
                *(len(changes.get(k, [])) for k in CHANGES),
            )
        )
    return 0

"""`zsctl doctor`: is the corpus damaged? SQLite's check and zsctl's data checked in full."""

from __future__ import annotations

from zsctl.cli.options import CorpusOpt, corpus_path


def doctor(corpus: CorpusOpt = None) -> int:
    """Check the corpus for damage: SQLite's quick_check, every stored body, every district
    count, every posting list of grep's index, and that the index lists the articles.

    Exit 0 if it is healthy; 1 with the first damage found and how to rebuild the corpus.
    """
    from contextlib import closing

    from zsctl.cli.output import echo, inert
    from zsctl.store.corpus import connect_read, rebuild_hint
    from zsctl.store.verify import all_problems

    path = corpus_path(corpus)
    with closing(connect_read(path)) as db:
        problem = next(all_problems(db), None)
    if problem is not None:
        echo(f"damaged: {inert(rebuild_hint(path, problem))}")
        return 1
    echo(f"ok: {inert(str(path))} is a healthy zsctl corpus")
    return 0

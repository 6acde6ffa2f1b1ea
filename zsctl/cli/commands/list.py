"""`zsctl list`: the articles in the corpus, filtered and ordered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zsctl.cli.options import CorpusOpt, LimitOpt, SortKey, SortOpt

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from zsctl.cli.output import Output
    from zsctl.query.articles import Summary
    from zsctl.query.filters import Filters

COLUMNS = ("id", "date", "district", "title", "sources")
DEFAULT_LIMIT = 50


def list_articles(
    filters: Filters,
    out: Output,
    sort: SortOpt = SortKey.newest,
    limit: LimitOpt = DEFAULT_LIMIT,
    corpus: CorpusOpt = None,
) -> int:
    """List articles (newest first): id, date, district, title, number of dump records.

    Piped output is one tab-separated line per article after a header line; --json gives
    one {id, date, district, title, tag, sources} object per line.
    """
    from itertools import islice

    from zsctl.cli.options import corpus_path
    from zsctl.cli.output import note
    from zsctl.query.articles import count, summaries
    from zsctl.store.corpus import open_snapshot

    db = open_snapshot(corpus_path(corpus))
    # One row past the limit tells whether the list was cut, without counting every match.
    found = summaries(db, filters, sort.value, limit + 1 if limit else None)
    shown = _emit(islice(found, limit) if limit else found, out)
    if next(found, None) is not None:
        note(f"showing {limit} of {count(db, filters)} articles; --limit 0 shows all")
    elif shown == 0:
        note("no articles match" if filters.active() else "the corpus has no articles")
    return 0


def _emit(rows: Iterator[Summary], out: Output) -> int:
    """Write the rows in the format asked for; returns how many."""
    from zsctl.cli.output import line

    if out.machine:
        return out.records(s.as_dict() for s in rows)
    if out.format == "table":
        return _rich(rows)
    line(COLUMNS)
    n = 0
    for s in rows:
        line((s.id, s.date, s.district, s.title, s.sources))
        n += 1
    return n


def _rich(rows: Iterable[Summary]) -> int:
    from zsctl.cli.output import ID_STYLE, show, table, text

    out = table(
        None,
        [
            # min_width keeps the short columns whole on a narrow terminal: without it the
            # title (ratio 1) squeezed `sources` to nothing and cut dates at 100 columns.
            ("id", {"style": ID_STYLE, "no_wrap": True, "min_width": 12}),
            ("date", {"no_wrap": True, "min_width": 10}),
            ("district", {"no_wrap": True, "min_width": 8}),
            ("title", {"overflow": "ellipsis", "ratio": 1}),
            ("sources", {"justify": "right", "no_wrap": True, "min_width": 7}),
        ],
    )
    for s in rows:
        title = text(s.title)
        title.no_wrap, title.overflow = True, "ellipsis"  # one line per article, cut with …
        out.add_row(s.id, text(s.date), text(s.district), title, str(s.sources))
    show(out)
    return out.row_count

"""`zsctl stats`: how many articles per district and per month."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zsctl.cli.options import CorpusOpt

if TYPE_CHECKING:
    from zsctl.cli.output import Output
    from zsctl.query.filters import Filters
    from zsctl.query.stats import Stats

NO_DISTRICT = "(none)"
UNDATED = "(undated)"
BAR_WIDTH = 40  # cells for the longest bar on a wide terminal


def stats(
    filters: Filters,
    out: Output,
    corpus: CorpusOpt = None,
) -> int:
    """Articles by primary district (and how many mention each) and by month.

    Piped output is tab-separated: 'articles N', 'sources N', then 'district NAME ARTICLES
    MENTIONED' and 'month YYYY-MM ARTICLES' lines (empty months included, '-' for none).
    """
    from zsctl.cli.options import corpus_path
    from zsctl.query.stats import stats as compute
    from zsctl.store.corpus import open_snapshot

    result = compute(open_snapshot(corpus_path(corpus)), filters)
    if out.machine:
        _json(result, out)
    else:
        (_rich if out.format == "table" else _plain)(result)
    return 0


def _json(s: Stats, out: Output) -> None:
    out.document(
        {
            "articles": s.articles,
            "sources": s.records,
            "by_district": [
                {"district": d, "articles": n, "mentioned": m} for d, n, m in s.by_district
            ],
            "by_month": [{"month": m, "articles": n} for m, n in s.by_month],
        }
    )


def _plain(s: Stats) -> None:
    from zsctl.cli.output import line

    line(("articles", s.articles))
    line(("sources", s.records))
    for d, n, m in s.by_district:
        line(("district", d, n, m))
    for month, n in s.by_month:
        line(("month", month, n))


def _rich(s: Stats) -> None:
    from zsctl.cli.output import bar, console, show, table, text

    # The bars take what the other columns leave (they need ~45 cells), so a narrow terminal
    # shortens the bars instead of squeezing the counts away.
    width = max(8, min(BAR_WIDTH, console().width - 45))
    top = max((n for _, n, _ in s.by_district), default=0)
    districts = table(
        f"{s.articles} articles from {s.records} sources (dump records), by primary district",
        [
            ("district", {"no_wrap": True}),
            ("articles", {"justify": "right", "no_wrap": True, "min_width": 8}),
            ("", {"style": "green", "no_wrap": True}),
            ("mentioned in", {"justify": "right", "no_wrap": True, "min_width": 12}),
        ],
    )
    for d, n, m in s.by_district:
        districts.add_row(text(d or NO_DISTRICT), str(n), bar(n, top, width), str(m))
    show(districts)
    top = max((n for _, n in s.by_month), default=0)
    months = table(
        "by month",
        [
            ("month", {"no_wrap": True}),
            ("articles", {"justify": "right", "no_wrap": True, "min_width": 8}),
            ("", {"style": "green", "no_wrap": True}),
        ],
    )
    for month, n in s.by_month:
        months.add_row(month or UNDATED, str(n), bar(n, top, width))
    show(months)

"""`zsctl grep PATTERN`: search titles and bodies, with a highlighted snippet per article."""

from __future__ import annotations

import itertools
import sys
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import MAX_COUNT, CorpusOpt, SortKey, SortOpt
from zsctl.cli.params import Argument, Option

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator

    from rich.text import Text

    from zsctl.cli.output import Output
    from zsctl.query.filters import Filters
    from zsctl.query.search import GrepHit, Search

COLUMNS = ("id", "date", "district", "title", "snippet")
DEFAULT_CONTEXT = 30


def grep(
    pattern: Annotated[str, Argument(metavar="PATTERN", help="Text to find (a regex with -E).")],
    filters: Filters,
    out: Output,
    regex: Annotated[
        bool, Option("--regex", "-E", help="PATTERN is a Python regular expression.")
    ] = False,
    ignore_case: Annotated[bool, Option("--ignore-case", "-i", help="Ignore case.")] = False,
    count: Annotated[
        bool, Option("--count", "-c", help="Print only the number of matching articles.")
    ] = False,
    ids: Annotated[
        bool, Option("--ids", "-l", help="Print only the ids of matching articles.")
    ] = False,
    context: Annotated[
        int,
        Option(
            "--context",
            "-C",
            min=0,
            max=MAX_COUNT,
            metavar="N",
            help="Characters of context around a match.",
        ),
    ] = DEFAULT_CONTEXT,
    sort: SortOpt = SortKey.newest,
    limit: Annotated[
        int,
        Option(
            "--limit",
            "-n",
            min=0,
            max=MAX_COUNT,
            metavar="N",
            help="Stop after N articles; 0 for all.",
        ),
    ] = 0,
    corpus: CorpusOpt = None,
) -> int:
    """Find articles whose title or body contains PATTERN (fixed text unless -E).

    One line per matching article (newest first) with the first match and its context;
    piped output is tab-separated after a header line. Exit 0 when something matched,
    1 when nothing did, 2 on a usage error.
    """
    from zsctl.cli.options import corpus_path
    from zsctl.errors import UsageError
    from zsctl.query.search import compile_search
    from zsctl.store.corpus import open_snapshot

    if count and ids:
        raise UsageError("use -c (count) or -l (ids), not both")
    search = compile_search(pattern, regex=regex, ignore_case=ignore_case)
    db = open_snapshot(corpus_path(corpus))
    if count:
        return _count(db, search, filters, out)
    if ids:
        return _ids(db, search, filters, sort.value, limit or None, out)
    return _hits(db, search, filters, sort.value, limit or None, context, out)


def _count(db: sqlite3.Connection, search: Search, filters: Filters, out: Output) -> int:
    from zsctl.query.search import grep_count

    n = grep_count(db, search, filters)
    if out.machine:
        out.document({"count": n})
    else:
        print(n, flush=True)
    return 0 if n else 1


def _ids(
    db: sqlite3.Connection,
    search: Search,
    filters: Filters,
    sort: str,
    limit: int | None,
    out: Output,
) -> int:
    from zsctl.query.search import grep_id_chunks, grep_id_lines

    if out.machine:
        ids = itertools.chain.from_iterable(grep_id_chunks(db, search, filters, sort, limit))
        return 0 if out.records({"id": aid} for aid in ids) else 1
    n = 0
    # Blocks of lines, a write and flush each: one per id (output.line) took longer than the
    # search itself for a common term.
    for block in grep_id_lines(db, search, filters, sort, limit):
        sys.stdout.write(_inert_ids(block))
        sys.stdout.flush()
        n += 1
    return 0 if n else 1


def _inert_ids(text: str) -> str:
    """The text, made inert unless it is only id letters and newlines (as it should be): that
    check costs an eighth of inert()'s regex, which took ~2 ms of a common term's `grep -l`."""
    from zsctl.cli.output import inert
    from zsctl.ids import ALPHABET

    if text.isascii() and not text.encode("ascii").translate(None, f"{ALPHABET}\n".encode()):
        return text
    return inert(text)


def _hits(
    db: sqlite3.Connection,
    search: Search,
    filters: Filters,
    sort: str,
    limit: int | None,
    context: int,
    out: Output,
) -> int:
    from zsctl.query.search import grep

    hits = grep(db, search, filters, sort, limit)
    if out.machine:
        n = out.records(_hit_dict(h, context) for h in hits)
    elif out.format == "table":
        n = _rich(hits, context)
    else:
        n = _plain(hits, context)
    return 0 if n else 1


def _hit_dict(hit: GrepHit, context: int) -> dict[str, object]:
    snippet = hit.snippet(context)
    span = hit.body_span if hit.body_span is not None else hit.title_spans[0]
    return {
        **hit.article.as_dict(),
        "matches": hit.matches,
        "field": snippet.field,
        "start": span[0],
        "end": span[1],
        "match": snippet.match,
        "snippet": snippet.text(),
    }


def _plain(hits: Iterator[GrepHit], context: int) -> int:
    """Tab-separated lines; with --color always the match is coloured, as grep's is."""
    from zsctl.cli.output import cell, colored, echo, flat, line, use_color

    line(COLUMNS)
    color = use_color()
    n = 0
    for hit in hits:
        a = hit.article
        snippet = hit.snippet(context)
        if color:
            parts = (cell(flat(snippet.before)), colored(cell(flat(snippet.match))))
            shown = parts[0] + parts[1] + cell(flat(snippet.after))
            echo("\t".join([*(cell(v) for v in (a.id, a.date, a.district, a.title)), shown]))
        else:
            line((a.id, a.date, a.district, a.title, flat(snippet.text())))
        n += 1
    return n


def _rich(hits: Iterator[GrepHit], context: int) -> int:
    from rich.text import Text

    from zsctl.cli.output import ID_STYLE, highlighted, show, text

    n = 0
    for hit in hits:
        a = hit.article
        head = Text.assemble((a.id, ID_STYLE), "  ", text(a.date), "  ", text(a.district), "  ")
        head.append(f"×{hit.matches}  ", style="dim")  # before the title, which may be cut
        head.append_text(highlighted(a.title, hit.title_spans))
        snippet = Text("    ").append_text(_snippet_text(hit, context))
        show(head, one_line=True)  # one terminal line each, cut with … at any width
        show(snippet, one_line=True)
        n += 1
    return n


def _snippet_text(hit: GrepHit, context: int) -> Text:
    """The snippet on one line with the match highlighted."""
    from zsctl.cli.output import flat, highlighted

    snippet = hit.snippet(context)
    before, match = flat(snippet.before), flat(snippet.match)
    joined = before + match + flat(snippet.after)
    return highlighted(joined, [(len(before), len(before) + len(match))])

"""`zsctl show ID`: one article with its metadata, sources, duplicate edges and body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import DEFAULT_SEEDS, CorpusOpt, SeedsOpt
from zsctl.cli.params import Argument, Option

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from zsctl.cli.output import Output
    from zsctl.query.articles import Detail
    from zsctl.query.raw import RawSource


def show(
    article_id: Annotated[str, Argument(metavar="ID", help="Full id or a unique prefix.")],
    out: Output,
    raw: Annotated[
        bool,
        Option(
            "--raw",
            help="Print each source's lines as they are in its dump (read from --seeds) "
            "instead of the body; verbatim when piped, inert on a terminal.",
        ),
    ] = False,
    why: Annotated[
        bool,
        Option(
            "--why",
            help="Explain the article's district instead of showing its body: the rule that "
            "decided, the mentions and every name found (as `zsctl districts resolve`).",
        ),
    ] = False,
    seeds: SeedsOpt = DEFAULT_SEEDS,
    corpus: CorpusOpt = None,
) -> int:
    """Show one article: metadata, district mentions, sources, duplicate edges, then the body.

    Piped output is tab-separated 'key<TAB>value' lines, a blank line, then one paragraph per
    line separated by blank lines (with --raw: '==> dump:first-last <==' and the dump lines).
    """
    from zsctl.cli.options import corpus_path, seeds_path
    from zsctl.query.articles import detail, resolve_id
    from zsctl.query.raw import raw_sources
    from zsctl.store.corpus import open_snapshot

    db = open_snapshot(corpus_path(corpus))
    article = detail(db, resolve_id(db, article_id))
    if why:
        return _why(article, out)
    sources = None
    if raw:
        from zsctl.store.writes import meta

        folder = seeds_path(seeds, meta(db, "seeds"))  # else the folder the corpus was built from
        # A dump changed since the ingest is an error (DumpChangedError), not lines that moved.
        sources = raw_sources(db, folder, article.sources)
    if out.machine:
        _json(article, sources, out)
    else:
        (_rich if out.format == "table" else _plain)(article, sources)
    return 0


def _why(article: Detail, out: Output) -> int:
    """The district explained, from the stored tag, title and body (as ingest placed it)."""
    from zsctl.cli.commands.districts import print_resolution, resolution_dict
    from zsctl.cli.output import line, note
    from zsctl.districts import assign

    result = assign(article.tag, article.title, article.paragraphs, explain=True)
    if result.primary != article.district:
        note(
            f"note: the gazetteer now gives {result.primary or '-'}, the corpus holds "
            f"{article.district or '-'} (a duplicate's tag, or an older gazetteer: re-ingest)"
        )
    if out.machine:
        out.document({"id": article.id, "title": article.title, **resolution_dict(result)})
        return 0
    line(("id", article.id))
    line(("title", article.title))
    line(("tag", article.tag))
    print_resolution(result)
    return 0


def _json(article: Detail, sources: list[RawSource] | None, out: Output) -> None:
    from zsctl.export.schema import article_dict

    data = article_dict(article)
    if sources is not None:
        data["raw"] = [
            {
                "dump": r.source.dump,
                "first_line": r.source.first_line,
                "last_line": r.source.last_line,
                "changed": r.changed,
                "lines": r.lines,
            }
            for r in sources
        ]
    out.document(data)


def _metadata(a: Detail) -> list[tuple[str, object]]:
    from zsctl.export.schema import day_of, published_at

    mentions = ", ".join(f"{d} {n}" for d, n in a.mentions)
    # The day and the time apart, as list and the export give them (EXPORT_SCHEMA.md).
    when = published_at(a.date, a.sources)
    return [
        ("id", a.id),
        ("title", a.title),
        ("date", day_of(a.date)),
        *([("published_at", when)] if when is not None else []),
        ("district", a.district),
        ("mentions", mentions),
        ("tag", a.tag),
        ("source", a.source_label),
        ("length", f"{a.length} characters, {_plural(len(a.paragraphs), 'paragraph')}"),
    ]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _plain(a: Detail, sources: list[RawSource] | None) -> None:
    import sys

    from zsctl.cli.output import inert, line

    for key, value in _metadata(a):
        line((key, value))
    for s in a.sources:
        where = f"{s.dump}:{s.first_line}-{s.last_line}"
        line(("record", where, s.date, s.kind, f"{s.score:.3f}", s.title))
    for e in a.edges:
        line(("edge", e.a, e.b, e.kind, f"{e.score:.3f}"))
    if sources is not None:
        _plain_raw(sources)
        return
    for paragraph in a.paragraphs:
        sys.stdout.write("\n" + inert(paragraph) + "\n")
        sys.stdout.flush()


def _plain_raw(sources: list[RawSource]) -> None:
    """The dump lines verbatim when piped (they are the evidence); inert on a terminal."""
    import sys

    from zsctl.cli.output import cell

    for r in sources:
        s = r.source
        sys.stdout.write(f"\n==> {cell(s.dump)}:{s.first_line}-{s.last_line} <==\n")
        for text in r.lines:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()


def _rich(a: Detail, sources: list[RawSource] | None) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    from zsctl.cli.output import ID_STYLE, show, text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in _metadata(a):
        grid.add_row(key, text(value, ID_STYLE if key == "id" else None))
    parts: list[Table] = [grid, _sources_table(a)]
    if a.edges:
        parts.append(_edges_table(a))
    show(Panel(Group(*parts), title=text(a.title), title_align="left"))
    if sources is not None:
        _rich_raw(sources)
        return
    for paragraph in a.paragraphs:
        show(text(paragraph))
        show("")


def _sources_table(a: Detail) -> Table:
    """The sources, one line each at any width: a listed title only where it differs."""
    from zsctl.cli.output import table, text

    variants = any(s.title and s.title != a.title for s in a.sources)
    columns: list[tuple[str, dict[str, object]]] = [
        ("dump", {"no_wrap": True, "overflow": "ellipsis"}),
        ("lines", {"no_wrap": True}),
        ("listed", {"no_wrap": True}),
        ("kind", {"no_wrap": True, "min_width": 9}),
        ("score", {"justify": "right", "no_wrap": True, "min_width": 5}),
    ]
    if variants:
        columns.append(("title as listed", {"no_wrap": True, "overflow": "ellipsis", "ratio": 1}))
    out = table("sources", columns)
    for s in a.sources:
        row: list[Text | str] = [text(s.dump), f"{s.first_line}-{s.last_line}", text(s.date)]
        row.append(s.kind)
        row.append(f"{s.score:.3f}")
        if variants:
            row.append(text("" if s.title == a.title else s.title))
        out.add_row(*row)
    return out


def _edges_table(a: Detail) -> Table:
    from zsctl.cli.output import table, text

    out = table(
        "duplicate edges",
        [("a", {}), ("b", {}), ("kind", {}), ("score", {"justify": "right"})],
    )
    for e in a.edges:
        out.add_row(text(e.a), text(e.b), e.kind, f"{e.score:.3f}")
    return out


def _rich_raw(sources: list[RawSource]) -> None:
    from rich.rule import Rule

    from zsctl.cli.output import show, text

    for r in sources:
        s = r.source
        show(Rule(text(f"{s.dump}:{s.first_line}-{s.last_line} ({s.kind})"), align="left"))
        for raw in r.lines:
            show(text(raw) if raw else "")

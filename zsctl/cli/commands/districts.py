"""`zsctl districts`: the gazetteer, and `zsctl districts resolve`: where a text is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from zsctl.cli.params import Argument, Option

if TYPE_CHECKING:
    from zsctl.cli.output import Output
    from zsctl.districts import DistrictAssignment, Entry

# Lists of an entry shown as its aliases and its zones (townships are their own column).
ALIAS_LISTS = ("former", "common", "lookalike", "weak", "resolve_only")
ZONE_LISTS = ("zones", "landmarks", "hubs")


def districts(
    out: Output,
    action: Annotated[
        str | None,
        Argument(
            metavar="[resolve]",
            help="Nothing to list the gazetteer; 'resolve' to place TEXT (or stdin).",
            show_default=False,
        ),
    ] = None,
    text: Annotated[
        list[str] | None,
        Argument(
            metavar="[TEXT]...",
            help="resolve: the text; a leading 【X招商】 tag is split off as the parser does. "
            "Read from stdin when not given.",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None, Option("--title", metavar="TITLE", help="resolve: the article's title.")
    ] = None,
    tag: Annotated[
        str | None, Option("--tag", metavar="TAG", help="resolve: the article's tag (西青招商).")
    ] = None,
    jsonl: Annotated[
        bool,
        Option(
            "--jsonl",
            help="resolve: read one JSON object a line on stdin (optional keys title, body, "
            "tag) and write one a line: district, mentions, evidence.",
        ),
    ] = False,
) -> int:
    """List the districts with their aliases, zones and townships, or resolve a text.

    Piped, the list is tab-separated 'DISTRICT LIST NAME KIND' lines (LIST is name, short,
    pinyin or the YAML list: former, zones, landmarks, common, townships, weak, lookalike, hubs,
    resolve_only); --format json gives one object a district a line. `resolve` prints
    'district NAME', 'rule ...', 'mention DISTRICT COUNT' and 'evidence WHERE ALIAS PLACE
    POINTS NOTE' lines, or one object with --format json.
    """
    from zsctl.errors import UsageError

    if action is None:
        if text or title or tag or jsonl:
            raise UsageError("give 'resolve' before the text: zsctl districts resolve TEXT")
        _list(out)
        return 0
    if action != "resolve":
        raise UsageError(f"unknown action {action!r}; use 'zsctl districts resolve TEXT'")
    if jsonl:
        if text or title or tag:
            raise UsageError("--jsonl reads stdin: give no TEXT, --title or --tag with it")
        return _resolve_lines()
    _resolve_one(" ".join(text) if text else _stdin(), title, tag, out)
    return 0


def _stdin() -> str:
    import sys

    from zsctl.errors import UsageError

    if sys.stdin.isatty():
        raise UsageError("no TEXT given and nothing on stdin: zsctl districts resolve TEXT")
    return sys.stdin.read()


# --- the list -------------------------------------------------------------------------------


def _entry_dict(entry: Entry) -> dict[str, Any]:
    """One district (or the city) as JSON: a strong name as a string, any other as
    {name, kind} (and why, when the YAML gives one)."""

    def names(keys: tuple[str, ...]) -> list[Any]:
        out: list[Any] = []
        for alias in entry.aliases:
            if alias.key not in keys or alias.derived:
                continue
            if alias.kind == "strong":
                out.append(alias.text)
            else:
                item = {"name": alias.text, "kind": alias.kind}
                out.append(item | {"why": alias.why} if alias.why else item)
        return out

    return {
        "district": entry.name,
        "short": entry.short,
        "pinyin": entry.pinyin,
        "aliases": names(ALIAS_LISTS),
        "zones": names(ZONE_LISTS),
        "townships": names(("townships",)),
    }


def _list(out: Output) -> None:
    from zsctl.districts import load_gazetteer

    entries = load_gazetteer().entries()
    if out.machine:
        out.records(_entry_dict(entry) for entry in entries)
    else:
        (_list_rich if out.format == "table" else _list_plain)(entries)


def _list_plain(entries: tuple[Entry, ...]) -> None:
    from zsctl.cli.output import line

    for entry in entries:
        listed = {alias.text: alias.kind for alias in entry.aliases}
        short = "strong" if entry.short_in_text else "resolve_only"
        line((entry.name, "name", entry.name, listed.get(entry.name, "strong")))
        line((entry.name, "short", entry.short, listed.get(entry.short, short)))
        line((entry.name, "pinyin", entry.pinyin, "resolve_only"))
        for alias in entry.aliases:
            if not alias.derived and alias.text not in (entry.name, entry.short):
                line((entry.name, alias.key, alias.text, alias.kind))


def _list_rich(entries: tuple[Entry, ...]) -> None:
    from zsctl.cli.output import show, table, text

    grid = table(
        f"{len(entries) - 1} districts and the city",
        [
            ("district", {"no_wrap": True}),
            ("short / pinyin", {"no_wrap": True}),
            ("aliases", {"ratio": 2, "overflow": "fold"}),
            ("zones and landmarks", {"ratio": 3, "overflow": "fold"}),
            ("townships", {"ratio": 4, "overflow": "fold"}),
        ],
    )
    for entry in entries:
        aliases = [a.text for a in entry.aliases if a.key in ALIAS_LISTS]
        zones = [a.text for a in entry.aliases if a.key in ZONE_LISTS]
        towns = [a.text for a in entry.aliases if a.key == "townships" and not a.derived]
        grid.add_row(
            text(entry.name),
            text(f"{entry.short} / {entry.pinyin}"),
            text("、".join(aliases)),
            text("、".join(zones)),
            text(f"({len(towns)}) " + "、".join(towns) if towns else ""),
        )
    show(grid)


# --- resolve --------------------------------------------------------------------------------


def resolution_dict(result: DistrictAssignment) -> dict[str, Any]:
    """A resolution as JSON: district, mentions [{district, count}], evidence, rule."""
    return {
        "district": result.primary,
        "mentions": [{"district": d, "count": n} for d, n in result.mentions.items()],
        "evidence": [
            {
                "where": e.where,
                "alias": e.alias,
                "place": e.place,
                "points": e.points,
                "note": e.note,
            }
            for e in result.evidence
        ],
        "rule": result.rule,
    }


def _resolve(title: str, body: str, tag: str | None) -> DistrictAssignment:
    """Place one article: a tag still on the title is split off as the parser does."""
    from zsctl.districts import assign
    from zsctl.parse.tags import split_tag

    title, leading = split_tag(title)
    paragraphs = [p for p in body.split("\n") if p.strip()]
    return assign(tag or leading, title, paragraphs, explain=True)


def _resolve_one(text: str, title: str | None, tag: str | None, out: Output) -> None:
    from zsctl.parse.tags import split_tag

    body, leading = split_tag(text)
    result = _resolve(title or "", body, tag or leading)
    if out.machine:
        out.document(resolution_dict(result))
    else:
        print_resolution(result)


def print_resolution(result: DistrictAssignment) -> None:
    """Plain 'key<TAB>value' lines: the district, the rule, mentions, then the evidence."""
    from zsctl.cli.output import line

    line(("district", result.primary))
    line(("rule", result.rule))
    for district, count in result.mentions.items():
        line(("mention", district, count))
    for e in result.evidence:
        line(("evidence", e.where, e.alias, e.place, e.points, e.note))


def _resolve_lines() -> int:
    """JSON Lines in, JSON Lines out; a bad line gets {"error": ...} and exit code 1."""
    import sys

    from zsctl.cli.output import json_text, note

    problems = 0
    for number, raw in enumerate(sys.stdin, 1):
        if not raw.strip():
            continue
        try:
            item = _item(_loads(raw))
            out = resolution_dict(_resolve(item["title"], item["body"], item["tag"]))
        except ValueError as exc:
            problems += 1
            note(f"stdin:{number}: {exc}")
            out = {"error": f"line {number}: {exc}"}
        sys.stdout.write(json_text(out) + "\n")
        sys.stdout.flush()
    return 1 if problems else 0


def _loads(raw: str) -> object:
    """One JSON value; ValueError saying the line is not JSON."""
    import json

    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None


def _item(data: object) -> dict[str, Any]:
    """The title, body and tag of one input object; ValueError naming what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with optional keys title, body, tag")
    unknown = sorted(set(data) - {"title", "body", "tag"})
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; allowed: title, body, tag")
    item = {key: data.get(key) for key in ("title", "body", "tag")}
    for key, value in item.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
    item["title"] = item["title"] or ""
    item["body"] = item["body"] or ""
    return item

"""Options shared by several commands, defined once."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer

DEFAULT_SEEDS = Path("seeds")
DEFAULT_CORPUS = Path("corpus/zsctl.db")

SeedsOpt = Annotated[
    Path,
    typer.Option("--seeds", help="Folder holding the dumps and INDEX.md.", show_default=True),
]
CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        help="Corpus database (default: $ZSCTL_CORPUS or corpus/zsctl.db).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


class CheckFormat(StrEnum):
    """Output formats of `check`."""

    table = "table"
    json = "json"
    github = "github"


def corpus_path(option: Path | None) -> Path:
    """The corpus path: the option, else $ZSCTL_CORPUS, else corpus/zsctl.db."""
    if option is not None:
        return option
    env = os.environ.get("ZSCTL_CORPUS")
    return Path(env) if env else DEFAULT_CORPUS


# --- filters and ordering shared by list, grep, export and stats ------------------------------

from enum import StrEnum  # noqa: E402  (kept with the section that uses it)
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from zsctl.query import Filters


def _complete_district(incomplete: str) -> list[str]:
    """Gazetteer names that start with what has been typed (full, short or pinyin)."""
    from zsctl.districts import load_gazetteer

    typed = incomplete.casefold()
    return [name for name in load_gazetteer().names() if name.casefold().startswith(typed)]


DistrictOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--district",
        "-d",
        metavar="NAME",
        help="Primary district, any alias (西青区, 西青, xiqing; 天津市 = city-wide). "
        "Repeat for any of several.",
        autocompletion=_complete_district,
        show_default=False,
    ),
]
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="DATE",
        help="Dated on or after this day, month or year (2023-05-01, 2023-05, 2023, 2023年5月).",
        show_default=False,
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="DATE",
        help="Dated on or before this day, month or year (inclusive).",
        show_default=False,
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="DATE",
        help="Dated within this day, month or year (2023-05 = all of May 2023).",
        show_default=False,
    ),
]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        metavar="SOURCE",
        help="Seen in this dump (file name or its stem), on this site id, or with this "
        "来源 label. Repeatable.",
        show_default=False,
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag",
        metavar="TAG",
        help="Tag such as 西青招商 (【】 optional). Repeatable.",
        show_default=False,
    ),
]


class SortKey(StrEnum):
    """Orders of `list` and `grep` (the values of zsctl.query.SORT_KEYS); '-' is descending."""

    newest = "-date"
    oldest = "date"
    id_asc = "id"
    id_desc = "-id"
    title_asc = "title"
    title_desc = "-title"
    fewest_sources = "sources"
    most_sources = "-sources"


SortOpt = Annotated[
    SortKey,
    typer.Option(
        "--sort",
        metavar="ORDER",
        help="-date: newest first; date: oldest first (undated last either way); id; title; "
        "sources: number of dump records. '-' reverses; ties go by id.",
    ),
]
LimitOpt = Annotated[
    int,
    typer.Option("--limit", "-n", min=0, metavar="N", help="Show at most N articles; 0 for all."),
]


def make_filters(
    district: list[str] | None,
    since: str | None,
    until: str | None,
    date: str | None,
    source: list[str] | None,
    tag: list[str] | None,
) -> Filters:
    """Build query filters from the shared options; UsageError for a bad date or district."""
    from zsctl.dates import since_until
    from zsctl.query import Filters

    lo, hi = since_until(since, until, date)
    districts: tuple[str, ...] = ()
    if district:
        from zsctl.districts import load_gazetteer

        gazetteer = load_gazetteer()
        districts = tuple(dict.fromkeys(gazetteer.resolve(name) for name in district))
    return Filters(districts, lo, hi, tuple(source or ()), tuple(tag or ()))


_FILTER_OPTIONS: tuple[tuple[str, object], ...] = (
    ("district", DistrictOpt),
    ("since", SinceOpt),
    ("until", UntilOpt),
    ("date", DateOpt),
    ("source", SourceOpt),
    ("tag", TagOpt),
)


def with_filters(fn: Callable[..., int]) -> Callable[..., int]:
    """Give a command the shared filter options, defined once; it receives one `filters`.

    The options take the place of the command's `filters` parameter in its signature (so in
    --help), and are turned into a `Filters` (UsageError for a bad date or district).
    """
    # `Filters` is imported by commands only for type checking: the query module stays
    # unimported until a command runs, so it is stood in for here.
    hints = get_type_hints(fn, localns={"Filters": object}, include_extras=True)
    params: list[inspect.Parameter] = []
    for p in inspect.signature(fn).parameters.values():
        if p.name == "filters":
            params += [
                inspect.Parameter(name, p.POSITIONAL_OR_KEYWORD, default=None, annotation=t)
                for name, t in _FILTER_OPTIONS
            ]
        else:
            params.append(p.replace(annotation=hints[p.name]))

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        values = [kwargs.pop(name, None) for name, _ in _FILTER_OPTIONS]
        return fn(*args, filters=make_filters(*values), **kwargs)

    wrapper.__signature__ = inspect.Signature(params, return_annotation=int)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": int}
    return wrapper

"""Options shared by several commands, and how every command declares its parameters.

Parameters are declared once, as ``Annotated[type, Option(...)]`` or ``Annotated[type,
Argument(...)]``. `Option` and `Argument` only record what they are given; the Typer app turns
them into ``typer.Option``/``typer.Argument`` when it registers a command (zsctl.cli.app), and
the fast path (zsctl.cli.fast) parses plain `list`, `show` and `grep` command lines from the same
declarations without importing Typer. So this module must not import Typer either.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from collections.abc import Callable

    from zsctl.query.filters import Filters


class Option:
    """A command-line option: ``typer.Option(*names, **settings)``, made at registration."""

    __slots__ = ("names", "settings")

    def __init__(self, *names: str, **settings: Any) -> None:
        self.names = names
        self.settings = settings

    def typer(self) -> Any:
        import typer

        return typer.Option(*self.names, **self.settings)


class Argument:
    """A positional argument: ``typer.Argument(**settings)``, made at registration."""

    __slots__ = ("settings",)

    def __init__(self, **settings: Any) -> None:
        self.settings = settings

    def typer(self) -> Any:
        import typer

        return typer.Argument(**self.settings)


DEFAULT_SEEDS = Path("seeds")
DEFAULT_CORPUS = Path("corpus/zsctl.db")

SeedsOpt = Annotated[
    Path,
    Option("--seeds", help="Folder holding the dumps and INDEX.md.", show_default=True),
]
CorpusOpt = Annotated[
    Path | None,
    Option(
        "--corpus",
        help="Corpus database (default: $ZSCTL_CORPUS or corpus/zsctl.db).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, Option("--json", help="Machine-readable JSON on stdout.")]


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


def _complete_district(incomplete: str) -> list[str]:
    """Gazetteer names that start with what has been typed (full, short or pinyin)."""
    from zsctl.districts import load_gazetteer

    typed = incomplete.casefold()
    return [name for name in load_gazetteer().names() if name.casefold().startswith(typed)]


DistrictOpt = Annotated[
    list[str] | None,
    Option(
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
    Option(
        "--since",
        metavar="DATE",
        help="Dated on or after this day, month or year (2023-05-01, 2023-05, 2023, 2023年5月).",
        show_default=False,
    ),
]
UntilOpt = Annotated[
    str | None,
    Option(
        "--until",
        metavar="DATE",
        help="Dated on or before this day, month or year (inclusive).",
        show_default=False,
    ),
]
DateOpt = Annotated[
    str | None,
    Option(
        "--date",
        metavar="DATE",
        help="Dated within this day, month or year (2023-05 = all of May 2023).",
        show_default=False,
    ),
]
SourceOpt = Annotated[
    list[str] | None,
    Option(
        "--source",
        metavar="SOURCE",
        help="Seen in this dump (file name or its stem), on this site id, or with this "
        "来源 label. Repeatable.",
        show_default=False,
    ),
]
TagOpt = Annotated[
    list[str] | None,
    Option(
        "--tag",
        metavar="TAG",
        help="Tag such as 西青招商 (【】 optional). Repeatable.",
        show_default=False,
    ),
]


class SortKey(StrEnum):
    """Orders of `list` and `grep` (the values of query SORT_KEYS); '-' is descending."""

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
    Option(
        "--sort",
        metavar="ORDER",
        help="-date: newest first; date: oldest first (undated last either way); id; title; "
        "sources: number of dump records. '-' reverses; ties go by id.",
    ),
]
LimitOpt = Annotated[
    int,
    Option("--limit", "-n", min=0, metavar="N", help="Show at most N articles; 0 for all."),
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
    from zsctl.query.filters import Filters

    lo = hi = None
    if since is not None or until is not None or date is not None:
        from zsctl.parse.dates import since_until  # not imported when unused: start-up time counts

        lo, hi = since_until(since, until, date)
    districts: tuple[str, ...] = ()
    if district:
        from zsctl.districts import load_gazetteer

        gazetteer = load_gazetteer()
        districts = tuple(dict.fromkeys(gazetteer.resolve(name) for name in district))
    return Filters(districts, lo, hi, tuple(source or ()), tuple(tag or ()))


# A command's `filters: Filters` parameter stands for these options, which become one `Filters`.
_FILTER_OPTIONS: tuple[tuple[str, object], ...] = (
    ("district", DistrictOpt),
    ("since", SinceOpt),
    ("until", UntilOpt),
    ("date", DateOpt),
    ("source", SourceOpt),
    ("tag", TagOpt),
)
REQUIRED = object()  # the default of a parameter that has none


class Param(NamedTuple):
    """One command-line parameter of a command, as declared."""

    name: str
    annotation: Any  # the whole Annotated[type, Option(...)]
    default: Any  # REQUIRED if none

    @property
    def type(self) -> Any:
        """The Python type, e.g. int, `list[str] | None`, SortKey."""
        return get_args(self.annotation)[0]

    @property
    def spec(self) -> Option | Argument:
        """The Option or Argument the parameter is declared with."""
        return self.annotation.__metadata__[0]  # type: ignore[no-any-return]


def parameters(fn: Callable[..., int]) -> list[Param]:
    """A command function's command-line parameters in order, `filters` expanded.

    Read from the function's code object and type hints rather than with `inspect`, whose
    import alone costs about 10 ms of every fast `list`/`show`/`grep`.
    """
    code = fn.__code__
    names = code.co_varnames[: code.co_argcount]
    if code.co_kwonlyargcount or code.co_flags & 0x0C:  # CO_VARARGS | CO_VARKEYWORDS
        raise TypeError(f"{fn.__name__}: command parameters must be plain positional ones")
    defaults = fn.__defaults__ or ()
    firsts = (REQUIRED,) * (len(names) - len(defaults))
    # `Filters` is imported by commands only for type checking: the query module stays
    # unimported until a command runs, so it is stood in for here.
    hints = get_type_hints(fn, localns={"Filters": object}, include_extras=True)
    out: list[Param] = []
    for name, default in zip(names, firsts + tuple(defaults), strict=True):
        if name == "filters":
            out += [Param(n, t, None) for n, t in _FILTER_OPTIONS]
            continue
        param = Param(name, hints[name], default)
        if get_origin(param.annotation) is not Annotated or not isinstance(
            param.spec, Option | Argument
        ):
            raise TypeError(f"{fn.__name__}({name}): declare it with Option(...) or Argument(...)")
        out.append(param)
    return out


def call(fn: Callable[..., int], values: dict[str, Any]) -> int:
    """Call a command with its parsed parameter values; the filter options become `filters`.

    UsageError for a bad date or district.
    """
    if "filters" in fn.__code__.co_varnames[: fn.__code__.co_argcount]:
        values = dict(values)
        found = [values.pop(name, None) for name, _ in _FILTER_OPTIONS]
        values["filters"] = make_filters(*found)
    return fn(**values)

"""The options shared by several commands, declared once (see zsctl.cli.params for how).

Typer-free, like everything the fast path (zsctl.cli.fast) loads.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from zsctl.cli.params import Group, Option

if TYPE_CHECKING:
    from zsctl.cli.output import Output
    from zsctl.config import Config
    from zsctl.query.filters import Filters

# The largest count an option takes: SQLite's LIMIT and islice take no more than 2**63 - 1,
# and no corpus holds more; past it Typer says the range instead of a traceback.
MAX_COUNT = 2**31 - 1


# The defaults when neither an option, nor $ZSCTL_SEEDS/$ZSCTL_CORPUS, nor zsctl.toml say.
SEEDS_FOLDER = Path("seeds")
DEFAULT_CORPUS = Path("corpus/zsctl.db")
DEFAULT_THRESHOLD = 0.8
DEFAULT_SEEDS = None  # resolved by seeds_path()

SeedsOpt = Annotated[
    Path | None,
    Option(
        "--seeds",
        help="Folder holding the dumps and INDEX.md (default: $ZSCTL_SEEDS, zsctl.toml, seeds).",
        show_default=False,
    ),
]
CorpusOpt = Annotated[
    Path | None,
    Option(
        "--corpus",
        help="Corpus database (default: $ZSCTL_CORPUS, zsctl.toml, corpus/zsctl.db).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, Option("--json", help="Same as --format json.")]
ThresholdOpt = Annotated[  # ingest's and build's: the same default, threshold_value
    float | None,
    Option(
        min=0.5,
        max=1.0,
        help="Near-duplicate Jaccard threshold, 0.5-1.0 (default: zsctl.toml, 0.8).",
    ),
]


class Format(StrEnum):
    """Output formats of every reading command (zsctl.cli.output.Output)."""

    table = "table"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"


class ColorWhen(StrEnum):
    """When to colour output."""

    auto = "auto"
    always = "always"
    never = "never"


FormatOpt = Annotated[
    Format | None,
    Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="table (default on a terminal), tsv (default in a pipe), json or jsonl; a list is "
        "one JSON object per line in both.",
        show_default=False,
    ),
]
ColorOpt = Annotated[
    ColorWhen,
    Option(
        "--color",
        metavar="WHEN",
        help="auto (on a terminal unless NO_COLOR is set), always (also in a pipe), never.",
    ),
]
NoPagerOpt = Annotated[
    bool, Option("--no-pager", help="Never page long output on a terminal ($PAGER, less -R).")
]


class CheckFormat(StrEnum):
    """Output formats of `check`: the shared ones, and GitHub's annotations."""

    table = "table"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    github = "github"


def corpus_path(option: Path | None) -> Path:
    """The corpus path: the option, else $ZSCTL_CORPUS, else zsctl.toml, else corpus/zsctl.db."""
    if option is not None:
        return option
    env = os.environ.get("ZSCTL_CORPUS")
    return Path(env) if env else (_config().corpus or DEFAULT_CORPUS)


def seeds_path(option: Path | None, remembered: str | None = None) -> Path:
    """The seeds folder: the option, else $ZSCTL_SEEDS, else zsctl.toml, else the folder the
    corpus was built from (`remembered`, where a command reads a corpus), else seeds/."""
    return Path(seeds_location(option, remembered))


def seeds_location(option: str | Path | None, remembered: str | None = None) -> str | Path:
    """seeds_path's answer with $ZSCTL_SEEDS as written, for `build`, which also takes a URL
    (through Path, s3://bucket would become s3:/bucket)."""
    if option is not None:
        return option
    env = os.environ.get("ZSCTL_SEEDS")
    if env:
        return env
    config = _config().seeds
    if config is not None:
        return config
    return Path(remembered) if remembered else SEEDS_FOLDER


def threshold_value(option: float | None) -> float:
    """ingest's threshold: the option, else zsctl.toml, else 0.8."""
    if option is not None:
        if option != option:  # NaN passes Click's range check (every comparison is false)
            from zsctl.errors import UsageError

            raise UsageError("--threshold nan: give a number from 0.5 to 1.0")
        return option
    config = _config().threshold
    return config if config is not None else DEFAULT_THRESHOLD


def _config() -> Config:
    from zsctl.config import load_config

    return load_config()


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
MentionsOpt = Annotated[
    list[str] | None,
    Option(
        "--mentions",
        metavar="NAME",
        help="Mentions this district anywhere (any alias), primary or not. Repeat for any of "
        "several.",
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
        help="Tag such as 西青招商 (【】 optional; a district's tag in any spelling: 西青招商 "
        "= 西青区招商). Repeatable.",
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
    Option(
        "--limit",
        "-n",
        min=0,
        max=MAX_COUNT,
        metavar="N",
        help="Show at most N articles; 0 for all.",
    ),
]


def make_filters(
    district: list[str] | None,
    since: str | None,
    until: str | None,
    date: str | None,
    source: list[str] | None,
    tag: list[str] | None,
    mentions: list[str] | None = None,
) -> Filters:
    """Build query filters from the shared options; UsageError for a bad date or district."""
    from zsctl.query.filters import Filters

    lo = hi = None
    if since is not None or until is not None or date is not None:
        from zsctl.parse.dates import since_until  # not imported when unused: start-up time counts

        lo, hi = since_until(since, until, date)
    districts = _districts(district, "--district")
    mentioned = _districts(mentions, "--mentions")
    return Filters(districts, lo, hi, tuple(source or ()), tuple(tag or ()), mentioned)


def _districts(names: list[str] | None, option: str) -> tuple[str, ...]:
    """Canonical names for a district option; a name that narrows (东疆) is noted on stderr."""
    if not names:
        return ()
    from zsctl.cli.output import note
    from zsctl.districts import load_gazetteer

    gazetteer = load_gazetteer()
    out = tuple(dict.fromkeys(gazetteer.resolve(name) for name in names))
    for name in dict.fromkeys(names):
        narrows = gazetteer.narrows(name)
        if narrows:
            note(f"{option} {name}: {narrows}; matching all of {gazetteer.resolve(name)}")
    return out


# A command's `filters: Filters` parameter stands for these options, which become one `Filters`.
FILTER_OPTIONS: tuple[tuple[str, object], ...] = (
    ("district", DistrictOpt),
    ("since", SinceOpt),
    ("until", UntilOpt),
    ("date", DateOpt),
    ("source", SourceOpt),
    ("tag", TagOpt),
    ("mentions", MentionsOpt),
)


def make_output(
    fmt: Format | None, json: bool | None, color: ColorWhen | None, no_pager: bool | None
) -> Output:
    """The shared output options, applied (colour, pager) for this run."""
    from zsctl.cli.output import configure

    when = (color or ColorWhen.auto).value
    return configure(fmt.value if fmt else None, bool(json), when, not no_pager)


# A command's `out: Output` parameter stands for these, which become one Output.
OUTPUT_OPTIONS: tuple[tuple[str, object], ...] = (
    ("format", FormatOpt),
    ("json", JsonOpt),
    ("color", ColorOpt),
    ("no_pager", NoPagerOpt),
)
GROUPS = {
    "filters": Group(FILTER_OPTIONS, make_filters),
    "out": Group(
        OUTPUT_OPTIONS,
        make_output,
        {"json": False, "no_pager": False, "color": ColorWhen.auto},
    ),
}

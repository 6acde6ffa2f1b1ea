"""`zsctl check`: the CI gate that refuses dumps which do not parse cleanly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from zsctl.cli.options import (
    DEFAULT_SEEDS,
    CheckFormat,
    ColorOpt,
    ColorWhen,
    JsonOpt,
    NoPagerOpt,
    SeedsOpt,
)
from zsctl.cli.params import Option
from zsctl.errors import ManifestError, RulesError

if TYPE_CHECKING:
    from zsctl.cli.output import Output
    from zsctl.seeds.check import CheckReport
    from zsctl.seeds.problems import Problem

_COLUMNS = ("file", "layout", "encoding", "records", "chrome", "blank", "unparsed", "errors")


def check(
    seeds: SeedsOpt = DEFAULT_SEEDS,
    fmt: Annotated[
        CheckFormat | None,
        Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table (default on a terminal), tsv (default in a pipe), json, jsonl, or "
            "github annotations.",
            show_default=False,
        ),
    ] = None,
    json: JsonOpt = False,
    color: ColorOpt = ColorWhen.auto,
    no_pager: NoPagerOpt = False,
) -> int:
    """Parse every dump in INDEX.md and report problems; exit 1 if any."""
    from zsctl.cli.options import seeds_path
    from zsctl.cli.output import configure
    from zsctl.seeds.check import check_seeds

    # The shared output options, with GitHub's annotations as one more format.
    shared = None if fmt in (None, CheckFormat.github) else fmt.value
    out = configure(shared, json, color.value, not no_pager)
    try:
        report = check_seeds(seeds_path(seeds))
    except (ManifestError, RulesError) as exc:
        if fmt is CheckFormat.github or out.machine:  # a CI reader still gets its report
            _fatal_report(exc, str(seeds_path(seeds)), fmt is CheckFormat.github, out)
        raise  # and the one-line error on stderr
    if fmt is CheckFormat.github:
        _github(report)
    elif out.machine:
        _json(report, out)
    else:
        _table(report, out)
    return 0 if report.ok() else 1


def _json(report: CheckReport, out: Output) -> None:
    out.document(
        {
            "ok": report.ok(),
            "seeds": str(report.seeds),
            "dumps": [d.summary() for d in report.dumps],
            "problems": [_problem_dict(p) for p in report.problems()],
            "unparsed_by_text": [
                {"text": g.text, "lines": g.count, "dumps": g.dumps, "first": g.first}
                for g in report.unparsed_groups()
            ],
        }
    )


def _fatal_report(exc: ManifestError | RulesError, seeds: str, github: bool, out: Output) -> None:
    """The report of a check that could not start: one problem, where the bad file is."""
    from zsctl.seeds.problems import Problem

    code = "rules-invalid" if isinstance(exc, RulesError) else "manifest-invalid"
    problem = Problem(exc.path or seeds, exc.line, code, exc.message)
    if github:
        _annotate([problem], 0)
        return
    out.document(
        {
            "ok": False,
            "seeds": seeds,
            "dumps": [],
            "problems": [_problem_dict(problem)],
            "unparsed_by_text": [],
        }
    )


def _problem_dict(p: Problem) -> dict[str, object]:
    return {
        "file": p.file,
        "line": p.line,
        "code": p.code,
        "severity": p.severity,
        "message": p.message,
    }


def _github(report: CheckReport) -> None:
    _annotate(report.problems(), len(report.dumps))


def _annotate(problems: list[Problem], dumps: int) -> None:
    """GitHub workflow annotations, one per problem, and a count."""
    from zsctl.cli.output import echo

    for p in problems:
        where = f"file={_gh_escape(p.file, True)}" + (f",line={p.line}" if p.line else "")
        echo(f"::{p.severity} {where},title={p.code}::{_gh_escape(p.message, False)}")
    echo(f"zsctl check: {dumps} dumps, {_tally(problems)}")


def _tally(problems: list[Problem]) -> str:
    """'N error(s), M warning(s)': a warning does not fail check, so it is not counted apart."""
    errors = sum(p.severity == "error" for p in problems)
    return f"{errors} error(s), {len(problems) - errors} warning(s)"


def _gh_escape(text: str, prop: bool) -> str:
    """Escape per GitHub's workflow-command rules so a message cannot end the annotation."""
    from zsctl.cli.output import inert

    out = inert(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def _table(report: CheckReport, out: Output) -> None:
    from zsctl.cli.output import echo, inert

    rows = [
        [str(d.summary()[c]) if d.summary()[c] is not None else "-" for c in _COLUMNS]
        for d in report.dumps
    ]
    if out.format == "table":
        _rich_table(rows)
    else:
        echo("\t".join(_COLUMNS))
        for row in rows:
            echo("\t".join(row))
    for p in report.problems():
        echo(f"{p.location()}: {p.severity}: {p.code}: {inert(p.message)}")
    verdict = "ok" if report.ok() else "FAILED"
    from zsctl.cli.output import message

    _unparsed_summary(report)
    message(f"check {verdict}: {len(report.dumps)} dump(s), {_tally(report.problems())}")


# Distinct unparsed texts listed after the problems; the problems above list every line.
_GROUPS_SHOWN = 10


def _unparsed_summary(report: CheckReport) -> None:
    """Unparsed lines grouped by text, and how to turn repeating ones into site rules."""
    from zsctl.cli.output import inert, message

    groups = report.unparsed_groups()
    if not groups:
        return
    message(f"unparsed lines by text ({len(groups)} distinct):")
    for g in groups[:_GROUPS_SHOWN]:
        message(
            f"  {g.count} line(s) in {g.dumps} dump(s), first {inert(g.first)}: {inert(g.text)!r}"
        )
    if len(groups) > _GROUPS_SHOWN:
        message(f"  ... and {len(groups) - _GROUPS_SHOWN} more")
    # Site rules are for lines that repeat; a line seen once is this page's, not furniture.
    sites = sorted({s for g in groups if g.count > 1 for s in g.sites})
    for site in sites:
        message(
            f"hint: lines repeating across a site's pages are its furniture: run "
            f"`zsctl sites suggest --seeds {report.seeds} --site {site}`, review the rules, "
            f"save them as {report.seeds}/sites/{site}.yaml"
        )


def _rich_table(rows: list[list[str]]) -> None:
    from rich.table import Table
    from rich.text import Text

    from zsctl.cli.output import console, inert

    table = Table(title="zsctl check")
    for col in _COLUMNS:
        table.add_column(
            col, justify="right" if col not in ("file", "layout", "encoding") else "left"
        )
    for row in rows:
        style = "red" if row[-1] != "0" or row[-2] != "0" else None
        table.add_row(*[Text(inert(c)) for c in row], style=style)
    console().print(table)

"""`check`: parse every manifest dump and list every problem, for people and for CI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from zsctl.errors import DumpTooLargeError, ZsctlError
from zsctl.model import LineKind, ParseResult, Record
from zsctl.parse.dump import parse_dump
from zsctl.parse.rules import ChromeRules, rules_for_seeds
from zsctl.seeds.bodies import UnparsedGroup, chrome_paragraphs, group_unparsed, repeated_paragraphs
from zsctl.seeds.dumps import DumpLimits, dump_limits, read_dump, sha256_of
from zsctl.seeds.manifest import MANIFEST_NAME, DumpEntry, read_manifest
from zsctl.seeds.problems import Problem

_SNIPPET = 40
# A dump of a million junk lines must not become a million problems held and printed: list
# the first ones, then count the rest.
MAX_UNPARSED_LISTED = 100


@dataclass(slots=True)
class DumpReport:
    """What checking one listed dump found."""

    entry: DumpEntry
    result: ParseResult | None
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """Plain counts for tables and JSON."""
        r = self.result
        return {
            "file": self.entry.file,
            "layout": r.layout if r else None,
            "encoding": r.encoding if r else None,
            "encoding_guessed": r.encoding_fallback if r else None,
            "records": len(r.records) if r else 0,
            "lines": len(r.lines) if r else 0,
            "chrome": r.count(LineKind.CHROME) if r else 0,
            "blank": r.count(LineKind.BLANK) if r else 0,
            "unparsed": r.count(LineKind.UNPARSED) if r else 0,
            "errors": sum(p.severity == "error" for p in self.problems),
            "warnings": sum(p.severity == "warning" for p in self.problems),
        }


@dataclass(slots=True)
class CheckReport:
    """All dumps' reports plus manifest-level problems."""

    seeds: Path
    dumps: list[DumpReport] = field(default_factory=list)
    manifest_problems: list[Problem] = field(default_factory=list)
    rules: ChromeRules | None = None

    def problems(self) -> list[Problem]:
        """Every problem, manifest first, then dump by dump in line order."""
        out = list(self.manifest_problems)
        for d in self.dumps:
            out.extend(d.problems)
        return out

    def unparsed_groups(self) -> list[UnparsedGroup]:
        """Unparsed lines grouped by text across all dumps, most frequent first."""
        return group_unparsed(
            (d.entry.file, d.entry.site, d.result) for d in self.dumps if d.result is not None
        )

    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.severity == "error" for p in self.problems())


def check_seeds(seeds_dir: Path, rules: ChromeRules | None = None) -> CheckReport:
    """Check the manifest and every dump it lists."""
    rules = rules or rules_for_seeds(seeds_dir)
    limits = dump_limits()  # a bad $ZSCTL_MAX_DUMP_* is a usage error, not one per dump
    # Any site id: one without rules of its own gets the common rules (`zsctl sites`).
    manifest = read_manifest(seeds_dir)
    report = CheckReport(seeds_dir, manifest_problems=list(manifest.problems), rules=rules)
    index = str(manifest.path)
    for entry in manifest.entries:
        path = seeds_dir / entry.file
        if not path.exists() and not path.is_symlink():
            report.manifest_problems.append(
                Problem(
                    index,
                    entry.line,
                    "missing-file",
                    f"{entry.file} is listed but not in {seeds_dir}; add it or delete the row",
                )
            )
            continue
        report.dumps.append(check_dump(path, entry, rules, limits))
    _site_problems(seeds_dir, report.dumps)
    for path in sorted(seeds_dir.glob("*.txt")):
        if path.name not in manifest.named:
            shown = shown_name(path.name)
            report.manifest_problems.append(
                Problem(
                    str(path.with_name(shown)),
                    None,
                    "unlisted-file",
                    f"{shown} is not listed in {MANIFEST_NAME}; remove the file, or add "
                    f"this row (with the site id): {_row_for(path, shown)}",
                )
            )
    return report


def _row_for(path: Path, shown: str) -> str:
    """The INDEX.md row an unlisted dump needs, sha256 included, ready to paste."""
    from zsctl.seeds.add import manifest_row

    try:
        sha = sha256_of(read_dump(path, shown))
    except ZsctlError:
        sha = "<sha256sum of the file>"
    return manifest_row(shown, "<site>", "auto", None, sha, "")


def shown_name(name: str) -> str:
    """A file name safe to print: names with controls, bidi marks or undecodable bytes quoted."""
    # Names in the seeds folder come from whoever scraped the pages; repr() escapes everything
    # non-printable, including the lone surrogates that stand for undecodable bytes.
    return name if name.isprintable() else repr(name)


def check_dump(
    path: Path, entry: DumpEntry, rules: ChromeRules, limits: DumpLimits | None = None
) -> DumpReport:
    """Parse one dump and turn what parsing found into problems."""
    name = str(path)
    report = DumpReport(entry, None)
    limits = limits or dump_limits()
    try:
        data = read_dump(path, name, limits)
    except ZsctlError as exc:
        code = "too-large" if isinstance(exc, DumpTooLargeError) else "read-error"
        report.problems.append(Problem(name, None, code, exc.message))
        return report
    try:
        result = parse_dump(data, entry.file, entry.site, entry.layout, rules, limits=limits)
    except ZsctlError as exc:
        code = "too-large" if isinstance(exc, DumpTooLargeError) else "decode-error"
        report.problems.extend(sha256_problems(name, entry, sha256_of(data)))
        report.problems.append(Problem(name, exc.line, code, exc.message))
        return report
    report.result = result
    report.problems.extend(dump_problems(name, entry, sha256_of(data), result, rules))
    return report


def dump_problems(
    name: str, entry: DumpEntry, digest: str, result: ParseResult, rules: ChromeRules
) -> list[Problem]:
    """Everything wrong with one parsed dump on its own; `ingest` reports the same list."""
    return [
        *sha256_problems(name, entry, digest),
        *_parse_problems(name, result),
        *chrome_paragraphs(name, result, rules.for_site(entry.site)),
    ]


def sha256_problems(name: str, entry: DumpEntry, digest: str) -> list[Problem]:
    """A dump whose bytes are not the ones INDEX.md lists."""
    if digest == entry.sha256:
        return []
    return [
        Problem(
            name,
            None,
            "sha256-mismatch",
            f"sha256 is {digest} but {MANIFEST_NAME} line {entry.line} says {entry.sha256}; "
            "the dump changed: re-check it and update the row",
        )
    ]


def _site_problems(seeds_dir: Path, dumps: list[DumpReport]) -> None:
    """Add, to each dump's report, the paragraphs that repeat across records of its site."""
    named = {str(seeds_dir / d.entry.file): d for d in dumps if d.result is not None}
    parsed = [(f, d.entry.site, d.result.records) for f, d in named.items() if d.result]
    for p in site_problems(parsed):
        named[p.file].problems.append(p)


def site_problems(parsed: list[tuple[str, str, list[Record]]]) -> list[Problem]:
    """Problems seen only across dumps: (name, site, records) of every dump parsed together."""
    by_site: dict[str, list[tuple[str, list[Record]]]] = {}
    for name, site, records in parsed:
        by_site.setdefault(site, []).append((name, records))
    return [p for site in sorted(by_site) for p in repeated_paragraphs(site, by_site[site])]


def _parse_problems(name: str, result: ParseResult) -> list[Problem]:
    out = [Problem(name, None, "decode-warning", w, "warning") for w in result.warnings]
    unparsed = result.unparsed()
    if result.layout == "unknown":
        out.append(Problem(name, None, "layout-unknown", _why_no_layout(result, len(unparsed))))
    elif not result.records:
        out.append(
            Problem(name, None, "no-records", "no article found (empty dump, or only site chrome)")
        )
    for note in unparsed[:MAX_UNPARSED_LISTED]:
        snippet = note.text.strip()[:_SNIPPET]
        out.append(
            Problem(
                name,
                note.line,
                "unparsed-line",
                f"line not part of any article and no chrome rule matches it: {snippet!r}",
            )
        )
    if len(unparsed) > MAX_UNPARSED_LISTED:
        out.append(
            Problem(
                name,
                unparsed[MAX_UNPARSED_LISTED].line,
                "unparsed-more",
                f"{len(unparsed) - MAX_UNPARSED_LISTED} more unparsed line(s) not listed; "
                "is this a dump of this site? fix the first ones and check again",
            )
        )
    for rec in result.records:
        missing = [
            f
            for f, v in (("title", rec.title), ("date", rec.date), ("body", rec.paragraphs))
            if not v
        ]
        if missing:
            out.append(
                Problem(
                    name,
                    rec.provenance.first_line,
                    "record-incomplete",
                    f"article missing {', '.join(missing)} "
                    f"(lines {rec.provenance.first_line}-{rec.provenance.last_line})",
                )
            )
    return out


def _why_no_layout(result: ParseResult, unparsed: int) -> str:
    """Say what a dump that no layout explains holds, so an empty or chrome-only one is plain."""
    chrome = result.count(LineKind.CHROME)
    fix = "re-scrape the page, or delete its row from INDEX.md"
    if not result.lines:
        return f"empty dump: no text at all; {fix}"
    if unparsed == 0 and chrome == 0:
        return f"only blank lines, no article; {fix}"
    if unparsed == 0:
        return f"only site chrome ({chrome} line(s)), no article; {fix}"
    return "no layout explains this dump; pin one in INDEX.md or add a parser"

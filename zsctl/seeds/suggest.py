"""`zsctl sites suggest`: a rules file for one site, learned from its dumps, for a person to
review and save as `<seeds>/sites/<site>.yaml`. Nothing here changes how anything parses."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from zsctl.errors import UsageError, ZsctlError
from zsctl.model import ParseResult
from zsctl.parse.decode import decode_bytes
from zsctl.parse.dump import parse_dump
from zsctl.parse.rules import SITES_DIR, ChromeRules, rules_for_seeds
from zsctl.seeds.dumps import read_dump
from zsctl.seeds.manifest import read_manifest

# A line outside records becomes a rule when it is in this many of the site's dumps (all of
# them when the site has fewer): page furniture repeats on every page of a portal.
MIN_DUMPS = 2
# A paragraph becomes a rule when it opens or closes this many records with different
# titles (an editor line after every body); fewer is more likely news that repeats.
MIN_RECORDS = 3
# Where furniture sits in a record: the first paragraphs (a byline) or the last ones (an
# editor line, then a "follow us" line the rules do not know either).
EDGE_FIRST = 2
EDGE_LAST = 3
# 'label：value' lines whose values differ (责任编辑：王晓明 / 责任编辑：李娜) are one rule
# when the label is this short: a longer text before the colon is a sentence, not a label.
MAX_LABEL = 8
_LABEL = re.compile(rf"([^\s:：。，,]{{1,{MAX_LABEL}}})\s*[:：]\s*(\S.*)")
_RUNS = re.compile(r"(\d+|\s+)")
_SNIPPET = 40


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One proposed rule and the evidence for it."""

    id: str
    pattern: str
    lines: int
    dumps: int
    example: str  # file:line and text of the first line it matched
    inside: bool  # learned from paragraphs of records, not from lines outside them


@dataclass(frozen=True, slots=True)
class _Seen:
    file: str
    line: int
    text: str
    title: str = ""  # of the record a paragraph came from


def suggest(seeds: Path, site: str) -> tuple[list[Suggestion], int]:
    """Rules for a site's unexplained furniture, and how many of its dumps were read."""
    rules = rules_for_seeds(seeds)
    parsed = _parse_site(seeds, site, rules)
    need = min(MIN_DUMPS, len(parsed))
    outside = [_Seen(f, n.line, n.text.strip()) for f, r, _ in parsed for n in r.unparsed()]
    found = _generalise(outside, need, inside=False)
    found += _generalise(_edges(parsed), 1, inside=True, min_records=MIN_RECORDS)
    bodies = [t for _, r, _ in parsed for rec in r.records for t in (rec.title, *rec.paragraphs)]
    taken = {r.id for r in rules.for_site(site)}
    out: list[Suggestion] = []
    for n, (pattern, seen, inside) in enumerate(found, 1):
        compiled = re.compile(pattern)
        if not inside and any(compiled.fullmatch(t) for t in bodies):
            continue  # it would eat article text: leave that line to a person
        rule_id = _free_id("record-line" if inside else "site-line", n, taken)
        example = f"{seen[0].file}:{seen[0].line} {seen[0].text[:_SNIPPET]!r}"
        out.append(
            Suggestion(rule_id, pattern, len(seen), len({s.file for s in seen}), example, inside)
        )
    return out, len(parsed)


_Parsed = tuple[str, ParseResult, set[str]]  # file, its parse, its lines stripped


def _parse_site(seeds: Path, site: str, rules: ChromeRules) -> list[_Parsed]:
    entries = [e for e in read_manifest(seeds).entries if e.site == site]
    if not entries:
        known = sorted({e.site for e in read_manifest(seeds).entries})
        raise UsageError(
            f"no dump of site {site!r} in {seeds}/INDEX.md; sites there: {', '.join(known)}"
        )
    out = []
    for e in entries:
        try:
            data = read_dump(seeds / e.file, e.file)
            result = parse_dump(data, e.file, site, e.layout, rules)
            text = decode_bytes(data, e.file).text
        except ZsctlError:
            continue  # `check` reports it; suggest learns from the dumps it can read
        out.append((e.file, result, {line.strip() for line in text.split("\n")}))
    return out


def _edges(parsed: list[_Parsed]) -> list[_Seen]:
    """The first and last few paragraphs of records that are whole lines of their dump.

    A paragraph split out of a listing's one-line body is not a line a rule could match.
    """
    out = []
    for file, result, lines in parsed:
        for rec in result.records:
            if len(rec.paragraphs) < 2:
                continue
            edges = rec.paragraphs[:EDGE_FIRST] + rec.paragraphs[-EDGE_LAST:]
            for para in dict.fromkeys(edges):
                if para in lines:
                    out.append(_Seen(file, rec.provenance.first_line, para, rec.title))
    return out


def _generalise(
    seen: list[_Seen], min_dumps: int, *, inside: bool, min_records: int = 1
) -> list[tuple[str, list[_Seen], bool]]:
    """Group lines by their text with numbers generalised, then by label; keep the frequent."""
    by_shape: dict[str, list[_Seen]] = defaultdict(list)
    for s in seen:
        by_shape[_shape(s.text)].append(s)
    out: list[tuple[str, list[_Seen], bool]] = []
    rest: list[_Seen] = []
    for pattern, group in by_shape.items():
        if _enough(group, min_dumps, min_records):
            out.append((pattern, group, inside))
        else:
            rest.extend(group)
    by_label: dict[str, list[_Seen]] = defaultdict(list)
    for s in rest:
        m = _LABEL.fullmatch(s.text)
        if m:
            by_label[m.group(1)].append(s)
    for label, group in by_label.items():
        if _enough(group, min_dumps, min_records) and len({s.text for s in group}) > 1:
            longest = max(len(s.text) for s in group) - len(label)
            pattern = _escape(label) + rf"\s*[:：][^。！？]{{1,{longest + 10}}}"
            out.append((pattern, group, inside))
    return sorted(out, key=lambda f: (f[1][0].file, f[1][0].line, f[0]))


def _enough(group: list[_Seen], min_dumps: int, min_records: int) -> bool:
    """In enough dumps, and (for paragraphs) in enough records with different titles: the
    same story listed on two pages is not evidence."""
    return (
        len({s.file for s in group}) >= min_dumps and len({s.title for s in group}) >= min_records
    )


def _shape(text: str) -> str:
    """The line as a regex: its text, with any number for a number and any spaces for spaces."""
    out = []
    for part in _RUNS.split(text):
        if part.isdecimal():
            out.append(r"\d+")
        elif part.isspace():
            out.append(r"\s+")
        else:
            out.append(_escape(part))
    return "".join(out)


def _escape(text: str) -> str:
    """re.escape, with unprintable characters (bidi marks) as \\uXXXX: the same regex, and
    inert on a terminal."""
    return "".join(
        re.escape(c)
        if c.isprintable()
        else f"\\U{ord(c):08x}"
        if ord(c) > 0xFFFF
        else f"\\u{ord(c):04x}"
        for c in text
    )


def _free_id(prefix: str, n: int, taken: set[str]) -> str:
    while f"{prefix}-{n}" in taken:
        n += 1
    taken.add(f"{prefix}-{n}")
    return f"{prefix}-{n}"


def render(seeds: Path, site: str, suggestions: list[Suggestion], dumps: int) -> str:
    """The suggestions as a rules file, each rule with a comment on what it matched."""
    target = seeds / SITES_DIR / f"{site}.yaml"
    head = [
        f"# Chrome rules for site {site!r}, suggested by `zsctl sites suggest` from {dumps}"
        " dump(s).",
        f"# Review every rule, then save this file as {target}; nothing is applied before.",
    ]
    if target.exists():
        head.append(f"# {target} exists: add the rules below to it instead of replacing it.")
    lines = [*head, "version: 1", "sites:", f"  {site}:", f"    name: {site}", "    rules:"]
    if not suggestions:
        lines[-1] = "    rules: []  # nothing repeats that the rules in force do not explain"
    for s in suggestions:
        where = "in records (first or last paragraphs)" if s.inside else "outside records"
        evidence = f"{s.lines} line(s) in {s.dumps} dump(s), {where}"
        lines.append(f"      # {evidence}; e.g. {_comment(s.example)}")
        lines.append(f"      - id: {s.id}")
        lines.append(f"        pattern: '{s.pattern.replace(chr(39), chr(39) * 2)}'")
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    """Dump text made safe for one comment line."""
    return "".join(c if c.isprintable() else " " for c in text)

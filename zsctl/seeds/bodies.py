"""Chrome that reached article bodies, and unparsed lines grouped by text: what `check` and
`ingest` report beyond one dump's line accounting."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from zsctl.model import ParseResult, Record
from zsctl.parse.layouts.base import is_prose
from zsctl.parse.paragraphs import is_truncated
from zsctl.parse.rules import Rule, first_rule
from zsctl.seeds.problems import Problem

# A short paragraph (not a sentence, not a heading) repeating verbatim in this many records
# with different titles, on one site, is page furniture the rules do not know (an editor
# line, a slogan); three rules out the same story listed on two pages under two titles.
REPEAT_MIN_RECORDS = 3
# Furniture is short; a long paragraph repeated verbatim is a story reposted, which the
# deduplication deals with.
REPEAT_MAX_CHARS = 80
_SNIPPET = 40
# Chrome glued to a body is a short paragraph (the longest common furniture, a copyright or
# ICP line, is under 200 characters); testing only those keeps check's cost per paragraph
# low: every rule on every long paragraph cost a fifth of the parse time.
CHROME_MAX_CHARS = 200
# A numbered heading ("一、总体要求", "（二）优化营商环境", "3.") repeats across documents of
# one kind by design; it is structure, not furniture.
_HEADING = re.compile(
    r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、])"
)


def chrome_paragraphs(name: str, result: ParseResult, rules: tuple[Rule, ...]) -> list[Problem]:
    """A paragraph of a record that a chrome rule matches: the scraper glued chrome to a body."""
    out = []
    for rec in result.records:
        for n, para in enumerate(rec.paragraphs, 1):
            if len(para) > CHROME_MAX_CHARS:
                continue
            rule = first_rule(para.strip(), rules)
            if rule is not None:
                out.append(
                    Problem(
                        name,
                        rec.provenance.first_line,
                        "chrome-in-body",
                        f"paragraph {n} of the article at lines {_span(rec)} matches chrome "
                        f"rule {rule.id!r}: {para[:_SNIPPET]!r}; the body holds page chrome",
                    )
                )
    return out


def repeated_paragraphs(site: str, dumps: Iterable[tuple[str, list[Record]]]) -> list[Problem]:
    """Short paragraphs repeating verbatim across records of one site: furniture in bodies."""
    seen: dict[str, list[tuple[str, Record]]] = defaultdict(list)
    for name, records in dumps:
        for rec in records:
            for para in dict.fromkeys(rec.paragraphs):  # once per record
                if _may_be_furniture(para):
                    seen[para].append((name, rec))
    out = []
    for para, where in seen.items():
        titles = {rec.title for _, rec in where}
        if len(titles) < REPEAT_MIN_RECORDS:
            continue
        for name, rec in where:
            out.append(
                Problem(
                    name,
                    rec.provenance.first_line,
                    "repeated-paragraph",
                    f"paragraph {para[:_SNIPPET]!r} of the article at lines {_span(rec)} repeats "
                    f"verbatim in {len(where)} articles of site {site!r}; if it is page "
                    f"furniture, add a rule (zsctl sites suggest --site {site})",
                )
            )
    return out


def short_paragraphs(records: list[Record]) -> list[Record]:
    """Records with only the paragraphs `repeated_paragraphs` looks at: little to hold."""
    return [
        replace(r, paragraphs=[p for p in r.paragraphs if _may_be_furniture(p)]) for r in records
    ]


@dataclass(frozen=True, slots=True)
class UnparsedGroup:
    """Unparsed lines with the same text: how many, in how many dumps, and the first one."""

    text: str
    count: int
    dumps: int
    first: str  # file:line
    sites: tuple[str, ...]


def group_unparsed(dumps: Iterable[tuple[str, str, ParseResult]]) -> list[UnparsedGroup]:
    """Unparsed lines grouped by their stripped text, most frequent first."""
    lines: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for name, site, result in dumps:
        for note in result.unparsed():
            lines[note.text.strip()].append((name, site, note.line))
    groups = [
        UnparsedGroup(
            text,
            len(where),
            len({n for n, _, _ in where}),
            f"{where[0][0]}:{where[0][2]}",
            tuple(sorted({s for _, s, _ in where})),
        )
        for text, where in lines.items()
    ]
    return sorted(groups, key=lambda g: -g.count)  # stable: ties in order of first sight


def _may_be_furniture(para: str) -> bool:
    """Short, not a numbered heading, not a sentence, not cut off: what a repeated editor
    line, slogan or follow-us line looks like. Stories that share a sentence or a heading are
    news (reposts under another title, documents of one kind), and deduplication deals with
    those. A listing's summary cut after a space leaves a stub paragraph ('天...'), the same
    in thousands of summaries that happen to break before 天津: no page furniture is cut."""
    return (
        len(para) <= REPEAT_MAX_CHARS
        and not _HEADING.match(para)
        and not is_prose(para)
        and not is_truncated(para)
    )


def _span(rec: Record) -> str:
    return f"{rec.provenance.first_line}-{rec.provenance.last_line}"

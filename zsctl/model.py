"""The record types that flow through the pipeline: decode -> classify lines -> parse -> store."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class LineKind(StrEnum):
    """Where a dump line ended up; every line gets exactly one kind."""

    RECORD = "record"
    CHROME = "chrome"
    BLANK = "blank"
    UNPARSED = "unparsed"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from: dump file name and 1-based inclusive line span."""

    dump: str
    first_line: int
    last_line: int


@dataclass(slots=True)
class Record:
    """One article as parsed from one dump (before deduplication)."""

    title: str
    tag: str | None
    date: str | None  # ISO 8601: YYYY-MM-DD or YYYY-MM-DDTHH:MM
    source: str | None
    paragraphs: list[str]
    provenance: Provenance
    layout: str

    @property
    def body(self) -> str:
        """Body text with paragraphs joined by newlines."""
        return "\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class LineNote:
    """The disposition of one dump line: its kind and, for chrome, the rule that matched."""

    line: int
    kind: LineKind
    rule: str | None = None
    text: str = ""


@dataclass(slots=True)
class ParseResult:
    """Everything parsing one dump produced: records plus the accounting of every line."""

    dump: str
    layout: str
    encoding: str
    encoding_fallback: bool
    warnings: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    lines: list[LineNote] = field(default_factory=list)

    def count(self, kind: LineKind) -> int:
        """Number of lines of the given kind."""
        return sum(1 for n in self.lines if n.kind is kind)

    def unparsed(self) -> list[LineNote]:
        """Lines no parser or chrome rule claimed."""
        return [n for n in self.lines if n.kind is LineKind.UNPARSED]

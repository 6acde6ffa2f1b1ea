"""The one vocabulary of the pipeline: records parsed from dumps, edges, articles, and kinds.

read -> parse (Record, ParseResult) -> store (StoredRecord) -> dedup (Edge) -> articles (Article)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


class LineKind(StrEnum):
    """Where a dump line ended up; every line gets exactly one kind."""

    RECORD = "record"
    CHROME = "chrome"
    BLANK = "blank"
    UNPARSED = "unparsed"


class DupKind(StrEnum):
    """How a record joined its article: the kept one, or through which kind of edge."""

    KEPT = "kept"
    EXACT = "exact"  # identical normalised text
    NEAR = "near"  # shingle Jaccard similarity at or above the threshold
    CONTAINED = "contained"  # a truncated listing snippet of a longer text


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


class DumpSummary(NamedTuple):
    """What parsing one dump gave, as the dumps table stores it."""

    layout: str
    encoding: str
    encoding_guessed: bool
    records: int
    chrome: int
    blank: int
    unparsed: int


@dataclass(frozen=True, slots=True)
class Edge:
    """A verified similarity between two records; a < b by key."""

    a: str
    b: str
    kind: DupKind
    score: float  # Jaccard (near), containment (contained) or 1.0 (exact)


@dataclass(slots=True)
class Article:
    """One deduplicated story as it is stored."""

    id: str
    title: str
    tag: str | None
    date: str | None
    district: str | None
    source: str | None
    paragraphs: list[str]
    representative: str
    sources: list[tuple[str, str, float]]  # (record key, kind, score)
    mentions: dict[str, int]
    edges: list[tuple[str, str, str, float]]  # verified (a, b, kind, score) that joined the cluster

    def digest(self) -> str:
        """Hash of every stored field, so unchanged articles are not rewritten."""
        blob = json.dumps(
            [
                self.title,
                self.tag,
                self.date,
                self.district,
                self.source,
                self.paragraphs,
                self.representative,
                self.sources,
                sorted(self.mentions.items()),
                self.edges,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha1(blob.encode()).hexdigest()


def record_key(record: Record) -> str:
    """The stable key of one record: '<dump>:<first line>'."""
    return f"{record.provenance.dump}:{record.provenance.first_line}"


class StoredRecord(NamedTuple):
    """A stored record as clustering needs it: plain fields, the body as one string."""

    key: str
    title: str
    tag: str | None
    date: str | None
    source: str | None
    body: str
    stored: bool = True  # False when the records row holds no body (kept, or new)


Districts = dict[str, tuple[str | None, dict[str, int]]]  # record key -> (primary, mentions)

"""What every layout parser shares: the line view it reads and the record fields it builds."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from zsctl.model import Provenance, Record
from zsctl.parse.dates import normalize_published
from zsctl.parse.tags import split_tag

DATE_LINE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
# How far past a chrome line inside a listing item to look for the item's date: an editor or
# source line sits right above the date, and a few such lines with blanks fit in 8.
DATE_LOOKAHEAD = 8
_SENTENCE_ENDS = "。！？!?；;…"
_CLOSERS = "”\"’'）)】」』"


@dataclass(frozen=True, slots=True)
class Lines:
    """A dump's lines (no newline characters) and, per line, the chrome rule that claims it."""

    dump: str
    text: Sequence[str]
    chrome: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.text)

    def content(self, i: int) -> str | None:
        """The stripped line if it is neither blank nor chrome, else None."""
        if self.chrome[i] is not None:
            return None
        stripped = self.text[i].strip()
        return stripped or None

    def next_content(self, i: int) -> int | None:
        """Index of the first content line at or after i."""
        while i < len(self.text):
            if self.content(i) is not None:
                return i
            i += 1
        return None


def date_follows(lines: Lines, chrome_i: int, is_boundary: Callable[[int], bool]) -> bool:
    """Whether a listing item's date comes within a few lines after a chrome line inside it.

    Then the chrome line (an editor or source line between body and date) sits inside the
    item, which stays whole; otherwise the chrome line is the footer that ends the item.
    """
    for k in range(chrome_i + 1, min(len(lines), chrome_i + 1 + DATE_LOOKAHEAD)):
        text = lines.content(k)
        if text is None:
            continue
        if is_boundary(k):
            return False
        if DATE_LINE.fullmatch(text):
            return True
    return False


def is_prose(text: str) -> bool:
    """A line that ends a sentence: body text, not a header, footer or link line."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return stripped[-1:] in tuple(_SENTENCE_ENDS)


@dataclass(slots=True)
class Parsed:
    """A layout parser's output: records and the 0-based line indices they claimed."""

    records: list[Record] = field(default_factory=list)
    claimed: set[int] = field(default_factory=set)


class Layout(Protocol):
    """A page layout: how sure it is that it explains some lines, and how to parse them."""

    name: str

    def detect(self, lines: Lines) -> float:
        """Score in [0, 1]: how well this layout's structure explains the lines."""
        ...

    def parse(self, lines: Lines) -> Parsed:
        """Records found in the lines, claiming the lines each record used."""
        ...


def make_record(
    lines: Lines,
    layout: str,
    title: str,
    date: str | None,
    paragraphs: list[str],
    span: tuple[int, int],
    source: str | None = None,
) -> Record:
    """Build a Record from raw fields; dates become ISO 8601, spans 1-based."""
    clean_title, tag = split_tag(title)
    iso = normalize_published(date) if date else None
    return Record(
        title=clean_title,
        tag=tag,
        date=iso,
        source=source,
        paragraphs=paragraphs,
        provenance=Provenance(lines.dump, span[0] + 1, span[1] + 1),
        layout=layout,
    )

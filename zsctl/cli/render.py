"""Rendering shared by list, show, grep, export and stats: TSV lines, JSON, Rich tables, bars."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

    from rich.table import Table
    from rich.text import Text

MISSING = "-"
MATCH_STYLE = "bold underline red"  # NO_COLOR keeps bold and underline, so the match still shows
ID_STYLE = "cyan"
_BLOCKS = " ▏▎▍▌▋▊▉█"


def open_corpus(option: Path | None) -> sqlite3.Connection:
    """Open the corpus read-only, in one read transaction so every query sees one snapshot."""
    from zsctl.cli.options import corpus_path
    from zsctl.store.corpus import connect_read, read_tuning

    db = connect_read(corpus_path(option))
    read_tuning(db)
    db.execute("BEGIN")  # a concurrent ingest commits a new snapshot; we keep reading ours
    return db


def note(text: str) -> None:
    """An informational line on stderr, without loading Rich (start-up time counts here)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def cell(value: object) -> str:
    """A field for one line of plain output: inert, no tabs or newlines, '-' when missing."""
    from zsctl.cli.output import inert

    if value is None or value == "":
        return MISSING
    return inert(str(value)).replace("\t", " ").replace("\n", " ")


def flat(text: str) -> str:
    """Paragraph breaks shown as ' ¶ ' so a snippet stays on one line."""
    return text.replace("\n", " ¶ ")


def line(fields: Sequence[object]) -> None:
    """Write one tab-separated record and flush, so a closed pipe surfaces inside the loop."""
    sys.stdout.write("\t".join(cell(f) for f in fields) + "\n")
    sys.stdout.flush()


def json_text(data: Any, indent: int | None = None) -> str:
    """UTF-8 JSON whose terminal-driving characters are JSON escapes: same data, inert bytes."""
    import json

    from zsctl.cli.output import inert

    # inert() writes \\uXXXX, which is also the JSON escape for that character; such characters
    # only occur inside JSON strings, so the document parses to exactly the same value.
    return inert(json.dumps(data, ensure_ascii=False, indent=indent))


def json_array(items: Iterable[Any]) -> int:
    """Stream a JSON array, one element per line, flushing as it goes; returns the count."""
    n = 0
    sys.stdout.write("[")
    for item in items:
        sys.stdout.write(("\n" if n == 0 else ",\n") + json_text(item))
        sys.stdout.flush()
        n += 1
    sys.stdout.write("\n]\n")
    sys.stdout.flush()
    return n


def text(value: object, style: str | None = None) -> Text:
    """Scraped text as an inert Rich Text (never parsed as markup)."""
    from rich.text import Text

    from zsctl.cli.output import inert

    return Text(MISSING if value is None or value == "" else inert(str(value)), style=style or "")


def highlighted(source: str, spans: Iterable[tuple[int, int]], style: str = MATCH_STYLE) -> Text:
    """Inert Text of `source` with the given character spans styled; offsets survive inert()."""
    from rich.text import Text

    from zsctl.cli.output import inert

    out = Text()
    pos = 0
    for start, end in spans:
        out.append(inert(source[pos:start]))
        out.append(inert(source[start:end]), style=style)
        pos = end
    out.append(inert(source[pos:]))
    return out


def table(title: str | None, columns: Sequence[tuple[str, dict[str, Any]]]) -> Table:
    """A Rich table with the given (header, column options)."""
    from rich.table import Table

    out = Table(title=title, title_justify="left", header_style="bold")
    for header, options in columns:
        out.add_column(header, **options)
    return out


def show(renderable: Any) -> None:
    """Print a Rich renderable on the stdout console."""
    from zsctl.cli.output import console

    console().print(renderable)


def bar(value: int, top: int, width: int = 40) -> str:
    """A horizontal bar of `value` out of `top`, in eighths of a character."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_BLOCKS[part] if part else "")

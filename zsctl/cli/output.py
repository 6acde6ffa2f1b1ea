"""All output: terminal vs pipe, colour, inert scraped text, TSV lines, JSON, Rich tables.

The one output module of the CLI; commands render through it and nothing else.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

MISSING = "-"
MATCH_STYLE = "bold underline red"  # NO_COLOR keeps bold and underline, so the match still shows
ID_STYLE = "cyan"
_BLOCKS = " ▏▎▍▌▋▊▉█"
# Controls, DEL/C1, bidi overrides and isolates, zero-width joiners: any of them lets scraped
# text move the cursor, recolour the terminal or reorder what a reader sees.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def inert(text: str) -> str:
    """Replace characters that could drive a terminal with visible \\uXXXX escapes."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_tty() -> bool:
    """The one place that decides whether stdout is an interactive terminal."""
    return sys.stdout.isatty()


def use_color() -> bool:
    """Colour only on a terminal, never when NO_COLOR is set (any value)."""
    return is_tty() and "NO_COLOR" not in os.environ


@lru_cache(maxsize=2)
def console(stderr: bool = False) -> Console:
    """A Rich console for stdout or stderr; markup and emoji are off so data stays data."""
    from rich.console import Console

    color = use_color() if not stderr else sys.stderr.isatty() and "NO_COLOR" not in os.environ
    return Console(
        stderr=stderr,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=not is_tty(),
    )


def echo(line: str = "") -> None:
    """Write one plain line to stdout (pipes get stable text)."""
    sys.stdout.write(line + "\n")


def message(text: str, style: str | None = None) -> None:
    """A message for the person: always stderr, never mixed into data on stdout."""
    console(stderr=True).print(text, style=style)


def print_json(data: Any) -> None:
    """UTF-8 JSON on stdout: Chinese stays readable, escapes stay escaped."""
    sys.stdout.write(json_text(data, indent=2) + "\n")


def note(text: str) -> None:
    """An informational line on stderr, without loading Rich (start-up time counts here)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def cell(value: object) -> str:
    """A field for one line of plain output: inert, no tabs or newlines, '-' when missing."""
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

    return Text(MISSING if value is None or value == "" else inert(str(value)), style=style or "")


def highlighted(source: str, spans: Iterable[tuple[int, int]], style: str = MATCH_STYLE) -> Text:
    """Inert Text of `source` with the given character spans styled; offsets survive inert()."""
    from rich.text import Text

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
    console().print(renderable)


def bar(value: int, top: int, width: int = 40) -> str:
    """A horizontal bar of `value` out of `top`, in eighths of a character."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_BLOCKS[part] if part else "")

"""Terminal vs pipe, colour, and making scraped text inert before it reaches a terminal."""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

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
    import json

    # inert() turns controls into \uXXXX escapes, which is still valid JSON of the same value.
    sys.stdout.write(inert(json.dumps(data, ensure_ascii=False, indent=2)) + "\n")

"""All output: terminal vs pipe, colour, inert scraped text, TSV lines, JSON, Rich tables.

The one output module of the CLI; commands render through it and nothing else.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

if TYPE_CHECKING:
    import subprocess

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


_COLOR: bool | None = None  # --color always/never; None: auto


def use_color() -> bool:
    """--color always/never, else colour only on a terminal and never when NO_COLOR is set."""
    if _COLOR is not None:
        return _COLOR
    return is_tty() and "NO_COLOR" not in os.environ


# --- the shared output options: --format, --json, --color, --no-pager ------------------------

FORMATS = ("table", "tsv", "json", "jsonl")
DEFAULT_PAGER = "less -R"  # -R: colours through, as git and systemctl page


class Output(NamedTuple):
    """How a command writes its result: the --format chosen (table|tsv|json|jsonl).

    A list in json or jsonl is JSON Lines, one object per line (jq, pandas and DuckDB read
    it as it streams); a single object is indented in json and on one line in jsonl.
    """

    format: str

    @property
    def machine(self) -> bool:
        """JSON of either kind."""
        return self.format in ("json", "jsonl")

    def records(self, items: Iterable[Any]) -> int:
        """A list as JSON Lines, flushed line by line; returns how many."""
        n = 0
        for item in items:
            sys.stdout.write(json_text(item) + "\n")
            sys.stdout.flush()
            n += 1
        return n

    def document(self, data: Any) -> None:
        """One object: indented for json, one line for jsonl."""
        sys.stdout.write(json_text(data, indent=2 if self.format == "json" else None) + "\n")


def configure(fmt: str | None, json: bool, color: str, pager: bool) -> Output:
    """Apply the shared output options for this command run; its Output.

    The format defaults to table on a terminal and tsv in a pipe; --json is --format json.
    Long output on a terminal goes through $PAGER (else `less -R`) unless `pager` is False.
    """
    from zsctl.errors import UsageError

    global _COLOR
    if json and fmt not in (None, "json"):
        raise UsageError(f"--json is --format json; drop one of --json and --format {fmt}")
    _COLOR = {"always": True, "never": False}.get(color)
    console.cache_clear()
    if pager and sys.stdout.isatty() and not isinstance(sys.stdout, _Pager):
        sys.stdout = _Pager(sys.stdout)
    chosen = "json" if json else fmt or ("table" if is_tty() else "tsv")
    return Output(chosen)


def finish() -> None:
    """End the command's output: hand what a pager holds to the terminal, wait for it."""
    if isinstance(sys.stdout, _Pager):
        pager = sys.stdout
        sys.stdout = pager.terminal
        pager.close()


class _Pager:
    """stdout on a terminal that turns into a pager once the output outgrows the screen.

    Lines are held until there are more than the terminal has rows; then $PAGER starts and
    gets them, and everything after. Output that fits is written as it would have been.
    """

    def __init__(self, terminal: TextIO) -> None:
        import shutil

        self.terminal = terminal
        self.rows = shutil.get_terminal_size().lines
        self.held: list[str] = []
        self.lines = 0
        self.proc: subprocess.Popen[str] | None = None

    def isatty(self) -> bool:
        """Still a terminal, for Rich and for is_tty()."""
        return True

    def fileno(self) -> int:
        return self.terminal.fileno()

    @property
    def encoding(self) -> str:
        return str(self.terminal.encoding)

    def write(self, text: str) -> int:
        if self.proc is not None:
            assert self.proc.stdin is not None
            return self.proc.stdin.write(text)
        self.held.append(text)
        self.lines += text.count("\n")
        if self.lines >= self.rows:
            self._start()
        return len(text)

    def flush(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.flush()

    def _start(self) -> None:
        import shlex
        import subprocess

        command = shlex.split(os.environ.get("PAGER") or DEFAULT_PAGER)
        try:
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, encoding="utf-8")
        except OSError:  # no such pager: write as if there were none
            self.terminal.write("".join(self.held))
            self.held, self.rows = [], sys.maxsize
            return
        assert self.proc.stdin is not None
        self.proc.stdin.write("".join(self.held))
        self.held = []

    def close(self) -> None:
        """Write what fitted, or let the pager finish with the rest."""
        if self.proc is None:
            self.terminal.write("".join(self.held))
            self.terminal.flush()
            return
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except BrokenPipeError:  # the reader quit the pager early: that is fine
            pass
        self.proc.wait()


@lru_cache(maxsize=2)
def console(stderr: bool = False) -> Console:
    """A Rich console for stdout or stderr; markup and emoji are off so data stays data."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # Rich's own exits with 1 and quiets stdout only, also when stderr's reader went
            # (`2>&1 | head`); the command's caller ends a closed pipe as every command does.
            raise BrokenPipeError

    color = use_color() if not stderr else sys.stderr.isatty() and "NO_COLOR" not in os.environ
    return _Console(
        stderr=stderr,
        no_color=not color,
        force_terminal=True if _COLOR and not stderr else None,  # --color always, in a pipe too
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=not is_tty(),
    )


def colored(text: str, sgr: str = "1;31") -> str:
    """`text` (already inert) in an SGR colour when colour is on, as grep --color does."""
    return f"\x1b[{sgr}m{text}\x1b[0m" if use_color() else text


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


def show(renderable: Any, one_line: bool = False) -> None:
    """Print a Rich renderable on the stdout console; `one_line` cuts it with … to fit.

    (Text.no_wrap is not enough: print() joins what it is given into a new Text.)
    """
    if one_line:
        console().print(renderable, no_wrap=True, overflow="ellipsis", crop=True)
    else:
        console().print(renderable)


def bar(value: int, top: int, width: int = 40) -> str:
    """A horizontal bar of `value` out of `top`, in eighths of a character."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_BLOCKS[part] if part else "")

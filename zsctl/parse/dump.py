"""One dump from bytes to accounted records: decode, classify chrome, detect layout, parse."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from zsctl.errors import DumpReadError, DumpTooLargeError, UsageError, ZsctlError
from zsctl.model import LineKind, LineNote, ParseResult
from zsctl.parse.decode import decode_bytes
from zsctl.parse.layouts import LAYOUTS, Lines, detect_layout
from zsctl.parse.rules import ChromeRules, classify_chrome, default_rules

UNKNOWN_LAYOUT = "unknown"

# Dumps are untrusted and parsing holds a whole dump in memory: about 6 bytes per byte of a
# long line, or about 450 bytes per line of a listing, so both the size and the line count
# are capped (with the defaults one dump peaks under 512 MiB). Real dumps are tens of
# kilobytes and a few hundred lines. See docs/SECURITY.md.
MAX_MB_ENV = "ZSCTL_MAX_DUMP_MB"
MAX_LINES_ENV = "ZSCTL_MAX_DUMP_LINES"
DEFAULT_MAX_MB = 64
DEFAULT_MAX_LINES = 1_000_000


@dataclass(frozen=True, slots=True)
class DumpLimits:
    """The largest dump zsctl reads: bytes on disk and lines after decoding."""

    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    max_lines: int = DEFAULT_MAX_LINES


def dump_limits() -> DumpLimits:
    """The limits in force: $ZSCTL_MAX_DUMP_MB and $ZSCTL_MAX_DUMP_LINES, else the defaults."""
    mb = _env_int(MAX_MB_ENV, DEFAULT_MAX_MB)
    lines = _env_int(MAX_LINES_ENV, DEFAULT_MAX_LINES)
    return DumpLimits(mb * 1024 * 1024, lines)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise UsageError(f"${name} must be a whole number above 0, got {raw!r}; unset it or fix it")
    return int(raw)


def read_dump(path: Path, name: str | None = None, limits: DumpLimits | None = None) -> bytes:
    """A dump's bytes; refuses non-regular files and dumps over the limit before reading them."""
    where = name or str(path)
    limits = limits or dump_limits()
    try:
        # O_NONBLOCK: opening a FIFO planted under a dump's name must not hang the reader.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise DumpReadError(
            f"cannot open dump: {exc.strerror}; check the file and its permissions", path=where
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DumpReadError("not a regular file; a dump must be a plain file", path=where)
        _refuse_size(info.st_size, limits, where)
        # One byte past the size fstat gave shows a file that grew while it was read; the
        # cap holds whatever the file does.
        want = info.st_size + 1
        data = os.read(fd, want)
        while len(data) < want and (more := os.read(fd, want - len(data))):
            data += more
    except OSError as exc:
        raise DumpReadError(f"cannot read dump: {exc.strerror}", path=where) from None
    finally:
        os.close(fd)
    if len(data) > info.st_size:
        raise DumpReadError("the dump changed while it was read; run again", path=where)
    return data


def _refuse_size(size: int, limits: DumpLimits, where: str) -> None:
    if size > limits.max_bytes:
        raise DumpTooLargeError(
            f"dump is {size / 1048576:.1f} MiB, over the {limits.max_bytes / 1048576:.0f} MiB "
            f"limit; split it into smaller dumps, or raise ${MAX_MB_ENV} if you trust it",
            path=where,
        )


def split_lines(text: str) -> list[str]:
    """Lines without terminators; a final newline does not make an extra empty line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_dump(
    data: bytes,
    name: str,
    site: str,
    layout: str = "auto",
    rules: ChromeRules | None = None,
    *,
    limits: DumpLimits | None = None,
) -> ParseResult:
    """Parse a dump's bytes; every line is accounted as record, chrome, blank or unparsed."""
    limits = limits or dump_limits()
    _refuse_size(len(data), limits, name)
    decoded = decode_bytes(data, name)
    # Counted before splitting: the per-line objects, not the text, are what a flood of
    # short lines would blow up.
    n_lines = decoded.text.count("\n") + (not decoded.text.endswith("\n") and decoded.text != "")
    if n_lines > limits.max_lines:
        raise DumpTooLargeError(
            f"dump has {n_lines} lines, over the limit of {limits.max_lines}; split it into "
            f"smaller dumps, or raise ${MAX_LINES_ENV} if you trust it",
            path=name,
        )
    text_lines = split_lines(decoded.text)
    chrome = classify_chrome(text_lines, (rules or default_rules()).for_site(site))
    lines = Lines(name, text_lines, chrome)
    chosen = detect_layout(lines) if layout == "auto" else layout
    if chosen is not None and chosen not in LAYOUTS:
        raise ZsctlError(f"unknown layout {chosen!r}; known: {', '.join(LAYOUTS)}", path=name)
    result = ParseResult(
        dump=name,
        layout=chosen or UNKNOWN_LAYOUT,
        encoding=decoded.encoding,
        encoding_fallback=decoded.fallback,
        warnings=list(decoded.warnings),
    )
    claimed: set[int] = set()
    if chosen is not None:
        parsed = LAYOUTS[chosen].parse(lines)
        result.records, claimed = parsed.records, parsed.claimed
    result.lines = [_note(i, text_lines[i], chrome[i], i in claimed) for i in range(len(lines))]
    return result


def _note(i: int, text: str, rule: str | None, claimed: bool) -> LineNote:
    if claimed:
        return LineNote(i + 1, LineKind.RECORD)
    if rule is not None:
        return LineNote(i + 1, LineKind.CHROME, rule)
    if not text.strip():
        return LineNote(i + 1, LineKind.BLANK)
    return LineNote(i + 1, LineKind.UNPARSED, text=text)

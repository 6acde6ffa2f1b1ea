"""One dump from bytes to accounted records: decode, classify chrome, detect layout, parse."""

from __future__ import annotations

from zsctl.errors import DumpTooLargeError, ZsctlError
from zsctl.model import LineKind, LineNote, ParseResult
from zsctl.parse.decode import decode_bytes
from zsctl.parse.layouts.base import Lines
from zsctl.parse.layouts.registry import LAYOUTS, detect_layout
from zsctl.parse.rules import ChromeRules, classify_chrome, default_rules
from zsctl.seeds.dumps import MAX_LINES_ENV, DumpLimits, dump_limits, refuse_size

UNKNOWN_LAYOUT = "unknown"


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
    refuse_size(len(data), limits, name)
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

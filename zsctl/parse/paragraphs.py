"""Split a listing's one-line body back into the paragraphs the scraper joined with spaces."""

from __future__ import annotations

import re

# A run of spaces is a paragraph break when it follows the end of a sentence (maybe after
# closing quotes), or when it closes a short numbered heading that starts a segment
# ("一、国家级平台落地滨海新区 在…").
_ENDS = frozenset("。！？!?；;…")
_CLOSERS = frozenset("”\"’'）)】」")
_HEADING = r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、])"
_HEADING_START = re.compile(_HEADING)
_HEADING_SEGMENT = re.compile(_HEADING + r"[^。，,；;]*$")
_MAX_HEADING = 40
_SPACES = re.compile(r" +")
# Listing pages cut summaries with one of these; NFKC turns U+2026 into "..." anyway.
TRUNCATION_MARKERS: tuple[str, ...] = ("……", "…", "⋯⋯", "⋯", "...", "。。。")


def is_truncated(text: str) -> bool:
    """True if the text ends with a truncation marker such as '...' or '…'."""
    return text.rstrip().endswith(TRUNCATION_MARKERS)


def split_paragraphs(line: str) -> list[str]:
    """Split one scraped line at the spaces that stood for paragraph breaks (linear time)."""
    text = line.strip()
    if " " not in text:
        return [text] if text else []
    parts: list[str] = []
    start = 0
    for m in _SPACES.finditer(text):
        end = m.start()
        if _ends_sentence(text, start, end) or _closes_heading(text, start, end, m.end()):
            parts.append(text[start:end])
            start = m.end()
    parts.append(text[start:])
    return parts


def _ends_sentence(text: str, start: int, end: int) -> bool:
    i = end - 1
    while i > start and text[i] in _CLOSERS:
        i -= 1
    return text[i] in _ENDS


def _closes_heading(text: str, start: int, end: int, after: int) -> bool:
    # Positions, not slices, keep a 50 MB line linear. "(一)坚持质量第 一、效益优先" is one
    # heading the scraper broke: a space followed by another ordinal is not a break.
    return (
        end - start <= _MAX_HEADING
        and _HEADING_SEGMENT.match(text, start, end) is not None
        and _HEADING_START.match(text, after) is None
    )

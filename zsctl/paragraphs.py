"""Split a listing's one-line body back into the paragraphs the scraper joined with spaces."""

from __future__ import annotations

import re

# A space is a paragraph break when the text before it ends a sentence...
_SENTENCE_END = "。！？!?；;…"
_CLOSERS = "”\"’'）)】」"
# ...or when it closes a short numbered heading such as "一、国家级平台落地滨海新区".
_HEADING = re.compile(r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[.、])")
_MAX_HEADING = 40
_SPACES = re.compile(r" +")


def split_paragraphs(line: str) -> list[str]:
    """Split one scraped line at the spaces that stood for paragraph breaks."""
    text = line.strip()
    if not text:
        return []
    parts: list[str] = []
    start = 0
    for m in _SPACES.finditer(text):
        before, after = text[start : m.start()], text[m.end() :]
        if _ends_sentence(before) or _closes_heading(before, after):
            parts.append(before)
            start = m.end()
    parts.append(text[start:])
    return [p for p in parts if p]


def _ends_sentence(before: str) -> bool:
    tail = before.rstrip(_CLOSERS)
    return bool(tail) and tail[-1] in _SENTENCE_END


def _closes_heading(before: str, after: str) -> bool:
    # "(一)坚持质量第 一、效益优先" is one heading the scraper broke: the text after the
    # space starting with another ordinal means the space is not a break.
    return (
        bool(_HEADING.match(before))
        and len(before) <= _MAX_HEADING
        and not any(ch in before for ch in "。，,；;")
        and not _HEADING.match(after)
    )

"""Single article page: site header, title, `发布日期: … 来源: …`, paragraphs, then link lists."""

from __future__ import annotations

import re

from zsctl.parse.layouts.base import Lines, Parsed, make_record

_META = re.compile(
    r"发布(?:日期|时间)[:：]\s*(?P<date>\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)\s*(?:来源[:：]\s*(?P<source>.*))?"
)
_HEAD_WINDOW = 40


class ArticleLayout:
    """A page holding one article under a `发布日期` metadata line."""

    name = "article"

    def detect(self, lines: Lines) -> float:
        """Certain when a `发布日期` line appears near the top."""
        return 0.95 if _meta_index(lines) is not None else 0.0

    def parse(self, lines: Lines) -> Parsed:
        """One record: title above the metadata line, paragraphs until the footer chrome."""
        out = Parsed()
        meta_i = _meta_index(lines)
        if meta_i is None:
            return out
        m = _META.fullmatch(lines.content(meta_i) or "")
        assert m is not None  # _meta_index only returns matching lines
        title_i = _previous_content(lines, meta_i)
        body = _body(lines, meta_i + 1)
        first = title_i if title_i is not None else meta_i
        last = body[-1] if body else meta_i
        title = lines.text[title_i] if title_i is not None else ""
        source = (m.group("source") or "").strip() or None
        paragraphs = [lines.text[j].strip() for j in body]
        out.records.append(
            make_record(lines, self.name, title, m.group("date"), paragraphs, (first, last), source)
        )
        out.claimed.update({meta_i, *body, *([title_i] if title_i is not None else [])})
        return out


def _meta_index(lines: Lines) -> int | None:
    for i in range(min(len(lines), _HEAD_WINDOW)):
        text = lines.content(i)
        if text and _META.fullmatch(text):
            return i
    return None


def _previous_content(lines: Lines, i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        if lines.content(j) is not None:
            return j
    return None


def _body(lines: Lines, start: int) -> list[int]:
    """Content lines from start until the first chrome line after the body began."""
    body: list[int] = []
    for j in range(start, len(lines)):
        if lines.chrome[j] is not None:
            if body:
                break
            continue
        if lines.content(j) is not None:
            body.append(j)
    return body

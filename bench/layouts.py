"""A small, independent reader for the three dump layouts (dash, bullet, article page).

It is deliberately separate from zsctl's own parser: the generator uses it to mine the real
seeds (sentences, titles, verbatim chrome) and ``bench.verify`` uses it to check generated
dumps against the seeds. It only has to understand what ``bench.generate`` writes and the
five real seeds, not every dump in the wild.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TAG_RE = re.compile(r"^(【[^】]{1,20}】)(.*)$")
BULLET_FIRST = "• "
BULLET_LATER = "  • "
INDENT = "    "
# Line 6 of an article page: 发布日期: 2024-02-04 08:47 <NBSP x4> 来源: 区政务服务办
ARTICLE_DATE_RE = re.compile(r"^(发布日期: )(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})( \xa0+ 来源: )(.*)$")
ARTICLE_TITLE_LINE = 5  # 1-based
ARTICLE_BODY_START = 10  # 1-based line of the first paragraph


@dataclass(slots=True)
class ParsedRecord:
    """One record found in a dump; ``first_line`` is 1-based."""

    first_line: int
    tag: str | None
    title: str
    paragraphs: list[str]
    date: str
    time: str | None = None
    source: str | None = None


@dataclass(slots=True)
class ParsedDump:
    """A dump split into records plus the verbatim chrome around them."""

    layout: str
    records: list[ParsedRecord] = field(default_factory=list)
    header: list[str] = field(default_factory=list)  # article pages: lines 1-4 and 7-9
    footer: str = ""  # verbatim text after the last record line, including newlines
    skeleton: str = ""  # layout shape with contents replaced by placeholders


class LayoutError(ValueError):
    """The text does not follow the layout it claims."""


def decode(data: bytes) -> tuple[str, str]:
    """Decode dump bytes; returns (text with LF line ends, encoding label incl. '+crlf')."""
    if data.startswith(b"\xef\xbb\xbf"):
        text, enc = data[3:].decode("utf-8"), "utf-8-sig"
    elif data.startswith(b"\xff\xfe"):
        text, enc = data[2:].decode("utf-16-le"), "utf-16"
    else:
        try:
            text, enc = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, enc = data.decode("gb18030"), "gb18030"
    if "\r\n" in text:
        text, enc = text.replace("\r\n", "\n"), enc + "+crlf"
    return text, enc


def detect_layout(text: str) -> str:
    """Guess the layout from the first line, as the seeds allow."""
    first = text.split("\n", 1)[0]
    if first == "-":
        return "dash"
    if first.startswith(BULLET_FIRST):
        return "bullet"
    return "article"


def split_tag(title_line: str) -> tuple[str | None, str]:
    """Split a leading 【...】 tag off a title line."""
    m = TAG_RE.match(title_line)
    if m:
        return m.group(1), m.group(2)
    return None, title_line


def parse(text: str, layout: str | None = None) -> ParsedDump:
    """Parse LF-normalised dump text in the given (or detected) layout."""
    layout = layout or detect_layout(text)
    if layout == "dash":
        return _parse_dash(text)
    if layout == "bullet":
        return _parse_bullet(text)
    if layout == "article":
        return _parse_article(text)
    raise LayoutError(f"unknown layout {layout!r}")


def _footer_from(lines: list[str], i: int) -> str:
    return "\n".join(lines[i:])


def _parse_dash(text: str) -> ParsedDump:
    lines = text.split("\n")
    out = ParsedDump("dash")
    i = 0
    while i + 3 < len(lines) and lines[i] == "-" and DATE_RE.match(lines[i + 3]):
        title, body, date = lines[i + 1], lines[i + 2], lines[i + 3]
        if not title or not body or title == "-" or body == "-":
            raise LayoutError(f"line {i + 1}: empty title/body in dash block")
        tag, title = split_tag(title)
        out.records.append(ParsedRecord(i + 1, tag, title, [body], date))
        i += 4
    if not out.records:
        raise LayoutError("no dash records")
    out.footer = _footer_from(lines, i)
    out.skeleton = "<DASH-RECORD>+\n" + out.footer
    return out


def _parse_bullet(text: str) -> ParsedDump:
    lines = text.split("\n")
    out = ParsedDump("bullet")
    i = 0
    while i + 5 < len(lines):
        head = lines[i]
        prefix = BULLET_FIRST if i == 0 else BULLET_LATER
        if not head.startswith(prefix) or head.startswith(prefix + " "):
            break
        blank1, body, blank2, date, blank3 = lines[i + 1 : i + 6]
        if blank1 or blank2 or blank3:
            raise LayoutError(f"line {i + 1}: bullet block without blank separators")
        if not body.startswith(INDENT) or body[4:5] in ("", " "):
            raise LayoutError(f"line {i + 3}: bullet body not indented by 4 spaces")
        if not date.startswith(INDENT) or not DATE_RE.match(date[4:]):
            raise LayoutError(f"line {i + 5}: bullet date not '    YYYY-MM-DD'")
        tag, title = split_tag(head[len(prefix) :])
        out.records.append(ParsedRecord(i + 1, tag, title, [body[4:]], date[4:]))
        i += 6
    if not out.records:
        raise LayoutError("no bullet records")
    out.footer = _footer_from(lines, i)
    out.skeleton = "<BULLET-FIRST>\n<BULLET-RECORD>*\n" + out.footer
    return out


def _parse_article(text: str) -> ParsedDump:
    lines = text.split("\n")
    out = ParsedDump("article")
    if len(lines) < ARTICLE_BODY_START + 2:
        raise LayoutError("article page too short")
    m = ARTICLE_DATE_RE.match(lines[ARTICLE_TITLE_LINE])
    if not m:
        raise LayoutError("line 6: no 发布日期 line")
    title = lines[ARTICLE_TITLE_LINE - 1]
    paragraphs: list[str] = []
    i = ARTICLE_BODY_START - 1
    while i + 1 < len(lines) and lines[i].startswith(INDENT) and lines[i + 1] == "":
        paragraphs.append(lines[i][4:])
        i += 2
    if not paragraphs:
        raise LayoutError("article page without paragraphs")
    tag, title = split_tag(title)
    out.records.append(ParsedRecord(1, tag, title, paragraphs, m.group(2), m.group(3), m.group(5)))
    out.header = lines[: ARTICLE_TITLE_LINE - 1] + lines[ARTICLE_TITLE_LINE + 1 : 9]
    out.footer = _footer_from(lines, i)
    date_chrome = m.group(1) + "<DATE> <TIME>" + m.group(4) + "<SOURCE>"
    out.skeleton = "\n".join(
        [*lines[:4], "<TITLE>", date_chrome, *lines[6:9], "(    <PARAGRAPH>\n)+", out.footer]
    )
    return out

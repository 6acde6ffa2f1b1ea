"""Single article page: site header, title, a metadata line (`发布时间：… 来源：…`), paragraphs,
then footer chrome."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsctl.parse.layouts.base import Lines, Parsed, is_prose, make_record

# The fields a portal prints on its metadata line, in any order. Longer keys first where
# one ends another (发布时间 before 时间), so each field is read whole.
_KEY = re.compile(
    r"(发布时间|发布日期|发表时间|信息来源|文章来源|来源|作者|浏览次数|阅读次数|阅读量|浏览量"
    r"|点击数|点击量|点击|访问量|责任编辑|编辑|字体|字号|时间|日期)\s*[:：]"
)
_DATE_KEYS = frozenset({"发布时间", "发布日期", "发表时间", "时间", "日期"})
# A bare 时间/日期 line ("日期：2024-07-01" over a listing, "时间：… 地点：…" in a notice) is
# a metadata line only with another field beside it.
_BARE_DATE_KEYS = frozenset({"时间", "日期"})
_SOURCE_KEYS = frozenset({"来源", "信息来源", "文章来源"})
_DATE = re.compile(r"\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?")
_OPENERS = "【[（( "
_NOT_META = re.compile(r"[。！？]")
_HEAD_WINDOW = 40
# Detection score with several metadata lines in the head: under a complete listing's 0.9.
_SEVERAL_META = 0.85


@dataclass(frozen=True, slots=True)
class Meta:
    """What an article's metadata line says: when it was published and where it came from."""

    date: str
    source: str | None


def parse_meta(text: str) -> Meta | None:
    """Read a metadata line: `key：value` fields only, one of them a publish date."""
    stripped = text.strip().lstrip(_OPENERS)
    if _NOT_META.search(stripped):
        return None  # a sentence, not a line of fields
    keys = list(_KEY.finditer(stripped))
    if not keys or keys[0].start() != 0:
        return None
    date: str | None = None
    source: str | None = None
    for n, key in enumerate(keys):
        end = keys[n + 1].start() if n + 1 < len(keys) else len(stripped)
        value = stripped[key.end() : end].strip()
        if key.group(1) in _DATE_KEYS and date is None:
            m = _DATE.match(value)
            date = m.group().replace("：", ":") if m else None
        elif key.group(1) in _SOURCE_KEYS and source is None:
            source = value.rstrip("】]）)").strip() or None
    if len(keys) == 1 and keys[0].group(1) in _BARE_DATE_KEYS:
        return None
    return Meta(date, source) if date else None


class ArticleLayout:
    """A page holding one article under a metadata line with its publish date."""

    name = "article"

    def detect(self, lines: Lines) -> float:
        """Certain when one metadata line with a publish date appears near the top; less so
        with several (a listing whose items carry them wins when its blocks are complete)."""
        head = range(min(len(lines), _HEAD_WINDOW))
        found = sum(1 for i in head if parse_meta(lines.text[i]) is not None)
        return 0.0 if not found else 0.95 if found == 1 else _SEVERAL_META

    def parse(self, lines: Lines) -> Parsed:
        """One record: title above the metadata line, paragraphs until the footer chrome."""
        out = Parsed()
        meta_i = _meta_index(lines)
        if meta_i is None:
            return out
        meta = parse_meta(lines.text[meta_i])
        assert meta is not None  # _meta_index only returns metadata lines
        title_i = _previous_content(lines, meta_i)
        body = _body(lines, meta_i + 1)
        first = title_i if title_i is not None else meta_i
        last = body[-1] if body else meta_i
        title = lines.text[title_i] if title_i is not None else ""
        paragraphs = [lines.text[j].strip() for j in body]
        out.records.append(
            make_record(lines, self.name, title, meta.date, paragraphs, (first, last), meta.source)
        )
        out.claimed.update({meta_i, *body, *([title_i] if title_i is not None else [])})
        return out


def _meta_index(lines: Lines) -> int | None:
    # The raw text, not content(): a metadata line is also what the common meta-line chrome
    # rule claims elsewhere (a second metadata line, a listing's source line).
    for i in range(min(len(lines), _HEAD_WINDOW)):
        if parse_meta(lines.text[i]) is not None:
            return i
    return None


def _previous_content(lines: Lines, i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        if lines.content(j) is not None:
            return j
    return None


def _body(lines: Lines, start: int) -> list[int]:
    """Content lines from start to the footer.

    Chrome before the first paragraph (font size, share buttons) is skipped. A chrome line
    after it (an editor line, 分享到：) is inside the body when prose follows it, and the
    start of the footer otherwise; the footer's own lines (links, site name) are not prose.
    """
    body: list[int] = []
    j = start
    while j < len(lines):
        if lines.chrome[j] is None:
            if lines.content(j) is not None:
                body.append(j)
            j += 1
            continue
        if not body:
            j += 1
            continue
        after = lines.next_content(j)
        text = lines.content(after) if after is not None else None
        if after is None or text is None or not is_prose(text):
            break
        j = after  # one scan per run of chrome lines keeps this linear
    return body

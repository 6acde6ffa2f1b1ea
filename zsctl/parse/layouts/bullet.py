"""Bullet listing: `• 【X招商】title`, blank, indented body, blank, indented date."""

from __future__ import annotations

import re

from zsctl.parse.layouts.base import DATE_LINE, Lines, Parsed, date_follows, make_record
from zsctl.parse.paragraphs import split_paragraphs

_BULLET = re.compile(r"[•·]\s*(\S.*)")


class BulletLayout:
    """Listing pages whose items start with a `•` title line."""

    name = "bullet"

    def detect(self, lines: Lines) -> float:
        """Share of bullet lines that are followed by a body and a date."""
        opens = [i for i in range(len(lines)) if _title(lines, i) is not None]
        if not opens:
            return 0.0
        complete = sum(1 for i in opens if _item(lines, i)[1] is not None)
        return 0.9 * complete / len(opens)

    def parse(self, lines: Lines) -> Parsed:
        """Parse every bullet item; a missing body or date is still a record."""
        out = Parsed()
        i = 0
        while i < len(lines):
            title = _title(lines, i)
            if title is None:
                i += 1
                continue
            body, date_i = _item(lines, i)
            paragraphs = [p for j in body for p in split_paragraphs(lines.text[j])]
            date = lines.content(date_i) if date_i is not None else None
            last = max([i, date_i or 0, *body])
            out.records.append(make_record(lines, self.name, title, date, paragraphs, (i, last)))
            out.claimed.update({i, *body, *([date_i] if date_i is not None else [])})
            i = last + 1
        return out


def _title(lines: Lines, i: int) -> str | None:
    text = lines.content(i)
    m = _BULLET.fullmatch(text) if text else None
    return m.group(1) if m else None


def _item(lines: Lines, start: int) -> tuple[list[int], int | None]:
    """Body line indices after the bullet at start, and the date line index if found."""
    body: list[int] = []
    for j in range(start + 1, len(lines)):
        if _title(lines, j) is not None:
            break
        if lines.chrome[j] is not None:
            if date_follows(lines, j, lambda k: _title(lines, k) is not None):
                continue  # an editor or source line between body and date: inside the item
            break
        text = lines.content(j)
        if text is None:
            continue
        if DATE_LINE.fullmatch(text):
            return body, j
        body.append(j)
    return body, None

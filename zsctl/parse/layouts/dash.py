"""Dash listing: `-` / title / body / `YYYY-MM-DD` blocks, then a footer."""

from __future__ import annotations

from zsctl.parse.layouts.base import DATE_LINE, Lines, Parsed, date_follows, make_record
from zsctl.parse.paragraphs import split_paragraphs


class DashLayout:
    """Listing pages whose items start with a line holding a single `-`."""

    name = "dash"

    def detect(self, lines: Lines) -> float:
        """Share of `-` lines that open a title/body/date block."""
        opens = [i for i in range(len(lines)) if lines.content(i) == "-"]
        if not opens:
            return 0.0
        complete = sum(1 for i in opens if _block_end(lines, i)[1] is not None)
        return 0.9 * complete / len(opens)

    def parse(self, lines: Lines) -> Parsed:
        """Parse every `-` block; a block without title, body or date is still a record."""
        out = Parsed()
        i = 0
        while i < len(lines):
            if lines.content(i) != "-":
                i += 1
                continue
            title_i = lines.next_content(i + 1)
            if title_i is None or _is_boundary(lines, title_i):
                i += 1
                continue
            end, date_i = _block_end(lines, i)
            body = [j for j in range(title_i + 1, end + 1) if j != date_i and lines.content(j)]
            paragraphs = [p for j in body for p in split_paragraphs(lines.text[j])]
            date = lines.content(date_i) if date_i is not None else None
            last = max([title_i, date_i or 0, *body])
            out.records.append(
                make_record(lines, self.name, lines.text[title_i], date, paragraphs, (i, last))
            )
            out.claimed.update({i, title_i, *body, *([date_i] if date_i is not None else [])})
            i = last + 1
        return out


def _is_boundary(lines: Lines, i: int) -> bool:
    text = lines.content(i)
    return text == "-" or (text is not None and DATE_LINE.fullmatch(text) is not None)


def _block_end(lines: Lines, start: int) -> tuple[int, int | None]:
    """Last body-or-date line index of the block opened at start, and the date line if any."""
    i = lines.next_content(start + 1)  # title
    if i is None:
        return start, None
    last = i
    j = i + 1
    while j < len(lines):
        text = lines.content(j)
        if lines.chrome[j] is not None:
            if date_follows(lines, j, lambda k: lines.content(k) == "-"):
                j += 1  # an editor or source line between body and date: inside the item
                continue
            break  # footer chrome ends the block
        if text is None:
            j += 1
            continue
        if text == "-":
            break
        if DATE_LINE.fullmatch(text):
            return j, j
        last = j
        j += 1
    return last, None

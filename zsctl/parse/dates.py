"""Date parsing: --since/--until/--date bounds typed by users, and publish dates found in dumps.

Stored dates are ISO 8601 strings: 'YYYY-MM-DD', or 'YYYY-MM-DDTHH:MM[:SS]' when the dump gave
a time. Bounds are plain 'YYYY-MM-DD' days, both inclusive. Compare on the first 10 characters
(`published[:10]`, or `substr(published, 1, 10)` in SQLite): a stored '2025-07-31T23:59' is then
inside the upper bound '2025-07-31', where a plain string comparison would put it outside.
`published < upper + '~'` is equivalent ('~' sorts after 'T' and digits) and keeps an index
on the date column usable.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata

from zsctl.errors import UsageError

ACCEPTED_FORMS = (
    "2025, 2025-07, 2025/7, 2025.7, 2025年7月, "
    "2025-07-18, 2025/7/18, 2025.7.18, 2025年7月18日, 20250718"
)

# Y, Y-M or Y-M-D with one separator used throughout ('2025-7/18' is refused).
_SEPARATED = re.compile(r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?)?")
_CHINESE = re.compile(r"(?P<y>\d{4})年(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号]?)?)?")
_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")

# A publish date as dumps write it, optionally followed by a time ('2024/2/4 8:48:11').
_DAY = (
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|年(?P<cm>\d{1,2})月(?P<cd>\d{1,2})[日号]?)"
)
# The time follows after 'T' or whitespace, or directly after 日 ('2024年2月4日08:47').
_TIME = r"(?:(?:T|\s+|(?<=[日号]))(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
_PUBLISHED = re.compile(_DAY + _TIME)
# Labels some sites print before the date ('发布日期: 2024-02-04 08:47').
_LABEL = re.compile(r"^(?:发布日期|发布时间|发表时间|日期|时间)\s*[:：]\s*")


def parse_date_bound(text: str) -> tuple[str, str]:
    """Inclusive (first, last) ISO day covered by a year, month or day typed by the user."""
    cleaned = unicodedata.normalize("NFKC", text).strip()  # full-width digits -> ASCII
    for pattern in (_COMPACT, _SEPARATED, _CHINESE):
        match = pattern.fullmatch(cleaned)
        if match:
            return _range(text, match.group("y"), match.group("m"), match.group("d"))
    raise UsageError(f"cannot read date {text!r}; accepted forms: {ACCEPTED_FORMS}")


def _range(text: str, year: str, month: str | None, day: str | None) -> tuple[str, str]:
    """The day range for a validated year / year-month / year-month-day."""
    y = int(year)
    if y < 1:
        raise UsageError(f"invalid date {text!r}: year must be 0001 or later")
    if month is None:
        return f"{y:04d}-01-01", f"{y:04d}-12-31"
    m = int(month)
    if not 1 <= m <= 12:
        raise UsageError(f"invalid date {text!r}: month {m} is not 1-12")
    if day is None:
        last = calendar.monthrange(y, m)[1]
        return f"{y:04d}-{m:02d}-01", f"{y:04d}-{m:02d}-{last:02d}"
    the_day = _real_day(text, y, m, int(day))
    return the_day, the_day


def _real_day(text: str, year: int, month: int, day: int) -> str:
    """ISO day, or UsageError naming the problem (2025-02-30, 2023-02-29)."""
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        last = calendar.monthrange(year, month)[1]
        raise UsageError(
            f"invalid date {text!r}: {year:04d}-{month:02d} has {last} days, not {day}"
        ) from None


def since_until(
    since: str | None, until: str | None, date: str | None
) -> tuple[str | None, str | None]:
    """Combine --since/--until/--date into inclusive (lower, upper) ISO days; None = open end.

    --since 2025-07 starts at the first day of July; --until 2025-07 ends at its last day;
    --date 2025-07 is both. Compare stored dates on their first 10 characters (module doc).
    """
    if date is not None and (since is not None or until is not None):
        raise UsageError("--date cannot be combined with --since or --until")
    if date is not None:
        return parse_date_bound(date)
    lower = parse_date_bound(since)[0] if since is not None else None
    upper = parse_date_bound(until)[1] if until is not None else None
    if lower is not None and upper is not None and lower > upper:
        raise UsageError(f"--since {since} is after --until {until}")
    return lower, upper


def normalize_published(text: str) -> str | None:
    """ISO 8601 form of a dump's publish date ('2024/2/4 8:48:11' -> '2024-02-04T08:48:11').

    Returns None when `text` is not exactly one real date (optionally with a time and a
    发布日期: style label), so callers can treat the line as something else.
    """
    cleaned = _LABEL.sub("", unicodedata.normalize("NFKC", text).strip(), count=1)
    match = _PUBLISHED.fullmatch(cleaned)
    if match is None:
        return None
    month, day = match.group("m") or match.group("cm"), match.group("d") or match.group("cd")
    try:
        stamp = datetime.datetime(int(match.group("y")), int(month), int(day))
        if match.group("H") is None:
            return stamp.date().isoformat()
        seconds = match.group("S")
        stamp = stamp.replace(
            hour=int(match.group("H")), minute=int(match.group("M")), second=int(seconds or 0)
        )
    except ValueError:
        return None
    return stamp.isoformat(timespec="seconds" if seconds is not None else "minutes")

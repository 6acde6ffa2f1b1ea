"""Tests for date bounds typed by users and publish dates found in dumps."""

from __future__ import annotations

import pytest

from zsctl.errors import UsageError
from zsctl.parse.dates import normalize_published, parse_date_bound, since_until


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", ("2025-01-01", "2025-12-31")),
        ("2025年", ("2025-01-01", "2025-12-31")),
        ("2025-07", ("2025-07-01", "2025-07-31")),
        ("2025-7", ("2025-07-01", "2025-07-31")),
        ("2025/7", ("2025-07-01", "2025-07-31")),
        ("2025.7", ("2025-07-01", "2025-07-31")),
        ("2025年7月", ("2025-07-01", "2025-07-31")),
        ("2025-06", ("2025-06-01", "2025-06-30")),
        ("2025-12", ("2025-12-01", "2025-12-31")),
        ("2025-07-18", ("2025-07-18", "2025-07-18")),
        ("2025/7/18", ("2025-07-18", "2025-07-18")),
        ("2025.7.18", ("2025-07-18", "2025-07-18")),
        ("2025年7月18日", ("2025-07-18", "2025-07-18")),
        ("2025年7月18", ("2025-07-18", "2025-07-18")),
        ("20250718", ("2025-07-18", "2025-07-18")),
        (" 2025-07-18 ", ("2025-07-18", "2025-07-18")),
        ("２０２５年７月", ("2025-07-01", "2025-07-31")),  # full-width digits
    ],
)
def test_parse_date_bound_forms(text: str, expected: tuple[str, str]) -> None:
    assert parse_date_bound(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02", ("2024-02-01", "2024-02-29")),  # leap year
        ("2023-02", ("2023-02-01", "2023-02-28")),
        ("2000-02", ("2000-02-01", "2000-02-29")),  # divisible by 400: leap
        ("1900-02", ("1900-02-01", "1900-02-28")),  # divisible by 100: not leap
        ("2024-02-29", ("2024-02-29", "2024-02-29")),
        ("2024-12-31", ("2024-12-31", "2024-12-31")),
        ("2025-01-01", ("2025-01-01", "2025-01-01")),
        ("2025-04-30", ("2025-04-30", "2025-04-30")),
    ],
)
def test_parse_date_bound_leap_years_and_month_ends(text: str, expected: tuple[str, str]) -> None:
    assert parse_date_bound(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-02-30", "2025-02 has 28 days, not 30"),
        ("2023-02-29", "2023-02 has 28 days, not 29"),
        ("2025-04-31", "2025-04 has 30 days, not 31"),
        ("2025-07-00", "has 31 days, not 0"),
        ("2025-13", "month 13 is not 1-12"),
        ("2025-00", "month 0 is not 1-12"),
        ("20251301", "month 13 is not 1-12"),
        ("0000", "year must be 0001 or later"),
    ],
)
def test_parse_date_bound_rejects_impossible_dates(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        parse_date_bound(text)
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "25-07-18",
        "202507",
        "2025-7/18",
        "2025-07-18T10:00",
        "July 2025",
        "2025年7",
    ],
)
def test_parse_date_bound_unreadable_lists_accepted_forms(text: str) -> None:
    with pytest.raises(UsageError, match=r"accepted forms: 2025, 2025-07.*20250718"):
        parse_date_bound(text)


def test_since_until_combinations() -> None:
    assert since_until(None, None, None) == (None, None)
    assert since_until("2025-07", None, None) == ("2025-07-01", None)
    assert since_until(None, "2025-07", None) == (None, "2025-07-31")
    assert since_until("2025", "2025", None) == ("2025-01-01", "2025-12-31")
    assert since_until("2025-07-18", "2025-07-18", None) == ("2025-07-18", "2025-07-18")
    assert since_until(None, None, "2024年2月") == ("2024-02-01", "2024-02-29")


@pytest.mark.parametrize(("since", "until"), [("2025-07", None), (None, "2025"), ("2025", "2025")])
def test_date_conflicts_with_since_until(since: str | None, until: str | None) -> None:
    with pytest.raises(UsageError, match="--date cannot be combined"):
        since_until(since, until, "2025-07")


def test_since_after_until_is_an_error() -> None:
    with pytest.raises(UsageError, match="--since 2025-08 is after --until 2025-07"):
        since_until("2025-08", "2025-07", None)


def test_since_until_propagates_bad_dates() -> None:
    with pytest.raises(UsageError, match="2025-02 has 28 days"):
        since_until("2025-02-30", None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-07-18", "2025-07-18"),
        ("2024-02-04 08:47", "2024-02-04T08:47"),
        ("2024年2月4日", "2024-02-04"),
        ("2024/2/4 8:48:11", "2024-02-04T08:48:11"),
        ("2024/2/4", "2024-02-04"),
        ("2024.2.4", "2024-02-04"),
        ("2024-02-04T08:47", "2024-02-04T08:47"),
        ("2024-02-04T08:47:05", "2024-02-04T08:47:05"),
        ("2024年2月4日 08:47", "2024-02-04T08:47"),
        ("2024年2月4日08:47", "2024-02-04T08:47"),
        ("  2025-07-08  ", "2025-07-08"),
        ("发布日期: 2024-02-04 08:47", "2024-02-04T08:47"),  # as printed on seed 004
        ("发布时间：2024-02-04", "2024-02-04"),
        ("2024-02-29", "2024-02-29"),
        ("2024-02-04 00:00", "2024-02-04T00:00"),
        ("2024-02-04 23:59:59", "2024-02-04T23:59:59"),
    ],
)
def test_normalize_published(text: str, expected: str) -> None:
    assert normalize_published(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "滨海新区",
        "2025",
        "2024-02",  # a month is not a publish date
        "2023-02-29",  # not a leap year
        "2024-02-30",
        "2024-13-01",
        "2024-02-04 24:00",
        "2024-02-04 08:60",
        "2024-02-04 08:47:60",
        "2024-02-0408:47",  # no separator before the time
        "2024-02/04",  # mixed separators
        "2024-02-04 来源: 区政务服务办",  # trailing text: the caller must split it off
        "发布日期:",
    ],
)
def test_normalize_published_rejects_non_dates(text: str) -> None:
    assert normalize_published(text) is None

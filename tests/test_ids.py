"""Article ids (schema 2): never readable as a number, a date or a boolean by any tool.

The ids are the schema-1 hex ids spelt in 16 consonants, in the same order: as stable, as
short, prefix-addressable, and without one digit or vowel, so no reader can take one for a
number (273504516e98 was read as 2.7e106), a date, NaN, inf or true.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zsctl import ids
from zsctl.dedup.articles import _unique_id

ID_FORM = re.compile(r"^[bcdfghjkmnpqrstv]{12}([bcdfghjkmnpqrstv]{2})*$")


def digit_only_identities(count: int) -> list[str]:
    """Identities whose schema-1 id (12 hex digits of their SHA-1) was all digits."""
    found, i = [], 0
    while len(found) < count:
        identity = f"标题{i}\x00正文{i}"
        if hashlib.sha1(identity.encode()).hexdigest()[:12].isdigit():
            found.append(identity)
        i += 1
    return found


@given(st.text(max_size=200))
def test_every_id_is_twelve_consonants(identity: str) -> None:
    assert ID_FORM.match(_unique_id(identity, set()))


@given(st.text(max_size=50), st.text(max_size=50))
def test_ids_keep_the_hex_order(a: str, b: str) -> None:
    """Export order (date, then id) is the same in both schemas."""
    old_a, old_b = (hashlib.sha1(x.encode()).hexdigest()[:12] for x in (a, b))
    new_a, new_b = _unique_id(a, set()), _unique_id(b, set())
    assert (old_a < old_b) == (new_a < new_b)
    assert ids.from_hex(old_a) == new_a


def test_a_collision_lengthens_the_id_deterministically() -> None:
    used: set[str] = set()
    first = _unique_id("同一", used)
    second = _unique_id("同一", used)
    assert len(first) == 12 and len(second) == 14 and second.startswith(first)


@pytest.mark.parametrize(
    ("text", "legacy"),
    [
        ("a9ed684d28b2", "pntsjmgsdmqd"),
        ("6913", "jncf"),
        ("A9ED", "pnts"),
        ("pnts", None),
        ("", None),
    ],
)
def test_schema_1_ids_and_prefixes_translate(text: str, legacy: str | None) -> None:
    assert ids.legacy(text) == legacy


def test_a_csv_of_formerly_digit_only_ids_reads_as_text_everywhere(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    made = [_unique_id(identity, set()) for identity in digit_only_identities(20)]
    path = tmp_path / "ids.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["id"], *([i] for i in made)])
    assert list(pd.read_csv(path)["id"]) == made
    rel = duckdb.sql(f"SELECT id FROM read_csv_auto('{path}')")
    assert [str(t) for t in rel.types] == ["VARCHAR"]
    assert [row[0] for row in rel.fetchall()] == made
    assert pl.read_csv(path).get_column("id").to_list() == made

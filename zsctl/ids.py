"""How article ids are spelt: hex digits written as 16 consonants (export schema 2).

Schema 1 ids were 12 hex digits, and 0.7% of them were all digits or digits-e-digits, which
pandas, DuckDB, Polars and spreadsheets read as numbers (273504516e98 became 2.7e106). The
same 48 bits spelt in consonants can never be a number, a date, NaN, inf or a boolean: there
is no digit and no vowel. The consonants ascend as the hex digits do, so ids sort as before
and a schema-1 id or prefix translates one character for one (`legacy`).
"""

from __future__ import annotations

HEX = "0123456789abcdef"
ALPHABET = "bcdfghjkmnpqrstv"  # no vowel (no word, no 'nan'/'inf'), no l (looks like 1)
_FROM_HEX = str.maketrans(HEX, ALPHABET)
_HEX_CHARS = frozenset(HEX)


def from_hex(digits: str) -> str:
    """Hex digits spelt as an id."""
    return digits.translate(_FROM_HEX)


def legacy(text: str) -> str | None:
    """The schema-2 spelling of a schema-1 hex id or prefix; None if `text` is not hex."""
    lowered = text.strip().lower()
    if not lowered or not set(lowered) <= _HEX_CHARS:
        return None
    return from_hex(lowered)

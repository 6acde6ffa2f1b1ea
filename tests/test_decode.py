"""Decoding: BOMs, strict UTF-8, legacy Chinese encodings, damage, and text normalisation."""

from __future__ import annotations

import codecs

import pytest

from tests.conftest import FIXTURES, records_as_json
from zsctl.errors import DecodeError
from zsctl.parse.decode import decode_bytes, normalise_text
from zsctl.parse.dump import parse_dump

TEXT = "天津市滨海新区招商引资\n发布日期: 2024-02-04\n"


@pytest.mark.parametrize(
    ("data", "encoding", "guessed"),
    [
        (TEXT.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", False),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le", False),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be", False),
        ((TEXT * 20).encode("gb18030"), "gb18030", True),
        ((TEXT * 20).encode("utf-16-le"), "utf-16-le", True),
    ],
)
def test_encodings(data: bytes, encoding: str, guessed: bool) -> None:
    decoded = decode_bytes(data)
    assert decoded.encoding == encoding
    assert decoded.fallback is guessed
    assert decoded.text.startswith("天津市滨海新区招商引资\n")


def test_gbk_guess_is_read_as_gb18030() -> None:
    # 𠮷 exists only in GB18030's four-byte range, which GBK cannot decode.
    text = ("天津市招商引资工作会议在滨海新区召开𠮷" * 30).encode("gb18030")
    assert decode_bytes(text).encoding == "gb18030"


def test_normalisation() -> None:
    text, dropped = normalise_text("a\r\nb\rc\u00a0d\u3000e\x1b[31mf\x85g\th\ufeff")
    assert text == "a\nb\nc d e[31mfg\th"
    assert dropped == 3


def test_truncated_mid_character_keeps_prefix_and_says_where() -> None:
    data = "天津招商".encode()[:-1]  # the last character loses its final byte
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text == "天津招"
    assert "truncated mid-character at byte 9" in decoded.warnings[0]


def test_few_damaged_bytes_are_replaced_and_located() -> None:
    data = ("天津" * 3000).encode() + b"\xff" + ("招商" * 10).encode()
    decoded = decode_bytes(data, "x.txt")
    assert decoded.text.count("\ufffd") == 1
    assert "byte 18000" in decoded.warnings[0]


@pytest.mark.parametrize("data", [b"\x00\x01binary\x00" * 50, bytes(range(256)) * 20])
def test_binary_is_refused_with_offset(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode_bytes(data, "junk.txt")
    assert info.value.path == "junk.txt"
    assert "byte" in info.value.message or "offset" in info.value.message


# Committed fixtures: each layout fixture re-encoded (see tests/fixtures/encodings/).
ENCODED = ("gb18030", "utf-8-bom", "utf-16-bom", "crlf")
SITES = {"dash": "chanyeyuanqu", "bullet": "chanyeyuanqu", "article": "binhai-zwfw"}


@pytest.mark.parametrize("variant", sorted(ENCODED))
@pytest.mark.parametrize("layout", sorted(SITES))
def test_encoded_fixtures_parse_like_originals(layout: str, variant: str) -> None:
    original = FIXTURES / "layouts" / f"{layout}.txt"
    encoded = FIXTURES / "encodings" / f"{layout}.{variant}.txt"
    expected = parse_dump(original.read_bytes(), "x.txt", SITES[layout])
    got = parse_dump(encoded.read_bytes(), "x.txt", SITES[layout])
    assert records_as_json(got) == records_as_json(expected)
    assert got.unparsed() == []

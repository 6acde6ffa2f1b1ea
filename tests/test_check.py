"""Every problem `check` reports, each made to happen, plus its exit codes and formats."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from zsctl.cli.app import build_app
from zsctl.errors import ManifestError
from zsctl.seeds.check import check_seeds

HEADER = "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n"


def _row(
    name: str,
    data: bytes,
    site: str = "chanyeyuanqu",
    layout: str = "auto",
    sha: str | None = None,
    fetched: str = "-",
) -> str:
    digest = sha or hashlib.sha256(data).hexdigest()
    return f"| {name} | {site} | {layout} | {fetched} | {digest} | test |\n"


def _seeds(tmp_path: Path, dumps: dict[str, bytes], rows: str | None = None) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, data in dumps.items():
        (seeds / name).write_bytes(data)
    body = rows if rows is not None else "".join(_row(n, d) for n, d in dumps.items())
    (seeds / "INDEX.md").write_text("# test\n\n" + HEADER + body, encoding="utf-8")
    return seeds


def _codes(seeds: Path) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in check_seeds(seeds).problems()]


DASH = (FIXTURES / "layouts" / "dash.txt").read_bytes()


def test_clean_fixture_has_no_problems(tmp_path: Path) -> None:
    assert _codes(_seeds(tmp_path, {"001_a.txt": DASH})) == []


def test_unparsed_line_reported_with_number(tmp_path: Path) -> None:
    broken = DASH.replace(b"- \xe8\x81\x94\xe7\xb3\xbb\xe6\x88\x91\xe4\xbb\xac", b"stray junk line")
    seeds = _seeds(tmp_path, {"001_a.txt": broken})
    problems = check_seeds(seeds).problems()
    assert [(p.code, p.line) for p in problems] == [("unparsed-line", 15)]
    assert "stray junk line" in problems[0].message


def test_record_missing_date(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {"001_a.txt": DASH.replace(b"2025-07-02\n", b"")})
    assert _codes(seeds) == [("record-incomplete", 5)]


def test_record_missing_body(tmp_path: Path) -> None:
    data = b"-\n\xe6\xa0\x87\xe9\xa2\x98\n2025-07-01\n"  # "-", title, date: no body
    assert _codes(_seeds(tmp_path, {"001_a.txt": data})) == [("record-incomplete", 1)]


def test_sha256_mismatch(tmp_path: Path) -> None:
    rows = _row("001_a.txt", DASH, sha="0" * 64)
    assert _codes(_seeds(tmp_path, {"001_a.txt": DASH}, rows)) == [("sha256-mismatch", None)]


def test_empty_dump(tmp_path: Path) -> None:
    assert _codes(_seeds(tmp_path, {"001_a.txt": b""})) == [("layout-unknown", None)]


def test_only_chrome_dump(tmp_path: Path) -> None:
    chrome = "有想补充的信息?点我投稿\n\n- 联系我们\n- 企业入驻\n".encode()
    assert _codes(_seeds(tmp_path, {"001_a.txt": chrome})) == [("layout-unknown", None)]


def test_binary_dump_is_a_decode_error(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {"001_a.txt": b"\x00\x01\x02binary" * 10})
    problems = check_seeds(seeds).problems()
    assert [p.code for p in problems] == ["decode-error"]
    assert "NUL byte at offset 0" in problems[0].message


def test_guessed_encoding_is_a_warning_not_an_error(tmp_path: Path) -> None:
    gb = DASH.decode().encode("gb18030")
    report = check_seeds(_seeds(tmp_path, {"001_a.txt": gb}))
    assert [(p.code, p.severity) for p in report.problems()] == [("decode-warning", "warning")]
    assert report.ok()


def test_listed_but_missing_and_unlisted(tmp_path: Path) -> None:
    rows = _row("001_a.txt", DASH) + _row("002_gone.txt", DASH)
    seeds = _seeds(tmp_path, {"001_a.txt": DASH}, rows)
    (seeds / "003_extra.txt").write_bytes(DASH)
    assert sorted(_codes(seeds), key=str) == [("missing-file", 6), ("unlisted-file", None)]


def test_duplicate_row(tmp_path: Path) -> None:
    rows = _row("001_a.txt", DASH) * 2
    assert _codes(_seeds(tmp_path, {"001_a.txt": DASH}, rows)) == [("manifest-duplicate", 6)]


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("| 001_a.txt | chanyeyuanqu | auto | - | {sha} |\n", "manifest-row"),
        ("| ../001_a.txt | chanyeyuanqu | auto | - | {sha} | x |\n", "manifest-path"),
        ("| /etc/passwd.txt | chanyeyuanqu | auto | - | {sha} | x |\n", "manifest-path"),
        ("| 001_a.txt | chanyeyuanqu | table | - | {sha} | x |\n", "manifest-layout"),
        ("| 001_a.txt | chanyeyuanqu | auto | 18/7/2025 | {sha} | x |\n", "manifest-date"),
        ("| 001_a.txt | chanyeyuanqu | auto | 2025-13-45 | {sha} | x |\n", "manifest-date"),
        ("| 001_a.txt | chanyeyuanqu | auto | 2025-02-29 | {sha} | x |\n", "manifest-date"),
        ("| 001_a.txt | Jinnan_Gov | auto | - | {sha} | x |\n", "manifest-site"),
        ("| 001_a.txt | 津南 | auto | - | {sha} | x |\n", "manifest-site"),
        ("| 001_a.txt | chanyeyuanqu | auto | - | abc | x |\n", "manifest-sha256"),
    ],
)
def test_malformed_rows_name_their_line(tmp_path: Path, row: str, code: str) -> None:
    rows = row.format(sha=hashlib.sha256(DASH).hexdigest())
    found = _codes(_seeds(tmp_path, {"001_a.txt": DASH}, rows))
    assert (code, 5) in found


def test_symlink_escaping_seeds_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(DASH)
    seeds = _seeds(tmp_path, {})
    (seeds / "001_a.txt").symlink_to(outside)
    (seeds / "INDEX.md").write_text(HEADER + _row("001_a.txt", DASH), encoding="utf-8")
    assert _codes(seeds) == [("manifest-path", 3)]


def test_bad_header_is_fatal_with_line(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {}, rows="")
    (seeds / "INDEX.md").write_text("| name | sha |\n|---|---|\n", encoding="utf-8")
    with pytest.raises(ManifestError) as info:
        check_seeds(seeds)
    assert info.value.line == 1


runner = CliRunner()
app = build_app()


def test_cli_exit_codes_and_github_format(tmp_path: Path) -> None:
    clean = _seeds(tmp_path, {"001_a.txt": DASH})
    assert runner.invoke(app, ["check", "--seeds", str(clean)]).exit_code == 0
    rows = _row("001_a.txt", DASH, sha="0" * 64)
    (clean / "INDEX.md").write_text(HEADER + rows, encoding="utf-8")
    result = runner.invoke(app, ["check", "--seeds", str(clean), "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"::error file={clean}/001_a.txt,title=sha256-mismatch::")
    assert runner.invoke(app, ["check", "--format", "xml"]).exit_code == 2


def test_cli_json_format(tmp_path: Path) -> None:
    seeds = _seeds(tmp_path, {"001_a.txt": DASH})
    result = runner.invoke(app, ["check", "--seeds", str(seeds), "--format", "json"])
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["dumps"][0]["records"] == 3
    assert data["dumps"][0]["layout"] == "dash"


def test_cli_missing_manifest_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--seeds", str(tmp_path)])
    assert result.exit_code == 1
    assert "no INDEX.md" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("fmt", ["json", "github"])
def test_a_check_that_cannot_start_still_gives_its_reader_a_report(
    tmp_path: Path, fmt: str
) -> None:
    """A broken sites/*.yaml or INDEX.md header: one problem where it is, and exit 1."""
    seeds = _seeds(tmp_path, {"001_a.txt": DASH})
    (seeds / "sites").mkdir()
    rules = seeds / "sites" / "chanyeyuanqu.yaml"
    rules.write_text("version: 1\nsites:\n  chanyeyuanqu:\n    - [\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--seeds", str(seeds), "--format", fmt])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{rules}" in result.stderr  # the one-line error, as in a terminal
    if fmt == "json":
        data = json.loads(result.stdout)
        assert data["ok"] is False
        [problem] = data["problems"]
        assert problem["file"] == str(rules) and problem["code"] == "rules-invalid"
        assert problem["line"] is not None
    else:
        assert result.stdout.startswith(f"::error file={rules},line=")
        assert "title=rules-invalid::" in result.stdout
    (seeds / "INDEX.md").write_text("| name | sha |\n|---|---|\n", encoding="utf-8")
    rules.unlink()
    result = runner.invoke(app, ["check", "--seeds", str(seeds), "--format", fmt])
    assert result.exit_code == 1 and "manifest-invalid" in result.stdout


def test_the_summary_counts_errors_and_warnings_apart(tmp_path: Path) -> None:
    """A warning is not an error: "check ok: 1 dump(s), 1 problem(s)" read as a contradiction."""
    gb = DASH.decode().encode("gb18030")
    seeds = _seeds(tmp_path, {"001_a.txt": gb})
    result = runner.invoke(app, ["check", "--seeds", str(seeds), "--format", "tsv"])
    assert result.exit_code == 0
    assert "check ok: 1 dump(s), 0 error(s), 1 warning(s)" in result.stderr
    result = runner.invoke(app, ["check", "--seeds", str(seeds), "--format", "github"])
    assert result.stdout.endswith("zsctl check: 1 dumps, 0 error(s), 1 warning(s)\n")


def test_no_site_rules_hint_for_a_line_seen_once(tmp_path: Path) -> None:
    """A lone unparsed line is this page's, not furniture: no `sites suggest` hint for it."""
    seeds = _seeds(tmp_path, {"001_a.txt": "页面导航说明一行\n".encode() + DASH})
    err = runner.invoke(app, ["check", "--seeds", str(seeds), "--format", "tsv"]).stderr
    assert "unparsed lines by text (1 distinct):" in err, err
    assert "sites suggest" not in err


def test_an_escaped_pipe_is_part_of_its_cell(tmp_path: Path) -> None:
    """`\\|` inside a cell, as GitHub's tables write a pipe, does not split the row."""
    from zsctl.seeds.manifest import read_manifest

    sha = hashlib.sha256(DASH).hexdigest()
    rows = f"| 001_a.txt | chanyeyuanqu | auto | - | {sha} | listing \\| page 2 |\n"
    seeds = _seeds(tmp_path, {"001_a.txt": DASH}, rows)
    assert _codes(seeds) == []
    [entry] = read_manifest(seeds).entries
    assert entry.note == "listing | page 2"

"""`zsctl sites`, `sites suggest`, and ingest agreeing with check about a new site's dumps."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from zsctl.cli.app import build_app
from zsctl.ingest import ingest
from zsctl.parse import identity
from zsctl.parse.rules import rules_for_seeds
from zsctl.seeds.check import check_seeds
from zsctl.seeds.suggest import render, suggest

JINNAN = FIXTURES / "sites" / "jinnan-gov"
runner = CliRunner()
app = build_app()


@pytest.fixture
def jinnan(tmp_path: Path) -> Path:
    dest = tmp_path / "seeds"
    shutil.copytree(JINNAN, dest)
    return dest


def _zsctl(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


# --- sites suggest ----------------------------------------------------------------------------


def test_suggest_saved_as_the_site_file_makes_check_pass(jinnan: Path) -> None:
    code, out, err = _zsctl("sites", "suggest", "--seeds", jinnan, "--site", "jinnan-gov")
    assert code == 0 and "5 rule(s) suggested from 7 dump(s)" in err
    assert "# 7 line(s) in 7 dump(s), outside records" in out
    assert not (jinnan / "sites").exists()  # nothing applied by suggesting
    assert _zsctl("check", "--seeds", jinnan)[0] == 1
    (jinnan / "sites").mkdir()
    (jinnan / "sites" / "jinnan-gov.yaml").write_text(out, encoding="utf-8")
    code, out, err = _zsctl("check", "--seeds", jinnan)
    assert code == 0, out + err
    # And the records are what they were: the rules only claimed lines outside them.
    before = [
        r.title for d in check_seeds(JINNAN).dumps for r in (d.result.records if d.result else [])
    ]
    after = [
        r.title for d in check_seeds(jinnan).dumps for r in (d.result.records if d.result else [])
    ]
    assert after == before and len(after) == 13


def _page(title: str, body: str, editor: str, visits: int) -> str:
    return (
        f"津南发布\n今日访问人数 {visits}\n\n{title}\n"
        f"发布时间：2024-05-0{visits % 9 + 1} 来源：津南发布\n\n"
        f"    {body}\n\n    {title}进展顺利。\n\n    审稿人：{editor}\n\n扫码关注津南发布\n"
    )


def test_suggest_generalises_names_and_numbers_and_learns_lines_inside_records(
    tmp_path: Path,
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    pages = {
        "001_a.txt": _page("项目一开工", "项目一总投资3亿元。", "王晓明", 1234),
        "002_b.txt": _page("项目二签约", "项目二总投资5亿元。", "李娜", 98),
        "003_c.txt": _page("项目三投产", "项目三总投资8亿元。", "赵琳", 4321),
    }
    rows = ""
    for name, text in pages.items():
        (seeds / name).write_text(text, encoding="utf-8")
        rows += (
            f"| {name} | newsite | auto | - | {hashlib.sha256(text.encode()).hexdigest()} | x |\n"
        )
    (seeds / "INDEX.md").write_text(
        "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n" + rows,
        encoding="utf-8",
    )
    found, dumps = suggest(seeds, "newsite")
    assert dumps == 3
    got = {(s.pattern, s.lines, s.dumps, s.inside) for s in found}
    assert got == {
        ("津南发布", 3, 3, False),
        (r"今日访问人数\s+\d+", 3, 3, False),
        ("扫码关注津南发布", 3, 3, True),  # after the body, nothing ends it: body until now
        (r"审稿人\s*[:：][^。！？]{1,14}", 3, 3, True),
    }
    (seeds / "sites").mkdir()
    (seeds / "sites" / "newsite.yaml").write_text(render(seeds, "newsite", found, dumps))
    report = check_seeds(seeds)
    assert report.problems() == []
    bodies = [r.paragraphs for d in report.dumps for r in (d.result.records if d.result else [])]
    assert bodies[1] == ["项目二总投资5亿元。", "项目二签约进展顺利。"]  # the 审稿人 line is gone


def test_suggest_for_a_site_without_dumps_is_a_usage_error(jinnan: Path) -> None:
    code, _, err = _zsctl("sites", "suggest", "--seeds", jinnan, "--site", "nope")
    assert code == 2 and "no dump of site 'nope'" in err and "jinnan-gov" in err
    assert _zsctl("sites", "suggest", "--seeds", jinnan)[0] == 2


def test_sites_lists_origins_and_dumps(jinnan: Path) -> None:
    code, out, _ = _zsctl("sites", "--seeds", jinnan)
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:]}
    assert code == 0
    assert rows["jinnan-gov"][1:] == ["7", "jinnan-gov", "common rules only"]
    assert rows["binhai-zwfw"][1] == "0" and rows["binhai-zwfw"][3] == "packaged"
    (jinnan / "sites").mkdir()
    (jinnan / "sites" / "binhai-zwfw.yaml").write_text(
        "version: 1\nsites:\n  binhai-zwfw:\n    rules:\n      - id: x\n        pattern: 滨城\n"
    )
    out = _zsctl("sites", "--seeds", jinnan)[1]
    assert f"packaged, {jinnan}/sites/binhai-zwfw.yaml" in out


def test_check_hints_at_suggest_after_grouping_unparsed_lines(jinnan: Path) -> None:
    code, _, err = _zsctl("check", "--seeds", jinnan)
    assert code == 1
    assert "unparsed lines by text (5 distinct):" in err
    assert "7 line(s) in 7 dump(s), first 000_f53c422dbeb1d3a7.txt:1: '天津市津南区人民政府'" in err
    assert f"zsctl sites suggest --seeds {jinnan} --site jinnan-gov" in err


# --- ingest agrees with check ------------------------------------------------------------------


def test_ingest_reports_what_check_reports_and_exits_1(jinnan: Path, tmp_path: Path) -> None:
    code, _, err = _zsctl("ingest", "--seeds", jinnan, "--corpus", tmp_path / "c.db")
    assert code == 1
    stats = ingest(jinnan, tmp_path / "d.db")
    check = sorted(check_seeds(jinnan).problems())
    assert sorted(p for ps in stats.problems.values() for p in ps) == check
    for d in check_seeds(jinnan).dumps:
        assert f"{jinnan / d.entry.file}: 5 problem(s), 0 warning(s) (unparsed-line)" in err
    assert "13 records" in err  # ingested all the same
    assert stats.summary()["problems"] == len(check)  # and the ingest log keeps the count


def test_ingest_strict_skips_dumps_with_problems_and_ingests_the_rest(
    jinnan: Path, tmp_path: Path
) -> None:
    (jinnan / "sites").mkdir()
    found, dumps = suggest(jinnan, "jinnan-gov")
    (jinnan / "sites" / "jinnan-gov.yaml").write_text(render(jinnan, "jinnan-gov", found, dumps))
    broken = jinnan / "003_dd59ee59700cde4d.txt"
    text = broken.read_text(encoding="utf-8").replace("投资津南 共赢未来", "今日头条 津南新闻")
    broken.write_text(text, encoding="utf-8")
    index = jinnan / "INDEX.md"
    old = "dd59ee59700cde4da542bc15bc59128f72764221bdfa4975006bf2b11126f500"
    index.write_text(
        index.read_text().replace(old, hashlib.sha256(text.encode()).hexdigest()), encoding="utf-8"
    )
    code, _, err = _zsctl("ingest", "--seeds", jinnan, "--corpus", tmp_path / "c.db", "--strict")
    assert code == 1
    assert "003_dd59ee59700cde4d.txt: 1 problem(s)" in err and "skipped (--strict)" in err
    stats = ingest(jinnan, tmp_path / "d.db", strict=True)
    assert [f for f, _ in stats.failed] == ["003_dd59ee59700cde4d.txt"]
    assert stats.records == 12  # every record but the skipped article page's


def test_a_rules_change_reparses_exactly_that_sites_dumps(jinnan: Path, tmp_path: Path) -> None:
    shutil.copy(FIXTURES.parent.parent / "seeds" / "004_744bbacfdfa27cd6.txt", jinnan)
    seed_sha = hashlib.sha256((jinnan / "004_744bbacfdfa27cd6.txt").read_bytes()).hexdigest()
    with (jinnan / "INDEX.md").open("a", encoding="utf-8") as f:
        f.write(f"| 004_744bbacfdfa27cd6.txt | binhai-zwfw | auto | - | {seed_sha} | seed |\n")
    corpus = tmp_path / "c.db"
    first = ingest(jinnan, corpus)
    assert (first.parsed, first.reparsed_why) == (8, [])
    assert ingest(jinnan, corpus).parsed == 0
    (jinnan / "sites").mkdir()
    (jinnan / "sites" / "jinnan-gov.yaml").write_text(
        "version: 1\nsites:\n  jinnan-gov:\n    rules:\n      - id: slogan\n"
        "        pattern: '投资津南 共赢未来'\n"
    )
    again = ingest(jinnan, corpus)
    assert (again.parsed, again.reused) == (7, 1)
    assert again.reparsed_why == ["rules for site 'jinnan-gov' changed: 7 dump(s) parsed again"]
    assert ingest(jinnan, corpus).parsed == 0
    code, _, err = _zsctl("ingest", "--seeds", jinnan, "--corpus", corpus, "--reparse")
    assert code == 1  # the site lines other than the slogan are still unparsed
    assert "re-parsed: --reparse: 8 stored dump(s) parsed again" in err
    assert "(8 parsed, 0 unchanged" in err


def test_a_parser_version_change_reparses_everything(
    jinnan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "c.db"
    ingest(jinnan, corpus)
    monkeypatch.setattr(identity, "PARSER_VERSION", "999")
    stats = ingest(jinnan, corpus)
    assert stats.parsed == 7
    assert stats.reparsed_why == ["parser version 2 -> 999: 7 stored dump(s) parsed again"]


def test_fingerprint_follows_the_effective_rules(jinnan: Path) -> None:
    before = rules_for_seeds(jinnan).fingerprint("jinnan-gov")
    (jinnan / "sites").mkdir()
    (jinnan / "sites" / "jinnan-gov.yaml").write_text(
        "version: 1\nsites:\n  jinnan-gov:\n    rules:\n      - id: a\n        pattern: x\n"
    )
    assert rules_for_seeds(jinnan).fingerprint("jinnan-gov") != before


# --- seeds add, the row an unlisted dump needs, the config file --------------------------------


def test_seeds_add_then_check_exits_0(tmp_path: Path) -> None:
    seeds = tmp_path / "new"
    dumps = sorted(JINNAN.glob("*.txt"))
    code, out, err = _zsctl(
        "seeds", "add", *dumps, "--site", "jinnan-gov", "--fetched", "2024-07-01", "--seeds", seeds
    )
    assert code == 0 and "added 7 dump(s)" in err
    names = sorted(p.name for p in seeds.glob("*.txt"))
    assert names == [f"{n:03d}_{p.name[4:]}" for n, p in enumerate(dumps)]  # NNN_<sha prefix>
    assert len(out.splitlines()) == 7 and "| jinnan-gov | auto | 2024-07-01 |" in out
    (seeds / "sites").mkdir()
    found, n = suggest(seeds, "jinnan-gov")
    (seeds / "sites" / "jinnan-gov.yaml").write_text(render(seeds, "jinnan-gov", found, n))
    assert _zsctl("check", "--seeds", seeds)[0] == 0
    # The same bytes again are not added twice; new bytes get the next number.
    code, _, err = _zsctl("seeds", "add", dumps[0], "--site", "jinnan-gov", "--seeds", seeds)
    assert code == 0 and "already listed as 000_f53c422dbeb1d3a7.txt" in err
    extra = tmp_path / "page.txt"
    extra.write_bytes(dumps[0].read_bytes().replace("津南区".encode(), "静海区".encode(), 1))
    _zsctl("seeds", "add", extra, "--site", "jinnan-gov", "--seeds", seeds)
    sha = hashlib.sha256(extra.read_bytes()).hexdigest()
    assert (seeds / f"007_{sha[:16]}.txt").read_bytes() == extra.read_bytes()
    assert f"| 007_{sha[:16]}.txt | jinnan-gov | auto | - | {sha} | added from page.txt |" in (
        seeds / "INDEX.md"
    ).read_text(encoding="utf-8")
    assert check_seeds(seeds).manifest_problems == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--site", "Bad Site"], "site id"),
        (["--site", "ok", "--layout", "table"], "unknown layout"),
        (["--site", "ok", "--fetched", "1.7.2024"], "YYYY-MM-DD"),
        (["--site", "ok", "--fetched", "2025-13-45"], "YYYY-MM-DD"),
    ],
)
def test_seeds_add_refuses_bad_values(tmp_path: Path, args: list[str], words: str) -> None:
    dump = next(JINNAN.glob("*.txt"))
    code, _, err = _zsctl("seeds", "add", dump, *args, "--seeds", tmp_path / "s")
    assert code == 2 and words in err and not (tmp_path / "s").exists()


def test_an_unlisted_dump_is_reported_with_the_row_to_paste(jinnan: Path) -> None:
    stray = jinnan / "007_stray.txt"
    shutil.copy(next(JINNAN.glob("000_*.txt")), stray)
    sha = hashlib.sha256(stray.read_bytes()).hexdigest()
    (problem,) = [p for p in check_seeds(jinnan).problems() if p.code == "unlisted-file"]
    row = problem.message.split("(with the site id): ")[1]
    assert row == f"| 007_stray.txt | <site> | auto | - | {sha} |  |"
    with (jinnan / "INDEX.md").open("a", encoding="utf-8") as f:
        f.write(row.replace("<site>", "jinnan-gov") + "\n")
    assert [p.code for p in check_seeds(jinnan).manifest_problems] == []


def test_config_file_and_zsctl_seeds_set_the_defaults(
    jinnan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "zsctl.toml").write_text(
        f'seeds = "{jinnan}"\ncorpus = "db.sqlite"\nthreshold = 0.9\n', encoding="utf-8"
    )
    monkeypatch.chdir(work)
    code, _, err = _zsctl("ingest")
    assert code == 1 and f"{jinnan}/000_f53c422dbeb1d3a7.txt: 5 problem(s)" in err
    assert (work / "db.sqlite").exists()
    monkeypatch.setenv("ZSCTL_SEEDS", str(tmp_path / "elsewhere"))
    assert "no INDEX.md in" in _zsctl("check")[2]  # the environment beats the file
    monkeypatch.delenv("ZSCTL_SEEDS")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZSCTL_CONFIG", str(work / "zsctl.toml"))
    assert _zsctl("sites")[1].count("jinnan-gov\t7") == 1
    (work / "zsctl.toml").write_text("seeds = 3\n", encoding="utf-8")
    code, _, err = _zsctl("check")
    assert code == 2 and "seeds must be a str" in err
    (work / "zsctl.toml").write_text("colour = 'red'\n", encoding="utf-8")
    assert "unknown setting(s) colour" in _zsctl("check")[2]


def test_show_raw_reads_the_dumps_from_the_folder_the_corpus_was_built_from(
    jinnan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "c.db"
    ingest(jinnan, corpus)
    monkeypatch.chdir(tmp_path)  # no seeds/ here
    listed = _zsctl("list", "--corpus", corpus, "-n", "1")[1].splitlines()[-1].split("\t")[0]
    code, out, err = _zsctl("show", "--raw", listed, "--corpus", corpus)
    assert code == 0, err
    assert "==> 00" in out


def test_suggested_rules_are_inert_text_and_still_match(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    rows = ""
    for n in (1, 2):
        text = f"网站\u202e地图\n-\n项目{n}开工\n项目{n}总投资{n}亿元。\n2024-05-0{n}\n"
        (seeds / f"00{n}_a.txt").write_text(text, encoding="utf-8")
        sha = hashlib.sha256(text.encode()).hexdigest()
        rows += f"| 00{n}_a.txt | newsite | auto | - | {sha} | x |\n"
    (seeds / "INDEX.md").write_text(
        "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n" + rows,
        encoding="utf-8",
    )
    code, out, _ = _zsctl("sites", "suggest", "--seeds", seeds, "--site", "newsite")
    assert code == 0 and "\u202e" not in out and "网站\\u202e地图" in out
    (seeds / "sites").mkdir()
    (seeds / "sites" / "newsite.yaml").write_text(out, encoding="utf-8")
    assert check_seeds(seeds).problems() == []

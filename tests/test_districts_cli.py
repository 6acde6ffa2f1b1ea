"""`zsctl districts`, `districts resolve`, `show --why` and the district filters, on the seeds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zsctl.cli import app as app_module
from zsctl.cli import output

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ENV = {"COLUMNS": "200", "LINES": "50", "NO_COLOR": None, "ZSCTL_CORPUS": None}
APP = app_module.build_app()

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="seed dumps not present")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 41 seed articles, ingested once for the module."""
    path = tmp_path_factory.mktemp("districts") / "zsctl.db"
    result = CliRunner().invoke(APP, ["ingest", "--seeds", str(SEEDS), "--corpus", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(autouse=True)
def fresh_consoles() -> Iterator[None]:
    output.console.cache_clear()
    yield
    output.console.cache_clear()


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(APP, list(args), input=stdin, env=ENV)


def query(corpus: Path, *args: str) -> Result:
    return run(*args, "--corpus", str(corpus))


def fields(result: Result) -> list[list[str]]:
    return [line.split("\t") for line in result.stdout.splitlines()]


# --- the list ----------------------------------------------------------------------------------


def test_list_plain_has_every_name_with_its_kind() -> None:
    result = run("districts")
    assert result.exit_code == 0
    rows = fields(result)
    assert {len(row) for row in rows} == {4}
    assert ["西青区", "townships", "精武镇", "strong"] in rows
    assert ["武清区", "townships", "城关镇", "weak"] in rows
    assert ["宝坻区", "townships", "海滨街道", "ambiguous"] in rows
    assert ["和平区", "short", "和平", "resolve_only"] in rows
    assert ["和平区", "name", "和平区", "lookalike"] in rows  # as its list says, once
    assert ["北辰区", "short", "北辰", "weak"] in rows
    assert [row[2] for row in rows].count("和平区") == 1
    assert sum(1 for row in rows if row[1] == "townships") == 301  # 李七庄街 is not listed


def test_list_json() -> None:
    result = run("districts", "--json")
    assert result.exit_code == 0
    data = [json.loads(line) for line in result.stdout.splitlines()]  # one a line
    assert data == [json.loads(x) for x in run("districts", "-f", "jsonl").stdout.splitlines()]
    assert [d["district"] for d in data][:2] == ["天津市", "和平区"]
    assert len(data) == 17
    xiqing = next(d for d in data if d["district"] == "西青区")
    assert {"short": "西青", "pinyin": "xiqing"}.items() <= xiqing.items()
    assert "杨柳青" in xiqing["aliases"] and "天津南站" in xiqing["zones"]
    binhai = next(d for d in data if d["district"] == "滨海新区")
    assert {"name": "保税区", "kind": "weak"} in binhai["aliases"]
    assert {"name": "天津港", "kind": "hub"} in binhai["zones"]
    wuqing = next(d for d in data if d["district"] == "武清区")
    assert {"name": "城关镇", "kind": "weak", "why": "hundreds of counties have a 城关镇"} in (
        wuqing["townships"]
    )
    assert sum(len(d["townships"]) for d in data) == 301  # derived 街 spellings not listed


def test_list_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "is_tty", lambda: True)
    result = run("districts")
    assert result.exit_code == 0
    assert "16 districts and the city" in result.stdout
    assert "西青区" in result.stdout and "xiqing" in result.stdout


# --- resolve -----------------------------------------------------------------------------------


def test_resolve_text() -> None:
    result = run("districts", "resolve", "天津市静海区是天津市的一个行政区")
    assert result.exit_code == 0
    rows = fields(result)
    assert rows[0] == ["district", "静海区"]
    assert rows[1][0] == "rule" and "静海区" in rows[1][1]
    assert ["mention", "天津市", "2"] in rows and ["mention", "静海区", "1"] in rows
    assert ["evidence", "lead", "天津市", "天津市", "0", "qualifies 静海区"] in rows


def test_resolve_splits_a_leading_tag() -> None:
    result = run("districts", "resolve", "--json", "【河北招商】河北省石家庄市举办开工活动")
    data = json.loads(result.stdout)
    assert data["district"] is None
    assert data["evidence"][0] == {
        "where": "tag",
        "alias": "河北招商",
        "place": "河北区",
        "points": 0,
        "note": "also 河北 outside Tianjin: the text does not name 河北区",
    }


def test_resolve_reads_stdin_and_takes_title_and_tag() -> None:
    result = run(
        "districts", "resolve", "--title", "项目签约", "--tag", "西青招商", stdin="项目落地"
    )
    assert fields(result)[0] == ["district", "西青区"]


def test_resolve_jsonl() -> None:
    lines = [
        {"title": "【西青招商】杨柳青镇签约", "body": "项目落地。\n产品经天津港出口。"},
        {"body": "河东区是临沂市的市辖区。"},
        {"title": "寧河區聚焦七里海", "tag": None},
        {"body": 3},
        "not an object",
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n\n"
    result = run("districts", "resolve", "--jsonl", stdin=stdin)
    assert result.exit_code == 1  # bad lines are problems found
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 6  # one object a line, bad ones included; blank lines skipped
    assert out[0]["district"] == "西青区"
    assert out[0]["mentions"] == [
        {"district": "滨海新区", "count": 1},
        {"district": "西青区", "count": 1},
    ]
    assert out[0]["evidence"][0]["where"] == "tag"
    assert out[1] == {
        "district": None,
        "mentions": [],
        "evidence": [
            {
                "where": "lead",
                "alias": "河东区",
                "place": "河东区",
                "points": 0,
                "note": "stopped: 临沂 (outside Tianjin) in the same sentence or title",
            }
        ],
        "rule": "not Tianjin: Tianjin score 0 < 3",
    }
    assert out[2]["district"] == "宁河区"
    assert out[3] == {"error": "line 4: body must be a string"}
    assert out[4]["error"].startswith("line 5: expected a JSON object")
    assert out[5]["error"].startswith("line 6: not JSON")
    assert "stdin:4: body must be a string" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["districts", "where"],
        ["districts", "天津"],
        ["districts", "resolve", "--jsonl", "天津"],
    ],
)
def test_resolve_usage_errors(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- show --why and the filters ----------------------------------------------------------------


def _id_of(corpus: Path, title: str) -> str:
    rows = fields(query(corpus, "list", "-n", "0"))
    return next(row[0] for row in rows if row[3] == title)


def test_show_why(corpus: Path) -> None:
    article = _id_of(corpus, "天津经开区大项目“抢滩登陆” 招商引资激活区域发展新动能")
    result = query(corpus, "show", article, "--why")
    assert result.exit_code == 0
    rows = fields(result)
    assert rows[0] == ["id", article]
    assert ["district", "滨海新区"] in rows
    assert ["rule", "title names 滨海新区"] in rows
    assert ["evidence", "title", "天津经开区", "滨海新区", "6", "-"] in rows
    data = json.loads(query(corpus, "show", article, "--why", "--json").stdout)
    assert data["id"] == article and data["district"] == "滨海新区"
    assert {"where", "alias", "place", "points", "note"} == set(data["evidence"][0])


def test_mentions_selects_articles_naming_a_district_at_all(corpus: Path) -> None:
    primary = query(corpus, "grep", "生物医药", "--district", "滨海新区", "-c")
    anywhere = query(corpus, "grep", "生物医药", "--mentions", "滨海新区", "-c")
    assert (primary.stdout.strip(), anywhere.stdout.strip()) == ("7", "9")
    ids = {row[0] for row in fields(query(corpus, "list", "--mentions", "binhai", "-n", "0"))[1:]}
    assert ids >= {row[0] for row in fields(query(corpus, "list", "-d", "滨海新区", "-n", "0"))[1:]}


def test_tag_matches_any_spelling_of_a_district_tag(corpus: Path) -> None:
    for tag in ("西青招商", "西青区招商", "【xiqing招商】"):
        rows = fields(query(corpus, "list", "--tag", tag))[1:]
        assert [row[3] for row in rows] == ["2019年天津市西青区政府工作报告"], tag


def test_a_district_alias_that_narrows_says_so(corpus: Path) -> None:
    result = query(corpus, "list", "-d", "东疆", "-n", "1")
    assert result.exit_code == 0
    assert "--district 东疆: 东疆 is a zone in 滨海新区; matching all of 滨海新区" in result.stderr
    assert query(corpus, "list", "-d", "西青", "-n", "0").stderr == ""

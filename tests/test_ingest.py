"""Ingest: clusters with provenance, order independence, incrementality, nothing lost."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from zsctl.errors import CorpusError, ManifestError
from zsctl.ingest import ingest
from zsctl.seeds.dumps import DumpBytes
from zsctl.store.corpus import PAGE_SIZE, connect_read, write_lock

HEADER = "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n"
BODY_A = (
    "西青开发区持续优化营商环境,以高水平招商引资推动创新要素加速集聚。新一批市级示范生产力促进中心的认定,"
    "进一步强化了区域科技创新服务支撑能力,为科技型中小企业成长注入了新动能。 一、区域创新体系升级 "
    "天津市构建“基础研究+技术攻关+成果转化”全链条创新生态,生产力促进中心作为关键枢纽,承担着衔接科研机构与"
    "市场主体的核心功能。近年出台的《科技服务业高质量发展行动计划》明确提出要建设专业高效的科技成果转化平台。"
)
BODY_B = (
    "武清区以京津冀协同发展战略为引领,聚焦高起点规划、高目标招商、高标准建设、高效能服务,推动项目集聚。"
    "全区新签约项目一百二十个,协议投资额超过三百亿元,其中高端制造项目占比过半,科技创新平台加速落地。"
    "武清开发区围绕智能制造、生物医药、新一代信息技术等主导产业,精准绘制产业链图谱,开展点对点招商。"
)


def _dash(items: list[tuple[str, str, str]]) -> bytes:
    blocks = "".join(f"-\n{title}\n{body}\n{date}\n" for title, body, date in items)
    return (blocks + "有想补充的信息?点我投稿\n\n- 联系我们\n- 企业入驻\n").encode()


def _article(title: str, paragraphs: list[str], date: str) -> bytes:
    body = "\n\n".join(f"    {p}" for p in paragraphs)
    page = (
        "天津市滨海新区人民政府政务服务办公室\n\n当前位置: 首页>新闻中心\n\n"
        f"{title}\n发布日期: {date} 09:30      来源: 区政务服务办\n字号:\n\n"
        f"{body}\n\n    重点链接\n"
    )
    return page.encode()


def _write_seeds(
    root: Path, dumps: dict[str, tuple[bytes, str]], order: list[str] | None = None
) -> Path:
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for old in seeds.glob("*.txt"):
        old.unlink()
    rows = ""
    for name in order or sorted(dumps):
        data, site = dumps[name]
        (seeds / name).write_bytes(data)
        rows += f"| {name} | {site} | auto | - | {hashlib.sha256(data).hexdigest()} | t |\n"
    (seeds / "INDEX.md").write_text(HEADER + rows, encoding="utf-8")
    return seeds


def _clusters(corpus: Path) -> dict[str, list[str]]:
    with connect_read(corpus) as db:
        rows = db.execute("SELECT article_id, record_key FROM article_sources ORDER BY 1, 2")
        out: dict[str, list[str]] = {}
        for aid, key in rows:
            out.setdefault(aid, []).append(key)
    return out


def _articles(corpus: Path) -> list[tuple[object, ...]]:
    with connect_read(corpus) as db:
        return db.execute(
            "SELECT id, title, tag, date, body, n_sources FROM articles ORDER BY id"
        ).fetchall()


def _variants() -> dict[str, tuple[bytes, str]]:
    half = (
        BODY_A.replace(",", ",")
        .replace("。", ".")
        .replace("“", '"')
        .replace("”", '"')
        .replace(" ", "")
    )
    return {
        "001_a.txt": (
            _dash(
                [
                    ("【天津招商】西青创新引擎再添助力", BODY_A, "2025-09-03"),
                    ("武清聚力四高深融京津冀", BODY_B, "2025-07-02"),
                ]
            ),
            "chanyeyuanqu",
        ),
        # exact repeat listed later, and a half-width/no-space copy with the tag dropped
        "002_b.txt": (
            _dash(
                [
                    ("西青创新引擎再添助力", BODY_A, "2025-09-10"),
                    ("西青创新引擎再添助力", half, "2025-09-12"),
                ]
            ),
            "chanyeyuanqu",
        ),
        # a truncated listing summary of B
        "003_c.txt": (
            _dash([("武清聚力四高深融京津冀", BODY_B[:80] + "...", "2025-06-30")]),
            "chanyeyuanqu",
        ),
        # the same story as A on an article page, paragraphs on separate lines
        "004_d.txt": (
            _article("西青创新引擎再添助力", BODY_A.split(" "), "2025-09-01"),
            "binhai-zwfw",
        ),
    }


def test_known_clusters_merge_with_all_sources(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    stats = ingest(seeds, corpus)
    assert (stats.records, stats.articles, stats.failed) == (6, 2, [])
    clusters = sorted(_clusters(corpus).values())
    assert clusters == [
        ["001_a.txt:1", "002_b.txt:1", "002_b.txt:5", "004_d.txt:5"],
        ["001_a.txt:5", "003_c.txt:1"],
    ]
    with connect_read(corpus) as db:
        a = db.execute("SELECT date, tag, source FROM articles WHERE n_sources = 4").fetchone()
        b = db.execute("SELECT body, date FROM articles WHERE n_sources = 2").fetchone()
        kinds = dict(db.execute("SELECT record_key, kind FROM article_sources").fetchall())
    assert a == ("2025-09-01T09:30", "天津招商", "区政务服务办")  # earliest date; tag kept
    assert b == (BODY_B, "2025-06-30")  # fullest body, earliest date
    assert kinds["003_c.txt:1"] == "contained"


def test_different_wuqing_articles_stay_apart(tmp_path: Path) -> None:
    lines = (SEEDS / "003_c4e75968d8e1035a.txt").read_text(encoding="utf-8").splitlines()
    items = [(lines[33], lines[34], lines[35]), (lines[37], lines[38], lines[39])]
    seeds = _write_seeds(tmp_path, {"001_w.txt": (_dash(items), "chanyeyuanqu")})
    stats = ingest(seeds, tmp_path / "c.db")
    assert (stats.records, stats.articles) == (2, 2)


def test_order_and_repetition_give_identical_corpus(tmp_path: Path) -> None:
    dumps = _variants()
    first = tmp_path / "one"
    ingest(_write_seeds(first, dumps), first / "c.db")
    second = tmp_path / "two"
    seeds2 = _write_seeds(second, dumps, order=sorted(dumps, reverse=True))
    ingest(seeds2, second / "c.db")
    ingest(seeds2, second / "c.db")  # twice: nothing changes
    assert _articles(first / "c.db") == _articles(second / "c.db")
    assert _clusters(first / "c.db") == _clusters(second / "c.db")


def test_worker_processes_give_the_same_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dumps = _variants()
    serial = tmp_path / "serial"
    ingest(_write_seeds(serial, dumps), serial / "c.db")
    monkeypatch.setattr("zsctl.pool.PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr("zsctl.store.writes.PARALLEL_GRAMS", 1)  # the gram index too
    parallel = tmp_path / "parallel"
    ingest(_write_seeds(parallel, dumps), parallel / "c.db")
    assert _articles(serial / "c.db") == _articles(parallel / "c.db")
    assert _index_by_id(serial / "c.db") == _index_by_id(parallel / "c.db")


def test_kept_bodies_are_stored_once(tmp_path: Path) -> None:
    corpus = tmp_path / "c.db"
    ingest(_write_seeds(tmp_path, _variants()), corpus)
    with connect_read(corpus) as db:
        kept_with_body = db.execute(
            "SELECT count(*) FROM records r JOIN articles a ON a.representative = r.key"
            " WHERE r.body IS NOT NULL"
        ).fetchone()[0]
        others_without = db.execute(
            "SELECT count(*) FROM records r WHERE r.body IS NULL"
            " AND r.key NOT IN (SELECT representative FROM articles)"
        ).fetchone()[0]
    assert (kept_with_body, others_without) == (0, 0)


def test_incremental_reparses_only_changed_and_drops_removed(tmp_path: Path) -> None:
    dumps = _variants()
    seeds = _write_seeds(tmp_path, dumps)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    again = ingest(seeds, corpus)
    assert (again.parsed, again.reused, again.written, again.deleted) == (0, 4, 0, 0)
    del dumps["003_c.txt"], dumps["001_a.txt"]
    seeds = _write_seeds(tmp_path, dumps)
    after = ingest(seeds, corpus)
    assert after.removed == 2
    titles = [row[1] for row in _articles(corpus)]
    assert titles == ["西青创新引擎再添助力"]  # B was seen only in removed dumps


def test_failed_dump_is_skipped_and_keeps_others(tmp_path: Path) -> None:
    dumps = _variants()
    seeds = _write_seeds(tmp_path, dumps)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    before = _articles(corpus)
    dumps["003_c.txt"] = (b"\x00\x01binary" * 20, "chanyeyuanqu")
    dumps["005_e.txt"] = (b"", "chanyeyuanqu")
    stats = ingest(_write_seeds(tmp_path, dumps), corpus)
    assert sorted(f for f, _ in stats.failed) == ["003_c.txt", "005_e.txt"]
    assert _articles(corpus) == before


def test_broken_manifest_changes_nothing(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    before = _articles(corpus)
    with (seeds / "INDEX.md").open("a", encoding="utf-8") as f:
        f.write("| ../etc.txt | chanyeyuanqu | auto | - | x | bad |\n")
    with pytest.raises(ManifestError):
        ingest(seeds, corpus)
    assert _articles(corpus) == before


def test_second_ingest_fails_clearly_while_first_holds_lock(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    with write_lock(corpus, wait=False), pytest.raises(CorpusError) as info:
        ingest(seeds, corpus)
    assert f"pid {os.getpid()}" in str(info.value)


def test_quick_check_runs_unless_the_corpus_is_as_the_last_ingest_left_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's page check is skipped only for a corpus file no other program has touched."""
    import zsctl.ingest as ing

    checked: list[bool] = []
    real = ing.check_before_ingest

    def spy(db: sqlite3.Connection, *, pages: bool = True) -> None:
        checked.append(pages)
        real(db, pages=pages)

    monkeypatch.setattr(ing, "check_before_ingest", spy)
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)  # a new corpus: nothing vouches for it
    with connect_read(corpus) as reader:  # a reader leaves an empty -wal behind: no change
        reader.execute("SELECT count(*) FROM articles").fetchone()
    ingest(seeds, corpus)  # as that ingest left it
    with sqlite3.connect(corpus) as other:  # another program writes to it
        other.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")
    ingest(seeds, corpus)
    (tmp_path / "c.db.lock").write_text("4242\nverified 1:2:3:4:5 -\n")  # a stale stamp
    ingest(seeds, corpus)
    assert checked == [True, False, True, True]
    assert ingest(seeds, corpus).records > 0 and checked[-1] is False


def test_foreign_file_is_refused_with_rebuild_hint(tmp_path: Path) -> None:
    corpus = tmp_path / "c.db"
    sqlite3.connect(corpus).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(CorpusError) as info:
        connect_read(corpus)
    assert "zsctl ingest" in str(info.value)


KILLER = """
import sys, time
from pathlib import Path
import zsctl.ingest as ing
import zsctl.pool as pool
import zsctl.store.writes as writes
real = writes.write_articles
def slow(db, articles, *rest):
    out = real(db, articles, *rest)
    Path(sys.argv[3]).write_text("written")
    time.sleep(60)  # killed here: articles written, transaction not committed
    return out
writes.write_articles = slow
pool.PARALLEL_THRESHOLD = int(sys.argv[4]) if len(sys.argv) > 4 else pool.PARALLEL_THRESHOLD
ing.ingest(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def _kill_after_writing(seeds: Path, corpus: Path, flag: Path, *extra: str) -> None:
    """Run KILLER and kill -9 it once its articles are written, before the commit."""
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(seeds), str(corpus), str(flag), *extra]
    )
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [False, True])
def test_sigkill_mid_ingest_leaves_old_corpus(tmp_path: Path, workers: bool) -> None:
    dumps = _variants()
    seeds = _write_seeds(tmp_path, {k: dumps[k] for k in ("001_a.txt", "002_b.txt")})
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    before = _articles(corpus)
    _write_seeds(tmp_path, dumps)
    flag = tmp_path / "flag"
    # With workers, the killed ingest's worker processes must not keep its lock.
    _kill_after_writing(seeds, corpus, flag, *(["1"] if workers else []))
    assert _articles(corpus) == before  # readable, and the old content
    stats = ingest(seeds, corpus)  # the next ingest succeeds: the lock is free
    assert stats.articles == 2 and _articles(corpus) != before


def _building_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".building" in p.name)


def test_a_first_ingest_is_moved_into_place_in_wal_mode(tmp_path: Path) -> None:
    corpus = tmp_path / "c.db"
    ingest(_write_seeds(tmp_path, _variants()), corpus)
    assert _building_files(tmp_path) == []
    with sqlite3.connect(corpus) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # readers keep reading
        assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE  # set before a table
    assert len(_articles(corpus)) == 2
    again = ingest(_write_seeds(tmp_path, _variants()), corpus)  # later ingests: in place
    assert (again.parsed, again.written) == (0, 0)


def test_a_failed_first_ingest_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("zsctl.dedup.stage.run", full_disk)
    corpus = tmp_path / "c.db"
    with pytest.raises(CorpusError, match="nothing was changed"):
        ingest(_write_seeds(tmp_path, _variants()), corpus)
    assert not corpus.exists() and _building_files(tmp_path) == []


def test_a_first_ingest_that_cannot_switch_to_wal_says_so_in_one_line(tmp_path: Path) -> None:
    from zsctl.store.corpus import building_path, publish_building

    class FullDisk:
        closed = False

        def execute(self, sql: str) -> None:
            err = sqlite3.OperationalError("database or disk is full")
            err.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
            raise err

        def close(self) -> None:
            self.closed = True

    corpus, disk = tmp_path / "c.db", FullDisk()
    building_path(corpus).write_bytes(b"built")
    with pytest.raises(CorpusError, match="the disk is full"):
        publish_building(disk, corpus, committed=True)  # type: ignore[arg-type]
    assert disk.closed and not corpus.exists()


@pytest.mark.slow
def test_sigkill_mid_first_ingest_leaves_no_corpus(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    flag = tmp_path / "flag"
    _kill_after_writing(seeds, corpus, flag)
    assert not corpus.exists() and _building_files(tmp_path)  # the half-built file, beside it
    with pytest.raises(CorpusError, match="a first ingest is building it"):
        connect_read(corpus)
    stats = ingest(seeds, corpus)  # clears what the killed one left, and builds
    assert stats.articles == 2 and _building_files(tmp_path) == []


def test_older_schema_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    before = _articles(corpus)
    with sqlite3.connect(corpus) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(CorpusError, match="schema version 1"):
        connect_read(corpus)  # readers refuse, with the rebuild hint
    stats = ingest(seeds, corpus)
    assert stats.set_aside == tmp_path / "c.db.v1.bak"
    assert stats.set_aside.exists()
    assert _articles(corpus) == before


def test_newer_schema_is_refused_not_replaced(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    with sqlite3.connect(corpus) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(CorpusError, match="schema version 99"):
        ingest(seeds, corpus)
    assert not list(tmp_path.glob("c.db.v*"))


# --- unchanged dumps are recognised by size and mtime, as git's index does ------------------


def _age(seeds: Path, seconds: float = 60) -> None:
    """Date every dump `seconds` back, past the two-second window where a stat is not trusted."""
    past = time.time() - seconds
    for dump in seeds.glob("*.txt"):
        os.utime(dump, (past, past))


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import zsctl.parse.worker as worker

    reads: list[str] = []
    real = worker.read_dump_stat

    def counting(path: Path, *args: object, **kwargs: object) -> DumpBytes:
        reads.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(worker, "read_dump_stat", counting)
    return reads


def test_unchanged_dumps_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    _age(seeds)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    reads = _count_reads(monkeypatch)
    again = ingest(seeds, corpus)
    assert (again.reused, again.parsed, reads) == (4, 0, [])
    _age(seeds, 30)  # touched: same bytes, new mtime -> hashed once, stat remembered
    touched = ingest(seeds, corpus)
    assert (touched.reused, touched.parsed, sorted(reads)) == (4, 0, sorted(_variants()))
    reads.clear()
    assert ingest(seeds, corpus).reused == 4 and reads == []


def test_a_same_size_edit_is_seen_by_its_mtime(tmp_path: Path) -> None:
    dumps = _variants()
    seeds = _write_seeds(tmp_path, dumps)
    _age(seeds)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    dump = seeds / "003_c.txt"
    dump.write_bytes(dump.read_bytes().replace(b"2025-06-30", b"2025-06-29"))
    _age(seeds, 30)
    after = ingest(seeds, corpus, accept_changed=True)  # the row's sha256 is the old one
    assert after.parsed == 1
    with connect_read(corpus) as db:
        assert db.execute("SELECT date FROM records WHERE dump = '003_c.txt'").fetchone() == (
            "2025-06-29",
        )


def test_an_edit_that_restores_the_mtime_is_still_seen(tmp_path: Path) -> None:
    seeds = _write_seeds(tmp_path, _variants())
    _age(seeds)
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    dump = seeds / "003_c.txt"
    before = dump.stat()
    dump.write_bytes(dump.read_bytes().replace(b"2025-06-30", b"2025-06-29"))
    os.utime(dump, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or `cp -p`
    assert dump.stat().st_mtime_ns == before.st_mtime_ns and dump.stat().st_size == before.st_size
    assert ingest(seeds, corpus, accept_changed=True).parsed == 1  # the ctime moved on


def test_just_written_dumps_are_hashed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = _write_seeds(tmp_path, _variants())  # mtimes are "now": within the racy window
    corpus = tmp_path / "c.db"
    ingest(seeds, corpus)
    with connect_read(corpus) as db:
        assert db.execute("SELECT count(*) FROM dumps WHERE stat IS NULL").fetchone() == (4,)
    reads = _count_reads(monkeypatch)
    assert ingest(seeds, corpus).reused == 4
    assert len(reads) == 4


def _index_by_id(corpus: Path) -> dict[int, list[str]]:
    from zsctl.store import grams

    with connect_read(corpus) as db:
        ids = dict(db.execute("SELECT n, id FROM articles"))
        lists = grams.all_lists(db)
    dead = grams.bits_of(lists.pop(grams.DEAD)) if grams.DEAD in lists else 0
    found = {code: grams.members(grams.bits_of(blob) & ~dead) for code, blob in lists.items()}
    return {code: sorted(ids[n] for n in ns) for code, ns in found.items() if ns}


def test_patched_gram_index_equals_a_fresh_one(tmp_path: Path) -> None:
    dumps = _variants()
    grown = tmp_path / "grown"
    ingest(_write_seeds(grown, {k: dumps[k] for k in ("001_a.txt", "003_c.txt")}), grown / "c.db")
    ingest(_write_seeds(grown, dumps), grown / "c.db")  # adds, replaces and merges articles
    fresh = tmp_path / "fresh"
    ingest(_write_seeds(fresh, dumps), fresh / "c.db")
    assert _index_by_id(grown / "c.db") == _index_by_id(fresh / "c.db")


def test_another_threshold_reclusters_even_if_no_dump_changed(tmp_path: Path) -> None:
    dumps = _variants()
    seeds = _write_seeds(tmp_path / "a", dumps)
    corpus = tmp_path / "a" / "c.db"
    ingest(seeds, corpus, threshold=0.8)
    again = ingest(seeds, corpus, threshold=0.3)
    assert again.parsed == 0 and again.written > 0  # re-clustered from the stored records
    fresh = tmp_path / "b"
    ingest(_write_seeds(fresh, dumps), fresh / "c.db", threshold=0.3)
    assert _clusters(corpus) == _clusters(fresh / "c.db")
    assert _articles(corpus) == _articles(fresh / "c.db")


def test_gram_index_is_rebuilt_after_many_patches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zsctl.store import grams_build

    monkeypatch.setattr("zsctl.store.writes.MAX_PATCHES", 1)
    dumps = _variants()
    corpus = tmp_path / "c.db"
    ingest(_write_seeds(tmp_path, {k: dumps[k] for k in ("001_a.txt", "003_c.txt")}), corpus)
    ingest(_write_seeds(tmp_path, {k: dumps[k] for k in ("001_a.txt", "002_b.txt")}), corpus)
    with sqlite3.connect(corpus) as db:
        assert grams_build.dead_count(db) > 0  # patched: the removed articles are masked
    ingest(_write_seeds(tmp_path, dumps), corpus)  # the second patch: rebuilt instead
    with sqlite3.connect(corpus) as db:
        assert grams_build.dead_count(db) == 0
    fresh = tmp_path / "fresh"
    ingest(_write_seeds(fresh, dumps), fresh / "c.db")
    assert _index_by_id(corpus) == _index_by_id(fresh / "c.db")


@pytest.mark.parametrize(
    ("name", "fix"),
    [
        ("SQLITE_BUSY", "Another program holds the corpus locked"),
        ("SQLITE_FULL", "Free disk space, then"),
        ("SQLITE_READONLY", "Check the permissions of /x/Corpus.db"),
        ("SQLITE_IOERR_WRITE", "Free disk space or check permissions"),
    ],
)
def test_a_failed_write_says_what_to_do_for_its_kind(name: str, fix: str) -> None:
    """A locked corpus is not a full disk: the message said "free disk space" for every error."""
    from zsctl.store.corpus import write_failed

    exc = sqlite3.OperationalError("database is locked")
    exc.sqlite_errorname = name  # as SQLite sets it
    said = write_failed(Path("/x/Corpus.db"), exc)
    assert said.startswith("writing the corpus failed (database is locked); nothing was changed")
    assert fix in said

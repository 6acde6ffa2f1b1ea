"""Issue 12's adversarial pass, one test per finding: each makes the attack happen for real.

Every run here is `python -m zsctl` in its own process (attack_kit), and the corpus is read
with plain sqlite3, so nothing in-process can soften the attack. Timing is made deterministic
instead of lucky: a run is frozen (SIGSTOP on its process group) at a point it cannot hide,
seen from outside (inotify: it opened its first dump; /proc/locks: it holds the ingest lock),
the file system is changed under it, and it is let go (SIGCONT). `make torture` repeats the
same attacks with random timings (scripts/torture.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.attack_kit import (
    SECRET,
    OpenWatch,
    can_mount,
    dash_dump,
    error_lines,
    exported,
    fill,
    finish,
    kill_group,
    make_seeds,
    many_dumps,
    outside_dump,
    read_articles,
    remount,
    row,
    spawn,
    swap_in_symlink,
    titles,
    tmpfs,
    traceback_free,
    wait_exit,
    wait_until_locked,
    zsctl,
)

READERS = {
    "list": ["list", "-n", "0"],
    "grep": ["grep", "项目"],
    "stats": ["stats"],
    "dupes": ["dupes"],
    "export": ["export", "--format", "jsonl"],
}


def one_error(proc: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The run exited `code` and said why in one `error:` line on stderr, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert traceback_free(proc.stdout, proc.stderr), proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def ingest(seeds: Path, corpus: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """`zsctl ingest` of `seeds` into `corpus`."""
    return zsctl("ingest", "--seeds", str(seeds), "--corpus", str(corpus), *more)


def built(seeds: Path, corpus: Path) -> Path:
    """`corpus` ingested from `seeds`, which must succeed."""
    proc = ingest(seeds, corpus)
    assert proc.returncode == 0, proc.stderr
    return corpus


@pytest.fixture
def mountable() -> None:
    """Skip unless this process may mount a tmpfs (root on Linux, as in CI)."""
    why = can_mount()
    if why:
        pytest.skip(why)


# --- 1. a listed dump swapped for a symlink during a run; a hard link to an outside file --------


def _frozen_after_first_open(proc: subprocess.Popen[str], watch: OpenWatch) -> None:
    """Freeze the run once it opened a dump: the manifest is validated by then."""
    opened = watch.wait_open(".txt", 120, proc)
    assert opened is not None, finish(proc)
    kill_group(proc, signal.SIGSTOP)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "fmt"), [("check", "table"), ("check", "github"), ("ingest", "-")]
)
def test_a_dump_swapped_for_a_symlink_mid_run_is_not_followed(
    tmp_path: Path, command: str, fmt: str
) -> None:
    dumps = many_dumps(300, articles=2)
    seeds = make_seeds(tmp_path, dumps)
    last = seeds / list(dumps)[-1]
    secret = outside_dump(tmp_path / "outside.txt")
    corpus = tmp_path / "c.db"
    args = ["--format", fmt] if command == "check" else ["--corpus", str(corpus)]
    watch = OpenWatch(seeds)
    proc = spawn(command, "--seeds", str(seeds), *args)
    try:
        _frozen_after_first_open(proc, watch)
        swap_in_symlink(last, secret)  # an atomic rename, as an attacker would do it
        kill_group(proc, signal.SIGCONT)
        code, out, err = finish(proc)
    finally:
        watch.close()
        wait_exit(proc)
    assert traceback_free(out, err), err
    assert SECRET not in out + err  # not one line of the outside file was read and printed
    assert code == 1, (out, err)
    assert last.name in out + err  # the swapped dump is reported by name
    if command == "ingest":
        stored = titles(corpus)
        assert not any(SECRET in t for t in stored)
        assert len(stored) == 2 * (len(dumps) - 1)  # every other dump went in


def test_a_hard_link_to_an_outside_file_is_refused_by_ingest(tmp_path: Path) -> None:
    good = dash_dump(1, 3)
    seeds = make_seeds(tmp_path, {"001_a.txt": good, "002_b.txt": dash_dump(2, 3)})
    secret = outside_dump(tmp_path / "outside.txt")
    (seeds / "001_a.txt").unlink()
    os.link(secret, seeds / "001_a.txt")  # a regular file, on the same device, not ours
    corpus = tmp_path / "c.db"
    proc = ingest(seeds, corpus)
    assert proc.returncode == 1 and traceback_free(proc.stderr), proc.stderr
    assert "001_a.txt" in proc.stderr and "sha256" in proc.stderr and "INDEX.md" in proc.stderr
    assert not any(SECRET in t for t in titles(corpus))
    assert len(titles(corpus)) == 3  # the other dump is stored
    # The documented way to take a changed dump anyway: --accept-changed, said in the warning.
    assert "--accept-changed" in proc.stderr
    accepted = ingest(seeds, corpus, "--accept-changed")
    # Stored, and its sha256 is no longer a problem; its lines that are no article still are
    # (ingest reports what check would, and exits 1).
    assert accepted.returncode == 1 and traceback_free(accepted.stderr), accepted.stderr
    assert "sha256-mismatch" not in accepted.stderr and "unparsed-line" in accepted.stderr
    assert any(SECRET in t for t in titles(corpus))


def test_a_changed_dump_is_refused_by_ingest_until_its_row_is_updated(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": dash_dump(1, 3)})
    corpus = built(seeds, tmp_path / "c.db")
    before = read_articles(corpus)
    (seeds / "001_a.txt").write_bytes(dash_dump(1, 3, marker="乙"))  # edited, row not updated
    proc = ingest(seeds, corpus)
    assert proc.returncode == 1 and "INDEX.md" in proc.stderr and traceback_free(proc.stderr)
    assert read_articles(corpus) == before  # what was stored for it stays
    make_seeds(tmp_path, {"001_a.txt": dash_dump(1, 3, marker="乙")})  # the row updated
    assert ingest(seeds, corpus).returncode == 0
    assert all(t.startswith("乙") for t in titles(corpus))


def test_a_mount_over_a_listed_dump_is_refused(tmp_path: Path, mountable: None) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": dash_dump(1, 3), "002_b.txt": dash_dump(2, 3)})
    target = seeds / "001_a.txt"
    # From another file system: a bind mount within the seeds' own has their device and is
    # not told apart (making one needs root, who can change the dumps anyway).
    with tmpfs(tmp_path / "other", "1m") as other:
        secret = outside_dump(other / "outside.txt")
        subprocess.run(["mount", "--bind", str(secret), str(target)], check=True)
        try:
            check = zsctl("check", "--seeds", str(seeds))
            run = ingest(seeds, tmp_path / "c.db", "--accept-changed")
        finally:
            subprocess.run(["umount", str(target)], check=True)
    for proc in (check, run):
        assert proc.returncode == 1 and traceback_free(proc.stdout, proc.stderr)
        assert SECRET not in proc.stdout + proc.stderr
        assert "device" in proc.stdout + proc.stderr
    assert not any(SECRET in t for t in titles(tmp_path / "c.db"))


# --- 2. corpus paths with '?', '#' or '%XX' -------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["we?ird.db", "pct%41.db", "hash#tag.db", "sp ace&x=1.db"])
def test_corpus_paths_with_uri_characters_open_that_file(tmp_path: Path, name: str) -> None:
    mine = make_seeds(tmp_path / "mine", {"001_a.txt": dash_dump(1, 2, marker="甲")})
    other = make_seeds(tmp_path / "other", {"001_a.txt": dash_dump(2, 2, marker="乙")})
    corpus = built(mine, tmp_path / name)
    built(other, tmp_path / "pctA.db")  # what 'pct%41.db' decodes to as a URI
    plain = tmp_path / "plain" / "c.db"
    plain.parent.mkdir()
    plain.write_bytes(corpus.read_bytes())
    before = {p.name for p in tmp_path.iterdir()}
    for command in ("list", "grep", "export"):  # the fast path, and the Typer one
        proc = zsctl(*READERS[command], "--corpus", str(corpus))
        assert proc.returncode == 0, (command, proc.stderr)
        assert proc.stdout == zsctl(*READERS[command], "--corpus", str(plain)).stdout, command
    assert "甲" in proc.stdout and "乙" not in proc.stdout
    made = {p.name for p in tmp_path.iterdir()} - before
    assert made <= {f"{name}-shm", f"{name}-wal"}  # SQLite's own files, no stray 'we' or 'pctA'

    assert ingest(mine, corpus).returncode == 0  # and the write path agrees


# --- 3. a read-only folder or mount ---------------------------------------------------------------


@pytest.fixture(params=["ro-mount", "chmod-555"])
def readonly_corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A healthy corpus in a folder no one can write: a read-only tmpfs, or chmod 555."""
    seeds = make_seeds(tmp_path, many_dumps(3, 4))
    if request.param == "ro-mount":
        why = can_mount()
        if why:
            pytest.skip(why)
        with tmpfs(tmp_path / "mnt", "8m") as mnt:
            built(seeds, mnt / "c.db")
            remount(mnt, "ro")
            yield mnt / "c.db"
        return
    if os.geteuid() == 0:
        pytest.skip("root ignores permission bits: chmod 555 stops nothing (the ro mount does)")
    folder = tmp_path / "ro"
    folder.mkdir()
    built(seeds, folder / "c.db")
    folder.chmod(0o555)
    try:
        yield folder / "c.db"
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("command", list(READERS))
def test_a_corpus_in_a_read_only_folder_can_be_read(readonly_corpus: Path, command: str) -> None:
    folder = readonly_corpus.parent
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    proc = zsctl(*READERS[command], "--corpus", str(readonly_corpus))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() and traceback_free(proc.stderr)
    assert "move it aside" not in proc.stderr
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_ingest_into_a_read_only_folder_is_one_line(readonly_corpus: Path, tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "more", many_dumps(4, 4))
    error = one_error(ingest(seeds, readonly_corpus))
    assert "read-only" in error or "permission" in error.lower()
    assert "move it aside" not in error  # impossible there, and not the fix
    fresh = one_error(ingest(seeds, readonly_corpus.with_name("new.db")))
    assert "read-only" in fresh or "permission" in fresh.lower()


# --- 4. a full disk: the lock file, the first ingest, an update -----------------------------------


def test_a_full_disk_when_the_lock_is_written_is_one_line(tmp_path: Path, mountable: None) -> None:
    seeds = make_seeds(tmp_path, many_dumps(3, 4))
    with tmpfs(tmp_path / "mnt", "4m") as mnt:
        filler = fill(mnt)
        error = one_error(ingest(seeds, mnt / "c.db"))
        assert "space" in error or "full" in error
        filler.unlink()
        done = ingest(seeds, mnt / "c.db")
        assert done.returncode == 0, done.stderr
        assert len(read_articles(mnt / "c.db")) == 12


@pytest.mark.slow
def test_a_full_disk_during_an_update_keeps_the_corpus(tmp_path: Path, mountable: None) -> None:
    first = many_dumps(1, 4)
    seeds = make_seeds(tmp_path, first)
    with tmpfs(tmp_path / "mnt", "16m") as mnt:
        corpus = built(seeds, mnt / "c.db")
        before = read_articles(corpus)
        make_seeds(tmp_path, many_dumps(40, 30))  # far more than the full disk holds
        filler = fill(mnt)
        proc = ingest(seeds, corpus)
        error = one_error(proc)
        assert "space" in error or "full" in error
        assert read_articles(corpus) == before
        filler.unlink()
        assert ingest(seeds, corpus).returncode == 0
        assert exported(corpus) == exported(built(seeds, tmp_path / "fresh.db"))


def test_a_corpus_on_a_full_disk_can_still_be_read(tmp_path: Path, mountable: None) -> None:
    # Found by `make torture`: a WAL reader creates a -shm file, and a full disk has no room.
    seeds = make_seeds(tmp_path, many_dumps(3, 4))
    with tmpfs(tmp_path / "mnt", "4m") as mnt:
        corpus = built(seeds, mnt / "c.db")
        fill(mnt)
        for command in ("list", "export"):
            proc = zsctl(*READERS[command], "--corpus", str(corpus))
            assert proc.returncode == 0 and traceback_free(proc.stderr), proc.stderr
            assert "甲0002" in proc.stdout


# --- 5. show --raw after a dump changed -----------------------------------------------------------


def test_show_raw_after_a_dump_changed_says_so(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": dash_dump(1, 3), "002_b.txt": dash_dump(2, 3)})
    corpus = built(seeds, tmp_path / "c.db")
    [(article,)] = [(a[0],) for a in read_articles(corpus) if str(a[1]).startswith("甲0001号00001")]
    # Another article's lines now sit where the stored record's lines were.
    (seeds / "001_a.txt").write_bytes(dash_dump(9, 1, marker="丙") + dash_dump(1, 3))
    proc = zsctl("show", article, "--raw", "--seeds", str(seeds), "--corpus", str(corpus))
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "changed since the ingest" in proc.stderr and traceback_free(proc.stderr)
    assert "丙" not in proc.stdout  # not one line of another article under this heading


# --- 6. a hand-damaged corpus ---------------------------------------------------------------------


DAMAGE = {
    "bad-blob": "UPDATE records SET body = X'DEADBEEF' WHERE body IS NOT NULL",
    "bad-json": "UPDATE records SET mentions = '{\"天津' ",
    "bad-postings": "UPDATE grams SET postings = X'01'",
    "emptied-grams": "DELETE FROM grams",
    "lost-article": "DELETE FROM articles WHERE n = (SELECT max(n) FROM articles)",
    "bad-order": "UPDATE article_order SET rowids = X'01'",
}


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, seeds) with duplicates, so records keep their own compressed bodies."""
    root = tmp_path_factory.mktemp("healthy")
    dumps = many_dumps(3, 6)
    dumps["009_dup.txt"] = dumps["000_d00000.txt"]  # every record of it is a duplicate
    seeds = make_seeds(root, dumps)
    return built(seeds, root / "c.db"), seeds


def _damaged(healthy: tuple[Path, Path], tmp_path: Path, kind: str) -> Path:
    corpus = tmp_path / "damaged.db"
    corpus.write_bytes(healthy[0].read_bytes())
    with closing(sqlite3.connect(corpus)) as db, db:
        changed = db.execute(DAMAGE[kind]).rowcount
    assert changed > 0, kind  # the damage really happened
    return corpus


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_doctor_finds_a_damaged_corpus(
    healthy: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    corpus = _damaged(healthy, tmp_path, kind)
    proc = zsctl("doctor", "--corpus", str(corpus))
    assert proc.returncode == 1 and traceback_free(proc.stdout, proc.stderr), proc.stderr
    assert f"mv {corpus} {corpus}.old && zsctl ingest" in proc.stdout + proc.stderr


def test_doctor_passes_a_healthy_corpus(healthy: tuple[Path, Path]) -> None:
    proc = zsctl("doctor", "--corpus", str(healthy[0]))
    assert proc.returncode == 0 and traceback_free(proc.stderr), proc.stderr
    assert "ok" in proc.stdout + proc.stderr


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_ingest_refuses_a_damaged_corpus(
    healthy: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    corpus = _damaged(healthy, tmp_path, kind)
    seeds = make_seeds(tmp_path, {p.name: p.read_bytes() for p in healthy[1].glob("*.txt")})
    (seeds / "001_d00001.txt").write_bytes(dash_dump(1, 6, marker="乙"))  # re-cluster
    make_seeds(tmp_path, {p.name: p.read_bytes() for p in seeds.glob("*.txt")})
    before = corpus.read_bytes()
    error = one_error(ingest(seeds, corpus))
    assert f"mv {corpus} {corpus}.old && zsctl ingest" in error
    assert corpus.read_bytes() == before


@pytest.mark.parametrize("kind", ["bad-postings", "emptied-grams"])
def test_grep_on_a_damaged_index_is_no_silent_zero(
    healthy: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    corpus = _damaged(healthy, tmp_path, kind)
    for args in (["grep", "-c", "项目"], ["grep", "项目"]):
        error = one_error(zsctl(*args, "--corpus", str(corpus)))
        assert "zsctl ingest" in error


# --- 6. names: over 255 bytes, outside the allowed set --------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a" * 300 + ".txt", "255 bytes"),
        ("001 a.txt", "' '"),
        ("001_天津.txt", "'天'"),
        ("001:a.txt", "':'"),
        ("-001.txt", "letter or digit"),
        (".001.txt", "letter or digit"),
        ("001_a.md", ".txt"),
        ("001_a.TXT", ".txt"),
        ("sub/001_a.txt", "folder"),
    ],
)
def test_refused_dump_names_get_the_right_reason(tmp_path: Path, name: str, reason: str) -> None:
    seeds = make_seeds(tmp_path, {}, rows=row(name, b"x"))
    proc = zsctl("check", "--seeds", str(seeds), "--format", "json")
    assert proc.returncode == 1 and traceback_free(proc.stderr), proc.stderr
    [problem] = json.loads(proc.stdout)["problems"]
    assert problem["code"] == "manifest-path"
    assert reason in problem["message"], problem["message"]
    assert "A-Z a-z 0-9" in problem["message"]  # the allowed set, said where it is refused
    one_error(ingest(seeds, tmp_path / "c.db"))


# --- 6. a dump rewritten while it is read ---------------------------------------------------------

REWRITER = """
import os, sys, time
path, stop = sys.argv[1], sys.argv[4]
a, b = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()
fd = os.open(path, os.O_WRONLY)
step = 16384
while not os.path.exists(stop):
    for data in (a, b):
        for off in range(0, len(data), step):
            os.pwrite(fd, data[off:off + step], off)
"""


@pytest.mark.slow
def test_a_dump_rewritten_while_read_is_never_stored_torn(tmp_path: Path) -> None:
    # Only bytes that hash to the row's sha256 are stored. (With --accept-changed a change
    # seen while reading still skips the dump, but a writer that pauses mid-file leaves a
    # stable half-written file that no reader can tell apart: see docs/SECURITY.md.)
    a, b = dash_dump(7, 2500, marker="甲"), dash_dump(7, 2500, marker="乙")
    assert len(a) == len(b)
    seeds = make_seeds(tmp_path, {"001_a.txt": a})  # INDEX.md holds a's sha256
    (tmp_path / "a.bin").write_bytes(a)
    (tmp_path / "b.bin").write_bytes(b)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", REWRITER, str(seeds / "001_a.txt"), str(tmp_path / "a.bin"),
         str(tmp_path / "b.bin"), str(stop)]
    )  # fmt: skip
    try:
        for n in range(3):
            corpus = tmp_path / f"c{n}.db"
            proc = ingest(seeds, corpus)
            assert proc.returncode in (0, 1) and traceback_free(proc.stderr), proc.stderr
            marks = {t[0] for t in titles(corpus)}
            assert marks in (set(), {"甲"}), marks  # never a mix, never the other version
            if not marks:
                assert "changed while it was read" in proc.stderr or "sha256" in proc.stderr
    finally:
        stop.write_text("stop")
        writer.wait(timeout=30)


# --- 6. CSV to a pipe -----------------------------------------------------------------------------


def test_csv_to_a_pipe_is_as_inert_as_jsonl(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, {"001_a.txt": dash_dump(1, 2)})
    corpus = built(seeds, tmp_path / "c.db")
    evil = "x\u202ey\u200bz\tw"
    with closing(sqlite3.connect(corpus)) as db, db:  # as a doctored or scraped corpus has it
        db.execute("UPDATE articles SET title = title || ?, body = body || ?", (evil, evil))
    for fmt in ("jsonl", "csv"):
        proc = zsctl("export", "--format", fmt, "--corpus", str(corpus))
        assert proc.returncode == 0, proc.stderr
        for bad in ("\u202e", "\u200b", "\t"):
            assert bad not in proc.stdout, (fmt, bad)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 2 and all("\\u202e" in r["title"] for r in rows)  # visible, not lost


# --- 6. Ctrl-C and SIGTERM ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_ingest_says_the_corpus_was_not_changed(
    tmp_path: Path, sig: int, code: int
) -> None:
    seeds = make_seeds(tmp_path, many_dumps(1, 4))
    corpus = built(seeds, tmp_path / "c.db")
    before = read_articles(corpus)
    make_seeds(tmp_path, many_dumps(400, 6))
    proc = spawn("ingest", "--seeds", str(seeds), "--corpus", str(corpus))
    try:
        assert wait_until_locked(proc), finish(proc)
        time.sleep(0.3)  # reading dumps
        if sig == signal.SIGINT:
            kill_group(proc, sig)  # Ctrl-C: the terminal signals the whole job
        else:
            proc.send_signal(sig)  # `kill PID`: the main process only
        got, _out, err = finish(proc, timeout=60)
    finally:
        wait_exit(proc)
    assert got == code, err
    assert traceback_free(err), err
    assert error_lines(err)[-1].endswith("interrupted; the corpus was not changed"), err
    assert read_articles(corpus) == before
    assert ingest(seeds, corpus).returncode == 0


# --- 6. a kill during the very first open ---------------------------------------------------------


@pytest.mark.parametrize("leftovers", [(), ("-journal",), ("-wal", "-shm")])
def test_a_zero_byte_corpus_is_an_unfinished_first_ingest(
    tmp_path: Path, leftovers: tuple[str, ...]
) -> None:
    corpus = tmp_path / "c.db"
    for suffix in ("", *leftovers):
        (tmp_path / f"c.db{suffix}").write_bytes(b"")
    error = one_error(zsctl("list", "--corpus", str(corpus)))
    assert "not a zsctl corpus" not in error and "move it aside" not in error
    assert "zsctl ingest" in error and "unfinished" in error
    seeds = make_seeds(tmp_path, many_dumps(2, 3))
    assert ingest(seeds, corpus).returncode == 0  # simply rebuilt
    assert len(read_articles(corpus)) == 6


def test_a_first_ingest_killed_before_its_schema_is_unfinished_too(tmp_path: Path) -> None:
    # Found by the suite under load: killed between SQLite's header and the schema's commit.
    corpus = tmp_path / "c.db"
    with closing(sqlite3.connect(corpus)) as db:
        db.execute("PRAGMA journal_mode = WAL")
    assert corpus.stat().st_size > 0
    error = one_error(zsctl("list", "--corpus", str(corpus)))
    assert "unfinished" in error and "not a zsctl corpus" not in error
    assert ingest(make_seeds(tmp_path, many_dumps(2, 3)), corpus).returncode == 0
    assert len(read_articles(corpus)) == 6


@pytest.mark.slow
def test_a_first_ingest_killed_early_is_rebuilt(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path, many_dumps(200, 3))
    corpus = tmp_path / "c.db"
    proc = spawn("ingest", "--seeds", str(seeds), "--corpus", str(corpus))
    try:
        assert wait_until_locked(proc), finish(proc)
        kill_group(proc, signal.SIGKILL)
        proc.wait()
    finally:
        wait_exit(proc)
    listed = zsctl("list", "--corpus", str(corpus))
    assert traceback_free(listed.stderr) and "not a zsctl corpus" not in listed.stderr
    assert ingest(seeds, corpus).returncode == 0
    assert exported(corpus) == exported(built(seeds, tmp_path / "fresh.db"))


# --- 6. a second path to the same corpus ----------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("alias", ["file-symlink", "folder-symlink"])
def test_a_second_path_to_the_corpus_does_not_pass_the_lock(tmp_path: Path, alias: str) -> None:
    seeds = make_seeds(tmp_path, many_dumps(2, 3))
    home = tmp_path / "home"
    home.mkdir()
    corpus = built(seeds, home / "c.db")
    if alias == "file-symlink":
        other = tmp_path / "alias.db"
        other.symlink_to(corpus)
    else:
        other = tmp_path / "alias" / "c.db"
        other.parent.symlink_to(home)
    make_seeds(tmp_path, many_dumps(300, 4))
    watch = OpenWatch(seeds)
    holder = spawn("ingest", "--seeds", str(seeds), "--corpus", str(corpus))
    try:
        assert wait_until_locked(holder), finish(holder)
        # Reading dumps: past the lock and the pid written into it.
        _frozen_after_first_open(holder, watch)  # holds the lock for as long as the test needs
        second = ingest(seeds, other)
        kill_group(holder, signal.SIGCONT)
        code, _out, err = finish(holder)
    finally:
        watch.close()
        wait_exit(holder)
    error = one_error(second)
    assert f"another ingest (pid {holder.pid})" in error and "--wait" in error
    assert code == 0, err


def test_a_hard_linked_corpus_is_refused_for_writing(tmp_path: Path) -> None:
    # SQLite finds the journal by name: two names could each get a journal and corrupt it.
    seeds = make_seeds(tmp_path, many_dumps(2, 3))
    corpus = built(seeds, tmp_path / "c.db")
    before = read_articles(corpus)
    os.link(corpus, tmp_path / "linked.db")
    make_seeds(tmp_path, many_dumps(3, 3))
    for name in ("c.db", "linked.db"):
        error = one_error(ingest(seeds, tmp_path / name))
        assert "hard link" in error
    assert read_articles(corpus) == before
    assert zsctl("list", "--corpus", str(tmp_path / "linked.db")).returncode == 0  # reading is fine

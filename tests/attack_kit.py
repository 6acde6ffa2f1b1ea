"""Tools for attacking zsctl from outside: real subprocesses, mounts, file swaps, signals.

Shared by tests/test_attacks.py (one short, fixed-timing run of each attack) and
scripts/torture.py (`make torture`: the same attacks with random timings, for minutes).
Everything here drives the installed CLI (`python -m zsctl`) and reads the corpus with plain
sqlite3, so it holds whatever the package's internals look like.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import random
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
HEADER = "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n"
SITE = "chanyeyuanqu"
# Common characters for article bodies: random text from them never reads as a near-duplicate.
_HANZI = (
    "天津滨海新区武清西青东丽津南北辰宁河静海蓟州和平河东河西南开红桥产业园区项目签约落地"
    "投资企业发展建设招商引资合作服务创新科技制造中心平台政策营商环境高质量协同京津冀"
)
SECRET = "OUTSIDE-SECRET-LINE"  # what a file outside the seeds folder holds


# --- dumps and seeds folders ----------------------------------------------------------------------


def dash_dump(seed: int, articles: int, marker: str = "甲", body: int = 120) -> bytes:
    """A dump in the dash layout of `articles` distinct articles; `marker` starts each title.

    Two dumps with the same seed and articles but a marker of the same UTF-8 length have the
    same size, so one can be written over the other in place.
    """
    rng = random.Random(seed)
    parts = []
    for i in range(articles):
        text = "".join(rng.choice(_HANZI) for _ in range(body))
        day = 1 + i % 28
        parts.append(
            f"-\n{marker}{seed:04d}号{i:05d}项目签约落地滨海新区\n{text}。\n2025-07-{day:02d}\n"
        )
    return "".join(parts).encode()


def row(name: str, data: bytes, sha: str | None = None) -> str:
    """One INDEX.md row for `data` (its sha256 unless given)."""
    return f"| {name} | {SITE} | auto | - | {sha or hashlib.sha256(data).hexdigest()} | t |\n"


def make_seeds(root: Path, dumps: Mapping[str, bytes], rows: str | None = None) -> Path:
    """root/seeds holding `dumps` (name -> bytes) and an INDEX.md listing them in order."""
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for name, data in dumps.items():
        (seeds / name).write_bytes(data)
    body = rows if rows is not None else "".join(row(n, d) for n, d in dumps.items())
    (seeds / "INDEX.md").write_text("# seeds\n\n" + HEADER + body, "utf-8")
    return seeds


def many_dumps(count: int, articles: int = 8, marker: str = "甲") -> dict[str, bytes]:
    """`count` dumps of distinct articles, named NNN_xxx.txt in listing order."""
    return {f"{i:03d}_d{i:05d}.txt": dash_dump(i, articles, marker) for i in range(count)}


def outside_dump(path: Path) -> Path:
    """A file outside any seeds folder that parses to one article and holds SECRET lines."""
    text = f"-\n{SECRET}标题外部文章\n外部文件的正文,不应进入语料库。\n2025-07-01\n{SECRET}\n" * 3
    path.write_text(text, encoding="utf-8")
    return path


def swap_in_symlink(target: Path, points_to: Path) -> None:
    """Atomically replace `target` by a symlink to `points_to` (rename over it)."""
    tmp = target.with_name(f".swap-{os.getpid()}-{target.name}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(points_to)
    os.rename(tmp, target)


# --- running zsctl --------------------------------------------------------------------------------


def env(**extra: str) -> dict[str, str]:
    """The environment zsctl runs in: no terminal, no colour, no corpus from the caller."""
    base = {k: v for k, v in os.environ.items() if k != "ZSCTL_CORPUS"}
    return {**base, "COLUMNS": "200", "NO_COLOR": "1", **extra}


def zsctl(*args: str, timeout: float = 300, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run `python -m zsctl ARGS` to the end; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "zsctl", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env(),
        stdin=subprocess.DEVNULL, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def spawn(*args: str) -> subprocess.Popen[str]:
    """Start `python -m zsctl ARGS` in its own process group (as a shell job would be)."""
    return subprocess.Popen(
        [sys.executable, "-m", "zsctl", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env(),
        stdin=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    """Wait for a spawned run; (exit code, stdout, stderr)."""
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def kill_group(proc: subprocess.Popen[str], sig: int) -> None:
    """Send `sig` to the run's whole process group (the terminal does this on Ctrl-C)."""
    with suppress(ProcessLookupError):  # it may have ended already
        os.killpg(proc.pid, sig)


def traceback_free(*texts: str) -> bool:
    """No Python traceback in any of the texts."""
    return not any("Traceback (most recent call last)" in t for t in texts)


def error_lines(stderr: str) -> list[str]:
    """The non-blank lines of stderr."""
    return [line for line in stderr.splitlines() if line.strip()]


# --- watching a run -------------------------------------------------------------------------------

_IN_OPEN = 0x20


class OpenWatch:
    """inotify on a folder: waits until a run opens a file in it (the run cannot hide it)."""

    def __init__(self, folder: Path) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if self._libc.inotify_add_watch(self.fd, os.fsencode(folder), _IN_OPEN) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {folder}")

    def wait_open(self, suffix: str, timeout: float, proc: subprocess.Popen[str]) -> str | None:
        """The name of the first file ending in `suffix` opened, or None if none in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if not ready:
                continue
            data = os.read(self.fd, 65536)
            offset = 0
            while offset < len(data):
                _wd, _mask, _cookie, size = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16 : offset + 16 + size].rstrip(b"\0").decode()
                offset += 16 + size
                if name.endswith(suffix):
                    return name
        return None

    def close(self) -> None:
        """Stop watching."""
        os.close(self.fd)


def holds_lock(pid: int) -> bool:
    """Whether process `pid` holds a file lock (flock or fcntl), per /proc/locks."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()  # "1: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF"
        if "->" not in fields and len(fields) > 4 and fields[4] == str(pid):
            return True
    return False


def wait_until_locked(proc: subprocess.Popen[str], timeout: float = 120) -> bool:
    """Poll until the run holds its ingest lock; False if it ended or timed out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if holds_lock(proc.pid):
            return True
        time.sleep(0.002)
    return False


# --- the corpus, read from outside ----------------------------------------------------------------


def read_articles(corpus: Path) -> list[tuple[object, ...]]:
    """Every stored article (id, title, date, body, sources), read-only with plain sqlite3."""
    uri = f"file:{quote(str(corpus))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        return db.execute(
            "SELECT id, title, date, body, n_sources FROM articles ORDER BY id"
        ).fetchall()


def titles(corpus: Path) -> set[str]:
    """The stored articles' titles."""
    return {str(a[1]) for a in read_articles(corpus)}


def exported(corpus: Path) -> str:
    """`zsctl export` of the corpus: what a fresh full ingest must equal byte for byte."""
    proc = zsctl("export", "--format", "jsonl", "--corpus", str(corpus))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# --- mounts (root only) ---------------------------------------------------------------------------


def can_mount() -> str | None:
    """None if this process may mount a tmpfs, else why not (for pytest.skip)."""
    if sys.platform != "linux":
        return "mounting a tmpfs needs Linux"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (not root here)"
    probe = Path(f"/tmp/zsctl-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            return f"mount -t tmpfs failed here: {done.stderr.strip()}"
        subprocess.run(["umount", str(probe)], check=True)
        return None
    except FileNotFoundError:
        return "no mount command"
    finally:
        probe.rmdir()


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. '2m') mounted at `where` for the block; unmounted after."""
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, mode: str) -> None:
    """Remount a tmpfs read-only ('ro') or read-write ('rw')."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def fill(folder: Path) -> Path:
    """Fill the file system of `folder` to the last byte; returns the filler file."""
    filler = folder / "filler"
    with open(filler, "ab", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError:
                continue
    return filler


def wait_exit(proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    """Make sure a spawned run is gone (tests end their children)."""
    if proc.poll() is None:
        kill_group(proc, sig)
        proc.wait()

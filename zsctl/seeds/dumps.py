"""Reading one listed dump: the size limits, the bytes, their sha256, the path inside the folder.

This module is the one owner of how a dump is opened: `check`, `ingest` and `show --raw` all
read dumps through it, so what it refuses (a symlink swapped in, a mount over a dump, a file
changed while read, bytes that are not the ones INDEX.md lists) no command reads.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from zsctl.errors import (
    CorpusError,
    DumpChangedError,
    DumpReadError,
    DumpTooLargeError,
    UsageError,
)
from zsctl.seeds.statcache import RACY_NS

# Dumps are untrusted and parsing holds a whole dump in memory: about 6 bytes per byte of a
# long line, or about 450 bytes per line of a listing, so both the size and the line count
# are capped (with the defaults one dump peaks under 512 MiB). Real dumps are tens of
# kilobytes and a few hundred lines. See docs/SECURITY.md.
MAX_MB_ENV = "ZSCTL_MAX_DUMP_MB"
MAX_LINES_ENV = "ZSCTL_MAX_DUMP_LINES"
DEFAULT_MAX_MB = 64
DEFAULT_MAX_LINES = 1_000_000


@dataclass(frozen=True, slots=True)
class DumpLimits:
    """The largest dump zsctl reads: bytes on disk and lines after decoding."""

    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    max_lines: int = DEFAULT_MAX_LINES


def dump_limits() -> DumpLimits:
    """The limits in force: $ZSCTL_MAX_DUMP_MB and $ZSCTL_MAX_DUMP_LINES, else the defaults."""
    mb = _env_int(MAX_MB_ENV, DEFAULT_MAX_MB)
    lines = _env_int(MAX_LINES_ENV, DEFAULT_MAX_LINES)
    return DumpLimits(mb * 1024 * 1024, lines)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise UsageError(f"${name} must be a whole number above 0, got {raw!r}; unset it or fix it")
    return int(raw)


@dataclass(frozen=True, slots=True)
class DumpBytes:
    """A dump as read: its bytes and the fstat taken before reading them."""

    data: bytes
    info: os.stat_result


def read_dump(path: Path, name: str | None = None, limits: DumpLimits | None = None) -> bytes:
    """A dump's bytes (see read_dump_stat): the file named `path.name` inside `path.parent`."""
    return read_dump_stat(path, name, limits).data


def read_dump_stat(
    path: Path, name: str | None = None, limits: DumpLimits | None = None
) -> DumpBytes:
    """A dump's bytes, read so that nothing outside its folder and no half-written file is used.

    The file is opened relative to a descriptor of its folder with O_NOFOLLOW, so a symlink
    renamed over a listed dump after INDEX.md was checked is refused, not followed (one link to
    another plain name in the same folder is allowed). After opening, fstat must show a regular
    file on the folder's device (a bind mount over a dump is refused) under the size limit; after
    reading, the file must be unchanged (see _unchanged_since).
    """
    where = name or str(path)
    limits = limits or dump_limits()
    try:
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise DumpReadError(f"cannot open the dump's folder: {exc.strerror}", path=where) from None
    try:
        fd = _open_inside(folder, path.name, where)
        try:
            return _read_open(fd, os.fstat(folder), limits, where)
        finally:
            os.close(fd)
    finally:
        os.close(folder)


def _open_inside(folder: int, name: str, where: str) -> int:
    """Open `name` in the folder without following a symlink out of it."""
    # O_NONBLOCK: opening a FIFO planted under a dump's name must not hang the reader.
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        return os.open(name, flags, dir_fd=folder)
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.EMLINK):
            raise DumpReadError(
                f"cannot open dump: {exc.strerror}; check the file and its permissions", path=where
            ) from None
    try:
        target = os.readlink(name, dir_fd=folder)
    except OSError as exc:
        raise DumpReadError(f"cannot read the symlink: {exc.strerror}", path=where) from None
    if "/" in target or target in (".", ".."):
        raise DumpReadError(
            f"is a symlink to {target!r}, outside the seeds folder or through another folder; "
            "refused: replace the link with the dump itself",
            path=where,
        )
    try:
        return os.open(target, flags, dir_fd=folder)
    except OSError as exc:
        why = "a symlink to a symlink" if exc.errno == errno.ELOOP else exc.strerror
        raise DumpReadError(
            f"cannot open the dump its symlink names ({target!r}): {why}; "
            "replace the link with the dump itself",
            path=where,
        ) from None


def _read_open(fd: int, folder: os.stat_result, limits: DumpLimits, where: str) -> DumpBytes:
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DumpReadError("not a regular file; a dump must be a plain file", path=where)
        if info.st_dev != folder.st_dev:
            raise DumpReadError(
                "is on another device than its folder (a mount over the dump?); refused: "
                "a dump must be a plain file inside the seeds folder",
                path=where,
            )
        refuse_size(info.st_size, limits, where)
        data = _read_all(fd, info.st_size)
        if not _unchanged_since(fd, info, data):
            raise DumpChangedError(
                "the dump changed while it was read (is it still being written?); skipped: "
                "run again once it is complete",
                path=where,
            )
    except OSError as exc:
        raise DumpReadError(f"cannot read dump: {exc.strerror}", path=where) from None
    return DumpBytes(data, info)


def _read_all(fd: int, size: int) -> bytes:
    """At most size + 1 bytes from offset 0: one byte more shows a file that grew meanwhile."""
    want = size + 1
    data = os.pread(fd, want, 0)
    while len(data) < want and (more := os.pread(fd, want - len(data), len(data))):
        data += more
    return data


def _unchanged_since(fd: int, before: os.stat_result, data: bytes) -> bool:
    """True if the file is as it was when `before` was taken and `data` is all of it.

    fstat again must give the same size, mtime, ctime and inode. A file modified within the
    clock's resolution could have been written without its times moving, so a recently
    modified one is read a second time and must give the same bytes (as git treats a racy
    index entry).
    """
    after = os.fstat(fd)
    same = (before.st_size, before.st_mtime_ns, before.st_ctime_ns, before.st_ino) == (
        after.st_size,
        after.st_mtime_ns,
        after.st_ctime_ns,
        after.st_ino,
    )
    if not same or len(data) != before.st_size:
        return False
    if time.time_ns() - after.st_mtime_ns < RACY_NS:
        return _read_all(fd, before.st_size) == data
    return True


def refuse_size(size: int, limits: DumpLimits, where: str) -> None:
    if size > limits.max_bytes:
        raise DumpTooLargeError(
            f"dump is {size / 1048576:.1f} MiB, over the {limits.max_bytes / 1048576:.0f} MiB "
            f"limit; split it into smaller dumps, or raise ${MAX_MB_ENV} if you trust it",
            path=where,
        )


def sha256_of(data: bytes) -> str:
    """A dump's identity as INDEX.md records it: the hex sha256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def listed_mismatch(digest: str, listed: str, line: int, index: str = "INDEX.md") -> str | None:
    """Why a dump whose bytes hash to `digest` is not the one INDEX.md lists, or None."""
    if digest == listed:
        return None
    return (
        f"sha256 is {digest} but {index} line {line} says {listed}; the dump changed since its "
        "row was written: check it, then put the new sha256 in the row"
    )


def dump_path(seeds: Path, dump: str) -> Path:
    """The dump's path inside `seeds`; CorpusError if the name points outside it."""
    try:
        root = seeds.resolve()
        path = (root / dump).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop raises RuntimeError before 3.13
        raise CorpusError(f"cannot resolve dump {dump!r} in {seeds}: {exc}") from None
    if not path.is_relative_to(root) or path == root:
        raise CorpusError(f"refusing to read dump {dump!r}: it is outside the seeds folder {seeds}")
    return path

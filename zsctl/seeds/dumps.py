"""Reading one listed dump: the size limits, the bytes, their sha256, the path inside the folder.

This module is the one owner of how a dump is opened: `check`, `ingest` and `show --raw` all
read dumps through it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from zsctl.errors import CorpusError, DumpReadError, DumpTooLargeError, UsageError

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


def read_dump(path: Path, name: str | None = None, limits: DumpLimits | None = None) -> bytes:
    """A dump's bytes; refuses non-regular files and dumps over the limit before reading them."""
    where = name or str(path)
    limits = limits or dump_limits()
    try:
        # O_NONBLOCK: opening a FIFO planted under a dump's name must not hang the reader.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise DumpReadError(
            f"cannot open dump: {exc.strerror}; check the file and its permissions", path=where
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DumpReadError("not a regular file; a dump must be a plain file", path=where)
        refuse_size(info.st_size, limits, where)
        # One byte past the size fstat gave shows a file that grew while it was read; the
        # cap holds whatever the file does.
        want = info.st_size + 1
        data = os.read(fd, want)
        while len(data) < want and (more := os.read(fd, want - len(data))):
            data += more
    except OSError as exc:
        raise DumpReadError(f"cannot read dump: {exc.strerror}", path=where) from None
    finally:
        os.close(fd)
    if len(data) > info.st_size:
        raise DumpReadError("the dump changed while it was read; run again", path=where)
    return data


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

"""Export files (JSONL, CSV, Parquet) in the versioned schema of docs/EXPORT_SCHEMA.md."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from zsctl.errors import ZsctlError
from zsctl.export.encode import check_format, write
from zsctl.export.schema import FILE_FORMATS
from zsctl.query import articles
from zsctl.query.articles import Detail
from zsctl.query.filters import Filters
from zsctl.store.corpus import connect_read, open_snapshot

_BUFFER = 1 << 20
_SYNC_EVERY = 0.25  # seconds between the early fsyncs of an export file, see _EarlySync
# A large export to a file is split in two at an article: this process writes the first part
# and a second process (_helper) the rest, into a part file appended at the end. Both read the
# same snapshot of the corpus, or the first process writes the rest itself (see export_file).
SPLIT_MIN = 20_000  # articles; below this the second process's start-up costs more than it saves
_SPLIT_SHARE = 0.5  # of the articles, written by this process


# The export's hot loop avoids json's generic encoder and the csv module, both of which walk
# every character of ~4 KB of body per article: the small fields are formatted directly with
# json's own string escaper, and the body is escaped on its UTF-8 bytes (only quote, backslash,
# tab and newline need it) and reused for `body` and `paragraphs` without being decoded. The
# output is byte for byte what json.dumps and csv.writer write (tests hold them equal); bodies
# with other control characters simply take that generic path.


def write_file(articles: Iterable[Detail], fmt: str, path: Path) -> int:
    """Write to a temporary file beside `path`, then rename: a failure leaves no half file."""
    check_format(fmt, FILE_FORMATS)
    if fmt == "parquet":
        from zsctl.export.parquet import require_pyarrow, write_parquet

        require_pyarrow()  # before any file is made
        with _atomic(path) as fd, open(fd, "wb", buffering=_BUFFER, closefd=False) as out:
            return write_parquet(articles, out)
    with _atomic(path) as fd, open(fd, "wb", buffering=_BUFFER, closefd=False) as out:
        return write(fmt, articles, out)


def export_file(
    db: sqlite3.Connection, corpus: Path, filters: Filters, fmt: str, path: Path
) -> int:
    """Export the filtered corpus to `path` as write_file does; a large export uses two processes.

    `db` is open on `corpus` in a read transaction that has not read yet (open_snapshot). The
    second process opens its own connection; `PRAGMA data_version` of a third, read before
    either snapshot is taken and again once both are, tells whether anything was committed in
    between. If so, or if the second process fails in any way, this process writes its part
    too: the file is always the one snapshot of `db`, byte for byte what write_file writes.
    """
    check_format(fmt, FILE_FORMATS)
    if fmt == "parquet":  # one process: the Arrow conversion, not the encoding, is the cost
        return write_file(articles.iter_details(db, filters), fmt, path)
    probe = connect_read(corpus)
    try:
        version = _data_version(probe)
        rowids = articles.export_rowids(db, filters)  # takes this connection's snapshot
        if len(rowids) < SPLIT_MIN or not _can_split():
            return write_file(articles.details(db, rowids), fmt, path)
        split = int(len(rowids) * _SPLIT_SHARE)
        with _atomic(path) as fd, open(fd, "wb", buffering=_BUFFER, closefd=False) as out:
            helper = _Helper(corpus, filters, fmt, split, len(rowids), path.parent)
            try:
                n = write(fmt, articles.details(db, rowids[:split]), out)
                rest = rowids[split:]
                # Asked only once the helper is done, so after both snapshots were taken.
                if helper.done(len(rest)) and _data_version(probe) == version:
                    out.flush()
                    helper.append_to(fd)
                    return n + len(rest)
                return n + write(fmt, articles.details(db, rest), out, header=False)
            finally:
                helper.close()
    finally:
        probe.close()


def _data_version(db: sqlite3.Connection) -> int:
    """Changes whenever another connection has committed since this one last asked."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])


def _can_split() -> bool:
    """Whether a second process can help: two cores, pass_fds (POSIX), a plain interpreter."""
    plain = bool(sys.executable) and not getattr(sys, "frozen", False)
    return plain and os.name == "posix" and _cores() > 1


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[int]:
    """A descriptor of a temporary file beside `path`, synced and renamed to it on success.

    A failure leaves no half file: the temporary file is removed and OSErrors become one
    ZsctlError.
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ZsctlError(f"cannot write the export: {exc.strerror}", path=str(path)) from None
    try:
        try:
            with _EarlySync(fd) as sync:
                yield fd
                sync.finish()  # the data must be on disk before the name points at it
        finally:
            os.close(fd)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise ZsctlError(f"cannot write the export: {exc}", path=str(path)) from None
        raise


class _EarlySync:
    """Syncs a file being written every _SYNC_EVERY seconds from a thread, and at the end.

    The disk then writes while the export is still encoding, and the final fsync waits only
    for the tail instead of the whole file (0.4 s of 790 MB here). An error of any sync fails
    the export: after a failed fsync the kernel may not report the lost data again.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._stop = threading.Event()
        self._errors: list[OSError] = []
        self._thread = threading.Thread(target=self._run, name="zsctl-export-sync", daemon=True)

    def __enter__(self) -> _EarlySync:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(_SYNC_EVERY):
            try:
                os.fsync(self._fd)
            except OSError as exc:
                self._errors.append(exc)
                return

    def finish(self) -> None:
        """Stop the thread and sync what is left; raises the first error of any sync."""
        self.__exit__()
        if self._errors:
            raise self._errors[0]
        os.fsync(self._fd)


# The second process starts from a bare interpreter: it imports this module and runs _helper.
# It gets the first process's sys.path, so it imports the same zsctl however that was found.
_HELPER_MAIN = (
    "import json, sys\n"
    "args = json.loads(sys.stdin.buffer.readline())\n"
    "sys.path[:] = args.pop('sys_path')\n"
    "from zsctl.export.files import _helper\n"
    "sys.exit(_helper(**args))\n"
)


class _Helper:
    """The second process of a split export: articles [start:] into a part file.

    The part file has no name (removed as soon as made, passed by descriptor), so nothing is
    left behind whatever happens. Any failure to start or finish the helper only means the
    first process writes those articles itself.
    """

    def __init__(
        self, corpus: Path, filters: Filters, fmt: str, start: int, total: int, folder: Path
    ) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._part = -1
        try:
            self._part, name = tempfile.mkstemp(dir=folder, prefix=".zsctl-export-")
            os.unlink(name)
            args = {
                "sys_path": sys.path,
                "corpus": str(corpus),
                "filters": filters._asdict(),
                "fmt": fmt,
                "start": start,
                "total": total,
                "out": self._part,
            }
            self._proc = subprocess.Popen(
                # -I: isolated, so a json.py in the working directory is never imported.
                [sys.executable, "-I", "-c", _HELPER_MAIN],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                pass_fds=(self._part,),
            )
            assert self._proc.stdin is not None
            self._proc.stdin.write(json.dumps(args).encode() + b"\n")
            self._proc.stdin.close()
        except OSError:  # no part file, cannot start it, or it died at once (BrokenPipeError)
            self.close()
            self._proc = None

    def done(self, expected: int) -> bool:
        """Wait for it; whether it wrote exactly `expected` articles."""
        if self._proc is None:
            return False
        assert self._proc.stdout is not None
        out = self._proc.stdout.read()
        return self._proc.wait() == 0 and out.strip() == str(expected).encode()

    def append_to(self, fd: int) -> None:
        """Append the part file to `fd` at its current offset."""
        size, done = os.fstat(self._part).st_size, 0
        # Inside the kernel where it can (Linux), else through this process.
        with contextlib.suppress(AttributeError, OSError):
            while done < size and (copied := os.copy_file_range(self._part, fd, size - done, done)):
                done += copied
        while done < size and (block := os.pread(self._part, min(_BUFFER, size - done), done)):
            done += len(block)
            with memoryview(block) as view:
                while view:
                    view = view[os.write(fd, view) :]

    def close(self) -> None:
        """Stop it if it still runs, and close the part file (which frees it)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._part >= 0:
            os.close(self._part)
            self._part = -1


def _helper(
    corpus: str, filters: dict[str, Any], fmt: str, start: int, total: int, out: int
) -> int:
    """The second process of a split export (see _Helper): prints its count, returns 0.

    It opens the corpus as every reader does (open_snapshot) and reads the same rowids;
    another number of them means another snapshot, and it returns 3 without writing.
    """
    db = open_snapshot(Path(corpus))
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()}
    rowids = articles.export_rowids(db, Filters(**fields))
    if len(rowids) != total:
        return 3
    with open(out, "wb", buffering=_BUFFER) as f:  # the part file's descriptor
        n = write(fmt, articles.details(db, rowids[start:]), f, header=False)
    sys.stdout.write(f"{n}\n")
    return 0


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

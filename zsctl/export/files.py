"""Export articles as JSONL or CSV in the versioned schema of docs/EXPORT_SCHEMA.md."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring as _q  # json's escaper for ensure_ascii=False
from pathlib import Path
from typing import Any, Protocol

from zsctl.errors import UsageError, ZsctlError
from zsctl.query import articles
from zsctl.query.articles import Detail
from zsctl.query.filters import Filters
from zsctl.store.corpus import connect_read, read_tuning

# Bump on any change a consumer could notice (field renamed, removed, or its meaning changed);
# adding a field is not a change of version. Documented in docs/EXPORT_SCHEMA.md.
SCHEMA_VERSION = 1
FORMATS = ("jsonl", "csv")
FIELDS = (
    "schema_version", "id", "title", "tag", "date", "district", "source_label", "districts",
    "sources", "body", "paragraphs", "length", "cluster",
)  # fmt: skip
_NESTED = frozenset({"districts", "sources", "paragraphs", "cluster"})
# One encoder for every line: json.dumps with options builds a new one per call.
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode
# Every byte json leaves alone in a string: all but the C0 controls, quote and backslash.
_ORDINARY_BYTES = bytes(c for c in range(0x20, 0x100) if c not in b'"\\')
_SIMPLE_ESCAPES = b'\t\n"\\'  # the specials the fast path escapes itself
_NOT_CSV_SPECIAL = bytes(c for c in range(0x100) if c not in b',"\r\n')
_BUFFER = 1 << 20
_SYNC_EVERY = 0.25  # seconds between the early fsyncs of an export file, see _EarlySync
# A large export to a file is split in two at an article: this process writes the first part
# and a second process (_helper) the rest, into a part file appended at the end. Both read the
# same snapshot of the corpus, or the first process writes the rest itself (see export_file).
SPLIT_MIN = 20_000  # articles; below this the second process's start-up costs more than it saves
_SPLIT_SHARE = 0.5  # of the articles, written by this process


class BinaryWriter(Protocol):
    """Anything with a bytes `write`, such as a binary file or sys.stdout.buffer."""

    def write(self, data: bytes, /) -> int:
        """Write `data`."""
        ...


def article_dict(a: Detail) -> dict[str, Any]:
    """One article in the export schema, fields in documented order."""
    return {**_head(a), "body": a.body, "paragraphs": a.paragraphs, **_tail(a)}


def _head(a: Detail) -> dict[str, Any]:
    """The fields before the body."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": a.id,
        "title": a.title,
        "tag": a.tag,
        "date": a.date,
        "district": a.district,
        "source_label": a.source_label,
        "districts": [{"district": d, "count": n} for d, n in a.mentions],
        "sources": [
            {
                "dump": s.dump,
                "first_line": s.first_line,
                "last_line": s.last_line,
                "date": s.date,
                "title": s.title,
                "tag": s.tag,
                "kind": s.kind,
                "score": s.score,
            }
            for s in a.sources
        ],
    }


def _tail(a: Detail) -> dict[str, Any]:
    """The fields after the paragraphs."""
    return {
        "length": a.length,
        "cluster": {
            "size": len(a.sources),
            "edges": [{"a": e.a, "b": e.b, "kind": e.kind, "score": e.score} for e in a.edges],
        },
    }


# The export's hot loop avoids json's generic encoder and the csv module, both of which walk
# every character of ~4 KB of body per article: the small fields are formatted directly with
# json's own string escaper, and the body is escaped on its UTF-8 bytes (only quote, backslash,
# tab and newline need it) and reused for `body` and `paragraphs` without being decoded. The
# output is byte for byte what json.dumps and csv.writer write (tests hold them equal); bodies
# with other control characters simply take that generic path.


def _escaped(raw: bytes) -> bytes | None:
    """A body's UTF-8 as the inside of a JSON string, paragraph breaks still raw.

    None when it holds a control character other than tab and newline, which json writes
    as \\u00XX: such a body takes the generic path.
    """
    special = raw.translate(None, _ORDINARY_BYTES)  # the few bytes that need an escape
    if not special.strip(b"\n"):  # most bodies: paragraph breaks and nothing else
        return raw
    if special.translate(None, _SIMPLE_ESCAPES):
        return None
    text = raw
    if b"\\" in special:
        text = text.replace(b"\\", b"\\\\")
    if b'"' in special:
        text = text.replace(b'"', b'\\"')
    if b"\t" in special:
        text = text.replace(b"\t", b"\\t")
    return text


def _nested(a: Detail) -> tuple[str, str, str]:
    """`districts`, `sources` and `cluster` as JSON text."""
    # Per article and per row, so written for speed: list comprehensions (str.join makes a list
    # of a generator, more slowly) and null written inline (a function call costs ~5% here).
    districts = ", ".join([f'{{"district": {_q(d)}, "count": {n!r}}}' for d, n in a.mentions])
    sources = ", ".join(
        [
            f'{{"dump": {_q(s.dump)}, "first_line": {s.first_line!r}, "last_line": {s.last_line!r},'
            f' "date": {"null" if s.date is None else _q(s.date)},'
            f' "title": {"null" if s.title is None else _q(s.title)},'
            f' "tag": {"null" if s.tag is None else _q(s.tag)},'
            f' "kind": {_q(s.kind)}, "score": {s.score!r}}}'
            for s in a.sources
        ]
    )
    edges = ", ".join(
        [
            f'{{"a": {_q(e.a)}, "b": {_q(e.b)}, "kind": {_q(e.kind)}, "score": {e.score!r}}}'
            for e in a.edges
        ]
    )
    return f"[{districts}]", f"[{sources}]", f'{{"size": {len(a.sources)}, "edges": [{edges}]}}'


def jsonl_line(a: Detail) -> bytes:
    """One article as a UTF-8 JSON line: json.dumps(article_dict(a), ensure_ascii=False)."""
    text = _escaped(a.body_utf8)
    if text is None:
        return _ENCODE(article_dict(a)).encode() + b"\n"
    districts, sources, cluster = _nested(a)
    head = (
        f'{{"schema_version": {SCHEMA_VERSION}, "id": {_q(a.id)}, "title": {_q(a.title)},'
        f' "tag": {"null" if a.tag is None else _q(a.tag)},'
        f' "date": {"null" if a.date is None else _q(a.date)},'
        f' "district": {"null" if a.district is None else _q(a.district)},'
        f' "source_label": {"null" if a.source_label is None else _q(a.source_label)},'
        f' "districts": {districts},'
        f' "sources": {sources}, "body": "'
    ).encode()
    tail = f', "length": {a.length!r}, "cluster": {cluster}}}\n'.encode()
    if not text:
        return b"".join((head, b'", "paragraphs": []', tail))
    # The body twice, its paragraph breaks written as \n and as the array's separators.
    body = text.replace(b"\n", b"\\n")
    paragraphs = text.replace(b"\n", b'", "')
    return b"".join((head, body, b'", "paragraphs": ["', paragraphs, b'"]', tail))


def csv_row(a: Detail) -> bytes:
    """One article as a UTF-8 CSV row: what csv.writer writes for the row of write_csv."""
    text = _escaped(a.body_utf8)
    if text is None:
        buffer = io.StringIO()
        csv.writer(buffer).writerow(_csv_values(a))
        return buffer.getvalue().encode()
    districts, sources, cluster = _nested(a)
    paragraphs = b'["' + text.replace(b"\n", b'", "') + b'"]' if text else b"[]"
    cells = (
        str(SCHEMA_VERSION).encode(),
        *(_csv_cell(v.encode()) if v else b"" for v in _small_fields(a)),
        _csv_cell(districts.encode()),
        _csv_cell(sources.encode()),
        _csv_cell(a.body_utf8),
        _csv_cell(paragraphs),
        str(a.length).encode(),
        _csv_cell(cluster.encode()),
    )
    return b",".join(cells) + b"\r\n"


def _small_fields(a: Detail) -> tuple[str | None, ...]:
    return (a.id, a.title, a.tag, a.date, a.district, a.source_label)


def _csv_values(a: Detail) -> list[Any]:
    """The CSV row as values for csv.writer: nested fields JSON-encoded."""
    return [_ENCODE(v) if k in _NESTED else v for k, v in article_dict(a).items()]


def _csv_cell(value: bytes) -> bytes:
    """Quote a cell as csv's QUOTE_MINIMAL does: when it holds a comma, quote, CR or LF."""
    if value.translate(None, _NOT_CSV_SPECIAL):
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


def write_jsonl(articles: Iterable[Detail], out: BinaryWriter) -> int:
    """One JSON object per line, UTF-8 text as is; returns the number of articles."""
    n = 0
    for a in articles:
        out.write(jsonl_line(a))
        n += 1
    return n


def write_csv(articles: Iterable[Detail], out: BinaryWriter, header: bool = True) -> int:
    """RFC 4180 CSV in UTF-8, one row per article, nested fields as JSON; returns the count."""
    if header:
        out.write(",".join(FIELDS).encode() + b"\r\n")
    n = 0
    for a in articles:
        out.write(csv_row(a))
        n += 1
    return n


def _write(fmt: str, articles: Iterable[Detail], out: BinaryWriter, header: bool = True) -> int:
    """Articles in `fmt`; `header` False for a CSV part that continues another."""
    if fmt == "jsonl":
        return write_jsonl(articles, out)
    return write_csv(articles, out, header)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")


def write_file(articles: Iterable[Detail], fmt: str, path: Path) -> int:
    """Write to a temporary file beside `path`, then rename: a failure leaves no half file."""
    _check_format(fmt)
    with _atomic(path) as fd, open(fd, "wb", buffering=_BUFFER, closefd=False) as out:
        return _write(fmt, articles, out)


def export_file(
    db: sqlite3.Connection, corpus: Path, filters: Filters, fmt: str, path: Path
) -> int:
    """Export the filtered corpus to `path` as write_file does; a large export uses two processes.

    `db` is open on `corpus` in a read transaction that has not read yet (open_corpus). The
    second process opens its own connection; `PRAGMA data_version` of a third, read before
    either snapshot is taken and again once both are, tells whether anything was committed in
    between. If so, or if the second process fails in any way, this process writes its part
    too: the file is always the one snapshot of `db`, byte for byte what write_file writes.
    """
    _check_format(fmt)
    probe = connect_read(corpus)
    try:
        version = _data_version(probe)
        rowids = articles.export_rowids(db, filters)  # takes this connection's snapshot
        split = len(rowids)
        if len(rowids) >= SPLIT_MIN and _can_split():
            split = int(len(rowids) * _SPLIT_SHARE)
        with _atomic(path) as fd, open(fd, "wb", buffering=_BUFFER, closefd=False) as out:
            if split == len(rowids):
                return _write(fmt, articles.details(db, rowids), out)
            helper = _Helper(corpus, filters, fmt, split, len(rowids), path.parent)
            try:
                n = _write(fmt, articles.details(db, rowids[:split]), out)
                rest = rowids[split:]
                # Asked only once the helper is done, so after both snapshots were taken.
                if helper.done(len(rest)) and _data_version(probe) == version:
                    out.flush()
                    helper.append_to(fd)
                    return n + len(rest)
                return n + _write(fmt, articles.details(db, rest), out, header=False)
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
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
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

    It opens the corpus as open_corpus does and reads the same rowids; another number of them
    means another snapshot, and it returns 3 without writing.
    """
    db = connect_read(Path(corpus))
    read_tuning(db)
    db.execute("BEGIN")
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in filters.items()}
    rowids = articles.export_rowids(db, Filters(**fields))
    if len(rowids) != total:
        return 3
    with open(out, "wb", buffering=_BUFFER) as f:  # the part file's descriptor
        n = _write(fmt, articles.details(db, rowids[start:]), f, header=False)
    sys.stdout.write(f"{n}\n")
    return 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

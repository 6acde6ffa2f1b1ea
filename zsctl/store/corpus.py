"""The SQLite corpus: schema, opening safely (read-only or locked for writing), versioning."""

from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from zsctl.errors import CorpusError
from zsctl.store.grams import INDEX_DDL
from zsctl.store.order import ORDER_DDL

CORPUS_SCHEMA_VERSION = 9  # bump on every schema change: an older corpus is refused, not misread
APPLICATION_ID = 0x7A73_6374  # "zsct": marks the file as a zsctl corpus
# SQLite's default 4096-byte pages left ~135 MB unused at 100,000 articles (dbstat): a body
# of a few kB overflows, and the part kept on the leaf page strands the rest of that page.
# 2048 made the base shape's corpus 883.6 -> 808.8 MB, with the same grep and +1 dump times
# (docs/PERFORMANCE.md); 1024 gained only 13 MB more.
PAGE_SIZE = 2048

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- One row per dump listed in INDEX.md when it was last ingested.
CREATE TABLE dumps (
    file TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    site TEXT NOT NULL,
    layout TEXT NOT NULL,          -- as pinned in INDEX.md, or 'auto'
    detected_layout TEXT NOT NULL,
    encoding TEXT NOT NULL,
    encoding_guessed INTEGER NOT NULL,
    records INTEGER NOT NULL,
    chrome INTEGER NOT NULL,
    blank INTEGER NOT NULL,
    unparsed INTEGER NOT NULL,
    stat TEXT                      -- 'size:mtime_ns:ctime_ns:inode:device' before it was read
                                   -- (NULL if just modified): equal next time means unchanged
);
-- Every parsed record: one appearance of a story in one dump.
CREATE TABLE records (
    key TEXT PRIMARY KEY,          -- '<dump>:<first_line>'
    dump TEXT NOT NULL REFERENCES dumps(file) ON DELETE CASCADE,
    first_line INTEGER NOT NULL,
    last_line INTEGER NOT NULL,
    title TEXT NOT NULL,
    tag TEXT,
    date TEXT,                     -- as listed in that dump, ISO 8601
    source TEXT,
    layout TEXT NOT NULL,
    body BLOB,                     -- zlib of the UTF-8 paragraphs joined by newlines; NULL
                                   -- when the record is its article's kept record (the body
                                   -- is stored there, once)
    district TEXT,                 -- primary district of this record alone
    mentions TEXT NOT NULL         -- JSON {district: count} of this record alone
);
CREATE INDEX records_dump ON records(dump);
-- One row per deduplicated story.
CREATE TABLE articles (
    n INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: the gram index appends new rowids
    id TEXT NOT NULL UNIQUE,       -- 12 consonants (zsctl/ids.py) from the normalised text
    title TEXT NOT NULL,
    tag TEXT,
    date TEXT,                     -- earliest date among its sources
    district TEXT,                 -- primary district (canonical name), '天津市', or NULL
    source TEXT,                   -- 来源 label when a page gave one
    paragraphs INTEGER NOT NULL,
    length INTEGER NOT NULL,
    n_sources INTEGER NOT NULL,
    representative TEXT NOT NULL,  -- records.key whose body was kept
    digest TEXT NOT NULL,          -- hash of every stored field: unchanged rows are not rewritten
    body TEXT NOT NULL             -- last, so reading the columns above never reads the body
);
CREATE INDEX articles_date ON articles(date, id);
CREATE INDEX articles_district ON articles(district, date);
-- An incremental ingest loads a kept record's body from its article by this.
CREATE INDEX articles_representative ON articles(representative);
CREATE TABLE article_sources (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    record_key TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'kept' | 'exact' | 'near' | 'contained'
    score REAL NOT NULL,           -- similarity to the kept record (1.0 for itself)
    PRIMARY KEY (article_id, record_key)
);
CREATE INDEX article_sources_record ON article_sources(record_key);
CREATE TABLE article_districts (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    district TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (article_id, district)
);
CREATE INDEX article_districts_district ON article_districts(district);
-- The verified similarities that joined a cluster, for `zsctl dupes`.
CREATE TABLE article_edges (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    kind TEXT NOT NULL,            -- 'exact' | 'near' | 'contained'
    score REAL NOT NULL
);
CREATE INDEX article_edges_article ON article_edges(article_id);
-- Each record's candidate codes (zsctl/store/codes.py): exact digest, LSH band keys, opening
-- windows, title, hashed to 30 bits, as sorted little-endian uint32 (hash << 2 | role; role
-- 1: others find the record by it, 2: it finds others by it, 3: both). Rows of removed
-- records stay until the next dedup stage, which needs them.
CREATE TABLE record_codes (
    key TEXT PRIMARY KEY,
    id INTEGER NOT NULL UNIQUE,    -- the record's number in code_shards
    codes BLOB NOT NULL
);
-- The same codes inverted, in 16,384 shards by code: sorted uint32 codes and, aligned, the
-- uint32 ids of their records. A look-up reads only the shards of the codes it looks for.
CREATE TABLE code_shards (shard INTEGER PRIMARY KEY, codes BLOB NOT NULL, ids BLOB NOT NULL);
-- One row per ingest that ran to its end (zsctl/store/log.py): `zsctl log`.
CREATE TABLE ingest_log (
    n INTEGER PRIMARY KEY,
    at TEXT NOT NULL,              -- UTC, ISO 8601, when it committed
    seconds REAL NOT NULL,
    summary TEXT NOT NULL          -- JSON: dumps, parsed, ..., articles, changes (ids)
);
"""
SCHEMA += INDEX_DDL  # grep's gram index and phrase lists: zsctl/store/grams.py owns them
SCHEMA += ORDER_DDL  # the articles in grep's default order: zsctl/store/order.py owns it


# What SQLite's URI parser reads specially in a path: %HH escapes, '?' (the query) and '#'.
_URI_QUOTE = str.maketrans({"%": "%25", "?": "%3f", "#": "%23"})


def corpus_uri(path: Path, **params: str) -> str:
    """A SQLite URI for `path`, quoted: '?', '#' and '%41' in a name are part of the name."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{str(path.absolute()).translate(_URI_QUOTE)}?{query}"


def db_file(db: sqlite3.Connection) -> Path:
    """The file a connection has open (for messages that name it)."""
    return Path(db.execute("PRAGMA database_list").fetchone()[2])


def connect_read(path: Path, immutable: bool = False) -> sqlite3.Connection:
    """Open an existing corpus read-only; a missing, unfinished or foreign file is a clear error.

    `immutable` (for `zsctl serve`) promises SQLite that nothing writes the file meanwhile:
    then not even a -wal or -shm file is made beside it. In a folder this process cannot write
    (a read-only mount, chmod 555) SQLite could not create the `-shm` file a WAL reader needs,
    so the corpus is opened immutable too: nothing can be writing it there. See SECURITY.md.
    """
    _refuse_unusable(path)
    immutable = immutable or not os.access(path.parent, os.W_OK)
    if immutable:
        _refuse_pending_wal(path)
    try:
        return _open_read(path, immutable)
    except sqlite3.DatabaseError as exc:
        error = exc
    name = getattr(error, "sqlite_errorname", "")
    if not immutable and name.startswith(_NO_ROOM) and not _wal_has_commits(path):
        # A full disk leaves no room for the -shm index a WAL reader creates. With no
        # write-ahead log to merge, the main file is the whole corpus: read it as it is.
        try:
            return _open_read(path, True)
        except sqlite3.DatabaseError as exc:
            error = exc
    raise CorpusError(_sqlite_problem(path, error, writing=False), path=str(path))


_NO_ROOM = ("SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN")


def _open_read(path: Path, immutable: bool) -> sqlite3.Connection:
    """A read-only connection whose corpus passed the version check."""
    params = {"mode": "ro", **({"immutable": "1"} if immutable else {})}
    db = sqlite3.connect(corpus_uri(path, **params), uri=True)
    try:
        db.execute("PRAGMA query_only = ON")
        _check_version(db, path)
    except BaseException:
        db.close()
        raise
    return db


def _wal_has_commits(path: Path) -> bool:
    """Whether a write-ahead log beside the corpus holds anything (an ingest wrote to it)."""
    wal = path.with_name(path.name + "-wal")
    try:
        return wal.stat().st_size > 0
    except OSError:
        return False


def _refuse_unusable(path: Path) -> None:
    """No file, a folder, or the empty file a first ingest killed at once leaves."""
    try:
        info = path.stat()
    except OSError:
        info = None
    build = building_path(path)
    if info is None and os.path.exists(build):
        raise CorpusError(
            f"no corpus at {path} yet: a first ingest is building it ({build.name});"
            " wait for it to finish, or run `zsctl ingest` if it was stopped",
            path=str(path),
        )
    if info is None or not stat.S_ISREG(info.st_mode):
        raise CorpusError(
            f"no corpus at {path}; build it with `zsctl ingest` (or set --corpus / ZSCTL_CORPUS)",
            path=str(path),
        )
    if info.st_size == 0 and not _wal_has_commits(path):
        raise CorpusError(
            "the corpus file is empty: a first ingest was stopped before it wrote anything "
            "(an unfinished first ingest); build it with `zsctl ingest`",
            path=str(path),
        )


def _refuse_pending_wal(path: Path) -> None:
    """A write-ahead log left in a read-only folder holds commits an immutable read would miss."""
    if _wal_has_commits(path):
        raise CorpusError(
            f"the corpus has a write-ahead log ({path.name}-wal) that cannot be merged in this "
            "read-only folder, so reading it would miss the last ingest; open it once where "
            "the folder is writable (or copy the folder somewhere writable)",
            path=str(path),
        )


def connect_write(path: Path, journal: str = "WAL") -> sqlite3.Connection:
    """Open (creating if needed) the corpus for an ingest; WAL lets readers keep reading.

    `journal`: the journal mode of a file created now (a first ingest builds in "DELETE")."""
    _writable_folder(path)
    _refuse_hard_links(path)
    try:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 10000")
        # A page cache that holds the indexes being rewritten (~70 MB at 100,000 articles);
        # the articles' own pages are appended in rowid order and need no cache. 256 MB
        # added ~130 MB to the ingest's peak RSS and no speed.
        db.execute("PRAGMA cache_size = -131072")
        if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            _create(db, journal)  # new, or the empty file of a first ingest that was stopped
        _check_version(db, path)
    except sqlite3.DatabaseError as exc:
        raise CorpusError(_sqlite_problem(path, exc, writing=True), path=str(path)) from None
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _writable_folder(path: Path) -> None:
    """The corpus's folder exists (made if need be) and this process may write in it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(
            _os_problem(path.parent, exc, "create the corpus folder"), path=str(path)
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise CorpusError(
            f"cannot write in {path.parent} (read-only file system or no permission); ingest "
            "needs a writable folder: pass --corpus with a path in one",
            path=str(path),
        )


def _refuse_hard_links(path: Path) -> None:
    """SQLite finds a corpus's journal by name: two names for one file could corrupt it."""
    try:
        info = path.stat()
    except OSError:
        return
    links = info.st_nlink
    if stat.S_ISREG(info.st_mode) and links > 1:
        raise CorpusError(
            f"the corpus file has {links} names (hard links); SQLite keeps its journal by name, "
            "so writing it through two names could corrupt it: remove the other links "
            f"(`find / -xdev -samefile {path}` lists them), or copy the file",
            path=str(path),
        )


def unreadable_hint(why: str) -> str:
    """The message for a corpus that opened and then failed to read (a damaged page or text)."""
    return (
        f"corpus unreadable ({why}); rebuild it with `zsctl ingest` after moving the damaged "
        "file aside"
    )


def _sqlite_kind(exc: sqlite3.DatabaseError) -> str | None:
    """What an SQLite error is about, for its fix: full, permissions, busy, io, or None."""
    name = getattr(exc, "sqlite_errorname", "")
    if name == "SQLITE_FULL":
        return "full"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return "permissions"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "busy"
    return "io" if name.startswith("SQLITE_IOERR") else None


def write_failed(path: Path, exc: sqlite3.OperationalError) -> str:
    """One line for an ingest whose writing failed (rolled back): what to do about its kind."""
    fix = {
        "busy": "Another program holds the corpus locked (a sqlite3 shell or a tool writing to "
        "it?): close it",
        "full": "Free disk space",
        "permissions": f"Check the permissions of {path} and its folder",
    }.get(_sqlite_kind(exc) or "", "Free disk space or check permissions")
    return f"writing the corpus failed ({exc}); nothing was changed. {fix}, then run again"


def _sqlite_problem(path: Path, exc: sqlite3.DatabaseError, *, writing: bool) -> str:
    """One line for an SQLite error on opening: the fix for its kind, not always a rebuild."""
    kind = _sqlite_kind(exc)
    if kind == "full":
        return f"the disk is full ({exc}); free disk space, then run ingest again"
    if kind == "permissions":
        what = "write" if writing else "open"
        return (
            f"cannot {what} the corpus ({exc}); check the permissions of {path} and its "
            "folder" + (", or ingest into a writable folder with --corpus" if writing else "")
        )
    if kind in ("io", "busy"):
        return (
            f"cannot use the corpus now ({exc}); check the disk, or wait for the program using it"
        )
    return rebuild_hint(path, str(exc))


def _os_problem(path: Path, exc: OSError, doing: str) -> str:
    """One line for an OSError: what failed, why, and the fix for the usual causes."""
    fixes = {
        errno.ENOSPC: "free disk space, then run ingest again",
        errno.EDQUOT: "free space under your quota, then run ingest again",
        errno.EROFS: "the file system is read-only: pass --corpus with a path on a writable one",
        errno.EACCES: "no permission: fix the folder's permissions or pass another --corpus",
        errno.EPERM: "not permitted: fix the folder's permissions or pass another --corpus",
    }
    fix = fixes.get(exc.errno or 0, "check the path and the disk")
    return f"cannot {doing} {path}: {exc.strerror}; {fix}"


def _create(db: sqlite3.Connection, journal: str = "WAL") -> None:
    """Create the schema in one transaction: a failed first ingest leaves an empty file."""
    db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table: fixed from then on
    db.execute(f"PRAGMA journal_mode = {journal}")
    db.executescript(
        f"BEGIN; PRAGMA application_id = {APPLICATION_ID};"
        + SCHEMA
        + f"INSERT INTO meta VALUES ('schema_version', '{CORPUS_SCHEMA_VERSION}'); COMMIT;"
    )


def _check_version(db: sqlite3.Connection, path: Path) -> None:
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    if app_id == 0 and db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        # No table at all: a first ingest stopped before its schema was committed (ingest
        # builds into it; an empty file of another program has nothing to lose either).
        raise CorpusError(
            "the corpus holds nothing yet: a first ingest was stopped before it wrote anything "
            "(an unfinished first ingest); build it with `zsctl ingest`",
            path=str(path),
        )
    if app_id != APPLICATION_ID:
        raise CorpusError(rebuild_hint(path, "not a zsctl corpus"), path=str(path))
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version != CORPUS_SCHEMA_VERSION:
        raise SchemaMismatchError(
            rebuild_hint(
                path, f"corpus schema version {version}, this zsctl needs {CORPUS_SCHEMA_VERSION}"
            ),
            path=str(path),
            found=version,
        )


class SchemaMismatchError(CorpusError):
    """A zsctl corpus of another schema version; ingest rebuilds an older one from the seeds."""

    def __init__(self, message: str, *, path: str, found: int) -> None:
        super().__init__(message, path=path)
        self.found = found


def connect_for_ingest(path: Path) -> tuple[sqlite3.Connection, Path | None]:
    """Open for writing; a corpus of an older schema is set aside and rebuilt (it is derived)."""
    try:
        return connect_write(path), None
    except SchemaMismatchError as exc:
        if exc.found > CORPUS_SCHEMA_VERSION:
            raise  # written by a newer zsctl: refuse rather than lose what it knows
        aside = path.with_name(f"{path.name}.v{exc.found}.bak")
        try:
            for suffix in ("-wal", "-shm"):
                extra = path.with_name(path.name + suffix)
                if extra.exists():
                    extra.rename(aside.with_name(aside.name + suffix))
            path.rename(aside)  # atomic; the old corpus survives whatever happens next
        except OSError as exc:
            raise CorpusError(_os_problem(path, exc, "set aside"), path=str(path)) from None
        return connect_write(path), aside


def connect_ingest(path: Path) -> tuple[sqlite3.Connection, Path | None, bool]:
    """The connection an ingest writes with, any older corpus set aside, and whether it is a
    first ingest (built beside the corpus, moved in by `close_ingest` once committed)."""
    if not os.path.lexists(path):
        return connect_building(path), None, True
    db, aside = connect_for_ingest(path)
    return db, aside, False


def close_ingest(db: sqlite3.Connection, path: Path, first: bool, committed: bool) -> None:
    """Close an ingest's connection; a first ingest's corpus is moved into place (or, not
    committed, removed)."""
    if first:
        publish_building(db, path, committed)
    else:
        db.close()


def building_path(path: Path) -> Path:
    """Where a first ingest builds the corpus, beside it, before moving it into place."""
    return path.with_name(f".{path.name}.building")


def connect_building(path: Path) -> sqlite3.Connection:
    """A first ingest's corpus, new, at `building_path(path)`, in rollback-journal mode.

    Nothing reads a corpus that does not exist yet, so its one big transaction needs no
    write-ahead log: in WAL mode every page was written twice, to the log and then by the
    checkpoint at COMMIT (~900 MB, 3.8 s of a 100,000-record first ingest; 0.9 s without).
    Left over from a first ingest that was killed, the file is removed first.
    """
    build = building_path(path)
    _remove_beside(path, path.name + "-wal", path.name + "-shm")  # orphans: no corpus is there
    _remove_beside(path, build.name, build.name + "-journal")
    return connect_write(build, journal="DELETE")


def _remove_beside(path: Path, *names: str) -> None:
    """Remove those of some files in the corpus's folder that exist."""
    for name in names:
        with suppress(FileNotFoundError):
            path.with_name(name).unlink()


def publish_building(db: sqlite3.Connection, path: Path, committed: bool) -> None:
    """Close a first ingest's corpus; when it committed, switch it to WAL (for readers and
    the next ingests) and move it into place, atomically; else remove it."""
    build = building_path(path)
    try:
        if committed:
            db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.DatabaseError as exc:  # a full disk, say: the new corpus stays aside
        raise CorpusError(_sqlite_problem(path, exc, writing=True), path=str(path)) from None
    finally:
        db.close()
    if not committed:
        _remove_beside(path, build.name, build.name + "-journal")
        return
    try:
        os.replace(build, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename survives a power cut
        finally:
            os.close(folder)
    except OSError as exc:
        raise CorpusError(
            _os_problem(path, exc, "move the new corpus to"), path=str(path)
        ) from None


def rebuild_hint(path: Path, why: str) -> str:
    """The message for a corpus zsctl cannot use: why, and the commands that rebuild it."""
    return (
        f"cannot use corpus ({why}); it is built from the seeds, so move it aside and rebuild: "
        f"`mv {path} {path}.old && zsctl ingest --corpus {path}` (with your --seeds)"
    )


def lock_file(path: Path) -> Path:
    """The lock file of a corpus, named after its real path: a symlink to the corpus, or to its
    folder, leads to the same lock (a hard link is refused by connect_write)."""
    real = Path(os.path.realpath(path))
    return real.with_name(real.name + ".lock")


class WriteLock:
    """The held lock, which also remembers the corpus file as the last ingest verified it.

    `PRAGMA quick_check` reads every page (~1 s at 100,000 articles, half the time of adding
    one dump), so an ingest runs it only when the corpus file is not exactly as an ingest
    left it after checking it: any write by another program (a hand edit, a restored copy)
    changes its size, mtime or inode. The stamp is the lock file's second line.
    """

    def __init__(self, fd: int, path: Path, previous: str) -> None:
        self._fd, self._path = fd, path
        # Taken now, before this ingest opens the corpus (opening creates its -wal).
        self._unchanged = bool(previous) and previous == _file_stamp(path)

    def unchanged_since_verified(self) -> bool:
        """When the lock was taken, the corpus file was where the last verified ingest left it."""
        return self._unchanged

    def seal(self) -> None:
        """Record the corpus as verified (after a successful ingest, its connection closed)."""
        stamp = _file_stamp(self._path)
        if stamp:
            with suppress(OSError):  # a full disk: the next ingest just checks again
                os.pwrite(self._fd, f"{os.getpid()}\n{_VERIFIED}{stamp}\n".encode(), 0)


_VERIFIED = "verified "


def _file_stamp(path: Path) -> str:
    """Size, mtime, ctime and inode of the corpus and of its -wal: '' if there is no corpus.

    An empty -wal holds nothing and counts as none: every reader in a writable folder
    creates one (`zsctl grep` after an ingest would otherwise force the next page check).
    """
    parts = []
    for name in (path, path.with_name(path.name + "-wal")):
        try:
            st = os.stat(name)
        except OSError:
            parts.append("-")
            continue
        if st.st_size == 0 and name != path:
            parts.append("-")
            continue
        parts.append(f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}")
    return "" if parts[0] == "-" else " ".join(parts)


@contextmanager
def write_lock(path: Path, wait: bool) -> Iterator[WriteLock]:
    """Hold the corpus's ingest lock; a second ingest waits or fails with a clear message.

    Every failure (a read-only folder, a full disk when the pid is written) is one CorpusError
    with the fix. An empty lock file left behind is harmless: only the flock counts.
    """
    lock_path = lock_file(path)
    _writable_folder(lock_path)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise CorpusError(
            _os_problem(lock_path, exc, "create the lock file"), path=str(path)
        ) from None
    try:
        _take(fd, path, wait)
        try:
            second = os.pread(fd, 512, 0).decode(errors="replace").splitlines()[1:2]
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError as exc:  # a full disk: the lock is held, but nothing else will fit
            raise CorpusError(
                _os_problem(lock_path, exc, "write the lock file"), path=str(path)
            ) from None
        line = second[0] if second else ""  # "verified <stamp>" once an ingest sealed it
        stamp = line.removeprefix(_VERIFIED) if line.startswith(_VERIFIED) else ""
        yield WriteLock(fd, path, stamp)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _take(fd: int, path: Path, wait: bool) -> None:
    """flock the lock file; held by another ingest: its pid in the message."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").split("\n")[0].strip()
        holder = holder or "unknown"
        raise CorpusError(
            f"another ingest (pid {holder}) is writing this corpus; "
            "wait for it or rerun with --wait",
            path=str(path),
        ) from None
    except OSError as exc:
        raise CorpusError(_os_problem(path, exc, "lock"), path=str(path)) from None


def read_tuning(db: sqlite3.Connection) -> None:
    """Memory-map the corpus and widen the page cache: full scans read about twice as fast.

    Mapping is safe here because a corpus file never shrinks under a reader: ingest writes
    through the WAL and never runs VACUUM.
    """
    db.execute("PRAGMA mmap_size = 1073741824")
    db.execute("PRAGMA cache_size = -65536")


def open_snapshot(path: Path) -> sqlite3.Connection:
    """Open the corpus read-only, in one read transaction so every query sees one snapshot."""
    db = connect_read(path)
    read_tuning(db)
    db.execute("BEGIN")  # a concurrent ingest commits a new snapshot; we keep reading ours
    return db

"""Per-record candidate codes (record_codes, code_shards) and the look-ups of an incremental ingest.

Each record stores the codes its signatures give (`dedup.cluster.record_codes`): the exact
digest, its LSH band keys, its opening windows, its title. A new, edited or removed record
finds the stored records whose clustering it can change by these codes alone, so only their
clusters are recomputed (`dedup.cluster.affected`). The inverted form lives in shards by code,
so a look-up of a few hundred codes reads a few hundred small blobs, not every record's codes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from zsctl.arrays import find_sorted, unique_sorted
from zsctl.dedup.cluster import (
    BOTH,
    CONTAINED,
    INDEX,
    PROBE,
    TITLE_BUCKET,
    Codes,
    could_be_one_headline,
    paired_buckets,
    title_buckets,
    title_codes,
)

SHARD_BITS = 14  # 16,384 shards: ~370 codes each at 100,000 records
_CHUNK = 500  # parameters per statement, under SQLite's limit
_EMPTY = np.zeros(0, dtype=np.int64)


def _chunks(values: list[str] | list[int]) -> Iterator[list[str] | list[int]]:
    for lo in range(0, len(values), _CHUNK):
        yield values[lo : lo + _CHUNK]


def _in(n: int) -> str:
    return ",".join("?" * n)


def _blob(a: NDArray[np.int64]) -> bytes:
    return a.astype("<u4").tobytes()  # codes are < 2**32, and so are record ids


def _array(b: bytes) -> NDArray[np.int64]:
    return np.frombuffer(b, dtype="<u4").astype(np.int64)


def shard_of(codes: Codes) -> NDArray[np.int64]:
    """Shard of each packed code (its role bits left out, so both roles share a shard)."""
    return (codes >> 3) & ((1 << SHARD_BITS) - 1)  # codes are hashes already


class StoredCodes:
    """`matches` and `codes_of` over the corpus's tables, for `dedup.cluster.affected`."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def matches(self, codes: Codes) -> set[str]:
        """Stored records whose INDEX codes are among `codes`' PROBE codes, and back."""
        targets = _targets(codes)
        shards = shard_of(targets)
        ids: set[int] = set()
        for shard, flat, owners in self._shards(np.unique(shards).tolist()):
            mine = targets[shards == shard]
            lo = np.searchsorted(flat, mine, "left")
            hi = np.searchsorted(flat, mine, "right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                ids.update(owners[a:b].tolist())
        return self._keys(sorted(ids))

    def codes_of(self, keys: set[str]) -> Codes:
        """The stored codes of some records."""
        parts = [_EMPTY]
        for part in _chunks(sorted(keys)):
            sql = f"SELECT codes FROM record_codes WHERE key IN ({_in(len(part))})"
            parts += [_array(b) for (b,) in self.db.execute(sql, part)]
        return np.concatenate(parts)

    def _shards(
        self, shards: list[int]
    ) -> Iterator[tuple[int, NDArray[np.int64], NDArray[np.int64]]]:
        for part in _chunks(shards):
            sql = f"SELECT shard, codes, ids FROM code_shards WHERE shard IN ({_in(len(part))})"
            for shard, codes, ids in self.db.execute(sql, part):
                yield shard, _array(codes), _array(ids)

    def owners(self, codes: Codes) -> dict[int, NDArray[np.int64]]:
        """The ids of the stored records holding each of some exact codes (role bits too)."""
        targets = unique_sorted(codes)
        shards = shard_of(targets)
        out: dict[int, NDArray[np.int64]] = {}
        for shard, flat, ids in self._shards(np.unique(shards).tolist()):
            mine = targets[shards == shard]
            lo = np.searchsorted(flat, mine, "left")
            hi = np.searchsorted(flat, mine, "right")
            for code, a, b in zip(mine.tolist(), lo.tolist(), hi.tolist(), strict=True):
                out[code] = ids[a:b]
        return out

    def _keys(self, ids: list[int]) -> set[str]:
        out: set[str] = set()
        for part in _chunks(ids):
            sql = f"SELECT key FROM record_codes WHERE id IN ({_in(len(part))})"
            out.update(k for (k,) in self.db.execute(sql, part))
        return out


class HeadlineMatches:
    """`matches` for `dedup.cluster.affected` that follows a containment code (an opening
    window, a title) only to records whose title could be one headline with the title of the
    record holding the code: no containment edge joins any other pair.

    Many stories open with the same official sentences, so a window code can have hundreds of
    owners; bench.generate's snippets shape re-clustered 5,677 records for one 10-record dump,
    of which ~1,400 had a headline some touched record could share. Codes of records the store
    no longer holds (removed ones) are followed as they are.
    """

    def __init__(self, db: sqlite3.Connection, index: StoredCodes, fresh: dict[str, Codes]):
        self.db, self.index, self.fresh = db, index, fresh

    def __call__(self, codes: Codes, owners: set[str]) -> set[str]:
        """Stored records that `owners`' codes among `codes` find (and could be joined to)."""
        contained = (codes & CONTAINED) != 0
        wanted = codes[contained]
        probes = self._titled(owners)
        among = _member_test(wanted)
        per_owner = {k: among(c) for k, c in self._codes_of(set(probes)).items()}
        # Codes no titled owner now holds (a removed record's, a re-parsed one's old codes)
        # have no title to narrow by: followed as they are.
        covered = np.concatenate([_EMPTY, *per_owner.values()])
        rest = wanted[~np.isin(wanted, covered)]
        out = self.index.matches(np.concatenate([codes[~contained], rest]))
        pairs: dict[int, set[str]] = {}  # stored id -> probes whose code found it
        targets = {k: _targets(c) for k, c in per_owner.items()}
        found = self.index.owners(np.concatenate([_EMPTY, *targets.values()]))
        for k, t in targets.items():
            for code in t.tolist():
                for i in found.get(code, _EMPTY).tolist():
                    pairs.setdefault(i, set()).add(k)
        titles = {i: (key, title) for i, key, title in _coded_titles(self.db, "id", sorted(pairs))}
        checks = [(probes[k], titles[i][1], i) for i in sorted(titles) for k in sorted(pairs[i])]
        ok = could_be_one_headline([(a, b) for a, b, _ in checks])
        return out | {titles[i][0] for (_, _, i), yes in zip(checks, ok, strict=True) if yes}

    def _titled(self, keys: set[str]) -> dict[str, str]:
        """Raw titles of those of some records the corpus now holds."""
        out: dict[str, str] = {}
        for part in _chunks(sorted(keys)):
            sql = f"SELECT key, title FROM records WHERE key IN ({_in(len(part))})"
            out.update(self.db.execute(sql, part))
        return out

    def _codes_of(self, keys: set[str]) -> dict[str, Codes]:
        """Each record's codes: a fresh one's new codes, else those stored."""
        out = {k: self.fresh[k] for k in keys if k in self.fresh}
        for part in _chunks(sorted(k for k in keys if k not in self.fresh)):
            sql = f"SELECT key, codes FROM record_codes WHERE key IN ({_in(len(part))})"
            out.update((k, _array(b)) for k, b in self.db.execute(sql, part))
        return out


def _member_test(wanted: Codes) -> Callable[[Codes], Codes]:
    """Those of some codes that are among `wanted`, for many small arrays of codes: `wanted`
    sorted once, each array looked up by bisection. np.isin per array sorted `wanted` again
    each time: ~30 ms for each of the 7,481 records of a column on bench.generate's titles
    shape, a quarter of an hour for one removed dump."""
    table = np.unique(wanted)

    def among(codes: Codes) -> Codes:
        found: Codes = codes[find_sorted(table, codes) >= 0]
        return found

    return among


def _bucket_codes(buckets: NDArray[np.int64]) -> Iterator[tuple[int, int]]:
    """(bucket, its stored code) for each bucket of some title_buckets rows (-1 = none); a
    prefix bucket's code in its INDEX form."""
    full, prefix = title_codes(buckets)
    for keys, codes in ((buckets[:, 0], full), (buckets[:, 1], prefix)):
        for bucket, c in zip(keys.tolist(), codes.tolist(), strict=True):
            if bucket >= 0:
                yield bucket, c


def _coded_titles(
    db: sqlite3.Connection, by: str, values: list[str] | list[int]
) -> list[tuple[int, str, str]]:
    """(record_codes id, key, raw title) of the stored records with codes among some keys
    (`by` "key") or ids (`by` "id"); a removed record, whose codes are still stored until the
    ingest replaces them, has no title and is left out."""
    out: list[tuple[int, str, str]] = []
    for part in _chunks(values):
        sql = (
            "SELECT c.id, c.key, r.title FROM record_codes c JOIN records r ON r.key = c.key"
            f" WHERE c.{by} IN ({_in(len(part))})"
        )
        out += db.execute(sql, part).fetchall()
    return out


def _targets(codes: Codes) -> Codes:
    """The stored codes some codes find: a PROBE code finds INDEX ones, and back (BOTH is
    either)."""
    base = codes >> 2 << 2
    parts = [
        base[(codes & PROBE) != 0] | INDEX,
        base[(codes & PROBE) != 0] | BOTH,
        base[(codes & INDEX) != 0] | PROBE,
        base[(codes & INDEX) != 0] | BOTH,
    ]
    return unique_sorted(np.concatenate(parts))


class TitleColumns:
    """Which title buckets are columns (over TITLE_BUCKET records: dedup.cluster) once an
    incremental ingest has stored its records, counted from the store alone.

    `base` counts a bucket's stored records that the ingest leaves as they were (not removed,
    not re-parsed), up to TITLE_BUCKET + 1; the fresh ones come on top. A bucket whose base is
    a column was one before the ingest and is one after it: it links no pair either time, so
    its records need not be re-clustered for it (`droppable`). Records clustered apart from
    their whole bucket must be told which buckets are columns (`columns`), or a few of a
    column's records would pair up among themselves. Codes are 29-bit hashes, so a bucket's
    code can also be some other code: its owners are narrowed to the bucket by their titles.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        index: StoredCodes,
        fresh: dict[str, str],
        replaced: dict[str, str] | None = None,
    ):
        self.db, self.index = db, index
        self.fresh = fresh  # key -> raw title of every fresh record
        self.replaced = replaced or {}  # key -> old title of a removed or re-parsed record
        keys = title_buckets(list(fresh.values()))
        values, counts = np.unique(keys[keys >= 0], return_counts=True)
        self.fresh_count = dict(zip(values.tolist(), counts.tolist(), strict=True))
        self.fresh_ids = set(self._ids(sorted(fresh)).values())  # re-parsed: old codes' owners
        self.base: dict[int, int] = {}
        self.rows: dict[int, tuple[int, int]] = {}  # unchanged stored record id -> buckets

    def droppable(self, keys: set[str]) -> Codes:
        """Every role's code of the buckets of some records that are columns before and after.

        A bucket that is a column before and after links nothing, whichever record's codes
        hold it: a re-parsed record's stored (old) codes are matched against its old title and
        its new one, a removed record's against its old title."""
        titles = [self.fresh[k] for k in keys if k in self.fresh]
        titles += [self.replaced[k] for k in keys if k in self.replaced]
        stored = sorted(k for k in keys if k not in self.fresh and k not in self.replaced)
        titles += [t for _, _, t in _coded_titles(self.db, "key", stored)]
        return self.dropped(titles)

    def dropped(self, titles: list[str]) -> Codes:
        """Every role's code of the buckets of some raw titles that are columns before and
        after (a removed record's old title too: its bucket's unchanged records decide)."""
        buckets = title_buckets(titles)
        self._count(buckets)
        drop: set[int] = set()
        for bucket, c in _bucket_codes(buckets):
            if self.base[bucket] > TITLE_BUCKET:
                drop |= {c >> 2 << 2 | INDEX, c >> 2 << 2 | PROBE, c >> 2 << 2 | BOTH}
        return np.array(sorted(drop), dtype=np.int64)

    def columns(self, records: dict[str, str]) -> set[int]:
        """The buckets some records (key -> raw title) could pair in that are columns after."""
        keys, titles = list(records), list(records.values())
        buckets = title_buckets(titles)
        paired = paired_buckets(titles, buckets)
        if not paired:
            return set()
        at = {k: i for i, k in enumerate(keys)}
        for key, i in self._ids([k for k in keys if k not in self.fresh]).items():
            self.rows[i] = (int(buckets[at[key], 0]), int(buckets[at[key], 1]))
        self._count(np.where(np.isin(buckets, list(paired)), buckets, -1))
        after = self.fresh_count.get
        return {b for b in paired if self.base[b] + after(b, 0) > TITLE_BUCKET}

    def _count(self, buckets: NDArray[np.int64]) -> None:
        """Fill `base` for the buckets of some title_buckets rows (-1 = none)."""
        wanted = {b: c for b, c in _bucket_codes(buckets) if b not in self.base}
        if not wanted:
            return
        owners = self.index.owners(np.array(sorted(set(wanted.values())), dtype=np.int64))
        for bucket, c in sorted(wanted.items()):
            ids = owners.get(c, _EMPTY)
            # Owners are a superset of the bucket's stored records: few enough, it cannot be
            # a column with the fresh ones added either, and no title need be read.
            if len(ids) + self.fresh_count.get(bucket, 0) <= TITLE_BUCKET:
                self.base[bucket] = len(ids)
            else:
                self.base[bucket] = self._exact(bucket, ids.tolist())

    def _exact(self, bucket: int, ids: list[int]) -> int:
        """Unchanged stored records among some owners whose title is in the bucket, counted
        up to TITLE_BUCKET + 1 (reading titles a chunk at a time, and only until then)."""
        mine = [i for i in ids if i not in self.fresh_ids]
        unknown = [i for i in mine if i not in self.rows]
        count = sum(bucket in self.rows[i] for i in mine if i in self.rows)
        step = TITLE_BUCKET + 1  # a column's owners are nearly all its own: one read
        for part in (unknown[lo : lo + step] for lo in range(0, len(unknown), step)):
            if count > TITLE_BUCKET:
                break
            found = _coded_titles(self.db, "id", part)  # a removed record is not counted
            rows = title_buckets([t for _, _, t in found])
            for (i, _, _), row in zip(found, rows.tolist(), strict=True):
                self.rows[int(i)] = (row[0], row[1])
                count += bucket in row
        return min(count, TITLE_BUCKET + 1)

    def _ids(self, keys: list[str]) -> dict[str, int]:
        """record_codes ids of those of some keys that have codes."""
        found: dict[str, int] = {}
        for part in _chunks(keys):
            sql = f"SELECT key, id FROM record_codes WHERE key IN ({_in(len(part))})"
            found.update(self.db.execute(sql, part))
        return found


def stale_keys(db: sqlite3.Connection, fresh: Iterable[str]) -> set[str]:
    """Records whose stored codes are out of date: removed, or re-parsed with a new text."""
    gone = db.execute(
        "SELECT c.key FROM record_codes c LEFT JOIN records r ON r.key = c.key WHERE r.key IS NULL"
    )
    out = {k for (k,) in gone}
    for part in _chunks(sorted(fresh)):
        sql = f"SELECT key FROM record_codes WHERE key IN ({_in(len(part))})"
        out.update(k for (k,) in db.execute(sql, part))
    return out


def members_of(db: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """The records of the stored articles of some records (and those records themselves)."""
    wanted = sorted(set(keys))
    out = set(wanted)
    for part in _chunks(wanted):
        sql = (
            "SELECT o.record_key FROM article_sources s JOIN article_sources o"
            f" ON o.article_id = s.article_id WHERE s.record_key IN ({_in(len(part))})"
        )
        out.update(k for (k,) in db.execute(sql, part))
    return out


def articles_of(db: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    """Ids of the stored articles that hold some records."""
    out: set[str] = set()
    for part in _chunks(sorted(set(keys))):
        sql = f"SELECT article_id FROM article_sources WHERE record_key IN ({_in(len(part))})"
        out.update(a for (a,) in db.execute(sql, part))
    return out


def memberships(db: sqlite3.Connection, ids: set[str] | None) -> dict[str, set[str]]:
    """Record keys of some stored articles (all when ids is None), by article id."""
    out: dict[str, set[str]] = {}
    if ids is None:
        rows: Iterable[tuple[str, str]] = db.execute(
            "SELECT article_id, record_key FROM article_sources"
        )
        for a, k in rows:
            out.setdefault(a, set()).add(k)
        return out
    for part in _chunks(sorted(ids)):
        sql = (
            "SELECT article_id, record_key FROM article_sources"
            f" WHERE article_id IN ({_in(len(part))})"
        )
        for a, k in db.execute(sql, part):
            out.setdefault(a, set()).add(k)
    return out


def packed(codes: Codes) -> bytes:
    """A record's codes as record_codes stores them (4 bytes a code: half an int64 array's
    memory while an ingest holds every record's codes, ~45 MB at 100,000 records)."""
    return _blob(codes)


def replace_codes(db: sqlite3.Connection, stale: Iterable[str], rows: dict[str, bytes]) -> None:
    """Drop the codes of stale records, store those of new ones (`packed`), in both tables."""
    gone_ids, gone_codes = _drop_records(db, sorted(set(stale) | set(rows)))
    start = db.execute("SELECT coalesce(max(id), 0) + 1 FROM record_codes").fetchone()[0]
    keys = sorted(rows)
    db.executemany(
        "INSERT INTO record_codes (key, id, codes) VALUES (?, ?, ?)",
        ((k, start + i, rows[k]) for i, k in enumerate(keys)),
    )
    new_codes = _array(b"".join(rows[k] for k in keys))
    new_ids = np.repeat(
        np.arange(start, start + len(keys), dtype=np.int64), [len(rows[k]) // 4 for k in keys]
    )
    _patch_shards(db, gone_ids, gone_codes, new_codes, new_ids)


def _drop_records(db: sqlite3.Connection, keys: list[str]) -> tuple[set[int], Codes]:
    """Delete some records' rows of record_codes; their ids and codes."""
    ids: set[int] = set()
    parts = [_EMPTY]
    for part in _chunks(keys):
        sql = f"SELECT id, codes FROM record_codes WHERE key IN ({_in(len(part))})"
        for i, blob in db.execute(sql, part).fetchall():
            ids.add(i)
            parts.append(_array(blob))
        db.execute(f"DELETE FROM record_codes WHERE key IN ({_in(len(part))})", part)
    return ids, np.concatenate(parts)


def _patch_shards(
    db: sqlite3.Connection,
    gone_ids: set[int],
    gone_codes: Codes,
    codes: Codes,
    ids: NDArray[np.int64],
) -> None:
    """Take the gone ids out of their codes' shards and put the new (code, id) pairs in."""
    new_shard = shard_of(codes)
    touched = np.union1d(shard_of(gone_codes), new_shard).tolist()
    gone = np.array(sorted(gone_ids), dtype=np.int64)
    have = {s: (c, i) for s, c, i in StoredCodes(db)._shards(touched)}
    order = np.argsort(new_shard, kind="stable")
    new_shard, codes, ids = new_shard[order], codes[order], ids[order]
    bounds = (
        np.searchsorted(new_shard, touched, "left"),
        np.searchsorted(new_shard, touched, "right"),
    )
    rows: list[tuple[int, bytes, bytes]] = []
    for s, lo, hi in zip(touched, bounds[0].tolist(), bounds[1].tolist(), strict=True):
        old_c, old_i = have.get(s, (_EMPTY, _EMPTY))
        keep = ~np.isin(old_i, gone)
        c = np.concatenate([old_c[keep], codes[lo:hi]])
        i = np.concatenate([old_i[keep], ids[lo:hi]])
        o = np.lexsort((i, c))
        rows.append((s, _blob(c[o]), _blob(i[o])))
    db.executemany("INSERT OR REPLACE INTO code_shards (shard, codes, ids) VALUES (?, ?, ?)", rows)
    db.execute("DELETE FROM code_shards WHERE length(codes) = 0")


def clear_codes(db: sqlite3.Connection) -> None:
    """Forget every record's codes (a full re-cluster stores them all again)."""
    db.execute("DELETE FROM record_codes")
    db.execute("DELETE FROM code_shards")

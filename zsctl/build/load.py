"""`zsctl ingest --from-parquet DIR`: a finished build folder into the SQLite corpus.

The corpus then holds exactly what a local `ingest` of the same dumps gives (tests/test_build.py
compares the exports), so list, show, grep, export and stats work on a cluster-built corpus.
Like ingest, all or nothing in one transaction, under the corpus's ingest lock.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from zsctl.build.datasets import Folder
from zsctl.build.pipeline import STAGES
from zsctl.dedup.changes import diff
from zsctl.errors import CorpusError, UsageError
from zsctl.ingest import IngestStats, in_transaction, log_ingest
from zsctl.model import Article, DumpSummary, Provenance, Record, StoredRecord
from zsctl.parse.worker import DumpOutcome
from zsctl.seeds.manifest import DumpEntry
from zsctl.store import codes, writes
from zsctl.store.corpus import (
    close_ingest,
    connect_ingest,
    rebuild_hint,
    write_failed,
    write_lock,
)


def load_built(build_dir: str, corpus: Path, *, wait: bool = False) -> IngestStats:
    """Replace the corpus's dumps, records and articles with those of a finished build."""
    started = time.monotonic()
    folder = Folder(build_dir)
    params = folder.read_json("build.json")
    missing = [s for s in STAGES if folder.done(s) is None]
    if params is None or missing:
        what = "is not a build folder" if params is None else f"has no complete {missing[0]}"
        raise UsageError(
            f"{build_dir} {what}; run `zsctl build --out {build_dir}` (again) to finish it"
        )
    stats = IngestStats()
    with write_lock(corpus, wait):
        db, stats.set_aside, first = connect_ingest(corpus)
        try:
            in_transaction(db, lambda: _load(db, folder, params, stats), stats)
        except sqlite3.OperationalError as exc:
            raise CorpusError(write_failed(corpus, exc), path=str(corpus)) from None
        except sqlite3.DatabaseError as exc:
            raise CorpusError(rebuild_hint(corpus, str(exc)), path=str(corpus)) from None
        finally:
            close_ingest(db, corpus, first, stats.committed)
    stats.seconds = time.monotonic() - started
    return stats


def _load(
    db: sqlite3.Connection, folder: Folder, params: dict[str, Any], stats: IngestStats
) -> bool:
    """Write dumps, records and articles; then the gram index, as ingest's stages 3, 5 and 6."""
    built: set[str] = set()
    records: list[StoredRecord] = []
    for part in folder.parts("records"):
        dumps = folder.read(part.replace("records/", "dumps/", 1)).to_pylist()
        rows = folder.read(part).to_pylist()
        for entry, outcome in _outcomes(dumps, rows):
            built.add(entry.file)
            stats.bytes += outcome.size
            writes.write_dump(db, entry, outcome)
        records += [
            StoredRecord(r["key"], r["title"], r["tag"], r["date"], r["source"], r["body"], False)
            for r in rows
        ]
    gone = sorted(set(writes.known_dumps(db)) - built)
    writes.remove_dumps(db, gone)
    stats.dumps = stats.parsed = len(built)
    stats.removed, stats.records = len(gone), len(records)
    before = codes.memberships(db, None)
    after: dict[str, set[str]] = {}
    dates = {r.key: r.date for r in records}
    done = writes.write_articles(db, _articles(folder, dates, after))
    del dates
    stats.changes, stats.reclustered = diff(before, after), len(records)
    stats.articles, stats.written, stats.deleted = done.articles, done.written, done.deleted
    stats.duplicates = len(records) - done.articles
    writes.store_bodies_once(db, records, done.kept)
    del records
    # The codes an incremental ingest looks candidates up by, as a full ingest stores them.
    codes.clear_codes(db)
    codes.replace_codes(db, (), _codes(folder))
    writes.update_index(db, done.removed, done.added, done.articles)
    writes.set_meta(db, "threshold", repr(float(params["threshold"])))
    # How the dumps were parsed (parser version, each site's rules), as ingest records it, so
    # the next ingest re-parses only what changed; and where they are, for show --raw.
    for key, value in params["parse"].items():
        writes.set_meta(db, key, value)
    if "://" not in params["seeds"]:
        writes.set_meta(db, "seeds", str(Path(params["seeds"]).resolve()))
    log_ingest(db, stats)
    return True


def _codes(folder: Folder) -> dict[str, bytes]:
    """Each record's packed codes, from the signatures dataset (record_codes' blobs)."""
    table = folder.read("signatures", columns=["key", "packed"]).sort_by(
        [("key", "ascending"), ("packed", "ascending")]
    )
    keys = table.column("key").to_pylist()
    packed = table.column("packed").to_numpy()
    out: dict[str, bytes] = {}
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out[keys[start]] = codes.packed(np.unique(packed[start:i]))
            start = i
    return out


def _outcomes(
    dumps: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> Iterator[tuple[DumpEntry, DumpOutcome]]:
    """Each dump row of a part with its records, as ingest's parse stage hands them over."""
    by_dump: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_dump.setdefault(r["dump"], []).append(r)
    for d in dumps:
        entry = DumpEntry(d["file"], d["site"], d["layout"], None, d["sha256"], "", 0)
        mine = by_dump.get(d["file"], [])
        outcome = DumpOutcome(
            d["file"],
            size=d["bytes"],
            digest=d["sha256"],
            summary=DumpSummary(
                d["detected_layout"],
                d["encoding"],
                d["encoding_guessed"],
                d["records"],
                d["chrome"],
                d["blank"],
                d["unparsed"],
            ),
            records=[_record(r) for r in mine],
            districts=[(r["district"], json.loads(r["mentions"])) for r in mine],
        )
        yield entry, outcome


def _record(r: dict[str, Any]) -> Record:
    body: str = r["body"]
    return Record(
        title=r["title"],
        tag=r["tag"],
        date=r["date"],
        source=r["source"],
        paragraphs=body.split("\n") if body else [],
        provenance=Provenance(r["dump"], r["first_line"], r["last_line"]),
        layout=r["layout"],
    )


def _articles(
    folder: Folder, dates: dict[str, str | None], seen: dict[str, set[str]]
) -> Iterator[Article]:
    """The build's articles, part by part, as build_articles made them; `seen` gets each
    article's record keys (for the changes the summary reports)."""
    for part in folder.parts("articles"):
        for row in folder.read(part).to_pylist():
            a = article_of(row, dates)
            seen[a.id] = {k for k, _, _ in a.sources}
            yield a


def article_of(row: dict[str, Any], dates: dict[str, str | None]) -> Article:
    """An exported article back as the Article build_articles gave (the same digest).

    The export gives days and times, not the dates as stored; `dates` (record key -> its
    stored date) gives the article its earliest, as build_articles chose it.
    """
    sources = sorted(
        (f"{s['dump']}:{s['first_line']}", s["kind"], s["score"]) for s in row["sources"]
    )
    edges = sorted((e["a"], e["b"], e["kind"], e["score"]) for e in row["cluster"]["edges"])
    stored = sorted(d for k, _, _ in sources if (d := dates.get(k)) is not None)
    body: str = row["body"]
    return Article(
        id=row["id"],
        title=row["title"],
        tag=row["tag"],
        date=stored[0] if stored else None,
        district=row["district"],
        source=row["source_label"],
        paragraphs=body.split("\n") if body else [],
        representative=next(k for k, kind, _ in sources if kind == "kept"),
        sources=sources,
        mentions={d["district"]: d["count"] for d in row["districts"]},
        edges=edges,
    )

"""A source record's lines as they stand in its dump, for `show --raw`."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from zsctl.errors import DumpChangedError, DumpReadError
from zsctl.query.articles import SourceRecord


class RawSource(NamedTuple):
    """A source record's lines as they are in its dump."""

    source: SourceRecord
    lines: list[str]
    changed: bool  # the dump's bytes differ from what was ingested: lines may not line up


def raw_sources(
    db: sqlite3.Connection, seeds: Path, sources: Sequence[SourceRecord]
) -> list[RawSource]:
    """Each source's lines as they are in its dump (decoded as ingest decoded them)."""
    dumps: dict[str, tuple[list[str], bool]] = {}
    out: list[RawSource] = []
    for s in sources:
        if s.dump not in dumps:
            dumps[s.dump] = _dump_lines(db, seeds, s.dump)
        lines, changed = dumps[s.dump]
        out.append(RawSource(s, lines[s.first_line - 1 : s.last_line], changed))
    return out


def _dump_lines(db: sqlite3.Connection, seeds: Path, dump: str) -> tuple[list[str], bool]:
    """A dump's lines, split as the parser splits them, and whether it changed since ingest."""
    from zsctl.parse.decode import decode_bytes
    from zsctl.parse.dump import split_lines
    from zsctl.seeds.dumps import dump_path, read_dump, sha256_of

    path = dump_path(seeds, dump)
    if not path.exists():
        raise DumpReadError(
            "no such dump; is --seeds the folder it was ingested from?", path=str(path)
        )
    data = read_dump(path)  # as ingest reads it: regular files under the size limit only
    row = db.execute("SELECT sha256 FROM dumps WHERE file = ?", (dump,)).fetchone()
    if row is None or row[0] != sha256_of(data):
        # Its lines have moved or gone: printing lines first..last would show another
        # article's text under this record's heading.
        raise DumpChangedError(
            "the dump changed since the ingest (its sha256 is not the one stored), so its "
            "lines would not be this record's: run `zsctl ingest`, then `show --raw` again",
            path=str(path),
        )
    return split_lines(decode_bytes(data, dump).text), False

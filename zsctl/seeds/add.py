"""`zsctl seeds add`: copy dumps into the seeds folder under `NNN_<hash>.txt` names and list
them in INDEX.md, so nobody hashes, names and types rows by hand."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from zsctl.errors import UsageError
from zsctl.parse.rules import SITE_ID
from zsctl.seeds.dumps import read_dump, sha256_of
from zsctl.seeds.manifest import COLUMNS, LAYOUT_CHOICES, MANIFEST_NAME, is_date, read_manifest

_NUMBERED = re.compile(r"(\d{3,})_")
_HEADER = (
    "# Seed dumps\n\nOne row per dump; only dumps listed here are ingested or checked.\n\n"
    "| " + " | ".join(COLUMNS) + " |\n|" + "|".join("------" for _ in COLUMNS) + "|\n"
)


@dataclass(frozen=True, slots=True)
class Added:
    """One dump given to `seeds add`: its name in the seeds folder, and its row (or why not)."""

    source: str
    name: str
    row: str
    skipped: str | None = None  # why it was not added (already listed)


def manifest_row(
    name: str, site: str, layout: str, fetched: str | None, sha: str, note: str
) -> str:
    """One INDEX.md row, in the column order the manifest requires."""
    cells = (name, site, layout, fetched or "-", sha, note.replace("|", "\\|"))
    return "| " + " | ".join(cells) + " |"


def dump_name(number: int, sha: str) -> str:
    """The seeds folder's name for a dump: its number and the start of its sha256."""
    return f"{number:03d}_{sha[:16]}.txt"


def add_dumps(
    seeds: Path, files: list[Path], site: str, layout: str = "auto", fetched: str | None = None
) -> list[Added]:
    """Copy each file in (unless the same bytes are listed already) and append its row."""
    _validate(site, layout, fetched)
    index = seeds / MANIFEST_NAME
    if not index.exists():
        seeds.mkdir(parents=True, exist_ok=True)
        index.write_text(_HEADER, encoding="utf-8")
    manifest = read_manifest(seeds)
    manifest.raise_if_problems()
    listed = {e.sha256: e.file for e in manifest.entries}
    number = _next_number(seeds, manifest.named)
    out: list[Added] = []
    for source in files:
        data = read_dump(source, str(source))
        sha = sha256_of(data)
        if sha in listed:
            out.append(Added(str(source), listed[sha], "", f"already listed as {listed[sha]}"))
            continue
        name = dump_name(number, sha)
        number += 1
        _write_new(seeds / name, data)
        row = manifest_row(name, site, layout, fetched, sha, f"added from {source.name}")
        listed[sha] = name
        out.append(Added(str(source), name, row))
    _append_rows(index, [a.row for a in out if a.skipped is None])
    return out


def _validate(site: str, layout: str, fetched: str | None) -> None:
    if not SITE_ID.fullmatch(site):
        raise UsageError(f"site id {site!r}: use lower-case letters, digits and '-'")
    if layout not in LAYOUT_CHOICES:
        raise UsageError(f"unknown layout {layout!r}; known: {', '.join(LAYOUT_CHOICES)}")
    if fetched is not None and not is_date(fetched):
        raise UsageError(f"--fetched {fetched!r}: give the date as YYYY-MM-DD")


def _next_number(seeds: Path, named: set[str]) -> int:
    """One past the highest NNN_ number in the folder or the manifest."""
    names = named | {p.name for p in seeds.glob("*.txt")}
    numbers = [int(m.group(1)) for n in names if (m := _NUMBERED.match(n))]
    return max(numbers, default=-1) + 1


def _write_new(path: Path, data: bytes) -> None:
    """Create the file; never overwrite one (O_EXCL), never follow a planted link."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        raise UsageError(
            f"{path} exists already; remove it or list it in {MANIFEST_NAME}"
        ) from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _append_rows(index: Path, rows: list[str]) -> None:
    """Insert rows after the table's last row, so text below the table stays below it."""
    if not rows:
        return
    lines = index.read_text(encoding="utf-8-sig").splitlines()
    last = max((i for i, line in enumerate(lines) if line.lstrip().startswith("|")), default=-1)
    lines[last + 1 : last + 1] = rows
    tmp = index.with_name(index.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, index)  # a crash leaves the old INDEX.md, never half a new one

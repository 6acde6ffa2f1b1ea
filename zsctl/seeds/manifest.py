"""seeds/INDEX.md: the strictly parsed Markdown table that lists the dumps to ingest or check."""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from zsctl.errors import CorpusError, ManifestError
from zsctl.parse.layouts.registry import LAYOUTS
from zsctl.parse.rules import SITE_ID
from zsctl.seeds.dumps import dump_path
from zsctl.seeds.problems import Problem

MANIFEST_NAME = "INDEX.md"
COLUMNS = ("file", "site", "layout", "fetched", "sha256", "note")
LAYOUT_CHOICES = ("auto", *LAYOUTS)  # `auto` detects the layout from the dump
# Dump names: what scrapers write, and what every file system, shell and CI log takes as it
# is (no quoting, no look-alike characters, no names that read as options). See README.
ALLOWED_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
ALLOWED_NAMES = "A-Z a-z 0-9 '_' '.' '-', starting with a letter or digit and ending in .txt"
MAX_NAME_BYTES = 255  # NAME_MAX on Linux and macOS: no longer name can exist
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.txt")  # ALLOWED_NAMES, as a regex
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True, slots=True)
class DumpEntry:
    """One manifest row."""

    file: str
    site: str
    layout: str
    fetched: str | None
    sha256: str
    note: str
    line: int


@dataclass(slots=True)
class Manifest:
    """Parsed INDEX.md: rows that are usable plus every problem found on the way."""

    path: Path
    entries: list[DumpEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    named: set[str] = field(default_factory=set)  # every file a row names, valid row or not

    def raise_if_problems(self) -> None:
        """Raise ManifestError for the first problem; ingest refuses a broken manifest."""
        if self.problems:
            first = self.problems[0]
            more = f" (and {len(self.problems) - 1} more; run `zsctl check`)"
            suffix = more if len(self.problems) > 1 else ""
            raise ManifestError(first.message + suffix, path=first.file, line=first.line)


def read_manifest(seeds_dir: Path, sites: frozenset[str] | None = None) -> Manifest:
    """Parse seeds_dir/INDEX.md; rows with problems are reported, not returned as entries."""
    path = seeds_dir / MANIFEST_NAME
    manifest = Manifest(path)
    if not path.is_file():
        raise ManifestError(
            f"no {MANIFEST_NAME} in {seeds_dir}; create it (see README: 'The seeds manifest')",
            path=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8-sig")  # an editor's BOM must not hide the header
    except (UnicodeDecodeError, OSError) as exc:
        raise ManifestError(f"cannot read manifest: {exc}", path=str(path)) from None
    _parse_table(text, seeds_dir, manifest, sites)
    return manifest


def _parse_table(
    text: str, seeds_dir: Path, manifest: Manifest, sites: frozenset[str] | None
) -> None:
    rel = str(manifest.path)
    seen: dict[str, int] = {}
    header_line: int | None = None
    in_table = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line.startswith("|"):
            if in_table and line:
                manifest.problems.append(
                    Problem(
                        rel, lineno, "manifest-row", "text inside the table; rows start with '|'"
                    )
                )
            in_table = in_table and not line
            continue
        cells = _cells(line)
        if header_line is None:
            header_line = lineno
            if tuple(c.lower() for c in cells) != COLUMNS:
                msg = (
                    f"table header must be | {' | '.join(COLUMNS)} |, found | {' | '.join(cells)} |"
                )
                raise ManifestError(msg, path=rel, line=lineno)
            in_table = True
            continue
        if lineno == header_line + 1:
            if not all(_SEPARATOR_CELL.match(c) for c in cells) or len(cells) != len(COLUMNS):
                raise ManifestError(
                    "second table line must be the |---|---| separator", path=rel, line=lineno
                )
            continue
        entry = _row(cells, lineno, rel, seeds_dir, manifest, sites)
        if entry is None:
            continue
        if entry.file in seen:
            manifest.problems.append(
                Problem(
                    rel,
                    lineno,
                    "manifest-duplicate",
                    f"{entry.file} is listed twice (first on line {seen[entry.file]}); "
                    "delete one row",
                )
            )
            continue
        seen[entry.file] = lineno
        manifest.entries.append(entry)
    if header_line is None:
        raise ManifestError(
            f"no table found; expected a header | {' | '.join(COLUMNS)} |", path=rel
        )


def _cells(line: str) -> list[str]:
    """A table row's cells; `\\|` is a pipe inside a cell, as in GitHub's Markdown tables."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.strip().replace("\\|", "|") for c in _UNESCAPED_PIPE.split(inner)]


def _row(
    cells: list[str],
    lineno: int,
    rel: str,
    seeds_dir: Path,
    manifest: Manifest,
    sites: frozenset[str] | None,
) -> DumpEntry | None:
    def bad(code: str, message: str) -> None:
        manifest.problems.append(Problem(rel, lineno, code, message))

    if len(cells) != len(COLUMNS):
        bad(
            "manifest-row",
            f"row has {len(cells)} cells, expected {len(COLUMNS)} ({', '.join(COLUMNS)})",
        )
        return None
    file, site, layout, fetched, sha, note = cells
    manifest.named.add(file)
    error = _file_error(file, seeds_dir)
    if error:
        bad("manifest-path", error)
        return None
    if not SITE_ID.fullmatch(site):
        bad("manifest-site", f"site id {site!r}: use lower-case letters, digits and '-'")
        return None
    if sites is not None and site not in sites:
        bad("manifest-site", f"unknown site {site!r}; known sites: {', '.join(sorted(sites))}")
        return None
    if layout not in LAYOUT_CHOICES:
        bad("manifest-layout", f"unknown layout {layout!r}; use one of {', '.join(LAYOUT_CHOICES)}")
        return None
    if fetched not in ("", "-") and not is_date(fetched):
        bad("manifest-date", f"fetched date {fetched!r} is not YYYY-MM-DD (or '-' when unknown)")
        return None
    if not _SHA256.match(sha.lower()):
        bad("manifest-sha256", f"sha256 {sha!r} is not 64 hex digits; run `sha256sum {file}`")
        return None
    return DumpEntry(
        file, site, layout, fetched if is_date(fetched) else None, sha.lower(), note, lineno
    )


def is_date(text: str) -> bool:
    """Whether `text` is a calendar date written YYYY-MM-DD (2025-02-30 is not)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a dump's name in INDEX.md, or None: the first reason that applies."""
    if _PLAIN_NAME.fullmatch(name) and len(name) <= MAX_NAME_BYTES:
        return None  # every row of a healthy INDEX.md: one regex, not the checks below
    size = len(os.fsencode(name))
    if "/" in name or "\\" in name or name in (".", ".."):
        why = "is a path; a row names a file directly inside the seeds folder (no '..' or /)"
    elif size > MAX_NAME_BYTES:
        why = f"is {size} bytes long, over the {MAX_NAME_BYTES} bytes a file name can have"
    elif not name.endswith(".txt"):
        why = "does not end in .txt"
    elif not (name[0].isascii() and name[0].isalnum()):
        why = "does not start with a letter or digit"
    elif bad := next((c for c in name if c not in ALLOWED_CHARS), None):
        why = f"holds the character {bad!r}, which dump names do not allow"
    else:
        return None
    shown = name if len(name) <= 60 else name[:40] + "…" + name[-12:]
    return f"file {shown!r} {why}; dump names use {ALLOWED_NAMES}"


def _file_error(name: str, seeds_dir: Path) -> str | None:
    """Refuse names that could read outside the seeds folder: paths, '..', links that escape."""
    problem = name_problem(name)
    if problem:
        return problem
    if not os.path.islink(os.path.join(seeds_dir, name)):  # no Path: 23,000 rows at 100k
        return None
    target = seeds_dir / name
    # The reader follows one link to another plain name of the folder and nothing else
    # (seeds/dumps.py), so that is all a row may name.
    try:
        link = os.readlink(target)
        resolved = dump_path(seeds_dir, name)
    except OSError as exc:
        return f"file {name!r} is a symlink that cannot be read ({exc.strerror})"
    except CorpusError as exc:
        if "outside" not in exc.message:
            return f"file {name!r} is a symlink loop; replace it with the dump itself"
        where = str(target.resolve(strict=False))
        return f"file {name!r} is a symlink that points outside the seeds folder ({where!r})"
    if resolved.parent != seeds_dir.resolve():
        return (
            f"file {name!r} is a symlink that points outside the seeds folder ({str(resolved)!r})"
        )
    if "/" in link or (seeds_dir / link).is_symlink():
        return (
            f"file {name!r} is a symlink to {link!r}; a dump may only be a link to another "
            "file of the seeds folder by its plain name: replace it with that name or the dump"
        )
    return None

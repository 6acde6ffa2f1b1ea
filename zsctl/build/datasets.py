"""A build folder: one Parquet dataset per stage, local or at any fsspec URL, with markers.

    DIR/build.json                 what the build was run on (seeds, threshold, buckets)
    DIR/records/part-NNNNN.parquet parsed records, one part per batch of dumps
    DIR/dumps/part-NNNNN.parquet   each parsed dump's row (what `ingest --from-parquet` stores)
    DIR/signatures/bucket-BBBB/part-NNNNN.parquet  candidate codes, shuffled by code
    DIR/edges/part-BBBB.parquet    verified links between records
    DIR/components/part-00000.parquet  each linked record's component
    DIR/articles/part-BBBB.parquet articles in the export schema

A stage is complete when DIR/<stage>/_SUCCESS exists: parts are written to a temporary name and
moved into place, and the marker comes last, so a killed run leaves no part that looks whole.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from zsctl.errors import UsageError, ZsctlError

MARKER = "_SUCCESS"


class Folder:
    """A build folder at a local path or an fsspec URL (picklable: it travels to workers)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fs: Any = None
        self._root = ""

    def __getstate__(self) -> dict[str, str]:
        return {"url": self.url}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.__init__(state["url"])  # type: ignore[misc]

    @property
    def fs(self) -> Any:
        """The fsspec filesystem, opened on first use (in each process)."""
        if self._fs is None:
            try:
                self._fs, self._root = fsspec.core.url_to_fs(self.url)
            except (ImportError, ValueError) as exc:
                raise UsageError(f"cannot open {self.url!r}: {exc}") from None
        return self._fs

    def path(self, *parts: str) -> str:
        """The full path of a file or folder inside the build folder."""
        self.fs  # noqa: B018 -- opens the filesystem, which sets the root
        return "/".join([self._root.rstrip("/"), *parts]) if parts else self._root

    def write(self, rel: str, table: pa.Table) -> None:
        """Write one Parquet part atomically: a retried task overwrites, never half-writes."""
        final, tmp = self._paths(rel)
        with self.fs.open(tmp, "wb") as f:
            pq.write_table(table, f, compression="zstd")
        self.fs.mv(tmp, final)

    def _paths(self, rel: str) -> tuple[str, str]:
        """A file's final path, and a temporary one beside it that readers skip (a leading
        dot: pyarrow ignores it in a folder, and so does parts())."""
        final = self.path(rel)
        folder, _, name = final.rpartition("/")
        self.fs.makedirs(folder, exist_ok=True)
        return final, f"{folder}/.tmp-{uuid.uuid4().hex}-{name}"

    def read(self, rel: str, columns: list[str] | None = None, filters: Any = None) -> pa.Table:
        """One Parquet part (or all parts of a folder), only the columns and rows asked for."""
        try:
            return pq.read_table(
                self.path(rel), columns=columns, filters=filters, filesystem=self.fs
            )
        except (pa.ArrowException, OSError) as exc:  # a part cut short, overwritten or lost
            raise self._damaged(f"{rel}: {str(exc)[:200]}") from None

    def parts(self, rel: str) -> list[str]:
        """The finished parts under a folder, relative to the build folder, sorted."""
        base = self.path(rel)
        if not self.fs.exists(base):
            return []
        root = self.path().rstrip("/") + "/"
        found = [p for p in self.fs.find(base) if p.endswith(".parquet") and "/.tmp-" not in p]
        return sorted(p[len(root) :] if p.startswith(root) else p for p in found)

    def read_json(self, rel: str) -> dict[str, Any] | None:
        """A JSON file of the build folder, or None when it is not there."""
        path = self.path(rel)
        if not self.fs.exists(path):
            return None
        with self.fs.open(path, "rb") as f:
            data = f.read()
        try:
            value: dict[str, Any] = json.loads(data.decode())
        except ValueError:  # not UTF-8 or not JSON (UnicodeDecodeError is a ValueError)
            raise self._damaged(f"{rel} is not JSON") from None
        return value

    def _damaged(self, what: str) -> ZsctlError:
        """The error for a part or file of this folder that cannot be read."""
        return ZsctlError(
            f"build folder damaged: {what}; run `zsctl build` into a new folder (or remove this "
            "one first)",
            path=self.url,
        )

    def write_json(self, rel: str, value: dict[str, Any]) -> None:
        """Write a small JSON file (markers, build.json) atomically."""
        final, tmp = self._paths(rel)
        with self.fs.open(tmp, "wb") as f:
            f.write(json.dumps(value, sort_keys=True, indent=1).encode())
        self.fs.mv(tmp, final)

    def done(self, stage: str) -> dict[str, Any] | None:
        """The completion marker of a stage, or None when the stage is not complete."""
        return self.read_json(f"{stage}/{MARKER}")

    def mark(self, stage: str, info: dict[str, Any]) -> None:
        self.write_json(f"{stage}/{MARKER}", info)

    def clear(self, rel: str) -> None:
        """Remove a stage's folder (a stage that did not complete is redone from nothing)."""
        path = self.path(rel)
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)

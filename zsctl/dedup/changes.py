"""What an ingest changed, by article id: added, removed, merged, split, or rewritten.

Derived from which records each article held before and after, so it says what happened to
the stories, not how many rows were rewritten: dropping the one dump that held an article is
one article removed, even when its neighbours' rows were rewritten too.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field


@dataclass(slots=True)
class Changes:
    """Article ids an ingest added, removed, merged, split, or changed in place."""

    added: list[str] = field(default_factory=list)  # no record of it was in an article before
    removed: list[str] = field(default_factory=list)  # none of its records is in one now
    merged: list[tuple[str, list[str]]] = field(default_factory=list)  # new id, the old ids
    split: list[tuple[str, list[str]]] = field(default_factory=list)  # old id, the new ids
    changed: list[tuple[str, str]] = field(default_factory=list)  # old id -> new id (same story)

    def as_dict(self) -> dict[str, object]:
        """The changes as JSON-ready data."""
        return {
            "added": self.added,
            "removed": self.removed,
            "merged": [{"into": new, "from": old} for new, old in self.merged],
            "split": [{"from": old, "into": new} for old, new in self.split],
            "changed": [{"from": old, "to": new} for old, new in self.changed],
        }

    def counts(self) -> dict[str, int]:
        """How many of each."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "merged": len(self.merged),
            "split": len(self.split),
            "changed": len(self.changed),
        }


def diff(before: Mapping[str, Set[str]], after: Mapping[str, Set[str]]) -> Changes:
    """Changes from articles `before` to `after` (id -> its record keys), ids sorted.

    Articles identical in id and records are left out. An article whose records came from two
    or more earlier articles is a merge; an earlier article whose records went to two or more
    articles is a split; one earlier article to one article with another id or other records
    is a change. Only records present on both sides link the two.
    """
    old_of = {k: a for a, keys in before.items() for k in keys}
    new_of = {k: a for a, keys in after.items() for k in keys}
    sources = {a: {old_of[k] for k in keys if k in old_of} for a, keys in after.items()}
    targets = {a: {new_of[k] for k in keys if k in new_of} for a, keys in before.items()}
    out = Changes()
    for a in sorted(after):
        src = sources[a]
        if not src:
            out.added.append(a)
        elif len(src) > 1:
            out.merged.append((a, sorted(src)))
    for a in sorted(before):
        dst = targets[a]
        if not dst:
            out.removed.append(a)
        elif len(dst) > 1:
            out.split.append((a, sorted(dst)))
        else:
            (b,) = dst
            if len(sources[b]) == 1 and (a != b or before[a] != after[b]):
                out.changed.append((a, b))
    return out

"""Prototype measurements for issue 17: how much of a grep can the index prove?

    python -m bench.grep_proto CORPUS.db [TERM ...]

For each term of three or more characters: the candidates the pair lists give, the true
matches (a substring scan), and how many matches two cheap index additions would prove:

* neighbour flags: per character, the articles in which all its occurrences have the same
  left (UL) or right (UR) neighbour. If a term's pair (c_m, c_m+1) occurs and every middle
  character left of it is in UL and every one right of it in UR, each occurrence of the pair
  extends to the whole term;
* counts (pigeonhole): with n(pair) and n(char) per article, n(ab) + n(bc) > n(b) proves abc.

It also prints what the UL/UR lists would cost, encoded as the gram index encodes lists.
A measurement script, not part of zsctl.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from itertools import pairwise

import numpy as np

from zsctl.store import grams
from zsctl.store.grams_build import encode

_START = 1 << 21  # the left neighbour of a text's first character, the right of its last


def texts(db: sqlite3.Connection) -> tuple[list[int], list[str]]:
    """Rowids and indexed texts, in rowid order."""
    rows = db.execute("SELECT n, title || char(10) || body FROM articles ORDER BY n").fetchall()
    return [r[0] for r in rows], [grams.fold(r[1]) for r in rows]


def neighbour_sets(ids: list[int], docs: list[str]) -> tuple[dict[int, int], dict[int, int]]:
    """{char: bitset of articles where it has one left neighbour}, and the same for right."""
    left: dict[int, int] = {}
    right: dict[int, int] = {}
    for lo in range(0, len(docs), 4096):
        part = docs[lo : lo + 4096]
        lengths = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
        cps = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        doc = np.repeat(np.arange(len(part), dtype=np.uint64), lengths)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        edge = np.array([_START], dtype=np.uint64)
        prev = np.concatenate((edge, cps[:-1]))
        prev[starts] = _START
        nxt = np.concatenate((cps[1:], edge))
        nxt[starts[1:] - 1] = _START
        for side, out in ((prev, left), (nxt, right)):
            combo = np.unique((((cps << np.uint64(12)) | doc) << np.uint64(22)) | side)
            keys, counts = np.unique(combo >> np.uint64(22), return_counts=True)
            one = keys[counts == 1]
            for c in np.unique(one >> np.uint64(12)).tolist():
                sel = one[(one >> np.uint64(12)) == c] & np.uint64(4095)
                out[c] = out.get(c, 0) | grams.bitset(ids[lo + int(d)] for d in sel)
    return left, right


def list_bytes(sets: dict[int, int]) -> int:
    """Bytes the bitsets take encoded as posting lists."""
    total = 0
    for bits in sets.values():
        arr = np.asarray(grams.members(bits), dtype=np.uint32)
        total += len(encode(arr)) if len(arr) else 0
    return total


def flag_proof(term: str, left: dict[int, int], right: dict[int, int]) -> int:
    """Bitset of articles where the neighbour flags prove `term`, given its pairs occur."""
    mids = [ord(c) for c in term[1:-1]]
    proven = 0
    for m in range(len(mids) + 1):  # anchor pair (term[m], term[m+1])
        bits = -1
        for c in mids[:m]:
            bits &= left.get(c, 0)
        for c in mids[m:]:
            bits &= right.get(c, 0)
        proven |= bits
    return proven


def count_proof(term: str, text: str) -> bool:
    """The pigeonhole bound, chained left to right, proves `term` in `text`."""
    bound = _overlapping(text, term[:2])
    for (a, b), c in zip(pairwise(term[1:]), term[1:-1], strict=True):
        bound = bound + _overlapping(text, a + b) - _overlapping(text, c)
        if bound <= 0:
            return False
    return True


def _overlapping(text: str, s: str) -> int:
    n = at = 0
    while (at := text.find(s, at)) >= 0:
        n, at = n + 1, at + 1
    return n


def main(argv: list[str]) -> int:
    """Print the measurements for the corpus and terms on the command line."""
    db = sqlite3.connect(argv[0])
    t0 = time.perf_counter()
    ids, docs = texts(db)
    left, right = neighbour_sets(ids, docs)
    print(f"{len(ids)} articles; flags built in {time.perf_counter() - t0:.1f}s")
    index = db.execute("SELECT sum(length(postings)) FROM grams").fetchone()[0]
    chars = db.execute("SELECT sum(length(postings)) FROM grams WHERE gram < ?", (1 << 21,))
    print(f"index {index / 1e6:.1f} MB, of it chars {chars.fetchone()[0] / 1e6:.1f} MB")
    print(f"UL lists {list_bytes(left) / 1e6:.1f} MB, UR lists {list_bytes(right) / 1e6:.1f} MB")
    by_id = dict(zip(ids, docs, strict=True))
    print("term\tcandidates\tmatches\tflags prove\tcounts prove\tboth")
    for term in argv[1:]:
        cand = grams.candidates(db, grams.term_grams(term))
        ns = grams.members(cand)
        matches = {n for n in ns if term in by_id[n]}
        flags = set(grams.members(cand & flag_proof(term, left, right)))
        counts = {n for n in ns if count_proof(term, by_id[n])}
        assert flags <= matches and counts <= matches
        both = len(flags | counts)
        print(f"{term}\t{len(ns)}\t{len(matches)}\t{len(flags)}\t{len(counts)}\t{both}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Check a generated corpus against the real seeds and its own truth.json.

    python -m bench.verify bench/out/corpus [--seeds seeds]

Checks, failing (exit 1) on any violation:

* INDEX.md lists exactly the ``*.txt`` files of the dir; names are ``NNNNN_<16 hex>.txt``;
  site, layout and fetched are well formed; every sha256 is the sha256 of the file's bytes.
* Every dump decodes with the encoding its note names (BOM, GB18030, CRLF detected from bytes).
* Every dump has the *skeleton* of a real seed of the same layout: the text with titles, bodies,
  dates and paragraphs replaced by placeholders (chrome, blank lines and indentation kept)
  equals one computed from seeds/ the same way.
* The records found by parsing are exactly the record keys of truth.json.
* Within a cluster every copy is either an exact duplicate of the original (same title, tag and
  body, different listed date) or a near one; across clusters no two bodies are identical.

It prints the statistics used to tune the generator: duplicate rates, layout and encoding mix,
sizes, and how many records contain the benchmark's grep terms.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

from bench import layouts
from bench.generate import DEFAULT_SEEDS, read_index

NAME_RE = re.compile(r"^\d{5,}_[0-9a-f]{16}\.txt$")
SITES = {"chanyeyuanqu", "binhai-zwfw"}
TERMS = ("生物医药", "港", "招商", "西青")


def seed_skeletons(seeds_dir: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    _, rows = read_index(seeds_dir / "INDEX.md")
    for row in rows:
        text, _ = layouts.decode((seeds_dir / row["file"]).read_bytes())
        parsed = layouts.parse(text)
        out.setdefault(parsed.layout, set()).add(parsed.skeleton)
    return out


def verify(corpus: Path, seeds_dir: Path = DEFAULT_SEEDS) -> tuple[list[str], dict[str, object]]:
    errors: list[str] = []
    stats: Counter[str] = Counter()
    skeletons = seed_skeletons(seeds_dir)
    _, rows = read_index(corpus / "INDEX.md")
    listed = {r["file"] for r in rows}
    on_disk = {p.name for p in corpus.glob("*.txt")}
    if listed != on_disk:
        errors.append(
            f"INDEX/dir mismatch: unlisted {sorted(on_disk - listed)[:5]},"
            f" missing {sorted(listed - on_disk)[:5]}"
        )
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    cluster_of = {key: ci for ci, c in enumerate(truth["clusters"]) for key in c}
    records: dict[
        str, tuple[str, str | None, str, str, str]
    ] = {}  # key -> (title, tag, body, date, layout)
    raw_bytes = 0
    for row in rows:
        name = row["file"]
        if not NAME_RE.match(name):
            errors.append(f"{name}: bad file name")
        if row["site"] not in SITES:
            errors.append(f"{name}: unknown site {row['site']!r}")
        if row["layout"] not in ("dash", "bullet", "article", "auto"):
            errors.append(f"{name}: bad layout {row['layout']!r}")
        if row["fetched"] != "-" and not layouts.DATE_RE.match(row["fetched"]):
            errors.append(f"{name}: bad fetched {row['fetched']!r}")
        if "|" in row["note"]:
            errors.append(f"{name}: '|' in note")
        path = corpus / name
        if not path.exists():
            continue
        data = path.read_bytes()
        raw_bytes += len(data)
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            errors.append(f"{name}: sha256 mismatch")
        text, enc = layouts.decode(data)
        stats[f"encoding.{enc}"] += 1
        if row["note"].startswith("synthetic"):
            want = row["note"].split(", ")[2] + ("+crlf" if row["note"].endswith("CRLF") else "")
            if want != enc:
                errors.append(f"{name}: decoded as {enc}, note says {want}")
        try:
            parsed = layouts.parse(text, None if row["layout"] == "auto" else row["layout"])
        except layouts.LayoutError as e:
            errors.append(f"{name}: {e}")
            continue
        if parsed.layout != layouts.detect_layout(text):
            errors.append(
                f"{name}: layout column {row['layout']}"
                f" but looks like {layouts.detect_layout(text)}"
            )
        if parsed.skeleton not in skeletons.get(parsed.layout, set()):
            errors.append(f"{name}: {parsed.layout} skeleton differs from every seed's")
        expected = {"dash": "chanyeyuanqu", "bullet": "chanyeyuanqu", "article": "binhai-zwfw"}
        if row["site"] != expected[parsed.layout]:
            errors.append(f"{name}: site {row['site']} for a {parsed.layout} dump")
        stats[f"dumps.{parsed.layout}"] += 1
        for r in parsed.records:
            key = f"{name}:{r.first_line}"
            body = " ".join(r.paragraphs)
            records[key] = (r.title, r.tag, body, r.date, parsed.layout)
            stats[f"records.{parsed.layout}"] += 1
            for term in TERMS:
                if term in r.title or term in body:
                    stats[f"records_containing.{term}"] += 1
            if r.date >= "2025-07":
                stats["records_since.2025-07"] += 1

    if set(records) != set(cluster_of):
        missing = sorted(set(cluster_of) - set(records))[:5]
        extra = sorted(set(records) - set(cluster_of))[:5]
        errors.append(f"truth keys != parsed records: truth-only {missing}, parsed-only {extra}")

    body_owner: dict[str, int] = {}
    for ci, cluster in enumerate(truth["clusters"]):
        present = [k for k in cluster if k in records]
        if not present:
            continue
        o_title, o_tag, o_body, o_date, o_layout = records[present[0]]
        h = hashlib.blake2b(o_body.encode(), digest_size=12).hexdigest()
        if h in body_owner and body_owner[h] != ci:
            stats["distinct_clusters_with_same_body"] += 1
        body_owner[h] = ci
        stats[f"cluster_size.{min(len(cluster), 5)}{'+' if len(cluster) >= 5 else ''}"] += 1
        for key in present[1:]:
            title, tag, body, date, layout = records[key]
            same_tag = tag == o_tag or "article" in (layout, o_layout)
            if title == o_title and body == o_body and same_tag:
                stats["copies.exact"] += 1
                if date == o_date:
                    errors.append(f"{key}: exact copy listed on the original's date")
                if layout != o_layout:
                    stats["copies.exact_other_layout"] += 1
            else:
                stats["copies.near"] += 1
                if body.endswith("...") and len(body) <= 303:
                    stats["copies.near_snippet"] += 1
    if stats["distinct_clusters_with_same_body"]:
        errors.append(
            f"{stats['distinct_clusters_with_same_body']} clusters share a body with another"
        )
    n = len(records)
    titles = Counter(v[0] for v in records.values())
    summary: dict[str, object] = {
        "dumps": len(rows),
        "records": n,
        "raw_mb": round(raw_bytes / 1e6, 1),
        "bytes_per_record": round(raw_bytes / max(n, 1)),
        "exact_copy_rate": round(stats["copies.exact"] / max(n, 1), 4),
        "near_copy_rate": round(stats["copies.near"] / max(n, 1), 4),
        "distinct_title_rate": round(len(titles) / max(n, 1), 4),
        "stats": dict(sorted(stats.items())),
    }
    return errors, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.verify", description=__doc__.split("\n")[0])
    ap.add_argument("corpus", type=Path, nargs="?", default=Path("bench/out/corpus"))
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    args = ap.parse_args(argv)
    errors, summary = verify(args.corpus, args.seeds)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    for e in errors[:50]:
        print("ERROR", e, file=sys.stderr)
    if errors:
        print(f"{len(errors)} problem(s)", file=sys.stderr)
        return 1
    print("ok", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

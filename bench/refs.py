"""Reference programs the benchmark times next to zsctl (run as subprocesses).

python -m bench.refs json IN.jsonl OUT.jsonl
    Re-serialise zsctl's export with stdlib json.dumps, streaming. Prints JSON
    {"seconds": ..., "bytes": ...} where seconds counts only json.dumps + write (parsing
    the input is the price of having "the same rows" and is not counted).

python -m bench.refs fts SEEDS_DIR OUT.db
    The naive ingest: decode and parse every dump listed in INDEX.md with bench.layouts,
    then load title and body into a SQLite FTS5 trigram table (one transaction).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

from bench import layouts
from bench.generate import read_index


def json_ref(src: Path, dst: Path) -> dict[str, float]:
    spent = 0.0
    written = 0
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for line in fin:
            if not line.strip():
                continue
            row = json.loads(line)
            t0 = time.perf_counter()
            out = json.dumps(row, ensure_ascii=False) + "\n"
            fout.write(out)
            spent += time.perf_counter() - t0
            written += len(out.encode("utf-8"))
        t0 = time.perf_counter()
        fout.flush()
        spent += time.perf_counter() - t0
    return {"seconds": spent, "bytes": written}


def fts_ref(seeds: Path, db: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute(
        "CREATE VIRTUAL TABLE a USING fts5("
        "dump UNINDEXED, line UNINDEXED, title, body, tokenize='trigram')"
    )
    _, rows = read_index(seeds / "INDEX.md")
    n = 0
    with con:
        for row in rows:
            text, _ = layouts.decode((seeds / row["file"]).read_bytes())
            parsed = layouts.parse(text, None if row["layout"] == "auto" else row["layout"])
            con.executemany(
                "INSERT INTO a VALUES (?,?,?,?)",
                [
                    (row["file"], r.first_line, r.title, "\n".join(r.paragraphs))
                    for r in parsed.records
                ],
            )
            n += len(parsed.records)
    con.close()
    return {"seconds": time.perf_counter() - t0, "records": n, "bytes": db.stat().st_size}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in ("json", "fts"):
        print(__doc__, file=sys.stderr)
        return 2
    fn = json_ref if argv[0] == "json" else fts_ref
    print(json.dumps(fn(Path(argv[1]), Path(argv[2]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Make examples/rescrape/: re-scrapes of the seed pages, as a scraper run a day later gives them.

The five seeds hold no duplicates, so nothing in them shows what `zsctl ingest` deduplicates.
Real scrapes are full of re-fetches; these three are made from the seeds, reproducibly:

- 100: listing 000 fetched a day later. A new item (the newest of listing 002) is on top, every
  item moved down one place, the oldest fell off to page 2, and the site corrected one item's
  figure overnight (a near duplicate; the rest are exact).
- 101: listing 002 as the site serves it in GB18030 (same text, other bytes: exact duplicates
  once decoded).
- 102: the listing summary of article page 004: its title, the first paragraphs cut off with
  "……", and its date (a truncated text contained in the article).

    python scripts/rescrape.py            # (re)write examples/rescrape/ from seeds/
    python scripts/rescrape.py --check    # exit 1 if examples/rescrape/ is not what it makes
    python scripts/rescrape.py --demo DIR # DIR gets the seeds and the re-scrapes, one INDEX.md

seeds/ is only read, never written.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
OUT = ROOT / "examples" / "rescrape"
ITEM_LINES = 4  # a dash-layout item: "-", title, body, date
LISTING_ITEMS = 10  # items on one listing page of 产业园区网
SUMMARY_CHARS = 160  # about what the site's listing shows of an article before its "……"
# The overnight correction in re-scrape 100: one figure in the body of the item it names.
CORRECTION = ("600余个", "610余个")

_HEADER = """# Re-scrapes of the seed pages

Made from `seeds/` by `python scripts/rescrape.py` (see its docstring); never edited by hand.
Same columns as `seeds/INDEX.md`. `make demo` ingests these with the seeds, so `zsctl dupes`
shows exact, near and contained duplicates.

| file | site | layout | fetched | sha256 | note |
|------|------|--------|---------|--------|------|
"""


def seed(prefix: str) -> Path:
    """The seed dump whose name starts with `prefix` (e.g. '000')."""
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return path


def split_listing(text: str) -> tuple[list[list[str]], list[str]]:
    """A dash listing's items (4 lines each) and the page chrome after them."""
    lines = text.split("\n")
    items = [lines[i : i + ITEM_LINES] for i in range(0, LISTING_ITEMS * ITEM_LINES, ITEM_LINES)]
    if any(item[0] != "-" for item in items):
        raise SystemExit("a seed listing no longer has 10 dash items on top; update this script")
    return items, lines[LISTING_ITEMS * ITEM_LINES :]


def listing_day_after() -> bytes:
    """Listing 000 a day later: 002's first item on top, the rest shifted, one figure fixed."""
    items, chrome = split_listing(seed("000").read_text(encoding="utf-8"))
    newest = split_listing(seed("002").read_text(encoding="utf-8"))[0][0]
    shifted = [newest, *items[: LISTING_ITEMS - 1]]
    old, new = CORRECTION
    fixed = [item for item in shifted if old in item[2]]
    if not fixed:
        raise SystemExit(f"no item of seed 000 mentions {old!r}; update CORRECTION")
    fixed[0][2] = fixed[0][2].replace(old, new, 1)
    return "\n".join([*(line for item in shifted for line in item), *chrome]).encode()


def listing_gb18030() -> bytes:
    """Listing 002 served in GB18030."""
    return seed("002").read_text(encoding="utf-8").encode("gb18030")


def article_summary() -> bytes:
    """The listing entry of article page 004: title, a cut-off summary, the date."""
    lines = [line.strip() for line in seed("004").read_text(encoding="utf-8").split("\n")]
    at = next(i for i, line in enumerate(lines) if line.startswith("发布日期"))
    title, date = lines[at - 1], lines[at].split()[1]
    paragraphs = [line for line in lines[at + 1 :] if len(line) > 40]
    summary = "".join(paragraphs)[:SUMMARY_CHARS] + "……"
    return f"-\n{title}\n{summary}\n{date}\n有想补充的信息?点我投稿\n".encode()


# file prefix -> (maker, site, note)
MAKERS = {
    "100": (listing_day_after, "chanyeyuanqu", "000 a day later: one new item, shifted, a fix"),
    "101": (listing_gb18030, "chanyeyuanqu", "002 served in GB18030"),
    "102": (article_summary, "chanyeyuanqu", "listing summary of article page 004, truncated"),
}


def build() -> dict[str, bytes]:
    """File name -> bytes of every re-scrape, INDEX.md included."""
    files: dict[str, bytes] = {}
    rows = []
    for prefix, (make, site, note) in MAKERS.items():
        data = make()
        digest = hashlib.sha256(data).hexdigest()
        name = f"{prefix}_{digest[:16]}.txt"
        files[name] = data
        rows.append(f"| {name} | {site} | auto | - | {digest} | {note} |\n")
    files["INDEX.md"] = (_HEADER + "".join(rows)).encode()
    return files


def write(dest: Path, files: dict[str, bytes]) -> None:
    """Replace dest's dumps and INDEX.md with `files`."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.txt"):
        old.unlink()
    for name, data in files.items():
        (dest / name).write_bytes(data)


def demo(dest: Path) -> None:
    """dest/ gets copies of the seeds and the re-scrapes, listed in one INDEX.md."""
    files = build()
    seeds_index = (SEEDS / "INDEX.md").read_text(encoding="utf-8").rstrip("\n") + "\n"
    rows = [r for r in files.pop("INDEX.md").decode().splitlines(True) if r.startswith("| 1")]
    write(dest, files | {"INDEX.md": (seeds_index + "".join(rows)).encode()})
    for dump in sorted(SEEDS.glob("*.txt")):
        shutil.copyfile(dump, dest / dump.name)


def main(argv: list[str] | None = None) -> int:
    """Write, check, or lay out a demo folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--demo", type=Path, metavar="DIR", help="seeds + re-scrapes into DIR")
    args = parser.parse_args(argv)
    if args.demo:
        demo(args.demo)
        return 0
    files = build()
    if args.check:
        stale = [
            n
            for n, data in files.items()
            if not (OUT / n).is_file() or (OUT / n).read_bytes() != data
        ]
        extra = {p.name for p in OUT.glob("*")} - set(files)
        for name in [*stale, *sorted(extra)]:
            print(f"examples/rescrape/{name}: not what scripts/rescrape.py makes", file=sys.stderr)
        return 1 if stale or extra else 0
    write(OUT, files)
    return 0


if __name__ == "__main__":
    sys.exit(main())

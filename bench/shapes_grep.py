"""A second corpus shape for grep: fewer, larger dumps and common long terms.

    python -m bench.shapes_grep --articles 100000 --seed 1 --out bench/out/wide-100000-s1

`bench/generate.py` makes 10-article listings and single-article pages (about 4.3 records a
dump) and moves every article to one of 16 industries, so 生物医药 is in about 6% of the
articles. Its index-friendly shape hides the cost of checking text: issue 17 measured zsctl at
2.2x ripgrep on another generator's corpus. This shape keeps the same article generator and
changes what that corpus changed:

* dumps: listings of LISTING_SIZE articles, only ARTICLE_SHARE single-article pages, so about
  10,000 dumps of ~37 KB at 100,000 records (ripgrep reads fewer, larger files);
* a common long term: COMMON_TERM is the industry of COMMON_SHARE of the articles (~40% of
  them then contain it, as 生物医药 in 31,619 of 75,831 articles in the issue);
* a rare long term: RARE_TERM is added as one sentence to RARE_SHARE of the articles (~100
  at 100,000 records).

Everything is still a pure function of (seed, N); the marker records the shape, so a cached
corpus of the other shape is never reused for this one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from bench import generate
from bench.generate import INDUSTRY_RE, Article, Generator, Material

SHAPE = "wide"
LISTING_SIZE = 12  # articles per listing; the bench's own shape has 10
ARTICLE_SHARE = 0.02  # records on single-article pages; 0.15 in the bench's own shape
COMMON_TERM = "生物医药"
COMMON_SHARE = 0.43  # ~96% of articles mention their industry: ~41% contain COMMON_TERM
RARE_TERM = "雪龙湾数据港"
RARE_SHARE = 0.001  # of the records: ~100 articles with RARE_TERM at 100,000 records
RARE_SENTENCE = f"{RARE_TERM}项目在此签约落地,总投资约十亿元。"
_SALT = 10**15  # keeps this shape's choices independent of the article's own random stream


class WideMaterial(Material):
    """The seeds' material, with the common term boosted and the rare term planted."""

    def make_article(self, seed: int, gid: int) -> Article:
        """Article `gid` of the bench's generator, then this shape's two term choices."""
        art = super().make_article(seed, gid)
        r = random.Random(seed * 1_000_000_007 + _SALT + gid)
        if r.random() < COMMON_SHARE:
            art.title = INDUSTRY_RE.sub(COMMON_TERM, art.title)
            art.paragraphs = [INDUSTRY_RE.sub(COMMON_TERM, p) for p in art.paragraphs]
        if r.random() < RARE_SHARE:
            at = r.randrange(len(art.paragraphs))
            art.paragraphs[at] = art.paragraphs[at] + RARE_SENTENCE
        return art


class WideGenerator(Generator):
    """Plans listings of LISTING_SIZE and few single-article pages."""

    listing_size = LISTING_SIZE
    article_share = ARTICLE_SHARE
    dash_share = 0.7  # of the listed records; the rest are bullet listings


def generate_wide(
    n_articles: int, seed: int, out: Path, seeds_dir: Path = generate.DEFAULT_SEEDS
) -> dict[str, object]:
    """Write the wide shape into `out` (replaced atomically, as bench.generate does)."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / generate.MARKER).exists():
        raise SystemExit(f"{out} exists and was not made by the bench; refusing to replace it")
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        _remove(tmp)
    tmp.mkdir(parents=True)
    summary = WideGenerator(WideMaterial(seeds_dir), n_articles, seed).write(tmp, log=False)
    summary["shape"] = SHAPE
    (tmp / generate.MARKER).write_text(
        json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    if out.exists():
        _remove(out)
    tmp.rename(out)
    return summary


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


def is_wide(out: Path, n_articles: int, seed: int) -> bool:
    """True when `out` holds a complete wide-shape corpus for (n_articles, seed)."""
    return generate.is_generated(out, n_articles, seed, shape=SHAPE)


def main(argv: list[str] | None = None) -> int:
    """Command line: generate one wide-shape corpus and print its summary."""
    ap = argparse.ArgumentParser(prog="python -m bench.shapes_grep", description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000, help="records (default 100000)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", type=Path, required=True, help="output directory")
    args = ap.parse_args(argv)
    summary = generate_wide(args.articles, args.seed, args.out)
    summary.pop("stats", None)
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

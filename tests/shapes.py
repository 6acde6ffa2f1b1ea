"""Corpora of the shapes real dumps have, with ground truth, for dedup and ingest tests.

`bench/generate.py` scales the seeds into one shape (independent stories, 10% exact and 5%
near copies). Deduplication must also hold on the shapes below, so tests draw them here:

* ``family``: one story re-listed in many dumps, as exact copies and near variants;
* ``report``: a long report built from passages that also appear as separately titled short
  items, plus true listing snippets of the report (its title, its opening, cut with "…");
* ``boilerplate``: different stories that open with the same official paragraph, and a
  snippet of one of them;
* ``titles``: different stories under one generic title;
* ``plain``: independent stories.

Every text is built from clauses of the real seeds, each followed by a random number, so two
unrelated texts share no 5-character run by accident. Everything is a pure function of the
seed passed to `build`; `corpora()` is the hypothesis strategy that draws one.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SHAPES = ("plain", "family", "report", "boilerplate", "titles")
LISTING = 10  # records per generated dump
FOOTER = "有想补充的信息?点我投稿\n\n- 联系我们\n- 企业入驻\n"
HEADER = "| file | site | layout | fetched | sha256 | note |\n|---|---|---|---|---|---|\n"
BOILERPLATE = (
    "为深入贯彻落实市委市政府关于优化营商环境的决策部署,进一步激发市场主体活力,"
    "全面提升招商引资工作质效,现将有关工作情况通报如下。"
)
COLUMN_TITLE = "天津招商引资一周要闻"  # a column: what TITLE_BUCKET is about
COLUMN_CUT = "天津招商引资一周…"  # the same, cut in a listing: found by its 8-character prefix
GENERIC_TITLES = ("招商引资工作动态", "重点项目建设进展情况", "营商环境优化工作简报")


@cache
def clauses() -> tuple[str, ...]:
    """Comma-separated clauses of the real seed dumps (6-40 characters)."""
    found: set[str] = set()
    for path in sorted(SEEDS.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            for c in re.split("[,,。;;!!??:: ]", line):
                c = c.strip()
                if 6 <= len(c) <= 40 and not re.search(r"[-|•]", c):
                    found.add(c)
    return tuple(sorted(found))


def sentence(r: random.Random) -> str:
    """2-3 seed clauses, each with a random figure: text no other sentence shares."""
    pool = clauses()
    parts = [f"{pool[r.randrange(len(pool))]}{r.randrange(10, 10_000)}" for _ in range(2)]
    return ",".join(parts) + "。"


def story_text(r: random.Random, sentences: int) -> str:
    """A body of `sentences` fresh sentences, one paragraph."""
    return "".join(sentence(r) for _ in range(sentences))


def title_text(r: random.Random) -> str:
    """A fresh title: a seed clause and a random figure."""
    pool = clauses()
    return f"{pool[r.randrange(len(pool))][:16]}{r.randrange(100, 1000)}项"


def listing_title(title: str, r: random.Random) -> str:
    """The headline a listing gives an article: as it is, cut with a marker, or edited."""
    return r.choice((title, title[: len(title) // 2 + 2] + "…", edit(title, r, 1)))


def edit(text: str, r: random.Random, changes: int) -> str:
    """`changes` scattered one-character substitutions (a near variant)."""
    chars = list(text)
    for _ in range(changes):
        chars[r.randrange(len(chars))] = "区市县镇园港"[r.randrange(6)]
    return "".join(chars)


@dataclass(frozen=True, slots=True)
class Item:
    """One record to be: title, body, and the story it truly is (ground truth)."""

    title: str
    body: str
    story: str
    shape: str


@dataclass(slots=True)
class Corpus:
    """Items with their truth; `dumps()` lays them out as listings of LISTING records."""

    items: list[Item] = field(default_factory=list)

    def add(self, shape: str, story: str, title: str, body: str) -> None:
        """Append one record of `story`."""
        self.items.append(Item(title, body, story, shape))

    def dumps(self) -> dict[str, list[Item]]:
        """Dump file name -> its items, in the order they were added."""
        out: dict[str, list[Item]] = {}
        for lo in range(0, len(self.items), LISTING):
            part = self.items[lo : lo + LISTING]
            digest = hashlib.sha256(repr(part).encode()).hexdigest()[:16]
            out[f"{lo // LISTING:04d}_{digest}.txt"] = part
        return out


def add_plain(c: Corpus, r: random.Random, n: int, tag: str) -> None:
    """n independent stories, some listed twice (exact copies)."""
    for k in range(n):
        title, body = title_text(r), story_text(r, r.randint(6, 20))
        c.add("plain", f"{tag}.{k}", title, body)
        if r.random() < 0.2:
            c.add("plain", f"{tag}.{k}", title, body)


def add_family(c: Corpus, r: random.Random, copies: int, changes: int, tag: str) -> None:
    """One story in `copies` records: near variants with `changes` edits, and exact re-listings.

    The original itself is never listed, so variants only meet each other (as reposts do).
    """
    title, body = title_text(r), story_text(r, 30)
    listed: list[str] = []
    for _ in range(copies):
        text = listed[r.randrange(len(listed))] if listed and r.random() < 0.3 else None
        listed.append(text or edit(body, r, changes))
        c.add("family", tag, title, listed[-1])


def add_report(c: Corpus, r: random.Random, parts: int, tag: str) -> None:
    """A report made of `parts` passages that are also short items; two true snippets of it."""
    title = title_text(r) + "工作报告"
    intro = story_text(r, 4)
    passages = [story_text(r, r.randint(4, 8)) for _ in range(parts)]
    report = intro + "".join(passages)
    c.add("report", tag, title, report)
    for k, p in enumerate(passages):
        c.add("report", f"{tag}.item{k}", title_text(r), p)
    for cut in (r.randint(60, 150), r.randint(150, 300)):
        c.add("report", tag, listing_title(title, r), report[:cut] + r.choice(("…", "...", "……")))


def add_boilerplate(c: Corpus, r: random.Random, n: int, tag: str) -> None:
    """n stories opening with one official paragraph; a snippet of the first one."""
    first = ""
    for k in range(n):
        title, body = title_text(r), BOILERPLATE + story_text(r, r.randint(6, 12))
        c.add("boilerplate", f"{tag}.{k}", title, body)
        if k == 0:
            first, first_title = body, title
    if first:
        snippet = first[: len(BOILERPLATE) + 80] + "..."
        c.add("boilerplate", f"{tag}.0", listing_title(first_title, r), snippet)


def add_titles(c: Corpus, r: random.Random, n: int, tag: str) -> None:
    """n different stories under one generic title, short ones among them."""
    title = GENERIC_TITLES[r.randrange(len(GENERIC_TITLES))]
    for k in range(n):
        c.add("titles", f"{tag}.{k}", title, story_text(r, r.choice((2, 3, 10, 20))))


def add_column(c: Corpus, r: random.Random, n: int, tag: str) -> None:
    """n stories under one column's title, about half also listed as an excerpt: a passage
    from its middle under the same title or that title cut, which merges with its story only
    while the title is not a column (dedup.cluster.TITLE_BUCKET records or fewer)."""
    for k in range(n):
        sentences = [sentence(r) for _ in range(10)]
        c.add("column", f"{tag}.{k}", COLUMN_TITLE, "".join(sentences))
        if r.random() < 0.5:
            title = r.choice((COLUMN_TITLE, COLUMN_CUT))
            c.add("column", f"{tag}.{k}", title, "".join(sentences[3:7]))


def build(seed: int, plan: list[tuple[str, int]]) -> Corpus:
    """The corpus of a plan [(shape, size)], shuffled: a pure function of (seed, plan)."""
    r = random.Random(seed)
    c = Corpus()
    for k, (shape, size) in enumerate(plan):
        if shape == "plain":
            add_plain(c, r, size, f"plain{k}")
        elif shape == "family":
            add_family(c, r, size, r.choice((3, 6, 40)), f"family{k}")
        elif shape == "report":
            add_report(c, r, size, f"report{k}")
        elif shape == "boilerplate":
            add_boilerplate(c, r, size, f"boiler{k}")
        elif shape == "titles":
            add_titles(c, r, size, f"titles{k}")
        elif shape == "column":
            add_column(c, r, size, f"column{k}")
        else:
            raise ValueError(f"unknown shape {shape!r}")
    r.shuffle(c.items)
    return c


def corpora(max_records: int = 400, kinds: tuple[str, ...] = SHAPES) -> st.SearchStrategy[Corpus]:
    """Hypothesis strategy: a corpus of a few shapes, at most about max_records records."""
    shape = st.tuples(st.sampled_from(kinds), st.integers(2, max(2, max_records // 8)))
    plans = st.lists(shape, min_size=1, max_size=6)
    return st.builds(build, st.integers(0, 2**32 - 1), plans).filter(
        lambda c: 0 < len(c.items) <= max_records
    )


def render(items: list[Item], day: int = 1) -> bytes:
    """A dash listing of the items (the layout of seeds 000-003)."""
    blocks = "".join(f"-\n{it.title}\n{it.body}\n2025-07-{day:02d}\n" for it in items)
    return (blocks + FOOTER).encode()


def write_seeds(root: Path, dumps: dict[str, bytes]) -> Path:
    """Write dumps and their INDEX.md into root/seeds (replacing what was there)."""
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for old in seeds.glob("*.txt"):
        old.unlink()
    rows = ""
    for name in sorted(dumps):
        (seeds / name).write_bytes(dumps[name])
        sha = hashlib.sha256(dumps[name]).hexdigest()
        rows += f"| {name} | chanyeyuanqu | dash | - | {sha} | shapes |\n"
    (seeds / "INDEX.md").write_text("# Dumps\n\n" + HEADER + rows, encoding="utf-8")
    return seeds

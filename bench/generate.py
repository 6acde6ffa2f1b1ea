"""Deterministic synthetic corpus: scale the five real seed dumps to N articles.

    python -m bench.generate --articles 100000 --seed 1 --out bench/out/corpus

Writes into DIR (replacing a previous generated corpus there):

* ``NNNNN_<16 hex>.txt`` dumps. ``00000``-``00004`` are the real seeds, byte for byte; the rest
  are new dumps in the seeds' three layouts with their chrome (footers, article-page header and
  footer) copied verbatim from the seeds: dash listings and bullet listings of 10 articles each,
  single-article pages; about 60% / 25% / 15% of the records.
* ``INDEX.md``, the manifest, with the real sha256 of every dump.
* ``truth.json``, the ground truth: every record as ``"dump_file:first_line"`` grouped into
  clusters of records that are the same story (singletons included).
* ``.generated.json``, the parameters and statistics (hidden, so ``rg`` skips it).

N counts records (article instances across dumps), duplicates included: about 10% of them are
exact re-listings of an earlier article (another dump, another listed date, maybe another
layout) and about 5% near duplicates of one (a few characters edited, punctuation width swapped,
spaces removed, tag added or removed, or cut to a 150-300 character snippet ending in ``...``).
New articles have 15-40 sentences. Each sentence is a real seed sentence (30%) or 2-4 real
seed clauses joined into a new one (70%), so unrelated articles share almost no text. Every
article is moved to a random Tianjin district and industry: the district and industry names in
its sentences are rewritten. Titles recombine halves of seed titles with sentence clauses, and
the listed dates run from 2019 to 2026. Dumps are mostly UTF-8; some are GB18030,
UTF-8 with BOM or UTF-16 LE with BOM, and some use CRLF line ends.

``--shape NAME`` turns a share (SHAPE_SHARE) of the N records into one of the shapes real dumps
have besides independent stories, each with its ground truth, written as extra dash listings:
``family`` (one story in hundreds of dumps: exact copies and light edits), ``variants`` (many
near variants of one story, every variant a few characters from the original), ``reports``
(long reports made of passages that are also separately titled short items, plus true listing
snippets of each report), ``boilerplate`` (different stories opening with one official
paragraph), ``snippets`` (listing snippets cut with …), ``titles`` (one generic title over
different stories). The bench reports precision and recall per shape.

Everything is a pure function of (seed, N, shape): articles are rebuilt from their id when
re-listed, so the generator writes dump by dump and keeps only O(N) small integers in memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import layouts

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = REPO / "seeds"
DEFAULT_OUT = REPO / "bench" / "out" / "corpus"
MARKER = ".generated.json"
FORMAT_VERSION = 3  # 3: --shape

LISTING_SIZE = 10
LAYOUT_SHARE = {"dash": 0.60, "bullet": 0.25, "article": 0.15}  # share of records
EXACT_RATE = 0.10
NEAR_RATE = 0.05
SENTENCES = (15, 40)
FIRST_DAY = dt.date(2019, 1, 1).toordinal()
LAST_DAY = dt.date(2026, 12, 31).toordinal()
ENCODINGS = (("utf-8", 0.78), ("gb18030", 0.08), ("utf-8-sig", 0.07), ("utf-16", 0.07))
CRLF_RATE = 0.12
SOURCES = ("区政务服务办", "区政务服务办", "区商务局", "区科技局", "区发展改革委", "区人社局")

# Tianjin's 16 districts: (full name, short name, weight). Short names that are also common
# words elsewhere (河北, 河西, ...) are only written as full names.
DISTRICTS = (
    ("滨海新区", "滨海", 22),
    ("西青区", "西青", 9),
    ("武清区", "武清", 9),
    ("津南区", "津南", 6),
    ("东丽区", "东丽", 6),
    ("北辰区", "北辰", 6),
    ("静海区", "静海", 5),
    ("蓟州区", "蓟州", 5),
    ("宝坻区", "宝坻", 5),
    ("宁河区", "宁河", 4),
    ("红桥区", "红桥", 4),
    ("南开区", None, 4),
    ("河西区", None, 4),
    ("河东区", None, 3),
    ("河北区", None, 3),
    ("和平区", None, 5),
)
_SHORT_ONLY = [short for _, short, _ in DISTRICTS if short]
DISTRICT_RE = re.compile(
    "|".join([re.escape(full) for full, _, _ in DISTRICTS] + [re.escape(s) for s in _SHORT_ONLY])
)
# Industry names are moved to one per article, so a term like 生物医药 is topical (~6% of
# articles) instead of appearing wherever a random seed sentence mentions it.
INDUSTRIES = (
    "生物医药",
    "新能源汽车",
    "集成电路",
    "人工智能",
    "智能制造",
    "高端装备",
    "航空航天",
    "绿色石化",
    "新材料",
    "信创",
    "医疗器械",
    "跨境电商",
    "数字经济",
    "工业互联网",
    "物联网",
    "新一代信息技术",
)
INDUSTRY_RE = re.compile("|".join(sorted(map(re.escape, INDUSTRIES), key=len, reverse=True)))
_FULL_OF = {full: i for i, (full, _, _) in enumerate(DISTRICTS)}
_SHORT_OF = {short: i for i, (_, short, _) in enumerate(DISTRICTS) if short}

# Half-width punctuation and its full-width form (U+FF01..). The seeds use half-width only.
_FULL = {
    ",": "\uff0c",
    ":": "\uff1a",
    ";": "\uff1b",
    "(": "\uff08",
    ")": "\uff09",
    "!": "\uff01",
    "?": "\uff1f",
}
HALF_TO_FULL = str.maketrans(_FULL)
FULL_TO_HALF = str.maketrans({v: k for k, v in _FULL.items()})
EDIT_CHARS = (
    "的一是在了有和人这中大为上个国我以要时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "产种面而方后多定行学法所民得经进着等部度家力里如水化高自理起物现实加量都两体制机当使点从业"
)
SHAPES = ("family", "variants", "reports", "boilerplate", "snippets", "titles")
SHAPE_SHARE = 0.3  # of the records, with --shape
BOILERPLATE = (
    "为深入贯彻落实市委市政府关于优化营商环境的决策部署,进一步激发市场主体活力,"
    "全面提升招商引资工作质效,现将有关工作情况通报如下。"
)
GENERIC_TITLES = ("招商引资工作动态", "重点项目建设进展情况", "营商环境优化工作简报", "一周要闻")
NEAR_KINDS = (("chars", 30), ("punct", 20), ("spaces", 15), ("tag", 15), ("snippet", 20))


@dataclass(slots=True)
class Article:
    """A story independent of how it is listed: title (no tag), optional tag, paragraphs."""

    title: str
    tag: str | None
    paragraphs: list[str]
    district: int


@dataclass(slots=True)
class Chrome:
    """Verbatim pieces of the seeds that every generated dump reuses."""

    dash_footers: list[str]
    bullet_footer: str
    article_top: list[str]  # lines 1-4
    article_date_prefix: str  # "发布日期: "
    article_date_sep: str  # " <NBSP x4> 来源: "
    article_mid: list[str]  # lines 7-9
    article_footer: str


@dataclass(slots=True)
class SeedDump:
    name: str
    site: str
    row: dict[str, str]
    data: bytes
    layout: str
    articles: list[Article]
    dates: list[str]
    first_lines: list[int]


class Material:
    """Everything mined from the real seeds: dumps, chrome, sentence and title pools."""

    def __init__(self, seeds_dir: Path) -> None:
        self.seeds_dir = seeds_dir
        self.index_preamble, rows = read_index(seeds_dir / "INDEX.md")
        self.seed_dumps: list[SeedDump] = []
        dash_footers: list[str] = []
        bullet_footer = article_footer = None
        article = None
        for row in rows:
            data = (seeds_dir / row["file"]).read_bytes()
            text, _ = layouts.decode(data)
            layout = row["layout"] if row["layout"] != "auto" else layouts.detect_layout(text)
            parsed = layouts.parse(text, layout)
            arts = [
                Article(r.title, r.tag, r.paragraphs, _district_of((r.tag or "") + r.title))
                for r in parsed.records
            ]
            self.seed_dumps.append(
                SeedDump(
                    row["file"],
                    row["site"],
                    row,
                    data,
                    layout,
                    arts,
                    [r.date for r in parsed.records],
                    [r.first_line for r in parsed.records],
                )
            )
            if layout == "dash" and parsed.footer not in dash_footers:
                dash_footers.append(parsed.footer)
            elif layout == "bullet":
                bullet_footer = parsed.footer
            elif layout == "article":
                article, article_footer = text.split("\n"), parsed.footer
        if not dash_footers or bullet_footer is None or article is None or not article_footer:
            raise SystemExit(f"{seeds_dir}: need at least one seed dump of each layout")
        m = layouts.ARTICLE_DATE_RE.match(article[5])
        assert m is not None
        self.chrome = Chrome(
            dash_footers=dash_footers,
            bullet_footer=bullet_footer,
            article_top=article[:4],
            article_date_prefix=m.group(1),
            article_date_sep=m.group(4),
            article_mid=article[6:9],
            article_footer=article_footer,
        )
        self._build_pools()

    def _build_pools(self) -> None:
        sentences: list[str] = []
        titles: list[str] = []
        seen: set[str] = set()
        for sd in self.seed_dumps:
            for art in sd.articles:
                titles.append(art.title)
                for para in art.paragraphs:
                    if not re.search("[。!?\uff01\uff1f]$", para):
                        # a sub-heading such as "01创新“双招双引”模式 集聚创新创业领军人才"
                        head = re.sub(r"^\d+", "", para)
                        if 6 <= len(head) <= 30:
                            titles.append(head)
                        continue
                    for s in re.split("(?<=[。!?\uff01\uff1f])", para):
                        s = s.strip()
                        if len(s) >= 6 and s not in seen and len(s) <= 400:
                            seen.add(s)
                            sentences.append(s)
        clauses: list[str] = []  # body clauses: the pieces between commas of real sentences
        title_clauses: list[str] = []
        for s in sentences:
            for c in re.split("[,;\uff0c\uff1b]", s.rstrip("。!?\uff01\uff1f")):
                c = c.strip().lstrip("- ")
                if len(c) >= 4 and c.count("“") == c.count("”") and c.count('"') % 2 == 0:
                    clauses.append(c)
            for c in re.split("[,;: 。!?\uff0c\uff1b\uff1a\uff01\uff1f]", s):
                c = re.sub(
                    "^[一二三四五六七八九十]+[、是]|^[(\uff08][一二三四五六七八九十]+[)\uff09]",
                    "",
                    c,
                )
                if 7 <= len(c) <= 20 and c.count("“") == c.count("”") and '"' not in c:
                    title_clauses.append(c)
        halves: list[str] = []
        for t in titles:
            for h in re.split("[ :,\uff1a\uff0c]", t):
                if 5 <= len(h) <= 24 and h.count("“") == h.count("”"):
                    halves.append(h)
        n = len(DISTRICTS)
        self.sentences = [_variants(s.lstrip("- "), n) for s in sentences]
        self.clauses = [_variants(c, n) for c in clauses]
        self.title_parts = [_variants(s, n) for s in halves + title_clauses]
        self.n_halves = len(halves)
        self.district_cum = _cumulative([w for _, _, w in DISTRICTS])

    # --------------------------------------------------------------------- articles
    def make_article(self, seed: int, gid: int) -> Article:
        """Article ``gid``: a pure function of (seed, gid).

        Its "sentences" are real seed sentences (30%) or new sentences of 2-4 real clauses
        (70%); recombining clauses keeps two unrelated articles from sharing long runs of text,
        so the only near-identical texts are the injected duplicates. All district names are
        moved to the article's district and all industry names to its industry.
        """
        r = random.Random(seed * 1_000_000_007 + gid)
        d = r.choices(range(len(DISTRICTS)), cum_weights=self.district_cum)[0]
        industry = INDUSTRIES[r.randrange(len(INDUSTRIES))]
        rnd = r.random  # int(rnd() * n) is several times faster than randrange(n)
        k = SENTENCES[0] + int(rnd() * (SENTENCES[1] - SENTENCES[0] + 1))
        sentences, clauses = self.sentences, self.clauses
        n_s, n_c = len(sentences), len(clauses)
        sents: list[str] = []
        for _ in range(k):
            if rnd() < 0.3:
                sents.append(sentences[int(rnd() * n_s)][d])
            else:
                n_parts = 2 + int(rnd() * 3)
                sents.append(
                    ",".join([clauses[int(rnd() * n_c)][d] for _ in range(n_parts)]) + "。"
                )
        paragraphs: list[str] = []
        i = 0
        while i < k:
            step = 2 + int(rnd() * 5)
            paragraphs.append(INDUSTRY_RE.sub(industry, "".join(sents[i : i + step])))
            i += step
        # Titles: a seed-title half or a clause, usually followed by a second clause.
        parts = self.title_parts
        head = parts[r.randrange(self.n_halves if r.random() < 0.35 else len(parts))][d]
        title = head
        if r.random() < 0.95:
            tail = parts[r.randrange(self.n_halves, len(parts))][d]
            if tail != head:
                title = f"{head} {tail}"
        title = INDUSTRY_RE.sub(industry, title)
        u = r.random()
        tag = None if u < 0.4 else (f"【{DISTRICTS[d][0]}招商】" if u < 0.75 else "【天津招商】")
        return Article(title, tag, paragraphs, d)


def _cumulative(weights: list[int]) -> list[int]:
    out, acc = [], 0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _district_of(text: str) -> int:
    m = DISTRICT_RE.search(text)
    if not m:
        return 0
    return _FULL_OF.get(m.group(0), _SHORT_OF.get(m.group(0), 0))


def _variants(s: str, n: int) -> list[str]:
    """The sentence rewritten to each district (the same object when it names none)."""
    if not DISTRICT_RE.search(s):
        return [s] * n
    out = []
    for d in range(n):
        full, short, _ = DISTRICTS[d]
        out.append(
            DISTRICT_RE.sub(
                lambda m, f=full, s_=short: f if m.group(0) in _FULL_OF else (s_ or f), s
            )
        )
    return out


def read_index(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Read INDEX.md: (preamble lines before the table, table rows as dicts)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    preamble: list[str] = []
    rows: list[dict[str, str]] = []
    header: list[str] | None = None
    for line in lines:
        if not line.startswith("|"):
            if header is None:
                preamble.append(line)
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif set("".join(cells)) <= set("-: "):
            continue
        else:
            rows.append(dict(zip(header, cells, strict=True)))
    while preamble and not preamble[-1].strip():
        preamble.pop()
    return preamble, rows


INDEX_HEADER = (
    "| file | site | layout | fetched | sha256 | note |\n"
    "|------|------|--------|---------|--------|------|\n"
)


def index_row(name: str, site: str, layout: str, fetched: str, sha: str, note: str) -> str:
    return f"| {name} | {site} | {layout} | {fetched} | {sha} | {note} |\n"


# ------------------------------------------------------------------------- near duplicates
def near_edit(art: Article, r: random.Random, layout: str) -> tuple[Article, list[str]]:
    """A near duplicate of ``art``; returns it and the list of edit kinds applied."""
    kinds = [k for k, _ in NEAR_KINDS]
    weights = [w for _, w in NEAR_KINDS]
    first = r.choices(kinds, weights)[0]
    chosen = [first]
    # A tag alone is invisible when the original was listed on an article page (no tags
    # there), so a tag edit always comes with a second, textual one.
    if first == "tag" or (first != "snippet" and r.random() < 0.3):
        second = r.choices(kinds[:3], weights[:3])[0]
        if second not in chosen:
            chosen.append(second)
    title, tag, paras = art.title, art.tag, list(art.paragraphs)
    applied: list[str] = []
    for kind in chosen:
        if kind == "tag" and layout == "article":
            kind = "chars"  # article pages show no tag, so the edit would be invisible
        if kind == "spaces" and " " not in title and not any(" " in p for p in paras):
            kind = "punct"
        if kind == "chars":
            paras = _char_edits(paras, r)
        elif kind == "punct":
            body = "".join(paras) + title
            table = HALF_TO_FULL if body.count(",") >= body.count("\uff0c") else FULL_TO_HALF
            title, paras = title.translate(table), [p.translate(table) for p in paras]
        elif kind == "spaces":
            title = title.replace(" ", "")
            paras = [p.replace(" ", "") for p in paras]
        elif kind == "tag":
            tag = (
                None if tag else r.choice(("【天津招商】", f"【{DISTRICTS[art.district][0]}招商】"))
            )
        elif kind == "snippet":
            joined = " ".join(paras)
            cut = r.randint(150, 300)
            if len(joined) > cut + 20:
                paras = [joined[:cut].rstrip() + "..."]
            else:
                paras = _char_edits(paras, r)
                kind = "chars"
        if kind not in applied:
            applied.append(kind)
    return Article(title, tag, paras, art.district), applied


def _char_edits(paras: list[str], r: random.Random) -> list[str]:
    paras = list(paras)
    for _ in range(r.randint(1, 4)):
        pi = r.randrange(len(paras))
        p = paras[pi]
        if len(p) < 4:
            continue
        pos = r.randrange(len(p))
        op = r.random()
        if op < 0.5:
            paras[pi] = p[:pos] + r.choice(EDIT_CHARS) + p[pos + 1 :]
        elif op < 0.75:
            paras[pi] = p[:pos] + p[pos + 1 :]
        else:
            paras[pi] = p[:pos] + r.choice(EDIT_CHARS) + p[pos:]
    return paras


# ------------------------------------------------------------------------- shapes
def _fresh(m: Material, seed: int, r: random.Random) -> Article:
    """A new article no other record shares (ids far above the base corpus's)."""
    return m.make_article(seed, 2 * 10**9 + r.getrandbits(40))


def _with_body(art: Article, paragraphs: list[str], title: str | None = None) -> Article:
    return Article(art.title if title is None else title, art.tag, paragraphs, art.district)


def _cut(art: Article, r: random.Random) -> Article:
    """A listing snippet: the article's opening, cut at 150-300 characters with a marker."""
    joined = " ".join(art.paragraphs)
    cut = min(len(joined) - 1, r.randint(150, 300))
    return _with_body(art, [joined[:cut].rstrip() + r.choice(("...", "…", "……"))])


def shape_records(m: Material, seed: int, shape: str, n: int) -> list[tuple[Article, int]]:
    """About n records of one shape as (article, story); stories are numbered from 0."""
    r = random.Random(seed * 7_368_787 + SHAPES.index(shape))
    out: list[tuple[Article, int]] = []
    story = 0
    while len(out) < n:
        base = _fresh(m, seed, r)
        if shape == "family":  # one story, hundreds of listings
            for _ in range(r.randint(100, 400)):
                edited = r.random() < 0.3
                out.append(
                    (_with_body(base, _char_edits(base.paragraphs, r)) if edited else base, story)
                )
        elif shape == "variants":  # many light variants of one story, never the original
            for _ in range(r.randint(20, 300)):
                out.append((_with_body(base, _char_edits(base.paragraphs, r)), story))
        elif shape == "reports":
            items = [_fresh(m, seed, r) for _ in range(r.randint(6, 15))]
            report = _with_body(
                base,
                base.paragraphs[:2] + [p for it in items for p in it.paragraphs],
                base.title + " 工作报告",
            )
            out += [(report, story), (_cut(report, r), story), (_cut(report, r), story)]
            for it in items:
                story += 1
                out.append((it, story))
        elif shape == "boilerplate":
            out.append((_with_body(base, [BOILERPLATE, *base.paragraphs]), story))
        elif shape == "snippets":
            out += [(base, story)] + [(_cut(base, r), story) for _ in range(r.randint(1, 3))]
        elif shape == "titles":
            title = GENERIC_TITLES[r.randrange(len(GENERIC_TITLES))]
            out.append((_with_body(base, base.paragraphs[: r.choice((1, 2, 8))], title), story))
        else:
            raise SystemExit(f"unknown --shape {shape!r}; one of {', '.join(SHAPES)}")
        story += 1
    r.shuffle(out)
    return out[:n]


# ------------------------------------------------------------------------- rendering
def title_line(art: Article) -> str:
    return (art.tag or "") + art.title


def render_dash(items: list[tuple[Article, str]], footer: str) -> tuple[str, list[int]]:
    lines: list[str] = []
    starts = []
    for art, date in items:
        starts.append(len(lines) + 1)
        lines += ["-", title_line(art), " ".join(art.paragraphs), date]
    return "\n".join(lines) + "\n" + footer, starts


def render_bullet(items: list[tuple[Article, str]], footer: str) -> tuple[str, list[int]]:
    lines: list[str] = []
    starts = []
    for art, date in items:
        starts.append(len(lines) + 1)
        prefix = layouts.BULLET_FIRST if not lines else layouts.BULLET_LATER
        body = layouts.INDENT + " ".join(art.paragraphs)
        lines += [prefix + title_line(art), "", body, "", layouts.INDENT + date, ""]
    return "\n".join(lines) + "\n" + footer, starts


def render_article(art: Article, date: str, hhmm: str, source: str, ch: Chrome) -> str:
    lines = [
        *ch.article_top,
        art.title,
        f"{ch.article_date_prefix}{date} {hhmm}{ch.article_date_sep}{source}",
        *ch.article_mid,
    ]
    for p in art.paragraphs:
        lines += [layouts.INDENT + p, ""]
    return "\n".join(lines) + "\n" + ch.article_footer


def encode(text: str, encoding: str, crlf: bool) -> bytes:
    if crlf:
        text = text.replace("\n", "\r\n")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


def iso(ordinal: int) -> str:
    return dt.date.fromordinal(ordinal).isoformat()


# ------------------------------------------------------------------------- the corpus
class Generator:
    """Plans the dumps up front (small ints only), then writes them one at a time."""

    # The dump mix plan() lays out; another corpus shape (bench/shapes_grep.py) sets its own.
    listing_size = LISTING_SIZE  # records per listing dump
    article_share = LAYOUT_SHARE["article"]  # records on single-article pages
    dash_share = LAYOUT_SHARE["dash"] / (1 - LAYOUT_SHARE["article"])  # of listed records

    def __init__(
        self, material: Material, n_articles: int, seed: int, shape: str | None = None
    ) -> None:
        self.m = material
        self.shape = shape
        self.n_shape = round(n_articles * SHAPE_SHARE) if shape else 0
        self.n = n_articles - self.n_shape
        self.n_total = n_articles
        self.seed = seed
        self.n_seed_records = sum(len(sd.articles) for sd in material.seed_dumps)
        if n_articles < self.n_seed_records + 3 * LISTING_SIZE:
            raise SystemExit(f"--articles must be at least {self.n_seed_records + 30}")
        self.rng = random.Random(seed)

    def _write_shape(
        self,
        out: Path,
        first: int,
        width: int,
        members: list[list[str]],
        index_rows: list[str],
        stats: Counter[str],
    ) -> int:
        """Append the --shape records as dash listings; their stories join `members`."""
        assert self.shape is not None
        records = shape_records(self.m, self.seed, self.shape, self.n_shape)
        offset = len(members)
        written = 0
        for di, lo in enumerate(range(0, len(records), LISTING_SIZE), start=first):
            part = records[lo : lo + LISTING_SIZE]
            name = f"{di:0{width}d}_{self.rng.getrandbits(64):016x}.txt"
            day = self.rng.randint(FIRST_DAY, LAST_DAY)
            text, starts = render_dash(
                [(a, iso(day)) for a, _ in part], self.m.chrome.dash_footers[0]
            )
            data = encode(text, "utf-8", False)
            (out / name).write_bytes(data)
            written += len(data)
            for (_, story), fl in zip(part, starts, strict=True):
                while len(members) <= offset + story:
                    members.append([])
                members[offset + story].append(f"{name}:{fl}")
            sha = hashlib.sha256(data).hexdigest()
            note = f"synthetic {self.shape} shape listing, {len(part)} items"
            index_rows.append(index_row(name, "chanyeyuanqu", "dash", "-", sha, note))
            stats[f"shape.{self.shape}"] += len(part)
        return written

    def plan(self) -> list[tuple[str, int]]:
        n_gen = self.n - self.n_seed_records
        n_article = round(n_gen * self.article_share)
        n_listed = n_gen - n_article
        n_dash = round(n_listed * self.dash_share)
        dumps: list[tuple[str, int]] = [("article", 1)] * n_article
        for layout, count in (("dash", n_dash), ("bullet", n_listed - n_dash)):
            full, rest = divmod(count, self.listing_size)
            dumps += [(layout, self.listing_size)] * full
            if rest:
                dumps.append((layout, rest))
        self.rng.shuffle(dumps)
        return dumps

    def article(self, gid: int) -> Article:
        if gid < self.n_seed_records:
            return self._seed_articles[gid]
        return self.m.make_article(self.seed, gid)

    def write(self, out: Path, log: bool = True) -> dict[str, object]:
        t0 = time.perf_counter()
        rng = self.rng
        m = self.m
        dumps = self.plan()
        n_gen = self.n - self.n_seed_records
        kinds = bytearray(n_gen)  # 0 original, 1 exact copy, 2 near copy
        n_exact, n_near = round(self.n * EXACT_RATE), round(self.n * NEAR_RATE)
        kinds[:n_exact] = b"\x01" * n_exact
        kinds[n_exact : n_exact + n_near] = b"\x02" * n_near
        kind_list = list(kinds)
        rng.shuffle(kind_list)
        width = max(5, len(str(len(dumps) + len(m.seed_dumps))))

        # Per original article (gid): its cluster members and the day it was first listed.
        self._seed_articles = [a for sd in m.seed_dumps for a in sd.articles]
        members: list[list[str]] = []
        first_day = array("i")
        available = array("i")  # originals listed in earlier dumps, eligible for copies
        stats: Counter[str] = Counter()
        index_rows: list[str] = []
        total_bytes = 0

        # The real seeds come first, byte for byte, under the new naming scheme.
        for i, sd in enumerate(m.seed_dumps):
            name = f"{i:0{width}d}_{rng.getrandbits(64):016x}.txt"
            (out / name).write_bytes(sd.data)
            total_bytes += len(sd.data)
            for fl, date in zip(sd.first_lines, sd.dates, strict=True):
                members.append([f"{name}:{fl}"])
                first_day.append(dt.date.fromisoformat(date).toordinal())
            sha = hashlib.sha256(sd.data).hexdigest()
            row = sd.row
            note = f"real seed {sd.name}"
            index_rows.append(index_row(name, sd.site, row["layout"], row["fetched"], sha, note))
            stats[f"layout_records.{sd.layout}"] += len(sd.articles)
            stats[f"layout_dumps.{sd.layout}"] += 1
            stats["encoding.utf-8"] += 1
            stats["records.original"] += len(sd.articles)
        available.extend(range(len(members)))

        pos = 0
        for di, (layout, size) in enumerate(dumps, start=len(m.seed_dumps)):
            name = f"{di:0{width}d}_{rng.getrandbits(64):016x}.txt"
            page_day = rng.randint(FIRST_DAY, LAST_DAY)
            used: set[int] = set()
            fresh: list[int] = []
            slots: list[tuple[int, int, int]] = []  # (kind, gid, day)
            for _ in range(size):
                kind = kind_list[pos]
                pos += 1
                gid = -1
                if kind:
                    for _try in range(8):
                        cand = available[rng.randrange(len(available))]
                        if cand not in used:
                            gid = cand
                            break
                    if gid < 0:
                        kind = 0
                if not kind:
                    gid = len(members)
                    members.append([])
                    first_day.append(0)
                    fresh.append(gid)
                used.add(gid)
                day = page_day if layout == "article" else page_day - rng.randint(0, 6)
                day = min(max(day, FIRST_DAY), LAST_DAY)
                if kind and day == first_day[gid]:
                    day = day - 1 if day > FIRST_DAY else day + 1
                slots.append((kind, gid, day))
            if layout != "article":
                slots.sort(key=lambda s: -s[2])  # listings show the newest first

            items: list[tuple[Article, str]] = []
            for kind, gid, day in slots:
                art = self.article(gid)
                if kind == 2:
                    er = random.Random(self.seed * 1_000_000_007 + 10**12 + pos * 16 + len(items))
                    art, applied = near_edit(art, er, layout)
                    for a in applied:
                        stats[f"near_edit.{a}"] += 1
                stats[("records.original", "records.exact", "records.near")[kind]] += 1
                items.append((art, iso(day)))

            if layout == "dash":
                footer = rng.choice(m.chrome.dash_footers)
                text, starts = render_dash(items, footer)
                site = "chanyeyuanqu"
            elif layout == "bullet":
                text, starts = render_bullet(items, m.chrome.bullet_footer)
                site = "chanyeyuanqu"
            else:
                hhmm = f"{rng.randint(8, 18):02d}:{rng.randrange(60):02d}"
                source = rng.choice(SOURCES)
                text = render_article(items[0][0], items[0][1], hhmm, source, m.chrome)
                starts = [1]
                site = "binhai-zwfw"

            for (_kind, gid, day), fl in zip(slots, starts, strict=True):
                members[gid].append(f"{name}:{fl}")
                if not first_day[gid]:
                    first_day[gid] = day
            available.extend(fresh)

            u = rng.random()
            acc = 0.0
            encoding = ENCODINGS[-1][0]
            for enc, w in ENCODINGS:
                acc += w
                if u < acc:
                    encoding = enc
                    break
            crlf = rng.random() < CRLF_RATE
            data = encode(text, encoding, crlf)
            (out / name).write_bytes(data)
            total_bytes += len(data)
            sha = hashlib.sha256(data).hexdigest()

            last_day = max(s[2] for s in slots)
            fetched = (
                "-" if rng.random() < 0.6 else iso(min(last_day + rng.randint(0, 30), LAST_DAY))
            )
            layout_col = layout if rng.random() < 0.25 else "auto"
            what = "listing" if layout != "article" else "page"
            note = f"synthetic {layout} {what}, {size} item{'s' * (size > 1)}, {encoding}"
            note += ", CRLF" if crlf else ""
            index_rows.append(index_row(name, site, layout_col, fetched, sha, note))

            stats[f"layout_records.{layout}"] += size
            stats[f"layout_dumps.{layout}"] += 1
            stats[f"encoding.{encoding}"] += 1
            stats["crlf"] += crlf
            if log and (di % 2000 == 0):
                el = time.perf_counter() - t0
                print(
                    f"  {di}/{len(dumps)} dumps, {total_bytes / 1e6:.0f} MB, {el:.1f}s",
                    file=sys.stderr,
                )

        if self.shape:
            total_bytes += self._write_shape(
                out, len(m.seed_dumps) + len(dumps), width, members, index_rows, stats
            )

        preamble = list(m.index_preamble)
        preamble.insert(
            1,
            f"\nGenerated by `python -m bench.generate --articles {self.n_total} --seed {self.seed}"
            + (f" --shape {self.shape}`" if self.shape else "`")
            + " from the real seeds (rows 00000-00004 are the seeds themselves).",
        )
        with open(out / "INDEX.md", "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(preamble) + "\n\n" + INDEX_HEADER)
            f.writelines(index_rows)

        clusters = [c for c in members if c]
        n_records = sum(len(c) for c in clusters)
        summary: dict[str, object] = {
            "format": FORMAT_VERSION,
            "articles": self.n_total,
            "seed": self.seed,
            "shape": self.shape,
            "records": n_records,
            "stories": len(clusters),
            "dumps": len(index_rows),
            "bytes": total_bytes,
            "seconds": round(time.perf_counter() - t0, 2),
            "stats": dict(sorted(stats.items())),
        }
        with open(out / "truth.json", "w", encoding="utf-8") as f:
            json.dump(
                {**summary, "clusters": clusters}, f, ensure_ascii=False, separators=(",", ":")
            )
        summary["seconds"] = round(time.perf_counter() - t0, 2)
        return summary


def generate(
    n_articles: int,
    seed: int,
    out: Path,
    seeds_dir: Path = DEFAULT_SEEDS,
    log: bool = True,
    shape: str | None = None,
) -> dict[str, object]:
    """Generate into ``out`` atomically (a sibling temp dir renamed into place)."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SystemExit(f"{out} exists and was not made by bench.generate; refusing to replace it")
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        summary = Generator(Material(seeds_dir), n_articles, seed, shape).write(tmp, log=log)
        (tmp / MARKER).write_text(
            json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


def is_generated(out: Path, n_articles: int, seed: int, shape: str | None = None) -> bool:
    """True when ``out`` holds a complete generated corpus for (n_articles, seed)."""
    try:
        meta = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        meta.get("format") == FORMAT_VERSION
        and meta.get("articles") == n_articles
        and meta.get("seed") == seed
        and meta.get("shape") == shape
    )


def add_extra_dump(seeds_dir: Path, seed: int, material: Material | None = None) -> tuple[str, int]:
    """Append one new 10-article dash listing (articles never seen before) to a corpus dir.

    Used by the incremental-ingest figure. Returns (file name, number of records).
    """
    m = material or Material(DEFAULT_SEEDS)
    r = random.Random(seed * 7919 + 17)
    existing = sorted(p.name for p in seeds_dir.glob("*.txt"))
    number = int(existing[-1].split("_", 1)[0]) + 1 if existing else 0
    width = max(5, len(existing[-1].split("_", 1)[0]) if existing else 5)
    name = f"{number:0{width}d}_{r.getrandbits(64):016x}.txt"
    day = LAST_DAY - r.randint(0, 30)
    items = [(m.make_article(seed, 10**9 + i), iso(day)) for i in range(LISTING_SIZE)]
    text, _ = render_dash(items, m.chrome.dash_footers[0])
    data = encode(text, "utf-8", False)
    (seeds_dir / name).write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    with open(seeds_dir / "INDEX.md", "a", encoding="utf-8", newline="\n") as f:
        f.write(index_row(name, "chanyeyuanqu", "auto", "-", sha, "incremental-ingest probe"))
    return name, LISTING_SIZE


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "--articles", type=int, default=100_000, help="records to generate (default 100000)"
    )
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"output dir (default {DEFAULT_OUT.relative_to(REPO)})",
    )
    ap.add_argument(
        "--seeds",
        type=Path,
        default=DEFAULT_SEEDS,
        help="real seed dumps to scale (default seeds/)",
    )
    ap.add_argument("--shape", choices=SHAPES, help="make 30%% of the records of this shape")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    summary = generate(
        args.articles, args.seed, args.out, args.seeds, log=not args.quiet, shape=args.shape
    )
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

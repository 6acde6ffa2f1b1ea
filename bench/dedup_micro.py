"""Micro-benchmark for zsctl.dedup.cluster on a seeded synthetic corpus with known copies.

Originals are built from sentences of the seed dumps (so unrelated articles share vocabulary,
phrases and sometimes a boilerplate opening, like real 招商 news); then ~10% of the items are
copies that normalise to the same text (punctuation width swapped, spaces removed, paragraphs
joined by spaces, a 【X招商】 tag added to the title) and ~5% are near copies (a few characters
edited, a chrome line added, or cut to a 100-300 character summary ending in '...').

Prints wall and CPU time of cluster(), RSS and pairwise precision/recall against the ground
truth (the corpus is generated once per --n/--seed and cached in bench/out/):
    .venv/bin/python bench/dedup_micro.py --n 100000
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import pickle
import re
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zsctl.dedup.cluster import DedupItem, cluster

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
OUT = Path(__file__).resolve().parent / "out"  # git-ignored
FULL = str.maketrans(
    ",.:;!?()0123456789%", "，。：；！？（）０１２３４５６７８９％"
)  # half -> full width
HALF = str.maketrans("，。：；！？（）０１２３４５６７８９％", ",.:;!?()0123456789%")
TAGS = ["【天津招商】", "【西青区招商】", "【武清区招商】", "【滨海新区招商】", "【东丽区招商】"]
CHROME = ["来源：天津日报", "责任编辑：王伟", "扫一扫在手机打开当前页", "（记者 张磊 通讯员 李娜）"]


def vmstat(field: str) -> int:
    """A /proc/self/status value in MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return -1


def seed_text() -> str:
    """All seed dumps as one string."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))


def sentences(text: str) -> list[str]:
    """Sentences (with their punctuation) of the seed text."""
    parts = re.findall(r"[^。！？；\n]+[。！？；]?", text)
    return [p.strip() for p in parts if 8 <= len(p.strip()) <= 160]


class WordModel:
    """Unigram model over 1-4 character chunks of the seed text (punctuation included).

    Sampling chunks independently gives articles that share the corpus's common words and
    phrases (so some 5-grams are frequent) without sharing whole sentences, as in real news.
    """

    def __init__(self, text: str, rng: np.random.Generator) -> None:
        flat = re.sub(r"\s+", "", text)
        cuts = np.cumsum(rng.integers(1, 5, size=len(flat)))
        cuts = cuts[cuts < len(flat)]
        chunks = [flat[a:b] for a, b in itertools.pairwise([0, *cuts.tolist()])]
        vocab, counts = np.unique(np.array(chunks, dtype=object), return_counts=True)
        self.words = np.zeros((len(vocab), 4), dtype=np.uint32)
        for i, w in enumerate(vocab.tolist()):
            self.words[i, : len(w)] = [ord(c) for c in w]
        self.cdf = np.cumsum(counts**0.8)
        self.cdf = self.cdf / self.cdf[-1]
        self.mean_len = float(np.diff(self.cdf, prepend=0.0) @ (self.words != 0).sum(axis=1))
        self.full_stop = ord("。")

    def article(self, rng: np.random.Generator, chars: int) -> list[str]:
        """Paragraphs of about `chars` characters."""
        ids = np.searchsorted(self.cdf, rng.random(int(chars / self.mean_len) + 1))
        cps = self.words[ids].ravel()
        cps = cps[cps != 0]
        stops = np.flatnonzero(cps == self.full_stop)
        breaks = stops[rng.random(len(stops)) < 0.15] + 1
        text = cps.tobytes().decode("utf-32-le")
        return [
            p
            for p in (text[a:b] for a, b in itertools.pairwise([0, *breaks.tolist(), len(text)]))
            if p
        ]


def edit(text: str, rng: np.random.Generator, alphabet: np.ndarray, most: int = 20) -> str:
    """A few (1 to `most`) character substitutions, insertions or deletions."""
    chars = list(text)
    for _ in range(int(rng.integers(1, most + 1))):
        pos = int(rng.integers(len(chars)))
        op = int(rng.integers(3))
        ch = chr(int(alphabet[rng.integers(len(alphabet))]))
        if op == 0:
            chars[pos] = ch
        elif op == 1:
            chars.insert(pos, ch)
        elif len(chars) > 1:
            del chars[pos]
    return "".join(chars)


def build(n: int, seed: int) -> tuple[list[DedupItem], np.ndarray]:
    """n items and, per item, the id of the original it copies."""
    rng = np.random.default_rng(seed)
    text = seed_text()
    model = WordModel(text, rng)
    pool = np.array(sentences(text), dtype=object)
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    alphabet = cps[(cps >= 0x4E00) & (cps <= 0x9FFF)]  # CJK, with corpus frequencies
    intros = ["".join(pool[rng.integers(len(pool), size=2)]) for _ in range(20)]
    intros = [s[: int(rng.integers(50, 90))] for s in intros]
    stock = pool[rng.integers(len(pool), size=30)]  # stock sentences many articles repeat
    n_exact, n_near = n // 10, n // 20
    n_orig = n - n_exact - n_near
    originals: list[tuple[str, list[str]]] = []
    for _ in range(n_orig):
        paras = model.article(rng, max(300, int(rng.normal(2500, 500))))
        for _ in range(int(rng.integers(0, 4))):
            k = int(rng.integers(len(paras)))
            paras[k] += str(stock[int(rng.integers(len(stock)))])
        if rng.random() < 0.2:  # a shared boilerplate opening
            paras.insert(0, intros[int(rng.integers(len(intros)))])
        title = "".join(model.article(rng, 18))[:24]
        originals.append((title, paras))
    items: list[tuple[str, str, int]] = [(t, "\n".join(p), i) for i, (t, p) in enumerate(originals)]
    for _ in range(n_exact):
        src = int(rng.integers(n_orig))
        title, paras = originals[src]
        body = " ".join(paras) if rng.random() < 0.5 else "\n".join(paras)
        r = rng.random()
        if r < 0.3:
            body = body.translate(FULL if rng.random() < 0.5 else HALF)
        elif r < 0.6:
            body = body.replace(" ", "").replace("\n", "")
        if rng.random() < 0.5:
            title = TAGS[int(rng.integers(len(TAGS)))] + title
        items.append((title, body, src))
    for _ in range(n_near):
        src = int(rng.integers(n_orig))
        title, paras = originals[src]
        body = "\n".join(paras)
        r = rng.random()
        if r < 0.4:
            body = edit(body, rng, alphabet)
        elif r < 0.55:  # edited, re-punctuated, re-tagged
            body = edit(body, rng, alphabet).translate(FULL).replace(" ", "")
            title = TAGS[int(rng.integers(len(TAGS)))] + title
        elif r < 0.7:  # site chrome around the article
            chrome = CHROME[int(rng.integers(len(CHROME)))]
            body = chrome + "\n" + body if rng.random() < 0.5 else body + "\n" + chrome
        else:  # listing summary: the first 100-300 characters, sometimes with an edit
            marker = ["...", "…", "……"][int(rng.integers(3))]
            body = body.replace("\n", " ")[: int(rng.integers(100, 301))]
            if rng.random() < 0.3:
                body = edit(body, rng, alphabet, most=2)
            body += marker
        items.append((title, body, src))
    order = rng.permutation(len(items))
    out = [DedupItem(f"{j:07d}", items[i][0], items[i][1]) for j, i in enumerate(order)]
    truth = np.array([items[i][2] for i in order], dtype=np.int64)
    return out, truth


def pairs_in(labels: np.ndarray) -> int:
    """Number of unordered item pairs sharing a label."""
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def load(n: int, seed: int) -> tuple[list[DedupItem], np.ndarray]:
    """The corpus for (n, seed), generated once in a child process and cached in bench/out/.

    Loading it from a file, like the CLI loads articles from its database, keeps the
    generator's garbage out of this process, so its RSS is the items plus what cluster() uses.
    """
    path = OUT / f"dedup_{n}_{seed}.pkl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, __file__, "--n", str(n), "--seed", str(seed), "--generate-only"]
        subprocess.run(cmd, check=True)
    with path.open("rb") as f:
        rows, truth = pickle.load(f)
    return [DedupItem(*row) for row in rows], truth


def main() -> None:
    """Generate (or load), cluster, score."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threshold", type=float, default=0.8)
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help="also report tracemalloc's peak (slower)")
    args = ap.parse_args()
    if args.generate_only:
        built, truth = build(args.n, args.seed)
        rows = [(it.key, it.title, it.text) for it in built]
        path = OUT / f"dedup_{args.n}_{args.seed}.pkl"
        with path.with_suffix(".tmp").open("wb") as f:
            pickle.dump((rows, truth), f, protocol=pickle.HIGHEST_PROTOCOL)
        path.with_suffix(".tmp").replace(path)
        return

    t0 = time.perf_counter()
    items, truth = load(args.n, args.seed)
    gen = time.perf_counter() - t0
    chars = sum(len(it.text) for it in items) / len(items)
    from zsctl.dedup.normalize import normalize_for_dedup

    normalize_for_dedup("")  # build the lookup tables before measuring
    gc.collect()
    rss_before = vmstat("VmRSS")
    with contextlib.suppress(OSError):  # reset the peak-RSS counter: VmHWM covers cluster()
        Path("/proc/self/clear_refs").write_text("5")
    if args.trace:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    clusters = cluster(items, threshold=args.threshold)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = vmstat("VmHWM")
    traced = tracemalloc.get_traced_memory()[1] >> 20 if args.trace else None

    index = {it.key: i for i, it in enumerate(items)}
    pred = np.empty(len(items), dtype=np.int64)
    for c, cl in enumerate(clusters):
        for key in cl.members:
            pred[index[key]] = c
    joint = pred * (int(truth.max()) + 1) + truth
    tp, pp, tt = pairs_in(joint), pairs_in(pred), pairs_in(truth)
    kinds: dict[str, int] = {}
    for cl in clusters:
        for e in cl.edges:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
    print(f"items {len(items)}  avg chars {chars:.0f}  loaded in {gen:.1f}s")
    print(f"cluster() wall {wall:.2f}s  cpu {cpu:.2f}s  clusters {len(clusters)}  edges {kinds}")
    print(f"RSS before {rss_before} MiB  peak during cluster {peak} MiB  (+{peak - rss_before})")
    if traced is not None:
        print(f"tracemalloc peak during cluster {traced} MiB")
    print(f"pairs: true {tt}  predicted {pp}  correct {tp}")
    print(f"precision {tp / max(pp, 1):.5f}  recall {tp / max(tt, 1):.5f}")


if __name__ == "__main__":
    main()

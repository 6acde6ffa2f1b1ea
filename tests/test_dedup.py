"""Near-duplicate clustering (zsctl.dedup) and its text normalisation."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zsctl.dedup import normalize as textnorm
from zsctl.dedup.cluster import Cluster, DedupItem, cluster, containment_score, jaccard
from zsctl.dedup.normalize import is_truncated, normalize_batch, normalize_for_dedup
from zsctl.parse.tags import strip_tag

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_lines(name: str) -> list[str]:
    """Lines of a seed dump (1-based line n is element n - 1)."""
    (path,) = SEEDS.glob(f"{name}_*.txt")
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def dash003() -> list[str]:
    """Dump 003: '-', title, one-line body, date blocks."""
    return seed_lines("003")


@pytest.fixture(scope="module")
def article004() -> list[str]:
    """Paragraphs of the single article page of dump 004 (lines 10-130)."""
    lines = seed_lines("004")[9:130]
    return [line.strip() for line in lines if line.strip()]


def by_member(clusters: list[Cluster]) -> dict[str, Cluster]:
    """The cluster of each key."""
    return {key: c for c in clusters for key in c.members}


def together(clusters: list[Cluster], *keys: str) -> bool:
    """Whether all keys are in one cluster."""
    index = by_member(clusters)
    return len({id(index[k]) for k in keys}) == 1


def check_partition(items: list[DedupItem], clusters: list[Cluster]) -> None:
    """Every item in exactly one cluster, members sorted, clusters sorted by representative."""
    seen = [k for c in clusters for k in c.members]
    assert sorted(seen) == sorted(it.key for it in items)
    assert len(seen) == len(set(seen))
    for c in clusters:
        assert list(c.members) == sorted(c.members)
        assert c.representative in c.members
        for e in c.edges:
            assert e.a < e.b and e.a in c.members and e.b in c.members
    reps = [c.representative for c in clusters]
    assert reps == sorted(reps)


# --------------------------------------------------------------------------- normalisation


def test_normalize_unifies_width_punctuation_spaces_case() -> None:
    full = "天津市 ２０２４年，ＧＤＰ增长５％（预计）。"
    half = "天津市2024年,GDP增长5%(预计)."
    assert normalize_for_dedup(full) == normalize_for_dedup(half) == "天津市2024年gdp增长5预计"


def test_normalize_strips_truncation_markers_and_invisible_characters() -> None:
    base = normalize_for_dedup("滨海新区知识产权保护中心揭牌")
    for marker in ("...", "…", "……", "⋯⋯"):
        assert normalize_for_dedup("滨海新区知识产权保护中心揭牌" + marker) == base
    assert normalize_for_dedup("滨海\u200b新区\ufeff知识产权\u3000保护中心揭牌") == base
    assert is_truncated("首批企业现场获得专利...  ") and is_truncated("获得专利…")
    assert not is_truncated("获得专利。")


def test_strip_tag() -> None:
    assert (
        strip_tag("【西青区招商】2019年天津市西青区政府工作报告")
        == "2019年天津市西青区政府工作报告"
    )
    assert strip_tag(" 【天津招商】 滨海新区知识产权保护中心揭牌") == "滨海新区知识产权保护中心揭牌"
    assert strip_tag("西青创新引擎再添助力") == "西青创新引擎再添助力"
    assert strip_tag("武清【招商】之后") == "武清【招商】之后"  # only a leading tag


def test_identity_ranges_really_are_identity() -> None:
    # The table builder skips these ranges; NFKC + drop + lower() must leave them unchanged.
    for lo, hi in textnorm._IDENTITY_RANGES:
        chunk = "".join(chr(cp) for cp in range(lo, hi + 1))
        assert textnorm._normalize_reference(chunk) == chunk, hex(lo)


def test_table_matches_reference_for_every_code_point() -> None:
    tables = textnorm._Tables()
    tables.cover(np.arange(0x110000, dtype=np.uint32))  # every entry, as no corpus would
    skip = np.zeros(0x110000, dtype=bool)
    for lo, hi in textnorm._IDENTITY_RANGES:
        skip[lo : hi + 1] = True
    skip[0xD800:0xE000] = True
    skip |= tables.mapping == textnorm._CONTEXT  # these take the reference path anyway
    reference = textnorm._normalize_reference
    checked = 0
    for cp, mapped in zip(
        np.flatnonzero(~skip).tolist(), tables.mapping[~skip].tolist(), strict=True
    ):
        if mapped == textnorm._EXPAND:
            fast = "".join(map(chr, tables.expansions[cp]))
        else:
            fast = chr(mapped) if mapped else ""
        assert fast == reference(chr(cp)), hex(cp)
        checked += 1
    assert checked > 100_000


TRICKY = (
    "天津市招商引资ａＡbＢ１2，,。.…！ 　\n\t\u200b\ufeff㎡½™ﬁ①㈠Ⅻ"
    "e\u0301\u0301a\u0308\u0323ΣσςΑ̈ᄀ가\u11a8ㄱㅏİẞ\U00020000\U0001f600"
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=TRICKY, max_size=40), min_size=1, max_size=6))
def test_fast_paths_match_reference(texts: list[str]) -> None:
    expected = [textnorm._normalize_reference(t) for t in texts]
    assert [normalize_for_dedup(t) for t in texts] == expected
    cps, lengths = normalize_batch(texts)
    assert lengths.tolist() == [len(e) for e in expected]
    assert cps.tobytes().decode("utf-32-le") == "".join(expected)


def test_reference_is_nfkc_then_drop_then_lower() -> None:
    text = "Ⅻ ㎡ ΑΣ. İ"
    nfkc = unicodedata.normalize("NFKC", text)
    kept = "".join(c for c in nfkc if not textnorm._dropped(c))
    assert normalize_for_dedup(text) == kept.lower()


# --------------------------------------------------------------------------- exact tier


def test_exact_repeats(dash003: list[str]) -> None:
    body = dash003[34]
    items = [
        DedupItem("b:1", dash003[33], body),
        DedupItem("a:9", dash003[33], body),
        DedupItem("c:2", "另一标题", body),
        DedupItem("z:0", dash003[37], dash003[38]),
    ]
    clusters = cluster(items)
    check_partition(items, clusters)
    dup = by_member(clusters)["a:9"]
    assert dup.members == ("a:9", "b:1", "c:2")
    assert [(e.a, e.b, e.kind, e.score) for e in dup.edges] == [
        ("a:9", "b:1", "exact", 1.0),
        ("a:9", "c:2", "exact", 1.0),
    ]
    assert dup.representative == "a:9"  # equal length: smallest key
    assert by_member(clusters)["z:0"].members == ("z:0",)


def test_full_width_and_half_width_punctuation_without_spaces(dash003: list[str]) -> None:
    body = dash003[2]  # half-width ',' '(' ')', full-width '。' '“' '”', spaces between sections
    half = body.translate(str.maketrans("，。：“”", ',.:""'))
    full = body.translate(str.maketrans(',.:"', "，。：＂"))
    full = full.replace(" ", "").translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert full != half
    items = [DedupItem("half", "t", half), DedupItem("full", "t", full)]
    (only,) = cluster(items)
    assert only.members == ("full", "half")
    assert [e.kind for e in only.edges] == ["exact"]


def test_tag_added_to_title() -> None:
    # Bodies this short are identified by title + body, so the tag must not count.
    items = [
        DedupItem("a", "【西青区招商】西青创新引擎再添助力", "详见附件。"),
        DedupItem("b", "西青创新引擎再添助力", "详见附件"),
        DedupItem("c", "武清聚力四高深融京津冀", "详见附件。"),
    ]
    clusters = cluster(items)
    check_partition(items, clusters)
    assert together(clusters, "a", "b")
    assert not together(clusters, "a", "c")


def test_tiny_items_never_merge() -> None:
    items = [DedupItem("a", "", ""), DedupItem("b", "", ""), DedupItem("c", "通知", "")]
    assert [c.members for c in cluster(items)] == [("a",), ("b",), ("c",)]


def test_listing_body_and_article_page_are_one_article(article004: list[str]) -> None:
    listing = " ".join(article004)  # dash dumps: paragraphs on one line
    page = "\n".join(article004)  # article page: one paragraph per line
    page_with_chrome = "扫一扫在手机打开当前页\n" + page + "\n打印本页 关闭窗口"
    items = [
        DedupItem("000.txt:5", "人文环境篇丨2023年度滨海新区优化营商环境创新实践案例展示", listing),
        DedupItem("004.txt:5", "人文环境篇丨2023年度滨海新区优化营商环境创新实践案例展示", page),
        DedupItem("009.txt:1", "人文环境篇", page_with_chrome),
    ]
    (only,) = cluster(items)
    kinds = {(e.a, e.b): e.kind for e in only.edges}
    assert kinds[("000.txt:5", "004.txt:5")] == "exact"
    assert kinds[("000.txt:5", "009.txt:1")] == "near"
    assert only.representative == "009.txt:1"  # the fullest body


# --------------------------------------------------------------------------- near tier


def test_a_few_edited_characters_are_near_duplicates(dash003: list[str]) -> None:
    body = dash003[34]
    edited = body[:100] + "武清" + body[103:700] + body[705:] + "(来源:天津日报)"
    items = [DedupItem("x", "t", body), DedupItem("y", "t", edited)]
    (only,) = cluster(items)
    (edge,) = only.edges
    assert edge.kind == "near" and 0.9 < edge.score < 1.0
    assert edge.score == pytest.approx(jaccard(body, edited))


def test_repeated_text_is_still_a_near_duplicate(dash003: list[str]) -> None:
    # The copy has over 1000 shingle positions but few distinct shingles: it must be compared
    # on its full signature like the original. Neither is short enough to be a snippet.
    core = normalize_for_dedup(dash003[34])[:300]
    spaced = "   ".join(core)  # over SHORT_TEXT raw characters
    repeated = "\n".join([spaced] * 4)  # 1200 normalised characters
    assert len(spaced) > 1000 and jaccard(spaced, repeated) > 0.95
    items = [DedupItem("a", "t", spaced), DedupItem("b", "t", repeated)]
    (only,) = cluster(items)
    assert [e.kind for e in only.edges] == ["near"]


def test_low_threshold_runs(dash003: list[str]) -> None:
    items = [DedupItem(f"k{i}", "t", line) for i, line in enumerate(dash003) if len(line) > 200]
    clusters = cluster(items, threshold=0.3, containment=0.5)
    check_partition(items, clusters)
    assert len(clusters) == len(items)  # distinct articles stay apart even then


def test_wuqing_si_gao_articles_stay_apart(dash003: list[str]) -> None:
    assert dash003[33].startswith("武清") and dash003[37].startswith("武清")
    a, b = dash003[34], dash003[38]
    items = [
        DedupItem("003.txt:34", dash003[33], a),
        DedupItem("003.txt:38", dash003[37], b),
        # Their listing summaries must each find their own article, not the other one.
        DedupItem("002.txt:1", dash003[33], a[:180] + "..."),
        DedupItem("002.txt:5", dash003[37], b[:120] + "…"),
    ]
    for threshold in (0.8, 0.5):
        clusters = cluster(items, threshold=threshold)
        check_partition(items, clusters)
        assert not together(clusters, "003.txt:34", "003.txt:38")
        assert together(clusters, "003.txt:34", "002.txt:1")
        assert together(clusters, "003.txt:38", "002.txt:5")


def test_shared_boilerplate_intro_does_not_merge(dash003: list[str]) -> None:
    intro = dash003[2][:400]  # a long identical opening paragraph
    a = intro + "\n" + dash003[34]
    b = intro + "\n" + dash003[38]
    assert 0.1 < jaccard(a, b) < 0.8
    items = [DedupItem("a", "t", a), DedupItem("b", "t", b)]
    clusters = cluster(items)
    assert [c.members for c in clusters] == [("a",), ("b",)]


def test_threshold_changes_the_outcome(dash003: list[str]) -> None:
    shared, tail_a, tail_b = dash003[34], dash003[38], dash003[26]
    # Grow the differing tails until the pair lands near 0.75.
    for size in range(100, 600, 10):
        a, b = shared + tail_a[:size], shared + tail_b[:size]
        if jaccard(a, b) <= 0.76:
            break
    similarity = jaccard(a, b)
    assert 0.72 <= similarity <= 0.78
    assert containment_score(a, b) < 0.9  # neither holds the other
    items = [DedupItem("a", "t", a), DedupItem("b", "t", b)]
    assert len(cluster(items)) == 2  # default threshold 0.8
    (merged,) = cluster(items, threshold=0.7)
    (edge,) = merged.edges
    assert edge.kind == "near" and edge.score == pytest.approx(similarity)


# --------------------------------------------------------------------------- containment


def test_truncated_summary_joins_its_article(dash003: list[str]) -> None:
    article = dash003[34]
    items = [
        DedupItem("listing:1", dash003[33], article[:150] + "..."),
        DedupItem("page:1", dash003[33], article),
        DedupItem("other:1", dash003[37], dash003[38]),
    ]
    clusters = cluster(items)
    check_partition(items, clusters)
    joined = by_member(clusters)["page:1"]
    assert joined.members == ("listing:1", "page:1")
    (edge,) = joined.edges
    assert (edge.a, edge.b, edge.kind) == ("listing:1", "page:1", "contained")
    assert edge.score >= 0.9
    assert joined.representative == "page:1"


def test_short_generic_sentence_glues_nothing(dash003: list[str]) -> None:
    generic = "推动区域经济高质量发展。"  # < 30 normalised characters
    items = [
        DedupItem("a", "t", generic + dash003[34]),
        DedupItem("b", "t", generic + dash003[38]),
        DedupItem("s", "t", generic + "..."),
    ]
    assert [c.members for c in cluster(items)] == [("a",), ("b",), ("s",)]


def test_chaining_guard(dash003: list[str]) -> None:
    intro = dash003[2][:300]
    longer = intro + dash003[34] + dash003[38]
    shorter = intro + dash003[26]
    snippet = intro[:200] + "..."
    assert containment_score(snippet, longer) == containment_score(snippet, shorter) == 1.0
    items = [
        DedupItem("long", "t", longer),
        DedupItem("short", "t", shorter),
        DedupItem("snip", "t", snippet),
    ]
    clusters = cluster(items)
    check_partition(items, clusters)
    assert not together(clusters, "long", "short")
    assert together(clusters, "long", "snip")  # the longest container wins
    # Containers of equal normalised length: the smallest key wins.
    size = 1000
    items[0] = DedupItem("long", "t", intro + normalize_for_dedup(dash003[38])[:size])
    items[1] = DedupItem("short", "t", intro + normalize_for_dedup(dash003[26])[:size])
    clusters = cluster(items)
    assert together(clusters, "long", "snip") and not together(clusters, "long", "short")
    items[0], items[1] = DedupItem("x", "t", items[0].text), DedupItem("a", "t", items[1].text)
    clusters = cluster(items)
    assert together(clusters, "a", "snip") and not together(clusters, "a", "x")


# --------------------------------------------------------------------------- determinism


def mixed_items(dash003: list[str]) -> list[DedupItem]:
    """Exact, near, contained, chained and unrelated items built from dump 003."""
    bodies = [dash003[i] for i in (2, 6, 10, 14, 18, 22, 26, 30, 34, 38)]
    items = [DedupItem(f"003:{i}", "t", b) for i, b in enumerate(bodies)]
    items += [
        DedupItem("copy:a", "【天津招商】t", bodies[0].replace(",", "，")),
        DedupItem("copy:b", "t", bodies[0].replace(" ", "")),
        DedupItem("near:a", "t", bodies[1][:50] + "某" + bodies[1][52:]),
        DedupItem("near:b", "t", bodies[1][:500] + bodies[1][510:]),
        DedupItem("snip:a", "t", bodies[2][:120] + "..."),
        DedupItem("snip:b", "t", bodies[2][:250] + "…"),
        DedupItem("chain", "t", bodies[3][:100] + "..."),
        DedupItem("host:x", "t", bodies[3][:100] + bodies[4]),
        DedupItem("host:y", "t", bodies[3][:100] + bodies[5] + bodies[6]),
    ]
    return items


def test_order_does_not_matter(dash003: list[str]) -> None:
    items = mixed_items(dash003)
    expected = cluster(items)
    check_partition(items, expected)
    assert together(expected, "003:0", "copy:a", "copy:b")
    assert together(expected, "003:1", "near:a", "near:b")
    assert together(expected, "003:2", "snip:a", "snip:b")
    assert not together(expected, "host:x", "host:y")
    rng = random.Random(5)
    for _ in range(5):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert cluster(shuffled) == expected


def test_duplicate_keys_and_bad_parameters_are_rejected() -> None:
    items = [DedupItem("k", "t", "x"), DedupItem("k", "t", "y")]
    with pytest.raises(ValueError, match="duplicate key"):
        cluster(items)
    with pytest.raises(ValueError):
        cluster([], threshold=0.0)
    with pytest.raises(ValueError):
        cluster([], containment=1.5)
    assert cluster([]) == []


def test_many_items_batches_and_copies(dash003: list[str]) -> None:
    # More items than one numpy batch, with copies spread over batches.
    bodies = [line for line in dash003 if len(line) > 500]
    rng = np.random.default_rng(3)
    items: list[DedupItem] = []
    truth: dict[str, int] = {}
    for i in range(700):
        src = i % len(bodies)
        body = bodies[src]
        if i >= len(bodies):  # a copy: shift, cut a few characters, or keep a summary
            cut = int(rng.integers(50, len(body) - 50))
            body = body[:cut] + body[cut + 3 :] if i % 2 else body[:200] + "..."
        key = f"{rng.integers(1 << 30):09d}:{i}"
        items.append(DedupItem(key, "t", body))
        truth[key] = src
    clusters = cluster(items)
    check_partition(items, clusters)
    assert len(clusters) == len(bodies)
    for c in clusters:
        assert len({truth[k] for k in c.members}) == 1


def _near_candidates_bucket_by_bucket(band: np.ndarray, roots: np.ndarray) -> list[list[int]]:
    """Stage 2 (near) as first written: each bucket's pairs, unless one component holds it."""
    buckets: dict[int, list[int]] = {}
    for i, key in enumerate(band.tolist()):
        if key >= 0:
            buckets.setdefault(key, []).append(i)
    pairs = [
        [i, j]
        for members in buckets.values()
        if len({int(roots[m]) for m in members}) > 1
        for x, i in enumerate(members)
        for j in members[x + 1 :]
    ]
    return sorted(pairs)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-1, 12), min_size=0, max_size=80),
    st.lists(st.integers(0, 5), min_size=80, max_size=80),
)
def test_near_candidates_are_every_pair_of_a_mixed_bucket(
    keys: list[int], comps: list[int]
) -> None:
    from zsctl.dedup.cluster import near_candidates

    band = np.array(keys, dtype=np.int64)
    roots = np.array(comps[: len(keys)], dtype=np.int64)
    found = near_candidates(band, roots)
    assert found.shape[1] == 2
    assert found.tolist() == _near_candidates_bucket_by_bucket(band, roots)

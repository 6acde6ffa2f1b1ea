"""Deduplication on corpora of the shapes real dumps have (tests/shapes.py), not only the bench's.

Clusters are the connected components of verified pairwise edges: a pair of records whose
shingle Jaccard is at or above the threshold always ends in one cluster; containment joins only
a truncated form of a longer record to it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import shapes
from zsctl.dedup import cluster as cluster_module
from zsctl.dedup.cluster import CodeIndex, affected, cluster, record_codes, signatures
from zsctl.dedup.shingles import DedupItem, _intersection_size, _sets_of
from zsctl.export.encode import write_jsonl
from zsctl.ingest import ingest
from zsctl.query.articles import iter_details
from zsctl.query.filters import Filters
from zsctl.store import codes as store_codes
from zsctl.store.codes import StoredCodes
from zsctl.store.corpus import connect_read


def items_of(corpus: shapes.Corpus) -> list[DedupItem]:
    """The corpus as dedup items keyed by position."""
    return [DedupItem(f"r{i:05d}", it.title, it.body) for i, it in enumerate(corpus.items)]


def labels(clusters: list[object]) -> dict[str, int]:
    """Cluster number of each key."""
    return {k: n for n, c in enumerate(clusters) for k in c.members}  # type: ignore[attr-defined]


def family(copies: int, changes: int, seed: int) -> list[DedupItem]:
    """`copies` records of one story, near variants with `changes` edits each."""
    c = shapes.Corpus()
    shapes.add_family(c, random.Random(seed), copies, changes, "f")
    return items_of(c)


def pairs_at_or_above(items: list[DedupItem], threshold: float) -> list[tuple[str, str]]:
    """Every pair of distinct texts whose shingle Jaccard is >= threshold (brute force)."""
    first: dict[str, str] = {}
    for it in items:
        first.setdefault(it.text, it.key)
    keys = sorted(first.values())
    text = {it.key: it.text for it in items}
    sets = dict(zip(keys, _sets_of([text[k] for k in keys]), strict=True))
    out = []
    for a, b in itertools.combinations(keys, 2):
        common = _intersection_size(sets[a], sets[b])
        if common / (len(sets[a]) + len(sets[b]) - common) >= threshold:
            out.append((a, b))
    return out


def test_large_candidate_graph_does_not_crash() -> None:
    # 3,000 near copies of one story made the old set cache evict a set its batch still
    # needed (KeyError); every copy must end in the one cluster.
    items = family(3000, 15, seed=2)
    clusters = cluster(items)
    assert len(clusters) == 1 and len(clusters[0].members) == 3000


def test_every_pair_at_the_threshold_is_in_one_cluster() -> None:
    # 300 near copies: the old shortcut for big LSH buckets (a star plus a chain) left pairs
    # at Jaccard >= 0.8 in different clusters.
    items = family(300, 15, seed=5)
    pairs = pairs_at_or_above(items, 0.8)
    assert len(pairs) > 1000
    lab = labels(cluster(items))
    assert [p for p in pairs if lab[p[0]] != lab[p[1]]] == []


def test_adding_unrelated_copies_does_not_change_a_cluster() -> None:
    items = family(120, 15, seed=7)
    others = family(120, 15, seed=8)
    alone = {c.members for c in cluster(items)}
    mixed = {
        c.members
        for c in cluster(items + [DedupItem("x" + o.key, o.title, o.text) for o in others])
    }
    assert alone <= mixed


def test_report_quoting_items_keeps_items_apart_and_merges_snippets() -> None:
    c = shapes.Corpus()
    shapes.add_report(c, random.Random(3), 12, "rep")
    items = items_of(c)
    story = {it.key: c.items[i].story for i, it in enumerate(items)}
    lab = labels(cluster(items))
    report_keys = [k for k in story if story[k] == "rep"]
    assert len(report_keys) == 3  # the report and its two listing snippets
    assert len({lab[k] for k in report_keys}) == 1
    for k in story:
        if story[k] != "rep":
            assert lab[k] != lab[report_keys[0]]  # a quoted item stays its own article
    assert len(set(lab.values())) == 13


def test_a_snippet_of_a_boilerplate_opening_joins_one_article() -> None:
    c = shapes.Corpus()
    shapes.add_boilerplate(c, random.Random(4), 6, "b")
    items = items_of(c)
    story = {it.key: c.items[i].story for i, it in enumerate(items)}
    lab = labels(cluster(items))
    for a, b in itertools.combinations(story, 2):
        assert (lab[a] == lab[b]) == (story[a] == story[b]), (a, b)


def test_one_title_over_different_stories_merges_nothing() -> None:
    c = shapes.Corpus()
    shapes.add_titles(c, random.Random(6), 30, "t")
    items = items_of(c)
    assert len(cluster(items)) == len({it.text for it in items})


@settings(max_examples=25, deadline=None)
@given(shapes.corpora(max_records=600), st.randoms(use_true_random=False))
def test_precision_and_recall_on_drawn_shapes(corpus: shapes.Corpus, rnd: random.Random) -> None:
    items = items_of(corpus)
    rnd.shuffle(items)
    story = {f"r{i:05d}": it.story for i, it in enumerate(corpus.items)}
    clusters = cluster(items)
    lab = labels(clusters)
    by_story: dict[str, list[str]] = defaultdict(list)
    for k, s in story.items():
        by_story[s].append(k)
    for c in clusters:
        assert len({story[k] for k in c.members}) == 1, c.members  # never two stories
    for s, keys in by_story.items():
        texts = {it.text for it in items if it.key in set(keys)}
        if s.startswith("family") and len(texts) > 1:
            continue  # variants far apart may honestly stay apart: see the pairwise test
        assert len({lab[k] for k in keys}) == 1, s


# ------------------------------------------------------------- ingest: incremental == full


def export_bytes(corpus: Path) -> bytes:
    """The corpus exported as JSONL."""
    db = connect_read(corpus)
    try:
        out = io.BytesIO()
        write_jsonl(iter_details(db, Filters()), out)
        return out.getvalue()
    finally:
        db.close()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(shapes.corpora(max_records=300), st.randoms(use_true_random=False))
def test_incremental_ingest_equals_a_full_one(
    tmp_path_factory: object, corpus: shapes.Corpus, rnd: random.Random
) -> None:
    root = tmp_path_factory.mktemp("inc")  # type: ignore[attr-defined]
    assert_incremental_equals_full(root, corpus, rnd)


def assert_incremental_equals_full(root: Path, corpus: shapes.Corpus, rnd: random.Random) -> None:
    """Ingest the corpus's dumps in random steps, then with a quarter removed and one edited
    (its records reordered, redated, some retitled with another record's title, which moves
    them between title buckets): the export equals a full ingest of the final set, byte for
    byte."""
    dumps = {name: shapes.render(part) for name, part in corpus.dumps().items()}
    names = sorted(dumps)
    rnd.shuffle(names)
    cut = sorted(rnd.sample(range(len(names) + 1), min(3, len(names) + 1)))
    steps = [names[a:b] for a, b in itertools.pairwise([0, *cut, len(names)]) if b > a]
    removed = set(rnd.sample(names, len(names) // 4))
    db = root / "inc.db"
    present: dict[str, bytes] = {}
    for step in steps:
        present.update({n: dumps[n] for n in step})
        ingest(shapes.write_seeds(root / "inc", present), db)
    final = {n: d for n, d in present.items() if n not in removed}
    if final:
        name = rnd.choice(sorted(final))
        titles = [it.title for it in corpus.items]
        edited = [
            dataclasses.replace(it, title=rnd.choice(titles)) if rnd.random() < 0.5 else it
            for it in reversed(corpus.dumps()[name])
        ]
        final[name] = shapes.render(edited, day=2)
    ingest(shapes.write_seeds(root / "inc", final), db)
    full = root / "full.db"
    ingest(shapes.write_seeds(root / "full", final), full)
    assert export_bytes(db) == export_bytes(full)


@contextlib.contextmanager
def columns_over(records: int) -> Iterator[None]:
    """TITLE_BUCKET set low, so that small corpora have title columns."""
    with (
        mock.patch.object(cluster_module, "TITLE_BUCKET", records),
        mock.patch.object(store_codes, "TITLE_BUCKET", records),
    ):
        yield


def test_a_title_carried_by_too_many_records_is_a_column_that_links_nothing() -> None:
    c = shapes.Corpus()
    shapes.add_column(c, random.Random(9), 6, "col")
    items = items_of(c)
    story = {it.key: c.items[i].story for i, it in enumerate(items)}
    assert len(set(story.values())) < len(items)  # some stories have an excerpt
    with columns_over(len(items)):  # not a column: each excerpt joins its story
        lab = labels(cluster(items))
        assert all((lab[a] == lab[b]) == (story[a] == story[b]) for a in story for b in story)
    with columns_over(5):  # 6 stories: a column, whose title proves nothing
        assert len(cluster(items)) == len(items)
    # Counted over records, exact copies too (an incremental ingest counts the store's):
    # the full title's bucket becomes a column when one of its records is listed twice.
    full = [it for it in items if it.title == shapes.COLUMN_TITLE]
    assert len(full) > 6  # an excerpt under the full title (the others are cut)
    copy = DedupItem("z-copy", full[0].title, full[0].text)
    with columns_over(len(full)):
        assert len(cluster(items)) < len(items)
        assert len(cluster([*items, copy])) == len(items)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    shapes.corpora(max_records=160, kinds=(*shapes.SHAPES, "column", "column")),
    st.integers(2, 10),
    st.randoms(use_true_random=False),
)
def test_incremental_ingest_equals_a_full_one_as_titles_become_columns(
    tmp_path_factory: object, corpus: shapes.Corpus, bucket: int, rnd: random.Random
) -> None:
    # Increments and removals push title buckets over TITLE_BUCKET and back under it; an
    # ingest skips looking up a bucket that is a column before and after, and clusters the
    # records it does re-cluster knowing which of their buckets are columns in the store.
    root = tmp_path_factory.mktemp("col")  # type: ignore[attr-defined]
    with columns_over(bucket):
        assert_incremental_equals_full(root, corpus, rnd)


def test_one_more_item_under_a_column_re_clusters_only_itself(tmp_path: Path) -> None:
    c = shapes.Corpus()
    shapes.add_column(c, random.Random(11), 12, "col")
    dumps = {name: shapes.render(part) for name, part in c.dumps().items()}
    item = shapes.Item(shapes.COLUMN_TITLE, shapes.story_text(random.Random(12), 8), "new", "")
    more = {**dumps, "99999_00000000000000aa.txt": shapes.render([item])}
    with columns_over(5):
        ingest(shapes.write_seeds(tmp_path / "inc", dumps), tmp_path / "inc.db")
        stats = ingest(shapes.write_seeds(tmp_path / "inc", more), tmp_path / "inc.db")
        assert stats.reclustered == 1  # not the column's other records
        ingest(shapes.write_seeds(tmp_path / "full", more), tmp_path / "full.db")
    assert export_bytes(tmp_path / "inc.db") == export_bytes(tmp_path / "full.db")


@pytest.mark.parametrize("change", ["removed", "edited"])
def test_removing_or_editing_an_item_under_a_column_re_clusters_only_its_own(
    tmp_path: Path, change: str
) -> None:
    # The removed or re-parsed record's old codes hold its title's: looked up, they would
    # pull in the whole column (its old title is read before its row is deleted).
    c = shapes.Corpus()
    shapes.add_column(c, random.Random(11), 30, "col")  # records in several dumps
    dumps = {name: shapes.render(part) for name, part in c.dumps().items()}
    name = sorted(dumps)[0]
    after = dict(dumps)
    if change == "removed":
        del after[name]
    else:
        after[name] = shapes.render(list(reversed(c.dumps()[name])), day=2)
    with columns_over(5):
        ingest(shapes.write_seeds(tmp_path / "inc", dumps), tmp_path / "inc.db")
        stats = ingest(shapes.write_seeds(tmp_path / "inc", after), tmp_path / "inc.db")
        ingest(shapes.write_seeds(tmp_path / "full", after), tmp_path / "full.db")
    assert export_bytes(tmp_path / "inc.db") == export_bytes(tmp_path / "full.db")
    own = len(c.dumps()[name]) if change == "edited" else 0
    assert stats.reclustered <= own + 2, stats.reclustered  # not the column's other records


def test_retitling_a_record_out_of_a_column_re_clusters_the_column(tmp_path: Path) -> None:
    # Five stories under one title, and an excerpt of the first: six records, a column at
    # TITLE_BUCKET 5, so the excerpt stays apart. Editing a dump retitles one story: the
    # title is no column any more and the excerpt joins its story, as a full ingest gives.
    # The edited record's old title code is only in its stored codes (its new ones differ).
    r = random.Random(21)
    stories = [[shapes.sentence(r) for _ in range(10)] for _ in range(5)]
    title = shapes.COLUMN_TITLE
    first = [shapes.Item(title, "".join(s), f"s{k}", "column") for k, s in enumerate(stories)]
    excerpt = shapes.Item(title, "".join(stories[0][3:7]), "s0", "column")
    retitled = dataclasses.replace(first[4], title=shapes.title_text(r))
    before = {
        "0001_00000000000000a1.txt": [*first[:4], excerpt],
        "0002_00000000000000a2.txt": [first[4]],
    }
    after = {**before, "0002_00000000000000a2.txt": [retitled]}
    with columns_over(5):
        for name, dumps in (("inc", before), ("inc", after), ("full", after)):
            rendered = {n: shapes.render(items) for n, items in dumps.items()}
            ingest(shapes.write_seeds(tmp_path / name, rendered), tmp_path / f"{name}.db")
    assert export_bytes(tmp_path / "inc.db") == export_bytes(tmp_path / "full.db")
    assert len(export_bytes(tmp_path / "full.db").splitlines()) == 5  # the excerpt joined


@settings(max_examples=25, deadline=None)
@given(shapes.corpora(max_records=500), st.randoms(use_true_random=False))
def test_a_union_of_clusters_clusters_alone_as_in_the_whole(
    corpus: shapes.Corpus, rnd: random.Random
) -> None:
    # What an incremental ingest relies on: re-clustering only the clusters a change touches
    # gives exactly what clustering everything gives for them (members, edges, kept record).
    items = items_of(corpus)
    whole = cluster(items)
    chosen = [c for c in whole if rnd.random() < 0.4]
    keys = {k for c in chosen for k in c.members}
    alone = cluster([it for it in items if it.key in keys])
    assert alone == sorted(chosen, key=lambda c: c.representative)


@settings(max_examples=30, deadline=None)
@given(shapes.corpora(max_records=500), st.randoms(use_true_random=False))
def test_recomputing_the_affected_clusters_gives_the_full_result(
    corpus: shapes.Corpus, rnd: random.Random
) -> None:
    # The library side of an incremental ingest: with per-record codes stored, records added
    # and removed touch a set of stored clusters; re-clustering those (plus the new records)
    # and keeping every other cluster gives exactly the clusters of the final set.
    items = items_of(corpus)
    rnd.shuffle(items)
    split = rnd.randrange(len(items) + 1)
    old, new = items[:split], items[split:]
    removed = {it.key for it in old if rnd.random() < 0.2}
    sig_old = signatures(sorted(old, key=lambda it: it.key), 0.8)
    index = CodeIndex(dict(zip(sig_old.keys, record_codes(sig_old), strict=True)))
    before = cluster(old)
    cluster_of = {k: c.members for c in before for k in c.members}

    def members_of(keys: set[str]) -> set[str]:
        return {m for k in keys for m in cluster_of[k]}

    new_sorted = sorted(new, key=lambda it: it.key)
    parts = record_codes(signatures(new_sorted, 0.8)) if new else []
    seed = [(np.concatenate([np.zeros(0, np.int64), *parts]), {it.key for it in new})]
    seed.append((index.codes_of(removed), removed))
    redo = affected(seed, removed, lambda c, _: index.matches(c), index.codes_of, members_of)
    final = [it for it in items if it.key not in removed]
    kept = [c for c in before if not set(c.members) & redo]
    again = cluster([it for it in final if it.key in redo or it in new])
    assert sorted(kept + again, key=lambda c: c.representative) == cluster(final)


def test_the_corpus_finds_the_same_candidates_as_the_codes_in_memory(tmp_path: Path) -> None:
    # store/codes.py keeps the codes inverted in shards; after a full ingest and an
    # incremental one that drops a dump, its look-ups equal CodeIndex's over the same codes.
    corpus = shapes.build(3, [("family", 30), ("report", 6), ("plain", 40), ("titles", 12)])
    dumps = {name: shapes.render(part) for name, part in corpus.dumps().items()}
    db_path = tmp_path / "c.db"
    ingest(shapes.write_seeds(tmp_path, dumps), db_path)
    ingest(shapes.write_seeds(tmp_path, dict(sorted(dumps.items())[1:])), db_path)
    db = connect_read(db_path)
    try:
        rows = db.execute("SELECT key, codes FROM record_codes").fetchall()
        stored = {k: np.frombuffer(b, dtype="<u4").astype(np.int64) for k, b in rows}
        assert set(stored) == {k for (k,) in db.execute("SELECT key FROM records")}
        memory = CodeIndex(stored)
        store = StoredCodes(db)
        for key in sorted(stored)[::7]:
            probe = stored[key]
            assert store.matches(probe) == memory.matches(probe)
            assert np.array_equal(store.codes_of({key}), probe)
    finally:
        db.close()


def _contained_one_at_a_time(sig, sets, texts, s: int, a: int) -> float:  # type: ignore[no-untyped-def]
    """The containment score as first written, one pair at a time: the batched one's reference."""
    from zsctl.arrays import unique_sorted
    from zsctl.dedup import cluster as c
    from zsctl.dedup.normalize import normalize_batch
    from zsctl.dedup.shingles import _shingle_batch

    small = sets[s]
    if len(small) == 0:
        return 0.0
    if c._titles_match(sig.title[s], sig.title[a], sig.title_cut[s], sig.title_cut[a]):
        return _intersection_size(small, sets[a]) / len(small)
    if not sig.truncated[s] or not c._titles_compatible(sig.title[s], sig.title[a]):
        return 0.0
    scale, extra = c.OPENING_SLACK
    window = int(scale * int(sig.length[s])) + extra
    head = texts[a][: 2 * window + 200]
    cps, lens = normalize_batch([head])
    if int(lens[0]) < window and len(head) < len(texts[a]):
        cps, lens = normalize_batch([texts[a]])
    sh = _shingle_batch(cps[:window], np.array([min(window, int(lens[0]))], dtype=np.int64))
    return _intersection_size(small, unique_sorted(sh.of(0))) / len(small)


@settings(max_examples=25, deadline=None)
@given(shapes.corpora(max_records=300))
def test_batched_containment_scores_equal_one_pair_at_a_time(corpus: shapes.Corpus) -> None:
    from zsctl.dedup import cluster as c

    items = sorted(items_of(corpus), key=lambda it: it.key)
    sig = signatures(items, 0.8)
    texts = [it.text for it in items]
    sets = c._Sets(texts)
    n = len(items)
    pairs = c.candidate_pairs(sig, np.ones(n, dtype=np.bool_), np.arange(n)).tolist()
    pairs += [[s, a] for s in range(min(n, 20)) for a in range(min(n, 20)) if s != a]
    cut = np.flatnonzero(sig.truncated).tolist()[:30]  # the opening clause: every cut text
    pairs += [[s, a] for s in cut for a in range(n) if a != s][:3000]
    sets.need({u for p in pairs for u in p})
    reference = [_contained_one_at_a_time(sig, sets, texts, s, a) for s, a in pairs]
    heads = c._Headlines()  # one for all pairs, as _clauses asks it
    assert [heads.compatible(sig.title[s], sig.title[a]) for s, a in pairs] == [
        c._titles_compatible(sig.title[s], sig.title[a]) for s, a in pairs
    ]
    clauses = c._clauses(sig, np.array(pairs, dtype=np.int64).reshape(-1, 2)).tolist()
    kept = [(s, a, k) for (s, a), k in zip(pairs, clauses, strict=True) if k]
    assert c._contained(sig, sets, texts, kept) == [
        score for score, k in zip(reference, clauses, strict=True) if k
    ]
    assert all(score == 0.0 for score, k in zip(reference, clauses, strict=True) if not k)
    # The whole stage, with a cache small enough to evict between chunks: each snippet's
    # best container as the reference ranks them (score, then the longer, then the lower).
    best: dict[int, tuple[float, int, int]] = {}
    for (s, a), score in zip(pairs, reference, strict=True):
        rank = (-score, -int(sig.length[a]), a)
        if score >= 0.9 and (s not in best or rank < best[s]):
            best[s] = rank
    with mock.patch.object(c, "_SET_CACHE", 16), mock.patch.object(c, "_CHUNK", 8):
        found = c.verify_contained(np.array(pairs), sig, c._Sets(texts), texts, 0.9)
    assert found == {s: (a, -neg) for s, (neg, _, a) in best.items()}


def test_a_cut_snippet_joins_only_a_text_under_a_headline_it_could_have() -> None:
    """Stories open with the same sentences; a cut snippet of one whose article is not in the
    corpus must not join another's (bench.generate's snippets shape at 100k did, 239 pairs)."""
    opening = "为深入贯彻落实全市招商引资工作会议精神，进一步优化营商环境，推动项目落地见效。" * 3
    a = DedupItem(
        "a:1", "西青区生物医药产业园签约十个项目", opening + "西青区签约生物医药项目十个。" * 4
    )
    b_text = opening + "武清区跨境电商基地正式开园，首批入驻企业三十家。" * 4
    snip_a = DedupItem("c:1", "西青区生物医药产业园签约…", opening[:100] + "…")
    snip_b = DedupItem("d:1", "武清区跨境电商基地开园运营", b_text[:100] + "…")  # b is absent
    assert sorted(c.members for c in cluster([a, snip_a])) == [("a:1", "c:1")]
    assert sorted(c.members for c in cluster([a, snip_b])) == [("a:1",), ("d:1",)]
    compatible = cluster_module._titles_compatible
    assert compatible("西青区生物医药产业园签约", "西青区生物医药产业园签约十个项目")  # cut
    assert compatible("西青区生物医药园签约十个项目", "西青区生物医药产业园签约十个项目")  # edited
    assert not compatible("武清区跨境电商基地开园运营", "西青区生物医药产业园签约十个项目")


def test_near_identical_cut_snippets_under_unrelated_headlines_stay_apart() -> None:
    """Two stories' listing snippets, cut inside the official sentences both open with."""
    opening = "为深入贯彻落实全市招商引资工作会议精神，进一步优化营商环境，推动项目落地见效。" * 4
    one = DedupItem("a:1", "西青区生物医药产业园签约十个项目", opening[:150] + "西青…")
    two = DedupItem("b:1", "武清区跨境电商基地开园运营", opening[:150] + "武清…")
    again = DedupItem("c:1", "西青区生物医药产业园签约十个项目", opening[:150] + "西青区…")
    members = sorted(c.members for c in cluster([one, two, again]))
    assert members == [("a:1", "c:1"), ("b:1",)]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 60), max_size=40),
    st.lists(st.lists(st.integers(0, 80), max_size=20), max_size=8),
)
def test_the_codes_among_wanted_are_those_isin_finds(
    wanted: list[int], arrays: list[list[int]]
) -> None:
    from zsctl.store.codes import _member_test

    among = _member_test(np.array(wanted, dtype=np.int64))
    for values in arrays:
        codes = np.array(values, dtype=np.int64)
        assert among(codes).tolist() == codes[np.isin(codes, wanted)].tolist()


@settings(max_examples=15, deadline=None)
@given(shapes.corpora(max_records=120), st.integers(1, 7))
def test_record_codes_do_not_depend_on_how_many_are_coded_at_once(
    corpus: shapes.Corpus, chunk: int
) -> None:
    sig = signatures(sorted(items_of(corpus), key=lambda it: it.key), 0.8)
    whole = record_codes(sig)
    with mock.patch.object(cluster_module, "_CODES_CHUNK", chunk):
        parts = record_codes(sig)
    assert [c.tolist() for c in parts] == [c.tolist() for c in whole]
    assert len(whole) == len(sig.keys)

"""Measure district resolution on the hand-labelled excerpts in tests/data/district_eval.jsonl.

Run: .venv/bin/python scripts/district_eval.py [--misses] [--cpca | --at REV]

--at REV scores the resolver as it was at a git revision (its districts.py and districts.yaml,
loaded from `git show`), which is how the figure before issue 14 is measured (--at c181425).
--cpca scores the cpca address parser instead; it is never a zsctl dependency, so run it from
an environment that has it (pip install cpca pyyaml).

Each line of the set is {"text", "url", "label", "note"} with an optional "title" and "tag";
"label" is a district's canonical name, 天津市, or null for a text that is not about Tianjin.
The figures: accuracy over all items, and the share of not-Tianjin items given a district
(a false district is worse than none: analysts search by district).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


EVAL_SET = ROOT / "tests" / "data" / "district_eval.jsonl"
Resolver = Callable[[dict[str, str]], str | None]


def load(path: Path = EVAL_SET) -> list[dict[str, str]]:
    """The evaluation items, one JSON object a line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def zsctl_resolver(item: dict[str, str]) -> str | None:
    """zsctl's primary district for an item (tag, title, one body paragraph)."""
    from zsctl.districts import assign

    return assign(item.get("tag"), item.get("title", ""), [item["text"]]).primary


def resolver_at(rev: str) -> Resolver:
    """The resolver of an older revision: its districts.py and YAML, loaded from git."""

    def show(path: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:{path}"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as code:
        code.write(show("zsctl/districts.py"))
    spec = importlib.util.spec_from_file_location(f"districts_at_{rev}", code.name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    gazetteer = module.parse_gazetteer(show("zsctl/data/districts.yaml"), f"{rev}:districts.yaml")

    def resolve(item: dict[str, str]) -> str | None:
        found: str | None = gazetteer.assign(
            item.get("tag"), item.get("title", ""), [item["text"]]
        ).primary
        return found

    return resolve


def cpca_resolver() -> Resolver:
    """The cpca address parser, for comparison: its 区 when the province is 天津市."""
    import cpca  # type: ignore[import-not-found]  # optional, never a dependency

    def resolve(item: dict[str, str]) -> str | None:
        text = (item.get("title", "") + "。" + item["text"]).strip("。")
        frame = cpca.transform([text])
        province, area = frame.iloc[0]["省"], frame.iloc[0]["区"]
        if province != "天津市":
            return None
        return area if isinstance(area, str) and area else "天津市"

    return resolve


def score(items: Sequence[dict[str, str]], resolve: Resolver) -> tuple[int, int, list[str]]:
    """(right answers, not-Tianjin items given a district, lines describing each miss)."""
    right, false_district, misses = 0, 0, []
    for number, item in enumerate(items, 1):
        got = resolve(item)
        if got == item["label"]:
            right += 1
            continue
        if item["label"] is None and got not in (None, "天津市"):
            false_district += 1
        misses.append(f"{number}: want {item['label']}, got {got}: {item['text'][:60]}")
    return right, false_district, misses


def main() -> int:
    """Print the figures (and the misses with --misses)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument("--cpca", action="store_true", help="score cpca instead (if installed)")
    parser.add_argument("--at", metavar="REV", help="score the resolver of a git revision")
    args = parser.parse_args()
    items = load()
    resolve = zsctl_resolver
    if args.cpca:
        resolve = cpca_resolver()
    elif args.at:
        resolve = resolver_at(args.at)
    right, false_district, misses = score(items, resolve)
    outside = sum(1 for item in items if item["label"] is None)
    print(f"{len(items)} items: {right} right ({100 * right / len(items):.1f}%)")
    print(f"not Tianjin: {outside} items, {false_district} given a district")
    traditional = [item for item in items if "traditional" in item["note"]]
    right_trad = sum(1 for item in traditional if resolve(item) == item["label"])
    print(f"traditional script: {len(traditional)} items, {right_trad} right")
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())

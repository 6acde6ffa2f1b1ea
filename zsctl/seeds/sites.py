"""`zsctl sites`: the sites a seeds folder uses or has rules for, and where their rules are."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from zsctl.parse.rules import rules_for_seeds
from zsctl.resources import DATA
from zsctl.seeds.manifest import read_manifest

COMMON_ONLY = "common rules only"
PACKAGED = "packaged"


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """One site: its name, the files its own rules come from, and its dumps in INDEX.md."""

    id: str
    name: str
    origins: tuple[str, ...]
    dumps: int


def _shown(origin: str) -> str:
    return PACKAGED if Path(origin) == DATA / "chrome.yaml" else origin


def list_sites(seeds: Path) -> list[SiteInfo]:
    """Every site with rules or dumps, by id."""
    rules = rules_for_seeds(seeds)
    counts = Counter(e.site for e in read_manifest(seeds).entries)
    ids = sorted(set(rules.sites) | set(counts))
    return [
        SiteInfo(
            site,
            rules.site_names.get(site, site),
            tuple(_shown(o) for o in rules.origins.get(site, ())) or (COMMON_ONLY,),
            counts.get(site, 0),
        )
        for site in ids
    ]

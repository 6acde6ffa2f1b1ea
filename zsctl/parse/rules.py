"""Chrome rules: per-site regexes loaded from YAML, validated on load, applied line by line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zsctl.errors import RulesError
from zsctl.resources import load_yaml, packaged

_RULE_KEYS = {"id", "pattern", "block_end"}
_TOP_KEYS = {"version", "common", "sites"}
_SITE_KEYS = {"name", "rules"}


@dataclass(frozen=True, slots=True)
class Rule:
    """One chrome rule; `block_end` makes it swallow lines until a closing line."""

    id: str
    pattern: re.Pattern[str]
    block_end: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class ChromeRules:
    """All sites' rules; `for_site` gives the ordered rules for one site."""

    common: tuple[Rule, ...]
    sites: dict[str, tuple[Rule, ...]]
    site_names: dict[str, str]

    def for_site(self, site: str) -> tuple[Rule, ...]:
        """Site rules first (more specific), then common rules."""
        return self.sites.get(site, ()) + self.common

    def site_ids(self) -> frozenset[str]:
        """The site ids a manifest row may name."""
        return frozenset(self.sites)


def classify_chrome(lines: list[str], rules: tuple[Rule, ...]) -> list[str | None]:
    """Return, per line, the id of the chrome rule that claims it (None if no rule does)."""
    out: list[str | None] = [None] * len(lines)
    block: Rule | None = None
    opened = 0
    for i, line in enumerate(lines):
        stripped = line.strip()
        if block is not None:
            # Blank lines inside a block stay blank so the blank count means one thing.
            out[i] = block.id if stripped else None
            if block.block_end is not None and block.block_end.fullmatch(stripped):
                block = None
            continue
        if not stripped:
            continue
        for rule in rules:
            if rule.pattern.fullmatch(stripped):
                out[i] = rule.id
                block = rule if rule.block_end is not None else None
                opened = i
                break
    if block is not None:
        # A block that never closes (a truncated or doctored dump) would silently swallow
        # every later article as chrome; only its opening line is chrome, the rest is parsed.
        for j in range(opened + 1, len(lines)):
            out[j] = None
    return out


@lru_cache(maxsize=1)
def default_rules() -> ChromeRules:
    """The chrome rules packaged with zsctl."""
    return parse_rules(*packaged("chrome.yaml"))


def parse_rules(text: str, origin: str) -> ChromeRules:
    """Validate YAML text into ChromeRules; every mistake names the rule and what to fix."""
    data = load_yaml(text, origin)
    if not isinstance(data, dict) or data.get("version") != 1:
        raise RulesError("expected a mapping with 'version: 1'", path=origin)
    _no_unknown(data, _TOP_KEYS, "top level", origin)
    common = _rules(data.get("common") or [], "common", origin)
    sites_raw = data.get("sites")
    if not isinstance(sites_raw, dict) or not sites_raw:
        raise RulesError("'sites' must map site ids to {name, rules}", path=origin)
    sites: dict[str, tuple[Rule, ...]] = {}
    names: dict[str, str] = {}
    for site_id, body in sites_raw.items():
        if not isinstance(body, dict):
            raise RulesError(f"site {site_id!r} must be a mapping with name and rules", path=origin)
        _no_unknown(body, _SITE_KEYS, f"site {site_id!r}", origin)
        sites[str(site_id)] = _rules(body.get("rules") or [], f"site {site_id!r}", origin)
        names[str(site_id)] = str(body.get("name", site_id))
    _unique_ids(common, sites, origin)
    return ChromeRules(common, sites, names)


def _rules(raw: Any, where: str, origin: str) -> tuple[Rule, ...]:
    if not isinstance(raw, list):
        raise RulesError(f"{where}: rules must be a list", path=origin)
    out = []
    for item in raw:
        if not isinstance(item, dict) or "id" not in item or "pattern" not in item:
            raise RulesError(
                f"{where}: each rule needs 'id' and 'pattern', got {item!r}", path=origin
            )
        _no_unknown(item, _RULE_KEYS, f"{where} rule {item['id']!r}", origin)
        pattern = _compile(item["pattern"], f"{where} rule {item['id']!r}", origin)
        end = item.get("block_end")
        block_end = _compile(end, f"{where} rule {item['id']!r} block_end", origin) if end else None
        out.append(Rule(str(item["id"]), pattern, block_end))
    return tuple(out)


def _compile(pattern: Any, where: str, origin: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise RulesError(f"{where}: pattern must be a non-empty string", path=origin)
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise RulesError(f"{where}: bad regex {pattern!r}: {exc}", path=origin) from None
    if compiled.fullmatch(""):
        raise RulesError(
            f"{where}: pattern matches the empty line; it would eat blanks", path=origin
        )
    return compiled


def _no_unknown(mapping: dict[str, Any], allowed: set[str], where: str, origin: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise RulesError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            path=origin,
        )


def _unique_ids(common: tuple[Rule, ...], sites: dict[str, tuple[Rule, ...]], origin: str) -> None:
    for site_id, rules in sites.items():
        ids = [r.id for r in rules + common]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise RulesError(
                f"site {site_id!r}: duplicate rule id(s) {', '.join(dupes)}", path=origin
            )

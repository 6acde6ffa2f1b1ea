"""Chrome rules: per-site regexes from YAML (packaged, plus the seeds folder's `sites/*.yaml`),
validated on load with file and line, applied line by line."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from zsctl.errors import RulesError
from zsctl.parse.regex_safety import linear_time_problem
from zsctl.resources import packaged

SITES_DIR = "sites"  # inside the seeds folder: one <site>.yaml per site
# A rules file is a few kilobytes; a bigger one is a mistake (or hostile), not rules.
MAX_RULES_BYTES = 1024 * 1024
_RULE_KEYS = {"id", "pattern", "block_end"}
_TOP_KEYS = {"version", "common", "sites"}
_USER_TOP_KEYS = {"version", "sites"}
_SITE_KEYS = {"name", "rules"}
SITE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # a site id: INDEX.md rows, sites/<id>.yaml


@dataclass(frozen=True, slots=True)
class Rule:
    """One chrome rule; `block_end` makes it swallow lines until a closing line."""

    id: str
    pattern: re.Pattern[str]
    block_end: re.Pattern[str] | None = None
    origin: str = ""  # file:line of the rule's definition


@dataclass(frozen=True, slots=True)
class ChromeRules:
    """All sites' rules; `for_site` gives the ordered rules for one site."""

    common: tuple[Rule, ...]
    sites: dict[str, tuple[Rule, ...]]
    site_names: dict[str, str]
    # site id -> the files its rules come from, packaged first.
    origins: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def for_site(self, site: str) -> tuple[Rule, ...]:
        """Site rules first (more specific), then common rules; an unknown site gets common."""
        return self.sites.get(site, ()) + self.common

    def site_ids(self) -> frozenset[str]:
        """The sites that have rules of their own."""
        return frozenset(self.sites)

    def fingerprint(self, site: str) -> str:
        """A digest of the effective rules for a site: a dump's parse depends on it."""
        spec = [
            [r.id, r.pattern.pattern, r.block_end.pattern if r.block_end else None]
            for r in self.for_site(site)
        ]
        return hashlib.sha256(json.dumps(spec, ensure_ascii=False).encode()).hexdigest()[:16]


def first_rule(text: str, rules: tuple[Rule, ...]) -> Rule | None:
    """The first of `rules` whose pattern matches the whole of `text`, or None."""
    combined = _joined(rules)
    if combined is not None and combined.fullmatch(text) is None:
        return None  # most lines are no chrome: one regex, not one per rule (~9 s at 100k)
    return next((r for r in rules if r.pattern.fullmatch(text)), None)


# The joined pattern of each rules tuple, by the tuple's identity: first_rule runs once a line,
# and looking a tuple of Rule dataclasses up in a cache by value hashed and compared every
# field of every rule each time (~20 s of CPU across the workers at 100,000 records).
_JOINED: dict[int, tuple[tuple[Rule, ...], re.Pattern[str] | None]] = {}


def _joined(rules: tuple[Rule, ...]) -> re.Pattern[str] | None:
    """`_any_of(rules)`, found by the tuple's identity (the entry keeps the tuple alive)."""
    entry = _JOINED.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_JOINED) >= 64:
            _JOINED.clear()
        entry = _JOINED[id(rules)] = (rules, _any_of(rules))
    return entry[1]


# A reference to a group by number or name would mean another group once the patterns are
# joined; such rules are tried one by one.
_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


@lru_cache(maxsize=64)
def _any_of(rules: tuple[Rule, ...]) -> re.Pattern[str] | None:
    """All the rules' patterns as one alternation, or None where joining could change one.

    fullmatch of the alternation matches exactly when some pattern fullmatches (it backtracks
    into the next alternative). Patterns with global inline flags or clashing group names do
    not compile joined, and references to groups would change meaning: those stay apart.
    """
    patterns = [r.pattern.pattern for r in rules]
    if not patterns or any(_GROUP_REFERENCE.search(p) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error:
        return None


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
        rule = first_rule(stripped, rules)
        if rule is not None:
            out[i] = rule.id
            block = rule if rule.block_end is not None else None
            opened = i
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


def rules_for_seeds(seeds_dir: Path) -> ChromeRules:
    """The packaged rules extended by every `<seeds>/sites/<site>.yaml` (sorted by name)."""
    rules = default_rules()
    folder = seeds_dir / SITES_DIR
    if not folder.is_dir():
        return rules
    for path in sorted(folder.glob("*.yml")):
        raise RulesError(f"rules files end in .yaml; rename it to {path.stem}.yaml", path=str(path))
    for path in sorted(folder.glob("*.yaml")):
        rules = merge_site_file(rules, _read_rules_file(path), str(path), path.stem)
    return rules


def _read_rules_file(path: Path) -> str:
    if path.is_symlink() or not path.is_file():
        raise RulesError(
            "not a plain file; a rules file must be a file in the seeds folder", path=str(path)
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"cannot read rules: {exc.strerror}", path=str(path)) from None
    if len(data) > MAX_RULES_BYTES:
        raise RulesError(
            f"rules file over {MAX_RULES_BYTES // 1024} KiB; is it the right file?", path=str(path)
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError(
            f"not UTF-8 (byte {exc.start}); save the file as UTF-8", path=str(path)
        ) from None


def parse_rules(text: str, origin: str) -> ChromeRules:
    """Validate YAML text into ChromeRules; every mistake names the file, line and what to fix."""
    data = _load_yaml(text, origin)
    _no_unknown(data, _TOP_KEYS, "top level", origin)
    common = _rules(data.get("common") or [], "common", origin, _line(data, "common"))
    sites, names = _sites(data, origin, require=True)
    for site_id, rules in sites.items():
        _unique_ids(common + rules, f"site {site_id!r}", origin)
    return ChromeRules(common, sites, names, {s: (origin,) for s in sites})


def merge_site_file(base: ChromeRules, text: str, origin: str, site_id: str) -> ChromeRules:
    """Add a user rules file for one site (`sites/<site_id>.yaml`) to the rules in force."""
    data = _load_yaml(text, origin)
    _no_unknown(data, _USER_TOP_KEYS, "top level (a site file has no common rules)", origin)
    sites, names = _sites(data, origin, require=True)
    if set(sites) != {site_id}:
        raise RulesError(
            f"this file is for site {site_id!r} (its name), so 'sites' must hold exactly "
            f"{site_id!r}; found {', '.join(map(repr, sites))}",
            path=origin,
            line=_line(data, "sites"),
        )
    if not SITE_ID.fullmatch(site_id):
        raise RulesError(
            "a site id is lower-case letters, digits and '-'; rename the file", path=origin
        )
    extended = base.sites.get(site_id, ()) + sites[site_id]
    _unique_ids(base.common + extended, f"site {site_id!r}", origin)
    name = names[site_id] if site_id not in base.site_names else base.site_names[site_id]
    return ChromeRules(
        base.common,
        {**base.sites, site_id: extended},
        {**base.site_names, site_id: name},
        {**base.origins, site_id: (*base.origins.get(site_id, ()), origin)},
    )


class _LineMap(dict[str, Any]):
    """A YAML mapping that remembers the line of each key."""

    lines: dict[str, int]
    line: int


def _load_yaml(text: str, origin: str) -> _LineMap:
    import yaml  # lazy: only ingest and check need rules

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when present

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    def mapping(loader: Any, node: Any) -> _LineMap:
        out = _LineMap(loader.construct_mapping(node, deep=True))
        out.line = node.start_mark.line + 1
        out.lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value}
        return out

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    try:
        data = yaml.load(text, Loader=Loader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as exc:
        # Where the broken construct began (an unclosed quote) beats where parsing gave up.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise RulesError(f"invalid YAML: {exc.problem or exc}", path=origin, line=line) from None
    except yaml.YAMLError as exc:
        raise RulesError(f"invalid YAML: {exc}", path=origin) from None
    if not isinstance(data, _LineMap) or data.get("version") != 1:
        raise RulesError("expected a mapping with 'version: 1'", path=origin, line=1)
    return data


def _line(mapping: Any, key: str | None = None) -> int | None:
    if not isinstance(mapping, _LineMap):
        return None
    return mapping.lines.get(key, mapping.line) if key is not None else mapping.line


def _sites(
    data: _LineMap, origin: str, *, require: bool
) -> tuple[dict[str, tuple[Rule, ...]], dict[str, str]]:
    raw = data.get("sites")
    if not isinstance(raw, dict) or (require and not raw):
        raise RulesError(
            "'sites' must map site ids to {name, rules}", path=origin, line=_line(data, "sites")
        )
    sites: dict[str, tuple[Rule, ...]] = {}
    names: dict[str, str] = {}
    for site_id, body in raw.items():
        where = f"site {site_id!r}"
        if not isinstance(body, dict):
            raise RulesError(
                f"{where} must be a mapping with name and rules",
                path=origin,
                line=_line(raw, site_id),
            )
        _no_unknown(body, _SITE_KEYS, where, origin)
        sites[str(site_id)] = _rules(body.get("rules") or [], where, origin, _line(body, "rules"))
        name = body.get("name", str(site_id))
        if not isinstance(name, str) or not name.strip():
            raise RulesError(
                f"{where}: name must be text, got {name!r}", path=origin, line=_line(body, "name")
            )
        names[str(site_id)] = name
    return sites, names


def _rules(raw: Any, where: str, origin: str, line: int | None) -> tuple[Rule, ...]:
    if not isinstance(raw, list):
        raise RulesError(f"{where}: rules must be a list", path=origin, line=line)
    out = []
    for item in raw:
        if not isinstance(item, dict) or "id" not in item or "pattern" not in item:
            raise RulesError(
                f"{where}: each rule needs 'id' and 'pattern', got {item!r}",
                path=origin,
                line=_line(item) or line,
            )
        if not isinstance(item["id"], str) or not item["id"].strip():
            raise RulesError(
                f"{where}: a rule id is text (like 'pager'), got {item['id']!r}",
                path=origin,
                line=_line(item, "id") or _line(item),
            )
        here = f"{where} rule {item['id']!r}"
        _no_unknown(item, _RULE_KEYS, here, origin)
        pattern = _compile(item["pattern"], here, origin, _line(item, "pattern"))
        end = item.get("block_end")
        block_end = (
            _compile(end, f"{here} block_end", origin, _line(item, "block_end")) if end else None
        )
        out.append(Rule(str(item["id"]), pattern, block_end, f"{origin}:{_line(item)}"))
    return tuple(out)


def _compile(pattern: Any, where: str, origin: str, line: int | None) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise RulesError(f"{where}: pattern must be a non-empty string", path=origin, line=line)
    try:
        with warnings.catch_warnings():
            # "Possible nested set": a '[' or '--' inside a set, whose meaning a later Python
            # changes. Refused now rather than parsed differently later.
            warnings.simplefilter("error", FutureWarning)
            compiled = re.compile(pattern)
    except FutureWarning as exc:
        raise RulesError(
            f"{where}: regex {pattern!r}: {exc}; escape the '[', '&&', '--' or '||' inside [...]",
            path=origin,
            line=line,
        ) from None
    except re.error as exc:
        raise RulesError(f"{where}: bad regex {pattern!r}: {exc}", path=origin, line=line) from None
    except (OverflowError, RecursionError):  # a{99999999999}, or groups nested 1,000 deep
        raise RulesError(
            f"{where}: regex {pattern[:80]!r} is too large or nested too deep; simplify it",
            path=origin,
            line=line,
        ) from None
    if compiled.fullmatch(""):
        raise RulesError(
            f"{where}: pattern matches the empty line; it would eat blanks", path=origin, line=line
        )
    slow = linear_time_problem(pattern)
    if slow:
        raise RulesError(f"{where}: regex {pattern!r} {slow}", path=origin, line=line)
    return compiled


def _no_unknown(mapping: dict[str, Any], allowed: set[str], where: str, origin: str) -> None:
    unknown = sorted(set(map(str, mapping)) - allowed)
    if unknown:
        raise RulesError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
            path=origin,
            line=_line(mapping, unknown[0]),
        )


def _unique_ids(rules: tuple[Rule, ...], where: str, origin: str) -> None:
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            first = seen[rule.id].origin or origin
            raise RulesError(
                f"{where}: rule id {rule.id!r} is already defined at {first}; pick another id",
                path=origin,
                line=_origin_line(rule.origin),
            )
        seen[rule.id] = rule


def _origin_line(origin: str) -> int | None:
    tail = origin.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None

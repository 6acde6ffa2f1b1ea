"""Tianjin district gazetteer: resolve names typed by a user and assign articles to districts.

The data lives in zsctl/data/districts.yaml (see its header). `assign` picks an article's
primary district in this order:

1. the 【X招商】 tag, when X names a district (天津招商 is city-level and falls through);
2. the title: the district it names most often (earliest on ties); a zone counts for its district;
3. the body: every mention scores 1, a mention in the lead scores LEAD_WEIGHT, a city mention in
   the title scores TITLE_WEIGHT. The best district wins if it reaches MIN_DISTRICT_SCORE, is at
   least the city's score and DOMINANCE times the runner-up's; otherwise the article is
   city-wide (天津市) if its total Tianjin score reaches MIN_TIANJIN_SCORE, else not about
   Tianjin at all (None) -- the site tags national and other-city news 天津招商 too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeAlias

from zsctl.errors import RulesError, UsageError
from zsctl.parse.tags import tag_place
from zsctl.resources import load_yaml, packaged

# Scoring for the body fallback (module docstring, step 3). A hit in the lead (the first LEAD_CHARS
# characters of the first paragraph) is worth LEAD_WEIGHT; dumps often keep the whole body in
# one paragraph, so "first paragraph" alone would weight everything.
LEAD_CHARS = 200
LEAD_WEIGHT = 3
TITLE_WEIGHT = 3
# A district needs this much body score to win, so one passing mention deep in the text does not.
MIN_DISTRICT_SCORE = 3
# Below this total Tianjin score the article is not about Tianjin (a stray 天津 in a city list).
MIN_TIANJIN_SCORE = 2
# The best district must beat the runner-up by this factor, else the piece is city-wide.
DOMINANCE = 2

_TOP_KEYS = frozenset({"city", "districts", "guards"})
_REQUIRED_KEYS = frozenset({"name", "short", "pinyin"})
_LIST_KEYS = ("former", "zones", "weak", "resolve_only")
_ENTRY_KEYS = _REQUIRED_KEYS | {"short_in_text", *_LIST_KEYS}
_PINYIN = re.compile(r"[a-z]+")

_Trie: TypeAlias = dict[str, "_Trie"]
_Place: TypeAlias = tuple[str, bool]  # (canonical name, weak)


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer entry (the city or a district) with every name it is known by."""

    name: str
    short: str
    pinyin: str
    short_in_text: bool
    former: tuple[str, ...]
    zones: tuple[str, ...]
    weak: tuple[str, ...]
    resolve_only: tuple[str, ...]

    def text_aliases(self) -> tuple[str, ...]:
        """Names that count as a (non-weak) mention when they occur in article text."""
        short = (self.short,) if self.short_in_text else ()
        return (self.name, *short, *self.former, *self.zones)

    def all_aliases(self) -> tuple[str, ...]:
        """Every name `resolve` accepts for this entry."""
        hidden_short = () if self.short_in_text else (self.short,)
        return (*self.text_aliases(), *hidden_short, self.pinyin, *self.weak, *self.resolve_only)


@dataclass(frozen=True, slots=True)
class Hit:
    """One alias occurrence in a text: the canonical name it stands for and where it starts."""

    name: str
    start: int
    weak: bool


@dataclass(frozen=True, slots=True)
class DistrictAssignment:
    """Which district an article is about, plus how often each place is mentioned."""

    primary: str | None
    # Canonical name -> mentions in title + body, ordered by count (desc) then name.
    mentions: dict[str, int] = field(hash=False)


class Gazetteer:
    """Validated gazetteer data with a compiled matcher; build it with `load_gazetteer`."""

    def __init__(self, city: Entry, districts: Sequence[Entry], guards: Sequence[str], source: str):
        """Index the entries; RulesError (naming `source`) if an alias or guard clashes."""
        self.city = city
        self.districts = tuple(districts)
        self.guards = tuple(guards)
        self.source = source
        self._lookup, self._display = _lookup_tables((city, *self.districts), source)
        self._text = _text_table((city, *self.districts), self.guards, source)
        self._pattern = re.compile(_alternation(self._text))
        self._longest = max(map(len, self._text))
        # Fast-path tables for `assign`: text alias -> canonical (guards absent), strong aliases.
        self._names = {alias: place[0] for alias, place in self._text.items() if place}
        self._strong = frozenset(
            alias for alias, place in self._text.items() if place and not place[1]
        )

    def entries(self) -> tuple[Entry, ...]:
        """The city entry followed by the districts, in file order."""
        return (self.city, *self.districts)

    def lookup(self, name: str) -> str | None:
        """Canonical name for any alias (pinyin and Latin names case-insensitive), or None."""
        return self._lookup.get(name.strip().casefold())

    def resolve(self, name: str) -> str:
        """Canonical name for any alias; UsageError listing the closest aliases if unknown."""
        found = self.lookup(name)
        if found is None:
            raise UsageError(self._unknown_message(name))
        return found

    def names(self) -> list[str]:
        """Full names, short names and pinyin of the city and every district, for completion."""
        seen: dict[str, None] = {}
        for entry in self.entries():
            seen.update(dict.fromkeys((entry.name, entry.short, entry.pinyin)))
        return list(seen)

    def scan(self, text: str) -> list[Hit]:
        """Every alias occurrence in `text`, leftmost-longest, with guarded spans dropped."""
        hits: list[Hit] = []
        for match in self._pattern.finditer(text):
            target = self._text[match.group()]
            if target is not None:
                hits.append(Hit(target[0], match.start(), target[1]))
        return hits

    def assign(self, tag: str | None, title: str, paragraphs: Sequence[str]) -> DistrictAssignment:
        """Primary district (tag, else title, else weighted body mentions) and mention counts."""
        # Hot path (100,000 articles): findall per paragraph, no joined copy, no Match objects.
        findall = self._pattern.findall
        title_found: list[str] = findall(title)
        body_found: list[str] = [alias for text in paragraphs for alias in findall(text)]
        if self._strong.isdisjoint(title_found) and self._strong.isdisjoint(body_found):
            # Weak names (保税区) only mean 滨海新区 when something else says "Tianjin".
            title_found, body_found = [], []
        to_name = self._names
        title_names = [to_name[alias] for alias in title_found if alias in to_name]
        body_names = [to_name[alias] for alias in body_found if alias in to_name]
        body_counts = Counter(body_names)
        lead = paragraphs[0] if body_names else ""
        primary = (
            self._tag_district(tag)
            or self._title_district(title_names)
            or self._body_district(title_names, body_counts, body_names, lead)
        )
        body_counts.update(title_names)  # now the mention counts of the whole article
        return DistrictAssignment(primary, _sorted_counts(body_counts))

    def _lead_names(self, paragraph: str) -> list[str]:
        """Names of the places starting in the first LEAD_CHARS characters of `paragraph`.

        The window runs one longest alias past the cut so an alias straddling it is read whole,
        exactly as the full scan reads it.
        """
        names: list[str] = []
        for match in self._pattern.finditer(paragraph, 0, LEAD_CHARS + self._longest):
            if match.start() >= LEAD_CHARS:
                break
            name = self._names.get(match.group())
            if name is not None:
                names.append(name)
        return names

    def _tag_district(self, tag: str | None) -> str | None:
        """District named by a 【X招商】 tag; None for the city-level 天津招商 or no tag."""
        if not tag:
            return None
        name = tag_place(tag)
        found = self.lookup(name) if name else None
        return found if found != self.city.name else None

    def _title_district(self, names: Sequence[str]) -> str | None:
        """The district mentioned most often in the title, earliest first on ties."""
        districts = [name for name in names if name != self.city.name]
        if len(set(districts)) <= 1:  # the common case: one district or none
            return districts[0] if districts else None
        return _ranked(Counter(districts), districts)[0][0]

    def _body_district(
        self, title: Sequence[str], counts: Counter[str], body: Sequence[str], lead: str
    ) -> str | None:
        """Dominant district by weighted body mentions; the city if none dominates; else None."""
        scores = counts.copy()
        for name in title:  # only city names reach here: a title district would have won already
            scores[name] += TITLE_WEIGHT
        for name in self._lead_names(lead):
            scores[name] += LEAD_WEIGHT - 1  # the full scan already counted it once
        if scores.total() < MIN_TIANJIN_SCORE:
            return None
        city_score = scores.pop(self.city.name, 0)
        ranked = _ranked(scores, body)
        if ranked and _dominates(ranked, city_score):
            return ranked[0][0]
        return self.city.name

    def _unknown_message(self, name: str) -> str:
        """Error text for an unknown district, suggesting the closest known aliases."""
        if not name.strip():
            return "district name is empty; " + self._known_hint()
        import difflib  # only for this message: 5 ms off every --district start-up

        close = difflib.get_close_matches(name.strip().casefold(), list(self._lookup), n=3)
        if not close:
            return f"unknown district {name!r}; {self._known_hint()}"
        shown = [self._describe(key) for key in close]
        return f"unknown district {name!r}; did you mean: {', '.join(shown)}?"

    def _describe(self, key: str) -> str:
        """An alias as written in the gazetteer, with its canonical name when they differ."""
        alias, canonical = self._display[key], self._lookup[key]
        return alias if alias == canonical else f"{alias} ({canonical})"

    def _known_hint(self) -> str:
        """The list of canonical names, for errors with no close match."""
        return "known districts: " + ", ".join(entry.name for entry in self.entries())


def _ranked(scores: Mapping[str, int], order: Sequence[str]) -> list[tuple[str, int]]:
    """Scores sorted best first; ties go to the name that occurs first in `order`."""
    first = {name: index for index, name in enumerate(dict.fromkeys(order))}
    return sorted(scores.items(), key=lambda kv: (-kv[1], first.get(kv[0], len(order)), kv[0]))


def _dominates(ranked: Sequence[tuple[str, int]], city_score: int) -> bool:
    """Whether the top district outweighs passing mentions, the city itself and the runner-up."""
    best = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return best >= MIN_DISTRICT_SCORE and best >= city_score and best >= DOMINANCE * second


def _sorted_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Mention counts, most mentioned first, then by name so output is stable."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def assign(
    tag: str | None,
    title: str,
    paragraphs: Sequence[str],
    *,
    gazetteer: Gazetteer | None = None,
) -> DistrictAssignment:
    """Assign an article to a district using the packaged gazetteer unless one is given."""
    return (gazetteer or load_gazetteer()).assign(tag, title, paragraphs)


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load and validate a gazetteer YAML; the packaged default is loaded once and cached."""
    if path is None:
        return _default_gazetteer()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"cannot read gazetteer: {exc}", path=str(path)) from exc
    return parse_gazetteer(text, str(path))


@lru_cache(maxsize=1)
def _default_gazetteer() -> Gazetteer:
    """The packaged gazetteer (zsctl/data/districts.yaml)."""
    return parse_gazetteer(*packaged("districts.yaml"))


def parse_gazetteer(text: str, source: str) -> Gazetteer:
    """Build a Gazetteer from YAML text; RulesError naming `source` if it is invalid."""
    data = load_yaml(text, source)
    top = _mapping(data, "top level", source)
    _check_keys(top, _TOP_KEYS, _TOP_KEYS, "top level", source)
    city = _entry(top["city"], "city", source)
    raw_districts = top["districts"]
    if not isinstance(raw_districts, list) or not raw_districts:
        raise RulesError("'districts' must be a non-empty list", path=source)
    districts = [_entry(item, f"districts[{i}]", source) for i, item in enumerate(raw_districts)]
    guards = _str_list(top["guards"], "guards", source)
    return Gazetteer(city, districts, guards, source)


def _mapping(value: object, where: str, source: str) -> dict[str, Any]:
    """`value` as a mapping, or RulesError."""
    if not isinstance(value, dict):
        raise RulesError(f"{where}: expected a mapping, got {type(value).__name__}", path=source)
    return value


def _check_keys(
    data: Mapping[str, Any],
    required: frozenset[str],
    allowed: frozenset[str],
    where: str,
    source: str,
) -> None:
    """RulesError for missing required keys or keys outside `allowed` (typos must not pass)."""
    missing = sorted(required - data.keys())
    if missing:
        raise RulesError(f"{where}: missing key(s): {', '.join(missing)}", path=source)
    unknown = sorted(str(key) for key in data.keys() - allowed)
    if unknown:
        allowed_list = ", ".join(sorted(allowed))
        raise RulesError(
            f"{where}: unknown key(s): {', '.join(unknown)} (allowed: {allowed_list})", path=source
        )


def _entry(value: object, where: str, source: str) -> Entry:
    """Validate one city/district mapping and build its Entry."""
    data = _mapping(value, where, source)
    if isinstance(data.get("name"), str) and data["name"].strip():
        where = f"{where} ({data['name'].strip()})"  # name the entry in every later error
    _check_keys(data, _REQUIRED_KEYS, _ENTRY_KEYS, where, source)
    name = _str(data["name"], f"{where}.name", source)
    pinyin = _str(data["pinyin"], f"{where}.pinyin", source)
    if not _PINYIN.fullmatch(pinyin):
        raise RulesError(f"{where}.pinyin: {pinyin!r} must be lower-case a-z", path=source)
    short_in_text = data.get("short_in_text", True)
    if not isinstance(short_in_text, bool):
        raise RulesError(f"{where}.short_in_text: expected true or false", path=source)
    lists = [_str_list(data.get(key, []), f"{where}.{key}", source) for key in _LIST_KEYS]
    short = _str(data["short"], f"{where}.short", source)
    return Entry(name, short, pinyin, short_in_text, *lists)


def _str(value: object, where: str, source: str) -> str:
    """`value` as a non-blank string, or RulesError."""
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: expected a non-empty string, got {value!r}", path=source)
    return value.strip()


def _str_list(value: object, where: str, source: str) -> tuple[str, ...]:
    """`value` as a tuple of non-blank strings, or RulesError."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise RulesError(f"{where}: expected a list, got {type(value).__name__}", path=source)
    return tuple(_str(item, f"{where}[{i}]", source) for i, item in enumerate(value))


def _alternation(aliases: Iterable[str]) -> str:
    """One regex alternation of `aliases` that always takes the longest alias at a position."""
    trie: _Trie = {}
    for alias in aliases:
        node = trie
        for char in alias:
            node = node.setdefault(char, {})
        node[""] = {}  # end-of-alias marker
    return _trie_regex(trie)


def _trie_regex(node: _Trie) -> str:
    """Regex for a trie node: shared prefixes factored out, longer continuations tried first.

    A flat `a|ab|abc` list sorted longest-first gives the same matches, but re then tries every
    alternative at every candidate position; the factored form (`a(?:b(?:c)?)?`) is ~2x faster,
    which matters at 100,000 articles. The greedy `?` keeps longest-match semantics.
    """
    branches = [
        re.escape(char) + _trie_regex(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")


def _lookup_tables(entries: Sequence[Entry], source: str) -> tuple[dict[str, str], dict[str, str]]:
    """Casefolded alias -> canonical name, and -> alias as written; RulesError on any clash."""
    lookup: dict[str, str] = {}
    display: dict[str, str] = {}
    for entry in entries:
        for alias in entry.all_aliases():
            key = alias.casefold()
            if key in lookup:
                owner = lookup[key]
                detail = f"both {owner} and {entry.name}" if owner != entry.name else entry.name
                raise RulesError(f"alias {alias!r} is listed twice, under {detail}", path=source)
            lookup[key], display[key] = entry.name, alias
    return lookup, display


def _text_table(
    entries: Sequence[Entry], guards: Sequence[str], source: str
) -> dict[str, _Place | None]:
    """Text-matched alias -> (canonical, weak); guards map to None so their span is skipped."""
    table: dict[str, _Place | None] = {}
    for entry in entries:
        table.update(dict.fromkeys(entry.text_aliases(), (entry.name, False)))
        table.update(dict.fromkeys(entry.weak, (entry.name, True)))
    for guard in guards:
        if guard in table:
            problem = "is listed twice" if table[guard] is None else "is also an alias"
            raise RulesError(f"guard {guard!r} {problem}", path=source)
        table[guard] = None
    return table

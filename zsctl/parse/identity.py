"""What a dump's parse depends on besides its bytes: the parser version and its site's rules.

The corpus stores these (its `meta` table: `parser`, `rules:<site>`); when they differ from
what is in force, ingest re-parses the dumps they affect and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from zsctl.parse.rules import ChromeRules
from zsctl.seeds.manifest import DumpEntry

# Bump when a change to the parser changes what some dump parses to (layouts, meta lines,
# paragraph splitting): every dump is then re-parsed on the next ingest.
PARSER_VERSION = "2"
PARSER_KEY = "parser"
RULES_KEY = "rules:"


@dataclass(slots=True)
class Stale:
    """Dumps whose stored parse is out of date, and why, one sentence per cause."""

    files: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)


def identity(rules: ChromeRules, entries: list[DumpEntry]) -> dict[str, str]:
    """The meta values that describe how these dumps are parsed now."""
    out = {PARSER_KEY: PARSER_VERSION}
    for site in sorted({e.site for e in entries}):
        out[RULES_KEY + site] = rules.fingerprint(site)
    return out


def stale(
    stored: Callable[[str], str | None],
    now: dict[str, str],
    entries: list[DumpEntry],
    known: set[str],
    reparse: bool,
) -> Stale:
    """Which stored dumps (`known`) must be parsed again, given the stored meta values."""
    out = Stale()
    held = [e for e in entries if e.file in known]
    if not held:
        return out
    if reparse:
        out.files = {e.file for e in held}
        out.reasons.append(f"--reparse: {len(held)} stored dump(s) parsed again")
        return out
    before = stored(PARSER_KEY)
    if before != now[PARSER_KEY]:
        out.files = {e.file for e in held}
        out.reasons.append(
            f"parser version {before or 'unrecorded'} -> {now[PARSER_KEY]}: "
            f"{len(held)} stored dump(s) parsed again"
        )
        return out
    for site in sorted({e.site for e in held}):
        if stored(RULES_KEY + site) != now[RULES_KEY + site]:
            files = {e.file for e in held if e.site == site}
            out.files |= files
            out.reasons.append(
                f"rules for site {site!r} changed: {len(files)} dump(s) parsed again"
            )
    return out

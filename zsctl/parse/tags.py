"""The 【X招商】 tag grammar: the one place that knows what a site tag looks like.

Listing sites put a bracketed tag before a title (`【西青招商】…`); X names a district, a zone,
the city (天津招商) or another place. The layouts split it off titles, dedup strips any tag
left over, the district resolver reads X, and `--tag` filters accept it with or without
brackets.
"""

from __future__ import annotations

import re

_INSIDE = r"[^【】]"  # a tag never nests brackets
# A leading tag as the layouts split it: up to 20 characters, any word (招商, 视频, …).
LEADING = re.compile(rf"【({_INSIDE}{{1,20}})】\s*")
# A site tag still present in a title handed to dedup: it ends with 招商 and may be longer.
_SITE_TAG = re.compile(rf"^\s*【{_INSIDE}{{0,30}}招商】\s*")
SUFFIXES = ("招商引资", "招商")  # longest first: 西青招商引资 names 西青
BRACKETS = "【】[]〖〗 "  # what users type around a tag on the command line


def split_tag(title: str) -> tuple[str, str | None]:
    """Split a leading 【X】 tag off a title; returns (title, tag or None)."""
    m = LEADING.match(title)
    if not m:
        return title.strip(), None
    return title[m.end() :].strip(), m.group(1).strip()


def strip_tag(title: str) -> str:
    """Remove a leading 【…招商】 site tag (and the spaces after it) from a title."""
    return _SITE_TAG.sub("", title, count=1)


def tag_place(tag: str) -> str:
    """The place a tag names: 西青招商 -> 西青, 天津招商引资 -> 天津."""
    name = tag.strip()
    for suffix in SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def clean_tag(text: str) -> str:
    """A tag as a user typed it (`【西青招商】`, `[西青招商]`) reduced to its stored form."""
    return text.strip(BRACKETS)

"""A practical test that a chrome rule's regex runs in linear time under Python's `re`.

Python's `re` backtracks, so some patterns take quadratic or exponential time on a line built
to defeat them, and a rules file may come from anyone who can write to the seeds folder. A
full ambiguity analysis is out of reach; these four structural tests catch the shapes that
cause nearly all real blow-ups, and every packaged rule passes them:

1. no backreferences or conditional groups (`\\1`, `(?P=name)`, `(?(1)…)`): they need
   backtracking whatever the engine;
2. no lookarounds (`(?=…)`, `(?<!…)`): a rule matches a whole line, so it never needs one,
   and a repeat inside one is re-run at every position;
3. no repeat of something that itself repeats (`(a+)+`, `(\\s*x)*`, `(ab{1,3}){2,}`): the
   classic catastrophic shape; write a character class or spell the repeats out;
4. no two unbounded repeats side by side that can take the same character, with only
   optional items between them (`\\s*\\s*`, `.*\\d+`, `\\s*\\d*\\s*`): each split of a run
   between them is tried, which is quadratic;
5. no repeated alternation whose branches can begin with the same character, case folded
   (`(a|a)*`, `(a|aa)+`, `(?i:ab|AB)+`): each run can be split between the branches in
   exponentially many ways.
"""

from __future__ import annotations

import importlib
from typing import Any

# One rejection reason per shape, worded as what to do.
_WHY = {
    "backref": "uses a backreference or conditional group; rules cannot refer back",
    "lookaround": "uses a lookahead or lookbehind; a rule matches the whole line, drop it",
    "nested": (
        "repeats a group that itself repeats (like (a+)+), which can take exponential time; "
        "use a character class or write the repeats out"
    ),
    "alternation": (
        "repeats alternatives that can start with the same character (like (a|aa)+), which "
        "can take exponential time; make the branches start differently or use a class"
    ),
    "adjacent": (
        "has two unbounded repeats in a row that can match the same character (like \\s*\\s*), "
        "which takes quadratic time; merge them or put a required character between them"
    ),
}
# Characters tried when asking whether two repeats can match the same character: the
# pattern's own literals plus one of each class a rule is likely to use.
_PROBES = " \t\u3000aZ09_-:：.,，。/&=中【】"


def linear_time_problem(pattern: str) -> str | None:
    """Why the pattern could run in more than linear time, or None when it passes the tests."""
    parser: Any = importlib.import_module("re._parser")  # the parser `re` itself uses
    consts: Any = importlib.import_module("re._constants")
    try:
        tree = parser.parse(pattern)
        probes = set(_PROBES) | {chr(av) for op, av in _walk(tree, consts) if op is consts.LITERAL}
        return _check(list(tree), consts, sorted(probes), inside_repeat=False)
    except RecursionError:  # groups nested hundreds deep: no rule needs that
        return "is nested too deep to check; simplify it"


def _walk(items: Any, c: Any) -> list[tuple[Any, Any]]:
    """Every (op, argument) pair in a parsed pattern, depth first."""
    out: list[tuple[Any, Any]] = []
    for op, av in items:
        out.append((op, av))
        for sub in _children(op, av, c):
            out.extend(_walk(sub, c))
    return out


def _children(op: Any, av: Any, c: Any) -> list[Any]:
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        return [av[2]]
    if op is c.SUBPATTERN:
        return [av[3]]
    if op is c.BRANCH:
        return list(av[1])
    if op in (c.ASSERT, c.ASSERT_NOT):
        return [av[1]]
    if op is c.ATOMIC_GROUP:
        return [av]
    return []


def _check(
    items: list[Any], c: Any, probes: list[str], inside_repeat: bool, loop: set[str] | None = None
) -> str | None:
    """The first problem in one sequence of parsed items and everything below it; `loop` is
    what the innermost enclosing repeat's body begins with (what may follow its end)."""
    for i, (op, av) in enumerate(items):
        if op in (c.GROUPREF, c.GROUPREF_EXISTS):
            return _WHY["backref"]
        if op in (c.ASSERT, c.ASSERT_NOT):
            return _WHY["lookaround"]
        repeats = op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[1] > 1
        if repeats and inside_repeat:
            return _WHY["nested"]
        if repeats and av[1] is c.MAXREPEAT and _overlaps_next(items, i, c, probes):
            return _WHY["adjacent"]
        for sub in _children(op, av, c):
            body = list(sub)
            inner = (_first_chars(body, c, probes) if body else None) if repeats else loop
            found = _check(body, c, probes, inside_repeat or repeats, inner)
            if found:
                return found
        if op is c.BRANCH and inside_repeat:  # after its branches: a repeat in one is "nested"
            follow = _first_chars(items[i + 1 :], c, probes) if items[i + 1 :] else loop
            if _branches_overlap(av[1], c, probes, follow):
                return _WHY["alternation"]
    return None


def _branches_overlap(branches: Any, c: Any, probes: list[str], follow: set[str] | None) -> bool:
    """Whether two alternatives can begin with the same character (case folded; an unknown
    start counts as overlapping). An empty branch begins with what follows the group: `re`
    parses `(?:共|共计)+` as `(?:共(?:|计))+`, linear, and `(a|aa)+` as `(?:a(?:|a))+`, not."""
    starts = [_first_chars(list(b), c, probes) if list(b) else follow for b in branches]
    folded = [None if s is None else {ch.casefold() for ch in s} for s in starts]
    for i, mine in enumerate(folded):
        for theirs in folded[i + 1 :]:
            if mine is None or theirs is None or mine & theirs:
                return True
    return False


def _first_chars(items: list[Any], c: Any, probes: list[str]) -> set[str] | None:
    """The probe characters a sequence can begin with; None when that is not a plain item."""
    op, av = items[0]
    if op is c.SUBPATTERN:
        inner = list(av[3])
        return _first_chars(inner, c, probes) if inner else None
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1 and list(av[2]):
        return _first_chars(list(av[2]), c, probes)  # `\d+` begins as `\d` does
    if _is_char(op, c):
        return {ch for ch in probes if _matches(op, av, ch, c)}
    return None


def _overlaps_next(items: list[Any], i: int, c: Any, probes: list[str]) -> bool:
    """Whether an unbounded single-character repeat meets another that shares a character."""
    mine = _char_set(items[i][1][2], c, probes)
    if mine is None:
        return False
    for op, av in items[i + 1 :]:
        is_repeat = op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT)
        if is_repeat and av[1] is c.MAXREPEAT:
            theirs = _char_set(av[2], c, probes)
            if theirs is not None and mine & theirs:
                return True
        if not (is_repeat and av[0] == 0) and op is not c.AT:
            return False  # a required item between them pins the split
    return False


def _char_set(body: Any, c: Any, probes: list[str]) -> set[str] | None:
    """The probe characters a one-character repeat body matches; None for anything longer."""
    items = list(body)
    if len(items) != 1:
        return None
    op, av = items[0]
    return {ch for ch in probes if _matches(op, av, ch, c)} if _is_char(op, c) else None


def _is_char(op: Any, c: Any) -> bool:
    return bool(op in (c.LITERAL, c.NOT_LITERAL, c.ANY, c.IN, c.CATEGORY))


def _matches(op: Any, av: Any, ch: str, c: Any) -> bool:
    """Whether one parsed single-character item matches ch."""
    if op is c.LITERAL:
        return bool(ord(ch) == av)
    if op is c.NOT_LITERAL:
        return bool(ord(ch) != av)
    if op is c.ANY:
        return ch != "\n"
    if op is c.CATEGORY:
        return _category(av, ch, c)
    if op is c.RANGE:
        return bool(av[0] <= ord(ch) <= av[1])
    if op is c.IN:
        negate = bool(av) and av[0][0] is c.NEGATE
        hit = any(_matches(o, a, ch, c) for o, a in (av[1:] if negate else av))
        return hit != negate
    return True  # anything else: assume it may overlap (the safe answer)


def _category(code: Any, ch: str, c: Any) -> bool:
    tests = {
        c.CATEGORY_DIGIT: ch.isdecimal(),
        c.CATEGORY_NOT_DIGIT: not ch.isdecimal(),
        c.CATEGORY_SPACE: ch.isspace(),
        c.CATEGORY_NOT_SPACE: not ch.isspace(),
        c.CATEGORY_WORD: ch.isalnum() or ch == "_",
        c.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
    }
    return tests.get(code, True)

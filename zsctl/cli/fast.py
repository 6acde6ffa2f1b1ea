"""A Typer-free start for the plainest `zsctl list`, `show` and `grep` command lines.

Importing Typer and building its app costs about 0.25 s on a small machine, several times
what these commands themselves take. So `zsctl` first tries to parse the command line here,
from the very declarations the Typer app is built from (zsctl.cli.params.parameters), and
runs the command through the same `invoke` as the Typer app.

Only plain command lines are parsed here: exact option names, `--name=value`, arguments
anywhere between options; as in Click, the token after an option that takes a value is that
value, even `-date`. Everything else is left to Typer by returning None: --help, `--`, bundled
short flags (-ic), attached values (-n5), unknown options, a value that does not convert
exactly as Typer's would, a missing or extra argument, shell completion. So every usage error
and every less common form is Typer's, with Typer's messages; the tests hold the two parsers
to the same values on the command lines accepted here.
"""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, get_args, get_origin

from zsctl.cli.app import BY_NAME
from zsctl.cli.options import GROUPS
from zsctl.cli.params import REQUIRED, Argument, Param, parameters

# What this parser knows of a declaration; any other setting leaves the command to Typer.
_UNDERSTOOD = frozenset({"help", "metavar", "show_default", "autocompletion", "min", "max"})
_COMPLETE_VAR = "_ZSCTL_COMPLETE"  # set by the shell-completion scripts: Typer's job


def run(argv: list[str]) -> int | None:
    """Run a plain list/show/grep command line; its exit code, or None to leave it to Typer."""
    command = BY_NAME.get(argv[0]) if argv else None
    if command is None or not command.fast or _COMPLETE_VAR in os.environ:
        return None
    from zsctl.cli.invoke import invoke

    fn = command.load()
    values = parse(parameters(fn, GROUPS), argv[1:])
    if values is None:
        return None
    try:
        return invoke(fn, values)
    except KeyboardInterrupt:
        return 130  # as Typer ends on Ctrl-C: quietly, 128 + SIGINT


def parse(params: list[Param], args: list[str]) -> dict[str, Any] | None:
    """The values Typer would pass for `args`, or None if they are not plain enough."""
    if not all(_understood(p) for p in params):
        return None
    options = {name: p for p in params if not isinstance(p.spec, Argument) for name in p.spec.names}
    positional = [p for p in params if isinstance(p.spec, Argument)]
    values: dict[str, Any] = {}
    given: list[str] = []
    rest = iter(args)
    for token in rest:
        if not token.startswith("-"):
            given.append(token)
            continue
        name, eq, raw = token.partition("=") if token.startswith("--") else (token, "", "")
        p = options.get(name)
        if p is None:
            return None
        if p.type is bool:
            if eq:
                return None
            values[p.name] = True
            continue
        if not eq:
            following = next(rest, None)
            if following is None:
                return None
            raw = following
        value = _convert(p, raw)
        if value is None:
            return None
        if _is_list(p.type):
            values.setdefault(p.name, []).append(value)
        else:
            values[p.name] = value
    if len(given) != len(positional):
        return None
    for p, raw in zip(positional, given, strict=True):
        value = _convert(p, raw)
        if value is None:
            return None
        values[p.name] = value
    for p in params:
        if p.name not in values:
            if p.default is REQUIRED:
                return None
            values[p.name] = p.default
    return values


def _understood(p: Param) -> bool:
    """Whether this parser handles the parameter exactly as Typer does."""
    spec = p.spec
    if not _UNDERSTOOD.issuperset(spec.settings):
        return False
    if ("min" in spec.settings or "max" in spec.settings) and p.type is not int:
        return False
    if isinstance(spec, Argument):
        return p.default is REQUIRED and p.type is str
    if p.type is bool:
        return p.default is False and all(n.count("/") == 0 for n in spec.names)
    return bool(spec.names) and _scalar(p.type) is not None


def _is_list(t: Any) -> bool:
    return _scalar(t) is str and get_origin(_optional(t)) is list


def _optional(t: Any) -> Any:
    """T for `T | None`, else t itself."""
    if isinstance(t, UnionType):
        args = [a for a in get_args(t) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return t


def _scalar(t: Any) -> Any:
    """The type one command-line value converts to, or None if this parser does not know it."""
    t = _optional(t)
    if get_origin(t) is list:
        (t,) = get_args(t)
        return str if t is str else None
    if t in (str, int, Path) or (isinstance(t, type) and issubclass(t, Enum)):
        return t
    return None


def _convert(p: Param, raw: str) -> Any:
    """The value of `raw` for the parameter, or None where Typer might see it otherwise."""
    if not _encodable(raw):
        return None
    t = _scalar(p.type)
    if t is int:
        if not (raw.isascii() and raw.isdigit()):
            return None
        value = int(raw)
        low, high = p.spec.settings.get("min", value), p.spec.settings.get("max", value)
        return value if low <= value <= high else None  # else Typer says what the range is
    if t is Path:
        return Path(raw)
    if t is str:
        return raw
    try:
        return t(raw)  # an enum, by value: Typer's choices are the values
    except ValueError:
        return None


def _encodable(raw: str) -> bool:
    """Not holding undecodable bytes (surrogate escapes) from a non-UTF-8 command line."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True

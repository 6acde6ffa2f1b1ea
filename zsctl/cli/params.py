"""How every command declares its parameters, read without importing Typer.

Parameters are declared once, as ``Annotated[type, Option(...)]`` or ``Annotated[type,
Argument(...)]`` (the declarations shared by several commands are in zsctl.cli.options).
`Option` and `Argument` only record what they are given; the Typer app turns them into
``typer.Option``/``typer.Argument`` when it builds a command (zsctl.cli.app), and the fast path
(zsctl.cli.fast) parses plain `list`, `show` and `grep` command lines from the same declarations
without importing Typer. So this module must not import Typer either.

A parameter may also stand for a group of options that become one value: a command's
`filters: Filters` parameter is the shared filter options (see zsctl.cli.options.GROUPS).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, NamedTuple, get_args, get_origin, get_type_hints


class Option:
    """A command-line option: ``typer.Option(*names, **settings)``, made at registration."""

    __slots__ = ("names", "settings")

    def __init__(self, *names: str, **settings: Any) -> None:
        self.names = names
        self.settings = settings

    def typer(self) -> Any:
        import typer

        return typer.Option(*self.names, **self.settings)


class Argument:
    """A positional argument: ``typer.Argument(**settings)``, made at registration."""

    __slots__ = ("settings",)

    def __init__(self, **settings: Any) -> None:
        self.settings = settings

    def typer(self) -> Any:
        import typer

        return typer.Argument(**self.settings)


class Group(NamedTuple):
    """Options that one command parameter stands for, and how their values become one."""

    options: tuple[tuple[str, object], ...]  # (name, Annotated declaration)
    build: Callable[..., Any]  # the options' values, in order -> the parameter's value
    defaults: Mapping[str, Any] = {}  # an option's default when not None (e.g. False for flags)


REQUIRED = object()  # the default of a parameter that has none


class Param(NamedTuple):
    """One command-line parameter of a command, as declared."""

    name: str
    annotation: Any  # the whole Annotated[type, Option(...)]
    default: Any  # REQUIRED if none

    @property
    def type(self) -> Any:
        """The Python type, e.g. int, `list[str] | None`, SortKey."""
        return get_args(self.annotation)[0]

    @property
    def spec(self) -> Option | Argument:
        """The Option or Argument the parameter is declared with."""
        return self.annotation.__metadata__[0]  # type: ignore[no-any-return]


def parameters(fn: Callable[..., int], groups: Mapping[str, Group]) -> list[Param]:
    """A command function's command-line parameters in order, `filters` expanded.

    Read from the function's code object and type hints rather than with `inspect`, whose
    import alone costs about 10 ms of every fast `list`/`show`/`grep`.
    """
    code = fn.__code__
    names = code.co_varnames[: code.co_argcount]
    if code.co_kwonlyargcount or code.co_flags & 0x0C:  # CO_VARARGS | CO_VARKEYWORDS
        raise TypeError(f"{fn.__name__}: command parameters must be plain positional ones")
    defaults = fn.__defaults__ or ()
    firsts = (REQUIRED,) * (len(names) - len(defaults))
    # `Filters` and `Output` are imported by commands only for type checking: their modules
    # stay unimported until a command runs, so they are stood in for here.
    hints = get_type_hints(fn, localns={"Filters": object, "Output": object}, include_extras=True)
    out: list[Param] = []
    for name, default in zip(names, firsts + tuple(defaults), strict=True):
        if name in groups:
            group = groups[name]
            out += [Param(n, t, group.defaults.get(n)) for n, t in group.options]
            continue
        param = Param(name, hints[name], default)
        if get_origin(param.annotation) is not Annotated or not isinstance(
            param.spec, Option | Argument
        ):
            raise TypeError(f"{fn.__name__}({name}): declare it with Option(...) or Argument(...)")
        out.append(param)
    return out


def call(fn: Callable[..., int], values: dict[str, Any], groups: Mapping[str, Group]) -> int:
    """Call a command with its parsed parameter values; each group's options become one value.

    A group's builder may raise UsageError (a bad date or district).
    """
    values = dict(values)
    for name, group in groups.items():
        if name in fn.__code__.co_varnames[: fn.__code__.co_argcount]:
            found = [values.pop(option, None) for option, _ in group.options]
            values[name] = group.build(*found)
    return fn(**values)

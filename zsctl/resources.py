"""The packaged data files and the one YAML loader every rules file goes through."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zsctl.errors import RulesError

# A path beside this module, not importlib.resources (20 ms of imports at start-up): the
# package is always installed as files (pip, editable or not).
DATA = Path(__file__).with_name("data")


def packaged(name: str) -> tuple[str, str]:
    """A packaged data file's text and the name errors should show (zsctl/data/NAME)."""
    path = DATA / name
    return path.read_text(encoding="utf-8"), str(path)


def load_yaml(text: str, origin: str) -> Any:
    """Parse YAML safely; RulesError naming the file and line of a syntax error."""
    import yaml  # lazy: plain list/show/grep never read YAML

    try:
        # libyaml's loader when present: 5-10x faster, and --district pays it at start-up.
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RulesError(f"invalid YAML: {exc}", path=origin, line=line) from None

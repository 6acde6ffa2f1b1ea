"""The optional config file: `zsctl.toml` in the working directory, or the file $ZSCTL_CONFIG
names. It sets defaults an option or environment variable still overrides:

    seeds = "seeds"            # folder holding INDEX.md and the dumps
    corpus = "corpus/zsctl.db" # the corpus database
    threshold = 0.8            # near-duplicate threshold of ingest

Relative paths are relative to the config file's folder, so the file works from anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from zsctl.errors import UsageError

CONFIG_ENV = "ZSCTL_CONFIG"
CONFIG_NAME = "zsctl.toml"
_KEYS = {"seeds": str, "corpus": str, "threshold": float}
# A config file is a few lines; anything larger is the wrong file.
_MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Config:
    """The settings of a config file; None where it says nothing."""

    seeds: Path | None = None
    corpus: Path | None = None
    threshold: float | None = None
    path: Path | None = None  # the file they came from


def load_config() -> Config:
    """$ZSCTL_CONFIG's file (which must exist), else ./zsctl.toml if there is one."""
    named = os.environ.get(CONFIG_ENV, "").strip()
    path = Path(named) if named else Path(CONFIG_NAME)
    if not named and not path.is_file():
        return Config()
    try:
        raw = path.read_bytes()[:_MAX_BYTES]
    except OSError as exc:
        raise UsageError(
            f"cannot read config {path}: {exc.strerror}; fix ${CONFIG_ENV} or the file"
        ) from None
    return _parse(raw, path)


def _parse(raw: bytes, path: Path) -> Config:
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not a valid TOML config: {exc}") from None
    unknown = sorted(set(data) - set(_KEYS))
    if unknown:
        raise UsageError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(_KEYS)}"
        )
    for key, kind in _KEYS.items():
        value = data.get(key)
        ok = value is None or isinstance(value, kind) or (kind is float and type(value) is int)
        if not ok:
            raise UsageError(f"{path}: {key} must be a {kind.__name__}, got {value!r}")
    base = path.parent
    threshold = data.get("threshold")
    if threshold is not None and not 0.5 <= float(threshold) <= 1.0:
        raise UsageError(f"{path}: threshold must be between 0.5 and 1.0, got {threshold}")
    return Config(
        base / data["seeds"] if "seeds" in data else None,
        base / data["corpus"] if "corpus" in data else None,
        float(threshold) if threshold is not None else None,
        path,
    )

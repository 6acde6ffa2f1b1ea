"""Options shared by several commands, defined once."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_SEEDS = Path("seeds")
DEFAULT_CORPUS = Path("corpus/zsctl.db")

SeedsOpt = Annotated[
    Path,
    typer.Option("--seeds", help="Folder holding the dumps and INDEX.md.", show_default=True),
]
CorpusOpt = Annotated[
    Path | None,
    typer.Option(
        "--corpus",
        help="Corpus database (default: $ZSCTL_CORPUS or corpus/zsctl.db).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


class CheckFormat(str, Enum):
    """Output formats of `check`."""

    table = "table"
    json = "json"
    github = "github"


def corpus_path(option: Path | None) -> Path:
    """The corpus path: the option, else $ZSCTL_CORPUS, else corpus/zsctl.db."""
    if option is not None:
        return option
    env = os.environ.get("ZSCTL_CORPUS")
    return Path(env) if env else DEFAULT_CORPUS

"""Run a command function: user errors become a one-line message and an exit code.

Shared by the Typer app (zsctl.cli.app) and the fast path (zsctl.cli.fast), so a command ends
the same way whichever parsed its command line. Typer-free, like everything the fast path loads.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable
from typing import Any


def invoke(fn: Callable[..., int], values: dict[str, Any]) -> int:
    """Call the command with its parsed values; returns the exit code, never a traceback for
    a user error (0 ok, 1 problems found, 2 usage)."""
    from zsctl.cli.options import GROUPS
    from zsctl.cli.params import call
    from zsctl.errors import ZsctlError

    try:
        try:
            return call(fn, values, GROUPS) or 0
        finally:
            from zsctl.cli.output import finish

            finish()  # a pager holding output shows it now
    except ZsctlError as exc:
        from zsctl.cli.output import inert, message

        message(f"error: {inert(str(exc))}", style="red")
        return exc.exit_code
    except BrokenPipeError:
        quiet_broken_pipe()
        return 0
    except sqlite3.DatabaseError as exc:
        # A corpus damaged past its header opens, then fails mid-query.
        from zsctl.cli.output import inert, message

        message(
            f"error: corpus unreadable ({inert(str(exc))}); rebuild it with `zsctl ingest`"
            " after moving the damaged file aside",
            style="red",
        )
        return 1


def quiet_broken_pipe() -> None:
    """The reader (e.g. `head`) has gone: point stdout at /dev/null so the final flush is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())

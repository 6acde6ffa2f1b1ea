"""Run a command function: user errors become a one-line message and an exit code.

Shared by the Typer app (zsctl.cli.app) and the fast path (zsctl.cli.fast), so a command ends
the same way whichever parsed its command line. Typer-free, like everything the fast path loads.
"""

from __future__ import annotations

import errno
import os
import signal
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

    signals = _catch_signals()
    try:
        try:
            code = call(fn, values, GROUPS) or 0
            sys.stdout.flush()  # a full disk under stdout is told here, not lost at exit
            return code
        finally:
            from zsctl.cli.output import finish

            finish()  # a pager holding output shows it now
    except ZsctlError as exc:
        from zsctl.cli.output import inert, message
        from zsctl.errors import Interrupted

        message(f"error: {inert(str(exc))}", style="red")
        return 128 + _caught[-1] if isinstance(exc, Interrupted) and _caught else exc.exit_code
    except KeyboardInterrupt:
        from zsctl.cli.output import message

        message("error: interrupted", style="red")
        return 128 + (_caught[-1] if _caught else signal.SIGINT)
    except BrokenPipeError:
        quiet_broken_pipe()
        return 0
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        # A corpus damaged past its header opens, then fails mid-query; a flipped byte inside
        # a text passes SQLite's checks and fails only as it is decoded.
        from zsctl.cli.output import inert, message
        from zsctl.store.corpus import unreadable_hint

        why = "text that is not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)
        message(f"error: {unreadable_hint(inert(why))}", style="red")
        return 1
    except Exception as exc:  # a bug, not the user's doing: one line, and how to see more
        from zsctl.cli.output import inert, message

        if isinstance(exc, OSError) and exc.errno in _OUTPUT_FULL:
            message(f"error: writing the output failed: {exc.strerror}; free space and run again")
            return 1
        if isinstance(exc, OSError) and exc.strerror:  # the system's doing (EIO, EACCES, ...)
            where = f": {inert(str(exc.filename))}" if exc.filename else ""
            message(f"error: {exc.strerror}{where}", style="red")
            return 1
        if os.environ.get("ZSCTL_TRACEBACK", "") not in ("", "0"):
            raise
        message(
            f"error: internal error ({type(exc).__name__}: {inert(str(exc))[:300]}); this is a"
            " bug in zsctl, please report it with the command (ZSCTL_TRACEBACK=1 shows where)",
            style="red",
        )
        return INTERNAL_ERROR
    finally:
        _restore(signals)


# Where stdout (or stderr) goes is full: the output is incomplete, the corpus untouched.
_OUTPUT_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h): apart from 1 (problems found) and 2 (usage)


_caught: list[int] = []  # the signals that stopped the command, for its exit code
_STOPPING = (signal.SIGINT, signal.SIGTERM)


def _catch_signals() -> dict[int, Any]:
    """Ctrl-C and SIGTERM both raise KeyboardInterrupt, which every command turns into one line
    (ingest: whether the corpus changed) and exit 128 + the signal, never a traceback."""
    _caught.clear()
    try:
        return {sig: signal.signal(sig, _stop) for sig in _STOPPING}
    except ValueError:  # not the main thread: Python handles signals there only
        return {}


def _stop(signum: int, _frame: object) -> None:
    _caught.append(signum)
    raise KeyboardInterrupt


def _restore(previous: dict[int, Any]) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def quiet_broken_pipe() -> None:
    """The reader (e.g. `head`) has gone: point stdout, and stderr if it went to the same
    reader (`2>&1 | head`), at /dev/null so the final flushes are quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    if _reader_gone(sys.stderr.fileno()):
        os.dup2(devnull, sys.stderr.fileno())


def _reader_gone(fd: int) -> bool:
    """Whether `fd` is a pipe whose reading end is closed (poll reports an error on it)."""
    import select

    try:
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() here, or a closed descriptor
        return False

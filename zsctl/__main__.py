"""`zsctl` and `python -m zsctl` entry point."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; it exits with 0 ok, 1 problems found, 2 usage error.

    Plain `list`, `show` and `grep` command lines run without loading Typer (zsctl.cli.fast);
    everything else, and every usage error, goes through the Typer app.
    """
    import signal

    # Until a command runs (zsctl.cli.invoke turns these into one line), Ctrl-C or SIGTERM
    # during start-up ends zsctl quietly, not with a traceback from whatever was importing.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _interrupted_starting)
    argv = sys.argv[1:]
    try:
        from zsctl.cli.fast import run as run_fast

        code = run_fast(argv)
        if code is not None:
            sys.exit(code)
        from zsctl.cli.app import run

        run(argv)
    finally:
        # The command is over: its result is written and its message printed. A signal from
        # here on must not kill the interpreter as it shuts down (it resets the handlers to
        # the default first), which would end work that is done with no message and no code.
        signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))


def _interrupted_starting(signum: int, _frame: object) -> None:
    import os

    os.write(2, b"error: interrupted\n")
    os._exit(128 + signum)


if __name__ == "__main__":
    main()

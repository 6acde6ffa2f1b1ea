"""`zsctl` and `python -m zsctl` entry point."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; it exits with 0 ok, 1 problems found, 2 usage error.

    Plain `list`, `show` and `grep` command lines run without loading Typer (zsctl.cli.fast);
    everything else, and every usage error, goes through the Typer app.
    """
    argv = sys.argv[1:]
    from zsctl.cli.fast import run as run_fast

    code = run_fast(argv)
    if code is not None:
        sys.exit(code)
    from zsctl.cli.app import run

    run(argv)


if __name__ == "__main__":
    main()

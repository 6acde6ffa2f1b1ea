"""`zsctl` and `python -m zsctl` entry point."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line; it exits with 0 ok, 1 problems found, 2 usage error."""
    from zsctl.cli.app import run

    run(sys.argv[1:])


if __name__ == "__main__":
    main()

"""A signal that arrives after a command has finished does not change how zsctl ends."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# The command runs to the end, then SIGTERM arrives while the interpreter shuts down (an
# atexit hook sends it): the work is done, so zsctl must still exit with the command's code.
LATE_SIGNAL = """
import atexit, os, signal, sys
atexit.register(lambda: os.kill(os.getpid(), signal.SIGTERM))
sys.argv = ["zsctl", *sys.argv[1:]]
from zsctl.__main__ import main
main()
"""


def test_a_signal_after_the_command_keeps_its_exit_code() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", LATE_SIGNAL, "check", "--seeds", str(ROOT / "seeds")],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    assert "interrupted" not in proc.stderr

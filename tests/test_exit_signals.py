"""A signal that arrives after a command has finished does not change how zsctl ends."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

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


# A bug inside a command, as an unforeseen input would trigger it: a function the command
# calls is replaced by one that fails, then the real entry point runs (Typer's path and the
# fast path, which `list` takes).
BUGGY = """
import importlib, sys
def broken(*args, **kwargs):
    raise {error}
setattr(importlib.import_module("{module}"), "{function}", broken)
sys.argv = ["zsctl", *sys.argv[1:]]
from zsctl.__main__ import main
main()
"""


@pytest.mark.parametrize(
    ("module", "function", "argv"),
    [
        ("zsctl.cli.options", "corpus_path", ["log"]),
        ("zsctl.cli.options", "corpus_path", ["list"]),
        ("zsctl.seeds.check", "check_seeds", ["check"]),
    ],
)
def test_an_internal_error_is_one_line_and_exit_70(
    module: str, function: str, argv: list[str]
) -> None:
    script = BUGGY.format(module=module, function=function, error='RuntimeError("boom")')
    run = [sys.executable, "-c", script, *argv]
    proc = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 70, proc.stderr
    assert proc.stderr.startswith("error: internal error (RuntimeError: boom); this is a bug")
    assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr
    env = {**os.environ, "ZSCTL_TRACEBACK": "0"}
    proc = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert proc.returncode == 70 and "Traceback" not in proc.stderr  # 0 is off
    env = {**os.environ, "ZSCTL_TRACEBACK": "1"}
    proc = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert "Traceback" in proc.stderr and "RuntimeError: boom" in proc.stderr


def test_an_error_of_the_system_is_said_as_the_system_says_it() -> None:
    """EACCES, EIO, ... from somewhere no library call turned it into a ZsctlError: not a bug
    of zsctl, so not exit 70, and never a traceback."""
    error = 'PermissionError(13, "Permission denied", "/srv/dumps/x.txt")'
    script = BUGGY.format(module="zsctl.seeds.check", function="check_seeds", error=error)
    run = [sys.executable, "-c", script, "check"]
    proc = subprocess.run(run, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 1
    assert proc.stderr == "error: Permission denied: /srv/dumps/x.txt\n"

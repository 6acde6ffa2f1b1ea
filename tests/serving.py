"""A running `zsctl serve` for the tests: a free loopback port, JSON and HTML requests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.corpora import ENV

DB = "corpus"  # the name zsctl serve gives the database, whatever the file is called
START_TIMEOUT = 60.0  # seconds for datasette to come up on a loaded 2-core machine


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running `zsctl serve` and how to ask it things."""

    def __init__(self, proc: subprocess.Popen[str], port: int, corpus: Path) -> None:
        self.proc, self.port, self.corpus = proc, port, corpus

    def url(self, path: str, **params: str) -> str:
        query = urllib.parse.urlencode(params)
        return f"http://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def get(self, path: str, **params: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url(path, **params), timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def json(self, path: str, **params: str) -> Any:
        status, body = self.get(path, **params)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"zsctl serve exited {server.proc.returncode}: {server.proc.stderr}")
        try:
            server.get("/-/versions.json")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("zsctl serve did not answer in time")


@contextmanager
def serving(corpus: Path) -> Iterator[Server]:
    """`zsctl serve` on a free port until the block ends (killed if it is still running)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "zsctl", "serve", "--port", str(port), "--corpus", str(corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )  # fmt: skip
    running = Server(proc, port, corpus)
    try:
        wait_until_up(running)
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

"""The worker processes that parse dumps and build the gram index in parallel."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

MAX_WORKERS = 2  # the target machine has 2 cores; more processes only add memory
PARALLEL_THRESHOLD = 16  # below this many dumps, worker start-up costs more than it saves


@contextmanager
def worker_pool(dumps: int) -> Iterator[Executor | None]:
    """Worker processes for parsing and indexing, started now, while this process is small.

    Started later, each forked worker would count the ingest's memory (~1 GB at 100,000
    articles) again in its own RSS; spawned ones would re-import the caller's main module.
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if workers < 2 or dumps < PARALLEL_THRESHOLD:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor

    # Ctrl-C and SIGTERM wait until the workers are forked: raised inside fork's handlers
    # (logging's locks) they print "Exception ignored" tracebacks. The pool's thread keeps
    # them blocked, so they always reach this one.
    stopping = {signal.SIGINT, signal.SIGTERM}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        pool = ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(os.getpid(),))
        # ProcessPoolExecutor forks on first use; make that now, not after the clustering.
        list(pool.map(abs, range(workers)))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    try:
        yield pool
    except BaseException:
        # Ctrl-C, SIGTERM or an error: drop the dumps still queued (an ingest of thousands
        # would otherwise parse them all before it could stop); running chunks finish.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _worker_init(parent: int) -> None:
    """In a worker: leave Ctrl-C to the parent, and die with it rather than linger as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # one message from the parent, no tracebacks
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})  # blocked while forking
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)

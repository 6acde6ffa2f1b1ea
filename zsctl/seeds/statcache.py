"""Recognising an unchanged dump without reading it, by its stat fields (as git's index does)."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

RACY_NS = 2_000_000_000  # a file this recently modified is re-hashed next time regardless


def stat_key(path: Path | str) -> str | None:
    """Size, mtime, ctime, inode and device of a regular file, if they can vouch it is unchanged.

    As git's index does, all five are compared: `touch -d` or `cp -p` can restore an mtime, but
    not a ctime or an inode. A file changed in the last two seconds is not vouched for: it could
    be written again within the clock's resolution without any of them changing.
    """
    try:
        st = os.lstat(path)  # a symlink is not vouched for: dumps are read without following one
    except OSError:
        return None
    return stat_key_of(st)


def stat_key_of(st: os.stat_result) -> str | None:
    """stat_key of fields already taken (the fstat of the descriptor a dump was read from)."""
    if not stat.S_ISREG(st.st_mode):
        return None
    if time.time_ns() - st.st_mtime_ns < RACY_NS:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"

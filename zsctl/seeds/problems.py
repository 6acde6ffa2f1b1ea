"""Problems that `check` reports: one type for manifest, decode and parse findings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One finding: a stable code, where it is, and a message a person can act on."""

    file: str
    line: int | None
    code: str
    message: str
    severity: str = "error"  # "error" fails `check`; "warning" is reported only

    def location(self) -> str:
        """`file:line` or just `file`."""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

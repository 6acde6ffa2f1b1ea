"""Exception hierarchy: every error a user can cause is a ZsctlError with an actionable message."""

from __future__ import annotations


class ZsctlError(Exception):
    """Base class for errors a person can act on; the CLI prints them without a traceback."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"


class UsageError(ZsctlError):
    """Bad option value from the user (bad date, unknown district, bad regex); exit code 2."""

    exit_code = 2


class ManifestError(ZsctlError):
    """seeds/INDEX.md is missing or malformed."""


class DecodeError(ZsctlError):
    """A dump's bytes cannot be decoded to text."""


class RulesError(ZsctlError):
    """A packaged YAML rules file (chrome rules, gazetteer) is invalid."""


class CorpusError(ZsctlError):
    """The corpus database is missing, locked, corrupt or of an unknown schema."""


class NotFoundError(UsageError):
    """An article id or prefix matches nothing, or more than one article."""


class DumpTooLargeError(DecodeError):
    """A dump is over the size or line limit; it is refused before it is read or split."""


class DumpReadError(ZsctlError):
    """A dump cannot be read: missing, not a regular file, or an I/O error."""


class DumpChangedError(DumpReadError):
    """A dump changed while it was read, or is not the one INDEX.md (or the corpus) knows."""


class Interrupted(ZsctlError):
    """SIGINT or SIGTERM stopped the command; the CLI exits 128 + the signal's number."""

    exit_code = 130

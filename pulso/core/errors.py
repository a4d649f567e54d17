"""The one family of errors a person sees: each renders as a single line.

``PulsoError`` is what every layer raises for a problem the user can act on;
the command line prints ``one_line()`` and exits 2, the dashboard shows it as a
message. Anything else reaching the top is a bug.
"""

from __future__ import annotations


class PulsoError(Exception):
    """A problem the user can fix, said in one line."""

    def one_line(self) -> str:
        return " ".join(str(self).split())


class InputError(PulsoError):
    """Bad input (a file, a row, a value, a limit) or a load that cannot finish (a full disk, a read-only folder):
    ``FILE, row N: problem`` -- the file and the row when it knows them, the problem in the user's terms. Every
    failure of ``pulso ingest`` is one of these (``pipelines.errors.IngestError``)."""

    def __init__(self, file: str | None, problem: str, line: int | None = None):
        self.file = file
        self.line = line
        self.problem = problem
        super().__init__(self.one_line())

    def one_line(self) -> str:
        problem = " ".join(str(self.problem).split())
        where = [self.file] if self.file else []
        if self.line is not None:
            where.append(f"row {self.line}")
        return f"{', '.join(where)}: {problem}" if where else problem


class SettingsError(PulsoError):
    """The organisation settings file is missing or malformed."""


class ParameterError(PulsoError):
    """A metric parameter, period or filter value that is not allowed."""


class StoreMissing(PulsoError, FileNotFoundError):
    """No store at that path: nothing has been loaded yet."""


class AccessDenied(PulsoError):
    """The viewer's rights do not cover what was asked ("sin acceso"): a person-level list for a viewer with
    aggregates only, a filter or breakdown that could single out a small group, a private group.

    ``reason`` is a key the dashboard translates (``access_<reason>``); ``str()`` is the English line."""

    def __init__(self, reason: str, message: str, **details: object):
        self.reason = reason
        self.details = details
        super().__init__(message)


class Suppressed(AccessDenied):
    """The figure would be over fewer than k people (or could be combined with others to single out such a
    group): it is withheld for viewers without person-level rights."""

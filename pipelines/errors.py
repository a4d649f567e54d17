"""Errors that stop a load. Each renders as one line naming file, row and problem."""

from __future__ import annotations


class IngestError(Exception):
    """A load that cannot go on. The store is left exactly as it was."""

    def __init__(self, file: str | None, problem: str, line: int | None = None):
        self.file = file
        self.line = line
        self.problem = problem
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = self.file or "(input)"
        if self.line is not None:
            where += f", row {self.line}"
        return f"{where}: {self.problem}"

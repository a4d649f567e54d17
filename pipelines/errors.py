"""Errors that stop a load. Each renders as one line naming file, row and problem."""

from __future__ import annotations

from pulso.core.errors import InputError


class IngestError(InputError):
    """A load that cannot go on. The store is left exactly as it was."""

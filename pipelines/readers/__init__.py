"""Readers: the only code that knows an external format.

A reader is an object with ``name``, ``description``, ``detect(path) -> bool``
and ``read(path, stage) -> None``; it puts canonical rows into the
:class:`~pipelines.staging.Stage` and declares the facts its format supplies.
Register a new reader by adding it to ``READERS`` (first match wins, so the
most specific detectors come first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pipelines.errors import IngestError
from pipelines.staging import Stage


class Reader(Protocol):
    name: str
    description: str

    def detect(self, path: Path) -> bool: ...

    def read(self, path: Path, stage: Stage) -> None: ...


def all_readers() -> list[Reader]:
    from pipelines.readers.directory import DirectoryReader
    from pipelines.readers.m365 import M365Reader
    from pipelines.readers.pulso_format import PulsoFormatReader
    from pipelines.readers.slack import SlackReader
    from pipelines.readers.stackexchange import StackExchangeReader
    from pipelines.readers.teams import TeamsReader
    from pipelines.readers.yammer import YammerReader

    return [DirectoryReader(), YammerReader(), M365Reader(), TeamsReader(), SlackReader(), StackExchangeReader(),
            PulsoFormatReader()]


def reader_named(name: str) -> Reader:
    for reader in all_readers():
        if reader.name == name:
            return reader
    known = ", ".join(r.name for r in all_readers())
    raise IngestError(None, f"unknown format {name!r} (known: {known})")


def detect_reader(path: Path) -> Reader:
    if not path.exists():
        raise IngestError(str(path), "no such file or folder")
    for reader in all_readers():
        if reader.detect(path):
            return reader
    if path.is_dir() or path.name.lower().endswith(".zip"):
        from pipelines.readers.archive import Archive

        with Archive(path):  # a link out of the folder, an unsafe or repeated member: say that, not "unknown"
            pass
    if path.is_file() and path.name.lower().endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        from pipelines.readers.directory import directory_hint

        hint = directory_hint(path)
        if hint is not None:
            raise hint
    known = ", ".join(r.name for r in all_readers())
    raise IngestError(str(path), f"unknown format: no reader recognises it (known formats: {known}); "
                                 f"name one with --format")

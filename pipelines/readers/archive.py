"""A folder or a .zip, opened the same way: list member names, read a member as
bytes or UTF-8 text, and name a member for messages ("export.zip!Messages.csv").

Member names use '/' separators and are relative to the folder or zip root.
Every failure (damaged or truncated zip, unreadable member, bad UTF-8) raises
one :class:`~pipelines.errors.IngestError` naming the member.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from pipelines.errors import IngestError


def is_zip(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(".zip")


def zip_member_names_from_bytes(path: Path, limit: int = 1 << 20) -> list[str]:
    """Best-effort member names of a damaged zip, read from the local file headers
    in its first ``limit`` bytes (a truncated zip has lost its central directory but
    not the headers before the cut). Used by detectors only."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit)
    except OSError:
        return []
    names, at = [], data.find(b"PK\x03\x04")
    while 0 <= at and at + 30 <= len(data):
        name_len = int.from_bytes(data[at + 26:at + 28], "little")
        names.append(data[at + 30:at + 30 + name_len].decode("utf-8", "replace"))
        at = data.find(b"PK\x03\x04", at + 30 + name_len)
    return names


class Archive:
    """Read-only view of a folder or a zip file. Use as a context manager."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._zip: zipfile.ZipFile | None = None
        if is_zip(self.path):
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise IngestError(str(self.path), f"not a readable zip file (damaged or truncated): {exc}") from exc
        elif not self.path.is_dir():
            raise IngestError(str(self.path), "expected a folder or a .zip file")

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def names(self) -> list[str]:
        """Every file inside, sorted."""
        if self._zip is not None:
            return sorted(i.filename for i in self._zip.infolist() if not i.is_dir())
        return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file())

    def find(self, basename: str) -> str | None:
        """The shallowest member whose file name equals ``basename`` (case ignored)."""
        matches = [n for n in self.names() if n.rsplit("/", 1)[-1].lower() == basename.lower()]
        return min(matches, key=lambda n: (n.count("/"), n)) if matches else None

    def display(self, name: str) -> str:
        if self._zip is not None:
            return f"{self.path.name}!{name}"
        return str(self.path / name)

    def read_bytes(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(name)
            return (self.path / name).read_bytes()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError) as exc:
            raise IngestError(self.display(name), f"cannot read (damaged or truncated archive?): {exc}") from exc

    def read_text(self, name: str) -> str:
        """The member as text: UTF-8, with or without a byte-order mark. Bad bytes
        raise an IngestError naming the line they are on."""
        data = self.read_bytes(name)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise IngestError(self.display(name), f"not UTF-8 text (byte 0x{data[exc.start]:02x}; "
                                                   f"re-save the file as UTF-8)", line) from exc


def csv_records(text: str, display: str):
    """(header, records) of CSV text; records yields (line, values) where line is
    the physical line the record starts on (1 = header). A malformed CSV (an
    unclosed quote...) raises an IngestError; an empty text raises one too."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise IngestError(display, f"malformed CSV: {exc}", 1) from exc
    if not header or not any(h.strip() for h in header):
        raise IngestError(display, "empty file: a header row is required", 1)

    def records():
        start = reader.line_num + 1
        try:
            for values in reader:
                yield start, values
                start = reader.line_num + 1
        except csv.Error as exc:
            raise IngestError(display, f"malformed CSV: {exc}", start) from exc

    return [h.strip() for h in header], records()


def zip_names(path: Path) -> list[str]:
    """Member names of a zip; of a damaged one, the names that can still be read (detection
    then picks the right reader, whose ``read`` says what is wrong)."""
    try:
        with Archive(path) as archive:
            return archive.names()
    except IngestError:
        return zip_member_names_from_bytes(path)

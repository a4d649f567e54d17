"""A folder or a .zip, opened the same way: list member names, read a member as
bytes or UTF-8 text, and name a member for messages ("export.zip!Messages.csv").

Member names use '/' separators and are relative to the folder or zip root.
Every failure (damaged or truncated zip, unreadable member, bad UTF-8) raises
one :class:`~pipelines.errors.IngestError` naming the member.

What is read is checked against the load's limits (:mod:`pipelines.limits`): the
number of files in a zip, each member's size (its declared size is checked before
anything is decompressed, and reading stops at the limit whatever it declares) and
the load's total. Member names are validated (a name given twice, an absolute name
or one going up with '..' stops the load), and a folder is read without following
links out of it.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from pipelines.errors import IngestError
from pipelines.limits import Budget, LimitedStream


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


def unsafe_name(name: str) -> bool:
    """An absolute member name, a drive letter, or one going up with '..'."""
    if not name or name.startswith(("/", "\\")) or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in PurePosixPath(name.replace("\\", "/")).parts


def inside(root: Path, path: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def folder_files(root: Path) -> list[str]:
    """Every file under ``root`` as a '/'-separated relative name, without following links out of ``root``: a link
    to a file outside stops the load; links to folders are not descended (a link inside points at files that are
    listed anyway, one outside stops the load)."""
    real_root = root.resolve()
    found = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        for name in list(dirs):
            link = here / name
            if link.is_symlink():
                target = link.resolve()
                if not inside(real_root, target):
                    raise IngestError(str(link), f"a link to a folder outside the export folder ({target}): "
                                                 f"not followed")
                dirs.remove(name)
        for name in files:
            path = here / name
            if path.is_symlink():
                target = path.resolve()
                if not inside(real_root, target):
                    raise IngestError(str(path), f"a link to a file outside the export folder ({target}): "
                                                 f"not followed")
                if not target.is_file():
                    continue
            found.append(path.relative_to(root).as_posix())
    return sorted(found)


class Archive:
    """Read-only view of a folder or a zip file. Use as a context manager."""

    def __init__(self, path: Path, budget: Budget | None = None):
        self.path = Path(path)
        self.budget = budget or Budget()
        self._zip: zipfile.ZipFile | None = None
        self._names: list[str]
        if is_zip(self.path):
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise IngestError(str(self.path), f"not a readable zip file (damaged or truncated): {exc}") from exc
            self._names = self._zip_names()
        elif self.path.is_dir():
            self._names = folder_files(self.path)
        else:
            raise IngestError(str(self.path), "expected a folder or a .zip file")

    def _zip_names(self) -> list[str]:
        limit = self.budget.limits.archive_files
        infos = [i for i in self._zip.infolist() if not i.is_dir()]
        if len(infos) > limit:
            raise IngestError(str(self.path), f"{len(infos):,} files inside, over the limit of {limit:,} files per "
                                              f"archive ([limits] archive_files = {limit})")
        seen: set[str] = set()
        for info in infos:
            if unsafe_name(info.filename):
                raise IngestError(self.display(info.filename), "unsafe member name (absolute, or going up with '..')")
            if info.filename.lower().endswith(".zip"):
                raise IngestError(self.display(info.filename), "a zip inside the zip: Pulso does not open nested "
                                                               "archives (unpack it and load its content)")
            if info.filename in seen:
                raise IngestError(self.display(info.filename), "appears twice in the zip; which copy is the export "
                                                               "cannot be told")
            seen.add(info.filename)
        return sorted(seen)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def names(self) -> list[str]:
        """Every file inside, sorted."""
        return list(self._names)

    def find(self, basename: str) -> str | None:
        """The shallowest member whose file name equals ``basename`` (case ignored)."""
        matches = [n for n in self._names if n.rsplit("/", 1)[-1].lower() == basename.lower()]
        return min(matches, key=lambda n: (n.count("/"), n)) if matches else None

    def display(self, name: str) -> str:
        if self._zip is not None:
            return f"{self.path.name}!{name}"
        return str(self.path / name)

    def size(self, name: str) -> int:
        """The member's (declared, for a zip) size in bytes."""
        if self._zip is not None:
            return self._zip.getinfo(name).file_size
        return (self.path / name).stat().st_size

    def read_bytes(self, name: str, parsed: bool = True) -> bytes:
        """The whole member, within the limits (``parsed``: a file the reader holds whole in memory)."""
        display = self.display(name)
        try:
            if self._zip is not None:
                info = self._zip.getinfo(name)
                with self._zip.open(info) as stream:
                    return self.budget.read_stream(display, stream, parsed, declared=info.file_size)
            path = self.path / name
            self.budget.check_file(display, path.stat().st_size, parsed)
            data = path.read_bytes()
            self.budget.take(display, len(data))
            return data
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError, ValueError) as exc:
            raise IngestError(display, f"cannot read (damaged or truncated archive?): {exc}") from exc

    def head(self, name: str, size: int = 65536) -> bytes:
        """The first ``size`` bytes of a member (for detection): never the whole member."""
        try:
            if self._zip is not None:
                with self._zip.open(name) as stream:
                    return stream.read(size)
            with open(self.path / name, "rb") as handle:
                return handle.read(size)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError, ValueError):
            return b""

    def open(self, name: str, parsed: bool = False):
        """A binary stream of the member, checked against the limits as it is read."""
        display = self.display(name)
        try:
            if self._zip is not None:
                info = self._zip.getinfo(name)
                self.budget.check_file(display, info.file_size, parsed, decompressed=True)
                return LimitedStream(self._zip.open(info), display, self.budget, parsed)
            path = self.path / name
            self.budget.check_file(display, path.stat().st_size, parsed)
            return LimitedStream(open(path, "rb"), display, self.budget, parsed)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError, ValueError) as exc:
            raise IngestError(display, f"cannot read (damaged or truncated archive?): {exc}") from exc

    def read_text(self, name: str) -> str:
        """The member as text: UTF-8, with or without a byte-order mark. Bad bytes
        raise an IngestError naming the line they are on."""
        data = self.read_bytes(name)
        return decode_text(data, self.display(name))


def decode_text(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise IngestError(display, f"not UTF-8 text (byte 0x{data[exc.start]:02x}; "
                                   f"re-save the file as UTF-8)", line) from exc


def csv_records(text: str, display: str, budget: Budget | None = None):
    """(header, records) of CSV text; records yields (line, values) where line is
    the physical line the record starts on (1 = header). A malformed CSV (an
    unclosed quote...) raises an IngestError; an empty text raises one too; so do rows and values over the
    limits (:func:`pipelines.limits.csv_rows`)."""
    from pipelines.limits import csv_rows

    rows = csv_rows(text, display, budget or Budget())
    first = next(rows, None)
    header = first[1] if first else None
    if not header or not any(h.strip() for h in header):
        raise IngestError(display, "empty file: a header row is required", 1)
    return [h.strip() for h in header], rows


def zip_names(path: Path) -> list[str]:
    """Member names of a zip; of a damaged one, the names that can still be read (detection
    then picks the right reader, whose ``read`` says what is wrong)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sorted({i.filename for i in archive.infolist() if not i.is_dir()})
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return zip_member_names_from_bytes(path)

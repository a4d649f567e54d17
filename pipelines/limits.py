"""The limits of a load ([limits] in the settings), checked in one place.

Every reader reads through these checks: the size of each file (after decompression) and of the whole load, the
size of one row and of one value, the nesting depth of JSON and XML. Going over a limit stops the load with one
:class:`~pipelines.errors.IngestError` naming the file, the row when there is one, and the limit with the setting
that raises it. A :class:`Budget` is shared by the readers of one load; readers that run outside a load
(detection) use the packaged limits.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator

from pipelines.errors import IngestError
from pulso.core.settings import Limits

CHUNK = 1 << 20


def _setting(limits: Limits, key: str) -> str:
    return f"([limits] {key} = {getattr(limits, key)})"


class Budget:
    """The bytes one load has read so far, against the per-file and per-load limits."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self.used = 0

    # ---- files -----------------------------------------------------------------------------------------------
    def check_file(self, display: str, size: int, parsed: bool = False, decompressed: bool = False) -> None:
        """Refuse a file of ``size`` bytes (before reading it when the size is known)."""
        limits = self.limits
        what = " once decompressed" if decompressed else ""
        if size > limits.file_bytes:
            raise IngestError(display, f"{size:,} bytes{what}, over the limit of {limits.file_bytes:,} bytes per file "
                                       f"{_setting(limits, 'file_mb')}")
        if parsed and size > limits.parsed_file_bytes:
            raise IngestError(display, f"{size:,} bytes{what}, over the limit of {limits.parsed_file_bytes:,} bytes "
                                       f"for a file read whole in memory {_setting(limits, 'parsed_file_mb')}")

    def take(self, display: str, size: int) -> None:
        """Count ``size`` more bytes against the whole load."""
        self.used += size
        if self.used > self.limits.load_bytes:
            raise IngestError(display, f"the files read add up to more than {self.limits.load_bytes:,} bytes in this "
                                       f"load {_setting(self.limits, 'load_mb')}")

    def file_limit(self, parsed: bool) -> int:
        return min(self.limits.file_bytes, self.limits.parsed_file_bytes) if parsed else self.limits.file_bytes

    def read_stream(self, display: str, stream, parsed: bool, declared: int | None = None) -> bytes:
        """Read a (decompressing) stream whole, stopping as soon as it passes the file limit."""
        if declared is not None:
            self.check_file(display, declared, parsed, decompressed=True)
        limit = self.file_limit(parsed)
        parts, size = [], 0
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                self.check_file(display, size, parsed, decompressed=True)
            parts.append(chunk)
        self.take(display, size)
        return b"".join(parts)

    def scan_text_file(self, display: str, path, gzipped: bool) -> int:
        """One pass over a text file that a DuckDB scan will read (CSV, JSON Lines): its size once decompressed
        (refused past the file limit as soon as it gets there) and its longest line (a line over the row limit
        stops the load here, naming it: DuckDB would silently return no rows for a line longer than its buffer).
        Returns the decompressed size."""
        limit, row_limit = self.limits.file_bytes, self.limits.row_bytes
        size, line, run, separator = 0, 1, 0, None
        try:
            with open(path, "rb") as handle:
                inflate = zlib.decompressobj(wbits=47) if gzipped else None
                while True:
                    raw = handle.read(CHUNK)
                    if not raw:
                        break
                    pieces = []
                    if inflate is None:
                        pieces.append(raw)
                    else:
                        while raw:
                            pieces.append(inflate.decompress(raw, CHUNK))
                            raw = inflate.unconsumed_tail
                            if inflate.eof and inflate.unused_data:  # a further gzip member
                                raw = inflate.unused_data
                                inflate = zlib.decompressobj(wbits=47)
                    for chunk in pieces:
                        if not chunk:
                            continue
                        size += len(chunk)
                        if size > limit:
                            self.check_file(display, size, decompressed=gzipped)
                        if separator is None:
                            separator = b"\n" if b"\n" in chunk or b"\r" not in chunk else b"\r"
                        first = chunk.find(separator)
                        if first < 0:
                            run += len(chunk)
                        else:
                            if run + first > row_limit:
                                self.check_row(display, line, run + first)
                            line += chunk.count(separator)
                            run = len(chunk) - chunk.rfind(separator) - 1
                        if run > row_limit:
                            self.check_row(display, line, run)
                if inflate is not None and not inflate.eof:
                    raise IngestError(display, "damaged or truncated compressed file")
        except (zlib.error, EOFError) as exc:
            raise IngestError(display, "damaged or truncated compressed file") from exc
        return size

    # ---- rows and values -------------------------------------------------------------------------------------
    def check_row(self, display: str, line: int | None, size: int) -> None:
        if size > self.limits.row_bytes:
            raise IngestError(display, f"a row of {size:,} bytes, over the limit of {self.limits.row_bytes:,} bytes "
                                       f"per row {_setting(self.limits, 'row_kb')}", line)

    def check_value(self, display: str, line: int | None, column: str, size: int) -> None:
        if size > self.limits.field_bytes:
            raise IngestError(display, f"column {column}: a value of {size:,} bytes, over the limit of "
                                       f"{self.limits.field_bytes:,} bytes per value {_setting(self.limits, 'field_kb')}",
                              line)

    def check_record(self, display: str, line: int | None, values: list[str], header: list[str] | None = None) -> None:
        """A CSV record: its size and each value's (characters are at most 4 bytes: exact bytes only when near)."""
        total = sum(len(v) for v in values) + len(values)
        if total * 4 > self.limits.row_bytes:
            self.check_row(display, line, sum(len(v.encode("utf-8")) for v in values) + len(values))
        for k, value in enumerate(values):
            if len(value) * 4 > self.limits.field_bytes:
                name = header[k] if header and k < len(header) else f"#{k + 1}"
                self.check_value(display, line, name, len(value.encode("utf-8")))

    def depth_problem(self, display: str, line: int | None = None) -> IngestError:
        return IngestError(display, f"nested deeper than {self.limits.depth} levels {_setting(self.limits, 'depth')}",
                           line)

    # ---- JSON ------------------------------------------------------------------------------------------------
    def load_json(self, display: str, text: str):
        """``json.loads`` with the depth limit: one line instead of a RecursionError, and a record (an element of
        the top-level list, or of a Graph page's ``value``) nested deeper than the limit names its position."""
        try:
            value = json.loads(text)
        except RecursionError:
            raise self.depth_problem(display) from None
        position = deep_position(value, self.limits.depth)
        if position is not None:
            raise self.depth_problem(display, position or None)
        return value


def deep_position(value: object, limit: int) -> int | None:
    """None when ``value`` nests at most ``limit`` levels; else the 1-based position of the first too-deep record
    (element of a top-level list, or of a top-level object's ``value`` list), or 0 when it is not in one."""
    records = value if isinstance(value, list) else value.get("value") if isinstance(value, dict) else None
    if not isinstance(records, list):
        records = None
    stack: list[tuple[object, int, int]] = [(value, 1, 0)]
    while stack:
        item, depth, position = stack.pop()
        if depth > limit:
            return position
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        for k, child in enumerate(children, 1):
            if isinstance(child, (dict, list)):
                if item is records:
                    stack.append((child, depth + 1, k))
                else:
                    stack.append((child, depth + 1, position))
    return None


class LimitedStream(io.RawIOBase):
    """A binary stream that stops with one line past the file limit and counts what it gives against the load
    (wrap it in ``io.BufferedReader`` / ``io.TextIOWrapper`` to read text)."""

    def __init__(self, stream, display: str, budget: Budget, parsed: bool):
        super().__init__()
        self.stream, self.display, self.budget, self.parsed = stream, display, budget, parsed
        self.size = 0
        self.limit = budget.file_limit(parsed)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.size += n
        if self.size > self.limit:
            self.budget.check_file(self.display, self.size, self.parsed, decompressed=True)
        self.budget.take(self.display, n)
        return n

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            super().close()


def type_name(value: object) -> str:
    """How a JSON value's type is said in a reason: a string, a number, a list, an object, a boolean, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# ---- CSV read in Python -------------------------------------------------------------------------------------------

def csv_field_limit(budget: Budget) -> None:
    """Let the csv module read values up to the row limit (our own checks name the limit)."""
    csv.field_size_limit(max(budget.limits.row_bytes + 1, 131072))


def csv_rows(text_or_stream, display: str, budget: Budget, header_line: bool = True
             ) -> Iterator[tuple[int, list[str]]]:
    """(line, values) of every CSV record, line = the physical line it starts on (1 = the header). Stops with one
    line at a quote never closed (it would fold every later line into one value), at a record that spans several
    lines because of a stray quote and so has the wrong number of fields, and at a row or value over the limits.
    The first yielded record is the header."""
    csv_field_limit(budget)
    stream = io.StringIO(text_or_stream, newline="") if isinstance(text_or_stream, str) else text_or_stream
    reader = csv.reader(stream, strict=True)
    start = 1
    width = None
    try:
        for values in reader:
            end = reader.line_num
            budget.check_record(display, start, values)
            if width is None:
                width = len(values)
            elif values and len(values) != width and end > start and any("\n" in v or "\r" in v for v in values):
                raise IngestError(display, f"a quoted value opened here runs over {end - start + 1} lines and leaves "
                                           f"{len(values)} fields instead of {width}: a quote is never closed", start)
            yield start, values
            start = end + 1
    except csv.Error as exc:
        text = str(exc)
        if "unexpected end of data" in text:
            raise IngestError(display, "a quoted value is never closed (it runs to the end of the file)", start) \
                from None
        if "field larger than field limit" in text:
            budget.check_row(display, start, budget.limits.row_bytes + 1)
        if "new-line character seen in unquoted field" in text:
            raise IngestError(display, "a carriage return inside a value (mixed line ends): re-save the file with "
                                       "normal line ends", start) from None
        raise IngestError(display, f"malformed CSV: {text}", start) from None

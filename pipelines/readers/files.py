"""Shared file handling for readers: DuckDB scans of CSV, JSON Lines and Parquet
(gzip accepted) that turn DuckDB's parse errors into one-line IngestErrors in the
user's terms, naming the right row (when DuckDB's own message gives none, or gives
it in its own wording, the file is read once more in Python to find the row)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from pathlib import Path

import duckdb

from pipelines.errors import IngestError

# DuckDB errors that mean "this file is not what it claims to be" (anything else is a bug).
PARSE_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException,
                duckdb.NotImplementedException)

SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".parquet")
HEAD_BYTES = 1 << 16


def file_kind(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix.split(".")[1].replace("ndjson", "jsonl")
    return None


def stem(path: Path) -> str:
    name = path.name
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def open_text(path: Path):
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", newline="")


def first_line(path: Path) -> bytes:
    """The file's first line without its end (a line ends at LF, CR LF or a lone CR)."""
    try:
        with open_binary(path) as raw:
            head = raw.read(HEAD_BYTES)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise IngestError(str(path), "damaged or truncated compressed file") from exc
    except OSError as exc:
        raise IngestError(str(path), f"cannot read the file: {exc}", 1) from exc
    if b"\r\r\n" in head[: head.find(b"\n") + 1 if b"\n" in head else len(head)]:
        raise IngestError(str(path), "a line ends in CR CR LF (a carriage return too many, e.g. a file converted "
                                     "twice): re-save it with normal line ends", 1)
    return re.split(rb"\r\n|\n|\r", head, maxsplit=1)[0]


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV (a UTF-8 byte-order mark is accepted; LF, CR LF or CR line ends). Only the first
    line is decoded here; the rows are checked by the scan that reads them."""
    first = first_line(path)
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})", 1) from exc
    try:
        row = next(csv.reader([text]), None)
    except csv.Error as exc:
        raise IngestError(str(path), f"malformed CSV header: {exc}", 1) from exc
    if not row or not any(c.strip() for c in row):
        raise IngestError(str(path), "empty file: a header row is required", 1)
    delimiter_hint(path, row)
    return [c.strip() for c in row]


def delimiter_hint(path: Path, header: list[str]) -> None:
    """A header read as one column that holds ';' or tabs: the file uses another delimiter."""
    if len(header) == 1:
        for mark, name in ((";", "';'"), ("\t", "tabs")):
            if header[0].count(mark) >= 1:
                raise IngestError(str(path), f"the columns are separated by {name}: Pulso reads comma-separated CSV "
                                             f"(re-save it with commas)", 1)


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        return [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise IngestError(str(path), f"not a readable Parquet file: {_first_line(exc)}") from exc


def jsonl_columns(path: Path) -> list[str]:
    """Keys of the first record of a JSON Lines file."""
    number = 0
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    record = json.loads(line)
                    if not isinstance(record, dict):
                        raise IngestError(str(path), "each line must be a JSON object", number)
                    return list(record)
    except UnicodeDecodeError as exc:
        raise IngestError(str(path), f"not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise IngestError(str(path), f"malformed JSON: {exc.msg}", number) from exc
    except RecursionError:
        raise IngestError(str(path), "nested too deeply", number) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(str(path), "damaged or truncated compressed file" if isinstance(exc, (EOFError, zlib.error,
                                                                                                 gzip.BadGzipFile))
                          else f"cannot read the file: {exc}") from exc
    return []


def jsonl_blank_line(path: Path) -> bool:
    """Does a JSON Lines file have an empty line before a record? (DuckDB skips empty lines, so its row numbers
    would no longer be line numbers.)"""
    seen_blank = False
    try:
        with open_binary(path) as raw:
            for line in raw:
                if line.strip():
                    if seen_blank:
                        return True
                else:
                    seen_blank = True
    except (OSError, EOFError, zlib.error):
        return False
    return False


def scan_sql(kind: str, columns: dict[str, str], row_bytes: int = 4 << 20) -> str:
    """A DuckDB table function call for one file (the path is parameter 1) adding ``_line``."""
    if kind == "csv":
        spec = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in columns) + "}"
        return (f"SELECT *, row_number() OVER () + 1 AS _line FROM read_csv(?, header = true, delim = ',', "
                f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
                f"encoding = 'utf-8', columns = {spec}, auto_detect = false, max_line_size = {int(row_bytes)})")
    if kind == "jsonl":
        spec = "{" + ", ".join(f"'{name}': '{typ}'" for name, typ in columns.items()) + "}"
        return (f"SELECT *, row_number() OVER () AS _line FROM read_json(?, format = 'newline_delimited', "
                f"columns = {spec})")
    if kind == "parquet":
        return "SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _line FROM read_parquet(?, file_row_number = true)"
    raise ValueError(kind)


LINE_PATTERNS = (re.compile(r"CSV Error on Line: (\d+)"), re.compile(r"in line (\d+)"), re.compile(r"line (\d+)"))
ROW_SIZE = re.compile(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+) bytes")


def duckdb_error_to_ingest(path: Path, exc: duckdb.Error, kind: str = "csv", row_bytes: int = 4 << 20) -> IngestError:
    """One line from a DuckDB parse error: file, row and the problem in the user's terms. JSON errors and errors
    DuckDB gives without a row (or in its own wording only) are located by reading the file in Python."""
    text = str(exc)
    if kind == "jsonl":
        found = locate_jsonl_problem(path)
        if found:
            return found
    size = ROW_SIZE.search(text)
    if size:
        line = _line_of(text)
        return IngestError(str(path), f"a row of {int(size.group(2)):,} bytes, over the limit of {row_bytes:,} bytes "
                                      f"per row ([limits] row_kb = {row_bytes >> 10})", line)
    line = _line_of(text)
    problem = _problem_text(text)
    if problem is None or line is None:
        if kind == "csv":
            found = locate_csv_problem(path)
            if found:
                return found
        problem = problem or "unreadable file (not the CSV / JSON Lines Pulso expects)"
    return IngestError(str(path), problem, line)


def _line_of(text: str) -> int | None:
    for pattern in LINE_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


def _problem_text(text: str) -> str | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if "unicode" in low or "utf-8" in low or "utf8" in low:
            return "not UTF-8 text (bad byte sequence; re-save the file as UTF-8)"
        match = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", line)
        if match:
            return f"wrong number of fields: expected {match.group(1)}, found {match.group(2)}"
        if "too many columns" in low or "too few columns" in low:
            return "wrong number of fields"
        if "unterminated quote" in low:
            return "a quoted value is never closed"
        if "gzip" in low or "zlib" in low or "compress" in low or "truncat" in low:
            return "damaged or truncated compressed file"
        if "maximum recursion depth" in low:
            return "nested too deeply (more than DuckDB's 128 levels)"
        if "malformed json" in low:
            return "malformed JSON: " + line.split(":")[-1].strip()
    return None


def locate_csv_problem(path: Path) -> IngestError | None:
    """Read a CSV in Python to find the first row a strict reader refuses: a CR CR LF line end, a quote never
    closed, the wrong number of fields, a bad UTF-8 sequence."""
    try:
        with open_binary(path) as raw:
            data = raw.read()
    except (OSError, EOFError, zlib.error):
        return IngestError(str(path), "damaged or truncated compressed file")
    at = data.find(b"\r\r\n")
    if at >= 0:
        return IngestError(str(path), "a line ends in CR CR LF (a carriage return too many, e.g. a file converted "
                                      "twice): re-save it with normal line ends", data[:at].count(b"\n") + 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return IngestError(str(path), "not UTF-8 text (bad byte sequence; re-save the file as UTF-8)",
                           data[: exc.start].count(b"\n") + 1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start, width = 1, None
    try:
        for values in reader:
            if width is None:
                width = len(values)
            elif values and len(values) != width:
                return IngestError(str(path), f"wrong number of fields: expected {width}, found {len(values)}", start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return IngestError(str(path), "a quoted value is never closed", start)
        return IngestError(str(path), f"malformed CSV: {exc}", start)
    return None


def locate_jsonl_problem(path: Path) -> IngestError | None:
    """The first line of a JSON Lines file that is not one JSON object."""
    number = 0
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    return IngestError(str(path), f"malformed JSON: {exc.msg} at column {exc.colno}", number)
                except RecursionError:
                    return IngestError(str(path), "nested too deeply", number)
                if not isinstance(record, dict):
                    return IngestError(str(path), "each line must be a JSON object", number)
    except UnicodeDecodeError:
        return IngestError(str(path), "not UTF-8 text (bad byte sequence; re-save the file as UTF-8)", number + 1)
    except (OSError, EOFError, zlib.error):
        return IngestError(str(path), "damaged or truncated compressed file")
    return None


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "unknown error"

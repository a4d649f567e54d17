"""Shared file handling for readers: DuckDB scans of CSV, JSON Lines and Parquet
(gzip accepted) that turn DuckDB's parse errors into one-line IngestErrors."""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from pathlib import Path

import duckdb

from pipelines.errors import IngestError

# DuckDB errors that mean "this file is not what it claims to be" (anything else is a bug).
PARSE_ERRORS = (duckdb.InvalidInputException, duckdb.IOException, duckdb.ConversionException)

SUFFIXES = (".csv", ".csv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".parquet")


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


def open_text(path: Path):
    raw = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV (a UTF-8 byte-order mark is accepted). Only the
    first line is decoded here; the rows are checked by the scan that reads them."""
    try:
        with (gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")) as raw:
            first = raw.readline()
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})", 1) from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(str(path), f"cannot read the file: {exc}", 1) from exc
    row = next(csv.reader([text]), None)
    if not row or not any(c.strip() for c in row):
        raise IngestError(str(path), "empty file: a header row is required", 1)
    return [c.strip() for c in row]


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        return [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    except duckdb.Error as exc:
        raise IngestError(str(path), f"not a readable Parquet file: {_first_line(exc)}") from exc


def jsonl_columns(path: Path) -> list[str]:
    """Keys of the first record of a JSON Lines file."""
    import json

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
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(str(path), f"cannot read the file: {exc}") from exc
    return []


def scan_sql(kind: str, columns: dict[str, str]) -> str:
    """A DuckDB table function call for one file (the path is parameter 1) adding ``_line``."""
    if kind == "csv":
        spec = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in columns) + "}"
        return (f"SELECT *, row_number() OVER () + 1 AS _line FROM read_csv(?, header = true, delim = ',', "
                f"quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
                f"encoding = 'utf-8', columns = {spec}, auto_detect = false)")
    if kind == "jsonl":
        spec = "{" + ", ".join(f"'{name}': '{typ}'" for name, typ in columns.items()) + "}"
        return (f"SELECT *, row_number() OVER () AS _line FROM read_json(?, format = 'newline_delimited', "
                f"columns = {spec})")
    if kind == "parquet":
        return "SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _line FROM read_parquet(?, file_row_number = true)"
    raise ValueError(kind)


LINE_PATTERNS = (re.compile(r"CSV Error on Line: (\d+)"), re.compile(r"in line (\d+)"), re.compile(r"line (\d+)"))


def duckdb_error_to_ingest(path: Path, exc: duckdb.Error) -> IngestError:
    """One line from a DuckDB parse error: file, row and the first line of the problem."""
    text = str(exc)
    line = None
    for pattern in LINE_PATTERNS:
        match = pattern.search(text)
        if match:
            line = int(match.group(1))
            break
    problem = _problem_text(text)
    return IngestError(str(path), problem, line)


def _problem_text(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        low = line.lower()
        if "unicode" in low or "utf-8" in low:
            return "not UTF-8 text (bad byte sequence)"
        if "expected" in low and "columns" in low or "too many columns" in low or "too few columns" in low:
            return "wrong number of fields: " + line.split("Error:")[-1].strip()
        if "gzip" in low or "zlib" in low or "compress" in low or "truncat" in low:
            return "damaged or truncated compressed file"
        if "malformed json" in low:
            return "malformed JSON: " + line.split(":")[-1].strip()
    return _first_line(text)


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "unknown error"

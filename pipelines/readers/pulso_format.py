"""The Pulso export format: one file per canonical table (docs/pulso-export-format.md).

A folder holding files named ``<table>.csv``, ``<table>.csv.gz``,
``<table>.jsonl[.gz]`` or ``<table>.parquet`` (``people``, ``groups``,
``memberships``, ``messages``, ``reactions``, ``visits``, ``activity_counts``,
``interactions``, ``campaign_events``), or one such file on its own. Column
names are the canonical ones; unknown columns and missing required columns stop
the load. Large files go straight through DuckDB's scanners, never through
Python rows (a JSON Lines file with empty lines between records is read in
Python, so that every row keeps its line number). Each file's size (a .gz once
decompressed) counts against the load's limits; a row is limited by
``[limits] row_kb`` and a value by ``field_kb``. Files are looked for in the
folder itself, and a link to a file outside it stops the load.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipelines.errors import IngestError
from pipelines.readers.archive import inside
from pipelines.readers.files import (
    PARSE_ERRORS, csv_header, duckdb_error_to_ingest, file_kind, jsonl_blank_line, jsonl_columns, open_text,
    parquet_columns, scan_sql, stem,
)
from pipelines.staging import Stage
from pulso.core.schema import READER_TABLES, TABLES_BY_NAME, Table

TABLE_NAMES = {t.name for t in READER_TABLES}


def export_files(path: Path, check_links: bool = False) -> list[Path]:
    """The Pulso-format files at ``path`` (a folder or one file), in load order. ``check_links``: a file that
    links outside the folder stops the load (detection only skips it)."""
    candidates = sorted(path.iterdir()) if path.is_dir() else [path]
    found = [p for p in candidates if p.is_file() and file_kind(p) and stem(p) in TABLE_NAMES]
    if check_links and path.is_dir():
        root = path.resolve()
        for p in found:
            if p.is_symlink() and not inside(root, p.resolve()):
                raise IngestError(str(p), f"a link to a file outside the export folder ({p.resolve()}): not followed")
    order = {t.name: i for i, t in enumerate(READER_TABLES)}
    return sorted(found, key=lambda p: (order[stem(p)], p.name))


class PulsoFormatReader:
    name = "pulso"
    description = "Pulso export format: one CSV / JSON Lines / Parquet file per canonical table"

    def detect(self, path: Path) -> bool:
        return bool(export_files(path))

    def read(self, path: Path, stage: Stage) -> None:
        files = export_files(path, check_links=True)
        if not files:
            raise IngestError(str(path), "no Pulso export files here (expected e.g. people.csv, messages.csv)")
        seen: dict[str, Path] = {}
        for file in files:
            table = TABLES_BY_NAME[stem(file)]
            if table.name in seen:
                raise IngestError(str(file), f"two files for table {table.name} (also {seen[table.name].name})")
            seen[table.name] = file
            self._read_file(file, table, stage)
            if table.fact:
                stage.supply(table.fact)
            if table.name == "visits":
                stage.supply("reads")

    def _read_file(self, file: Path, table: Table, stage: Stage) -> None:
        kind = file_kind(file)
        gzipped = file.name.lower().endswith(".gz")
        if kind == "parquet":
            size = file.stat().st_size
            stage.budget.check_file(str(file), size)
        else:
            size = stage.budget.scan_text_file(str(file), file, gzipped)
        stage.budget.take(str(file), size)
        if kind == "csv":
            columns = csv_header(file)
        elif kind == "jsonl":
            columns = jsonl_columns(file)
        else:
            columns = parquet_columns(stage.con, file)
        check_columns(file, table, columns)
        types = {c: ("VARCHAR[]" if table.column(c).type.endswith("[]") else "VARCHAR") for c in columns}
        if kind == "jsonl" and jsonl_blank_line(file):
            self._read_jsonl_in_python(file, table, types, stage)
            return
        row_bytes = stage.settings.limits.row_bytes
        try:
            stage.add_query(table.name, str(file), scan_sql(kind, types, row_bytes), [str(file)])
        except PARSE_ERRORS as exc:
            raise duckdb_error_to_ingest(file, exc, kind, row_bytes) from exc

    def _read_jsonl_in_python(self, file: Path, table: Table, types: dict[str, str], stage: Stage) -> None:
        """JSON Lines with empty lines between records: read line by line so every row keeps its line number."""
        rows: dict[str, list] = {c: [] for c in types}
        lines: list[int] = []
        number = 0
        try:
            with open_text(file) as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    stage.budget.check_row(str(file), number, len(line.encode("utf-8")))
                    record = json.loads(line)
                    if not isinstance(record, dict):
                        raise IngestError(str(file), "each line must be a JSON object", number)
                    unknown = [k for k in record if k not in types]
                    if unknown:
                        raise IngestError(str(file), f"unknown column {unknown[0]!r} for table {table.name}", number)
                    for c, kind in types.items():
                        value = record.get(c)
                        if kind == "VARCHAR[]":
                            rows[c].append(None if value is None else [str(v) for v in value]
                                           if isinstance(value, list) else [str(value)])
                        else:
                            rows[c].append(None if value is None else value if isinstance(value, str)
                                           else json.dumps(value))
                    lines.append(number)
        except json.JSONDecodeError as exc:
            raise IngestError(str(file), f"malformed JSON: {exc.msg} at column {exc.colno}", number) from None
        except RecursionError:
            raise IngestError(str(file), "nested too deeply", number) from None
        except UnicodeDecodeError:
            raise IngestError(str(file), "not UTF-8 text (bad byte sequence; re-save the file as UTF-8)",
                              number + 1) from None
        schema = {c: (pl.List(pl.String) if kind == "VARCHAR[]" else pl.String) for c, kind in types.items()}
        frame = pl.DataFrame({**rows, "_line": lines}, schema={**schema, "_line": pl.Int64})
        stage.add_frame(table.name, str(file), frame)


def check_columns(file: Path, table: Table, columns: list[str]) -> None:
    known = set(table.column_names) - {"source"}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise IngestError(str(file), f"unknown column {unknown[0]!r} for table {table.name} "
                                     f"(expected some of: {', '.join(sorted(known))})", 1)
    duplicated = [c for c in columns if columns.count(c) > 1]
    if duplicated:
        raise IngestError(str(file), f"column {duplicated[0]!r} appears twice", 1)
    missing = [c.name for c in table.columns if c.required and c.name not in columns]
    if missing:
        raise IngestError(str(file), f"missing required column {missing[0]!r} for table {table.name}", 1)

"""The Pulso export format: one file per canonical table (docs/pulso-export-format.md).

A folder holding files named ``<table>.csv``, ``<table>.csv.gz``,
``<table>.jsonl[.gz]`` or ``<table>.parquet`` (``people``, ``groups``,
``memberships``, ``messages``, ``reactions``, ``visits``, ``activity_counts``,
``interactions``, ``campaign_events``), or one such file on its own. Column
names are the canonical ones; unknown columns and missing required columns stop
the load. Large files go straight through DuckDB's scanners, never through
Python rows.
"""

from __future__ import annotations

from pathlib import Path


from pipelines.errors import IngestError
from pipelines.readers.files import (
    PARSE_ERRORS, csv_header, duckdb_error_to_ingest, file_kind, jsonl_columns, parquet_columns, scan_sql, stem,
)
from pipelines.staging import Stage
from pulso.core.schema import READER_TABLES, TABLES_BY_NAME, Table

TABLE_NAMES = {t.name for t in READER_TABLES}


def export_files(path: Path) -> list[Path]:
    """The Pulso-format files at ``path`` (a folder or one file), in load order."""
    candidates = sorted(path.iterdir()) if path.is_dir() else [path]
    found = [p for p in candidates if p.is_file() and file_kind(p) and stem(p) in TABLE_NAMES]
    order = {t.name: i for i, t in enumerate(READER_TABLES)}
    return sorted(found, key=lambda p: (order[stem(p)], p.name))


class PulsoFormatReader:
    name = "pulso"
    description = "Pulso export format: one CSV / JSON Lines / Parquet file per canonical table"

    def detect(self, path: Path) -> bool:
        return bool(export_files(path))

    def read(self, path: Path, stage: Stage) -> None:
        files = export_files(path)
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
        if kind == "csv":
            columns = csv_header(file)
        elif kind == "jsonl":
            columns = jsonl_columns(file)
        else:
            columns = parquet_columns(stage.con, file)
        check_columns(file, table, columns)
        types = {c: ("VARCHAR[]" if table.column(c).type.endswith("[]") else "VARCHAR") for c in columns}
        try:
            stage.add_query(table.name, str(file), scan_sql(kind, types), [str(file)])
        except PARSE_ERRORS as exc:
            raise duckdb_error_to_ingest(file, exc) from exc


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

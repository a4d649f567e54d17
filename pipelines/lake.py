"""The store as a lake: every table as Parquet files under one folder or object-store prefix, with a manifest.

Layout (``pulso lake export``; read by ``pulso lake import``, ``pulso lake build`` and ``pulso metric
--engine spark``)::

    LAKE/_pulso_manifest.json                 schema version, settings, span, row counts, who built the derived tables
    LAKE/people/data_0.parquet                small tables: one file
    LAKE/messages/month=2025-01-01/data_0.parquet    activity tables: Hive partitions by month
    LAKE/messages/month=__HIVE_DEFAULT_PARTITION__/...  rows whose month is unknown (no time)

Activity tables are partitioned by ``month``, the first day of the month of a
time column (``PARTITIONS``): the UTC month for the canonical tables' UTC
timestamps, the local month for the derived tables' local days. The key is a
``DATE`` column of the files too (``pulso lake export`` writes it into them);
Spark's writer, used by ``pulso lake build``, keeps it in the folder names only.
Pulso's readers never depend on it: they read each table's declared columns
(``pulso/core/schema.py``). Timestamps are naive UTC ``TIMESTAMP`` (Parquet
``timestamp[us]`` not adjusted to UTC), which Spark reads as ``timestamp_ntz``
without shifting them.

``LOCATION`` is a local folder or an object-store URL (``s3://bucket/prefix``,
``gs://...``, ``hdfs://...``, or ``file:///...``): URLs go through pyarrow's
file systems (credentials from the environment, as pyarrow and the cloud's SDK
read them); a local folder is written and read by DuckDB directly.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipelines.store import create_schema, open_build_connection, set_info, writer_lock
from pulso import __version__
from pulso.core.errors import PulsoError
from pulso.core.schema import (ALL_TABLES, BOOKKEEPING_TABLES, DERIVED_TABLES, READER_TABLES, SCHEMA_VERSION,
                               TABLES_BY_NAME, UPGRADABLE_VERSIONS, Table)
from pulso.core.settings import from_json

LAKE_VERSION = 1
MANIFEST = "_pulso_manifest.json"
PARTITION_KEY = "month"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Activity tables: partitioned by the month of this column.
PARTITIONS = {
    "messages": "created_at", "reactions": "created_at", "visits": "started_at", "interactions": "occurred_at",
    "activity_counts": "period_end", "message_facts": "day", "person_day_activity": "day",
    "person_week_activity": "week_start", "threads": "day", "acts": "day",
}
LAKE_TABLES: tuple[Table, ...] = READER_TABLES + BOOKKEEPING_TABLES + DERIVED_TABLES
DERIVED_NAMES = tuple(t.name for t in DERIVED_TABLES)


class LakeError(PulsoError):
    """A lake that cannot be read or written, said in one line."""


def _table_kind(name: str) -> str:
    if name in DERIVED_NAMES:
        return "derived"
    return "canonical" if TABLES_BY_NAME[name] in READER_TABLES else "bookkeeping"


class Lake:
    """A lake location: a local folder or an object-store URL."""

    def __init__(self, location: str | os.PathLike):
        text = str(location)
        self.is_url = "://" in text
        if self.is_url:
            scheme, rest = text.split("://", 1)
            uri = ("s3" if scheme == "s3a" else scheme) + "://" + rest  # Hadoop's s3a is pyarrow's s3
            try:
                self.fs, self.root = pafs.FileSystem.from_uri(uri.rstrip("/"))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
                raise LakeError(f"{text}: not a lake location pyarrow can open ({exc})") from None
            self.location = text.rstrip("/")
        else:
            self.fs = pafs.LocalFileSystem()
            self.root = str(Path(text).resolve())
            self.location = self.root

    def __str__(self) -> str:
        return self.location

    def uri(self, table: str) -> str:
        """Where ``table``'s files are, as Spark (or any engine given the location) names it."""
        return f"{self.location}/{table}"

    def path(self, *parts: str) -> str:
        """A path inside the lake on its own file system."""
        return "/".join([self.root, *parts])

    def exists(self) -> bool:
        return self.fs.get_file_info(self.path(MANIFEST)).type == pafs.FileType.File

    def manifest(self) -> dict:
        """The lake's manifest; LakeError when there is none or it is not Pulso's."""
        if not self.exists():
            raise LakeError(f"{self.location}: no Pulso lake here (no {MANIFEST}); write one with `pulso lake export`")
        with self.fs.open_input_stream(self.path(MANIFEST)) as handle:
            try:
                manifest = json.loads(handle.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise LakeError(f"{self.location}/{MANIFEST}: not valid JSON ({exc})") from None
        if manifest.get("format") != "pulso-lake":
            raise LakeError(f"{self.location}/{MANIFEST}: not a Pulso lake manifest")
        if manifest.get("lake_version") != LAKE_VERSION:
            raise LakeError(f"{self.location}: lake layout version {manifest.get('lake_version')}, this Pulso reads "
                            f"{LAKE_VERSION}")
        if manifest.get("schema_version") not in (SCHEMA_VERSION, *UPGRADABLE_VERSIONS):
            raise LakeError(f"{self.location}: schema version {manifest.get('schema_version')}, this Pulso reads "
                            f"{SCHEMA_VERSION}")
        return manifest

    def write_manifest(self, manifest: dict) -> None:
        text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        tmp = self.path(f".{MANIFEST}.{uuid.uuid4().hex[:8]}")
        with self.fs.open_output_stream(tmp) as handle:
            handle.write(text.encode("utf-8"))
        self.fs.move(tmp, self.path(MANIFEST))

    def clear_table(self, table: str) -> None:
        info = self.fs.get_file_info(self.path(table))
        if info.type == pafs.FileType.Directory:
            self.fs.delete_dir(self.path(table))

    def files(self, table: str) -> list[str]:
        """The Parquet files of ``table`` (every partition), on the lake's file system."""
        selector = pafs.FileSelector(self.path(table), recursive=True, allow_not_found=True)
        return sorted(i.path for i in self.fs.get_file_info(selector)
                      if i.type == pafs.FileType.File and i.path.endswith(".parquet"))


def new_manifest(store_info: dict[str, str], tables: dict[str, dict], derived_by: str) -> dict:
    settings = from_json(store_info["settings"], store_info.get("settings_source", "the store"))
    return {
        "format": "pulso-lake", "lake_version": LAKE_VERSION, "schema_version": SCHEMA_VERSION,
        "pulso_version": __version__, "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings.to_dict(), "timezone": settings.timezone,
        "span": {"first_day": store_info.get("data_first_day") or None, "last_day": store_info.get("data_last_day") or None},
        "partition_key": PARTITION_KEY, "store_info": store_info, "tables": tables,
        "derived": {"built_by": derived_by, "built_at": datetime.now(UTC).isoformat(timespec="seconds")},
    }


def table_entry(name: str, rows: int, built_by: str | None = None, key_in_files: bool = True) -> dict:
    entry: dict = {"kind": _table_kind(name), "rows": int(rows),
                   "columns": {c.name: c.type for c in TABLES_BY_NAME[name].columns}}
    if name in PARTITIONS:
        entry["partition"] = {"key": PARTITION_KEY, "from": PARTITIONS[name], "key_in_files": key_in_files}
    if built_by:
        entry["built_by"] = built_by
    return entry


# ---- export ------------------------------------------------------------------------------------------------

def _month_sql(table: str) -> str:
    column = PARTITIONS[table]
    return f'CAST(date_trunc(\'month\', "{column}") AS DATE) AS "{PARTITION_KEY}"'


def _write_table(con: duckdb.DuckDBPyConnection, lake: Lake, table: Table, rows: int) -> None:
    columns = ", ".join(f'"{c}"' for c in table.column_names)
    partitioned = table.name in PARTITIONS and rows > 0
    select = f'SELECT {columns}{", " + _month_sql(table.name) if partitioned else ""} FROM "{table.name}"'
    lake.clear_table(table.name)
    if not lake.is_url:
        folder = Path(lake.path(table.name))
        if partitioned:
            con.sql(select).write_parquet(str(folder), partition_by=[PARTITION_KEY], write_partition_columns=True,
                                          overwrite=True, compression="zstd")
        else:
            folder.mkdir(parents=True, exist_ok=True)
            con.sql(select).write_parquet(str(folder / "data_0.parquet"), compression="zstd")
        return
    lake.fs.create_dir(lake.path(table.name), recursive=True)
    if not partitioned:
        pq.write_table(con.sql(select).to_arrow_table(), lake.path(table.name, "data_0.parquet"),
                       filesystem=lake.fs, compression="zstd")
        return
    months = [r[0] for r in con.execute(f"SELECT DISTINCT {PARTITION_KEY} FROM ({select})").fetchall()]
    for month in months:
        part = f"{PARTITION_KEY}={month.isoformat() if month else NULL_PARTITION}"
        condition = f'"{PARTITION_KEY}" = ?' if month else f'"{PARTITION_KEY}" IS NULL'
        data = con.sql(f"SELECT * FROM ({select}) WHERE {condition}", params=[month] if month else []).to_arrow_table()
        lake.fs.create_dir(lake.path(table.name, part), recursive=True)
        pq.write_table(data, lake.path(table.name, part, "data_0.parquet"), filesystem=lake.fs, compression="zstd")


def export_store(db: Path, location: str | os.PathLike, replace: bool = False) -> dict:
    """Write every table of the store at ``db`` (canonical, bookkeeping, derived) to the lake at ``location``
    and its manifest last; return the manifest. An existing lake is replaced only with ``replace``."""
    from pulso.core.sql import rows as fetch_rows

    lake = Lake(location)
    if lake.exists() and not replace:
        raise LakeError(f"{lake}: a Pulso lake is already there; give --replace to write over it")
    if not Path(db).exists():
        raise LakeError(f"{Path(db).name}: no Pulso store here to export")
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'").fetchall()
        version = fetch_rows(con, "SELECT value FROM store_info WHERE key = 'schema_version'")
        if not version or int(version[0][0]) != SCHEMA_VERSION:
            raise LakeError(f"{Path(db).name}: schema {version[0][0] if version else '?'}; publish it with this Pulso "
                            f"first (`pulso ingest --db {db}`)")
        info = dict(fetch_rows(con, "SELECT key, value FROM store_info"))
        tables = {}
        for table in LAKE_TABLES:
            count = fetch_rows(con, f'SELECT count(*) FROM "{table.name}"')[0][0]
            _write_table(con, lake, table, count)
            tables[table.name] = table_entry(table.name, count, "duckdb" if table.name in DERIVED_NAMES else None)
    finally:
        con.close()
    manifest = new_manifest(info, tables, "duckdb")
    lake.write_manifest(manifest)
    return manifest


# ---- import -------------------------------------------------------------------------------------------------

def table_source(con: duckdb.DuckDBPyConnection, lake: Lake, name: str, manifest: dict) -> tuple[str, list]:
    """``SELECT`` of the lake's ``name`` with exactly its declared columns and types, and its parameters. A table
    the manifest says is empty reads as empty."""
    table = TABLES_BY_NAME[name]
    entry = manifest["tables"].get(name)
    if entry is None:
        raise LakeError(f"{lake}: the manifest lists no table {name}")
    files = lake.files(name) if entry["rows"] else []
    if entry["rows"] and not files:
        raise LakeError(f"{lake}: the manifest lists {entry['rows']} rows of {name} but no Parquet file is there")
    if not files:
        empty = ", ".join(f'CAST(NULL AS {c.type}) AS "{c.name}"' for c in table.columns)
        return f"SELECT {empty} LIMIT 0", []
    casts = ", ".join(f'CAST("{c.name}" AS {c.type}) AS "{c.name}"' for c in table.columns)
    if lake.is_url:
        con.register(f"lake_{name}", pads.dataset(files, filesystem=lake.fs, format="parquet"))
        return f'SELECT {casts} FROM "lake_{name}"', []
    return f"SELECT {casts} FROM read_parquet(?, hive_partitioning = false, union_by_name = true)", [files]


def import_lake(location: str | os.PathLike, db: Path, replace: bool = False, rebuild: bool = False) -> dict:
    """Build the store at ``db`` from the lake at ``location``: canonical, bookkeeping and derived tables as the
    lake holds them (derived by DuckDB or by Spark), or derived tables rebuilt by DuckDB with ``rebuild`` (or when
    the lake's are from an older schema). The store is published atomically. Returns the manifest."""
    from pipelines.derived import build_derived

    lake = Lake(location)
    manifest = lake.manifest()
    db = Path(db)
    if db.exists() and not replace:
        raise LakeError(f"{db.name}: a store is already there; give --replace to build it again from the lake")
    info = manifest["store_info"]
    settings = from_json(info["settings"], info.get("settings_source", str(lake)))
    rebuild = rebuild or manifest["schema_version"] != SCHEMA_VERSION
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.name}.importing-{uuid.uuid4().hex[:8]}")
    with writer_lock(db):
        try:
            con = open_build_connection(tmp)
            try:
                create_schema(con, settings)
                for table in ALL_TABLES:
                    source, params = table_source(con, lake, table.name, manifest)
                    con.execute(f'DELETE FROM "{table.name}"').fetchall()
                    con.execute(f'INSERT INTO "{table.name}" {source}', params).fetchall()
                if rebuild:
                    build_derived(con, settings)
                else:
                    for name in DERIVED_NAMES:
                        source, params = table_source(con, lake, name, manifest)
                        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS {source}', params).fetchall()
                    set_info(con, data_first_day=manifest["span"]["first_day"] or "",
                             data_last_day=manifest["span"]["last_day"] or "")
                set_info(con, schema_version=str(SCHEMA_VERSION), derived_built_by=(
                    "duckdb" if rebuild else manifest["derived"]["built_by"]), imported_from=str(lake))
                con.execute("CHECKPOINT").fetchall()
            finally:
                con.close()
            os.replace(tmp, db)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                if leftover.exists():
                    leftover.unlink()
    return manifest

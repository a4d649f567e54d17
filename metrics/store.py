"""Read-only access to a published store: the connection, the facts its sources supplied, the
settings it was built with and the span of days its data covers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from pulso.core.errors import StoreMissing
from pulso.core.expr import Engine, is_duckdb
from pulso.core.schema import SCHEMA_VERSION, UPGRADABLE_VERSIONS
from pulso.core.settings import Settings, from_json
from pulso.core.sql import one, rows, run


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise StoreMissing(f"{path.name}: no Pulso store here yet; load one with `pulso ingest EXPORT --db {path}`")
    con = duckdb.connect(str(path), read_only=True)
    try:
        prepare(con)
        found = one(con, "SELECT value FROM store_info WHERE key = 'schema_version'")
    except duckdb.Error:
        con.close()
        raise StoreMissing(f"{path.name}: not a Pulso store") from None
    if found is not None and int(found[0]) in UPGRADABLE_VERSIONS:
        con.close()
        raise StoreMissing(f"{path.name}: built by an older Pulso (schema {found[0]}); run `pulso ingest --db {path}` "
                           f"(no paths) to rebuild its derived tables for this one (schema {SCHEMA_VERSION})")
    if found is None or int(found[0]) != SCHEMA_VERSION:
        con.close()
        raise StoreMissing(f"{path.name}: built by another version of Pulso (schema {found[0] if found else '?'}, "
                           f"this one reads {SCHEMA_VERSION}); load the exports again into a new store")
    return con


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Session settings every reading connection (or cursor) uses."""
    try:
        run(con, "SET enable_progress_bar = false")
    except duckdb.InvalidInputException:
        pass  # inside Jupyter without ipywidgets DuckDB refuses any progress-bar setting
    run(con, "SET TimeZone = 'UTC'")


def available_facts(con: duckdb.DuckDBPyConnection | Engine) -> set[str]:
    """Facts any loaded source supplied (see the source_facts table)."""
    if not is_duckdb(con):
        return con.facts()
    return {row[0] for row in rows(con, "SELECT DISTINCT fact FROM source_facts")}


def _info(con: duckdb.DuckDBPyConnection | Engine, *keys: str) -> dict[str, str]:
    if not is_duckdb(con):
        info = con.store_info()
        return {k: info[k] for k in keys if k in info}
    return dict(rows(con, "SELECT key, value FROM store_info WHERE list_contains(?, key)", [list(keys)]))


def store_settings(con: duckdb.DuckDBPyConnection | Engine) -> Settings:
    """The organisation settings the store was built with (written by every publish)."""
    found = _info(con, "settings", "settings_source")
    return from_json(found["settings"], found.get("settings_source", "the store"))


def data_span(con: duckdb.DuckDBPyConnection | Engine) -> tuple[date, date] | None:
    """(first, last) local day with any dated fact in the store, or None when it holds none."""
    values = _info(con, "data_first_day", "data_last_day")
    if not values.get("data_first_day"):
        return None
    return date.fromisoformat(values["data_first_day"]), date.fromisoformat(values["data_last_day"])

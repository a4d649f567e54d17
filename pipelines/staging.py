"""What a reader hands to the engine.

A reader never writes canonical tables. It puts rows into a :class:`Stage`,
either as a polars frame or as a DuckDB query (fast path for large files), with
canonical column names plus ``_line`` (the row's line or record number in its
file). The engine stages everything as text in ``raw_<table>`` tables and does
the typing, validation, identity resolution and merge in one place.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pulso.core.privacy import withhold_text
from pulso.core.schema import KNOWN_FACTS, READER_TABLES, TABLES_BY_NAME, Table
from pulso.core.settings import Settings
from pulso.core.sql import one, run

MAX_RAW_CHARS = 2000
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
LOWERCASED = {("people", "email"), ("people", "role"), ("people", "state"), ("reactions", "kind")}


def typed_table_name(table: Table) -> str:
    return "typed_" + table.name


def create_typed_tables(con: duckdb.DuckDBPyConnection) -> None:
    """One staging table per canonical table: canonical types plus provenance and
    ``_bad`` / ``_bad_value`` (the first column whose text could not be read)."""
    for table in READER_TABLES:
        cols = ", ".join(f"{c.name} {c.type}" for c in table.columns if c.name != "source")
        run(con, f"CREATE OR REPLACE TEMP TABLE {typed_table_name(table)} "
                 f"({cols}, source VARCHAR, _file VARCHAR, _line BIGINT, _bad VARCHAR, _bad_value VARCHAR)")


def text_expression(name: str) -> str:
    return f"NULLIF(trim(CAST({name} AS VARCHAR)), '')"


def typed_expression(text: str, column_type: str) -> str:
    """SQL reading the text ``text`` as ``column_type`` (NULL when it cannot)."""
    if column_type == "TIMESTAMP":
        return f"(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    if column_type == "BOOLEAN":
        return (f"CASE WHEN lower({text}) IN {TRUE_WORDS} THEN TRUE "
                f"WHEN lower({text}) IN {FALSE_WORDS} THEN FALSE END")
    if column_type in ("DATE", "INTEGER", "BIGINT", "DOUBLE"):
        return f"TRY_CAST({text} AS {column_type})"
    return text


def normalized(table: Table, name: str, expression: str) -> str:
    if (table.name, name) in LOWERCASED:
        return f"lower({expression})"
    if (table.name, name) == ("messages", "hashtags"):
        return f"list_sort(list_distinct(list_transform({expression}, lambda x: lower(ltrim(x, '#')))))"
    return expression


def list_expression(name: str, given_type: str) -> str:
    """Lists stay lists; a ';'-separated string becomes a list."""
    if given_type.endswith("[]"):
        return f"CAST({name} AS VARCHAR[])"
    return (f"list_filter(list_transform(string_split(CAST({name} AS VARCHAR), ';'), lambda x: trim(x)), "
            f"lambda x: x <> '')")


def staging_select(table: Table, available: dict[str, str]) -> list[str]:
    """SELECT items that type, normalise and check every column a source gave."""
    items, bad, bad_value = [], [], []
    for col in table.columns:
        if col.name == "source" or col.name not in available:
            continue
        given = available[col.name]
        if col.type.endswith("[]"):
            items.append(f"{normalized(table, col.name, list_expression(col.name, given))} AS {col.name}")
        elif given == col.type and col.type != "VARCHAR":  # already typed (Parquet, frames)
            items.append(f"{normalized(table, col.name, col.name)} AS {col.name}")
        else:
            text = text_expression(col.name)
            typed = typed_expression(text, col.type)
            items.append(f"{normalized(table, col.name, typed)} AS {col.name}")
            if typed != text:
                bad.append(f"WHEN {text} IS NOT NULL AND {typed} IS NULL THEN '{col.name}'")
                bad_value.append(f"WHEN {text} IS NOT NULL AND {typed} IS NULL THEN {text}")
    items.append(f"CASE {' '.join(bad)} END AS _bad" if bad else "NULL AS _bad")
    items.append(f"CASE {' '.join(bad_value)} END AS _bad_value" if bad_value else "NULL AS _bad_value")
    return items


@dataclass
class Reject:
    file: str
    line: int
    table: str
    reason: str
    raw: str


@dataclass
class Stage:
    """The reader-facing side of a load. One Stage per reader invocation."""

    con: duckdb.DuckDBPyConnection
    source: str
    settings: Settings
    rejects: list[Reject] = field(default_factory=list)
    facts: set[str] = field(default_factory=set)
    # rows each (file, table) pair handed over, including rows the reader rejected itself
    rows_read: Counter = field(default_factory=Counter)
    _view_counter: int = 0

    def supply(self, *facts: str) -> None:
        """Declare that this source supplies these facts (even when it has zero rows of them)."""
        unknown = set(facts) - KNOWN_FACTS
        if unknown:
            raise ValueError(f"unknown facts {sorted(unknown)}")
        self.facts.update(facts)

    def reject(self, file: str, line: int, table: str, reason: str, raw: object = "") -> None:
        """A row the reader itself could not map (it still counts as read)."""
        self.rejects.append(Reject(file, line, table, reason, withhold_text(raw, table)[:MAX_RAW_CHARS]))
        self.rows_read[(file, table)] += 1

    def add_frame(self, table: str, file: str, frame: pl.DataFrame) -> None:
        """Stage a polars frame with canonical column names (a subset) and ``_line``."""
        target = TABLES_BY_NAME[table]
        if "_line" not in frame.columns:
            raise ValueError("a staged frame needs a _line column")
        self._view_counter += 1
        view = f"_stage_frame_{self._view_counter}"
        self.con.register(view, frame.to_arrow())
        try:
            self._insert_from(target, file, view)
        finally:
            self.con.unregister(view)

    def add_query(self, table: str, file: str, sql: str, params: list | None = None) -> None:
        """Stage the rows of a DuckDB query (canonical column names and ``_line``)."""
        self._insert_from(TABLES_BY_NAME[table], file, f"({sql})", params or [])

    def _insert_from(self, target: Table, file: str, relation: str, params: list | None = None) -> None:
        described = self.con.execute(f"DESCRIBE SELECT * FROM {relation}", params or []).fetchall()
        select = staging_select(target, {row[0]: row[1] for row in described})
        select += ["? AS source", "? AS _file", "CAST(_line AS BIGINT) AS _line"]
        before = self._count(target)
        run(self.con, f"INSERT INTO {typed_table_name(target)} BY NAME SELECT {', '.join(select)} FROM {relation}",
            [self.source, file] + (params or []))
        self.rows_read[(file, target.name)] += self._count(target) - before

    def _count(self, target: Table) -> int:
        return one(self.con, f"SELECT count(*) FROM {typed_table_name(target)}")[0]



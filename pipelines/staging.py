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

from pulso.schema import KNOWN_FACTS, READER_TABLES, TABLES_BY_NAME, Table
from pipelines.store import one, run

RAW_PREFIX = "raw_"
MAX_RAW_CHARS = 2000


def raw_table_name(table: Table) -> str:
    return RAW_PREFIX + table.name


def raw_column_type(column_type: str) -> str:
    return "VARCHAR[]" if column_type.endswith("[]") else "VARCHAR"


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in READER_TABLES:
        cols = ", ".join(f"{c.name} {raw_column_type(c.type)}" for c in table.columns if c.name != "source")
        run(con, 
            f"CREATE OR REPLACE TEMP TABLE {raw_table_name(table)} "
            f"({cols}, source VARCHAR, _file VARCHAR, _line BIGINT)"
        )


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
        self.rejects.append(Reject(file, line, table, reason, str(raw)[:MAX_RAW_CHARS]))
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
        available = dict(
            (row[0], row[1]) for row in self.con.execute(f"DESCRIBE SELECT * FROM {relation}", params or []).fetchall()
        )
        select = []
        for col in target.columns:
            if col.name == "source" or col.name not in available:
                continue
            select.append(f"{_as_raw(col.name, col.type, available[col.name])} AS {col.name}")
        select += ["? AS source", "? AS _file", "CAST(_line AS BIGINT) AS _line"]
        before = self._count(target)
        run(self.con, 
            f"INSERT INTO {raw_table_name(target)} BY NAME SELECT {', '.join(select)} FROM {relation}",
            [self.source, file] + (params or []),
        )
        self.rows_read[(file, target.name)] += self._count(target) - before

    def _count(self, target: Table) -> int:
        return one(self.con, f"SELECT count(*) FROM {raw_table_name(target)}")[0]


def _as_raw(name: str, column_type: str, given_type: str) -> str:
    """Text form of a column: lists stay lists; a ';'-separated string becomes a list."""
    if column_type.endswith("[]"):
        if given_type.endswith("[]"):
            return f"CAST({name} AS VARCHAR[])"
        return f"list_filter(list_transform(string_split(CAST({name} AS VARCHAR), ';'), lambda x: trim(x)), lambda x: x <> '')"
    return f"NULLIF(trim(CAST({name} AS VARCHAR)), '')"

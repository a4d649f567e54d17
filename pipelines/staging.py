"""What a reader hands to the engine.

A reader never writes canonical tables. It puts rows into a :class:`Stage`,
either as a polars frame or as a DuckDB query (fast path for large files), with
canonical column names plus ``_line`` (the row's line or record number in its
file). The engine types everything into ``typed_<table>`` tables and does the
validation, identity resolution and merge in one place.

Typing rules written here once: a time with a UTC offset is converted to UTC
(an offset beyond ``[limits] utc_offset_hours`` rejects the row), a time
without one is UTC, and a date alone in a time column (``2026-02-03``) is that
day's midnight in the organisation's time zone, so it stays on its local day;
every text value is checked against ``[limits] field_kb``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipelines.limits import Budget
from pulso.core.privacy import withhold_text
from pulso.core.schema import KNOWN_FACTS, READER_TABLES, TABLES_BY_NAME, Table
from pulso.core.settings import Settings
from pulso.core.sql import one, run

MAX_RAW_CHARS = 2000
TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
LOWERCASED = {("people", "email"), ("people", "role"), ("people", "state"), ("reactions", "kind")}
OFFSET = r"([+-])(\d\d):?(\d\d)$"


def typed_table_name(table: Table) -> str:
    return "typed_" + table.name


def create_typed_tables(con: duckdb.DuckDBPyConnection) -> None:
    """One staging table per canonical table: canonical types plus provenance, ``_bad`` / ``_bad_value`` (the
    first column whose text could not be read), ``_big`` / ``_big_size`` (the first value over the size limit) and
    ``_reject`` (a reason found while typing, e.g. a UTC offset out of bounds)."""
    for table in READER_TABLES:
        cols = ", ".join(f"{c.name} {c.type}" for c in table.columns if c.name != "source")
        run(con, f"CREATE OR REPLACE TEMP TABLE {typed_table_name(table)} "
                 f"({cols}, source VARCHAR, _file VARCHAR, _line BIGINT, _bad VARCHAR, _bad_value VARCHAR, "
                 f"_big VARCHAR, _big_size BIGINT, _reject VARCHAR)")


def text_expression(name: str) -> str:
    return f"NULLIF(trim(CAST({name} AS VARCHAR)), '')"


def typed_expression(text: str, column_type: str) -> str:
    """SQL reading the text ``text`` as ``column_type`` (NULL when it cannot). A date alone in a time column is
    midnight in the organisation's time zone (the session variable ``pulso_tz``)."""
    if column_type == "TIMESTAMP":
        return (f"(CASE WHEN length({text}) = 10 THEN timezone(getvariable('pulso_tz'), "
                f"CAST(TRY_CAST({text} AS DATE) AS TIMESTAMP)) ELSE TRY_CAST({text} AS TIMESTAMPTZ) END "
                f"AT TIME ZONE 'UTC')")
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


def offset_check(name: str, text: str, max_hours: int) -> str:
    """A CASE branch rejecting a time whose UTC offset is beyond +-``max_hours`` (or has minutes past 59)."""
    hours = f"TRY_CAST(regexp_extract({text}, '{OFFSET}', 2) AS INTEGER)"
    minutes = f"TRY_CAST(regexp_extract({text}, '{OFFSET}', 3) AS INTEGER)"
    bound = f"{max_hours:02d}:00"
    shown = f"regexp_extract({text}, '[+-]\\d\\d:?\\d\\d$')"
    return (f"WHEN regexp_matches({text}, '{OFFSET}') AND ({hours} * 60 + {minutes} > {max_hours * 60} "
            f"OR {minutes} > 59) THEN '{name} ''' || {text} || ''': UTC offset ' || {shown} || "
            f"' is outside -{bound} .. +{bound}'")


def staging_select(table: Table, available: dict[str, str], field_bytes: int = 1 << 20,
                   max_offset_hours: int = 14) -> tuple[list[str], list[str]]:
    """(inner, outer) SELECT items that type, normalise and check every column a source gave. The inner items
    compute each column's text (``_t_<name>``) and typed value (``_v_<name>``) once; the outer items read them:
    the canonical columns, ``_bad`` / ``_bad_value`` (the first value that cannot be read as its type),
    ``_big`` / ``_big_size`` (the first text value over ``field_bytes``) and ``_reject`` (a reason to reject the
    row: a UTC offset out of bounds)."""
    inner: list[str] = ["_line"]
    items: list[str] = []
    parts: dict[str, list[str]] = {"_bad": [], "_bad_value": [], "_big": [], "_big_size": [], "_reject": []}
    for col in table.columns:
        if col.name == "source" or col.name not in available:
            continue
        given = available[col.name]
        if col.type.endswith("[]"):
            items.append(f"{normalized(table, col.name, list_expression(col.name, given))} AS {col.name}")
            inner.append(col.name)
            continue
        if given == col.type and col.type != "VARCHAR":  # already typed (Parquet, frames)
            items.append(f"{normalized(table, col.name, col.name)} AS {col.name}")
            inner.append(col.name)
            continue
        text, value = f"_t_{col.name}", f"_v_{col.name}"
        typed = typed_expression(text_expression(col.name), col.type)
        inner.append(f"{text_expression(col.name)} AS {text}")
        if typed != text_expression(col.name):
            inner.append(f"{typed} AS {value}")
        else:
            value = text
        items.append(f"{normalized(table, col.name, value)} AS {col.name}")
        if given == "VARCHAR":
            parts["_big"].append(f"WHEN strlen({text}) > {int(field_bytes)} THEN '{col.name}'")
            parts["_big_size"].append(f"WHEN strlen({text}) > {int(field_bytes)} THEN strlen({text})")
        if value != text:
            parts["_bad"].append(f"WHEN {text} IS NOT NULL AND {value} IS NULL THEN '{col.name}'")
            parts["_bad_value"].append(f"WHEN {text} IS NOT NULL AND {value} IS NULL THEN {text}")
        if col.type == "TIMESTAMP":
            parts["_reject"].append(offset_check(col.name, text, int(max_offset_hours)))
    for name, branches in parts.items():
        items.append(f"CASE {' '.join(branches)} END AS {name}" if branches else f"NULL AS {name}")
    return inner, items


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
    budget: Budget | None = None  # the load's byte budget and limits (shared by the readers of one load)
    rejects: list[Reject] = field(default_factory=list)
    facts: set[str] = field(default_factory=set)
    # rows each (file, table) pair handed over, including rows the reader rejected or skipped itself
    rows_read: Counter = field(default_factory=Counter)
    # rows the reader read and did not stage because they repeat rows it staged (Teams: an older copy's reactions)
    duplicates: Counter = field(default_factory=Counter)
    _view_counter: int = 0

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = Budget(self.settings.limits)

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

    def skip_duplicates(self, file: str, table: str, n: int = 1) -> None:
        """Rows the reader read and did not stage because they repeat rows it staged: read, and duplicates."""
        if n:
            self.duplicates[(file, table)] += n
            self.rows_read[(file, table)] += n

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
        limits = self.settings.limits
        inner, select = staging_select(target, {row[0]: row[1] for row in described}, limits.field_bytes,
                                       limits.utc_offset_hours)
        select += ["? AS source", "? AS _file", "CAST(_line AS BIGINT) AS _line"]
        before = self._count(target)
        run(self.con, f"INSERT INTO {typed_table_name(target)} BY NAME SELECT {', '.join(select)} "
                      f"FROM (SELECT {', '.join(inner)} FROM {relation})",
            [self.source, file] + (params or []))
        self.rows_read[(file, target.name)] += self._count(target) - before

    def _count(self, target: Table) -> int:
        return one(self.con, f"SELECT count(*) FROM {typed_table_name(target)}")[0]

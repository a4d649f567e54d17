"""Typing, validation, identity resolution and merge of staged rows.

Rules (documented in docs/pulso-export-format.md, "Load semantics"):
- A value that cannot be read as its column's type (a date, a number, a
  boolean), or over ``[limits] field_kb``, stops the load: one line naming the
  file, the row and the problem.
- A row missing a required value, breaking a rule (unknown state, negative
  duration, a time outside the plausible window or with a UTC offset beyond
  the bound...) or referring to a person or message the store does not know is
  rejected and kept in ``rejected_rows`` with its reason: every refused row is
  one ``rejected_rows`` row (``item`` tells apart several from one record);
  rows leave the staging tables by their rowid, so rows sharing a line never
  take each other along.
- For people the org directory lists, the directory's e-mail, name, region,
  office, role and manager win; another source's differing value is recorded
  in ``directory_conflicts`` and dropped.
- A row that repeats a row of this run, or carries no value the store does not
  already hold, is a duplicate and is skipped.
- Every other row is loaded: new keys are inserted, known keys are updated
  column by column (a value the row does not carry is kept).
So for every file and table: rows read = loaded + rejected + duplicates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb

from pipelines.errors import IngestError
from pipelines.limits import Budget
from pulso.core.schema import PEOPLE, READER_TABLES, Table
from pulso.core.settings import Limits
from pulso.core.sql import one, run

PERSON_COLUMNS = {
    "people": ("manager_id",),
    "memberships": ("person_id",),
    "messages": ("author_id",),
    "reactions": ("person_id",),
    "visits": ("person_id",),
    "activity_counts": ("person_id",),
    "interactions": ("source_person_id", "target_person_id"),
}
# person columns whose value must be a known person (a manager may be outside the store)
CHECKED_PERSON_COLUMNS = {table: columns for table, columns in PERSON_COLUMNS.items() if table != "people"}
ALLOWED_VALUES = {
    ("people", "state"): ("active", "suspended", "deleted", "pending"),
}
NON_NEGATIVE = {
    ("visits", "duration_seconds"),
    ("activity_counts", "count"),
    ("reactions", "weight"),
    ("interactions", "weight"),
}


@dataclass
class TableOutcome:
    loaded: Counter = field(default_factory=Counter)
    rejected: Counter = field(default_factory=Counter)
    duplicate: Counter = field(default_factory=Counter)


def create_reject_log(con: duckdb.DuckDBPyConnection) -> None:
    """Every refused row of the run, the reader's and the engine's, in the order they were refused. Written to
    ``rejected_rows`` at the end with ``item`` numbering the rows refused from one record (1, 2, ...), so several
    refused rows of one line (three counts of a usage-report line, the reactions of a Slack message) keep one
    reason each: nothing is collapsed."""
    run(con, "CREATE OR REPLACE TEMP TABLE _reject_log (file VARCHAR, line BIGINT, table_name VARCHAR, "
             "reason VARCHAR, raw VARCHAR, seq BIGINT)")


def log_reader_rejects(con: duckdb.DuckDBPyConnection, rejects: list) -> None:
    if not rejects:
        return
    import polars as pl

    frame = pl.DataFrame({"file": [r.file for r in rejects], "line": [int(r.line) for r in rejects],
                          "table_name": [r.table for r in rejects], "reason": [r.reason for r in rejects],
                          "raw": [r.raw for r in rejects]},
                         schema={"file": pl.String, "line": pl.Int64, "table_name": pl.String, "reason": pl.String,
                                 "raw": pl.String})
    con.register("_reader_rejects", frame.to_arrow())
    try:
        run(con, "INSERT INTO _reject_log SELECT file, line, table_name, reason, raw, "
                 "(SELECT coalesce(max(seq), 0) FROM _reject_log) + row_number() OVER () FROM _reader_rejects")
    finally:
        con.unregister("_reader_rejects")


def write_rejected_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    run(con, """
        INSERT INTO rejected_rows (run_id, file, line, item, table_name, reason, raw)
        SELECT ?, file, line, row_number() OVER (PARTITION BY file, table_name, line ORDER BY seq), table_name,
               reason, raw
        FROM _reject_log""", [run_id])


def rejected_counts(con: duckdb.DuckDBPyConnection, table: Table) -> Counter:
    """Rows of ``table`` refused in this run (by the reader or the engine), per file."""
    found = con.execute("SELECT file, count(*) FROM _reject_log WHERE table_name = ? GROUP BY file",
                        [table.name]).fetchall()
    return Counter({f: int(n) for f, n in found})


def stop_at_unreadable_value(con: duckdb.DuckDBPyConnection, table: Table, limits: Limits) -> None:
    """Stop the load at the first value that could not be read as its column's type, or that is over the size
    limit for one value."""
    first_bad = one(con, f"SELECT _file, _line, _bad, _bad_value, _big, _big_size FROM typed_{table.name} "
                         f"WHERE _bad IS NOT NULL OR _big IS NOT NULL ORDER BY _file, _line LIMIT 1")
    if first_bad:
        file, line, column, value, big, size = first_bad
        if big is not None:
            Budget(limits).check_value(file, line, big, size)
        kind = table.column(column).type.lower()
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise IngestError(file, f"column {column}: {shown!r} is not a valid {kind}", line)


def window_reasons(table: Table) -> list[str]:
    """A time or date outside the plausible window (session variables pulso_first / pulso_last)."""
    reasons = []
    for c in table.columns:
        if c.type not in ("TIMESTAMP", "DATE"):
            continue
        low, high = "getvariable('pulso_first')", "getvariable('pulso_last')"
        if c.type == "DATE":
            low, high = f"CAST({low} AS DATE)", f"CAST({high} AS DATE)"
        reasons.append(
            f"WHEN {c.name} < {low} OR {c.name} > {high} THEN '{c.name} ' || CAST({c.name} AS VARCHAR) || "
            f"' is outside the plausible window ' || strftime(getvariable('pulso_first'), '%Y-%m-%d') || ' .. ' || "
            f"strftime(getvariable('pulso_last'), '%Y-%m-%d') || ' ([limits] first_year, days_ahead)'")
    return reasons


def reject_invalid(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Move rows with a missing required value, an impossible time or a broken rule to rejected_rows."""
    reasons = [f"WHEN {c.name} IS NULL THEN 'missing required value: {c.name}'" for c in table.columns if c.required]
    reasons.append("WHEN _reject IS NOT NULL THEN _reject")
    reasons += window_reasons(table)
    for (tname, cname), allowed in ALLOWED_VALUES.items():
        if tname == table.name:
            reasons.append(f"WHEN {cname} IS NOT NULL AND {cname} NOT IN {allowed} "
                           f"THEN '{cname} must be one of {', '.join(allowed)}, not ' || {cname}")
    for tname, cname in NON_NEGATIVE:
        if tname == table.name:
            reasons.append(f"WHEN {cname} < 0 THEN '{cname} must not be negative'")
    if table.name == "people":
        reasons.append("WHEN profile_completeness NOT BETWEEN 0 AND 1 THEN 'profile_completeness must be between 0 and 1'")
    _move_to_rejects(con, table, f"CASE {' '.join(reasons)} END")


def _move_to_rejects(con: duckdb.DuckDBPyConnection, table: Table, reason_sql: str) -> None:
    """Rows for which ``reason_sql`` is not null go to the run's reject log and leave the run. Rows are told
    apart by their rowid in the staging table: several rows of one (file, line) are moved one by one."""
    typed = f"typed_{table.name}"
    kept = [c.name for c in table.columns if c.name != "source" and not c.text]  # never what people wrote
    row_text = "struct_pack(" + ", ".join(f"{c} := {c}" for c in kept) + ")"
    run(con, f"CREATE OR REPLACE TEMP TABLE _rejecting AS SELECT rowid AS _rid, _file, _line, {reason_sql} AS _reason, "
             f"left(CAST({row_text} AS VARCHAR), 2000) AS _raw FROM {typed} WHERE _reason IS NOT NULL")
    if one(con, "SELECT count(*) FROM _rejecting")[0] == 0:
        return
    run(con, "INSERT INTO _reject_log SELECT _file, _line, ?, _reason, _raw, "
             "(SELECT coalesce(max(seq), 0) FROM _reject_log) + row_number() OVER (ORDER BY _file, _line, _rid) "
             "FROM _rejecting", [table.name])
    run(con, f"DELETE FROM {typed} WHERE rowid IN (SELECT _rid FROM _rejecting)")


def resolve_people(con: duckdb.DuckDBPyConnection) -> None:
    """Give every staged person its canonical id and record the aliases.

    Canonical id: an id or e-mail already known to the store, else the first
    row of this run with the same e-mail (the org directory is staged first),
    else the row's own id.
    """
    run(con, """
        CREATE OR REPLACE TEMP TABLE _person_resolution AS
        WITH staged AS (
            SELECT person_id AS given_id, email, _file, _line,
                   row_number() OVER (ORDER BY source <> 'directory', _file, _line) AS _order
            FROM typed_people
        ), first_by_email AS (
            SELECT email, arg_min(given_id, _order) AS first_id FROM staged WHERE email IS NOT NULL GROUP BY email
        )
        SELECT s.given_id, s.email,
               coalesce(a_id.person_id, a_mail.person_id, f.first_id, s.given_id) AS person_id
        FROM staged s
        LEFT JOIN person_aliases a_id ON a_id.alias = s.given_id
        LEFT JOIN person_aliases a_mail ON a_mail.alias = 'email:' || s.email
        LEFT JOIN first_by_email f ON f.email = s.email
    """)
    run(con, """
        INSERT INTO person_aliases
        SELECT DISTINCT alias, person_id FROM (
            SELECT given_id AS alias, person_id FROM _person_resolution
            UNION ALL
            SELECT 'email:' || email, person_id FROM _person_resolution WHERE email IS NOT NULL
        ) ON CONFLICT DO NOTHING
    """)
    run(con, """
        UPDATE typed_people t SET person_id = r.person_id
        FROM (SELECT DISTINCT given_id, person_id FROM _person_resolution) r
        WHERE t.person_id = r.given_id AND r.person_id <> r.given_id
    """)


def map_person_columns(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    for column in PERSON_COLUMNS.get(table.name, ()):
        run(con,
            f"UPDATE typed_{table.name} t SET {column} = a.person_id FROM person_aliases a "
            f"WHERE t.{column} = a.alias AND a.person_id <> t.{column}"
        )
    if table.name == "messages":
        run(con, """
            UPDATE typed_messages t SET mentions = m.mapped FROM (
                SELECT _rid, list(coalesce(a.person_id, u.mention) ORDER BY u.pos) AS mapped
                FROM (SELECT rowid AS _rid, unnest(mentions) AS mention, generate_subscripts(mentions, 1) AS pos
                      FROM typed_messages WHERE len(mentions) > 0) u
                LEFT JOIN person_aliases a ON a.alias = u.mention
                GROUP BY _rid
            ) m WHERE t.rowid = m._rid
        """)


def reject_unknown_references(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    reasons = []
    for column in CHECKED_PERSON_COLUMNS.get(table.name, ()):
        reasons.append(
            f"WHEN {column} IS NOT NULL AND {column} NOT IN (SELECT person_id FROM people) "
            f"THEN 'unknown person in {column}: ' || {column}"
        )
    if table.name == "reactions":
        reasons.append("WHEN message_id NOT IN (SELECT message_id FROM messages) "
                       "THEN 'unknown message in message_id: ' || message_id")
    if table.name == "memberships":
        reasons.append("WHEN group_id NOT IN (SELECT group_id FROM groups) "
                       "THEN 'unknown group in group_id: ' || group_id")
    if reasons:
        _move_to_rejects(con, table, f"CASE {' '.join(reasons)} END")


def merge_into_store(con: duckdb.DuckDBPyConnection, table: Table) -> tuple[Counter, Counter]:
    """Insert new keys, update changed ones; return (loaded, duplicate) counts per file.

    Rows of one key are folded column by column (the last non-empty value wins;
    for people the org directory is folded last, so its values win). A key whose
    folded row leaves the stored row unchanged contributes only duplicates; so
    does a row identical to an earlier row of this run. The common case, where
    no key repeats within the run, skips the folding windows entirely.
    """
    key = list(table.key)
    compared = [c.name for c in table.columns if c.name not in key and c.name != "source"]
    keys = ", ".join(key)
    typed = f"typed_{table.name}"
    cand = f"_cand_{table.name}"  # a view when no key repeats, else a table with the folding order
    run(con, f"CREATE OR REPLACE TEMP TABLE _repeated AS SELECT {keys} FROM {typed} GROUP BY {keys} HAVING count(*) > 1")
    no_repeats = one(con, "SELECT count(*) FROM _repeated")[0] == 0
    if no_repeats and one(con, f"SELECT count(*) FROM (SELECT 1 FROM {table.name} LIMIT 1)")[0] == 0:
        # First load of this table: every row is new; insert straight from staging.
        counts = con.execute(f"SELECT _file, count(*) FROM {typed} GROUP BY _file").fetchall()
        run(con, f"INSERT INTO {table.name} BY NAME (SELECT {', '.join(key + compared + ['source'])} FROM {typed})")
        return Counter({f: n for f, n in counts}), Counter({f: 0 for f, _ in counts})
    if no_repeats:
        run(con, f"CREATE TEMP VIEW {cand} AS SELECT *, FALSE AS _repeat FROM {typed}")
        fold_sql = f"SELECT {', '.join(key + compared + ['source'])} FROM {typed}"
    else:
        fold_order = "(source = 'directory'), _file, _line" if table.name == "people" else "_file, _line"
        run(con, f"""
            CREATE TEMP TABLE {cand} AS
            SELECT *, row_number() OVER (ORDER BY {fold_order}) AS _order,
                   row_number() OVER (PARTITION BY {keys}, hash({', '.join(compared) or 'NULL'})
                                      ORDER BY _file, _line) > 1 AS _repeat
            FROM {typed}
        """)
        folded = ", ".join(f"arg_max({c}, _order) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in compared)
        fold_sql = (f"SELECT {keys}, {folded}{', ' if folded else ''} arg_min(source, _order) AS source "
                    f"FROM {cand} WHERE NOT _repeat GROUP BY {keys}")
    unchanged = " AND ".join(f"coalesce(f.{c}, s.{c}) IS NOT DISTINCT FROM s.{c}" for c in compared) or "TRUE"
    key_join = " AND ".join(f"s.{k} = f.{k}" for k in key)
    run(con, f"""
        CREATE OR REPLACE TEMP TABLE _folded AS
        SELECT f.*, s.{key[0]} IS NOT NULL AS _known FROM ({fold_sql}) f LEFT JOIN {table.name} s ON {key_join}
        WHERE s.{key[0]} IS NULL OR NOT ({unchanged})
    """)
    cand_join = " AND ".join(f"f.{k} = c.{k}" for k in key)
    counts = con.execute(f"""
        SELECT c._file,
               count(*) FILTER (WHERE NOT c._repeat AND f.{key[0]} IS NOT NULL),
               count(*) FILTER (WHERE c._repeat OR f.{key[0]} IS NULL)
        FROM {cand} c LEFT JOIN _folded f ON {cand_join}
        GROUP BY c._file
    """).fetchall()
    if compared and one(con, "SELECT count(*) FROM _folded WHERE _known")[0]:
        updates = ", ".join(f"{c} = coalesce(f.{c}, s.{c})" for c in compared)
        run(con, f"UPDATE {table.name} s SET {updates} FROM _folded f WHERE f._known AND {key_join}")
    run(con, f"INSERT INTO {table.name} BY NAME (SELECT * EXCLUDE (_known) FROM _folded WHERE NOT _known)")
    return Counter({f: n for f, n, _ in counts}), Counter({f: d for f, _, d in counts})


def register_pseudonyms(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """SQL functions for the keyed pseudonyms of ``pulso.core.privacy`` (the key never reaches the store)."""
    from pulso.core.privacy import pseudonymous_email, pseudonymous_name, pseudonymous_text

    def keyed(function):
        return lambda value: function(value, key)

    for name, function in (("pulso_email", pseudonymous_email), ("pulso_text", pseudonymous_text),
                           ("pulso_name", pseudonymous_name)):
        con.create_function(name, keyed(function), ["VARCHAR"], "VARCHAR", side_effects=False)


def pseudonymize_staged(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Replace, in the staged rows of ``table``, every e-mail (the column, and inside person identifiers) by its
    keyed pseudonym and every display name by ``Persona <hash>``; done before identities are resolved, so the
    same address joins the same person in every source and every load."""
    typed = f"typed_{table.name}"
    if table is PEOPLE:
        run(con, f"""UPDATE {typed} SET email = pulso_email(email), person_id = pulso_text(person_id),
                     manager_id = pulso_text(manager_id)""")
        run(con, f"""UPDATE {typed} SET display_name = pulso_name(coalesce(email, person_id))
                     WHERE display_name IS NOT NULL""")
        return
    columns = [c for c in PERSON_COLUMNS.get(table.name, ())]
    if columns:
        run(con, f"UPDATE {typed} SET " + ", ".join(f"{c} = pulso_text({c})" for c in columns))
    if table.name == "messages":
        run(con, f"UPDATE {typed} SET mentions = list_transform(mentions, lambda x: pulso_text(x)) WHERE len(mentions) > 0")


PROTECTED = ("email", "display_name", "region", "office", "role", "manager_id")


def protect_directory(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """The org directory wins: for a person the directory lists (in the store, or in this run), a platform's or
    Pulso-format row never replaces the directory's e-mail, name, region, office, role or manager. Each value
    that differs is recorded in directory_conflicts and dropped from the row (a value the directory lacks is
    taken)."""
    run(con, f"""
        CREATE OR REPLACE TEMP TABLE _directory AS
        WITH listed AS (
            SELECT person_id, {', '.join(f"arg_max({c}, _line) FILTER (WHERE {c} IS NOT NULL) AS {c}" for c in PROTECTED)}
            FROM typed_people WHERE source = 'directory' GROUP BY person_id)
        SELECT person_id, {', '.join(f"coalesce(l.{c}, p.{c}) AS {c}" for c in PROTECTED)}
        FROM listed l FULL JOIN (SELECT * FROM people WHERE in_directory) p USING (person_id)
    """)
    if one(con, "SELECT count(*) FROM _directory")[0] == 0:
        return
    for column in PROTECTED:
        run(con, f"""
            INSERT INTO directory_conflicts
            SELECT DISTINCT ?, t.person_id, '{column}', d.{column}, t.{column}, t.source, t._file, t._line
            FROM typed_people t JOIN _directory d USING (person_id)
            WHERE t.source <> 'directory' AND t.{column} IS NOT NULL AND d.{column} IS NOT NULL
              AND t.{column} IS DISTINCT FROM d.{column}
            ON CONFLICT DO NOTHING""", [run_id])
        run(con, f"""
            UPDATE typed_people t SET {column} = NULL FROM _directory d
            WHERE t.person_id = d.person_id AND t.source <> 'directory' AND d.{column} IS NOT NULL""")


def merge_all(con: duckdb.DuckDBPyConnection, run_id: str, limits: Limits | None = None,
              pseudonymize: bool = False) -> dict[str, TableOutcome]:
    """Run every staged table through typing, validation, identity and merge (pseudonyms first, when asked:
    ``register_pseudonyms`` must have been called on ``con``; so the directory conflicts hold pseudonyms too)."""
    limits = limits or Limits()
    outcomes: dict[str, TableOutcome] = {}
    for table in READER_TABLES:
        stop_at_unreadable_value(con, table, limits)
        if pseudonymize:
            pseudonymize_staged(con, table)
        reject_invalid(con, table)
        if table is PEOPLE:
            resolve_people(con)
        map_person_columns(con, table)
        reject_unknown_references(con, table)
        if table is PEOPLE:
            protect_directory(con, run_id)
        outcome = TableOutcome(rejected=rejected_counts(con, table))
        outcome.loaded, outcome.duplicate = merge_into_store(con, table)
        outcomes[table.name] = outcome
    write_rejected_rows(con, run_id)
    return outcomes

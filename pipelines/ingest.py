"""``pulso ingest``: read exports, validate, merge, rebuild rollups, check, publish."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC
from pathlib import Path

import duckdb

from pipelines.errors import IngestError
from pipelines.merge import TableOutcome, merge_all, register_pseudonyms
from pipelines.readers import Reader, detect_reader, reader_named
from pipelines.derived import build_derived
from pipelines.staging import Stage, create_typed_tables
from pipelines.store import building_copy, create_schema, open_build_connection, set_info, writer_lock
from pulso import __version__
from pulso.core.privacy import pseudonym_key, pseudonymous_text
from pulso.core.schema import READER_TABLES
from pulso.core.settings import Settings, load_settings
from pulso.core.sql import one, run


@dataclass
class IngestSummary:
    run_id: str
    formats: list[str]
    # table -> (read, loaded, rejected, duplicate)
    per_table: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    # (file, table) -> (read, loaded, rejected, duplicate)
    per_file: dict[tuple[str, str], tuple[int, int, int, int]] = field(default_factory=dict)

    def table_text(self) -> str:
        header = f"{'table':<16}{'read':>10}{'loaded':>10}{'rejected':>10}{'duplicates':>12}"
        lines = [header, "-" * len(header)]
        for name, (read, loaded, rejected, duplicate) in self.per_table.items():
            lines.append(f"{name:<16}{read:>10,}{loaded:>10,}{rejected:>10,}{duplicate:>12,}")
        return "\n".join(lines)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def ingest(paths: list[Path], db_path: Path, format_name: str | None = None,
           settings: Settings | None = None) -> IngestSummary:
    """Load ``paths`` into the store at ``db_path`` atomically, with ``settings`` (default: the settings file in
    force). With no paths, the store is published again with the settings applied. Raises IngestError."""
    settings = settings or load_settings()
    key = pseudonym_key() if settings.privacy.pseudonymize else None  # no key: refused before anything is read
    readers: list[tuple[Path, Reader]] = []
    for path in paths:
        path = Path(path)
        if format_name:
            if not path.exists():
                raise IngestError(str(path), "no such file or folder")
            readers.append((path, reader_named(format_name)))
        else:
            readers.append((path, detect_reader(path)))
    # The org directory goes first, so that its ids become the canonical ones.
    readers.sort(key=lambda pr: pr[1].name != "directory")
    run_id = new_run_id()
    started = datetime.now(UTC).replace(tzinfo=None)
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(db_path), building_copy(db_path) as build_path:
        con = open_build_connection(build_path)
        try:
            summary = _load(con, readers, run_id, started, settings, key)
            run(con, "CHECKPOINT")
        finally:
            con.close()
    return summary


def _load(con: duckdb.DuckDBPyConnection, readers: list[tuple[Path, Reader]], run_id: str,
          started: datetime, settings: Settings, key: bytes | None = None) -> IngestSummary:
    _check_pseudonymized(con, key is not None)
    create_schema(con, settings)
    set_info(con, pseudonymized=str(key is not None).lower())
    create_typed_tables(con)
    if key is not None:
        register_pseudonyms(con, key)
    stages: list[Stage] = []
    for path, reader in readers:
        stage = Stage(con, reader.name, settings)
        reader.read(path, stage)
        stages.append(stage)
    for stage in stages:
        for reject in stage.rejects:
            reason, raw = reject.reason, reject.raw
            if key is not None:  # no real name or e-mail in a pseudonymised store, rejected rows included
                reason = pseudonymous_text(reason, key)
                raw = "" if reject.table == "people" else pseudonymous_text(raw, key)
            run(con, "INSERT INTO rejected_rows VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        [run_id, reject.file, reject.line, reject.table, reason, raw])
    outcomes = merge_all(con, run_id, pseudonymize=key is not None)
    summary = _summarise(run_id, readers, stages, outcomes)
    _record(con, summary, readers, started)
    _record_facts(con, stages)
    build_derived(con, settings)
    set_info(con, published_at=datetime.now(UTC).isoformat(timespec="seconds"))
    return summary


def _check_pseudonymized(con: duckdb.DuckDBPyConnection, wanted: bool) -> None:
    """A store is pseudonymised from its first load or never: mixing would put real names beside pseudonyms."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not {"store_info", "people"} <= tables or one(con, "SELECT count(*) FROM people")[0] == 0:
        return
    found = one(con, "SELECT value FROM store_info WHERE key = 'pseudonymized'")
    current = bool(found and found[0] == "true")
    if current != wanted:
        state = "pseudonymised" if current else "not pseudonymised"
        raise IngestError(None, f"the store is {state} and the settings say pseudonymize = {str(wanted).lower()}: "
                                "load the exports into a new store instead")


def _summarise(run_id: str, readers, stages: list[Stage], outcomes: dict[str, TableOutcome]) -> IngestSummary:
    summary = IngestSummary(run_id, sorted({r.name for _, r in readers}))
    reader_rejects: dict[tuple[str, str], int] = {}
    for stage in stages:
        for reject in stage.rejects:
            reader_rejects[(reject.file, reject.table)] = reader_rejects.get((reject.file, reject.table), 0) + 1
    read: dict[tuple[str, str], int] = {}
    for stage in stages:
        for key, n in stage.rows_read.items():
            read[key] = read.get(key, 0) + n
    for table in READER_TABLES:
        outcome = outcomes[table.name]
        files = {f for (f, t) in read if t == table.name}
        totals = [0, 0, 0, 0]
        for file in sorted(files):
            row = (
                read[(file, table.name)],
                outcome.loaded[file],
                outcome.rejected[file] + reader_rejects.get((file, table.name), 0),
                outcome.duplicate[file],
            )
            if row[0] != row[1] + row[2] + row[3]:
                raise IngestError(file, f"internal check failed for {table.name}: read {row[0]} != "
                                        f"loaded {row[1]} + rejected {row[2]} + duplicates {row[3]}")
            summary.per_file[(file, table.name)] = row
            totals = [a + b for a, b in zip(totals, row)]
        if files:
            summary.per_table[table.name] = tuple(totals)
    return summary


def _record(con: duckdb.DuckDBPyConnection, summary: IngestSummary, readers, started: datetime) -> None:
    run(con,
        "INSERT INTO ingestion_runs VALUES (?, ?, ?, ?, ?, ?)",
        [summary.run_id, started, datetime.now(UTC).replace(tzinfo=None),
         ";".join(str(p) for p, _ in readers), ";".join(summary.formats), __version__],
    )
    for (file, table), counts in summary.per_file.items():
        run(con, "INSERT INTO ingestion_file_stats VALUES (?, ?, ?, ?, ?, ?, ?)", [summary.run_id, file, table, *counts])


FACT_TIME_COLUMNS = {
    "people": ("people", "joined_at"), "groups": ("groups", "created_at"),
    "memberships": ("memberships", "joined_at"), "messages": ("messages", "created_at"),
    "reactions": ("reactions", "created_at"), "visits": ("visits", "started_at"),
    "activity_counts": ("activity_counts", "period_end"), "interactions": ("interactions", "occurred_at"),
    "campaign_events": ("campaign_events", "event_date"),
}


def _record_facts(con: duckdb.DuckDBPyConnection, stages: list[Stage]) -> None:
    """Refresh source_facts: what each source has supplied and the span it covers."""
    declared = {(s.source, fact) for s in stages for fact in s.facts}
    for source, fact in sorted(declared):
        run(con, "INSERT INTO source_facts (source, fact) VALUES (?, ?) ON CONFLICT DO NOTHING", [source, fact])
    for source, fact in con.execute("SELECT source, fact FROM source_facts").fetchall():
        if fact not in FACT_TIME_COLUMNS:
            continue
        table, column = FACT_TIME_COLUMNS[fact]
        first, last, rows = one(con,
            f"SELECT min({column}), max({column}), count(*) FROM {table} WHERE source = ?", [source]
        )
        run(con, "UPDATE source_facts SET first_at = ?, last_at = ?, rows = ? WHERE source = ? AND fact = ?",
                    [first, last, rows, source, fact])

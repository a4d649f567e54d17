"""``pulso ingest``: read exports, validate, merge, rebuild the derived tables, check, publish.

Every record read is accounted for: loaded, rejected with its reason (one
``rejected_rows`` row per refused row) or counted as a duplicate, for every file
and table; the load stops if the count does not add up. A file that rejects more
than ``[limits] reject_warning_share`` of its rows (or a load that rejects
everything) is a warning; with ``strict`` it fails and nothing is published.

Every failure -- a bad input, a limit, a full disk, a read-only folder, a reader
defect -- is one :class:`~pipelines.errors.IngestError` line; the published store
is left byte for byte as it was.
"""

from __future__ import annotations

import errno
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.derived import build_derived
from pipelines.errors import IngestError
from pipelines.limits import Budget
from pipelines.merge import TableOutcome, create_reject_log, log_reader_rejects, merge_all, register_pseudonyms
from pipelines.readers import Reader, detect_reader, reader_named
from pipelines.staging import Stage, create_typed_tables
from pipelines.store import (
    building_copy, check_free_space, create_schema, open_build_connection, remove_stale_copies, resolve_store,
    set_info, writer_lock,
)
from pulso import __version__
from pulso.core.privacy import pseudonym_key, pseudonymous_text
from pulso.core.schema import NETWORK_TABLES, READER_TABLES, SCHEMA_VERSION, TABLES_BY_NAME, create_table_sql
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
    # files that rejected more than the allowed share of their rows (and a load that rejected everything)
    warnings: list[str] = field(default_factory=list)
    # False when the load added nothing and the derived tables (and stored measures) were kept as published
    derived_rebuilt: bool = True

    def table_text(self) -> str:
        # columns widen for counts of ten million and more (a space always separates them)
        w = max([10] + [len(f"{n:,}") + 1 for counts in self.per_table.values() for n in counts])
        header = f"{'table':<16}{'read':>{w}}{'loaded':>{w}}{'rejected':>{w}}{'duplicates':>{max(w, 12)}}"
        lines = [header, "-" * len(header)]
        for name, (read, loaded, rejected, duplicate) in self.per_table.items():
            lines.append(f"{name:<16}{read:>{w},}{loaded:>{w},}{rejected:>{w},}{duplicate:>{max(w, 12)},}")
        return "\n".join(lines)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


# A builder of extra published tables: given the new store (derived tables built), it returns frames for
# tables declared in ``EXTRA_TABLES`` (e.g. the network measures the CLI precomputes with the metrics). The
# pipelines write them; they never import the code that computes them.
ExtraBuilder = Callable[[duckdb.DuckDBPyConnection], Mapping[str, pl.DataFrame]]
EXTRA_TABLES = {t.name: t for t in NETWORK_TABLES}


def ingest(paths: list[Path], db_path: Path, format_name: str | None = None,
           settings: Settings | None = None, strict: bool = False,
           builders: Sequence[ExtraBuilder] = ()) -> IngestSummary:
    """Load ``paths`` into the store at ``db_path`` atomically, with ``settings`` (default: the settings file in
    force). With no paths, the store is published again with the settings applied. ``strict``: a warning (a file
    rejecting more than the allowed share of its rows) fails the load. ``builders``: computations of extra
    tables (``EXTRA_TABLES``) run on the new store before it is published; without them those tables are
    absent (a previous publish's are dropped, never left stale). Raises IngestError, and only that."""
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
    started = datetime.now(UTC)
    db_path = Path(db_path)
    live = resolve_store(db_path)  # the lock and the replace act on the same (resolved) file
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        with writer_lock(live):
            remove_stale_copies(live)
            check_free_space(live, sum(input_size(p) for p, _ in readers))
            with building_copy(live) as build_path:
                con = open_build_connection(build_path)
                try:
                    summary = _load(con, readers, run_id, started, settings, key, builders)
                    if strict and summary.warnings:
                        more = f" (and {len(summary.warnings) - 1} more)" if len(summary.warnings) > 1 else ""
                        raise IngestError(None, f"--strict: {summary.warnings[0]}{more}; nothing was published")
                    run(con, "CHECKPOINT")
                finally:
                    con.close()
    except IngestError:
        raise
    except (OSError, duckdb.Error) as exc:
        raise IngestError(str(db_path), store_problem(exc)) from None
    except MemoryError:
        raise IngestError(str(db_path), "not enough memory for this load; nothing was published") from None
    return summary


def input_size(path: Path) -> int:
    """Bytes of an input on disk (a folder: its files, links not followed)."""
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
        return path.stat().st_size
    except OSError:
        return 0


def os_problem(exc: BaseException) -> str | None:
    """A full disk, a read-only folder or a refused permission, said in the user's terms (any error type:
    Python's OSError or DuckDB's own I/O errors)."""
    code = getattr(exc, "errno", None)
    text = str(exc)
    if code == errno.ENOSPC or "No space left on device" in text:
        return "no space left on the device (the disk is full); nothing was published"
    if code == errno.EROFS or "Read-only file system" in text:
        return "the folder is on a read-only file system: the store cannot be written; nothing was published"
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return f"permission denied{where}: the store's folder must be writable; nothing was published"
    if code == errno.EDQUOT or "Disk quota exceeded" in text:
        return "disk quota exceeded; nothing was published"
    return None


def store_problem(exc: BaseException) -> str:
    problem = os_problem(exc)
    if problem:
        return problem
    first = " ".join(str(exc).strip().splitlines()[:1]) or type(exc).__name__
    return f"cannot write the store ({first}); nothing was published"


def read_guarded(reader: Reader, path: Path, stage: Stage) -> None:
    """Run a reader. Whatever goes wrong becomes one line naming the input: an IngestError as the reader said it,
    a disk or permission problem in the user's terms, and anything else as a reader defect."""
    try:
        reader.read(path, stage)
    except IngestError:
        raise
    except RecursionError:
        raise stage.budget.depth_problem(str(path)) from None
    except MemoryError:
        raise IngestError(str(path), "not enough memory to read this input (see [limits] parsed_file_mb)") from None
    except (OSError, duckdb.Error) as exc:
        problem = os_problem(exc)
        if problem:
            raise IngestError(str(path), problem) from None
        if isinstance(exc, OSError):
            raise IngestError(str(getattr(exc, "filename", None) or path),
                              f"cannot read: {exc.strerror or exc}") from None
        raise _defect(reader, path, exc) from None
    except Exception as exc:
        raise _defect(reader, path, exc) from None


def _defect(reader: Reader, path: Path, exc: BaseException) -> IngestError:
    detail = " ".join(str(exc).split())
    detail = detail if len(detail) <= 200 else detail[:197] + "..."
    return IngestError(str(path), f"the {reader.name} reader failed on this input ({type(exc).__name__}: {detail}); "
                                  f"this is a defect in Pulso, please report it with the file")


def _load(con: duckdb.DuckDBPyConnection, readers: list[tuple[Path, Reader]], run_id: str,
          started: datetime, settings: Settings, key: bytes | None = None,
          builders: Sequence[ExtraBuilder] = ()) -> IngestSummary:
    before = _published_info(con)
    _check_pseudonymized(con, key is not None)
    create_schema(con, settings)
    set_info(con, pseudonymized=str(key is not None).lower())
    create_typed_tables(con)
    create_reject_log(con)
    first, last = settings.limits.window(started)
    run(con, "SET VARIABLE pulso_tz = ?", [settings.timezone])
    run(con, "SET VARIABLE pulso_first = ?::TIMESTAMP", [first])
    run(con, "SET VARIABLE pulso_last = ?::TIMESTAMP", [last])
    budget = Budget(settings.limits)
    if key is not None:
        register_pseudonyms(con, key)
    stages: list[Stage] = []
    for path, reader in readers:
        stage = Stage(con, reader.name, settings, budget)
        read_guarded(reader, path, stage)
        if key is not None:  # no real name or e-mail in a pseudonymised store, rejected rows included
            stage.rejects = [replace(r, reason=pseudonymous_text(r.reason, key),
                                     raw="" if r.table == "people" else pseudonymous_text(r.raw, key))
                             for r in stage.rejects]
        log_reader_rejects(con, stage.rejects)
        stages.append(stage)
    outcomes = merge_all(con, run_id, settings.limits, pseudonymize=key is not None)
    summary = _summarise(run_id, readers, stages, outcomes)
    summary.warnings = _warnings(con, summary, settings)
    _record(con, summary, readers, started.replace(tzinfo=None))
    _record_facts(con, stages)
    if readers and _nothing_changed(summary, before, settings):
        # Every row was a duplicate (or refused) and the settings are those the store was built with: the derived
        # tables and the stored measures are still exact; only the bookkeeping of this run is new.
        summary.derived_rebuilt = False
    else:
        build_derived(con, settings)
        build_extra(con, builders)
    set_info(con, published_at=datetime.now(UTC).isoformat(timespec="seconds"))
    return summary


def _published_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """store_info of the store being loaded into, as it was published (empty for a new store)."""
    if not one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'store_info'")[0]:
        return {}
    return dict(con.execute("SELECT key, value FROM store_info").fetchall())


def _nothing_changed(summary: IngestSummary, before: dict[str, str], settings: Settings) -> bool:
    """True when this load put no row into the store, into a store published by this schema with these settings."""
    return (bool(before) and before.get("schema_version") == str(SCHEMA_VERSION)
            and before.get("settings_digest") == settings.digest and "published_at" in before
            and sum(loaded for _, loaded, _, _ in summary.per_table.values()) == 0)


def build_extra(con: duckdb.DuckDBPyConnection, builders: Sequence[ExtraBuilder]) -> None:
    """Drop the extra tables of the previous publish, then write what each builder returns."""
    for table in EXTRA_TABLES.values():
        run(con, f"DROP TABLE IF EXISTS {table.name}")
    for build in builders:
        try:
            tables = build(con)
        except (IngestError, duckdb.Error, MemoryError, OSError):
            raise  # said in the user's terms by ingest()
        except Exception as exc:
            detail = " ".join(str(exc).split())[:200]
            raise IngestError(None, f"computing {getattr(build, '__name__', 'extra tables')} failed "
                                    f"({type(exc).__name__}: {detail}); this is a defect in Pulso, nothing was "
                                    "published") from None
        for name, frame in tables.items():
            table = EXTRA_TABLES.get(name)
            if table is None:
                raise IngestError(None, f"a publish step returned the undeclared table {name!r}; nothing was published")
            run(con, create_table_sql(table))
            if frame.height:
                columns = ", ".join(table.column_names)
                con.register("_extra_rows", frame.select(table.column_names).to_arrow())
                try:
                    run(con, f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM _extra_rows")
                finally:
                    con.unregister("_extra_rows")


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
    read: dict[tuple[str, str], int] = {}
    skipped: dict[tuple[str, str], int] = {}
    for stage in stages:
        for key, n in stage.rows_read.items():
            read[key] = read.get(key, 0) + n
        for key, n in stage.duplicates.items():
            skipped[key] = skipped.get(key, 0) + n
    for table in READER_TABLES:
        outcome = outcomes[table.name]
        files = {f for (f, t) in read if t == table.name}
        totals = [0, 0, 0, 0]
        for file in sorted(files):
            row = (
                read[(file, table.name)],
                outcome.loaded[file],
                outcome.rejected[file],
                outcome.duplicate[file] + skipped.get((file, table.name), 0),
            )
            if row[0] != row[1] + row[2] + row[3]:
                raise IngestError(file, f"internal check failed for {table.name}: read {row[0]} != "
                                        f"loaded {row[1]} + rejected {row[2]} + duplicates {row[3]}")
            summary.per_file[(file, table.name)] = row
            totals = [a + b for a, b in zip(totals, row)]
        if files:
            summary.per_table[table.name] = tuple(totals)
    return summary


def _warnings(con: duckdb.DuckDBPyConnection, summary: IngestSummary, settings: Settings) -> list[str]:
    share = settings.limits.reject_warning_share
    out = []
    for (file, table), (read, _, rejected, _) in summary.per_file.items():
        if read and rejected and rejected / read > share:
            reason = one(con, "SELECT reason FROM _reject_log WHERE file = ? AND table_name = ? ORDER BY seq LIMIT 1",
                         [file, table])
            out.append(f"{file}: {rejected:,} of {read:,} {table} rows rejected ({100 * rejected / read:.0f} %, more "
                       f"than the {100 * share:g} % allowed by [limits] reject_warning_share); first reason: "
                       f"{reason[0] if reason else '?'}")
    read = sum(r for r, _, _, _ in summary.per_table.values())
    rejected = sum(j for _, _, j, _ in summary.per_table.values())
    if read and rejected == read and not out:
        out.append(f"every row read was rejected ({read:,}): nothing was loaded")
    return out


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
    "campaign_events": ("campaign_events", "event_date"), "join_dates": ("people", "joined_at"),
}


def _record_facts(con: duckdb.DuckDBPyConnection, stages: list[Stage]) -> None:
    """Refresh source_facts: what each source has supplied and the span it covers. A source whose people rows of
    this run carry an account creation time supplies ``join_dates`` (what new accounts are counted from)."""
    declared = {(s.source, fact) for s in stages for fact in s.facts}
    declared |= {(source, "join_dates") for (source,) in
                 con.execute("SELECT DISTINCT source FROM typed_people WHERE joined_at IS NOT NULL").fetchall()}
    for source, fact in sorted(declared):
        run(con, "INSERT INTO source_facts (source, fact) VALUES (?, ?) ON CONFLICT DO NOTHING", [source, fact])
    for source, fact in con.execute("SELECT source, fact FROM source_facts").fetchall():
        if fact not in FACT_TIME_COLUMNS:
            continue
        table, column = FACT_TIME_COLUMNS[fact]
        counted = f"count({column})" if fact == "join_dates" else "count(*)"
        if TABLES_BY_NAME[table].column(column).type == "DATE":  # a day: its local midnight, as a date alone is
            bound = "timezone(getvariable('pulso_tz'), CAST({}({}) AS TIMESTAMP)) AT TIME ZONE 'UTC'"
            low, high = bound.format("min", column), bound.format("max", column)
        else:
            low, high = f"min({column})", f"max({column})"
        first, last, rows = one(con, f"SELECT {low}, {high}, {counted} FROM {table} WHERE source = ?", [source])
        if (source, fact) == ("directory", "people"):  # it supplies everyone it lists, also people found first elsewhere
            rows = one(con, "SELECT count(*) FROM people WHERE in_directory")[0]
        run(con, "UPDATE source_facts SET first_at = ?, last_at = ?, rows = ? WHERE source = ? AND fact = ?",
                    [first, last, rows, source, fact])

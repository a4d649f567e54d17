"""Store bookkeeping for the dashboard's Datos page and its filters.

Read-only queries ``(con) -> polars.DataFrame`` on what has been loaded:
sources and the facts each supplied, ingestion runs, rejected rows, data
freshness, the values the filters offer, and the communications calendar
(registered as metric ``campaign_calendar`` so pages can draw events on a
time axis).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.registry import metric
from metrics.scope import UNASSIGNED, Scope



def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params or []).pl()


def sources_and_facts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """source, fact, rows, first_at, last_at (UTC): one row per fact each source supplied."""
    return _frame(con, "SELECT source, fact, rows, first_at, last_at FROM source_facts ORDER BY source, fact")


def ingestion_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """run_id, started_at, finished_at, paths, formats, rows_read, rows_loaded, rows_rejected, rows_duplicate;
    newest first."""
    return _frame(con, """
        SELECT r.run_id, r.started_at, r.finished_at, r.paths, r.formats,
               coalesce(sum(s.rows_read), 0)::BIGINT AS rows_read, coalesce(sum(s.rows_loaded), 0)::BIGINT AS rows_loaded,
               coalesce(sum(s.rows_rejected), 0)::BIGINT AS rows_rejected,
               coalesce(sum(s.rows_duplicate), 0)::BIGINT AS rows_duplicate
        FROM ingestion_runs r LEFT JOIN ingestion_file_stats s USING (run_id)
        GROUP BY ALL ORDER BY r.started_at DESC""")


def rejected_rows(con: duckdb.DuckDBPyConnection, limit: int = 1000) -> pl.DataFrame:
    """run_id, file, line, table_name, reason, raw: the newest ``limit`` rejected rows."""
    return _frame(con, """
        SELECT j.run_id, j.file, j.line, j.table_name, j.reason, j.raw
        FROM rejected_rows j LEFT JOIN ingestion_runs r USING (run_id)
        ORDER BY r.started_at DESC, j.file, j.line LIMIT ?""", [limit])


def rejects_by_reason(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """file, table_name, reason, rows: rejected rows counted by reason."""
    return _frame(con, """SELECT file, table_name, reason, count(*) AS rows FROM rejected_rows
                          GROUP BY ALL ORDER BY rows DESC, file, reason""")


def freshness(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """fact, first_at, last_at (UTC, over every source that supplied it), rows."""
    return _frame(con, """SELECT fact, min(first_at) AS first_at, max(last_at) AS last_at, sum(rows)::BIGINT AS rows
                          FROM source_facts GROUP BY fact ORDER BY fact""")


def activity_bounds(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """(first local day, last local day) with any activity in the rollup, or None for an empty store."""
    rows = con.execute("SELECT min(day), max(day) FROM person_day_activity").fetchall()
    return None if not rows or rows[0][0] is None else (rows[0][0], rows[0][1])


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Values the sidebar filters offer: regions, offices (with their region), roles, groups (id, name)."""
    out: dict[str, list] = {}
    for column in ("region", "role"):
        out[column] = [r[0] for r in con.execute(
            f"SELECT DISTINCT coalesce({column}, ?) AS v FROM people WHERE coalesce(is_bot, FALSE) = FALSE ORDER BY v",
            [UNASSIGNED]).fetchall()]
    out["office"] = [(r[0], r[1]) for r in con.execute(
        "SELECT DISTINCT coalesce(office, ?) AS o, coalesce(region, ?) AS r FROM people "
        "WHERE coalesce(is_bot, FALSE) = FALSE ORDER BY o, r", [UNASSIGNED, UNASSIGNED]).fetchall()]
    out["group"] = [(r[0], r[1]) for r in con.execute(
        "SELECT group_id, coalesce(name, group_id) FROM groups ORDER BY 2").fetchall()]
    return out


@metric(
    "campaign_calendar",
    label={"es": "Calendario de comunicación", "en": "Communications calendar"},
    description={"es": "Eventos del calendario de comunicación (anuncios, recordatorios, capacitaciones) del periodo.",
                 "en": "Communications-calendar events (announcements, reminders, trainings) in the period."},
    definition={"es": "Cada evento cuyo día (zona horaria de la organización) cae en el periodo: fecha, título, canal y "
                      "audiencia, tal como los cargó la fuente. No depende de los filtros de personas.",
                "en": "Every event whose day (organisation time zone) falls in the period: date, title, channel and "
                      "audience, as the source loaded them. People filters do not apply."},
    unit="table", requires=("campaign_events",), group="campaigns",
)
def campaign_calendar(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """event_id, event_date, title, channel, audience; by date."""
    return _frame(con, """SELECT event_id, event_date, title, channel, audience FROM campaign_events
                          WHERE event_date BETWEEN ? AND ? ORDER BY event_date, event_id""", [scope.start, scope.end])


def org_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The organisation's time zone (for showing times), cached per store by the dashboard."""
    from metrics.store import org_timezone as timezone_of

    return timezone_of(con)


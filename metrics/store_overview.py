"""What the store holds, for the Datos page and the filters.

The tables the Datos page shows (sources and facts, freshness, load runs,
rejected rows) are registered metrics like every other number; the scope's
period and filters do not apply to them (they describe the whole store).
``filter_options`` gives the values the sidebar offers.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from metrics.parameters import limit
from metrics.registry import NO_PEOPLE, col, metric
from pulso.core.access import Rights
from pulso.core.scope import Scope
from pulso.core.sql import frame, rows

FACT = col("fact", "str", "Dato", "Fact", "code")
SOURCE = col("source", "str", "Fuente", "Source", "code")
ROWS = col("rows", "int", "Filas", "Rows", "count")
FIRST = col("first_at", "datetime", "Desde", "From", "datetime")
LAST = col("last_at", "datetime", "Hasta", "To", "datetime")


def store_metric(name: str, es: str, en: str, def_es: str, def_en: str, columns: tuple, parameters: tuple = (),
                 store_wide: bool = False):
    """What the store holds; ``store_wide``: its rows carry person-level content (rejected rows)."""
    return metric(name, label={"es": es, "en": en}, description={"es": def_es, "en": def_en},
                  definition={"es": def_es, "en": def_en}, columns=columns, parameters=parameters, group="store",
                  store_wide=store_wide, cells=None if store_wide else NO_PEOPLE)


@store_metric("store_sources", "Fuentes y datos cargados", "Loaded sources and facts",
              "Cada dato que aportó cada fuente, con cuántas filas y el periodo que cubre.",
              "Every fact each source supplied, with how many rows and the span it covers.",
              (SOURCE, FACT, ROWS, FIRST, LAST))
def store_sources(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return frame(con, "SELECT source, fact, rows, first_at, last_at FROM source_facts ORDER BY source, fact")


@store_metric("store_freshness", "Actualidad de los datos", "Data freshness",
              "Por dato, el periodo que cubren todas las fuentes juntas y sus filas.",
              "Per fact, the span all sources together cover, and their rows.", (FACT, FIRST, LAST, ROWS))
def store_freshness(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return frame(con, """SELECT fact, min(first_at) AS first_at, max(last_at) AS last_at, sum(rows)::BIGINT AS rows
                         FROM source_facts GROUP BY fact ORDER BY fact""")


@store_metric("store_runs", "Cargas", "Load runs",
              "Cada carga publicada, la más reciente primero: filas leídas = cargadas + rechazadas + duplicadas.",
              "Every published load, newest first: rows read = loaded + rejected + duplicates.",
              (col("run_id", "str", "Carga", "Run", "id"), col("started_at", "datetime", "Inicio", "Started", "datetime"),
               col("finished_at", "datetime", "Fin", "Finished", "datetime"),
               col("formats", "str", "Formatos", "Formats", "text"),
               col("rows_read", "int", "Filas leídas", "Rows read", "count"),
               col("rows_loaded", "int", "Cargadas", "Loaded", "count"),
               col("rows_rejected", "int", "Rechazadas", "Rejected", "count"),
               col("rows_duplicate", "int", "Duplicadas", "Duplicates", "count")))
def store_runs(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return frame(con, """
        SELECT r.run_id, r.started_at, r.finished_at, r.formats,
               coalesce(sum(s.rows_read), 0)::BIGINT AS rows_read, coalesce(sum(s.rows_loaded), 0)::BIGINT AS rows_loaded,
               coalesce(sum(s.rows_rejected), 0)::BIGINT AS rows_rejected,
               coalesce(sum(s.rows_duplicate), 0)::BIGINT AS rows_duplicate
        FROM ingestion_runs r LEFT JOIN ingestion_file_stats s USING (run_id)
        GROUP BY ALL ORDER BY r.started_at DESC""")


REJECT_FILE = col("file", "str", "Archivo", "File", "text")
# The file's name only (and the member of a zip): never the folder it was loaded from on the server.
FILE_NAME = ("CASE WHEN contains(file, '!') THEN regexp_replace(split_part(file, '!', 1), '^.*[/\\\\]', '') || '!' "
             "|| substr(file, strpos(file, '!') + 1) ELSE regexp_replace(file, '^.*[/\\\\]', '') END")
REJECT_TABLE = col("table_name", "str", "Tabla", "Table", "code")
REJECT_REASON = col("reason", "str", "Motivo", "Reason", "text")


@store_metric("store_rejects_by_reason", "Filas rechazadas por motivo", "Rejected rows by reason",
              "Filas que una carga no pudo usar, contadas por archivo (su nombre), tabla y motivo.",
              "Rows a load could not use, counted by file (its name), table and reason.",
              (REJECT_FILE, REJECT_TABLE, REJECT_REASON, ROWS), store_wide=True)
def store_rejects_by_reason(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return frame(con, f"""SELECT {FILE_NAME} AS file, table_name, reason, count(*) AS rows FROM rejected_rows
                          GROUP BY ALL ORDER BY rows DESC, file, reason""")


@store_metric("store_rejected_rows", "Filas rechazadas", "Rejected rows",
              "Las filas rechazadas más recientes, con archivo (su nombre), fila, tabla, motivo y contenido (nunca el "
              "texto de un mensaje).",
              "The newest rejected rows, with file (its name), row, table, reason and content (never a message's "
              "text).",
              (col("run_id", "str", "Carga", "Run", "id"), REJECT_FILE, col("line", "int", "Fila", "Row", "count"),
               REJECT_TABLE, REJECT_REASON, col("raw", "str", "Contenido", "Content", "text")),
              (limit("limit", 1000, "Cuántas filas.", "How many rows.", maximum=10_000),), store_wide=True)
def store_rejected_rows(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int = 1000) -> pl.DataFrame:
    return frame(con, f"""
        SELECT j.run_id, {FILE_NAME.replace('file', 'j.file')} AS file, j.line, j.table_name, j.reason, j.raw
        FROM rejected_rows j LEFT JOIN ingestion_runs r USING (run_id)
        ORDER BY r.started_at DESC, j.file, j.line LIMIT ?""", [limit])


@store_metric("store_directory_conflicts", "Diferencias con el directorio", "Conflicts with the directory",
              "Valores que otra fuente dio para una persona del directorio y que difieren del directorio: se conserva el "
              "del directorio (correo, nombre, región, oficina, puesto, jefe) y aquí queda el otro.",
              "Values another source gave for a person the directory lists that differ from the directory's: the "
              "directory's e-mail, name, region, office, role and manager are kept; the other value is listed here.",
              (col("person_id", "str", "Persona (ID)", "Person (ID)", "id"),
               col("column_name", "str", "Dato", "Field", "code"),
               col("directory_value", "str", "Según el directorio", "Directory says", "text"),
               col("other_value", "str", "Según la otra fuente", "Other source says", "text"),
               SOURCE, REJECT_FILE, col("line", "int", "Fila", "Row", "count")),
              (limit("limit", 1000, "Cuántas filas.", "How many rows.", maximum=10_000),), store_wide=True)
def store_directory_conflicts(con: duckdb.DuckDBPyConnection, scope: Scope, limit: int = 1000) -> pl.DataFrame:
    return frame(con, f"""
        SELECT c.person_id, c.column_name, c.directory_value, c.other_value, c.source,
               {FILE_NAME.replace('file', 'c.file')} AS file, c.line
        FROM directory_conflicts c LEFT JOIN ingestion_runs r USING (run_id)
        ORDER BY r.started_at DESC, c.person_id, c.column_name, c.file, c.line LIMIT ?""", [limit])


def filter_options(con: duckdb.DuckDBPyConnection, rights: Rights | None = None) -> dict[str, list]:
    """Values the sidebar filters offer: regions, offices (with their region), roles, groups (id, name) -- only
    those of the people the viewer's ``rights`` cover, and private groups (or groups whose privacy no source
    gave) only to viewers who may see their names. A viewer with aggregates only is offered the visible regions
    and offices and no role or group (``metrics/privacy.py`` refuses the rest). No rights: everything."""
    sp, params = Scope(date.min, date.min, rights=rights).people_cte()
    out: dict[str, list] = {}
    for column in ("region", "role"):
        out[column] = [r[0] for r in rows(con, f"WITH {sp} SELECT DISTINCT {column} FROM sp ORDER BY 1", params)]
    out["office"] = [(r[0], r[1]) for r in rows(con, f"WITH {sp} SELECT DISTINCT office, region FROM sp ORDER BY 1, 2",
                                                params)]
    public = "TRUE" if rights is None or rights.private_names else "NOT coalesce(is_private, TRUE)"
    out["group"] = [(r[0], r[1]) for r in rows(
        con, f"SELECT group_id, coalesce(name, group_id) FROM groups WHERE {public} ORDER BY 2")]
    if rights is not None and not rights.person_level:
        from metrics.privacy import Pattern, universe_counts
        from metrics.store import store_settings

        pattern = Pattern.of(universe_counts(con, Scope(date.min, date.min, rights=rights)),
                             store_settings(con).privacy.min_group_size)
        out["region"] = [r for r in out["region"] if pattern.status("region", r) is None]
        out["office"] = [(o, r) for o, r in out["office"] if pattern.status("office", o) is None]
        out["role"], out["group"] = [], []
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
    columns=(col("event_id", "str", "Evento (ID)", "Event (ID)", "id"), col("event_date", "date", "Fecha", "Date", "date"),
             col("title", "str", "Evento", "Event", "text"), col("channel", "str", "Canal", "Channel", "text"),
             col("audience", "str", "Audiencia", "Audience", "text")),
    requires=("campaign_events",), group="campaigns", cells=NO_PEOPLE,
)
def campaign_calendar(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    period, params = scope.period("event_date")
    return frame(con, f"""SELECT event_id, event_date, title, channel, audience FROM campaign_events
                          WHERE {period} ORDER BY event_date, event_id""", params)

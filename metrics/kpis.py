"""The KPI cards: one registered metric per indicator, and ``kpi_summary`` composed from them.

Every KPI is a function ``(con, scope) -> one row 'value'`` over the people in
scope and the period (``pulso.core.scope``), read from the derived tables whose
meanings are the vocabulary (``person_day_activity.acted`` is an action,
``.contributed`` a contribution). The cards, the report and ``kpi_summary``
list the KPIs in the order they are registered here; adding a KPI is adding
one function below.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.registry import MetricDefinition, col, kpis, metric, missing_facts
from metrics.store import data_span
from pulso.core.scope import Scope, eligible
from pulso.core.sql import one

EVENTS = ("messages", "reactions", "visits")
CONTRIBUTIONS = ("messages", "reactions")
PEOPLE_VALUE = (col("value", "float", "Personas", "People", "count"),)
COUNT_VALUE = (col("value", "float", "Cantidad", "Count", "count"),)
RATIO_VALUE = (col("value", "float", "Proporción", "Share", "ratio"),)
MINUTES_VALUE = (col("value", "float", "Minutos", "Minutes", "minutes"),)


def kpi(name: str, es: str, en: str, definition_es: str, definition_en: str, columns: tuple, change: str = "percent",
        requires: tuple[str, ...] = ("people",), requires_any: tuple[str, ...] = ()):
    """Register a KPI: its label is its card's title, its definition the card's help."""
    return metric(name, label={"es": es, "en": en}, description={"es": definition_es, "en": definition_en},
                  definition={"es": definition_es, "en": definition_en}, columns=columns, requires=requires,
                  requires_any=requires_any, group="kpi", kind="kpi", change=change)


def value(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pl.DataFrame:
    found = one(con, sql, params)
    number = None if found is None or found[0] is None else float(found[0])
    return pl.DataFrame({"value": [number]}, schema={"value": pl.Float64})


def per_person_sum(con: duckdb.DuckDBPyConnection, scope: Scope, expression: str) -> pl.DataFrame:
    """Sum of ``expression`` over person_day_activity rows of the people in scope in the period."""
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    return value(con, f"WITH {sp} SELECT coalesce(sum({expression}), 0) FROM person_day_activity a "
                      f"JOIN sp USING (person_id) WHERE {period}", params + period_params)


def people_who(con: duckdb.DuckDBPyConnection, scope: Scope, flag: str) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    return value(con, f"WITH {sp} SELECT count(DISTINCT a.person_id) FROM person_day_activity a "
                      f"JOIN sp USING (person_id) WHERE {period} AND a.{flag}", params + period_params)


@kpi("active_accounts", "Cuentas activas", "Active accounts",
     "Personas con al menos una acción en el periodo: visita, hilo, respuesta o me gusta.",
     "People with at least one action in the period: a visit, a thread, a reply or a like.",
     PEOPLE_VALUE, requires_any=EVENTS)
def active_accounts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return people_who(con, scope, "acted")


@kpi("contributing_accounts", "Cuentas que aportan", "Contributing accounts",
     "Personas que en el periodo iniciaron un hilo, respondieron o dieron me gusta.",
     "People who started a thread, replied or liked in the period.", PEOPLE_VALUE, requires_any=CONTRIBUTIONS)
def contributing_accounts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return people_who(con, scope, "contributed")


@kpi("adoption", "Adopción", "Adoption",
     "Personas elegibles (en el directorio, sin baja al cierre) activas en el periodo ÷ personas elegibles.",
     "Eligible people (in the directory, not left by the period's end) active in the period ÷ eligible people.",
     RATIO_VALUE, change="points", requires_any=EVENTS)
def adoption(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    return value(con, f"""
        WITH {sp},
        active AS (SELECT DISTINCT a.person_id FROM person_day_activity a JOIN sp USING (person_id)
                   WHERE {period} AND a.acted)
        SELECT count(active.person_id) / nullif(count(*), 0)
        FROM sp LEFT JOIN active USING (person_id) WHERE {eligible('sp')}
    """, params + period_params + [scope.end])


@kpi("stickiness", "Adherencia (DAU/MAU)", "Stickiness (DAU/MAU)",
     "Promedio de activos diarios en el periodo ÷ activos en los 28 días que terminan al cierre del periodo.",
     "Average daily active people over the period ÷ people active in the 28 days ending on its last day.",
     RATIO_VALUE, change="points", requires_any=EVENTS)
def stickiness(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    return value(con, f"""
        WITH {sp},
        daily AS (SELECT count(*) / ? AS mean_dau FROM person_day_activity a JOIN sp USING (person_id)
                  WHERE {period} AND a.acted),
        monthly AS (SELECT count(DISTINCT a.person_id) AS mau FROM person_day_activity a JOIN sp USING (person_id)
                    WHERE a.day BETWEEN ?::DATE - 27 AND ? AND a.acted)
        SELECT mean_dau / nullif(mau, 0) FROM daily, monthly
    """, params + [float(scope.days)] + period_params + [scope.end, scope.end])


@kpi("threads_started", "Hilos iniciados", "Threads started",
     "Mensajes que inician un hilo, escritos en el periodo por personas del alcance.",
     "Messages starting a thread, written in the period by people in scope.", COUNT_VALUE, requires=("messages",))
def threads_started(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return per_person_sum(con, scope, "a.threads_started")


@kpi("replies", "Respuestas", "Replies",
     "Respuestas escritas en el periodo por personas del alcance.",
     "Replies written in the period by people in scope.", COUNT_VALUE, requires=("messages",))
def replies(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return per_person_sum(con, scope, "a.replies")


@kpi("likes", "Me gusta", "Likes",
     "Me gusta y otras reacciones dados en el periodo por personas del alcance.",
     "Likes and other reactions given in the period by people in scope.", COUNT_VALUE, requires=("reactions",))
def likes(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return per_person_sum(con, scope, "a.likes_given")


@kpi("hashtag_uses", "Usos de hashtags", "Hashtag uses",
     "Hashtags en los mensajes escritos en el periodo por personas del alcance.",
     "Hashtags on the messages written in the period by people in scope.", COUNT_VALUE, requires=("messages",))
def hashtag_uses(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return per_person_sum(con, scope, "a.hashtags_used")


@kpi("visits", "Visitas", "Visits",
     "Visitas (sesiones) de personas del alcance en el periodo.", "Visits (sessions) by people in scope in the period.",
     COUNT_VALUE, requires=("visits",))
def visits(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    return per_person_sum(con, scope, "a.visits")


@kpi("median_minutes_per_active", "Minutos de uso (mediana)", "Time of use (median minutes)",
     "Mediana, entre las cuentas activas del periodo, de sus minutos de uso (duración de sus visitas).",
     "Median, over the period's active accounts, of their minutes of use (the length of their visits).",
     MINUTES_VALUE, requires=("visits",))
def median_minutes_per_active(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    return value(con, f"""
        WITH {sp}
        SELECT round(median(minutes), 2) FROM (
            SELECT a.person_id, sum(a.visit_seconds) / 60.0 AS minutes FROM person_day_activity a
            JOIN sp USING (person_id) WHERE {period} GROUP BY a.person_id HAVING bool_or(a.acted))
    """, params + period_params)


@kpi("new_accounts", "Cuentas nuevas", "New accounts",
     "Personas del alcance cuya cuenta se creó en el periodo.", "People in scope whose account was created in the period.",
     PEOPLE_VALUE)
def new_accounts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("sp.joined_day")
    return value(con, f"WITH {sp} SELECT count(*) FROM sp WHERE {period}", params + period_params)


@kpi("first_time_contributors", "Primeras aportaciones", "First-time contributors",
     "Personas cuya primera aportación de siempre cae en el periodo.",
     "People whose first contribution ever falls in the period.", PEOPLE_VALUE, requires_any=CONTRIBUTIONS)
def first_time_contributors(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("sp.first_contribution_day")
    return value(con, f"WITH {sp} SELECT count(*) FROM sp WHERE {period}", params + period_params)


@kpi("returning_accounts", "Cuentas que regresan", "Returning accounts",
     "Personas activas en el periodo que también lo estuvieron en el periodo anterior de igual duración.",
     "People active in the period who were also active in the previous period of the same length.",
     PEOPLE_VALUE, requires_any=EVENTS)
def returning_accounts(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("a.day")
    before, before_params = scope.previous().period("a.day")
    return value(con, f"""
        WITH {sp},
        now AS (SELECT DISTINCT a.person_id FROM person_day_activity a JOIN sp USING (person_id)
                WHERE {period} AND a.acted),
        earlier AS (SELECT DISTINCT a.person_id FROM person_day_activity a JOIN sp USING (person_id)
                    WHERE {before} AND a.acted)
        SELECT count(*) FROM now JOIN earlier USING (person_id)
    """, params + period_params + before_params)


def change(definition: MetricDefinition, now: float | None, before: float | None) -> float | None:
    """The change from ``before`` to ``now``: percent (relative) or percentage points (for shares)."""
    if now is None or before is None:
        return None
    if definition.change == "points":
        return round(100.0 * (now - before), 2)
    return round(100.0 * (now - before) / before, 2) if before else None


@metric(
    "kpi_summary",
    label={"es": "Resumen de indicadores", "en": "KPI summary"},
    description={"es": "Cada indicador clave del periodo frente al periodo anterior de igual duración.",
                 "en": "Every key indicator for the period against the previous period of the same length."},
    definition={"es": "Una fila por indicador clave (ver cada uno): su valor, el del periodo anterior y el cambio, en "
                      "% o en puntos porcentuales para las proporciones. Si las fuentes cargadas no dan el dato, el "
                      "valor queda vacío y el indicador se marca como no disponible.",
                "en": "One row per key indicator (see each): its value, the previous period's and the change, in % "
                      "or in percentage points for shares. Where the loaded sources lack the fact, the value is "
                      "empty and the indicator is marked not available."},
    columns=(col("kpi", "str", "Indicador", "Indicator", "id"), col("value", "float", "Valor", "Value", "number"),
             col("previous_value", "float", "Periodo anterior", "Previous period", "number"),
             col("change", "float", "Cambio", "Change", "number"),
             col("change_unit", "str", "Unidad del cambio", "Change unit", "id"),
             col("available", "bool", "Disponible", "Available", "bool")),
    requires=("people",), group="kpi",
)
def kpi_summary(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """One row per KPI, in card order."""
    span = data_span(con)
    previous = scope.previous().clipped(*span) if span else scope.previous()
    out = []
    for definition in kpis():
        available = not missing_facts(con, definition)
        now = definition.function(con, scope)["value"][0] if available else None
        before = definition.function(con, previous)["value"][0] if available and previous else None
        out.append({"kpi": definition.name, "value": now, "previous_value": before,
                    "change": change(definition, now, before), "change_unit": definition.change,
                    "available": available})
    return pl.DataFrame(out, schema={"kpi": pl.String, "value": pl.Float64, "previous_value": pl.Float64,
                                     "change": pl.Float64, "change_unit": pl.String, "available": pl.Boolean})


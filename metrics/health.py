"""Community health index: 28-day actives ÷ people active at least once in the last 12 months.

Both counts end on the scope's last day (the 28 and 365 local days ending on
``scope.end``); an action is a visit, post, reply or like; bots excluded.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.parameters import days
from metrics.registry import WHOLE_SCOPE, col, metric
from pulso.core.scope import Scope
from pulso.core.sql import one


@metric(
    "community_health_index",
    label={"es": "Índice de salud de la comunidad", "en": "Community health index"},
    description={"es": "Qué parte de quienes participaron en el último año siguen activos este mes.",
                 "en": "Which share of the people active in the last year are active this month."},
    definition={"es": "Activos en los 28 días que terminan al cierre ÷ personas con al menos una acción en los últimos "
                      "12 meses (365 días).",
                "en": "Active in the 28 days ending at the period's end ÷ people with at least one action in the "
                      "last 12 months (365 days)."},
    columns=(col("as_of", "date", "Al", "As of", "date"),
             col("active_recent", "int", "Activos recientes", "Recently active", "count"),
             col("active_year", "int", "Activos en el año", "Active in the year", "count"),
             col("health_index", "float", "Índice de salud", "Health index", "ratio")),
    requires=("people",), requires_any=("messages", "reactions", "visits"),
    parameters=(days("recent_days", "health_recent_days", None, "Días recientes.", "Recent days."),
                days("base_days", "health_base_days", None, "Días de la base.", "Base days.")),
    group="health", cells=WHOLE_SCOPE,
)
def community_health_index(con: duckdb.DuckDBPyConnection, scope: Scope, recent_days: int,
                           base_days: int) -> pl.DataFrame:
    """One row: as_of, active_recent, active_year, health_index (null when nobody was active in the year)."""
    sp, params = scope.people_cte()
    recent, year = one(con, f"""
        WITH {sp}
        SELECT count(DISTINCT a.person_id) FILTER (WHERE a.day > ?::DATE - ?),
               count(DISTINCT a.person_id)
        FROM person_day_activity a JOIN sp USING (person_id)
        WHERE a.day <= ? AND a.day > ?::DATE - ? AND a.acted
    """, params + [scope.end, int(recent_days), scope.end, scope.end, int(base_days)])
    return pl.DataFrame([{"as_of": scope.end, "active_recent": recent, "active_year": year,
                          "health_index": round(recent / year, 4) if year else None}],
                        schema={"as_of": pl.Date, "active_recent": pl.Int64, "active_year": pl.Int64,
                                "health_index": pl.Float64})

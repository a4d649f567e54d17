"""Activity alerts: offices and regions whose weekly active rate dropped abnormally.

Definitions
-----------
* Weeks are Monday-Sunday local weeks. The **weekly active rate** of a unit
  (office or region) is: people of the unit with any action in the week
  (``person_day_activity.acted``; rollup ``person_week_activity``) / people of the unit in the org directory (bots
  excluded; joined before the week ended, not left before it started).
* Each complete week that starts inside the scope is compared with the unit's
  own previous ``history_weeks`` weeks, all of them at or after the first
  week with any activity in the store (weeks before the data are not history):
  baseline = their median, spread = 1.4826 × their MAD (median absolute
  deviation), but never less than the sampling noise of a rate in a unit that
  size (√(p × (1 − p) / people) with p = (baseline × people + 1) / (people + 2),
  so that a flat 100 % history still has some: in a five-person office one
  person is 20 points) nor than ``min_spread``, so that a flat history does not
  make every small dip an alert. **robust_z** = (rate − baseline) / spread.
* An **alert** is a week with robust_z < ``threshold`` (default −3.5, the
  usual outlier cut of Iglewicz and Hoaglin) in a unit with at least
  ``min_people`` people. drop = baseline − rate (rate points), drop_pct = drop /
  baseline × 100. The method is deterministic (nothing random to seed).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.columns import REGION
from metrics.registry import Cells, Parameter, col, metric
from pulso.core.scope import Scope
from pulso.core.sql import frame


@metric(
    "activity_alerts",
    label={"es": "Alertas de actividad", "en": "Activity alerts"},
    description={"es": "Oficinas y regiones cuya tasa semanal de activos cae de forma anormal frente a su historia.",
                 "en": "Offices and regions whose weekly active rate falls abnormally against their own history."},
    definition={
        "es": "Tasa semanal de activos (activos / personas del directorio) de cada oficina y región comparada con "
              "sus semanas anteriores: z robusto = (tasa − mediana) / dispersión, con dispersión = 1.4826 × MAD, "
              "nunca menor que el ruido de muestreo del tamaño de la unidad ni que un mínimo. Alerta si el z "
              "robusto es menor que el umbral (−3.5) en unidades con suficientes personas.",
        "en": "Each office's and region's weekly active rate (actives / directory people) against its previous "
              "weeks: robust z = (rate − median) / spread, with spread = 1.4826 × MAD, never below the sampling "
              "noise of the unit's size nor a minimum. Alert when the robust z is below the threshold (−3.5) in "
              "units with enough people.",
    },
    columns=(col("level", "str", "Nivel", "Level", "code"), col("unit", "str", "Unidad", "Unit", "unit"), REGION,
             col("week_start", "date", "Semana", "Week", "date"), col("people", "int", "Personas", "People", "count"),
             col("actives", "int", "Activos", "Actives", "count"),
             col("active_rate", "float", "Tasa activa", "Active rate", "ratio"),
             col("baseline_rate", "float", "Tasa habitual", "Usual rate", "ratio"),
             col("robust_z", "float", "Z robusto", "Robust z", "score"),
             col("drop", "float", "Caída", "Drop", "ratio"), col("drop_pct", "float", "Caída (%)", "Drop (%)", "percent")),
    requires=("people",),
    requires_any=("messages", "visits", "reactions"),
    parameters=(
        Parameter("history_weeks", {"es": "Semanas previas que forman la historia.",
                                    "en": "Previous weeks forming the history."}, kind="int", default=8, minimum=1,
                  maximum=104),
        Parameter("threshold", {"es": "Umbral del z robusto.", "en": "Robust z threshold."}, kind="float",
                  default=-3.5, minimum=-100, maximum=0),
        Parameter("min_spread", {"es": "Dispersión mínima (puntos de tasa) para el z robusto.",
                                 "en": "Smallest spread (rate points) used in the robust z."}, kind="float",
                  default=0.02, minimum=0, maximum=1),
        Parameter("min_people", {"es": "Personas mínimas de la unidad.", "en": "Fewest people in a unit."},
                  kind="int", default=5, minimum=1, maximum=1_000_000),
    ),
    group="alerts", cells=Cells(key="unit", level_column="level"),
)
def activity_alerts(con: duckdb.DuckDBPyConnection, scope: Scope, history_weeks: int, threshold: float,
                    min_spread: float, min_people: int) -> pl.DataFrame:
    """Columns: level (office | region), unit, region, week_start, people, actives, active_rate,
    baseline_rate, robust_z, drop (rate points), drop_pct. Ordered by robust_z (worst first)."""
    rates = weekly_rates(con, scope, history_weeks)
    return find_alerts(rates, scope, history_weeks, threshold, min_spread, min_people)


def weekly_rates(con: duckdb.DuckDBPyConnection, scope: Scope, history_weeks: int) -> pl.DataFrame:
    """level, unit, region, week_start, people, actives for complete weeks from history_weeks before the scope."""
    sp, params = scope.people_cte()
    sql = f"""
        WITH {sp},
        p AS (SELECT person_id, region, office, joined_day, left_day FROM sp WHERE in_directory),
        weeks AS (
            SELECT CAST(w AS DATE) AS week_start
            FROM range(CAST(date_trunc('week', CAST(? AS DATE)) AS TIMESTAMP) - to_weeks(CAST(? AS INTEGER)),
                       CAST(? AS DATE) - INTERVAL 6 DAY + INTERVAL 1 DAY, INTERVAL 7 DAY) t(w)
            WHERE w >= (SELECT date_trunc('week', min(day)) FROM person_day_activity)
        ),
        members AS (
            SELECT w.week_start, p.person_id, p.region, p.office FROM weeks w JOIN p
              ON (p.joined_day IS NULL OR p.joined_day <= w.week_start + 6)
             AND (p.left_day IS NULL OR p.left_day >= w.week_start)
        ),
        active AS (  -- rollup: one row per person and local week with any action
            SELECT week_start, person_id FROM person_week_activity
            WHERE week_start >= (SELECT min(week_start) FROM weeks) AND week_start <= (SELECT max(week_start) FROM weeks)
        ),
        flagged AS (
            SELECT m.*, a.person_id IS NOT NULL AS is_active
            FROM members m LEFT JOIN active a USING (week_start, person_id)
        )
        SELECT 'office' AS level, office AS unit, any_value(region) AS region, week_start,
               count(*) AS people, count(*) FILTER (WHERE is_active) AS actives
        FROM flagged GROUP BY office, week_start
        UNION ALL
        SELECT 'region', region, region, week_start, count(*), count(*) FILTER (WHERE is_active)
        FROM flagged GROUP BY region, week_start
    """
    return frame(con, sql, params + [scope.start, int(history_weeks), scope.end])


def find_alerts(rates: pl.DataFrame, scope: Scope, history_weeks: int, threshold: float, min_spread: float,
                min_people: int) -> pl.DataFrame:
    """Pure: the alert rows from per-unit weekly counts (see the module docstring)."""
    schema = {"level": pl.String, "unit": pl.String, "region": pl.String, "week_start": pl.Date,
              "people": pl.Int64, "actives": pl.Int64, "active_rate": pl.Float64, "baseline_rate": pl.Float64,
              "robust_z": pl.Float64, "drop": pl.Float64, "drop_pct": pl.Float64}
    frame = rates.with_columns((pl.col("actives") / pl.col("people")).alias("active_rate"))
    current = frame.filter((pl.col("week_start") >= scope.start) & (pl.col("people") >= min_people))
    # each checked week with its history weeks 1..history_weeks back (all must exist)
    lags = current.select("level", "unit", "week_start").join(
        pl.DataFrame({"lag": list(range(1, history_weeks + 1))}), how="cross"
    ).with_columns((pl.col("week_start") - pl.duration(weeks=1) * pl.col("lag")).alias("history_week"))
    history = lags.join(frame.select("level", "unit", pl.col("week_start").alias("history_week"),
                                     pl.col("active_rate").alias("past_rate")),
                        on=["level", "unit", "history_week"], how="inner")
    keys = ["level", "unit", "week_start"]
    baseline = history.group_by(keys).agg(pl.len().alias("weeks"), pl.col("past_rate").median().alias("baseline_rate"))
    spread = (history.join(baseline, on=keys)
              .group_by(keys).agg((pl.col("past_rate") - pl.col("baseline_rate")).abs().median().alias("mad")))
    n = pl.col("people")
    shrunk = (pl.col("baseline_rate") * n + 1) / (n + 2)  # never 0 or 1: a flat 100% history still has noise
    judged = (current.join(baseline.filter(pl.col("weeks") == history_weeks), on=keys).join(spread, on=keys)
              .with_columns(pl.max_horizontal(1.4826 * pl.col("mad"), (shrunk * (1 - shrunk) / n).sqrt(),
                                              pl.lit(float(min_spread))).alias("spread"))
              .with_columns(((pl.col("active_rate") - pl.col("baseline_rate")) / pl.col("spread")).alias("robust_z"))
              .filter(pl.col("robust_z") < threshold)
              .with_columns((pl.col("baseline_rate") - pl.col("active_rate")).alias("drop"))
              .with_columns(pl.when(pl.col("baseline_rate") > 0)
                            .then(100.0 * pl.col("drop") / pl.col("baseline_rate")).alias("drop_pct")))
    return (judged.select([pl.col(c).cast(t) for c, t in schema.items()])
            .sort(["robust_z", "level", "unit"]))

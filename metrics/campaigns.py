"""Campaign impact: did a communications-calendar event move participation?

Definitions
-----------
For each campaign event whose day falls in the scope, and each measure:
* **before_N**: the N local days before the event day (day-N .. day-1);
  **after_N**: the event day and the N-1 days after it (day .. day+N-1).
* **actives**: distinct people in scope (bots excluded) with any action
  (``person_day_activity.acted``) in the window;
  **messages**: threads started + replies written in the window.
* **change_N_pct** = 100 × (after_N − before_N) / before_N (null when before_N = 0).
* **complete_N**: the after-window ends on or before the last day with data.
By region (``by='region'``) the same per region of the people (unassigned for
people with no directory entry).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.columns import REGION
from metrics.parameters import by
from metrics.registry import Cells, col, metric
from pulso.core.scope import Scope
from pulso.core.sql import frame


@metric(
    "campaign_impact",
    label={"es": "Impacto de campañas", "en": "Campaign impact"},
    description={"es": "Participación 7 y 14 días antes y después de cada evento del calendario de comunicación.",
                 "en": "Participation 7 and 14 days before and after each communications-calendar event."},
    definition={
        "es": "Para cada evento del periodo: personas activas distintas y mensajes (hilos + respuestas) en los "
              "N días previos al evento frente al día del evento y los N−1 siguientes (N = 7 y 14); cambio % = "
              "(después − antes) / antes. Sin bots. Por región si se pide.",
        "en": "For each event in the period: distinct active people and messages (threads + replies) in the N "
              "days before the event against the event day and the N−1 days after (N = 7 and 14); change % = "
              "(after − before) / before. Bots excluded. By region on request.",
    },
    columns=(col("event_id", "str", "Evento (ID)", "Event (ID)", "id"),
             col("event_date", "date", "Fecha", "Date", "date"), col("title", "str", "Evento", "Event", "text"),
             col("channel", "str", "Canal", "Channel", "text"), REGION,
             col("measure", "str", "Medida", "Measure", "code"),
             col("before_7", "int", "Antes (7 d)", "Before (7 d)", "count"),
             col("after_7", "int", "Después (7 d)", "After (7 d)", "count"),
             col("change_7_pct", "float", "Cambio 7 d", "Change 7 d", "percent"),
             col("before_14", "int", "Antes (14 d)", "Before (14 d)", "count"),
             col("after_14", "int", "Después (14 d)", "After (14 d)", "count"),
             col("change_14_pct", "float", "Cambio 14 d", "Change 14 d", "percent"),
             col("complete_7", "bool", "Ventana 7 d completa", "7-day window complete", "bool"),
             col("complete_14", "bool", "Ventana 14 d completa", "14-day window complete", "bool")),
    requires=("campaign_events",),
    requires_any=("messages", "visits", "reactions"),
    parameters=(
        by(("none", "region"), "none", "Desglose: none o region.", "Breakdown: none or region."),
    ),
    group="campaigns", cells=Cells(key="region", by=(("none", None, False), ("region", "region", False))),
)
def campaign_impact(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "none") -> pl.DataFrame:
    """Columns: event_id, event_date, title, channel, region ('all' without a breakdown), measure (actives | messages),
    before_7, after_7, change_7_pct, before_14, after_14, change_14_pct, complete_7, complete_14.
    Ordered by event_date, event_id, [region], measure."""
    sp, people_params = scope.people_cte("p")
    region = "p.region" if by == "region" else "'all'"
    # Every event's 28 days (-14 .. +13) as rows, equi-joined to the rollup on the day (a hash join: fast).
    sql = f"""
        WITH {sp},
        events AS (SELECT event_id, event_date, title, channel FROM campaign_events
                   WHERE event_date BETWEEN ? AND ?),
        days AS (SELECT e.event_id, CAST(e.event_date + CAST(o.k AS INTEGER) AS DATE) AS day, CAST(o.k AS INTEGER) AS shift
                 FROM events e, range(-14, 14) o(k)),
        hits AS (
            SELECT d.event_id, {region} AS region, d.shift, a.person_id, a.acted,
                   a.threads_started + a.replies AS messages_written
            FROM days d JOIN person_day_activity a ON a.day = d.day
            JOIN p ON p.person_id = a.person_id
        ),
        per_person AS (  -- one row per event, region and person: which windows they were active in
            SELECT event_id, region, person_id,
                   bool_or(acted AND shift BETWEEN -7 AND -1) AS b7, bool_or(acted AND shift BETWEEN 0 AND 6) AS a7,
                   bool_or(acted AND shift < 0) AS b14, bool_or(acted AND shift >= 0) AS a14,
                   sum(messages_written) FILTER (WHERE shift BETWEEN -7 AND -1) AS b7c,
                   sum(messages_written) FILTER (WHERE shift BETWEEN 0 AND 6) AS a7c,
                   sum(messages_written) FILTER (WHERE shift < 0) AS b14c,
                   sum(messages_written) FILTER (WHERE shift >= 0) AS a14c
            FROM hits GROUP BY ALL
        ),
        w AS (
            SELECT event_id, region,
                   count_if(b7) AS b7a, count_if(a7) AS a7a, count_if(b14) AS b14a, count_if(a14) AS a14a,
                   coalesce(sum(b7c), 0) AS b7c, coalesce(sum(a7c), 0) AS a7c,
                   coalesce(sum(b14c), 0) AS b14c, coalesce(sum(a14c), 0) AS a14c
            FROM per_person GROUP BY ALL
        ),
        long AS (
            SELECT event_id, region, 'actives' AS measure, b7a AS b7, a7a AS a7, b14a AS b14, a14a AS a14 FROM w
            UNION ALL
            SELECT event_id, region, 'messages', b7c, a7c, b14c, a14c FROM w
            UNION ALL  -- events with no activity at all around them still get their rows (zeros)
            SELECT e.event_id, 'all', m.measure, 0, 0, 0, 0
            FROM events e, (VALUES ('actives'), ('messages')) m(measure)
            WHERE e.event_id NOT IN (SELECT event_id FROM w)
        ),
        last_day AS (SELECT max(day) AS d FROM person_day_activity)
        SELECT e.event_id, e.event_date, e.title, e.channel, l.region, l.measure,
               l.b7::BIGINT AS before_7, l.a7::BIGINT AS after_7,
               CASE WHEN l.b7 > 0 THEN 100.0 * (l.a7 - l.b7) / l.b7 END AS change_7_pct,
               l.b14::BIGINT AS before_14, l.a14::BIGINT AS after_14,
               CASE WHEN l.b14 > 0 THEN 100.0 * (l.a14 - l.b14) / l.b14 END AS change_14_pct,
               coalesce(e.event_date + 6 <= (SELECT d FROM last_day), FALSE) AS complete_7,
               coalesce(e.event_date + 13 <= (SELECT d FROM last_day), FALSE) AS complete_14
        FROM events e JOIN long l ON l.event_id = e.event_id
        ORDER BY e.event_date, e.event_id, l.region, l.measure
    """
    return frame(con, sql, people_params + [scope.start, scope.end])

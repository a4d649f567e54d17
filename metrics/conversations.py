"""Conversations: are threads answered, and how fast.

Threads, their flags and their first reply by someone else are the ``threads``
table's (the one definition of a thread): a thread counts when its starter is
not deleted and is not a private conversation; threads in private groups count
(never shown). Here: the threads that count, started in the period by people in
scope (and in the scope's groups).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.parameters import by
from metrics.registry import Cells, col, metric
from pulso.core.scope import Scope
from pulso.core.sql import frame

BY_CHOICES = ("none", "asker_region", "asker_role", "responder_region", "responder_role")
STATS = (col("threads", "int", "Hilos", "Threads", "count"),
         col("threads_answered", "int", "Hilos respondidos", "Threads answered", "count"),
         col("reply_rate", "float", "Tasa de respuesta", "Reply rate", "ratio"),
         col("median_hours_to_first_reply", "float", "Mediana de horas a la 1.ª respuesta", "Median hours to first reply",
             "hours"),
         col("p90_hours_to_first_reply", "float", "P90 de horas a la 1.ª respuesta", "P90 hours to first reply", "hours"))


@metric(
    "conversation_response",
    label={"es": "Respuesta a conversaciones", "en": "Conversation response"},
    description={"es": "Cuántas conversaciones reciben respuesta de otra persona y en cuánto tiempo.",
                 "en": "How many conversations get a reply from someone else, and how fast."},
    definition={
        "es": "Hilos iniciados en el periodo (sin borrados ni mensajes directos) por personas del alcance; "
              "respondido = al menos una respuesta no borrada de otra persona (no bot). Horas hasta esa primera "
              "respuesta: mediana y percentil 90. Por región/rol de quien pregunta, o de quien responde primero "
              "(entonces la tasa es la parte de todos los hilos que ese grupo respondió primero).",
        "en": "Threads started in the period (no deleted ones, no direct messages) by people in scope; answered = "
              "at least one non-deleted reply from someone else (not a bot). Hours to that first reply: median and "
              "90th percentile. By region/role of the asker, or of the first responder (then the rate is the share "
              "of all threads that group answered first).",
    },
    columns=(col("segment", "str", "Segmento", "Segment", "unit"), *STATS),
    requires=("messages",), group="conversations",
    cells=Cells(key="segment", by=(("none", None, False), ("asker_region", "region", True),
                                   ("asker_role", "role", True), ("responder_region", "region", False),
                                   ("responder_role", "role", False))),
    parameters=(by(BY_CHOICES, "none", "Desglose: none, asker_region, asker_role, responder_region, responder_role.",
                   "Breakdown: none, asker_region, asker_role, responder_region, responder_role."),),
)
def conversation_response(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "none") -> pl.DataFrame:
    """One row per segment ('all' for by=none). With by = responder_*, ``threads`` is the number of all threads in
    scope and ``threads_answered`` those first answered by that group, so ``reply_rate`` is the group's share."""
    sp, params = scope.people_cte()
    period, period_params = scope.period("t.day")
    group_condition, group_params = scope.group_condition("t.group_id")
    threads = f"""
        SELECT sp.region AS asker_region, sp.role AS asker_role, r.region AS responder_region,
               r.role AS responder_role, t.first_reply_at IS NOT NULL AS answered, t.hours_to_first_reply
        FROM threads t JOIN sp ON sp.person_id = t.author_id
        LEFT JOIN person_facts r ON r.person_id = t.first_replier_id
        WHERE t.counts AND {period} AND {group_condition}"""
    stats = ("count(*) FILTER (WHERE answered) AS threads_answered, "
             "median(hours_to_first_reply) AS median_hours_to_first_reply, "
             "quantile_cont(hours_to_first_reply, 0.9) AS p90_hours_to_first_reply")
    if by == "none":
        sql = f"SELECT 'all' AS segment, count(*) AS threads, {stats} FROM t"
    elif by.startswith("asker"):
        sql = f"SELECT {by} AS segment, count(*) AS threads, {stats} FROM t GROUP BY 1 ORDER BY 1"
    else:
        sql = (f"SELECT {by} AS segment, (SELECT count(*) FROM t) AS threads, {stats} "
               f"FROM t WHERE answered GROUP BY 1 ORDER BY 1")
    result = frame(con, f"WITH {sp}, t AS ({threads}) {sql}", params + period_params + group_params)
    return result.with_columns(
        pl.col("threads").cast(pl.Int64), pl.col("threads_answered").cast(pl.Int64),
        pl.when(pl.col("threads") > 0).then(pl.col("threads_answered") / pl.col("threads"))
        .otherwise(None).alias("reply_rate"),
    ).select("segment", *[c.name for c in STATS])

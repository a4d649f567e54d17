"""Conversations: are questions answered, and how fast.

Definitions
-----------
* A **thread** is a thread starter (``message_id = thread_id``, no
  ``replied_to_id``) that is not deleted, is not a private conversation
  (direct messages are person-to-person, not questions to the community),
  was posted on a local day inside the scope, by a person inside the scope
  (bots excluded). Threads in private groups are counted (never shown).
* A thread is **answered** when someone other than its author replied
  (a non-deleted message in the same thread, by a person who is not a bot).
* **Hours to first reply**: from the thread's creation to the first such reply.

Also holds the small time helpers the other content metrics share: the
organisation's time zone (``store_info`` 'timezone') and the UTC bounds of a
scope's local days, so that the big tables are filtered on their raw UTC
column (fast) and never converted row by row.
"""

from __future__ import annotations


import duckdb
import polars as pl

from metrics.registry import Parameter, metric
from metrics.scope import UNASSIGNED, Scope
from metrics.periods import utc_bounds
from metrics.store import org_timezone

BY_CHOICES = ("none", "asker_region", "asker_role", "responder_region", "responder_role")


def _threads_sql(scope: Scope) -> tuple[str, list, list]:
    """SQL of the scope's threads with their first reply by someone else (see module docstring)."""
    people_sql, people_params = scope.scoped_people_sql()
    group_condition, group_params = scope.message_group_filter("m")
    sql = f"""
        WITH asker AS ({people_sql}),
        threads AS (
            SELECT m.message_id AS thread_id, m.author_id, m.created_at, a.region, a.role
            FROM messages m JOIN asker a ON a.person_id = m.author_id
            WHERE m.created_at >= ? AND m.created_at < ?
              AND m.replied_to_id IS NULL AND m.message_id = m.thread_id
              AND m.deleted_at IS NULL AND coalesce(m.is_private, FALSE) = FALSE AND {group_condition}
        ),
        replies AS (
            SELECT t.thread_id, r.created_at, r.author_id,
                   row_number() OVER (PARTITION BY t.thread_id ORDER BY r.created_at, r.message_id) AS n
            FROM threads t
            JOIN messages r ON r.thread_id = t.thread_id AND r.message_id <> t.thread_id
            LEFT JOIN people rp ON rp.person_id = r.author_id
            WHERE r.author_id <> t.author_id AND r.deleted_at IS NULL
              AND coalesce(rp.is_bot, FALSE) = FALSE AND r.created_at >= t.created_at
        )
        SELECT t.thread_id, t.region AS asker_region, t.role AS asker_role,
               CASE WHEN r.thread_id IS NULL THEN NULL ELSE coalesce(rp.region, '{UNASSIGNED}') END AS responder_region,
               CASE WHEN r.thread_id IS NULL THEN NULL ELSE coalesce(rp.role, '{UNASSIGNED}') END AS responder_role,
               r.thread_id IS NOT NULL AS answered,
               (epoch(r.created_at) - epoch(t.created_at)) / 3600.0 AS hours_to_first_reply
        FROM threads t
        LEFT JOIN replies r ON r.thread_id = t.thread_id AND r.n = 1
        LEFT JOIN people rp ON rp.person_id = r.author_id
    """
    return sql, people_params, group_params


@metric(
    "conversation_response",
    label={"es": "Respuesta a conversaciones", "en": "Conversation response"},
    description={
        "es": "Cuántas conversaciones reciben respuesta de otra persona y en cuánto tiempo.",
        "en": "How many conversations get a reply from someone else, and how fast.",
    },
    definition={
        "es": "Hilos iniciados en el periodo (sin borrados ni mensajes directos) por personas del alcance; "
              "respondido = al menos una respuesta de otra persona (no bot). Horas hasta la primera respuesta de "
              "otra persona: mediana y percentil 90. Por región/puesto de quien pregunta, o de quien responde "
              "primero (entonces la tasa es la parte de todos los hilos que ese grupo respondió primero).",
        "en": "Threads started in the period (no deleted ones, no direct messages) by people in scope; answered = "
              "at least one reply from someone else (not a bot). Hours to the first reply by someone else: median "
              "and 90th percentile. By region/role of the asker, or of the first responder (then the rate is the "
              "share of all threads that group answered first).",
    },
    unit="table",
    requires=("messages",),
    parameters=(
        Parameter("by", "none", {"es": "Desglose: none, asker_region, asker_role, responder_region, responder_role.",
                                 "en": "Breakdown: none, asker_region, asker_role, responder_region, responder_role."}),
        Parameter("timezone", None, {"es": "Zona horaria de los días (por omisión la del almacén).",
                                     "en": "Time zone of the days (default: the store's)."}),
    ),
    group="conversations",
)
def conversation_response(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "none",
                          timezone: str | None = None) -> pl.DataFrame:
    """Columns: [group column named after ``by``], threads, threads_answered, reply_rate (0-1),
    median_hours_to_first_reply, p90_hours_to_first_reply (continuous quantiles; null with no answer).

    With ``by`` = responder_region / responder_role, ``threads`` is the number of all threads in scope and
    ``threads_answered`` those first answered by that group, so ``reply_rate`` is the group's share."""
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {', '.join(BY_CHOICES)}")
    tz = org_timezone(con, timezone)
    lo, hi = utc_bounds(tz, scope.start, scope.end)
    threads_sql, people_params, group_params = _threads_sql(scope)
    params = people_params + [lo, hi] + group_params
    stats = ("count(*) FILTER (WHERE answered) AS threads_answered, "
             "median(hours_to_first_reply) AS median_hours_to_first_reply, "
             "quantile_cont(hours_to_first_reply, 0.9) AS p90_hours_to_first_reply")
    if by == "none":
        sql = f"SELECT count(*) AS threads, {stats} FROM ({threads_sql})"
    elif by.startswith("asker"):
        sql = f"SELECT {by}, count(*) AS threads, {stats} FROM ({threads_sql}) GROUP BY {by} ORDER BY {by}"
    else:
        sql = (f"WITH t AS ({threads_sql}) SELECT {by}, (SELECT count(*) FROM t) AS threads, {stats} "
               f"FROM t WHERE answered GROUP BY {by} ORDER BY {by}")
    frame = con.sql(sql, params=params).pl()
    return frame.with_columns(
        pl.col("threads").cast(pl.Int64), pl.col("threads_answered").cast(pl.Int64),
        pl.when(pl.col("threads") > 0).then(pl.col("threads_answered") / pl.col("threads"))
        .otherwise(None).alias("reply_rate"),
    ).select(([by] if by != "none" else []) + ["threads", "threads_answered", "reply_rate",
                                                "median_hours_to_first_reply", "p90_hours_to_first_reply"])

"""Leadership responsiveness: do leaders answer the threads that come up to them?

Ranks are ``person_facts.role_rank`` (the settings' hierarchy, rank 1 = top).
Threads are the ``threads`` that count (starter not deleted, not direct),
started in the period by people in scope (and in the scope's groups); a reply
is a non-deleted message of the thread by someone else who is not a bot.

- ``leadership_responsiveness``: for threads started by people of ``leader_role``
  (office managers by default), the share that got a reply from someone of
  strictly higher rank, and the median hours to the first such reply; by the
  author's region.
- ``silent_leaders``: people with direct reports (directory manager_id) whose
  reports started at least ``min_threads`` threads, none of which the leader
  replied to.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.columns import PERSON, REGION
from metrics.registry import Cells, Parameter, col, metric
from metrics.store import store_settings
from pulso.core.scope import Scope
from pulso.core.sql import frame


def hierarchy_roles(con: duckdb.DuckDBPyConnection) -> list[str]:
    return list(store_settings(con).hierarchy.names)


def threads_cte(scope: Scope) -> tuple[str, list]:
    """``WITH sp AS (...), th AS (...)``: the scoped threads with their author's attributes."""
    sp, params = scope.people_cte()
    period, period_params = scope.period("t.day")
    group_condition, group_params = scope.group_condition("t.group_id")
    return f"""WITH {sp},
        th AS (SELECT t.thread_id, t.author_id, t.created_at, sp.region, sp.office, sp.role, sp.role_rank,
                      sp.manager_id
               FROM threads t JOIN sp ON sp.person_id = t.author_id
               WHERE t.counts AND {period} AND {group_condition}),
        thread_replies AS (
            SELECT th.thread_id, r.author_id, r.created_at, rp.role_rank
            FROM th JOIN message_facts r ON r.thread_id = th.thread_id AND r.is_reply AND NOT r.is_deleted
            JOIN person_facts rp ON rp.person_id = r.author_id AND NOT rp.is_bot
            WHERE r.author_id <> th.author_id)""", params + period_params + group_params


@metric("leadership_responsiveness",
        label={"es": "Respuesta de los líderes", "en": "Leadership responsiveness"},
        description={"es": "Qué parte de los hilos de un rol recibe respuesta de un rango superior, y en cuánto tiempo, "
                           "por región.",
                     "en": "Which share of a role's threads get a reply from a higher rank, and how fast, by region."},
        definition={"es": "Hilos iniciados en el periodo por el rol elegido (gerentes de oficina por omisión); "
                          "respondidos = con al menos una respuesta de alguien de rango estrictamente superior; mediana "
                          "de horas hasta la primera de ellas.",
                    "en": "Threads started in the period by the chosen role (office managers by default); answered = "
                          "with at least one reply by someone of strictly higher rank; median hours to the first such "
                          "reply."},
        columns=(REGION, col("threads", "int", "Hilos", "Threads", "count"),
                 col("answered_by_higher_rank", "int", "Respondidos por un rango mayor", "Answered by a higher rank",
                     "count"),
                 col("share", "float", "Proporción respondida", "Share answered", "ratio"),
                 col("median_hours_to_higher_reply", "float", "Mediana de horas a esa respuesta",
                     "Median hours to that reply", "hours")),
        requires=("people", "messages"), group="flows",
        cells=Cells(key="region", dimension="region", within_role="leader_role", pad=True),
        parameters=(Parameter("leader_role", {"es": "Rol cuyos hilos se miden (nombre en la jerarquía configurada).",
                                              "en": "Role whose threads are measured (name in the configured "
                                                    "hierarchy)."},
                              kind="choice", default="office manager", choices_from=hierarchy_roles),))
def leadership_responsiveness(con: duckdb.DuckDBPyConnection, scope: Scope,
                              leader_role: str = "office manager") -> pl.DataFrame:
    sql, params = threads_cte(scope)
    return frame(con, f"""{sql},
        higher AS (SELECT r.thread_id, min(r.created_at) AS first_at FROM thread_replies r JOIN th USING (thread_id)
                   WHERE r.role_rank < th.role_rank GROUP BY r.thread_id)
        SELECT th.region, count(*) AS threads, count(h.thread_id) AS answered_by_higher_rank,
               count(h.thread_id) / count(*) AS share,
               median(date_diff('second', th.created_at, h.first_at) / 3600.0) AS median_hours_to_higher_reply
        FROM th LEFT JOIN higher h USING (thread_id)
        WHERE th.role = ?
        GROUP BY th.region ORDER BY th.region
    """, params + [leader_role])


@metric("silent_leaders", label={"es": "Líderes que no responden", "en": "Silent leaders"},
        description={"es": "Líderes cuyos reportes directos iniciaron hilos que el líder nunca respondió.",
                     "en": "Leaders whose direct reports started threads the leader never answered."},
        definition={"es": "Personas con reportes directos que iniciaron al menos N hilos en el periodo, sin ninguna "
                          "respuesta del líder en esos hilos.",
                    "en": "People whose direct reports started at least N threads in the period, with no reply "
                          "from the leader in any of them."},
        columns=(*PERSON, col("reports", "int", "Reportes que escribieron", "Reports who wrote", "count"),
                 col("report_threads", "int", "Hilos de sus reportes", "Threads by reports", "count")),
        requires=("people", "messages"), group="flows", person_level=True, person_columns=("person_id",),
        parameters=(Parameter("min_threads", {"es": "Mínimo de hilos de sus reportes para considerar a un líder.",
                                              "en": "Minimum threads from their reports for a leader to be listed."},
                              kind="int", default=1, minimum=1, maximum=100_000),))
def silent_leaders(con: duckdb.DuckDBPyConnection, scope: Scope, min_threads: int = 1) -> pl.DataFrame:
    sql, params = threads_cte(scope)
    return frame(con, f"""{sql},
        per_thread AS (
            SELECT th.manager_id AS leader_id, th.thread_id, th.author_id,
                   EXISTS (SELECT 1 FROM thread_replies r WHERE r.thread_id = th.thread_id
                           AND r.author_id = th.manager_id) AS answered
            FROM th WHERE th.manager_id IS NOT NULL),
        leaders AS (
            SELECT leader_id, count(DISTINCT author_id) AS reports, count(*) AS report_threads,
                   sum(CAST(answered AS INTEGER)) AS answered
            FROM per_thread GROUP BY leader_id)
        SELECT p.person_id, p.display_name AS name, p.region, p.office, p.role, l.reports, l.report_threads
        FROM leaders l JOIN person_facts p ON p.person_id = l.leader_id AND NOT p.is_bot
        WHERE l.answered = 0 AND l.report_threads >= ?
        ORDER BY l.report_threads DESC, p.person_id
    """, params + [min_threads])

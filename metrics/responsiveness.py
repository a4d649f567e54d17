"""Leadership responsiveness: do leaders answer the threads that come up to them?

Ranks come from the configured role hierarchy (``config.hierarchy``, rank 1 = top).

- ``leadership_responsiveness``: for threads started in the scope by people of the
  ``leader_role`` (office managers by default), the share that got a reply from
  someone of strictly higher rank, and the median hours from the thread's start to
  the first such reply; by the thread author's region.
- ``silent_leaders``: people with direct reports (directory manager_id) whose reports
  started at least ``min_threads`` threads in the scope, none of which the leader
  replied to.
Threads are messages with no replied_to_id; a thread is in the scope when its
start's local day is in the period, its author in the scoped people and (when the
scope names groups) its group among them. Bots are left out.
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.graph_build import frame, ranks_values
from metrics.store import org_timezone
from metrics.registry import Parameter, metric
from metrics.scope import Scope
from pulso.config import PulsoConfig, load_config

CONFIG_PARAM = Parameter("config", None, {
    "es": "Configuración con la jerarquía de roles (por omisión, la configurada).",
    "en": "Configuration holding the role hierarchy (default: the configured one)."})


def _threads_sql(scope: Scope, timezone: str) -> tuple[str, list]:
    people_sql, people_params = scope.scoped_people_sql()
    group_sql, group_params = scope.message_group_filter("m")
    sql = f"""
        SELECT m.message_id AS thread_id, m.author_id, m.created_at, a.region, a.office, a.role, a.manager_id
        FROM messages m JOIN ({people_sql}) a ON a.person_id = m.author_id
        WHERE m.replied_to_id IS NULL AND {group_sql}
          AND CAST(timezone(?, CAST(m.created_at AS TIMESTAMPTZ)) AS DATE) BETWEEN ? AND ?
    """
    return sql, [*people_params, *group_params, timezone, scope.start, scope.end]


@metric("leadership_responsiveness",
        label={"es": "Respuesta de los líderes", "en": "Leadership responsiveness"},
        description={"es": "Qué parte de los hilos de los gerentes de oficina recibe respuesta de un rango superior, "
                           "y en cuánto tiempo, por región.",
                     "en": "Which share of office managers' threads get a reply from a higher rank, and how fast, "
                           "by region."},
        definition={"es": "Hilos iniciados en el periodo por el rol elegido; respondidos = con al menos una respuesta "
                          "de alguien de rango estrictamente superior; mediana de horas hasta la primera de ellas.",
                    "en": "Threads started in the period by the chosen role; answered = with at least one reply "
                          "by someone of strictly higher rank; median hours to the first such reply."},
        unit="ratio", requires=("people", "messages"),
        parameters=(Parameter("leader_role", "office manager", {
            "es": "Rol cuyos hilos se miden (nombre del rol en la jerarquía configurada).",
            "en": "Role whose threads are measured (name in the configured hierarchy)."}), CONFIG_PARAM),
        group="flows")
def leadership_responsiveness(con: duckdb.DuckDBPyConnection, scope: Scope, leader_role: str = "office manager",
                              config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: region, threads, answered_by_higher_rank, share, median_hours_to_higher_reply
    (null when none answered)."""
    config = config or load_config()
    rank = config.hierarchy.rank(leader_role)
    if rank is None:
        raise ValueError(f"role {leader_role!r} is not in the configured hierarchy")
    threads_sql, params = _threads_sql(scope, org_timezone(con))
    return frame(con, 
        f"""
        WITH ranks AS (SELECT unnest(?) AS role, unnest(?) AS rank),
        threads AS (SELECT * FROM ({threads_sql}) WHERE lower(trim(role)) = ?),
        higher AS (
            SELECT t.thread_id, min(r.created_at) AS first_at
            FROM threads t JOIN messages r ON r.thread_id = t.thread_id AND r.message_id <> t.thread_id
            JOIN people p ON p.person_id = r.author_id AND coalesce(p.is_bot, FALSE) = FALSE
            JOIN ranks k ON k.role = lower(trim(p.role))
            WHERE k.rank < ? GROUP BY t.thread_id
        )
        SELECT t.region, count(*) AS threads, count(h.thread_id) AS answered_by_higher_rank,
               count(h.thread_id) / count(*) AS share,
               median(date_diff('second', t.created_at, h.first_at) / 3600.0) AS median_hours_to_higher_reply
        FROM threads t LEFT JOIN higher h USING (thread_id)
        GROUP BY t.region ORDER BY t.region
        """, [*ranks_values(config), *params, config.hierarchy.roles[rank - 1], rank])


@metric("silent_leaders", label={"es": "Líderes que no responden", "en": "Silent leaders"},
        description={"es": "Líderes cuyos reportes directos iniciaron hilos que el líder nunca respondió.",
                     "en": "Leaders whose direct reports started threads the leader never answered."},
        definition={"es": "Personas con reportes directos que iniciaron al menos N hilos en el periodo, sin ninguna "
                          "respuesta del líder en esos hilos.",
                    "en": "People whose direct reports started at least N threads in the period, with no reply "
                          "from the leader in any of them."},
        unit="people", requires=("people", "messages"),
        parameters=(Parameter("min_threads", 1, {
            "es": "Mínimo de hilos de sus reportes para considerar a un líder.",
            "en": "Minimum threads from their reports for a leader to be listed."}), CONFIG_PARAM),
        group="flows")
def silent_leaders(con: duckdb.DuckDBPyConnection, scope: Scope, min_threads: int = 1,
                   config: PulsoConfig | None = None) -> pl.DataFrame:
    """Columns: person_id, display_name, region, office, role, reports (distinct reports who started
    threads), report_threads. Only leaders with report_threads >= min_threads and no reply."""
    config = config or load_config()
    threads_sql, params = _threads_sql(scope, org_timezone(con))
    return frame(con, 
        f"""
        WITH threads AS ({threads_sql}),
        per_thread AS (
            SELECT t.manager_id AS leader_id, t.thread_id, t.author_id,
                   EXISTS (SELECT 1 FROM messages r WHERE r.thread_id = t.thread_id
                           AND r.message_id <> t.thread_id AND r.author_id = t.manager_id) AS answered
            FROM threads t WHERE t.manager_id IS NOT NULL
        ),
        leaders AS (
            SELECT leader_id, count(DISTINCT author_id) AS reports, count(*) AS report_threads,
                   sum(CAST(answered AS INTEGER)) AS answered
            FROM per_thread GROUP BY leader_id
        )
        SELECT p.person_id, p.display_name, p.region, p.office, p.role, l.reports, l.report_threads
        FROM leaders l JOIN people p ON p.person_id = l.leader_id AND coalesce(p.is_bot, FALSE) = FALSE
        WHERE l.answered = 0 AND l.report_threads >= ?
        ORDER BY l.report_threads DESC, p.person_id
        """, [*params, min_threads])

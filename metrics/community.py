"""Community-manager lists: inactive, dormant, incomplete profiles, champions, unanswered threads.

Every person list has person_id, name, region, office, role, manager (the
manager's name, else id) and last_activity (last local day with an own action
— visit, post, reply, like — up to the scope's end; null = never). Bots never
appear. Private messages and messages in private groups are counted in
activity but never listed (unanswered threads).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.store import org_timezone
from metrics.periods import (
    ACTION, CONTRIBUTION, eligible_condition, local, people_cte, query, utc_bounds,
)
from metrics.registry import Parameter, metric
from metrics.scope import Scope

ANY_EVENTS = ("messages", "reactions", "visits")


def _person_columns(sp: str) -> str:
    return ("sp.person_id, sp.display_name AS name, sp.region, sp.office, sp.role, "
            "coalesce(mgr.display_name, sp.manager_id) AS manager")


MANAGER_JOIN = "LEFT JOIN people mgr ON mgr.person_id = sp.manager_id"


@metric("inactive_people",
        label={"es": "Personas inactivas", "en": "Inactive people"},
        description={"es": "Personas elegibles sin ninguna acción en los últimos N días, o nunca.",
                     "en": "Eligible people with no action in the last N days, or never."},
        definition={"es": "Elegibles (directorio, sin baja) cuya última acción (visita, publicación, respuesta, me gusta) "
                          "fue hace al menos N días al cierre del periodo, o que nunca actuaron. Ordenado: nunca primero, "
                          "luego la más antigua.",
                    "en": "Eligible people (directory, not left) whose last action (visit, post, reply, like) was at "
                          "least N days before the period's end, or who never acted. Order: never first, then oldest."},
        unit="table", requires=("people",), requires_any=ANY_EVENTS, group="community",
        parameters=(Parameter("days", 30, {"es": "Días sin acción.", "en": "Days without action."}),))
def inactive_people(con: duckdb.DuckDBPyConnection, scope: Scope, days: int = 30) -> pl.DataFrame:
    """person_id, name, region, office, role, manager, last_activity, days_inactive (null = never)."""
    sp, params = people_cte(scope)
    return query(con, f"""
        WITH {sp},
        last AS (SELECT person_id, max(day) AS last_activity FROM person_day_activity
                 WHERE day <= ? AND {ACTION} GROUP BY person_id)
        SELECT {_person_columns(sp)}, last.last_activity, (?::DATE - last.last_activity)::BIGINT AS days_inactive
        FROM sp {MANAGER_JOIN} LEFT JOIN last ON last.person_id = sp.person_id
        WHERE {eligible_condition()} AND (last.last_activity IS NULL OR last.last_activity <= ?::DATE - ?)
        ORDER BY last.last_activity NULLS FIRST, sp.person_id
    """, params + [scope.end, scope.end, scope.end, scope.end, int(days)])


@metric("dormant_people",
        label={"es": "Personas dormidas", "en": "Dormant people"},
        description={"es": "Contribuyentes regulares que callaron: prioridad de reactivación.",
                     "en": "Regular contributors who went silent: the reactivation priority."},
        definition={"es": "Contribuyó en al menos 3 semanas distintas de los 90 días previos a los últimos 30 días y no "
                          "tuvo ninguna acción en los últimos 30 días (al cierre del periodo). Ordenado por "
                          "contribuciones pasadas.",
                    "en": "Contributed in at least 3 distinct weeks of the 90 days before the last 30 days, and took "
                          "no action in the last 30 days (at the period's end). Ranked by past contributions."},
        unit="table", requires=("people",), requires_any=("messages", "reactions"), group="community",
        parameters=(Parameter("silent_days", 30, {"es": "Días recientes sin acción.", "en": "Recent days without action."}),
                    Parameter("history_days", 90, {"es": "Días previos observados.", "en": "Earlier days looked at."}),
                    Parameter("min_weeks", 3, {"es": "Semanas con contribución en ese historial.",
                                               "en": "Weeks with a contribution in that history."})))
def dormant_people(con: duckdb.DuckDBPyConnection, scope: Scope, silent_days: int = 30, history_days: int = 90,
                   min_weeks: int = 3) -> pl.DataFrame:
    """person_id, name, region, office, role, manager, last_activity, past_contributions, past_weeks.
    History = the ``history_days`` local days before the last ``silent_days`` days ending at scope.end."""
    sp, params = people_cte(scope)
    silent_start = f"(?::DATE - {int(silent_days)} + 1)"
    return query(con, f"""
        WITH {sp},
        past AS (SELECT person_id, sum(threads_started + replies + likes_given)::BIGINT AS past_contributions,
                        count(DISTINCT ({silent_start} - day - 1) // 7) AS past_weeks
                 FROM person_day_activity WHERE {CONTRIBUTION}
                   AND day < {silent_start} AND day >= {silent_start} - ? GROUP BY person_id),
        recent AS (SELECT DISTINCT person_id FROM person_day_activity
                   WHERE day >= {silent_start} AND day <= ? AND {ACTION}),
        last AS (SELECT person_id, max(day) AS last_activity FROM person_day_activity
                 WHERE day <= ? AND {ACTION} GROUP BY person_id)
        SELECT {_person_columns(sp)}, last.last_activity, past.past_contributions, past.past_weeks
        FROM sp {MANAGER_JOIN} JOIN past ON past.person_id = sp.person_id LEFT JOIN last ON last.person_id = sp.person_id
        WHERE past.past_weeks >= ? AND sp.person_id NOT IN (SELECT person_id FROM recent)
        ORDER BY past.past_contributions DESC, sp.person_id
    """, params + [scope.end, scope.end, scope.end, int(history_days), scope.end, scope.end, scope.end,
                   int(min_weeks)])


@metric("incomplete_profiles",
        label={"es": "Perfiles incompletos", "en": "Incomplete profiles"},
        description={"es": "Personas con el perfil por debajo del umbral de completitud.",
                     "en": "People whose profile is below the completeness threshold."},
        definition={"es": "Completitud del perfil (nombre, foto, puesto, ubicación, acerca de; 0-1) menor que el umbral. "
                          "Las personas sin dato de completitud no se listan.",
                    "en": "Profile completeness (name, photo, job title, location, about; 0-1) below the threshold. "
                          "People with no completeness figure are not listed."},
        unit="table", requires=("people",), group="community",
        parameters=(Parameter("threshold", 0.8, {"es": "Completitud mínima (0-1).", "en": "Minimum completeness (0-1)."}),))
def incomplete_profiles(con: duckdb.DuckDBPyConnection, scope: Scope, threshold: float = 0.8) -> pl.DataFrame:
    """person_id, name, region, office, role, manager, last_activity, profile_completeness (lowest first)."""
    sp, params = people_cte(scope)
    return query(con, f"""
        WITH {sp},
        last AS (SELECT person_id, max(day) AS last_activity FROM person_day_activity
                 WHERE day <= ? AND {ACTION} GROUP BY person_id)
        SELECT {_person_columns(sp)}, last.last_activity, sp.profile_completeness
        FROM sp {MANAGER_JOIN} LEFT JOIN last ON last.person_id = sp.person_id
        WHERE sp.profile_completeness < ? AND (sp.left_at IS NULL OR CAST(sp.left_at AS DATE) > ?)
        ORDER BY sp.profile_completeness, sp.person_id
    """, params + [scope.end, float(threshold), scope.end])


@metric("champions",
        label={"es": "Campeones", "en": "Champions"},
        description={"es": "Quienes reciben respuestas y reacciones de más personas distintas y llegan a más oficinas.",
                     "en": "Who gets replies and reactions from the most distinct people, reaching most offices."},
        definition={"es": "En el periodo: personas distintas (no bots, no uno mismo) que respondieron o reaccionaron a sus "
                          "mensajes; alcance = oficinas y regiones distintas de esas personas. Ordenado por personas "
                          "distintas, luego oficinas, luego regiones (no por volumen).",
                    "en": "In the period: distinct people (not bots, not oneself) who replied or reacted to their "
                          "messages; reach = distinct offices and regions of those people. Ranked by distinct people, "
                          "then offices, then regions (not by volume)."},
        unit="table", requires=("people", "messages"), group="community",
        parameters=(Parameter("top", 50, {"es": "Cuántos listar.", "en": "How many to list."}),
                    Parameter("min_people", 2, {"es": "Mínimo de personas distintas.", "en": "Minimum distinct people."})))
def champions(con: duckdb.DuckDBPyConnection, scope: Scope, top: int = 50, min_people: int = 2) -> pl.DataFrame:
    """person_id, name, region, office, role, manager, last_activity, distinct_people, offices_reached,
    regions_reached, replies_received, reactions_received."""
    tz = org_timezone(con)
    sp, params = people_cte(scope)
    lo, hi = utc_bounds(tz, scope.start, scope.end)
    has_reactions = bool(con.execute("SELECT count(*) FROM source_facts WHERE fact = 'reactions'").fetchall()[0][0])
    reactions = ("""UNION ALL SELECT m.author_id, r.person_id, 'reaction' FROM reactions r JOIN messages m USING (message_id)
                 WHERE r.person_id IS NOT NULL AND r.person_id <> m.author_id
                   AND coalesce(r.created_at, m.created_at) >= ? AND coalesce(r.created_at, m.created_at) < ?"""
                 if has_reactions else "")
    reaction_params = [lo, hi] if has_reactions else []
    return query(con, f"""
        WITH {sp},
        got AS (SELECT parent.author_id AS person_id, reply.author_id AS other, 'reply' AS kind
                FROM messages reply JOIN messages parent ON parent.message_id = reply.replied_to_id
                WHERE reply.author_id <> parent.author_id
                  AND reply.created_at >= ? AND reply.created_at < ? {reactions}),
        real AS (SELECT got.*, coalesce(o.office, '(unassigned)') AS o_office, coalesce(o.region, '(unassigned)') AS o_region
                 FROM got JOIN people o ON o.person_id = got.other WHERE coalesce(o.is_bot, FALSE) = FALSE),
        agg AS (SELECT person_id, count(DISTINCT other) AS distinct_people, count(DISTINCT o_office) AS offices_reached,
                       count(DISTINCT o_region) AS regions_reached,
                       count(*) FILTER (WHERE kind = 'reply') AS replies_received,
                       count(*) FILTER (WHERE kind = 'reaction') AS reactions_received
                FROM real GROUP BY person_id),
        last AS (SELECT person_id, max(day) AS last_activity FROM person_day_activity
                 WHERE day <= ? AND {ACTION} GROUP BY person_id)
        SELECT {_person_columns(sp)}, last.last_activity, agg.distinct_people, agg.offices_reached,
               agg.regions_reached, agg.replies_received, agg.reactions_received
        FROM sp {MANAGER_JOIN} JOIN agg ON agg.person_id = sp.person_id LEFT JOIN last ON last.person_id = sp.person_id
        WHERE agg.distinct_people >= ?
        ORDER BY agg.distinct_people DESC, agg.offices_reached DESC, agg.regions_reached DESC, sp.person_id
        LIMIT ?
    """, params + [lo, hi] + reaction_params + [scope.end, int(min_people), int(top)])


@metric("unanswered_threads",
        label={"es": "Hilos sin respuesta", "en": "Unanswered threads"},
        description={"es": "Hilos que nadie más que su autor ha respondido tras N horas; los más antiguos primero.",
                     "en": "Threads nobody but their author has replied to after N hours; oldest first."},
        definition={"es": "Hilos iniciados en el periodo, no borrados, no privados ni de grupos privados, sin respuesta de "
                          "otra persona y con al menos N horas de antigüedad al cierre del periodo (medianoche local "
                          "siguiente al último día).",
                    "en": "Threads started in the period, not deleted, not private nor in private groups, with no reply "
                          "from anyone else, at least N hours old at the period's end (the local midnight after its "
                          "last day)."},
        unit="table", requires=("people", "messages"), group="community",
        parameters=(Parameter("hours", 48, {"es": "Horas sin respuesta.", "en": "Hours without a reply."}),))
def unanswered_threads(con: duckdb.DuckDBPyConnection, scope: Scope, hours: float = 48) -> pl.DataFrame:
    """thread_id, group_id, title, author_id, name, region, office, role, created_local (local time),
    hours_open (at the period's end). Authors are the scope's people; group filter applies to the thread."""
    tz = org_timezone(con)
    sp, params = people_cte(scope)
    group_cond, group_params = scope.message_group_filter("m")
    return query(con, f"""
        WITH {sp},
        t AS (SELECT m.*, {local('m.created_at')} AS created_local FROM messages m
              LEFT JOIN groups g USING (group_id)
              WHERE m.replied_to_id IS NULL AND m.deleted_at IS NULL AND coalesce(m.is_private, FALSE) = FALSE
                AND coalesce(g.is_private, FALSE) = FALSE AND {group_cond}),
        answered AS (SELECT DISTINCT r.thread_id FROM messages r JOIN t ON r.thread_id = t.message_id
                     WHERE r.message_id <> t.message_id AND r.author_id <> t.author_id
                       AND {local('r.created_at')} < (?::DATE + 1)::TIMESTAMP)
        SELECT t.thread_id, t.group_id, t.title, t.author_id, sp.display_name AS name, sp.region, sp.office, sp.role,
               t.created_local,
               round(epoch((?::DATE + 1)::TIMESTAMP - t.created_local) / 3600.0, 1) AS hours_open
        FROM t JOIN sp ON sp.person_id = t.author_id
        WHERE CAST(t.created_local AS DATE) BETWEEN ? AND ?
          AND t.thread_id NOT IN (SELECT thread_id FROM answered)
          AND epoch((?::DATE + 1)::TIMESTAMP - t.created_local) >= ? * 3600
        ORDER BY t.created_local, t.thread_id
    """, params + [tz] + group_params + [tz, scope.end, scope.end, scope.start, scope.end, scope.end, float(hours)])

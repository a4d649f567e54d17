"""Community-manager lists: inactive, dormant, incomplete profiles, champions, unanswered threads.

Every person list has person_id, name, region, office, role, manager (the
manager's name, else id) and last_activity (last local day with an action --
``person_day_activity.acted`` -- up to the scope's end; empty = never). Bots
never appear. Threads come from the ``threads`` table: those that count (not
deleted, not direct) and may be shown (not in a private group).
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import polars as pl

from metrics.columns import CREATED_LOCAL, GROUP_ID, GROUP_NAME, PERSON, PERSON_LIST, THREAD_ID, TITLE
from metrics.parameters import days, limit
from metrics.registry import Parameter, col, metric
from pulso.core.scope import Scope, eligible
from pulso.core.sql import frame

ANY_EVENTS = ("messages", "reactions", "visits")
PERSON_COLUMNS = ("sp.person_id, sp.display_name AS name, sp.region, sp.office, sp.role, "
                  "coalesce(mgr.display_name, sp.manager_id) AS manager, last.last_activity")
MANAGER_AND_LAST = ("LEFT JOIN person_facts mgr ON mgr.person_id = sp.manager_id "
                    "LEFT JOIN last ON last.person_id = sp.person_id")
LAST = "last AS (SELECT person_id, max(day) AS last_activity FROM person_day_activity WHERE day <= ? AND acted GROUP BY 1)"


@metric("inactive_people",
        label={"es": "Personas inactivas", "en": "Inactive people"},
        description={"es": "Personas elegibles sin ninguna acción en los últimos N días, o nunca.",
                     "en": "Eligible people with no action in the last N days, or never."},
        definition={"es": "Elegibles (directorio, sin baja) cuya última acción (visita, publicación, respuesta, me gusta) "
                          "fue hace al menos N días al cierre del periodo, o que nunca actuaron. Ordenado: nunca primero, "
                          "luego la más antigua.",
                    "en": "Eligible people (directory, not left) whose last action (visit, post, reply, like) was at "
                          "least N days before the period's end, or who never acted. Order: never first, then oldest."},
        columns=(*PERSON_LIST, col("days_inactive", "int", "Días sin actividad", "Days inactive", "count")),
        requires=("people",), requires_any=ANY_EVENTS, group="community", person_level=True,
        person_columns=("person_id",),
        parameters=(days("days", "inactive_days", None, "Días sin acción.", "Days without action."),))
def inactive_people(con: duckdb.DuckDBPyConnection, scope: Scope, days: int) -> pl.DataFrame:
    sp, params = scope.people_cte()
    return frame(con, f"""
        WITH {sp}, {LAST}
        SELECT {PERSON_COLUMNS}, (?::DATE - last.last_activity)::BIGINT AS days_inactive
        FROM sp {MANAGER_AND_LAST}
        WHERE {eligible('sp')} AND (last.last_activity IS NULL OR last.last_activity <= ?::DATE - ?)
        ORDER BY last.last_activity NULLS FIRST, sp.person_id
    """, params + [scope.end, scope.end, scope.end, scope.end, int(days)])


@metric("dormant_people",
        label={"es": "Personas dormidas", "en": "Dormant people"},
        description={"es": "Contribuyentes regulares que callaron: prioridad de reactivación.",
                     "en": "Regular contributors who went silent: the reactivation priority."},
        definition={"es": "Aportó en al menos 3 semanas distintas de los 90 días previos a los últimos 30 días y no "
                          "tuvo ninguna acción en los últimos 30 días (al cierre del periodo). Ordenado por "
                          "aportaciones pasadas.",
                    "en": "Contributed in at least 3 distinct weeks of the 90 days before the last 30 days, and took "
                          "no action in the last 30 days (at the period's end). Ranked by past contributions."},
        columns=(*PERSON_LIST, col("past_contributions", "int", "Aportes previos", "Past contributions", "count"),
                 col("past_weeks", "int", "Semanas activas previas", "Past active weeks", "count")),
        requires=("people",), requires_any=("messages", "reactions"), group="community", person_level=True,
        person_columns=("person_id",),
        parameters=(days("silent_days", "dormant_silent_days", None, "Días recientes sin acción.",
                         "Recent days without action."),
                    days("history_days", "dormant_history_days", None, "Días previos observados.",
                         "Earlier days looked at."),
                    Parameter("min_weeks", {"es": "Semanas con aportación en ese historial.",
                                            "en": "Weeks with a contribution in that history."},
                              kind="int", setting="dormant_min_weeks", minimum=1, maximum=530)))
def dormant_people(con: duckdb.DuckDBPyConnection, scope: Scope, silent_days: int, history_days: int,
                   min_weeks: int) -> pl.DataFrame:
    """History = the ``history_days`` local days before the last ``silent_days`` days ending at scope.end."""
    sp, params = scope.people_cte()
    first_silent = scope.end - timedelta(days=int(silent_days) - 1)
    return frame(con, f"""
        WITH {sp}, {LAST},
        past AS (SELECT person_id, sum(contributions)::BIGINT AS past_contributions,
                        count(DISTINCT (?::DATE - day - 1) // 7) AS past_weeks
                 FROM person_day_activity WHERE contributed AND day < ? AND day >= ?::DATE - ? GROUP BY person_id),
        recent AS (SELECT DISTINCT person_id FROM person_day_activity WHERE day BETWEEN ? AND ? AND acted)
        SELECT {PERSON_COLUMNS}, past.past_contributions, past.past_weeks
        FROM sp JOIN past ON past.person_id = sp.person_id {MANAGER_AND_LAST}
        WHERE past.past_weeks >= ? AND sp.person_id NOT IN (SELECT person_id FROM recent)
        ORDER BY past.past_contributions DESC, sp.person_id
    """, params + [scope.end, first_silent, first_silent, first_silent, int(history_days), first_silent, scope.end,
                   int(min_weeks)])


@metric("incomplete_profiles",
        label={"es": "Perfiles incompletos", "en": "Incomplete profiles"},
        description={"es": "Personas con el perfil por debajo del umbral de completitud.",
                     "en": "People whose profile is below the completeness threshold."},
        definition={"es": "Completitud del perfil (nombre, foto, puesto, ubicación, acerca de; 0-1) menor que el umbral. "
                          "Las personas sin dato de completitud no se listan.",
                    "en": "Profile completeness (name, photo, job title, location, about; 0-1) below the threshold. "
                          "People with no completeness figure are not listed."},
        columns=(*PERSON_LIST, col("profile_completeness", "float", "Perfil completo", "Profile complete", "ratio")),
        requires=("people",), group="community", person_level=True, person_columns=("person_id",),
        parameters=(Parameter("threshold", {"es": "Completitud mínima (0-1).", "en": "Minimum completeness (0-1)."},
                              kind="float", setting="profile_completeness", minimum=0, maximum=2),))
def incomplete_profiles(con: duckdb.DuckDBPyConnection, scope: Scope, threshold: float) -> pl.DataFrame:
    sp, params = scope.people_cte()
    return frame(con, f"""
        WITH {sp}, {LAST}
        SELECT {PERSON_COLUMNS}, sp.profile_completeness
        FROM sp {MANAGER_AND_LAST}
        WHERE sp.profile_completeness < ? AND (sp.left_day IS NULL OR sp.left_day > ?)
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
        columns=(*PERSON_LIST, col("distinct_people", "int", "Personas distintas", "Distinct people", "count"),
                 col("offices_reached", "int", "Oficinas alcanzadas", "Offices reached", "count"),
                 col("regions_reached", "int", "Regiones alcanzadas", "Regions reached", "count"),
                 col("replies_received", "int", "Respuestas recibidas", "Replies received", "count"),
                 col("reactions_received", "int", "Reacciones recibidas", "Reactions received", "count")),
        requires=("people", "messages"), group="community", person_level=True, person_columns=("person_id",),
        parameters=(limit("top", 50, "Cuántos listar.", "How many to list."),
                    Parameter("min_people", {"es": "Mínimo de personas distintas.", "en": "Minimum distinct people."},
                              kind="int", setting="champion_min_people", minimum=1, maximum=100_000)))
def champions(con: duckdb.DuckDBPyConnection, scope: Scope, top: int, min_people: int) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("x.day")
    return frame(con, f"""
        WITH {sp}, {LAST},
        got AS (SELECT x.target_person_id AS person_id, x.source_person_id AS other, x.kind, o.office, o.region
                FROM acts x JOIN person_facts o ON o.person_id = x.source_person_id AND NOT o.is_bot
                WHERE x.kind IN ('reply', 'like') AND NOT x.is_self AND {period}),
        agg AS (SELECT person_id, count(DISTINCT other) AS distinct_people, count(DISTINCT office) AS offices_reached,
                       count(DISTINCT region) AS regions_reached,
                       count(*) FILTER (WHERE kind = 'reply') AS replies_received,
                       count(*) FILTER (WHERE kind = 'like') AS reactions_received
                FROM got GROUP BY person_id)
        SELECT {PERSON_COLUMNS}, agg.distinct_people, agg.offices_reached, agg.regions_reached,
               agg.replies_received, agg.reactions_received
        FROM sp JOIN agg ON agg.person_id = sp.person_id {MANAGER_AND_LAST}
        WHERE agg.distinct_people >= ?
        ORDER BY agg.distinct_people DESC, agg.offices_reached DESC, agg.regions_reached DESC, sp.person_id
        LIMIT ?
    """, params + [scope.end] + period_params + [int(min_people), int(top)])


@metric("unanswered_threads",
        label={"es": "Hilos sin respuesta", "en": "Unanswered threads"},
        description={"es": "Hilos que nadie más que su autor ha respondido tras N horas; los más antiguos primero.",
                     "en": "Threads nobody but their author has replied to after N hours; oldest first."},
        definition={"es": "Hilos iniciados en el periodo que cuentan y pueden mostrarse (no borrados, no privados ni de "
                          "grupos privados), sin respuesta de otra persona antes del cierre del periodo (medianoche local "
                          "siguiente al último día) y con al menos N horas de antigüedad a ese cierre.",
                    "en": "Threads started in the period that count and may be shown (not deleted, not private nor in "
                          "private groups), with no reply from anyone else before the period's end (the local "
                          "midnight after its last day), at least N hours old at that end."},
        columns=(THREAD_ID, GROUP_ID, GROUP_NAME, TITLE, col("author_id", "str", "Autor (ID)", "Author (ID)", "id"),
                 *PERSON[1:], CREATED_LOCAL, col("hours_open", "float", "Horas abierto", "Hours open", "hours")),
        requires=("people", "messages"), group="community", person_level=True, person_columns=("author_id",),
        parameters=(Parameter("hours", {"es": "Horas sin respuesta.", "en": "Hours without a reply."}, kind="float",
                              setting="unanswered_hours", minimum=0, maximum=87_840),))
def unanswered_threads(con: duckdb.DuckDBPyConnection, scope: Scope, hours: float) -> pl.DataFrame:
    """Authors are the scope's people; the group filter applies to the thread's group."""
    sp, params = scope.people_cte()
    period, period_params = scope.period("t.day")
    group_condition, group_params = scope.group_condition("t.group_id")
    return frame(con, f"""
        WITH {sp}
        SELECT t.thread_id, t.group_id, g.name AS group_name, m.title, t.author_id, sp.display_name AS name,
               sp.region, sp.office, sp.role, t.created_local,
               round(epoch((?::DATE + 1)::TIMESTAMP - t.created_local) / 3600.0, 1) AS hours_open
        FROM threads t JOIN sp ON sp.person_id = t.author_id JOIN messages m ON m.message_id = t.thread_id
        LEFT JOIN groups g ON g.group_id = t.group_id
        WHERE t.counts AND t.may_show AND {period} AND {group_condition}
          AND (t.first_reply_local IS NULL OR t.first_reply_local >= (?::DATE + 1)::TIMESTAMP)
          AND epoch((?::DATE + 1)::TIMESTAMP - t.created_local) >= ? * 3600
        ORDER BY t.created_local, t.thread_id
    """, params + [scope.end] + period_params + group_params + [scope.end, scope.end, float(hours)])

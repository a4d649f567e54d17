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
from pulso.core.errors import ParameterError
from pulso.core.scope import UNASSIGNED, Scope, eligible, not_left
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
                          "tuvo ninguna acción en los últimos 30 días (al cierre del periodo); quien se fue (baja hasta "
                          "el cierre) no aparece. Ordenado por aportaciones pasadas.",
                    "en": "Contributed in at least 3 distinct weeks of the 90 days before the last 30 days, and took "
                          "no action in the last 30 days (at the period's end); people who left (a left day up to the "
                          "period's end) are not listed. Ranked by past contributions."},
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
        WHERE past.past_weeks >= ? AND sp.person_id NOT IN (SELECT person_id FROM recent) AND {not_left('sp')}
        ORDER BY past.past_contributions DESC, sp.person_id
    """, params + [scope.end, first_silent, first_silent, first_silent, int(history_days), first_silent, scope.end,
                   int(min_weeks), scope.end])


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
        WHERE sp.profile_completeness < ? AND {not_left('sp')}
        ORDER BY sp.profile_completeness, sp.person_id
    """, params + [scope.end, float(threshold), scope.end])


def weight(name: str, setting: str, es: str, en: str) -> Parameter:
    return Parameter(name, {"es": es, "en": en}, kind="float", setting=setting, minimum=0, maximum=1000)


CHAMPION_PARTS = ("people_answered", "replies_received", "offices_reached")


@metric("champions",
        label={"es": "Campeones", "en": "Champions"},
        description={"es": "Quienes más ayudan y más conversación generan, con la puntuación desglosada en sus partes.",
                     "en": "Who helps most and sparks most conversation, with the score broken into its parts."},
        definition={"es": "En el periodo, tres partes: personas distintas a las que respondió; respuestas recibidas de "
                          "otras personas; oficinas distintas (además de la suya) de las personas a las que respondió o "
                          "que le respondieron o reaccionaron. Puntuación = media ponderada de las tres partes, cada una "
                          "dividida entre el mayor valor de la lista (0 a 1); los pesos son de la configuración "
                          "(iguales por omisión). Se listan quienes intercambiaron con al menos N personas distintas "
                          "(a las que respondió o que le respondieron o reaccionaron). Sin bots ni uno mismo.",
                    "en": "In the period, three parts: distinct people they replied to; replies received from others; "
                          "distinct offices (besides their own) of the people they replied to or who replied or reacted "
                          "to them. Score = weighted mean of the three parts, each divided by the largest value in the "
                          "list (0 to 1); the weights are settings (equal by default). Listed when they exchanged with "
                          "at least N distinct people (replied to, or who replied or reacted to them). No bots, not "
                          "oneself."},
        columns=(*PERSON_LIST, col("score", "float", "Puntuación", "Score", "score"),
                 col("people_answered", "int", "Personas respondidas", "People answered", "count"),
                 col("replies_received", "int", "Respuestas recibidas", "Replies received", "count"),
                 col("offices_reached", "int", "Otras oficinas", "Other offices", "count"),
                 col("people_reached", "int", "Personas con intercambio", "People exchanged with", "count"),
                 col("reactions_received", "int", "Reacciones recibidas", "Reactions received", "count")),
        requires=("people", "messages"), group="community", person_level=True, person_columns=("person_id",),
        parameters=(limit("top", 50, "Cuántos listar.", "How many to list."),
                    Parameter("min_people", {"es": "Mínimo de personas distintas con intercambio.",
                                             "en": "Minimum distinct people exchanged with."},
                              kind="int", setting="champion_min_people", minimum=1, maximum=100_000),
                    weight("weight_answered", "champion_weight_answered", "Peso de las personas a las que respondió.",
                           "Weight of the people answered."),
                    weight("weight_replies", "champion_weight_replies", "Peso de las respuestas recibidas.",
                           "Weight of the replies received."),
                    weight("weight_offices", "champion_weight_offices", "Peso de las otras oficinas alcanzadas.",
                           "Weight of the other offices reached.")))
def champions(con: duckdb.DuckDBPyConnection, scope: Scope, top: int, min_people: int, weight_answered: float,
              weight_replies: float, weight_offices: float) -> pl.DataFrame:
    """Score = sum_i w_i x part_i / max(part_i over the people listed) / sum_i w_i; ranked by score, then people
    exchanged with, then id. Offices: '(unassigned)' (no directory entry) never counts as an office reached."""
    weights = (float(weight_answered), float(weight_replies), float(weight_offices))
    if sum(weights) <= 0:
        raise ParameterError("champions: at least one weight (weight_answered, weight_replies, weight_offices) "
                             "must be above 0")
    sp, params = scope.people_cte()
    period, period_params = scope.period("x.day")
    found = frame(con, f"""
        WITH {sp}, {LAST},
        ex AS (  -- every exchange, seen from the person it counts for
            SELECT x.source_person_id AS person_id, x.target_person_id AS other, 'answered' AS part
            FROM acts x WHERE x.kind = 'reply' AND NOT x.is_self AND {period}
            UNION ALL
            SELECT x.target_person_id, x.source_person_id, CASE x.kind WHEN 'reply' THEN 'reply' ELSE 'like' END
            FROM acts x WHERE x.kind IN ('reply', 'like') AND NOT x.is_self AND {period}),
        agg AS (
            SELECT ex.person_id, count(DISTINCT ex.other) FILTER (WHERE part = 'answered') AS people_answered,
                   count(*) FILTER (WHERE part = 'reply') AS replies_received,
                   count(DISTINCT o.office) FILTER (WHERE o.office <> me.office AND o.office <> ?) AS offices_reached,
                   count(DISTINCT ex.other) AS people_reached,
                   count(*) FILTER (WHERE part = 'like') AS reactions_received
            FROM ex JOIN person_facts o ON o.person_id = ex.other AND NOT o.is_bot
            JOIN person_facts me ON me.person_id = ex.person_id
            GROUP BY ex.person_id)
        SELECT {PERSON_COLUMNS}, agg.people_answered, agg.replies_received, agg.offices_reached,
               agg.people_reached, agg.reactions_received
        FROM sp JOIN agg ON agg.person_id = sp.person_id {MANAGER_AND_LAST}
        WHERE agg.people_reached >= ?
    """, params + [scope.end] + period_params * 2 + [UNASSIGNED, int(min_people)])
    score = pl.lit(0.0)
    for part, w in zip(CHAMPION_PARTS, weights):
        top_value = found[part].max() if found.height else None
        if w and top_value:
            score = score + w * pl.col(part) / top_value
    return (found.with_columns((score / sum(weights)).round(4).alias("score"))
            .sort(["score", "people_reached", "person_id"], descending=[True, True, False]).head(int(top))
            .select([c.name for c in (*PERSON_LIST,)] + ["score", *CHAMPION_PARTS, "people_reached",
                                                           "reactions_received"])
            .with_columns([pl.col(c).cast(pl.Int64) for c in (*CHAMPION_PARTS, "people_reached", "reactions_received")]))


@metric("unanswered_threads",
        label={"es": "Hilos sin respuesta", "en": "Unanswered threads"},
        description={"es": "Todo hilo que sigue sin respuesta de otra persona al cierre del periodo, con su antigüedad; "
                           "los más antiguos primero.",
                     "en": "Every thread still without a reply from someone else at the period's end, with its age; "
                           "oldest first."},
        definition={"es": "Hilos iniciados hasta el cierre del periodo (también antes de él) que cuentan y pueden "
                          "mostrarse (no borrados, no privados ni de grupos privados), sin respuesta de otra persona "
                          "antes del cierre (la medianoche local siguiente a su último día) y con al menos N horas de "
                          "antigüedad a ese cierre. Antigüedad en horas y días; «del periodo» dice si empezó en él.",
                    "en": "Threads started up to the period's end (before it too) that count and may be shown (not "
                          "deleted, not private nor in private groups), with no reply from anyone else before that end "
                          "(the local midnight after its last day), at least N hours old at that end. Age in hours and "
                          "days; \"in period\" says whether it started in the period."},
        columns=(THREAD_ID, GROUP_ID, GROUP_NAME, TITLE, col("author_id", "str", "Autor (ID)", "Author (ID)", "id"),
                 *PERSON[1:], CREATED_LOCAL, col("hours_open", "float", "Horas abierto", "Hours open", "hours"),
                 col("days_open", "float", "Días abierto", "Days open", "number"),
                 col("in_period", "bool", "Del periodo", "In period", "bool")),
        requires=("people", "messages"), group="community", person_level=True, person_columns=("author_id",),
        parameters=(Parameter("hours", {"es": "Horas sin respuesta.", "en": "Hours without a reply."}, kind="float",
                              setting="unanswered_hours", minimum=0, maximum=87_840),))
def unanswered_threads(con: duckdb.DuckDBPyConnection, scope: Scope, hours: float) -> pl.DataFrame:
    """Authors are the scope's people; the group filter applies to the thread's group. Every thread still open at
    the period's end, whenever it started (the period only sets that end)."""
    sp, params = scope.people_cte()
    group_condition, group_params = scope.group_condition("t.group_id")
    return frame(con, f"""
        WITH {sp}, open AS (
            SELECT t.*, epoch((?::DATE + 1)::TIMESTAMP - t.created_local) / 3600.0 AS age FROM threads t
            WHERE t.counts AND t.may_show AND t.day <= ? AND {group_condition}
              AND (t.first_reply_local IS NULL OR t.first_reply_local >= (?::DATE + 1)::TIMESTAMP))
        SELECT t.thread_id, t.group_id, g.name AS group_name, m.title, t.author_id, sp.display_name AS name,
               sp.region, sp.office, sp.role, t.created_local, round(t.age, 1) AS hours_open,
               round(t.age / 24.0, 1) AS days_open, t.day >= ? AS in_period
        FROM open t JOIN sp ON sp.person_id = t.author_id JOIN messages m ON m.message_id = t.thread_id
        LEFT JOIN groups g ON g.group_id = t.group_id
        WHERE t.age >= ?
        ORDER BY t.created_local, t.thread_id
    """, params + [scope.end, scope.end] + group_params + [scope.end, scope.start, float(hours)])

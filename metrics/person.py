"""One person, at the end of the drill-down region -> office -> person.

The period is the scope's; the person (parameter ``person``, a person id the store knows; no bots) must be in
scope. Every figure comes from the derived tables, with their one definition of each term:

* ``person_summary``: one row -- who they are (name, region, office, role, manager, last activity) and, in the
  period, their active days (days with an action), threads started, replies written, likes given, replies
  received (from someone else), likes received (``person_day_activity``), visits, and how many distinct people
  they replied to and how many distinct people replied to them (``acts`` of kind reply, no self-replies, no
  bots).
* ``person_activity``: the same counts per bucket of the scope's granularity (every bucket listed, zeros
  included).
* ``person_stage_history``: their rung of the participation ladder at the end of each of the last N seven-day
  weeks ending on the period's last day, each week taken as the period (so "first time" means a first
  contribution in that week); the ladder's own rule (``metrics.ladder``) with the store's thresholds.
* ``person_ties``: every other person they interacted with in the period (both directions; no bots, no
  self-acts): replies, mentions, likes and other interactions given to and received from them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import duckdb
import polars as pl

from metrics.columns import LAST_ACTIVITY, MANAGER, PERIOD_START, PERSON, STAGE
from metrics.ladder import ladder_frame
from metrics.parameters import KINDS
from metrics.registry import METRICS, Parameter, col, metric, resolve_parameters
from metrics.store import store_settings
from pulso.core.periods import bucket_starts
from pulso.core.scope import Scope
from pulso.core.sql import frame, one, rows


def known_people(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every person id the store knows (bots left out): the allowed values of ``person``."""
    return [r[0] for r in rows(con, "SELECT person_id FROM person_facts WHERE NOT is_bot")]


PERSON_PARAMETER = Parameter("person", {"es": "La persona (su ID); vacío = nadie.",
                                        "en": "The person (their ID); empty = nobody."},
                             kind="choice", default=None, choices_from=known_people)
COUNTS = (col("active_days", "int", "Días con actividad", "Active days", "count"),
          col("threads_started", "int", "Hilos iniciados", "Threads started", "count"),
          col("replies", "int", "Respuestas escritas", "Replies written", "count"),
          col("likes_given", "int", "Me gusta dados", "Likes given", "count"),
          col("replies_received", "int", "Respuestas recibidas", "Replies received", "count"),
          col("likes_received", "int", "Me gusta recibidos", "Likes received", "count"),
          col("visits", "int", "Visitas", "Visits", "count"))
COUNT_SQL = """count(*) FILTER (WHERE acted) AS active_days, coalesce(sum(threads_started), 0) AS threads_started,
               coalesce(sum(replies), 0) AS replies, coalesce(sum(likes_given), 0) AS likes_given,
               coalesce(sum(replies_received), 0) AS replies_received,
               coalesce(sum(likes_received), 0) AS likes_received, coalesce(sum(visits), 0) AS visits"""
FACTS = ("people",)
ANY_FACT = ("messages", "reactions", "visits")


def _in_scope(con: duckdb.DuckDBPyConnection, scope: Scope, person: str) -> bool:
    sp, params = scope.people_cte()
    return one(con, f"WITH {sp} SELECT count(*) FROM sp WHERE person_id = ?", params + [person])[0] > 0


@metric("person_summary",
        label={"es": "Resumen de la persona", "en": "Person summary"},
        description={"es": "Quién es y qué hizo en el periodo: actividad, respuestas dadas y recibidas.",
                     "en": "Who they are and what they did in the period: activity, replies given and received."},
        definition={"es": "En el periodo: días con alguna acción, hilos iniciados, respuestas escritas, me gusta "
                          "dados, respuestas recibidas de otras personas, me gusta recibidos y visitas; personas "
                          "distintas a las que respondió y personas distintas que le respondieron (sin bots ni "
                          "respuestas a sí misma). Última actividad = último día con una acción hasta el cierre.",
                    "en": "In the period: days with an action, threads started, replies written, likes given, "
                          "replies received from other people, likes received and visits; distinct people they "
                          "replied to and distinct people who replied to them (no bots, no replies to oneself). Last "
                          "activity = the last day with an action up to the period's end."},
        columns=(*PERSON, MANAGER, LAST_ACTIVITY, *COUNTS,
                 col("people_replied_to", "int", "Personas a las que respondió", "People replied to", "count"),
                 col("people_who_replied", "int", "Personas que le respondieron", "People who replied", "count")),
        requires=FACTS, requires_any=ANY_FACT, parameters=(PERSON_PARAMETER,), group="people", person_level=True,
        person_columns=("person_id",))
def person_summary(con: duckdb.DuckDBPyConnection, scope: Scope, person: str | None = None) -> pl.DataFrame:
    if person is None or not _in_scope(con, scope, person):
        return METRICS["person_summary"].empty_frame()
    period, period_params = scope.period("day")
    result = frame(con, f"""
        WITH p AS (SELECT * FROM person_facts WHERE person_id = ?),
        act AS (SELECT {COUNT_SQL} FROM person_day_activity WHERE person_id = ? AND {period}),
        last AS (SELECT max(day) AS last_activity FROM person_day_activity WHERE person_id = ? AND acted AND day <= ?),
        replied AS (
            SELECT count(DISTINCT x.target_person_id) FILTER (WHERE x.source_person_id = ?) AS people_replied_to,
                   count(DISTINCT x.source_person_id) FILTER (WHERE x.target_person_id = ?) AS people_who_replied
            FROM acts x JOIN person_facts s ON s.person_id = x.source_person_id AND NOT s.is_bot
            JOIN person_facts t ON t.person_id = x.target_person_id AND NOT t.is_bot
            WHERE x.kind = 'reply' AND NOT x.is_self AND ? IN (x.source_person_id, x.target_person_id)
              AND x.{period})
        SELECT p.person_id, p.display_name AS name, p.region, p.office, p.role,
               coalesce(m.display_name, p.manager_id) AS manager, last.last_activity, act.*, replied.*
        FROM p LEFT JOIN person_facts m ON m.person_id = p.manager_id, act, last, replied""",
                   [person, person] + period_params + [person, scope.end, person, person, person] + period_params)
    return result.with_columns(pl.col(c.name).cast(pl.Int64) for c in METRICS["person_summary"].columns
                               if c.dtype == "int")


@metric("person_activity",
        label={"es": "Actividad de la persona", "en": "Person's activity"},
        description={"es": "La actividad de una persona por periodo.", "en": "One person's activity per period."},
        definition={"es": "Por periodo (día, semana, mes o trimestre): días con alguna acción, hilos iniciados, "
                          "respuestas escritas, me gusta dados, respuestas y me gusta recibidos, visitas.",
                    "en": "Per period (day, week, month or quarter): days with an action, threads started, replies "
                          "written, likes given, replies and likes received, visits."},
        columns=(PERIOD_START, *COUNTS), requires=FACTS, requires_any=ANY_FACT, parameters=(PERSON_PARAMETER,),
        group="people", person_level=True)  # the person (parameter) must be one of the scope's people
def person_activity(con: duckdb.DuckDBPyConnection, scope: Scope, person: str | None = None) -> pl.DataFrame:
    if person is None or not _in_scope(con, scope, person):
        return METRICS["person_activity"].empty_frame()
    period, period_params = scope.period("day")
    starts = bucket_starts(scope.start, scope.end, scope.granularity)
    result = frame(con, f"""
        WITH b AS (SELECT unnest(?::DATE[]) AS period_start),
        a AS (SELECT CAST(date_trunc(?, day) AS DATE) AS period_start, {COUNT_SQL}
              FROM person_day_activity WHERE person_id = ? AND {period} GROUP BY 1)
        SELECT b.period_start, {", ".join(f"coalesce(a.{c.name}, 0)::BIGINT AS {c.name}" for c in COUNTS)}
        FROM b LEFT JOIN a USING (period_start) ORDER BY b.period_start""",
                   [starts, scope.granularity, person] + period_params)
    return result.with_columns(pl.max_horizontal(pl.col("period_start"), pl.lit(scope.start)).alias("period_start"))


WEEKS = Parameter("weeks", {"es": "Semanas hacia atrás.", "en": "Weeks back."}, kind="int", default=12, minimum=1,
                  maximum=104)


@metric("person_stage_history",
        label={"es": "Historia de etapas de la persona", "en": "Person's ladder history"},
        description={"es": "El peldaño de la escalera de participación de una persona al final de cada semana.",
                     "en": "One person's rung of the participation ladder at the end of each week."},
        definition={"es": "Para cada una de las últimas N semanas que terminan el último día del periodo: el peldaño "
                          "de la persona al cierre de esa semana, con la regla y los umbrales de la escalera de "
                          "participación.",
                    "en": "For each of the last N weeks ending on the period's last day: the person's rung at the "
                          "end of that week, by the participation ladder's rule and thresholds."},
        columns=(col("week_end", "date", "Semana al", "Week ending", "date"), STAGE), requires=FACTS,
        requires_any=ANY_FACT, parameters=(PERSON_PARAMETER, WEEKS), group="people", person_level=True)
def person_stage_history(con: duckdb.DuckDBPyConnection, scope: Scope, person: str | None = None,
                         weeks: int = 12) -> pl.DataFrame:
    definition = METRICS["person_stage_history"]
    if person is None or not _in_scope(con, scope, person):
        return definition.empty_frame()
    region, office, role = one(con, "SELECT region, office, role FROM person_facts WHERE person_id = ?", [person])
    # the ladder of one person does not depend on who else is in scope: narrow the scope to their peers (fast)
    peers = replace(scope, regions=(region,), offices=(office,), roles=(role,), groups=())
    params = resolve_parameters(con, METRICS["participation_ladder"], {}, store_settings(con))
    out = []
    for k in range(int(weeks) - 1, -1, -1):
        end = scope.end - timedelta(days=7 * k)
        ladder = ladder_frame(con, replace(peers, start=end - timedelta(days=6), end=end), **params)
        found = ladder.filter(pl.col("person_id") == person)["stage"].to_list()
        out.append({"week_end": end, "stage": found[0] if found else None})
    return pl.DataFrame(out, schema={"week_end": pl.Date, "stage": pl.String})


TIE_COUNTS = tuple(col(f"{kind}_{side}", "float", f"{es} {es_side}", f"{en} {en_side}", "number")
                   for kind, es, en in (("replies", "Respuestas", "Replies"), ("mentions", "Menciones", "Mentions"),
                                        ("likes", "Me gusta", "Likes"), ("other", "Otras interacciones", "Other"))
                   for side, es_side, en_side in (("given", "dadas", "given"), ("received", "recibidas", "received")))
KIND_OF = {"replies": "x.kind = 'reply'", "mentions": "x.kind = 'mention'", "likes": "x.kind = 'like'",
           "other": "x.kind NOT IN ('reply', 'mention', 'like')"}


@metric("person_ties",
        label={"es": "Con quién interactúa", "en": "Who they interact with"},
        description={"es": "A quién responde, menciona o da me gusta una persona, y quién lo hace con ella.",
                     "en": "Whom a person replies to, mentions or likes, and who does so to them."},
        definition={"es": "Cada otra persona (sin bots) con la que hubo interacción en el periodo, en ambos sentidos: "
                          "respuestas, menciones, me gusta (su peso) y otras interacciones dadas a ella y recibidas de "
                          "ella. Ordenado por respuestas, luego por el total.",
                    "en": "Every other person (no bots) they interacted with in the period, both ways: replies, "
                          "mentions, likes (their weight) and other interactions given to and received from them. "
                          "Ordered by replies, then by the total."},
        columns=(*PERSON, *TIE_COUNTS), requires=FACTS, requires_any=("messages", "interactions"),
        parameters=(PERSON_PARAMETER, KINDS), group="people", person_level=True, person_columns=("person_id",))
def person_ties(con: duckdb.DuckDBPyConnection, scope: Scope, person: str | None = None, kinds=None) -> pl.DataFrame:
    definition = METRICS["person_ties"]
    if person is None or not _in_scope(con, scope, person):
        return definition.empty_frame()
    kind_condition, kind_params = ("x.kind IN (SELECT unnest(?::VARCHAR[]))", [list(kinds)]) if kinds else ("TRUE", [])
    sums = ", ".join(
        f"coalesce(sum(x.weight) FILTER (WHERE {condition} AND x.source_person_id = ?), 0) AS {kind}_given, "
        f"coalesce(sum(x.weight) FILTER (WHERE {condition} AND x.target_person_id = ?), 0) AS {kind}_received"
        for kind, condition in KIND_OF.items())
    period, period_params = scope.period("x.day")
    return frame(con, f"""
        WITH ties AS (
            SELECT CASE WHEN x.source_person_id = ? THEN x.target_person_id ELSE x.source_person_id END AS other,
                   {sums}
            FROM acts x
            WHERE ? IN (x.source_person_id, x.target_person_id) AND NOT x.is_self AND x.source_person_id IS NOT NULL
              AND {period} AND {kind_condition}
            GROUP BY other)
        SELECT o.person_id, o.display_name AS name, o.region, o.office, o.role,
               {", ".join(f"ties.{c.name}" for c in TIE_COUNTS)}
        FROM ties JOIN person_facts o ON o.person_id = ties.other AND NOT o.is_bot
        ORDER BY ties.replies_given + ties.replies_received DESC,
                 {" + ".join(f"ties.{c.name}" for c in TIE_COUNTS)} DESC, o.display_name, o.person_id""",
                 [person] + [person] * 2 * len(KIND_OF) + [person] + period_params + kind_params)

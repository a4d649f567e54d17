"""The participation ladder (engagement ladder) per person, its counts and its transitions.

Stages, evaluated at the scope's end (``last N weeks`` = the N seven-day
weeks ending on ``scope.end``; week k covers days end-7k+1 .. end-7(k-1)):

- ``enthusiast``: regular, contributed in ≥ 50 % of the last 13 weeks, replied
  in ≥ 5 distinct threads and received replies or reactions from ≥ 5 distinct
  people (both counted over the last 13 weeks);
- ``regular``: contributed (posted, replied or liked) in ≥ 3 of the last 8 weeks;
- ``first_time``: first ever contribution falls inside the scope's period;
- ``interested``: some action (visit, read or contribution) up to the scope's
  end but none of the above — this includes people who contributed before but
  are no longer regular (lapsed contributors);
- ``unaware``: eligible (in the directory, not left) with no action at all up to
  the scope's end.
People not in the directory with no action are not on the ladder; bots never.
The highest stage that fits wins. Deleted messages count as the contribution they were.
"""

from __future__ import annotations

import math
from datetime import timedelta

import duckdb
import polars as pl

from metrics.store import org_timezone
from metrics.periods import ACTION, CONTRIBUTION, eligible_condition, people_cte, query, utc_bounds
from metrics.registry import Parameter, metric
from metrics.scope import Scope

STAGES = ("unaware", "interested", "first_time", "regular", "enthusiast")

PARAMETERS = (
    Parameter("regular_weeks", 3, {"es": "Semanas con contribución (de las últimas regular_window) para ser regular.",
                                   "en": "Weeks with a contribution (of the last regular_window) to be regular."}),
    Parameter("regular_window", 8, {"es": "Semanas observadas para regular.", "en": "Weeks looked at for regular."}),
    Parameter("enthusiast_share", 0.5, {"es": "Parte mínima de las últimas enthusiast_window semanas con contribución.",
                                        "en": "Minimum share of the last enthusiast_window weeks with a contribution."}),
    Parameter("enthusiast_window", 13, {"es": "Semanas observadas para entusiasta.", "en": "Weeks looked at for enthusiast."}),
    Parameter("enthusiast_threads", 5, {"es": "Hilos distintos respondidos.", "en": "Distinct threads replied in."}),
    Parameter("enthusiast_people", 5, {"es": "Personas distintas que respondieron o reaccionaron a sus mensajes.",
                                       "en": "Distinct people who replied or reacted to their messages."}),
)
DEFINITION = {
    "es": "Escalera de participación al cierre del periodo: desconocedor (elegible sin ninguna acción), interesado "
          "(alguna acción pero no de los peldaños superiores, incluye contribuyentes que dejaron de serlo), primera "
          "vez (primera contribución en el periodo), regular (contribuyó en ≥ 3 de las últimas 8 semanas), entusiasta "
          "(regular, contribuyó en ≥ 50 % de las últimas 13 semanas, respondió en ≥ 5 hilos y recibió respuestas o "
          "reacciones de ≥ 5 personas).",
    "en": "Participation ladder at the period's end: unaware (eligible, no action ever), interested (some action but "
          "no higher rung, including lapsed contributors), first_time (first contribution in the period), regular "
          "(contributed in ≥ 3 of the last 8 weeks), enthusiast (regular, contributed in ≥ 50 % of the last 13 "
          "weeks, replied in ≥ 5 threads and got replies or reactions from ≥ 5 people).",
}


def ladder_frame(con: duckdb.DuckDBPyConnection, scope: Scope, regular_weeks: int = 3, regular_window: int = 8,
                 enthusiast_share: float = 0.5, enthusiast_window: int = 13, enthusiast_threads: int = 5,
                 enthusiast_people: int = 5) -> pl.DataFrame:
    """person_id, name, region, office, role, stage — one row per person on the ladder."""
    sp, params = people_cte(scope)
    tz = org_timezone(con)
    window = list(utc_bounds(tz, scope.end - timedelta(days=7 * int(enthusiast_window) - 1), scope.end))
    wide = max(int(regular_window), int(enthusiast_window))
    need_weeks = math.ceil(float(enthusiast_share) * int(enthusiast_window) - 1e-9)
    has_reactions = bool(con.execute("SELECT count(*) FROM source_facts WHERE fact = 'reactions'").fetchall()[0][0])
    reaction_part = ("UNION SELECT m.author_id AS person_id, r.person_id AS other FROM reactions r "
                     "JOIN messages m USING (message_id) WHERE r.person_id IS NOT NULL "
                     "AND coalesce(r.created_at, m.created_at) >= ? "
                     "AND coalesce(r.created_at, m.created_at) < ? "
                     "AND r.person_id <> m.author_id") if has_reactions else ""
    reaction_params = window if has_reactions else []
    return query(con, f"""
        WITH {sp},
        hist AS (SELECT a.person_id, min(a.day) FILTER (WHERE {CONTRIBUTION}) AS first_contribution,
                        bool_or({ACTION}) AS any_action
                 FROM person_day_activity a JOIN sp USING (person_id) WHERE a.day <= ? GROUP BY a.person_id),
        week_marks AS (SELECT DISTINCT person_id, (?::DATE - day) // 7 AS week FROM person_day_activity
                       WHERE {CONTRIBUTION} AND day <= ? AND day > ?::DATE - 7 * ?),
        weeks AS (SELECT person_id, count(*) FILTER (WHERE week < ?) AS regular_weeks,
                         count(*) FILTER (WHERE week < ?) AS enthusiast_weeks FROM week_marks GROUP BY person_id),
        threads AS (SELECT author_id AS person_id, count(DISTINCT thread_id) AS threads FROM messages
                    WHERE replied_to_id IS NOT NULL
                      AND created_at >= ? AND created_at < ?
                    GROUP BY author_id),
        others AS (SELECT parent.author_id AS person_id, reply.author_id AS other FROM messages reply
                   JOIN messages parent ON parent.message_id = reply.replied_to_id
                   WHERE reply.author_id <> parent.author_id
                     AND reply.created_at >= ? AND reply.created_at < ?
                   {reaction_part}),
        reach AS (SELECT person_id, count(DISTINCT other) AS people FROM others GROUP BY person_id)
        SELECT sp.person_id, sp.display_name AS name, sp.region, sp.office, sp.role,
          CASE
            WHEN coalesce(w.regular_weeks, 0) >= ? AND coalesce(w.enthusiast_weeks, 0) >= ?
                 AND coalesce(t.threads, 0) >= ? AND coalesce(r.people, 0) >= ? THEN 'enthusiast'
            WHEN coalesce(w.regular_weeks, 0) >= ? THEN 'regular'
            WHEN h.first_contribution BETWEEN ? AND ? THEN 'first_time'
            WHEN coalesce(h.any_action, FALSE) THEN 'interested'
            ELSE 'unaware' END AS stage
        FROM sp LEFT JOIN hist h USING (person_id) LEFT JOIN weeks w USING (person_id) LEFT JOIN threads t USING (person_id)
        LEFT JOIN reach r USING (person_id)
        WHERE coalesce(h.any_action, FALSE) OR {eligible_condition()}
        ORDER BY sp.person_id
    """, params + [scope.end, scope.end, scope.end, scope.end, wide, int(regular_window), int(enthusiast_window)]
        + window + window + reaction_params
        + [int(regular_weeks), need_weeks, int(enthusiast_threads), int(enthusiast_people), int(regular_weeks),
           scope.start, scope.end, scope.end])


@metric("participation_ladder",
        label={"es": "Escalera de participación", "en": "Participation ladder"},
        description={"es": "Peldaño de cada persona al cierre del periodo.", "en": "Each person's rung at the period's end."},
        definition=DEFINITION, unit="table", requires=("people",), requires_any=("messages", "reactions", "visits"),
        parameters=PARAMETERS, group="ladder")
def participation_ladder(con: duckdb.DuckDBPyConnection, scope: Scope, **params) -> pl.DataFrame:
    """person_id, name, region, office, role, stage (unaware, interested, first_time, regular, enthusiast)."""
    return ladder_frame(con, scope, **params)


@metric("participation_ladder_counts",
        label={"es": "Personas por peldaño", "en": "People per rung"},
        description={"es": "Cuántas personas hay en cada peldaño, opcionalmente por región, oficina o rol.",
                     "en": "How many people are on each rung, optionally by region, office or role."},
        definition=DEFINITION, unit="table", requires=("people",), requires_any=("messages", "reactions", "visits"),
        parameters=PARAMETERS + (Parameter("by", None, {"es": "Segmento opcional: region, office o role.",
                                                         "en": "Optional segment: region, office or role."}),),
        group="ladder")
def participation_ladder_counts(con: duckdb.DuckDBPyConnection, scope: Scope, by: str | None = None,
                                **params) -> pl.DataFrame:
    """segment ('all' without ``by``), stage, people — every stage listed, zero included, in ladder order."""
    if by not in (None, "", "region", "office", "role"):
        raise ValueError(f"by must be region, office or role (got {by!r})")
    frame = ladder_frame(con, scope, **params)
    frame = frame.with_columns((pl.col(by) if by else pl.lit("all")).alias("segment"))
    grid = (frame.select("segment").unique()
            .join(pl.DataFrame({"stage": list(STAGES), "order": list(range(len(STAGES)))}), how="cross"))
    counts = frame.group_by("segment", "stage").agg(pl.len().cast(pl.Int64).alias("people"))
    return (grid.join(counts, on=["segment", "stage"], how="left").with_columns(pl.col("people").fill_null(0))
            .sort("segment", "order").select("segment", "stage", "people"))


@metric("participation_transitions",
        label={"es": "Movimientos en la escalera", "en": "Ladder transitions"},
        description={"es": "Promociones, descensos y permanencias entre el periodo anterior y este.",
                     "en": "Promotions, demotions and people who stayed, between the previous period and this one."},
        definition=DEFINITION, unit="table", requires=("people",), requires_any=("messages", "reactions", "visits"),
        parameters=PARAMETERS, group="ladder")
def participation_transitions(con: duckdb.DuckDBPyConnection, scope: Scope, **params) -> pl.DataFrame:
    """from_stage, to_stage, people, direction (promoted / demoted / stayed). A person on the ladder in only one
    of the two periods counts as ``unaware`` in the other."""
    now = ladder_frame(con, scope, **params).select("person_id", pl.col("stage").alias("to_stage"))
    before = ladder_frame(con, scope.previous(), **params).select("person_id", pl.col("stage").alias("from_stage"))
    both = now.join(before, on="person_id", how="full", coalesce=True).with_columns(
        pl.col("from_stage").fill_null("unaware"), pl.col("to_stage").fill_null("unaware"))
    rank = {s: i for i, s in enumerate(STAGES)}
    out = both.group_by("from_stage", "to_stage").agg(pl.len().cast(pl.Int64).alias("people"))
    out = out.with_columns(
        pl.col("from_stage").replace_strict(rank).alias("_f"), pl.col("to_stage").replace_strict(rank).alias("_t"))
    return (out.with_columns(pl.when(pl.col("_t") > pl.col("_f")).then(pl.lit("promoted"))
                             .when(pl.col("_t") < pl.col("_f")).then(pl.lit("demoted"))
                             .otherwise(pl.lit("stayed")).alias("direction"))
            .sort("_f", "_t").select("from_stage", "to_stage", "people", "direction"))

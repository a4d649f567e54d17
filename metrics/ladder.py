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
People not in the directory with no action are not on the ladder; bots never; people who left (their
``left_day`` on or before the scope's end) neither, from the day they left.
The highest stage that fits wins. Deleted messages count as the contribution they were.
"""

from __future__ import annotations

import math
from datetime import timedelta
from functools import cache

import duckdb
import ibis
import polars as pl

from metrics.columns import PEOPLE, PERSON, SEGMENT, STAGE
from metrics.parameters import by
from metrics.registry import WHOLE_SCOPE, Cells, Parameter, col, metric
from pulso.core import expr as E
from pulso.core.expr import Engine, count_where
from pulso.core.scope import Scope, ScopeShape, eligible_expr, not_left_expr, people_in_scope

STAGES = ("unaware", "interested", "first_time", "regular", "enthusiast")


def threshold(name: str, kind: str, setting: str, es: str, en: str, maximum: float) -> Parameter:
    return Parameter(name, {"es": es, "en": en}, kind=kind, setting=setting, minimum=0, maximum=maximum)


PARAMETERS = (
    threshold("regular_weeks", "int", "regular_weeks", "Semanas con aportación (de las últimas regular_window) para ser "
              "regular.", "Weeks with a contribution (of the last regular_window) to be regular.", 520),
    threshold("regular_window", "int", "regular_window_weeks", "Semanas observadas para regular.",
              "Weeks looked at for regular.", 520),
    threshold("enthusiast_share", "float", "enthusiast_share", "Parte mínima de las últimas enthusiast_window semanas "
              "con aportación.", "Minimum share of the last enthusiast_window weeks with a contribution.", 1),
    threshold("enthusiast_window", "int", "enthusiast_window_weeks", "Semanas observadas para entusiasta.",
              "Weeks looked at for enthusiast.", 520),
    threshold("enthusiast_threads", "int", "enthusiast_threads", "Hilos distintos respondidos.",
              "Distinct threads replied in.", 100_000),
    threshold("enthusiast_people", "int", "enthusiast_people", "Personas distintas que respondieron o reaccionaron a "
              "sus mensajes.", "Distinct people who replied or reacted to their messages.", 100_000),
)
DEFINITION = {
    "es": "Escalera de participación al cierre del periodo: desconocedor (elegible sin ninguna acción), interesado "
          "(alguna acción pero no de los peldaños superiores, incluye contribuyentes que dejaron de serlo), primera "
          "vez (primera contribución en el periodo), regular (contribuyó en ≥ 3 de las últimas 8 semanas), entusiasta "
          "(regular, contribuyó en ≥ 50 % de las últimas 13 semanas, respondió en ≥ 5 hilos y recibió respuestas o "
          "reacciones de ≥ 5 personas). Quien se fue (fecha de baja hasta el cierre) queda fuera desde ese día. Los "
          "umbrales son los de la configuración.",
    "en": "Participation ladder at the period's end: unaware (eligible, no action ever), interested (some action but "
          "no higher rung, including lapsed contributors), first_time (first contribution in the period), regular "
          "(contributed in ≥ 3 of the last 8 weeks), enthusiast (regular, contributed in ≥ 50 % of the last 13 "
          "weeks, replied in ≥ 5 threads and got replies or reactions from ≥ 5 people). People who left (a left day "
          "up to the period's end) are out of it from that day. Thresholds come from the settings.",
}


LADDER_ARGS = E.Args("ladder_args", period_start="date", period_end="date", marks_after="date", window_start="date",
                     regular_window="int64", enthusiast_window="int64", regular_weeks="int64", need_weeks="int64",
                     enthusiast_threads="int64", enthusiast_people="int64")


@cache
def ladder_expression(shape: ScopeShape) -> ibis.Table:
    """person_id, name, region, office, role, stage: one row per person on the ladder at the period's end."""
    a = LADDER_ARGS
    sp = people_in_scope(shape)
    d = a.join(E.table("person_day_activity"))
    d = d.filter(d.contributed, d.day <= d.period_end, d.day > d.marks_after)
    marks = d.select(_person=d.person_id, _week=d.period_end.delta(d.day, unit="day") // 7,
                     _regular_window=d.regular_window, _enthusiast_window=d.enthusiast_window).distinct()
    weeks = marks.group_by("_person").aggregate(
        _regular_weeks=count_where(marks, marks._week < marks._regular_window),
        _enthusiast_weeks=count_where(marks, marks._week < marks._enthusiast_window))
    mf = a.join(E.table("message_facts"))
    mf = mf.filter(mf.is_reply, mf.day.between(mf.window_start, mf.period_end))
    threads = mf.group_by(_t_person=mf.author_id).aggregate(_threads=mf.thread_id.nunique())
    x = a.join(E.table("acts"))
    x = x.filter(x.kind.isin(("reply", "like")), ~x.is_self, x.day.between(x.window_start, x.period_end))
    reach = x.group_by(_r_person=x.target_person_id).aggregate(_people=x.source_person_id.nunique())
    j = a.join(sp)
    j = j.left_join(weeks, j.person_id == weeks._person)
    j = j.left_join(threads, j.person_id == threads._t_person)
    j = j.left_join(reach, j.person_id == reach._r_person)
    regular = j._regular_weeks.coalesce(0) >= j.regular_weeks
    stage = ibis.cases(
        (regular & (j._enthusiast_weeks.coalesce(0) >= j.need_weeks) & (j._threads.coalesce(0) >= j.enthusiast_threads)
         & (j._people.coalesce(0) >= j.enthusiast_people), "enthusiast"),
        (regular, "regular"),
        (j.first_contribution_day.between(j.period_start, j.period_end), "first_time"),
        (j.first_action_day <= j.period_end, "interested"),
        else_="unaware")
    j = j.filter(not_left_expr(j, j.period_end), (j.first_action_day <= j.period_end) | eligible_expr(j, j.period_end))
    return j.select(person_id=j.person_id, name=j.display_name, region=j.region, office=j.office, role=j.role,
                    stage=stage).order_by("person_id")


def ladder_frame(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, regular_weeks: int, regular_window: int,
                 enthusiast_share: float, enthusiast_window: int, enthusiast_threads: int,
                 enthusiast_people: int) -> pl.DataFrame:
    """person_id, name, region, office, role, stage — one row per person on the ladder."""
    wide = max(int(regular_window), int(enthusiast_window))
    need_weeks = math.ceil(float(enthusiast_share) * int(enthusiast_window) - 1e-9)
    args = LADDER_ARGS.data(
        period_start=scope.start, period_end=scope.end, marks_after=scope.end - timedelta(days=7 * wide),
        window_start=scope.end - timedelta(days=7 * int(enthusiast_window) - 1), regular_window=int(regular_window),
        enthusiast_window=int(enthusiast_window), regular_weeks=int(regular_weeks), need_weeks=need_weeks,
        enthusiast_threads=int(enthusiast_threads), enthusiast_people=int(enthusiast_people))
    return E.engine_of(con).frame(ladder_expression(scope.shape), {**scope.inputs(), **args})


LEFT_ARGS = E.Args("left_args", day="date")


@cache
def _left_by() -> ibis.Table:
    """person_id of the people who left on or before the day in ``left_args``."""
    pf = LEFT_ARGS.join(E.table("person_facts"))
    return pf.filter(pf.left_day <= pf.day).select("person_id")


@metric("participation_ladder",
        label={"es": "Escalera de participación", "en": "Participation ladder"},
        description={"es": "Peldaño de cada persona al cierre del periodo.", "en": "Each person's rung at the period's end."},
        definition=DEFINITION, columns=(*PERSON, STAGE), requires=("people",),
        requires_any=("messages", "reactions", "visits"), parameters=PARAMETERS, group="ladder", shared=True,
        person_level=True, person_columns=("person_id",))
def participation_ladder(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, **params) -> pl.DataFrame:
    """person_id, name, region, office, role, stage (unaware, interested, first_time, regular, enthusiast)."""
    return ladder_frame(con, scope, **params)


@metric("participation_ladder_counts",
        label={"es": "Personas por peldaño", "en": "People per rung"},
        description={"es": "Cuántas personas hay en cada peldaño, opcionalmente por región, oficina o rol.",
                     "en": "How many people are on each rung, optionally by region, office or role."},
        definition=DEFINITION, columns=(SEGMENT, STAGE, PEOPLE), requires=("people",),
        requires_any=("messages", "reactions", "visits"),
        parameters=PARAMETERS + (by(("region", "office", "role"), None, "Segmento opcional: region, office o role.",
                                    "Optional segment: region, office or role."),),
        group="ladder", shared=True,
        cells=Cells(key="segment", by=((None, None, False), ("region", "region", False), ("office", "office", False),
                                       ("role", "role", False))))
def participation_ladder_counts(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, by: str | None = None,
                                **params) -> pl.DataFrame:
    """segment ('all' without ``by``), stage, people — every stage listed, zero included, in ladder order."""
    people = ladder_frame(con, scope, **params).with_columns((pl.col(by) if by else pl.lit("all")).alias("segment"))
    grid = (people.select("segment").unique()
            .join(pl.DataFrame({"stage": list(STAGES), "order": list(range(len(STAGES)))}), how="cross"))
    counts = people.group_by("segment", "stage").agg(pl.len().cast(pl.Int64).alias("people"))
    return (grid.join(counts, on=["segment", "stage"], how="left").with_columns(pl.col("people").fill_null(0))
            .sort("segment", "order").select("segment", "stage", "people"))


@metric("participation_transitions",
        label={"es": "Movimientos en la escalera", "en": "Ladder transitions"},
        description={"es": "Promociones, descensos y permanencias entre el periodo anterior y este.",
                     "en": "Promotions, demotions and people who stayed, between the previous period and this one."},
        definition=DEFINITION, columns=(col("from_stage", "str", "Antes", "Before", "code"),
                                        col("to_stage", "str", "Ahora", "Now", "code"), PEOPLE,
                                        col("direction", "str", "Movimiento", "Move", "code")),
        requires=("people",), requires_any=("messages", "reactions", "visits"), parameters=PARAMETERS, group="ladder",
        shared=True,
        cells=WHOLE_SCOPE)
def participation_transitions(con: duckdb.DuckDBPyConnection | Engine, scope: Scope, **params) -> pl.DataFrame:
    """from_stage, to_stage, people, direction (promoted / demoted / stayed). A person on the ladder in only one
    of the two periods counts as ``unaware`` in the other; people who left by the period's end are in neither."""
    now = ladder_frame(con, scope, **params).select("person_id", pl.col("stage").alias("to_stage"))
    left = E.engine_of(con).frame(_left_by(), LEFT_ARGS.data(day=scope.end))
    before = (ladder_frame(con, scope.previous(), **params).join(left, on="person_id", how="anti")
              .select("person_id", pl.col("stage").alias("from_stage")))
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

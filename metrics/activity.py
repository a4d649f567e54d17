"""Activity over time and by segment: the trend, daily / 7-day / 28-day actives, adoption by segment and
participation in groups.

All read ``person_day_activity`` (an action is ``acted``, a contribution
``contributed``) for the people in scope; adoption's denominator is the eligible
people (``pulso.core.scope.eligible``). With a group filter the people are the
groups' members and all their activity counts (the rollup is per person, not
per group).
"""

from __future__ import annotations

from functools import cache

import duckdb
import ibis
import polars as pl

from metrics.columns import DAY, PERIOD_START, SEGMENT
from metrics.parameters import by
from metrics.registry import WHOLE_SCOPE, Cells, col, metric
from metrics.store import available_facts
from pulso.core import expr as E
from pulso.core.expr import Engine, count_where
from pulso.core.periods import bucket_starts
from pulso.core.scope import Scope, ScopeShape, eligible, people_in_scope
from pulso.core.sql import frame

EVENTS = ("messages", "reactions", "visits")


@metric(
    "activity_trend",
    label={"es": "Tendencia de actividad", "en": "Activity trend"},
    description={"es": "Activos, contribuyentes y volúmenes por periodo.", "en": "Actives, contributors and volumes per period."},
    definition={"es": "Por periodo (día, semana que inicia lunes, mes o trimestre, recortado al alcance): cuentas activas, "
                      "contribuyentes, hilos iniciados, respuestas, me gusta (recibidos por los mensajes de personas del "
                      "alcance, de cualquiera, también sin autor conocido) y visitas. Me gusta / visitas vacíos si la "
                      "fuente no los da.",
                "en": "Per period (day, Monday-start week, month or quarter, clipped to the scope): active and "
                      "contributing accounts, threads started, replies, likes (received by the messages of people in "
                      "scope, from anyone, unknown givers included) and visits. Likes / visits are empty when no "
                      "source supplies them."},
    columns=(PERIOD_START, col("active_accounts", "int", "Cuentas activas", "Active accounts", "count"),
             col("contributing_accounts", "int", "Cuentas que aportan", "Contributing accounts", "count"),
             col("threads_started", "int", "Hilos iniciados", "Threads started", "count"),
             col("replies", "int", "Respuestas", "Replies", "count"), col("likes", "int", "Me gusta", "Likes", "count"),
             col("visits", "int", "Visitas", "Visits", "count")),
    requires=("people",), requires_any=EVENTS, group="activity", shared=True, cells=WHOLE_SCOPE,
)
def activity_trend(con: duckdb.DuckDBPyConnection | Engine, scope: Scope) -> pl.DataFrame:
    starts = bucket_starts(scope.start, scope.end, scope.granularity)
    facts = available_facts(con)
    inputs = {**scope.inputs(), **TREND_ARGS.data(period_start=scope.start, period_end=scope.end),
              **E.list_table("trend_buckets", starts, "date")}
    result = E.engine_of(con).frame(trend_expression(scope.shape, scope.granularity), inputs)
    if "reactions" not in facts:
        result = result.with_columns(pl.lit(None, pl.Int64).alias("likes"))
    if "visits" not in facts:
        result = result.with_columns(pl.lit(None, pl.Int64).alias("visits"))
    return result.with_columns(pl.max_horizontal(pl.col("period_start"), pl.lit(scope.start)).alias("period_start"))


TREND_ARGS = E.Args("trend_args", period_start="date", period_end="date")


@cache
def trend_expression(shape: ScopeShape, granularity: str) -> ibis.Table:
    """Per bucket start (the ``trend_buckets`` table, one row per bucket of the scope): active and contributing
    people in scope and the volumes they produced in the period."""
    sp = people_in_scope(shape)
    d = TREND_ARGS.join(E.table("person_day_activity"))
    d = d.filter(d.person_id.isin(sp.person_id), d.day.between(d.period_start, d.period_end))
    act = d.group_by(_start=E.bucket_start(d.day, granularity), _person=d.person_id).aggregate(
        _active=d.acted.any(), _contributing=d.contributed.any(), _threads_started=d.threads_started.sum(),
        _replies=d.replies.sum(), _likes=d.likes_received.sum(), _visits=d.visits.sum())
    buckets = ibis.table({"value": "date"}, name="trend_buckets")
    j = buckets.left_join(act, buckets.value == act._start)
    return j.group_by(period_start=j.value).aggregate(
        active_accounts=count_where(j, j._active), contributing_accounts=count_where(j, j._contributing),
        threads_started=E.cast(j._threads_started.sum().coalesce(0), "int64"),
        replies=E.cast(j._replies.sum().coalesce(0), "int64"), likes=E.cast(j._likes.sum().coalesce(0), "int64"),
        visits=E.cast(j._visits.sum().coalesce(0), "int64")).order_by("period_start")


@metric(
    "daily_actives",
    label={"es": "Activos diarios, semanales y mensuales", "en": "Daily, weekly and monthly actives"},
    description={"es": "Activos por día, en 7 y en 28 días, y adherencia.",
                 "en": "Actives per day, over 7 and 28 days, and stickiness."},
    definition={"es": "Por día: activos del día = personas con alguna acción ese día; 7 días = en los 7 días que terminan "
                      "ese día; 28 días = en los 28 días; adherencia = activos del día ÷ activos 28 días.",
                "en": "Per day: daily actives = people with any action that day; 7-day = in the 7 days ending that "
                      "day; 28-day = in the 28 days ending that day; stickiness = daily ÷ 28-day actives."},
    columns=(DAY, col("dau", "int", "Activos del día", "Daily actives", "count"),
             col("wau", "int", "Activos 7 días", "7-day actives", "count"),
             col("mau", "int", "Activos 28 días", "28-day actives", "count"),
             col("stickiness", "float", "Adherencia", "Stickiness", "ratio")),
    requires=("people",), requires_any=EVENTS, group="activity", cells=WHOLE_SCOPE,
)
def daily_actives(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """Window counts are built from each person's disjoint coverage intervals (an active day d covers days
    d..d+N-1, minus what the person's previous active day covered)."""
    sp, params = scope.people_cte()
    return frame(con, f"""
        WITH {sp},
        d AS (SELECT DISTINCT a.person_id, a.day FROM person_day_activity a JOIN sp USING (person_id)
              WHERE a.day BETWEEN ?::DATE - 27 AND ? AND a.acted),
        l AS (SELECT person_id, day, lag(day) OVER (PARTITION BY person_id ORDER BY day) AS prev FROM d),
        deltas AS (
            SELECT 7 AS w, CASE WHEN prev IS NULL OR prev + 7 <= day THEN day ELSE prev + 7 END AS at_day, 1 AS delta FROM l
            UNION ALL SELECT 7, day + 7, -1 FROM l
            UNION ALL SELECT 28, CASE WHEN prev IS NULL OR prev + 28 <= day THEN day ELSE prev + 28 END, 1 FROM l
            UNION ALL SELECT 28, day + 28, -1 FROM l),
        net AS (SELECT w, at_day, sum(delta) AS delta FROM deltas GROUP BY w, at_day),
        days AS (SELECT CAST(unnest(generate_series(?::DATE - 27, ?::DATE, INTERVAL 1 DAY)) AS DATE) AS day),
        run AS (SELECT days.day,
                   sum(coalesce(n7.delta, 0)) OVER (ORDER BY days.day) AS wau,
                   sum(coalesce(n28.delta, 0)) OVER (ORDER BY days.day) AS mau
                FROM days LEFT JOIN net n7 ON n7.w = 7 AND n7.at_day = days.day
                LEFT JOIN net n28 ON n28.w = 28 AND n28.at_day = days.day),
        dau AS (SELECT day, count(*) AS dau FROM d GROUP BY day)
        SELECT run.day, coalesce(dau.dau, 0)::BIGINT AS dau, run.wau::BIGINT AS wau, run.mau::BIGINT AS mau,
               CASE WHEN run.mau > 0 THEN round(coalesce(dau.dau, 0) / run.mau, 4) END AS stickiness
        FROM run LEFT JOIN dau USING (day) WHERE run.day BETWEEN ? AND ? ORDER BY run.day
    """, params + [scope.start, scope.end, scope.start, scope.end, scope.start, scope.end])


SEGMENTS = ("region", "office", "role", "group")


def segment_sql(segment: str) -> tuple[str, str]:
    """(join clause, segment expression) for a segment; groups join their memberships (not left by the end)."""
    if segment in ("region", "office", "role"):
        return "", f"sp.{segment}"
    return ("JOIN memberships gm ON gm.person_id = sp.person_id "
            "AND (gm.left_at IS NULL OR CAST(gm.left_at AS DATE) > ?)"), "gm.group_id"


def _adoption(con, scope: Scope, segment: str) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("day")
    join, expression = segment_sql(segment)
    join_params = [scope.end] if join else []
    return frame(con, f"""
        WITH {sp},
        per AS (SELECT person_id, bool_or(acted) AS active, bool_or(contributed) AS contributing
                FROM person_day_activity WHERE {period} GROUP BY person_id)
        SELECT {expression} AS segment, count(*) AS eligible,
               count(*) FILTER (WHERE per.active) AS active,
               count(*) FILTER (WHERE per.contributing) AS contributing
        FROM sp {join} LEFT JOIN per ON per.person_id = sp.person_id
        WHERE {eligible('sp')} GROUP BY ALL
    """, params + period_params + join_params + [scope.end])


@metric(
    "adoption_by",
    label={"es": "Adopción por segmento", "en": "Adoption by segment"},
    description={"es": "Adopción por región, oficina, rol o grupo, con el cambio frente al periodo anterior.",
                 "en": "Adoption by region, office, role or group, with the change against the previous period."},
    definition={"es": "Por segmento: elegibles (en el directorio, no bots, sin baja al cierre), activos y contribuyentes "
                      "entre ellos, adopción = activos ÷ elegibles, adopción previa y cambio en puntos porcentuales.",
                "en": "Per segment: eligible people (in the directory, not bots, not left by the period end), the "
                      "active and contributing among them, adoption = active ÷ eligible, previous adoption and the "
                      "change in percentage points."},
    columns=(SEGMENT, col("eligible", "int", "Elegibles", "Eligible", "count"),
             col("active", "int", "Activos", "Active", "count"),
             col("adoption", "float", "Adopción", "Adoption", "ratio"),
             col("contributing", "int", "Aportan", "Contributing", "count"),
             col("previous_adoption", "float", "Adopción previa", "Previous adoption", "ratio"),
             col("change_pts", "float", "Cambio", "Change", "points")),
    requires=("people",), requires_any=EVENTS, group="activity",
    cells=Cells(key="segment", by=tuple((s, s, True) for s in SEGMENTS)),
    parameters=(by(SEGMENTS, "region", "Segmento: region, office, role o group.",
                   "Segment: region, office, role or group."),),
)
def adoption_by(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "region") -> pl.DataFrame:
    now = _adoption(con, scope, by)
    before = _adoption(con, scope.previous(), by).select(
        "segment", (pl.col("active") / pl.col("eligible")).round(4).alias("previous_adoption"))
    return (now.with_columns((pl.col("active") / pl.col("eligible")).round(4).alias("adoption"))
            .join(before, on="segment", how="left")
            .with_columns(((pl.col("adoption") - pl.col("previous_adoption")) * 100).round(2).alias("change_pts"))
            .select("segment", pl.col("eligible").cast(pl.Int64), pl.col("active").cast(pl.Int64), "adoption",
                    pl.col("contributing").cast(pl.Int64), "previous_adoption", "change_pts")
            .sort("segment"))


@metric(
    "group_participation",
    label={"es": "Participación por grupo", "en": "Group participation"},
    description={"es": "Qué parte de los miembros de cada grupo aportó en él.",
                 "en": "Which share of each group's members contributed in it."},
    definition={"es": "Por grupo: miembros (del alcance, sin baja), contribuyentes = miembros que publicaron, respondieron "
                      "o dieron me gusta en un mensaje del grupo en el periodo, participación = contribuyentes ÷ miembros.",
                "en": "Per group: members (in scope, not left), contributors = members who posted, replied or liked a "
                      "message of the group in the period, participation = contributors ÷ members."},
    columns=(col("group_id", "str", "Grupo (ID)", "Group (ID)", "id"), col("group_name", "str", "Grupo", "Group", "text"),
             col("members", "int", "Miembros", "Members", "count"),
             col("contributors", "int", "Aportan", "Contributors", "count"),
             col("participation", "float", "Participación", "Participation", "ratio")),
    requires=("people", "groups", "memberships", "messages"), group="activity",
    cells=Cells(key="group_id", dimension="group"),
)
def group_participation(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    sp, params = scope.people_cte()
    period, period_params = scope.period("day")
    group_condition, group_params = scope.group_condition("g.group_id")
    return frame(con, f"""
        WITH {sp},
        acts_in_groups AS (
            SELECT DISTINCT group_id, author_id AS person_id FROM message_facts WHERE {period}
            UNION
            SELECT DISTINCT group_id, source_person_id FROM acts WHERE kind = 'like' AND {period}),
        mem AS (SELECT ms.group_id, ms.person_id FROM memberships ms JOIN sp USING (person_id)
                WHERE ms.left_at IS NULL OR CAST(ms.left_at AS DATE) > ?)
        SELECT g.group_id, g.name AS group_name, count(mem.person_id) AS members,
               count(a.person_id) AS contributors,
               round(count(a.person_id) / nullif(count(mem.person_id), 0), 4) AS participation
        FROM groups g JOIN mem USING (group_id)
        LEFT JOIN acts_in_groups a ON a.group_id = mem.group_id AND a.person_id = mem.person_id
        WHERE {group_condition}
        GROUP BY ALL ORDER BY participation DESC, g.group_id
    """, params + period_params + period_params + [scope.end] + group_params)

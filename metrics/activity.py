"""Activity KPIs: actives, adoption, volumes, each against the previous period.

Definitions (Microsoft's for Yammer usage): an **active account** in a period
took at least one intentional action (visit, post, reply, like); a
**contributing account** posted, replied or liked. **Adoption** = active
eligible people ÷ eligible people (in the org directory, not a bot, not left
by the period end). Deleted messages count as the action they were; private
messages count. Bots are never counted. With a group filter, the people are
the groups' members and all their activity counts (the rollup is per person,
not per group). Activity-count sources (Microsoft 365 ``activity_counts``) are
not used for "active" here: where a store has no events those KPIs are
unavailable rather than guessed (the registry's ``requires_any``).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.periods import (
    ACTION, CONTRIBUTION, buckets, eligible_condition, pct_change, people_cte, query, rows, utc_bounds,
)
from metrics.registry import Parameter, metric
from metrics.scope import Scope
from metrics.store import available_facts, org_timezone

EVENT_FACTS = ("messages", "reactions", "visits")

# kpi -> facts it needs (any one of them)
KPI_FACTS: dict[str, tuple[str, ...]] = {
    "active_accounts": EVENT_FACTS, "contributing_accounts": ("messages", "reactions"), "adoption": EVENT_FACTS,
    "threads_started": ("messages",), "replies": ("messages",), "likes": ("reactions",),
    "hashtag_uses": ("messages",), "visits": ("visits",), "median_minutes_per_active": ("visits",),
    "new_accounts": ("people",), "first_time_contributors": ("messages", "reactions"),
    "returning_accounts": EVENT_FACTS,
}
KPI_UNITS = {"adoption": "ratio", "median_minutes_per_active": "minutes", "threads_started": "messages",
             "replies": "messages", "likes": "count", "hashtag_uses": "count", "visits": "count"}


def _period_values(con: duckdb.DuckDBPyConnection, scope: Scope, tz: str) -> dict[str, float | None]:
    sp, params = people_cte(scope)
    prev = scope.previous()
    lo, hi = utc_bounds(tz, scope.start, scope.end)
    sql = f"""
    WITH {sp},
    act AS (SELECT a.* FROM person_day_activity a JOIN sp USING (person_id) WHERE a.day BETWEEN ? AND ?),
    per AS (SELECT person_id, bool_or({ACTION}) AS active, bool_or({CONTRIBUTION}) AS contributing,
                   sum(visit_seconds) / 60.0 AS minutes FROM act GROUP BY person_id),
    prev_active AS (SELECT DISTINCT a.person_id FROM person_day_activity a JOIN sp USING (person_id)
                    WHERE a.day BETWEEN ? AND ? AND {ACTION}),
    first_contrib AS (SELECT a.person_id, min(a.day) AS first_day FROM person_day_activity a JOIN sp USING (person_id)
                      WHERE {CONTRIBUTION} GROUP BY a.person_id)
    SELECT
      (SELECT count(*) FROM per WHERE active),
      (SELECT count(*) FROM per WHERE contributing),
      (SELECT count(*) FROM sp WHERE {eligible_condition()}),
      (SELECT count(*) FROM per JOIN sp USING (person_id) WHERE per.active AND {eligible_condition()}),
      (SELECT coalesce(sum(threads_started), 0) FROM act),
      (SELECT coalesce(sum(replies), 0) FROM act),
      (SELECT coalesce(sum(likes_given), 0) FROM act),
      (SELECT coalesce(sum(visits), 0) FROM act),
      (SELECT median(coalesce(minutes, 0)) FROM per WHERE active),
      (SELECT count(*) FROM sp WHERE sp.joined_at >= ? AND sp.joined_at < ?),
      (SELECT count(*) FROM first_contrib WHERE first_day BETWEEN ? AND ?),
      (SELECT count(*) FROM per JOIN prev_active USING (person_id) WHERE per.active),
      (SELECT coalesce(sum(len(coalesce(m.hashtags, []))), 0) FROM messages m JOIN sp ON sp.person_id = m.author_id
        WHERE m.created_at >= ? AND m.created_at < ?)
    """
    values = rows(con, sql, params + [scope.start, scope.end, prev.start, prev.end, scope.end, scope.end,
                                      lo, hi, scope.start, scope.end, lo, hi])[0]
    (active, contributing, eligible, active_eligible, threads, replies, likes, visits, median_minutes,
     new, first_time, returning, hashtags) = values
    return {
        "active_accounts": active, "contributing_accounts": contributing,
        "adoption": round(active_eligible / eligible, 4) if eligible else None,
        "threads_started": threads, "replies": replies, "likes": likes, "hashtag_uses": hashtags,
        "visits": visits, "median_minutes_per_active": None if median_minutes is None else round(median_minutes, 2),
        "new_accounts": new, "first_time_contributors": first_time, "returning_accounts": returning,
    }


@metric(
    "kpi_summary",
    label={"es": "Resumen de indicadores", "en": "KPI summary"},
    description={"es": "Indicadores clave del periodo frente al periodo anterior.",
                 "en": "Key indicators for the period against the previous period."},
    definition={"es": "Una fila por indicador: kpi, value, previous_value, change_pct (% de cambio), unit, available. "
                      "Activo: al menos una acción (visita, publicación, respuesta, me gusta); contribuyente: publicó, "
                      "respondió o dio me gusta; adopción: activos elegibles ÷ elegibles del directorio. Si las fuentes "
                      "no dan el dato, value es nulo y available es falso.",
                "en": "One row per KPI: kpi, value, previous_value, change_pct, unit, available. Active: at least one "
                      "action (visit, post, reply, like); contributing: posted, replied or liked; adoption: active "
                      "eligible ÷ eligible directory people. Where the sources lack the fact, value is null and "
                      "available is false."},
    unit="table", requires=("people",), requires_any=EVENT_FACTS,
)
def kpi_summary(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """kpi, value, previous_value, change_pct, unit, available (False → show "no disponible", values null)."""
    tz = org_timezone(con)
    facts = available_facts(con)
    now, before = _period_values(con, scope, tz), _period_values(con, scope.previous(), tz)
    out = []
    for kpi, needs in KPI_FACTS.items():
        ok = bool(set(needs) & facts)
        value, previous = (float(now[kpi]) if ok and now[kpi] is not None else None,
                           float(before[kpi]) if ok and before[kpi] is not None else None)
        out.append({"kpi": kpi, "value": value, "previous_value": previous,
                    "change_pct": pct_change(value, previous), "unit": KPI_UNITS.get(kpi, "people"), "available": ok})
    return pl.DataFrame(out, schema={"kpi": pl.String, "value": pl.Float64, "previous_value": pl.Float64,
                                     "change_pct": pl.Float64, "unit": pl.String, "available": pl.Boolean})


@metric(
    "activity_trend",
    label={"es": "Tendencia de actividad", "en": "Activity trend"},
    description={"es": "Activos, contribuyentes y volúmenes por periodo.", "en": "Actives, contributors and volumes per period."},
    definition={"es": "Por periodo (día, semana que inicia lunes, mes o trimestre, recortado al alcance): cuentas activas, "
                      "contribuyentes, hilos iniciados, respuestas, me gusta y visitas. Me gusta / visitas nulos si la "
                      "fuente no los da.",
                "en": "Per period (day, Monday-start week, month or quarter, clipped to the scope): active and "
                      "contributing accounts, threads started, replies, likes and visits. Likes / visits are null "
                      "when no source supplies them."},
    unit="table", requires=("people",), requires_any=EVENT_FACTS,
)
def activity_trend(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """period_start, active_accounts, contributing_accounts, threads_started, replies, likes, visits."""
    sp, params = people_cte(scope)
    starts = buckets(scope)
    facts = available_facts(con)
    frame = query(con, f"""
        WITH {sp},
        b AS (SELECT unnest(?::DATE[]) AS period_start),
        act AS (SELECT date_trunc(?, a.day)::DATE AS period_start, a.person_id,
                       bool_or({ACTION}) AS active, bool_or({CONTRIBUTION}) AS contributing,
                       sum(threads_started) AS threads_started, sum(replies) AS replies,
                       sum(likes_given) AS likes, sum(visits) AS visits
                FROM person_day_activity a JOIN sp USING (person_id) WHERE a.day BETWEEN ? AND ?
                GROUP BY ALL)
        SELECT b.period_start,
               count(*) FILTER (WHERE active) AS active_accounts,
               count(*) FILTER (WHERE contributing) AS contributing_accounts,
               coalesce(sum(threads_started), 0)::BIGINT AS threads_started,
               coalesce(sum(replies), 0)::BIGINT AS replies,
               coalesce(sum(likes), 0)::BIGINT AS likes, coalesce(sum(visits), 0)::BIGINT AS visits
        FROM b LEFT JOIN act USING (period_start) GROUP BY b.period_start ORDER BY b.period_start
    """, params + [starts, scope.granularity, scope.start, scope.end])
    if "reactions" not in facts:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("likes"))
    if "visits" not in facts:
        frame = frame.with_columns(pl.lit(None, pl.Int64).alias("visits"))
    return frame.with_columns(pl.max_horizontal(pl.col("period_start"), pl.lit(scope.start)).alias("period_start"))


@metric(
    "daily_actives",
    label={"es": "Activos diarios, semanales y mensuales", "en": "Daily, weekly and monthly actives"},
    description={"es": "Activos por día, en 7 y en 28 días, y adherencia.", "en": "Actives per day, over 7 and 28 days, and stickiness."},
    definition={"es": "Por día: dau = personas con alguna acción ese día; wau = en los 7 días que terminan ese día; "
                      "mau = en los 28 días; stickiness = dau ÷ mau.",
                "en": "Per day: dau = people with any action that day; wau = in the 7 days ending that day; "
                      "mau = in the 28 days ending that day; stickiness = dau ÷ mau."},
    unit="table", requires=("people",), requires_any=EVENT_FACTS,
)
def daily_actives(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """day, dau, wau, mau, stickiness. Window counts are built from each person's disjoint coverage
    intervals (an active day d covers days d..d+N-1, minus what the person's previous active day covered)."""
    sp, params = people_cte(scope)
    frame = query(con, f"""
        WITH {sp},
        d AS (SELECT DISTINCT a.person_id, a.day FROM person_day_activity a JOIN sp USING (person_id)
              WHERE a.day BETWEEN ?::DATE - 27 AND ? AND {ACTION}),
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
    return frame


BY_PARAM = Parameter("by", "region", {"es": "Segmento: region, office, role o group.",
                                      "en": "Segment: region, office, role or group."})


def segment_sql(by: str) -> tuple[str, str]:
    """(join clause, segment expression) for a ``by`` value; the join adds memberships for groups."""
    if by in ("region", "office", "role"):
        return "", f"sp.{by}"
    if by == "group":
        return ("JOIN memberships gm ON gm.person_id = sp.person_id "
                "AND (gm.left_at IS NULL OR CAST(gm.left_at AS DATE) > ?)"), "gm.group_id"
    raise ValueError(f"by must be region, office, role or group (got {by!r})")


def _adoption(con, scope: Scope, by: str) -> pl.DataFrame:
    sp, params = people_cte(scope)
    join, segment = segment_sql(by)
    join_params = [scope.end] if join else []
    return query(con, f"""
        WITH {sp},
        per AS (SELECT person_id, bool_or({ACTION}) AS active, bool_or({CONTRIBUTION}) AS contributing
                FROM person_day_activity WHERE day BETWEEN ? AND ? GROUP BY person_id)
        SELECT {segment} AS segment, count(*) AS eligible,
               count(*) FILTER (WHERE per.active) AS active,
               count(*) FILTER (WHERE per.contributing) AS contributing
        FROM sp {join} LEFT JOIN per ON per.person_id = sp.person_id
        WHERE {eligible_condition()} GROUP BY ALL
    """, params + [scope.start, scope.end] + join_params + [scope.end])


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
    unit="table", requires=("people",), requires_any=EVENT_FACTS, parameters=(BY_PARAM,),
)
def adoption_by(con: duckdb.DuckDBPyConnection, scope: Scope, by: str = "region") -> pl.DataFrame:
    """segment, eligible, active, adoption, contributing, previous_adoption, change_pts (percentage points)."""
    now = _adoption(con, scope, by)
    before = _adoption(con, scope.previous(), by).select(
        "segment", (pl.col("active") / pl.col("eligible")).round(4).alias("previous_adoption"))
    return (now.with_columns((pl.col("active") / pl.col("eligible")).round(4).alias("adoption"))
            .join(before, on="segment", how="left")
            .with_columns(((pl.col("adoption") - pl.col("previous_adoption")) * 100).round(2).alias("change_pts"))
            .select("segment", "eligible", "active", "adoption", "contributing", "previous_adoption", "change_pts")
            .sort("segment"))


@metric(
    "group_participation",
    label={"es": "Participación por grupo", "en": "Group participation"},
    description={"es": "Qué parte de los miembros de cada grupo contribuyó en él.",
                 "en": "Which share of each group's members contributed in it."},
    definition={"es": "Por grupo: miembros (del alcance, sin baja), contribuyentes = miembros que publicaron, respondieron "
                      "o dieron me gusta en un mensaje del grupo en el periodo, participación = contribuyentes ÷ miembros.",
                "en": "Per group: members (in scope, not left), contributors = members who posted, replied or liked a "
                      "message of the group in the period, participation = contributors ÷ members."},
    unit="table", requires=("people", "groups", "memberships", "messages"),
)
def group_participation(con: duckdb.DuckDBPyConnection, scope: Scope) -> pl.DataFrame:
    """group_id, group_name, members, contributors, participation."""
    tz = org_timezone(con)
    sp, params = people_cte(scope)
    group_cond, group_params = scope.message_group_filter("g")
    lo, hi = utc_bounds(tz, scope.start, scope.end)
    likes = ""
    like_params: list = []
    if "reactions" in available_facts(con):
        likes = ("UNION SELECT m.group_id, r.person_id FROM reactions r JOIN messages m USING (message_id) "
                 "WHERE coalesce(r.created_at, m.created_at) >= ? AND coalesce(r.created_at, m.created_at) < ?")
        like_params = [lo, hi]
    return query(con, f"""
        WITH {sp},
        acts AS (SELECT group_id, author_id AS person_id FROM messages m
                 WHERE m.created_at >= ? AND m.created_at < ? {likes}),
        mem AS (SELECT ms.group_id, ms.person_id FROM memberships ms JOIN sp USING (person_id)
                WHERE ms.left_at IS NULL OR CAST(ms.left_at AS DATE) > ?)
        SELECT g.group_id, g.name AS group_name, count(mem.person_id) AS members,
               count(DISTINCT acts.person_id) AS contributors,
               round(count(DISTINCT acts.person_id) / nullif(count(DISTINCT mem.person_id), 0), 4) AS participation
        FROM groups g JOIN mem USING (group_id)
        LEFT JOIN (SELECT DISTINCT * FROM acts) acts ON acts.group_id = mem.group_id AND acts.person_id = mem.person_id
        WHERE {group_cond}
        GROUP BY ALL ORDER BY participation DESC, g.group_id
    """, params + [lo, hi] + like_params + [scope.end] + group_params)

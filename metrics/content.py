"""Content: top posts, trending hashtags, best times to post.

* Only messages that **may be shown** (``message_facts.may_show``: not deleted,
  not a private conversation, not in a private or unknown group) appear as text
  or are listed; the others still count in aggregates.
* **Top posts**: threads started on a local day in the scope by people in the
  scope that may be shown; ``likes`` and ``replies`` are the ``threads`` table's
  (every reaction's weight except bots', replies not deleted).
* **Trending hashtags**: uses (shown messages carrying the hashtag) in the scope
  against the previous period of the same length.
* **Best times**: weekday × local hour of contributions (messages not deleted,
  private ones included: they are only counted) by people in scope, or of the
  likes those messages received (at the like's time; bots' left out).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.columns import CREATED_LOCAL, GROUP_ID, GROUP_NAME, THREAD_ID, TITLE
from metrics.parameters import limit
from metrics.registry import WHOLE_SCOPE, Cells, FactsNotAvailable, Parameter, col, metric
from metrics.store import available_facts
from pulso.core.scope import Scope
from pulso.core.sql import frame


@metric(
    "top_posts",
    label={"es": "Publicaciones destacadas", "en": "Top posts"},
    description={"es": "Las publicaciones con más reacciones o más respuestas.",
                 "en": "The posts with the most reactions or replies."},
    definition={
        "es": "Mensajes que inician hilo, del periodo y del alcance, sin borrados, mensajes directos ni grupos "
              "privados. Me gusta = todas las reacciones al mensaje; respuestas = respuestas no borradas del hilo.",
        "en": "Thread starters of the period and scope, excluding deleted ones, direct messages and private groups. "
              "Likes = all reactions on the message; replies = non-deleted replies in the thread.",
    },
    columns=(THREAD_ID, col("author_id", "str", "Autor (ID)", "Author (ID)", "id"),
             col("author", "str", "Autor", "Author", "name"), GROUP_ID, GROUP_NAME, CREATED_LOCAL, TITLE,
             col("excerpt", "str", "Extracto", "Excerpt", "text"), col("likes", "int", "Me gusta", "Likes", "count"),
             col("replies", "int", "Respuestas", "Replies", "count")),
    requires=("messages",), group="content", person_level=True, person_columns=("author_id",),
    parameters=(
        Parameter("order", {"es": "Orden: likes o replies (likes requiere reacciones).",
                            "en": "Order: likes or replies (likes needs reactions)."},
                  kind="choice", default="likes", choices=("likes", "replies")),
        limit("limit", 10, "Cuántas publicaciones.", "How many posts.", maximum=1000),
        limit("excerpt_chars", 140, "Largo del extracto.", "Excerpt length.", maximum=2000, minimum=0),
    ),
)
def top_posts(con: duckdb.DuckDBPyConnection, scope: Scope, order: str = "likes", limit: int = 10,
              excerpt_chars: int = 140) -> pl.DataFrame:
    """likes is empty when no source supplied reactions; ``order='likes'`` then says "not available"."""
    has_reactions = "reactions" in available_facts(con)
    if order == "likes" and not has_reactions:
        raise FactsNotAvailable("top_posts", {"reactions"})
    sp, params = scope.people_cte()
    period, period_params = scope.period("t.day")
    group_condition, group_params = scope.group_condition("t.group_id")
    likes = "t.likes" if has_reactions else "NULL::BIGINT"
    other = "replies" if order == "likes" else "likes"
    return frame(con, f"""
        WITH {sp}
        SELECT t.thread_id, t.author_id, sp.display_name AS author, t.group_id, g.name AS group_name,
               t.created_local, m.title, left(coalesce(m.body, ''), ?) AS excerpt,
               {likes} AS likes, t.replies::BIGINT AS replies
        FROM threads t JOIN sp ON sp.person_id = t.author_id JOIN messages m ON m.message_id = t.thread_id
        LEFT JOIN groups g ON g.group_id = t.group_id
        WHERE t.may_show AND {period} AND {group_condition}
        ORDER BY {order} DESC, {other} DESC NULLS LAST, t.created_at, t.thread_id
        LIMIT ?
    """, params + [int(excerpt_chars)] + period_params + group_params + [int(limit)])


@metric(
    "trending_hashtags",
    label={"es": "Hashtags en tendencia", "en": "Trending hashtags"},
    description={"es": "Los hashtags que más crecen frente al periodo anterior.",
                 "en": "The hashtags growing most against the previous period."},
    definition={
        "es": "Usos = mensajes visibles (sin borrados, directos ni grupos privados) de personas del alcance que "
              "llevan el hashtag. Crecimiento = usos del periodo − usos del periodo anterior de igual duración; "
              "% = crecimiento / usos anteriores (vacío si antes no se usó).",
        "en": "Uses = shown messages (no deleted ones, direct messages or private groups) by people in scope "
              "carrying the hashtag. Growth = uses in the period − uses in the previous period of the same length; "
              "% = growth / previous uses (empty when it was not used before).",
    },
    columns=(col("hashtag", "str", "Hashtag", "Hashtag", "text"), col("uses", "int", "Usos", "Uses", "count"),
             col("previous_uses", "int", "Usos previos", "Previous uses", "count"),
             col("growth", "int", "Crecimiento", "Growth", "count"),
             col("growth_pct", "float", "Crecimiento (%)", "Growth (%)", "percent")),
    requires=("messages",), group="content", cells=WHOLE_SCOPE,
    parameters=(
        Parameter("min_uses", {"es": "Usos mínimos en el periodo para aparecer.",
                               "en": "Minimum uses in the period to be listed."},
                  kind="int", setting="trending_min_uses", minimum=0, maximum=1_000_000),
        limit("limit", 20, "Cuántos hashtags.", "How many hashtags.", maximum=1000),
    ),
)
def trending_hashtags(con: duckdb.DuckDBPyConnection, scope: Scope, min_uses: int, limit: int = 20) -> pl.DataFrame:
    sp, params = scope.people_cte()
    previous = scope.previous()
    group_condition, group_params = scope.group_condition("mf.group_id")
    return frame(con, f"""
        WITH {sp},
        tagged AS (
            SELECT DISTINCT mf.message_id, mf.day >= ? AS current, lower(unnest(m.hashtags)) AS hashtag
            FROM message_facts mf JOIN sp ON sp.person_id = mf.author_id JOIN messages m USING (message_id)
            WHERE mf.day BETWEEN ? AND ? AND mf.hashtag_count > 0 AND mf.may_show AND {group_condition}),
        counts AS (
            SELECT hashtag, count(DISTINCT message_id) FILTER (WHERE current) AS uses,
                   count(DISTINCT message_id) FILTER (WHERE NOT current) AS previous_uses
            FROM tagged WHERE hashtag IS NOT NULL AND hashtag <> '' GROUP BY 1)
        SELECT hashtag, uses, previous_uses, uses - previous_uses AS growth,
               CASE WHEN previous_uses > 0 THEN 100.0 * (uses - previous_uses) / previous_uses END AS growth_pct
        FROM counts WHERE uses >= ?
        ORDER BY growth DESC, uses DESC, hashtag
        LIMIT ?
    """, params + [scope.start, previous.start, scope.end] + group_params + [int(min_uses), int(limit)])


@metric(
    "best_times",
    label={"es": "Mejores horarios", "en": "Best times"},
    description={"es": "Día de la semana y hora en que se publica o se reacciona más.",
                 "en": "Weekday and hour with the most posting or reacting."},
    definition={
        "es": "Aportaciones (mensajes no borrados de personas del alcance) o reacciones que esos mensajes "
              "recibieron (a la hora de la reacción; sin bots), por día de la semana (0 = lunes) y hora, en la "
              "zona horaria de la organización.",
        "en": "Contributions (non-deleted messages by people in scope) or the reactions those messages got "
              "(at the reaction's time; no bots), by weekday (0 = Monday) and hour, in the organisation's time zone.",
    },
    columns=(col("weekday", "int32", "Día", "Day", "number"), col("hour", "int32", "Hora", "Hour", "number"),
             col("count", "int", "Cantidad", "Count", "count")),
    requires=("messages",), group="content", cells=Cells(keys=("weekday", "hour")),
    parameters=(Parameter("kind", {"es": "contributions o reactions (requiere reacciones).",
                                   "en": "contributions or reactions (needs reactions)."},
                          kind="choice", default="contributions", choices=("contributions", "reactions")),),
)
def best_times(con: duckdb.DuckDBPyConnection, scope: Scope, kind: str = "contributions") -> pl.DataFrame:
    """All 168 cells (weekday 0 = Monday … 6, hour 0-23), zeros included."""
    if kind == "reactions" and "reactions" not in available_facts(con):
        raise FactsNotAvailable("best_times", {"reactions"})
    sp, params = scope.people_cte()
    group_condition, group_params = scope.group_condition("m.group_id")
    if kind == "contributions":
        period, period_params = scope.period("m.day")
        events = f"""SELECT m.created_local AS t, 1 AS n FROM message_facts m JOIN sp ON sp.person_id = m.author_id
                     WHERE {period} AND NOT m.is_deleted AND {group_condition}"""
    else:
        period, period_params = scope.period("x.day")
        events = f"""SELECT x.occurred_local AS t, x.weight AS n
                     FROM acts x JOIN message_facts m ON m.message_id = x.message_id
                     JOIN sp ON sp.person_id = m.author_id LEFT JOIN person_facts xp ON xp.person_id = x.source_person_id
                     WHERE x.kind = 'like' AND x.occurred_local IS NOT NULL AND {period} AND NOT m.is_deleted
                       AND NOT coalesce(xp.is_bot, FALSE) AND {group_condition}"""
    return frame(con, f"""
        WITH {sp},
        counts AS (SELECT isodow(t) - 1 AS weekday, hour(t) AS hour, sum(n) AS count FROM ({events}) GROUP BY ALL),
        grid AS (SELECT w.weekday, h.hour FROM range(7) w(weekday), range(24) h(hour))
        SELECT grid.weekday::INTEGER AS weekday, grid.hour::INTEGER AS hour, coalesce(counts.count, 0)::BIGINT AS count
        FROM grid LEFT JOIN counts ON counts.weekday = grid.weekday AND counts.hour = grid.hour
        ORDER BY weekday, hour
    """, params + period_params + group_params)

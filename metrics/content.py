"""Content: top posts, trending hashtags, best times to post.

Definitions
-----------
* **Shown content** (top posts, hashtags) never includes deleted messages,
  private conversations (direct messages) or messages in private groups; a
  message whose group no loaded source describes is treated as private
  (its privacy is unknown), so it is counted but not shown.
* **Top posts**: thread starters posted on a local day in the scope by people in
  the scope (bots excluded); ``likes`` = all reactions on the starter (a row
  standing for several counts its weight; bots' reactions left out);
  ``replies`` = non-deleted replies in the thread.
* **Trending hashtags**: uses (shown messages carrying the hashtag) in the
  scope against the previous period of the same length.
* **Best times**: weekday × hour, in the organisation's time zone, of
  contributions (non-deleted messages, private ones included: they are only
  counted) by people in scope, or of the reactions those contributions
  received (at the reaction's time; reactions with no time or by bots left out).
"""

from __future__ import annotations

import duckdb
import polars as pl

from metrics.periods import utc_bounds
from metrics.store import org_timezone
from metrics.registry import FactsNotAvailable, Parameter, metric
from metrics.scope import Scope
from metrics.store import available_facts

SHOWN = ("m.deleted_at IS NULL AND coalesce(m.is_private, FALSE) = FALSE "
         "AND (m.group_id IS NULL OR m.group_id IN (SELECT group_id FROM groups WHERE NOT coalesce(is_private, FALSE)))")
LIKES_CTE = """
        likes AS (
            SELECT r.message_id AS thread_id, sum(coalesce(r.weight, 1)) AS likes
            FROM reactions r JOIN t ON t.thread_id = r.message_id
            LEFT JOIN people rp ON rp.person_id = r.person_id
            WHERE coalesce(rp.is_bot, FALSE) = FALSE GROUP BY 1
        ),"""
TZ_PARAMETER = Parameter("timezone", None, {"es": "Zona horaria de los días y horas (por omisión la del almacén).",
                                            "en": "Time zone of days and hours (default: the store's)."})


def _require(con: duckdb.DuckDBPyConnection, name: str, fact: str) -> None:
    if fact not in available_facts(con):
        raise FactsNotAvailable(name, {fact})


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
    unit="table",
    requires=("messages",),
    parameters=(
        Parameter("order", "likes", {"es": "Orden: likes o replies (likes requiere reacciones).",
                                     "en": "Order: likes or replies (likes needs reactions)."}),
        Parameter("limit", 10, {"es": "Cuántas publicaciones.", "en": "How many posts."}),
        Parameter("excerpt_chars", 140, {"es": "Largo del extracto.", "en": "Excerpt length."}),
        TZ_PARAMETER,
    ),
    group="content",
)
def top_posts(con: duckdb.DuckDBPyConnection, scope: Scope, order: str = "likes", limit: int = 10,
              excerpt_chars: int = 140, timezone: str | None = None) -> pl.DataFrame:
    """Columns: thread_id, author_id, author, group_id, group_name, created_at (UTC), created_local
    (organisation time), title, excerpt, likes (null when no source supplied reactions), replies.
    Raises FactsNotAvailable for ``order='likes'`` when no source supplied reactions."""
    if order not in ("likes", "replies"):
        raise ValueError("order must be likes or replies")
    has_reactions = "reactions" in available_facts(con)
    if order == "likes" and not has_reactions:
        raise FactsNotAvailable("top_posts", {"reactions"})
    tz = org_timezone(con, timezone)
    lo, hi = utc_bounds(tz, scope.start, scope.end)
    people_sql, people_params = scope.scoped_people_sql()
    group_condition, group_params = scope.message_group_filter("m")
    likes_cte = LIKES_CTE if has_reactions else ""
    likes_value = "coalesce(likes.likes, 0)::BIGINT" if has_reactions else "NULL::BIGINT"
    likes_from = "LEFT JOIN likes USING (thread_id)" if has_reactions else ""
    sql = f"""
        WITH t AS (
            SELECT m.message_id AS thread_id, m.author_id, p.display_name AS author, m.group_id, m.created_at,
                   m.title, m.body
            FROM messages m JOIN ({people_sql}) p ON p.person_id = m.author_id
            WHERE m.created_at >= ? AND m.created_at < ? AND m.replied_to_id IS NULL
              AND m.message_id = m.thread_id AND {SHOWN} AND {group_condition}
        ),
{likes_cte}
        replies AS (
            SELECT x.thread_id, count(*) AS replies
            FROM messages x JOIN t ON t.thread_id = x.thread_id
            WHERE x.message_id <> x.thread_id AND x.deleted_at IS NULL GROUP BY 1
        ),
        counted AS (
            SELECT t.*, {likes_value} AS likes, coalesce(replies.replies, 0)::BIGINT AS replies
            FROM t {likes_from} LEFT JOIN replies USING (thread_id)
        )
        SELECT thread_id, author_id, author, c.group_id, g.name AS group_name, c.created_at,
               CAST(timezone(?, CAST(c.created_at AS TIMESTAMPTZ)) AS TIMESTAMP) AS created_local,
               title, left(coalesce(body, ''), ?) AS excerpt,
               likes, replies
        FROM counted c LEFT JOIN groups g ON g.group_id = c.group_id
        ORDER BY {order} DESC, {'replies' if order == 'likes' else 'likes'} DESC NULLS LAST, created_at, thread_id
        LIMIT ?
    """
    params = people_params + [lo, hi] + group_params + [tz, int(excerpt_chars), int(limit)]
    return con.sql(sql, params=params).pl()


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
    unit="table",
    requires=("messages",),
    parameters=(
        Parameter("min_uses", 2, {"es": "Usos mínimos en el periodo para aparecer.",
                                  "en": "Minimum uses in the period to be listed."}),
        Parameter("limit", 20, {"es": "Cuántos hashtags.", "en": "How many hashtags."}),
        TZ_PARAMETER,
    ),
    group="content",
)
def trending_hashtags(con: duckdb.DuckDBPyConnection, scope: Scope, min_uses: int = 2, limit: int = 20,
                      timezone: str | None = None) -> pl.DataFrame:
    """Columns: hashtag, uses, previous_uses, growth, growth_pct (null when previous_uses = 0);
    ordered by growth, then uses (descending), then hashtag."""
    tz = org_timezone(con, timezone)
    previous = scope.previous()
    prev_lo, lo = utc_bounds(tz, previous.start, previous.end)
    _, hi = utc_bounds(tz, scope.start, scope.end)
    people_sql, people_params = scope.scoped_people_sql()
    group_condition, group_params = scope.message_group_filter("m")
    sql = f"""
        WITH tagged AS (
            SELECT DISTINCT m.message_id, m.created_at >= ? AS current, unnest(m.hashtags) AS hashtag
            FROM messages m JOIN ({people_sql}) p ON p.person_id = m.author_id
            WHERE m.created_at >= ? AND m.created_at < ? AND len(m.hashtags) > 0 AND {SHOWN} AND {group_condition}
        ),
        counts AS (
            SELECT lower(hashtag) AS hashtag, count(DISTINCT message_id) FILTER (WHERE current) AS uses,
                   count(DISTINCT message_id) FILTER (WHERE NOT current) AS previous_uses
            FROM tagged WHERE hashtag IS NOT NULL AND hashtag <> '' GROUP BY 1
        )
        SELECT hashtag, uses, previous_uses, uses - previous_uses AS growth,
               CASE WHEN previous_uses > 0 THEN 100.0 * (uses - previous_uses) / previous_uses END AS growth_pct
        FROM counts WHERE uses >= ?
        ORDER BY growth DESC, uses DESC, hashtag
        LIMIT ?
    """
    params = [lo] + people_params + [prev_lo, hi] + group_params + [int(min_uses), int(limit)]
    return con.sql(sql, params=params).pl()


@metric(
    "best_times",
    label={"es": "Mejores horarios", "en": "Best times"},
    description={"es": "Día de la semana y hora en que se publica o se reacciona más.",
                 "en": "Weekday and hour with the most posting or reacting."},
    definition={
        "es": "Aportaciones (mensajes no borrados de personas del alcance) o reacciones que esas aportaciones "
              "recibieron (a la hora de la reacción; sin bots), por día de la semana (0 = lunes) y hora, en la "
              "zona horaria de la organización.",
        "en": "Contributions (non-deleted messages by people in scope) or the reactions those contributions got "
              "(at the reaction's time; no bots), by weekday (0 = Monday) and hour, in the organisation's time zone.",
    },
    unit="count",
    requires=("messages",),
    parameters=(
        Parameter("kind", "contributions", {"es": "contributions o reactions (requiere reacciones).",
                                            "en": "contributions or reactions (needs reactions)."}),
        TZ_PARAMETER,
    ),
    group="content",
)
def best_times(con: duckdb.DuckDBPyConnection, scope: Scope, kind: str = "contributions",
               timezone: str | None = None) -> pl.DataFrame:
    """Columns: weekday (0 = Monday … 6 = Sunday), hour (0-23), count. All 168 cells, zeros included."""
    if kind not in ("contributions", "reactions"):
        raise ValueError("kind must be contributions or reactions")
    if kind == "reactions":
        _require(con, "best_times", "reactions")
    tz = org_timezone(con, timezone)
    lo, hi = utc_bounds(tz, scope.start, scope.end)
    people_sql, people_params = scope.scoped_people_sql()
    group_condition, group_params = scope.message_group_filter("m")
    if kind == "contributions":
        events = f"""
            SELECT m.created_at AS ts, 1 AS n
            FROM messages m JOIN ({people_sql}) p ON p.person_id = m.author_id
            WHERE m.created_at >= ? AND m.created_at < ? AND m.deleted_at IS NULL AND {group_condition}
        """
    else:
        events = f"""
            SELECT r.created_at AS ts, coalesce(r.weight, 1) AS n
            FROM reactions r JOIN messages m ON m.message_id = r.message_id
            JOIN ({people_sql}) p ON p.person_id = m.author_id
            LEFT JOIN people rp ON rp.person_id = r.person_id
            WHERE r.created_at >= ? AND r.created_at < ? AND m.deleted_at IS NULL
              AND coalesce(rp.is_bot, FALSE) = FALSE AND {group_condition}
        """
    sql = f"""
        WITH localized AS (SELECT timezone(?, CAST(ts AS TIMESTAMPTZ)) AS t, n FROM ({events})),
        counts AS (SELECT isodow(t) - 1 AS weekday, hour(t) AS hour, sum(n) AS count FROM localized GROUP BY ALL),
        grid AS (SELECT w.weekday, h.hour FROM range(7) w(weekday), range(24) h(hour))
        SELECT grid.weekday::INTEGER AS weekday, grid.hour::INTEGER AS hour, coalesce(counts.count, 0)::BIGINT AS count
        FROM grid LEFT JOIN counts ON counts.weekday = grid.weekday AND counts.hour = grid.hour
        ORDER BY weekday, hour
    """
    return con.sql(sql, params=[tz] + people_params + [lo, hi] + group_params).pl()

"""The derived tables, rebuilt at every publish: one function per table, in ``DERIVED`` order.

Each business rule of Pulso's vocabulary is written here once (what a thread,
a reply, an act, an action and a contribution are; which messages may be shown;
who is eligible and when), and declared with its meaning beside the canonical
schema (``pulso/core/schema.py``, ``DERIVED_TABLES``; docs/data-model.md).
Metrics read these tables; they never re-derive the rules.

Local times: every ``day``, ``created_local`` and ``*_local`` column is in the
organisation's time zone (the settings the store is built with). When the
zone's UTC offset is the same over the whole span of the data (Mexico City since
it dropped daylight saving in 2022) a constant offset is added, about ten times
cheaper than a per-row time-zone conversion; otherwise each value is converted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb

from pulso.core.schema import DERIVED_TABLES
from pulso.core.scope import UNASSIGNED
from pulso.core.settings import Settings
from pulso.core.sql import one, run


def local(column: str, constant_offset: bool) -> str:
    """SQL for the local (naive) time of the UTC ``column``; uses the variables set by ``set_time_zone``."""
    if constant_offset:
        return f"({column} + getvariable('pulso_offset'))"
    return f"timezone(getvariable('pulso_tz'), CAST({column} AS TIMESTAMPTZ))"


def constant_offset(timezone: str, first: datetime, last: datetime) -> timedelta | None:
    """The zone's UTC offset if it is the same from ``first`` to ``last`` (checked daily: real offset changes
    last months), else None. Spans over a century are not checked (treated as changing)."""
    zone = ZoneInfo(timezone)
    if (last - first).days > 36_600:
        return None
    offsets = {zone.utcoffset(first), zone.utcoffset(last)}
    day = first
    while day < last and len(offsets) == 1:
        day += timedelta(days=1)
        offsets.add(zone.utcoffset(day))
    return offsets.pop() if len(offsets) == 1 else None


def set_time_zone(con: duckdb.DuckDBPyConnection, timezone: str) -> bool:
    """Bind the time zone (and its offset, when it is constant over the data's span) as session variables;
    True when the offset is constant."""
    run(con, "SET VARIABLE pulso_tz = ?", [timezone])
    span = one(con, """SELECT min(t), max(t) FROM (
        SELECT min(created_at) AS t FROM messages UNION ALL SELECT max(created_at) FROM messages
        UNION ALL SELECT min(started_at) FROM visits UNION ALL SELECT max(started_at) FROM visits
        UNION ALL SELECT min(created_at) FROM reactions UNION ALL SELECT max(created_at) FROM reactions
        UNION ALL SELECT min(occurred_at) FROM interactions UNION ALL SELECT max(occurred_at) FROM interactions
        UNION ALL SELECT min(left_at) FROM people UNION ALL SELECT max(left_at) FROM people
        UNION ALL SELECT min(joined_at) FROM people UNION ALL SELECT max(joined_at) FROM people)""")
    offset = constant_offset(timezone, span[0], span[1]) if span and span[0] is not None else None
    if offset is not None:
        run(con, "SET VARIABLE pulso_offset = ?::INTERVAL", [offset])
        return True
    run(con, "SET VARIABLE pulso_offset = NULL")
    return False


def message_facts(con: duckdb.DuckDBPyConnection, constant: bool, settings: Settings) -> None:
    """A message is a **reply** when it answers another message or sits in another message's thread; every
    other message starts a thread. It **may be shown** when not deleted, not direct and not in a private group
    (a group no source describes counts as private). With ``[privacy] count_private = false`` the messages that
    are direct or in a private group are left out here, so no count anywhere includes them (every other derived
    table is built from this one)."""
    private = "m.is_private OR (m.group_id IS NOT NULL AND coalesce(g.is_private, TRUE))"
    counted = "TRUE" if settings.privacy.count_private else f"NOT coalesce({private}, FALSE)"
    run(con, f"""
        CREATE OR REPLACE TABLE message_facts AS
        WITH m AS (
            SELECT m.*, {local('m.created_at', constant)} AS created_local,
                   (m.replied_to_id IS NOT NULL OR m.message_id <> m.thread_id) AS is_reply
            FROM messages m)
        SELECT m.message_id, m.thread_id, m.replied_to_id,
               CASE WHEN m.is_reply THEN coalesce(parent.author_id, starter.author_id) END AS parent_author_id,
               m.author_id, m.group_id, m.created_at, m.created_local, CAST(m.created_local AS DATE) AS day,
               NOT m.is_reply AS is_thread_start, m.is_reply,
               m.deleted_at IS NOT NULL AS is_deleted,
               coalesce(m.is_private, FALSE) AS is_direct,
               (m.group_id IS NOT NULL AND coalesce(g.is_private, TRUE)) AS in_private_group,
               (m.deleted_at IS NULL AND NOT coalesce(m.is_private, FALSE)
                AND NOT (m.group_id IS NOT NULL AND coalesce(g.is_private, TRUE))) AS may_show,
               CAST(len(coalesce(m.hashtags, [])) AS INTEGER) AS hashtag_count
        FROM m
        LEFT JOIN messages parent ON parent.message_id = m.replied_to_id
        LEFT JOIN messages starter ON starter.message_id = m.thread_id AND m.replied_to_id IS NULL
        LEFT JOIN groups g ON g.group_id = m.group_id
        WHERE {counted}
    """)


def person_day_activity(con: duckdb.DuckDBPyConnection, constant: bool, settings: Settings) -> None:
    """An **action** is a visit, a thread started, a reply or a like given; a **contribution** is a thread
    started, a reply or a like given. A reaction without a time takes its message's day."""
    reaction_day = f"CASE WHEN r.created_at IS NULL THEN m.day ELSE CAST({local('r.created_at', constant)} AS DATE) END"
    run(con, f"""
        CREATE OR REPLACE TABLE person_day_activity AS
        WITH events AS (
            SELECT author_id AS person_id, day, CAST(is_thread_start AS INTEGER) AS threads_started,
                   CAST(is_reply AS INTEGER) AS replies, 0 AS likes_given, 0 AS visits, 0 AS visit_seconds,
                   0 AS likes_received, 0 AS replies_received, hashtag_count AS hashtags_used
            FROM message_facts
            UNION ALL
            SELECT r.person_id, {reaction_day}, 0, 0, coalesce(r.weight, 1), 0, 0, 0, 0, 0
            FROM reactions r JOIN message_facts m USING (message_id) WHERE r.person_id IS NOT NULL
            UNION ALL
            SELECT person_id, CAST({local('started_at', constant)} AS DATE), 0, 0, 0, 1, coalesce(duration_seconds, 0),
                   0, 0, 0
            FROM visits
            UNION ALL
            SELECT m.author_id, {reaction_day}, 0, 0, 0, 0, 0, coalesce(r.weight, 1), 0, 0
            FROM reactions r JOIN message_facts m USING (message_id)
            UNION ALL
            SELECT parent_author_id, day, 0, 0, 0, 0, 0, 0, 1, 0
            FROM message_facts WHERE is_reply AND parent_author_id IS NOT NULL AND parent_author_id <> author_id
        )
        SELECT person_id, day,
               sum(threads_started)::INTEGER AS threads_started, sum(replies)::INTEGER AS replies,
               sum(likes_given)::INTEGER AS likes_given, sum(visits)::INTEGER AS visits,
               sum(visit_seconds)::BIGINT AS visit_seconds,
               sum(likes_received)::INTEGER AS likes_received, sum(replies_received)::INTEGER AS replies_received,
               sum(hashtags_used)::INTEGER AS hashtags_used,
               (sum(threads_started) + sum(replies) + sum(likes_given))::INTEGER AS contributions,
               sum(threads_started) + sum(replies) + sum(likes_given) + sum(visits) > 0 AS acted,
               sum(threads_started) + sum(replies) + sum(likes_given) > 0 AS contributed
        FROM events WHERE person_id IS NOT NULL AND day IS NOT NULL
        GROUP BY person_id, day
    """)


def person_week_activity(con: duckdb.DuckDBPyConnection, constant: bool, settings: Settings) -> None:
    run(con, """
        CREATE OR REPLACE TABLE person_week_activity AS
        SELECT DISTINCT person_id, CAST(date_trunc('week', day) AS DATE) AS week_start
        FROM person_day_activity WHERE acted
    """)


def person_facts(con: duckdb.DuckDBPyConnection, constant: bool, settings: Settings) -> None:
    """People with never-null organisation attributes, the rank of their role and their first and last days."""
    roles = list(settings.hierarchy.names)
    run(con, f"""
        CREATE OR REPLACE TABLE person_facts AS
        WITH ranks AS (SELECT unnest(?::VARCHAR[]) AS role, unnest(?::INTEGER[]) AS rank),
        days AS (SELECT person_id, min(day) FILTER (WHERE acted) AS first_action_day,
                        min(day) FILTER (WHERE contributed) AS first_contribution_day,
                        max(day) FILTER (WHERE acted) AS last_action_day
                 FROM person_day_activity GROUP BY person_id)
        SELECT p.person_id, p.display_name, p.email, p.manager_id,
               coalesce(p.region, ?) AS region, coalesce(p.office, ?) AS office, coalesce(p.role, ?) AS role,
               CAST(ranks.rank AS INTEGER) AS role_rank,
               coalesce(p.in_directory, FALSE) AS in_directory, coalesce(p.is_bot, FALSE) AS is_bot, p.state,
               p.joined_at, CAST({local('p.joined_at', constant)} AS DATE) AS joined_day,
               p.left_at, CAST({local('p.left_at', constant)} AS DATE) AS left_day,
               p.profile_completeness, days.first_action_day, days.first_contribution_day, days.last_action_day
        FROM people p LEFT JOIN ranks ON ranks.role = p.role LEFT JOIN days USING (person_id)
    """, [roles, list(range(1, len(roles) + 1)), UNASSIGNED, UNASSIGNED, UNASSIGNED])


def threads(con: duckdb.DuckDBPyConnection, constant: bool, settings: Settings) -> None:
    """A thread **counts** when its starter is not deleted and not direct; it is **answered** by the first
    non-deleted reply from someone else who is not a bot, at or after its start."""
    run(con, """
        CREATE OR REPLACE TABLE threads AS
        WITH starts AS (SELECT * FROM message_facts WHERE is_thread_start),
        replies AS (
            SELECT r.thread_id, count(*) AS replies FROM message_facts r
            WHERE r.is_reply AND NOT r.is_deleted GROUP BY r.thread_id),
        firsts AS (
            SELECT s.message_id AS thread_id, r.created_at, r.created_local, r.author_id,
                   row_number() OVER (PARTITION BY s.message_id ORDER BY r.created_at, r.message_id) AS n
            FROM starts s
            JOIN message_facts r ON r.thread_id = s.message_id AND r.is_reply AND NOT r.is_deleted
            JOIN people rp ON rp.person_id = r.author_id
            WHERE r.author_id <> s.author_id AND NOT coalesce(rp.is_bot, FALSE) AND r.created_at >= s.created_at),
        likes AS (
            SELECT x.message_id AS thread_id, sum(coalesce(x.weight, 1)) AS likes
            FROM reactions x JOIN starts s ON s.message_id = x.message_id
            LEFT JOIN people xp ON xp.person_id = x.person_id
            WHERE NOT coalesce(xp.is_bot, FALSE) GROUP BY 1)
        SELECT s.message_id AS thread_id, s.author_id, s.group_id, s.created_at, s.created_local, s.day,
               s.is_deleted, s.is_direct, s.may_show, NOT s.is_deleted AND NOT s.is_direct AS counts,
               CAST(coalesce(replies.replies, 0) AS INTEGER) AS replies, CAST(coalesce(likes.likes, 0) AS BIGINT) AS likes,
               f.created_at AS first_reply_at, f.created_local AS first_reply_local, f.author_id AS first_replier_id,
               (epoch(f.created_at) - epoch(s.created_at)) / 3600.0 AS hours_to_first_reply
        FROM starts s
        LEFT JOIN replies ON replies.thread_id = s.message_id
        LEFT JOIN likes ON likes.thread_id = s.message_id
        LEFT JOIN firsts f ON f.thread_id = s.message_id AND f.n = 1
    """)


def acts(con: duckdb.DuckDBPyConnection, constant: bool, settings: Settings) -> None:
    """Replies (replier -> author answered), mentions (author -> each person mentioned), likes (reactor ->
    author, the reaction's weight; the reactor is empty where the source only gives a count) and generic
    interactions (their own kind and weight)."""
    run(con, f"""
        CREATE OR REPLACE TABLE acts AS
        SELECT author_id AS source_person_id, parent_author_id AS target_person_id, 'reply' AS kind,
               CAST(1 AS DOUBLE) AS weight, created_at AS occurred_at, created_local AS occurred_local, day,
               group_id, message_id, author_id = parent_author_id AS is_self
        FROM message_facts WHERE is_reply AND parent_author_id IS NOT NULL
        UNION ALL
        SELECT mf.author_id, u.mentioned, 'mention', CAST(1 AS DOUBLE), mf.created_at, mf.created_local, mf.day,
               mf.group_id, mf.message_id, mf.author_id = u.mentioned
        FROM (SELECT message_id, unnest(mentions) AS mentioned FROM messages WHERE len(mentions) > 0) u
        JOIN message_facts mf USING (message_id)
        UNION ALL
        SELECT person_id, author_id, 'like', weight, occurred_at, occurred_local,
               coalesce(CAST(occurred_local AS DATE), day), group_id, message_id, coalesce(person_id = author_id, FALSE)
        FROM (SELECT r.person_id, m.author_id, CAST(coalesce(r.weight, 1) AS DOUBLE) AS weight,
                     r.created_at AS occurred_at, {local('r.created_at', constant)} AS occurred_local,
                     m.day, m.group_id, m.message_id
              FROM reactions r JOIN message_facts m USING (message_id))
        UNION ALL
        SELECT source_person_id, target_person_id, kind, CAST(coalesce(weight, 1) AS DOUBLE), occurred_at,
               occurred_local, CAST(occurred_local AS DATE), NULL, NULL, source_person_id = target_person_id
        FROM (SELECT *, {local('occurred_at', constant)} AS occurred_local FROM interactions)
    """)


DERIVED: dict[str, Callable[[duckdb.DuckDBPyConnection, bool, Settings], None]] = {
    "message_facts": message_facts,
    "person_day_activity": person_day_activity,
    "person_week_activity": person_week_activity,
    "person_facts": person_facts,
    "threads": threads,
    "acts": acts,
}
assert list(DERIVED) == [t.name for t in DERIVED_TABLES], "build order must follow the declarations"


def data_span_days(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """(first, last) local day with any dated fact: activity, acts or calendar events."""
    found = one(con, """SELECT min(d), max(d) FROM (
        SELECT min(day) AS d FROM person_day_activity UNION ALL SELECT max(day) FROM person_day_activity
        UNION ALL SELECT min(day) FROM acts UNION ALL SELECT max(day) FROM acts
        UNION ALL SELECT min(event_date) FROM campaign_events UNION ALL SELECT max(event_date) FROM campaign_events)""")
    return None if not found or found[0] is None else (found[0], found[1])


def build_derived(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Rebuild every derived table with ``settings`` and record the data's span of days in store_info."""
    from pipelines.store import set_info

    constant = set_time_zone(con, settings.timezone)
    for build in DERIVED.values():
        build(con, constant, settings)
    span = data_span_days(con)
    set_info(con, data_first_day=span[0].isoformat() if span else "",
             data_last_day=span[1].isoformat() if span else "")


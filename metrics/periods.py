"""Periods and the small SQL helpers the activity metrics share.

Days are local days in the organisation's time zone (the ``timezone`` key of
``store_info``; rollups already hold local days). A bucket of granularity
day / week / month / quarter starts at ``date_trunc(granularity, day)``
(weeks start on Monday); buckets at the edges of a scope are clipped to it.
``Scope.previous()`` is the period of the same length just before.

Actions: ``person_day_activity`` holds per person and local day the threads
started, replies, likes given and visits. An *action* is any of these four
(likes and replies *received* are not the person's own action); a
*contribution* is a thread started, a reply or a like. Deleted messages stay in
the store and count as the action they were.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from metrics.scope import Scope

ACTION = "(threads_started + replies + likes_given + visits) > 0"
CONTRIBUTION = "(threads_started + replies + likes_given) > 0"


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run ``sql`` with bound parameters and return a polars frame (fully fetched)."""
    return con.sql(sql, params=params or []).pl()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def local(column: str) -> str:
    """SQL for the local naive time of a UTC ``column`` (first parameter: the time zone)."""
    return f"timezone(?, CAST({column} AS TIMESTAMPTZ))"


def bucket_start(day: date, granularity: str) -> date:
    """First day of the bucket holding ``day``."""
    if granularity == "day":
        return day
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    raise ValueError(f"unknown granularity {granularity!r}")


def buckets(scope: Scope) -> list[date]:
    """The bucket starts covering the scope (the first may start before scope.start)."""
    out: list[date] = []
    day = scope.start
    while day <= scope.end:
        start = bucket_start(day, scope.granularity)
        if not out or out[-1] != start:
            out.append(start)
        day += timedelta(days=1)
    return out


def pct_change(value: float | None, previous: float | None) -> float | None:
    """Percent change from ``previous`` to ``value``; null when previous is 0 or unknown."""
    if value is None or previous is None or previous == 0:
        return None
    return round(100.0 * (value - previous) / previous, 2)


def people_cte(scope: Scope) -> tuple[str, list]:
    """``sp AS (...)``: the scope's people (bots excluded), with left_at, joined_at and profile data."""
    condition, params = scope.people_filter("p")
    sql = (
        "sp AS (SELECT p.person_id, p.display_name, p.manager_id, coalesce(p.in_directory, FALSE) AS in_directory, "
        "p.joined_at, p.left_at, p.profile_completeness, "
        "coalesce(p.region, '(unassigned)') AS region, coalesce(p.office, '(unassigned)') AS office, "
        f"coalesce(p.role, '(unassigned)') AS role FROM people p WHERE {condition})"
    )
    return sql, params


def eligible_condition(alias: str = "sp") -> str:
    """Eligible for adoption on a period ending at the bound date parameter: in the directory,
    not a bot (already excluded from sp) and not left on or before that day (UTC date)."""
    return f"({alias}.in_directory AND ({alias}.left_at IS NULL OR CAST({alias}.left_at AS DATE) > ?))"


def utc_bounds(timezone: str, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The UTC instants (naive) where local day ``first_day`` starts and the day after ``last_day`` starts:
    ``ts >= lo AND ts < hi`` selects the local days first_day..last_day without converting every row."""
    zone = ZoneInfo(timezone)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC).replace(tzinfo=None)

    return start_of(first_day), start_of(last_day + timedelta(days=1))

"""Periods: local days, buckets and the default week, written once.

A period is a run of inclusive local days in the organisation's time zone.
Weeks start on Monday. A bucket of granularity day / week / month / quarter
starts at ``bucket_start(day, granularity)``. The default period everywhere
(dashboard, ``pulso metric``, ``pulso report``) is the last complete
Monday-Sunday week with data.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pulso.core.errors import ParameterError

GRANULARITIES = ("day", "week", "month", "quarter")


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
    raise ParameterError(f"granularity must be one of {', '.join(GRANULARITIES)} (got {granularity!r})")


def bucket_end(day: date, granularity: str) -> date:
    """Last day of the bucket holding ``day``."""
    start = bucket_start(day, granularity)
    if granularity == "day":
        return start
    if granularity == "week":
        return start + timedelta(days=6)
    months = 1 if granularity == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, 1) - timedelta(days=1)


def bucket_starts(first: date, last: date, granularity: str) -> list[date]:
    """The bucket starts covering ``first``..``last`` (the first may start before ``first``)."""
    out: list[date] = []
    day = bucket_start(first, granularity)
    while day <= last:
        out.append(day)
        if granularity == "day":
            day += timedelta(days=1)
        elif granularity == "week":
            day += timedelta(days=7)
        else:
            months = 1 if granularity == "month" else 3
            year, month = divmod(day.month - 1 + months, 12)
            day = date(day.year + year, month + 1, 1)
    return out


def last_complete_week(last_day: date) -> tuple[date, date]:
    """The Monday-Sunday week ending on the last Sunday on or before ``last_day``."""
    end = last_day - timedelta(days=(last_day.weekday() + 1) % 7)
    return end - timedelta(days=6), end


def utc_bounds(timezone: str, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The UTC instants (naive) where local day ``first_day`` starts and the day after ``last_day`` starts:
    ``ts >= lo AND ts < hi`` selects the local days first_day..last_day without converting every row."""
    zone = ZoneInfo(timezone)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), zone).astimezone(UTC).replace(tzinfo=None)

    return start_of(first_day), start_of(last_day + timedelta(days=1))


def parse_day(text: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ParameterError(f"{what} {text!r}: expected a date YYYY-MM-DD") from None


def parse_period(text: str) -> tuple[date, date]:
    """``2026-W46`` -> that ISO week; ``2026-11`` -> the month; ``2026-11-15`` -> the day;
    ``2026-11-01..2026-11-15`` -> the inclusive range."""
    text = text.strip()
    problem = None
    try:
        if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, re.IGNORECASE):
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return start, start + timedelta(days=6)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            return date(year, month, 1), date(year, month, monthrange(year, month)[1])
        if ".." in text:
            first, last = (date.fromisoformat(part.strip()) for part in text.split("..", 1))
            if last < first:
                problem = "the range ends before it starts"
            else:
                return first, last
        else:
            day = date.fromisoformat(text)
            return day, day
    except ValueError as exc:
        problem = str(exc)
    raise ParameterError(f"period {text!r}: expected 2026-W46, 2026-11, 2026-11-15 or 2026-11-01..2026-11-15"
                         f" ({problem})")

"""Local time, the same on every engine: a per-UTC-day offset table built with Python's zoneinfo.

Stored times are naive UTC. Their local time in the organisation's zone is
``ts + offset``, where the offset comes from ``tz_daily``: one row per UTC day
with the offset in force before and after the (at most one) change of offset
that day and the UTC instant of that change. An expression joins it on the UTC
day of ``ts`` (``with_local``): an equi-join both engines run, exact against
zoneinfo (daylight saving, half-hour zones, historic offsets) and faster in
DuckDB than a per-row time-zone conversion. zoneinfo is the one source of time-
zone rules; neither DuckDB's ICU nor Java's tzdb is consulted.

The table is built for the data's span plus a margin; a time outside it would
get no offset, and the derived build checks that none did (``pipelines.derived``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa

MARGIN_DAYS = 2
TZ_DAILY_COLUMNS = ("zone", "utc_day", "switch_utc", "off_before", "off_after")


def _offset(zone: ZoneInfo, utc: datetime) -> int:
    return int(utc.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds())


def tz_daily(timezone: str, first: date | None, last: date | None) -> pa.Table:
    """The offset table for ``timezone`` over UTC days ``first - 2 .. last + 2`` (empty without a span).

    ``switch_utc`` is the first UTC second at which ``off_after`` applies (zone rules change on whole seconds);
    on a day with no change it is the day's start and both offsets are equal. A day with two changes raises."""
    zone = ZoneInfo(timezone)
    rows: dict[str, list] = {name: [] for name in TZ_DAILY_COLUMNS}
    if first is not None and last is not None:
        day = datetime.combine(first, time(0)) - timedelta(days=MARGIN_DAYS)
        end = datetime.combine(last, time(0)) + timedelta(days=MARGIN_DAYS)
        while day <= end:
            before = _offset(zone, day)
            after = _offset(zone, day + timedelta(days=1) - timedelta(microseconds=1))
            switch = day
            if after != before:
                low, high = 0, 86_400  # seconds into the day: the offset is `before` at low, not at high
                while high - low > 1:
                    middle = (low + high) // 2
                    if _offset(zone, day + timedelta(seconds=middle)) == before:
                        low = middle
                    else:
                        high = middle
                switch = day + timedelta(seconds=high)
                hours = (day + timedelta(hours=h) for h in range(24))
                if any(_offset(zone, t) != (before if t < switch else after) for t in (*hours, switch)):
                    raise ValueError(f"{timezone}: more than one change of UTC offset on the UTC day {day.date()}")
            rows["zone"].append(timezone)
            rows["utc_day"].append(day.date())
            rows["switch_utc"].append(switch)
            rows["off_before"].append(before)
            rows["off_after"].append(after)
            day += timedelta(days=1)
    return pa.table({"zone": pa.array(rows["zone"], pa.string()), "utc_day": pa.array(rows["utc_day"], pa.date32()),
                     "switch_utc": pa.array(rows["switch_utc"], pa.timestamp("us")),
                     "off_before": pa.array(rows["off_before"], pa.int32()),
                     "off_after": pa.array(rows["off_after"], pa.int32())})


def with_local(rel: ibis.Table, column: str, out: str, tz: ibis.Table) -> ibis.Table:
    """``rel`` plus ``out``: the local time of its UTC timestamp ``column`` (NULL when ``column`` is NULL)."""
    z = tz.select(_tz_day=tz.utc_day, _tz_switch=tz.switch_utc, _tz_before=tz.off_before, _tz_after=tz.off_after)
    joined = rel.left_join(z, rel[column].date() == z._tz_day)
    offset = ibis.ifelse(joined[column] >= joined._tz_switch, joined._tz_after, joined._tz_before)
    return joined.mutate(**{out: joined[column] + offset.cast("int64").as_interval("s")}).drop(
        "_tz_day", "_tz_switch", "_tz_before", "_tz_after")

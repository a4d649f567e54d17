"""Local time from the tz_daily table: exact against zoneinfo around every change of offset, in zones with
daylight saving (Madrid), half-hour offsets (St John's with DST, Kolkata without), a 30-minute DST shift
(Lord Howe) and the default zone (Mexico City, which dropped DST in 2022). Run here on DuckDB; the same
expression runs on Spark in tests/spark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import ibis
import polars as pl
import pyarrow as pa
import pytest

from pulso.core.expr import DuckDBEngine
from pulso.core.localtime import tz_daily, with_local

ZONES = ("Europe/Madrid", "America/St_Johns", "Asia/Kolkata", "Australia/Lord_Howe", "America/Mexico_City")


def probe_times(zone: str, first: date, last: date) -> list[datetime]:
    """Naive UTC instants: each change of offset ±1 µs, ±1 s and ±30 min, and every local midnight ±1 µs."""
    tz = ZoneInfo(zone)
    out = []
    day = datetime.combine(first, datetime.min.time())
    end = datetime.combine(last, datetime.min.time())
    previous = None
    while day <= end:
        for minute in range(0, 24 * 60, 30):
            t = day + timedelta(minutes=minute)
            offset = t.replace(tzinfo=UTC).astimezone(tz).utcoffset()
            if previous is not None and offset != previous:
                low, high = t - timedelta(minutes=30), t  # the change is in (low, high]
                while high - low > timedelta(seconds=1):
                    middle = low + (high - low) / 2
                    if middle.replace(tzinfo=UTC).astimezone(tz).utcoffset() == previous:
                        low = middle
                    else:
                        high = middle
                switch = high.replace(microsecond=0)
                for delta in (-1800, -1, 0, 1, 1800):
                    out.append(switch + timedelta(seconds=delta))
                out += [switch - timedelta(microseconds=1), switch + timedelta(microseconds=1)]
            previous = offset
        local_midnight = datetime.combine(day.date(), datetime.min.time(), tz).astimezone(UTC).replace(tzinfo=None)
        out += [local_midnight - timedelta(microseconds=1), local_midnight, local_midnight + timedelta(hours=13, seconds=7)]
        day += timedelta(days=1)
    return out


def expected(zone: str, times: list[datetime]) -> list[datetime]:
    tz = ZoneInfo(zone)
    return [t.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None) for t in times]


def local_expression() -> ibis.Table:
    t = ibis.table({"ts": "timestamp"}, name="probe")
    j = with_local(t, "ts", "local", ibis.table(tz_daily("UTC", None, None).schema, name="tz_daily"))
    return j.select("ts", "local", day=j.local.date(), hour=j.local.hour(),
                    weekday=j.local.day_of_week.index() + 1)


@pytest.mark.parametrize("zone", ZONES)
def test_local_time_day_hour_weekday_match_zoneinfo_on_duckdb(zone):
    first, last = date(2023, 1, 1), date(2026, 12, 31)
    times = probe_times(zone, first, last)
    result = DuckDBEngine(duckdb.connect()).frame(local_expression(), {
        "probe": pa.table({"ts": pa.array(times, pa.timestamp("us"))}), "tz_daily": tz_daily(zone, first, last)})
    want = expected(zone, times)
    assert result["local"].to_list() == want
    assert result["day"].to_list() == [w.date() for w in want]
    assert result["hour"].to_list() == [w.hour for w in want]
    assert result["weekday"].to_list() == [w.isoweekday() for w in want]
    assert len(times) > 4 * 365 * 3  # every day's midnight probes, plus the changes


def test_tz_daily_rows_around_a_change_of_offset():
    rows = pl.from_arrow(tz_daily("Europe/Madrid", date(2025, 3, 30), date(2025, 3, 30)))
    # Madrid moves from +01:00 to +02:00 at 01:00 UTC on 2025-03-30; the table covers the day ±2 days.
    assert rows["utc_day"].to_list() == [date(2025, 3, d) for d in range(28, 32)] + [date(2025, 4, 1)]
    change = rows.filter(pl.col("utc_day") == date(2025, 3, 30)).row(0, named=True)
    assert (change["switch_utc"], change["off_before"], change["off_after"]) == (datetime(2025, 3, 30, 1), 3600, 7200)
    quiet = rows.filter(pl.col("utc_day") == date(2025, 3, 29)).row(0, named=True)
    assert (quiet["switch_utc"], quiet["off_before"], quiet["off_after"]) == (datetime(2025, 3, 29), 3600, 3600)
    st_johns = pl.from_arrow(tz_daily("America/St_Johns", date(2025, 11, 2), date(2025, 11, 2)))
    change = st_johns.filter(pl.col("utc_day") == date(2025, 11, 2)).row(0, named=True)
    # -02:30 until 04:30 UTC (02:00 local daylight time), then -03:30
    assert (change["switch_utc"], change["off_before"], change["off_after"]) == (datetime(2025, 11, 2, 4, 30), -9000,
                                                                                 -12600)


def test_tz_daily_is_empty_without_a_span():
    assert tz_daily("Europe/Madrid", None, None).num_rows == 0


def test_a_time_outside_the_table_is_caught_before_any_derived_table_is_built(tmp_path):
    """A timestamp the tz_daily table does not cover would get no offset: the build stops with one line."""
    import pipelines.derived as derived
    from pipelines.errors import IngestError
    from pulso.core.settings import load_settings
    from tests.conftest import build_store

    db = build_store(tmp_path, {"people": [{"person_id": "p1"}], "visits": [
        {"visit_id": "v1", "person_id": "p1", "started_at": "2025-06-01T10:00:00Z"}]})
    con = duckdb.connect(str(db))
    original = derived.DERIVED["tz_daily"]
    try:
        derived.DERIVED["tz_daily"] = lambda engine, settings: tz_daily(settings.timezone, date(2025, 1, 1),
                                                                        date(2025, 1, 31))
        with pytest.raises(IngestError, match=r"1 values of visits.started_at fall outside the time-zone table"):
            derived.build_derived(con, load_settings())
    finally:
        derived.DERIVED["tz_daily"] = original
        con.close()

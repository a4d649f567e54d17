"""Formatters and the filter <-> URL round trip (pure functions)."""

from __future__ import annotations

from datetime import date, datetime

from dashboard.filters import query_from_scope, scope_from_query
from dashboard.i18n import fmt_change, fmt_date, fmt_datetime, fmt_number, fmt_percent, fmt_points, t
from dashboard.present import cell_text, change_text
from pulso.core.periods import last_complete_week
from pulso.core.scope import Scope


def test_numbers_percents_dates():
    assert fmt_number(1234.5, "es") == "1,234.5" and fmt_number(1234.0, "en") == "1,234"
    assert fmt_number(None, "es") == "n/d" and fmt_number(float("nan"), "en") == "n/a"
    assert fmt_percent(0.4796, "es") == "48.0 %" and fmt_percent(0.4796, "en") == "48.0%"
    assert fmt_change(-5.81, "es") == "-5.8 %" and fmt_change(100, "en") == "+100.0%" and fmt_change(None, "es") is None
    assert fmt_points(0.36, "es") == "+0.4 pts" and fmt_points(-7.01, "en") == "-7.0 pp"
    assert fmt_date(date(2026, 11, 22), "es") == "22 nov 2026" and fmt_date(date(2026, 11, 22), "en") == "Nov 22, 2026"
    assert fmt_datetime(datetime(2026, 1, 5, 9, 7), "es") == "5 ene 2026 09:07"
    assert cell_text(0.5, "ratio", "es") == "50.0 %" and cell_text(6.54, "minutes", "en") == "6.5"
    assert change_text(40.0, "points", "es") == "+40.0 pts" and change_text(-5.81, "percent", "en") == "-5.8%"
    assert t("scope_caption", "en", start="a", end="b", days=7, pstart="c", pend="d").startswith("Period: a – b (7 days)")


def test_last_complete_week():
    assert last_complete_week(date(2026, 11, 15)) == (date(2026, 11, 9), date(2026, 11, 15))  # a Sunday
    assert last_complete_week(date(2026, 11, 14)) == (date(2026, 11, 2), date(2026, 11, 8))  # a Saturday
    assert last_complete_week(date(2026, 11, 16)) == (date(2026, 11, 9), date(2026, 11, 15))  # a Monday


def test_query_round_trip_and_bad_values():
    scope = Scope(date(2026, 10, 1), date(2026, 10, 31), regions=("Sur", "Bajío"), roles=("staff",), granularity="month")
    query = {k: v if isinstance(v, list) else [v] for k, v in query_from_scope(scope, "en").items()}
    assert query["lang"] == ["en"] and query["region"] == ["Sur", "Bajío"] and "office" not in query
    assert scope_from_query(query, date(2026, 11, 15)) == scope
    # unreadable or reversed dates and unknown granularity fall back to the default week
    bad = {"start": ["2026-13-01"], "gran": ["decade"]}
    assert scope_from_query(bad, date(2026, 11, 15)) == Scope(date(2026, 11, 9), date(2026, 11, 15))
    reversed_ = {"start": ["2026-11-10"], "end": ["2026-11-01"]}
    assert scope_from_query(reversed_, date(2026, 11, 15)) == Scope(date(2026, 11, 9), date(2026, 11, 15))

"""Community health index on the hand-computed organisation."""

from datetime import date

from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.metrics.activity_fixture import DIRECTORY, TABLES


def test_health_index(make_store):
    con = connect_read_only(make_store(TABLES, DIRECTORY))
    scope = Scope(date(2026, 3, 2), date(2026, 3, 8))
    row = compute(con, "community_health_index", scope).row(0, named=True)
    # a, b, c, m, u active in the 28 days and in the year; bot excluded
    assert (row["active_recent"], row["active_year"], row["health_index"]) == (5, 5, 1.0)
    # last 3 days (03-06 .. 03-08): m and a
    row = compute(con, "community_health_index", scope, recent_days=3).row(0, named=True)
    assert (row["active_recent"], row["active_year"], row["health_index"]) == (2, 5, 0.4)
    # ending 03-01: 28 days hold a (02-25) and b (02-26)
    row = compute(con, "community_health_index", Scope(date(2026, 3, 1), date(2026, 3, 1)),
                  recent_days=3).row(0, named=True)
    assert (row["active_recent"], row["active_year"], row["health_index"]) == (0, 2, 0.0)
    con.close()

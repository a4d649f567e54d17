"""Activity KPIs on the hand-computed organisation of activity_fixture.py."""

from datetime import date

import pytest

from metrics.registry import FactsNotAvailable, compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.metrics.activity_fixture import DIRECTORY, TABLES

WEEK = Scope(date(2026, 3, 2), date(2026, 3, 8))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from tests.conftest import build_store

    con = connect_read_only(build_store(tmp_path_factory.mktemp("org"), TABLES, DIRECTORY))
    yield con
    con.close()


def kpis(frame):
    return {row["kpi"]: row for row in frame.to_dicts()}


def test_kpi_summary_values_previous_and_change(con):
    k = kpis(compute(con, "kpi_summary", WEEK))
    # a, b, c, m, u active; bot never; l left and silent; m2 (00:30 local on 03-09) is outside
    assert k["active_accounts"]["value"] == 5 and k["active_accounts"]["previous_value"] == 2
    assert k["active_accounts"]["change"] == 150.0 and k["active_accounts"]["change_unit"] == "percent"
    assert k["contributing_accounts"]["value"] == 4 and k["contributing_accounts"]["previous_value"] == 1
    # eligible: a, b, m, c, d (u not in directory, l left); a, b, c, m active -> 4/5
    assert k["adoption"]["value"] == 0.8 and k["adoption"]["previous_value"] == 0.4
    assert k["adoption"]["change"] == 40.0 and k["adoption"]["change_unit"] == "points"  # 0.8 - 0.4
    # m1 (23:30 local on the last day), m3 (deleted) and m5 (private); not the bot's m6
    assert k["threads_started"]["value"] == 3 and k["threads_started"]["previous_value"] == 1
    assert k["replies"]["value"] == 1 and k["replies"]["previous_value"] == 0
    assert k["replies"]["change"] is None
    assert k["likes"]["value"] == 1
    assert k["hashtag_uses"]["value"] == 2
    assert k["visits"]["value"] == 3 and k["visits"]["previous_value"] == 1
    # minutes per active: a 5, b 10, c 0, m 20, u 0 -> median 5; before: a 0, b 2 -> 1
    assert k["median_minutes_per_active"]["value"] == 5.0
    assert k["median_minutes_per_active"]["previous_value"] == 1.0
    assert k["new_accounts"]["value"] == 1  # u joined 2026-03-04
    assert k["first_time_contributors"]["value"] == 3  # b (like), c, u; a contributed before
    assert k["first_time_contributors"]["previous_value"] == 1  # a
    assert k["returning_accounts"]["value"] == 2  # a and b were active the week before
    assert all(row["available"] for row in k.values())


def test_kpi_summary_marks_missing_facts_unavailable(make_store):
    tables = {k: v for k, v in TABLES.items() if k != "reactions"}
    con = connect_read_only(make_store(tables, DIRECTORY))
    k = kpis(compute(con, "kpi_summary", WEEK))
    assert k["likes"]["available"] is False and k["likes"]["value"] is None
    assert k["threads_started"]["value"] == 3
    assert k["contributing_accounts"]["value"] == 3  # b's like is gone
    con.close()


def test_kpi_summary_without_events_marks_each_kpi(make_store):
    con = connect_read_only(make_store({"people": TABLES["people"]}, DIRECTORY))
    k = kpis(compute(con, "kpi_summary", WEEK))
    assert [name for name, row in k.items() if row["available"]] == ["new_accounts"]
    assert k["active_accounts"]["value"] is None
    with pytest.raises(FactsNotAvailable) as caught:
        compute(con, "active_accounts", WEEK)
    assert caught.value.missing == {"messages", "reactions", "visits"}
    con.close()


def test_region_filter_and_unassigned(con):
    sur = kpis(compute(con, "kpi_summary", Scope(WEEK.start, WEEK.end, regions=("Sur",))))
    assert sur["active_accounts"]["value"] == 1 and sur["adoption"]["value"] == 0.5
    unassigned = kpis(compute(con, "kpi_summary", Scope(WEEK.start, WEEK.end, regions=("(unassigned)",))))
    assert unassigned["active_accounts"]["value"] == 1 and unassigned["replies"]["value"] == 1
    assert unassigned["adoption"]["value"] is None  # nobody eligible


def test_activity_trend_weeks_and_months(con):
    two_weeks = Scope(date(2026, 2, 23), date(2026, 3, 8), granularity="week")
    rows = compute(con, "activity_trend", two_weeks).to_dicts()
    assert [(r["period_start"], r["active_accounts"], r["contributing_accounts"], r["threads_started"],
             r["replies"], r["likes"], r["visits"]) for r in rows] == [
        (date(2026, 2, 23), 2, 1, 1, 0, 0, 1), (date(2026, 3, 2), 5, 4, 3, 1, 1, 3)]
    months = compute(con, "activity_trend", Scope(two_weeks.start, two_weeks.end, granularity="month"))
    assert months["period_start"].to_list() == [date(2026, 2, 23), date(2026, 3, 1)]
    assert months["active_accounts"].to_list() == [2, 5]


def test_activity_trend_empty_bucket_is_zero(con):
    frame = compute(con, "activity_trend", Scope(date(2026, 3, 6), date(2026, 3, 8), granularity="day"))
    assert frame["active_accounts"].to_list() == [1, 0, 1]


def test_daily_actives(con):
    frame = compute(con, "daily_actives", WEEK)
    assert frame["dau"].to_list() == [1, 1, 2, 1, 1, 0, 1]
    assert frame["wau"].to_list() == [2, 3, 3, 3, 4, 4, 5]
    assert frame["mau"].to_list() == [2, 3, 4, 4, 5, 5, 5]
    assert frame["stickiness"].to_list() == [0.5, 0.3333, 0.5, 0.25, 0.2, 0.0, 0.2]


def test_adoption_by_region(con):
    rows = {r["segment"]: r for r in compute(con, "adoption_by", WEEK, by="region").to_dicts()}
    assert set(rows) == {"Norte", "Sur"}
    assert (rows["Norte"]["eligible"], rows["Norte"]["active"], rows["Norte"]["contributing"]) == (3, 3, 2)
    assert rows["Norte"]["adoption"] == 1.0 and rows["Norte"]["previous_adoption"] == 0.6667
    assert rows["Norte"]["change_pts"] == 33.33
    assert (rows["Sur"]["eligible"], rows["Sur"]["active"], rows["Sur"]["adoption"]) == (2, 1, 0.5)
    assert rows["Sur"]["previous_adoption"] == 0.0 and rows["Sur"]["change_pts"] == 50.0


def test_adoption_by_group(con):
    rows = {r["segment"]: r for r in compute(con, "adoption_by", WEEK, by="group").to_dicts()}
    assert (rows["g1"]["eligible"], rows["g1"]["active"]) == (4, 3)  # a, b, c active; d not
    assert (rows["g2"]["eligible"], rows["g2"]["active"]) == (2, 2)


def test_group_participation(con):
    rows = {r["group_id"]: r for r in compute(con, "group_participation", WEEK).to_dicts()}
    # g1: a (m1), c (m3), b (liked m3) of a, b, c, d; u replied but is not a member
    assert (rows["g1"]["members"], rows["g1"]["contributors"], rows["g1"]["participation"]) == (4, 3, 0.75)
    assert (rows["g2"]["members"], rows["g2"]["contributors"], rows["g2"]["participation"]) == (2, 0, 0.0)


def test_adoption_leaves_out_people_from_the_day_they_left(make_store):
    # z (directory) visits on Monday 03-02 and leaves on Wednesday 03-04; y visits on Thursday
    people = [{"person_id": "z", "display_name": "Z", "left_at": "2026-03-04 18:00:00"},
              {"person_id": "y", "display_name": "Y"}, {"person_id": "w", "display_name": "W"}]
    directory = [{"id": p, "email": f"{p}@x.mx", "name": p.upper(), "region": "Sur", "office": "S1", "role": "staff",
                  "manager": ""} for p in "zyw"]
    visits = [{"visit_id": "vz", "person_id": "z", "started_at": "2026-03-02 18:00:00"},
              {"visit_id": "vy", "person_id": "y", "started_at": "2026-03-05 18:00:00"}]
    con = connect_read_only(make_store({"people": people, "visits": visits}, directory))
    week = compute(con, "adoption", Scope(date(2026, 3, 2), date(2026, 3, 8)))["value"][0]
    assert week == 0.5  # y of y and w: z left on 03-04, before the week's end
    monday_tuesday = compute(con, "adoption", Scope(date(2026, 3, 2), date(2026, 3, 3)))["value"][0]
    assert monday_tuesday == pytest.approx(1 / 3)  # z still there on 03-03 and active: z of z, y, w
    assert compute(con, "adoption_by", Scope(date(2026, 3, 2), date(2026, 3, 8)), by="office").select(
        "segment", "eligible", "active").rows() == [("S1", 2, 1)]
    con.close()

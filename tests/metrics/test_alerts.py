"""activity_alerts: silences and drops against a unit's own past at the organisation's pace, worked out by hand.

The store (America/Mexico_City): weeks W0..W7 start on Mondays 2026-03-02 .. 2026-04-20; W2 holds a holiday
(Mon 03-16, Benito Juárez: 4 working days, judged) and W4 is Holy Week (03-30 .. 04-05: no working day, never
judged). Everybody acts on Tuesday, Wednesday and Thursday of every week but Holy Week, when nobody does:
office A (region R1): a1, a2 -- until Thu 04-09 (W5), then silent;   office B (R1): b1, b2;
office C (R2): c1 (Wednesdays only);   rm (R1, regional manager, no office);   x (no directory entry).
Every person is a member all week (7 member-days), so for A the rest of the organisation (B, C, rm: 28
member-days, 6 + 1 + 3 = 10 active days a week) gives a pace of 10/28 and A's exposure is 14 x 10/28 = 5 a
week. A's history before W5 (its last active week): the 4 judged weeks W0-W3: S = 24 active days, X_h = 20.
A campaign (communications calendar) on 04-14 falls in A's silence: its reason says so. Silent days from
Fri 04-10; at the end of W6 the exposure of the silent time is 5 (nothing of W5 after
Thursday: the organisation acts Tuesday to Thursday only) and the chance of no active day is
(20 / 25)^24 = 0.0047 (no alert); at the end of W7 it is 10 and (20 / 30)^24 = 5.9e-5 < 0.001: alert.
"""

from datetime import date, timedelta
from math import comb

import numpy as np
import polars as pl
import pytest

from metrics.alerts import chance_text, dispersion, judge, unit_weeks
from metrics.registry import compute
from metrics.store import connect_read_only
from pulso.core.scope import Scope

MONDAYS = [date(2026, 3, 2) + timedelta(weeks=i) for i in range(8)]
HOLY_WEEK = 4
PEOPLE = {"a1": ("R1", "A", "staff"), "a2": ("R1", "A", "staff"), "b1": ("R1", "B", "staff"),
          "b2": ("R1", "B", "staff"), "c1": ("R2", "C", "staff"), "rm": ("R1", "", "regional manager")}
PARAMS = {"history_weeks": 4, "min_history_weeks": 4}


def acts_on(person: str, week: int) -> list[int]:
    """Weekdays (0 = Monday) the person acts in week ``week``."""
    if week == HOLY_WEEK or (person in ("a1", "a2") and week >= 6):
        return []
    return [2] if person == "c1" else [1, 2, 3]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from tests.conftest import build_store

    directory = [{"id_empleado": p, "correo": f"{p}@banco.mx", "nombre": p.upper(), "región": region,
                  "oficina": office, "puesto": role, "jefe": ""} for p, (region, office, role) in PEOPLE.items()]
    people = [{"person_id": p, "email": f"{p}@banco.mx", "display_name": p.upper(),
               "joined_at": "2026-01-05 15:00:00"} for p in [*PEOPLE, "x"]]
    # x (no directory entry) also acts on Sundays, so the data cover every week to its end
    visits = [{"visit_id": f"{p}-{w}-{d}", "person_id": p,
               "started_at": f"{MONDAYS[w] + timedelta(days=d)}T10:00:00-06:00"}
              for p in [*PEOPLE, "x"] for w in range(8) for d in (acts_on(p, w) if p != "x" else [1, 2, 3, 6])]
    campaign = [{"event_id": "C1", "event_date": "2026-04-14", "title": "Capacitación", "channel": "video"}]
    con = connect_read_only(build_store(tmp_path_factory.mktemp("alerts"), {"people": people, "visits": visits,
                                                                            "campaign_events": campaign}, directory))
    yield con
    con.close()


def test_units_are_offices_regions_and_role_groups_never_a_pseudo_office(con):
    counts, daily = unit_weeks(con, Scope(MONDAYS[0], MONDAYS[7] + timedelta(days=6)), MONDAYS[0], MONDAYS[7])
    units = counts.select("level", "unit", "region").unique().sort("level", "unit").rows()
    assert units == [("office", "A", "R1"), ("office", "B", "R1"), ("office", "C", "R2"), ("org", "", ""),
                     ("region", "R1", "R1"), ("region", "R2", "R2"), ("role_group", "regional manager", None)]
    w0 = {r["unit"]: r for r in counts.filter(pl.col("week_start") == MONDAYS[0]).to_dicts()}
    # x (no directory entry) is in no unit and not in the organisation's reference
    assert (w0[""]["people"], w0[""]["member_days"], w0[""]["active_days"]) == (6, 42, 16)
    assert (w0["R1"]["people"], w0["R1"]["active_days"], w0["regional manager"]["active_days"]) == (5, 15, 3)
    assert w0["A"]["last_day"] == date(2026, 3, 5)  # Thursday
    assert daily.shape == (8, 7) and daily[0].tolist() == [0, 5, 6, 5, 0, 0, 0]  # c1 on Wednesdays
    assert daily[HOLY_WEEK].sum() == 0


def test_a_silent_office_is_caught_with_its_reason(con):
    alerts = compute(con, "activity_alerts", Scope(MONDAYS[7], MONDAYS[7] + timedelta(days=6)), **PARAMS)
    assert alerts.height == 1
    row = alerts.row(0, named=True)
    assert {k: row[k] for k in ("level", "unit", "region", "kind", "since", "weeks", "first_alert", "week_start",
                                "people", "active_days")} == {
        "level": "office", "unit": "A", "region": "R1", "kind": "silent", "since": date(2026, 4, 10), "weeks": 2,
        "first_alert": MONDAYS[7], "week_start": MONDAYS[7], "people": 2, "active_days": 0}
    assert row["usual_per_week"] == pytest.approx(24 / 4)
    assert row["expected"] == pytest.approx(24 * 10 / 20)
    assert row["change_pct"] == -100.0
    assert row["p_value"] == pytest.approx((20 / 30) ** 24)
    assert row["reason"] == (
        "Sin actividad desde el 2026-04-10 (2 semanas completas). Lo habitual: 6.0 días activos por semana "
        "(2 personas); al ritmo de la organización se esperaban 12. Probabilidad por azar: 1 en 17,000. Hubo "
        "campaña en ese tiempo: «Capacitación» (2026-04-14); lo esperado ya la tiene en cuenta.")
    english = compute(con, "activity_alerts", Scope(MONDAYS[7], MONDAYS[7] + timedelta(days=6)), lang="en",
                      **PARAMS).row(0, named=True)
    assert english["reason"] == (
        "No activity since 2026-04-10 (2 full weeks). Usually 6.0 active days a week (2 people); at the "
        "organisation's pace 12 were expected. Chance by accident: 1 in 17,000. There was a campaign in that time: "
        "«Capacitación» (2026-04-14); the expectation already accounts for it.")


def test_one_silent_week_is_not_enough_here_and_holy_week_is_never_judged(con):
    # end of W6: (20/25)^24 = 0.0047 -- a two-person office can miss one week by chance
    assert compute(con, "activity_alerts", Scope(MONDAYS[6], MONDAYS[6] + timedelta(days=6)), **PARAMS).is_empty()
    # Holy Week: nobody acts at all and nothing is flagged (the week is not judged)
    holy = Scope(MONDAYS[HOLY_WEEK], MONDAYS[HOLY_WEEK] + timedelta(days=6))
    assert compute(con, "activity_alerts", holy, **PARAMS).is_empty()
    # over the whole span, one episode: A's silence, first alerted in W7
    whole = compute(con, "activity_alerts", Scope(MONDAYS[0], MONDAYS[7] + timedelta(days=6)), **PARAMS)
    assert whole.select("unit", "kind", "first_alert").rows() == [("A", "silent", MONDAYS[7])]


def test_thresholds_are_parameters(con):
    scope = Scope(MONDAYS[7], MONDAYS[7] + timedelta(days=6))
    assert compute(con, "activity_alerts", scope, silence_significance=5e-5, **PARAMS).is_empty()  # 5.9e-5
    # W6 alerts at a looser level: (0.8)^24 = 0.0047 < 0.005
    w6 = compute(con, "activity_alerts", Scope(MONDAYS[6], MONDAYS[6] + timedelta(days=6)),
                 silence_significance=0.005, **PARAMS)
    assert w6.select("unit", "weeks", "p_value").rows() == [("A", 1, pytest.approx(0.8 ** 24))]
    # not enough history: 5 judged weeks are needed before A's last active week and only 4 exist
    assert compute(con, "activity_alerts", scope, history_weeks=5, min_history_weeks=5).is_empty()


# ---- the rules on hand-made weekly counts (pure) ----------------------------------------------------------------

WEEKS = [date(2026, 5, 4) + timedelta(weeks=i) for i in range(7)]


def counts_frame(unit_active: list[int], unit_last: list[int | None], rest_active: int = 30) -> pl.DataFrame:
    """One office U (70 member-days a week) in an organisation of 140 member-days; the rest acts ``rest_active``
    days a week, so U's exposure is 70 x rest_active / 70 = rest_active. ``unit_last``: weekday of U's last
    action in each week (None: none)."""
    rows = []
    for w, (active, last) in enumerate(zip(unit_active, unit_last)):
        day = WEEKS[w] + timedelta(days=last) if last is not None else None
        rows.append(("org", "", "", WEEKS[w], 20, 140.0, float(active + rest_active), day))
        rows.append(("office", "U", "R", WEEKS[w], 10, 70.0, float(active), day))
    return pl.DataFrame(rows, schema={"level": pl.String, "unit": pl.String, "region": pl.String,
                                      "week_start": pl.Date, "people": pl.Int64, "member_days": pl.Float64,
                                      "active_days": pl.Float64, "last_day": pl.Date}, orient="row")


FLAT = np.full((7, 7), 1.0)  # the organisation acts evenly over the week


def test_a_holiday_week_the_settings_skip_raises_no_silence():
    # U: 10 active days a week (the last on Sunday), silent in week 5 only, back in week 6
    frame = counts_frame([10, 10, 10, 10, 10, 0, 10], [6, 6, 6, 6, 6, None, 6])
    judged = np.array([True] * 7)
    found = judge(frame, FLAT, WEEKS, judged, 4, 4, 1e-3, 1e-5, 0.5)
    # history: the 4 weeks before its last active week (week 4), weeks 0-3: S = 40, X_h = 120;
    # silent exposure 30 (week 5) -> (120 / 150)^40 = 1.3e-4 < 0.001
    assert found.select("unit", "kind", "since", "week_start", "p_value").rows() == [
        ("U", "silent", WEEKS[5], WEEKS[5], pytest.approx(0.8 ** 40))]
    judged[5] = False  # a holiday week of the settings (e.g. Holy Week): not judged, nothing is flagged
    assert judge(frame, FLAT, WEEKS, judged, 4, 4, 1e-3, 1e-5, 0.5).is_empty()


def test_a_drop_in_a_unit_of_any_size():
    # U usually 40 active days at an exposure of 120; week 4: 10 where 40 were expected.
    # History weeks 0-3: S = 160, X_h = 480; the run: O = 10, X_r = 120 -> P(Binomial(170, 120/600) <= 10)
    frame = counts_frame([40, 40, 40, 40, 10, 40, 40], [6, 6, 6, 6, 1, 6, 6], rest_active=120)
    found = judge(frame, FLAT, WEEKS, np.array([True] * 7), 4, 4, 1e-3, 1e-4, 0.5)
    p = sum(comb(170, k) * 0.2 ** k * 0.8 ** (170 - k) for k in range(11))
    assert 1e-7 < p < 1e-6  # 1.8e-7
    assert found.select("kind", "since", "weeks", "expected", "active_days", "change_pct", "p_value").rows() == [
        ("drop", WEEKS[4], 1, pytest.approx(40.0), 10, pytest.approx(-75.0), pytest.approx(p, rel=1e-9))]
    # a stricter level than p: no alert
    assert judge(frame, FLAT, WEEKS, np.array([True] * 7), 4, 4, 1e-3, 1e-7, 0.5).is_empty()
    # 22 of 40 (a 45 % fall, p far below 0.5) is not far enough below for max_ratio 0.5
    mild = counts_frame([40, 40, 40, 40, 22, 40, 40], [6] * 7, rest_active=120)
    assert judge(mild, FLAT, WEEKS, np.array([True] * 7), 4, 4, 1e-3, 0.5, 0.5).is_empty()
    assert judge(mild, FLAT, WEEKS, np.array([True] * 7), 4, 4, 1e-3, 0.5, 0.6).height == 1


def test_the_organisations_pace_carries_the_calendar():
    # week 4: the whole organisation halves (a holiday the settings do not know, or the end of a campaign):
    # U halves too (5 where 10 were usual) -- expected 5 at the organisation's pace, so no drop
    frame = counts_frame([10, 10, 10, 10, 5, 10, 10], [6] * 7, rest_active=30)
    frame = frame.with_columns(pl.when(pl.col("week_start") == WEEKS[4])
                               .then(pl.col("active_days") - pl.when(pl.col("level") == "org").then(15).otherwise(0))
                               .otherwise(pl.col("active_days")).alias("active_days"))
    assert judge(frame, FLAT, WEEKS, np.array([True] * 7), 4, 4, 0.5, 0.5, 1.0).is_empty()


def test_dispersion_is_one_for_poisson_like_counts_and_larger_for_bursty_ones():
    expected = np.full(40, 10.0)
    assert dispersion(np.full(40, 10.0), expected) == 1.0
    # alternating 0 and 20 where 10 is expected: every squared residual is 10 -> 10 / 0.454936
    assert dispersion(np.tile([0.0, 20.0], 20), expected) == pytest.approx(10 / 0.454936)
    assert dispersion(np.tile([0.0, 20.0], 10), np.full(20, 10.0)) == 1.0  # too few weeks to tell


def test_chance_in_words():
    assert chance_text(1 / 17_000, "es") == "1 en 17,000" and chance_text(5.94e-5, "en") == "1 in 17,000"
    assert chance_text(1e-9, "en") == "less than 1 in a million"
    assert chance_text(0.004722, "es") == "1 en 210"

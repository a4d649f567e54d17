"""activity_alerts on a hand-computed fixture: 4 weeks of history (Mondays 03-02 .. 03-23), checked week 03-30.

spread = max(1.4826 × MAD, sampling noise √(p(1−p)/n) with p = (baseline·n + 1)/(n + 2), min_spread 0.02).
Office O1 (region R1, 4 people): weekly actives 4, 3, 4, 3 then 0 -> rates 1, .75, 1, .75; median .875,
MAD .125 (× 1.4826 = .1853); p = 4.5/6 = .75, noise √(.75·.25/4) = .2165; z = -.875 / .2165 = -4.0415.
Office O2 (R1, 2 people): 2, 2, 2, 2 then 1 -> MAD 0; p = 3/4, noise .3062; z = -.5 / .3062 = -1.63: no alert
(one of two people missing a week is not abnormal).
Region R1 (6 people): 6, 5, 6, 5 then 1 -> median 11/12, MAD 1/12 (× 1.4826 = .1236); p = 6.5/8 = .8125, noise
√(.8125·.1875/6) = .1593; z = -.75 / .1593 = -4.7068.
Office O3 (R2, 2 people): always 2 -> no alert. A person with no directory entry is active but in no unit.
"""

from datetime import date, timedelta

import pytest

from metrics.alerts import find_alerts
from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only

MONDAYS = [date(2026, 3, 2) + timedelta(weeks=i) for i in range(5)]
OFFICES = {"O1": ("R1", ["a1", "a2", "a3", "a4"]), "O2": ("R1", ["b1", "b2"]), "O3": ("R2", ["c1", "c2"])}
# who is active in each of the five weeks
ACTIVE = {
    "a1": [1, 1, 1, 1, 0], "a2": [1, 1, 1, 1, 0], "a3": [1, 1, 1, 1, 0], "a4": [1, 0, 1, 0, 0],
    "b1": [1, 1, 1, 1, 1], "b2": [1, 1, 1, 1, 0],
    "c1": [1, 1, 1, 1, 1], "c2": [1, 1, 1, 1, 1],
    "x1": [1, 1, 1, 1, 1],
}
SCOPE = Scope(MONDAYS[4], MONDAYS[4] + timedelta(days=6))


@pytest.fixture
def con(make_store):
    directory, people, visits = [], [], []
    for office, (region, ids) in OFFICES.items():
        for pid in ids:
            directory.append({"id_empleado": pid.upper(), "correo": f"{pid}@banco.mx", "nombre": pid,
                              "región": region, "oficina": office, "puesto": "staff", "jefe": ""})
    for pid, weeks in ACTIVE.items():
        people.append({"person_id": pid, "email": f"{pid}@banco.mx", "display_name": pid})
        for i, active in enumerate(weeks):
            if active:  # Sunday 23:00 local = Monday 05:00 UTC: still the local week
                at = (MONDAYS[i] + timedelta(days=6)).isoformat() + "T23:00:00-06:00"
                visits.append({"visit_id": f"{pid}-{i}", "person_id": pid, "started_at": at})
    return connect_read_only(make_store({"people": people, "visits": visits}, directory))


def noise(baseline, n):
    p = (baseline * n + 1) / (n + 2)
    return (p * (1 - p) / n) ** 0.5


def test_alerts_with_their_drop(con):
    alerts = compute(con, "activity_alerts", SCOPE, history_weeks=4, min_people=2)
    assert alerts.select("level", "unit", "region", "week_start", "people", "actives").rows() == [
        ("region", "R1", "R1", MONDAYS[4], 6, 1),
        ("office", "O1", "R1", MONDAYS[4], 4, 0),
    ]
    assert alerts["robust_z"].to_list() == pytest.approx([-0.75 / noise(11 / 12, 6), -0.875 / noise(0.875, 4)])
    assert alerts["robust_z"].to_list() == pytest.approx([-4.7068, -4.0415], abs=1e-4)
    assert alerts["baseline_rate"].to_list() == pytest.approx([11 / 12, 0.875])
    assert alerts["drop"].to_list() == pytest.approx([0.75, 0.875])
    assert alerts["drop_pct"].to_list() == pytest.approx([75 / (11 / 12), 100.0])


def test_thresholds_are_parameters(con):
    def units(**params):
        return compute(con, "activity_alerts", SCOPE, history_weeks=4, **params)["unit"].to_list()
    assert units(min_people=2, threshold=-4.5) == ["R1"]
    assert units(min_people=5) == ["R1"]
    assert units(min_people=2, min_spread=0.22) == ["O1"]  # R1: -.75 / .22 = -3.41; O1: -.875 / .22 = -3.98
    assert units(min_people=2, threshold=-1.5) == ["R1", "O1", "O2"]
    # not enough history before the scope (the data start on 03-02): nothing is judged
    assert compute(con, "activity_alerts", SCOPE, history_weeks=5, min_people=2).height == 0


def test_find_alerts_is_pure():
    import polars as pl
    rates = pl.DataFrame({"level": ["office"] * 3, "unit": ["O"] * 3, "region": ["R"] * 3,
                          "week_start": [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)],
                          "people": [100, 100, 100], "actives": [80, 60, 10]})
    scope = Scope(date(2026, 1, 19), date(2026, 1, 25))
    found = find_alerts(rates, scope, 2, -3.5, 0.02, 5)
    # history .8 and .6: median .7, MAD .1 (× 1.4826 > sampling noise .046) -> z = (.1 - .7) / .14826
    assert found["robust_z"].to_list() == pytest.approx([-0.6 / 0.14826])

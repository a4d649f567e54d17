"""campaign_impact on a hand-computed fixture (America/Mexico_City, UTC-6).

Event e1 on Tue 2026-03-10: before_7 = 03-03..03-09, after_7 = 03-10..03-16, before_14 = 02-24..03-09,
after_14 = 03-10..03-23. Ana (Centro): visit 02-25, thread 03-05, thread 03-10, reply 03-20. Beto (Norte):
visit 03-09 23:30 local (= 03-10 05:30 UTC: before), visits 03-16 and 03-17. Carla (Centro): thread 03-02,
reply 03-11. Dora (no directory entry): replies 03-23 and 03-24. A bot's thread on 03-10 is left out.
Event e3 on 03-20: its 7-day after-window (to 03-26) passes the last day with data (03-24). e2 is outside.
"""

from datetime import date

import pytest

from metrics.registry import FactsNotAvailable, compute
from pulso.core.scope import UNASSIGNED, Scope
from metrics.store import connect_read_only
from tests.metrics.test_conversations import DIRECTORY, PEOPLE, msg

SCOPE = Scope(date(2026, 3, 1), date(2026, 3, 31))
EVENTS = [
    {"event_id": "e1", "event_date": "2026-03-10", "title": "Lanzamiento", "channel": "email", "audience": "all"},
    {"event_id": "e2", "event_date": "2026-04-20", "title": "Fuera", "channel": "email", "audience": "all"},
    {"event_id": "e3", "event_date": "2026-03-20", "title": "Recordatorio", "channel": "network", "audience": "all"},
]
MESSAGES = [
    msg("m1", "m1", "p1", "2026-03-05T10:00:00-06:00"),
    msg("m2", "m2", "p1", "2026-03-10T10:00:00-06:00"),
    msg("m3", "m2", "p1", "2026-03-20T10:00:00-06:00", "m2"),
    msg("m4", "m4", "p3", "2026-03-02T10:00:00-06:00"),
    msg("m5", "m2", "p3", "2026-03-11T10:00:00-06:00", "m2"),
    msg("m6", "m2", "p4", "2026-03-23T10:00:00-06:00", "m2"),
    msg("m7", "m2", "p4", "2026-03-24T10:00:00-06:00", "m2"),
    msg("m8", "m8", "p5", "2026-03-10T10:00:00-06:00"),
]
VISITS = [
    {"visit_id": "v1", "person_id": "p1", "started_at": "2026-02-25T10:00:00-06:00", "duration_seconds": 60},
    {"visit_id": "v2", "person_id": "p2", "started_at": "2026-03-09T23:30:00-06:00", "duration_seconds": 60},
    {"visit_id": "v3", "person_id": "p2", "started_at": "2026-03-16T10:00:00-06:00", "duration_seconds": 60},
    {"visit_id": "v4", "person_id": "p2", "started_at": "2026-03-17T10:00:00-06:00", "duration_seconds": 60},
]
COLUMNS = ["before_7", "after_7", "change_7_pct", "before_14", "after_14", "change_14_pct"]


@pytest.fixture
def con(make_store):
    return connect_read_only(make_store({"people": PEOPLE, "messages": MESSAGES, "visits": VISITS,
                                         "campaign_events": EVENTS}, DIRECTORY))


def values(frame, event, measure, region=None):
    rows = frame.filter((frame["event_id"] == event) & (frame["measure"] == measure)
                        & ((frame["region"] == region) if region else True))
    assert rows.height == 1
    return tuple(pytest.approx(v) if isinstance(v, float) else v for v in rows.select(COLUMNS).row(0))


def test_overall(con):
    frame = compute(con, "campaign_impact", SCOPE)
    assert frame.select("event_id", "measure").rows() == [
        ("e1", "actives"), ("e1", "messages"), ("e3", "actives"), ("e3", "messages")]
    assert values(frame, "e1", "actives") == (2, 3, 50.0, 3, 4, 100 / 3)
    assert values(frame, "e1", "messages") == (1, 2, 100.0, 2, 4, 100.0)
    assert values(frame, "e3", "actives") == (1, 2, 100.0, 3, 2, -100 / 3)
    assert values(frame, "e3", "messages") == (0, 3, None, 2, 3, 50.0)
    assert frame.select("event_id", "complete_7", "complete_14").unique(maintain_order=True).rows() == [
        ("e1", True, True), ("e3", False, False)]


def test_by_region(con):
    frame = compute(con, "campaign_impact", SCOPE, by="region")
    assert values(frame, "e1", "actives", "Centro") == (1, 2, 100.0, 2, 2, 0.0)
    assert values(frame, "e1", "messages", "Centro") == (1, 2, 100.0, 2, 3, 50.0)
    assert values(frame, "e1", "actives", "Norte") == (1, 1, 0.0, 1, 1, 0.0)
    assert values(frame, "e1", "actives", UNASSIGNED) == (0, 0, None, 0, 1, None)


def test_needs_a_calendar(make_store):
    con = connect_read_only(make_store({"people": PEOPLE, "messages": MESSAGES}, DIRECTORY))
    with pytest.raises(FactsNotAvailable):
        compute(con, "campaign_impact", SCOPE)

"""conversation_response on a hand-computed fixture (scope: local week Mon 2026-03-02 .. Sun 2026-03-08,
America/Mexico_City = UTC-6).

Threads in scope: t1 (Ana, Centro/office manager) first answered by Beto after 2 h (her own reply does not
count); t2 (Beto, Norte/staff): a bot reply and a deleted reply do not count, Ana answers after 4 h; t3 (Carla,
Centro/staff) unanswered; t4 (Dora, no directory entry) posted Sunday 23:30 local (Monday 05:30 UTC: still in
the scope), answered by Beto after 1 h. Left out: t5 posted Sunday 23:30 local the day before the scope, t6 posted
2026-03-02 00:30 UTC (= Sunday 18:30 local, before the scope), a direct message, a deleted thread, a bot thread.
"""

from datetime import date

import pytest

from metrics.registry import compute
from pulso.core.scope import UNASSIGNED, Scope
from metrics.store import connect_read_only

SCOPE = Scope(date(2026, 3, 2), date(2026, 3, 8))
PEOPLE = [
    {"person_id": "p1", "email": "ana@banco.mx", "display_name": "Ana"},
    {"person_id": "p2", "email": "beto@banco.mx", "display_name": "Beto"},
    {"person_id": "p3", "email": "carla@banco.mx", "display_name": "Carla"},
    {"person_id": "p4", "email": "", "display_name": "Dora"},
    {"person_id": "p5", "email": "", "display_name": "Bot", "is_bot": "true"},
]
DIRECTORY = [
    {"id_empleado": "E1", "correo": "ana@banco.mx", "nombre": "Ana", "región": "Centro", "oficina": "CDMX-01",
     "puesto": "office manager", "jefe": ""},
    {"id_empleado": "E2", "correo": "beto@banco.mx", "nombre": "Beto", "región": "Norte", "oficina": "MTY-01",
     "puesto": "staff", "jefe": ""},
    {"id_empleado": "E3", "correo": "carla@banco.mx", "nombre": "Carla", "región": "Centro", "oficina": "CDMX-01",
     "puesto": "staff", "jefe": ""},
]


def msg(message_id, thread_id, author, at, reply_to=None, **extra):
    row = {"message_id": message_id, "thread_id": thread_id, "replied_to_id": reply_to, "group_id": None,
           "author_id": author, "created_at": at, "deleted_at": None, "is_private": "false", "body": message_id}
    row.update(extra)
    return row


MESSAGES = [
    msg("t1", "t1", "p1", "2026-03-02T10:00:00-06:00"),
    msg("t1a", "t1", "p1", "2026-03-02T10:30:00-06:00", "t1"),
    msg("t1b", "t1", "p2", "2026-03-02T12:00:00-06:00", "t1"),
    msg("t1c", "t1", "p3", "2026-03-02T13:00:00-06:00", "t1b"),
    msg("t2", "t2", "p2", "2026-03-03T09:00:00-06:00"),
    msg("t2a", "t2", "p5", "2026-03-03T09:05:00-06:00", "t2"),
    msg("t2b", "t2", "p3", "2026-03-03T09:30:00-06:00", "t2", deleted_at="2026-03-03T10:00:00-06:00"),
    msg("t2c", "t2", "p1", "2026-03-03T13:00:00-06:00", "t2"),
    msg("t3", "t3", "p3", "2026-03-04T08:00:00-06:00"),
    msg("t4", "t4", "p4", "2026-03-08T23:30:00-06:00"),
    msg("t4a", "t4", "p2", "2026-03-09T00:30:00-06:00", "t4"),
    msg("t5", "t5", "p1", "2026-03-01T23:30:00-06:00"),
    msg("t5a", "t5", "p2", "2026-03-02T08:00:00-06:00", "t5"),
    msg("t6", "t6", "p2", "2026-03-02T00:30:00Z"),
    msg("t7", "t7", "p1", "2026-03-04T10:00:00-06:00", is_private="true"),
    msg("t7a", "t7", "p2", "2026-03-04T10:10:00-06:00", "t7", is_private="true"),
    msg("t8", "t8", "p3", "2026-03-04T10:00:00-06:00", deleted_at="2026-03-04T11:00:00-06:00"),
    msg("t9", "t9", "p5", "2026-03-04T10:00:00-06:00"),
]


@pytest.fixture
def con(make_store):
    return connect_read_only(make_store({"people": PEOPLE, "messages": MESSAGES}, DIRECTORY))


def test_overall(con):
    row = compute(con, "conversation_response", SCOPE).to_dicts()
    assert len(row) == 1
    row = row[0]
    assert (row["threads"], row["threads_answered"], row["reply_rate"]) == (4, 3, 0.75)
    # hours to first reply by someone else: t1 2, t2 4, t4 1
    assert row["median_hours_to_first_reply"] == pytest.approx(2.0)
    assert row["p90_hours_to_first_reply"] == pytest.approx(3.6)  # 2 + 0.8 * (4 - 2)


def test_by_asker_region_and_role(con):
    by_region = compute(con, "conversation_response", SCOPE, by="asker_region").rows()
    assert by_region == [
        (UNASSIGNED, 1, 1, 1.0, pytest.approx(1.0), pytest.approx(1.0)),
        ("Centro", 2, 1, 0.5, pytest.approx(2.0), pytest.approx(2.0)),
        ("Norte", 1, 1, 1.0, pytest.approx(4.0), pytest.approx(4.0)),
    ]
    by_role = {r[0]: r[1:3] for r in compute(con, "conversation_response", SCOPE, by="asker_role").rows()}
    assert by_role == {UNASSIGNED: (1, 1), "office manager": (1, 1), "staff": (2, 1)}


def test_by_responder_region(con):
    rows = compute(con, "conversation_response", SCOPE, by="responder_region").rows()
    assert rows == [
        ("Centro", 4, 1, 0.25, pytest.approx(4.0), pytest.approx(4.0)),
        ("Norte", 4, 2, 0.5, pytest.approx(1.5), pytest.approx(1.9)),
    ]


def test_time_zone_edges_and_period(con, make_store):
    # the last local day only: t4 (23:30 local) is in; its reply at 00:30 local the next day still counts
    last_day = compute(con, "conversation_response", Scope(date(2026, 3, 8), date(2026, 3, 8))).row(0, named=True)
    assert (last_day["threads"], last_day["threads_answered"]) == (1, 1)
    # the day before the scope holds t5 (23:30 local) and t6 (00:30 UTC of March 2 = March 1 local)
    before = compute(con, "conversation_response", Scope(date(2026, 3, 1), date(2026, 3, 1))).row(0, named=True)
    assert (before["threads"], before["threads_answered"]) == (2, 1)
    assert before["median_hours_to_first_reply"] == pytest.approx(8.5)
    # in UTC days instead: t4 (05:30 UTC March 9) leaves, t5 (05:30 UTC) and t6 (00:30 UTC March 2) come in
    utc_store = connect_read_only(make_store({"people": PEOPLE, "messages": MESSAGES}, DIRECTORY, "utc.duckdb",
                                             '[organization]\ntimezone = "UTC"\n'))
    utc = compute(utc_store, "conversation_response", SCOPE).row(0, named=True)
    assert (utc["threads"], utc["threads_answered"]) == (5, 3)

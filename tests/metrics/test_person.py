"""The person page's metrics on a hand-made organisation (America/Mexico_City = UTC-6), every number by hand.

Week under test: Mon 2026-03-02 .. Sun 2026-03-08. Directory: Ana (Norte/N1 staff, manager Mara), Mara (Norte/N1
office manager), Rita (Norte, no office, regional manager), Caro (Sur/S1 staff); a bot.
Ana's week (local times):
* Mon 02 10:00 thread t1 (Caro and Mara like it: Caro on Mon, Mara on Tue; the bot likes it too)
* Mon 02 11:00 Mara replies to t1 (r1) mentioning Ana; Tue 03 09:00 Rita replies to t1 (r2); the bot replies (rb)
* Tue 03 10:00 Ana replies to Rita's r2 (r3); Wed 04 Ana replies to Mara's r1 (r4)
* Thu 05 Caro starts t3, Ana replies to it (r5) and likes it; Fri 06 Ana visits; Tue 10 (next week) Ana starts t2.
So Ana: active days 5 (Mon-Fri), threads 1, replies 3, likes given 1, replies received 3 (r1, r2 and the bot's:
person_day_activity counts every reply from someone else), likes received 3 (Caro, Mara, the bot), visits 1;
people replied to 3 (Rita, Mara, Caro), people who replied 2 (Mara, Rita; the bot is no person here).
"""

from __future__ import annotations

from datetime import date

import pytest

from metrics.registry import compute
from metrics.store import connect_read_only
from pulso.core.scope import Scope

WEEK = Scope(date(2026, 3, 2), date(2026, 3, 8))
DIRECTORY = [
    {"id": "a", "email": "a@x.mx", "name": "Ana", "region": "Norte", "office": "N1", "role": "staff", "manager": "m"},
    {"id": "m", "email": "m@x.mx", "name": "Mara", "region": "Norte", "office": "N1", "role": "office manager",
     "manager": "r"},
    {"id": "r", "email": "r@x.mx", "name": "Rita", "region": "Norte", "office": "", "role": "regional manager",
     "manager": ""},
    {"id": "c", "email": "c@x.mx", "name": "Caro", "region": "Sur", "office": "S1", "role": "staff", "manager": ""},
]


def msg(mid, thread, author, utc, replied="", mentions=()):
    return {"message_id": mid, "thread_id": thread, "replied_to_id": replied, "author_id": author, "created_at": utc,
            "group_id": "", "body": f"texto {mid}", "mentions": list(mentions)}


TABLES = {
    "people": [{"person_id": p, "email": f"{p}@x.mx", "display_name": n, "joined_at": "2026-01-05 00:00:00"}
               for p, n in (("a", "Ana"), ("m", "Mara"), ("r", "Rita"), ("c", "Caro"))]
    + [{"person_id": "bot", "display_name": "Bot", "is_bot": "true"}],
    "messages": [
        msg("t1", "t1", "a", "2026-03-02 16:00:00"),
        msg("r1", "t1", "m", "2026-03-02 17:00:00", "t1", mentions=("a",)),
        msg("r2", "t1", "r", "2026-03-03 15:00:00", "t1"),
        msg("rb", "t1", "bot", "2026-03-03 15:30:00", "t1"),
        msg("r3", "t1", "a", "2026-03-03 16:00:00", "r2"),
        msg("r4", "t1", "a", "2026-03-04 16:00:00", "r1"),
        msg("t3", "t3", "c", "2026-03-05 15:00:00"),
        msg("r5", "t3", "a", "2026-03-05 16:00:00", "t3"),
        msg("t2", "t2", "a", "2026-03-10 16:00:00"),
    ],
    "reactions": [
        {"reaction_id": "k1", "message_id": "t1", "person_id": "c", "kind": "like", "created_at": "2026-03-02 18:00:00"},
        {"reaction_id": "k2", "message_id": "t1", "person_id": "m", "kind": "like", "created_at": "2026-03-03 18:00:00"},
        {"reaction_id": "k3", "message_id": "t1", "person_id": "bot", "kind": "like",
         "created_at": "2026-03-03 19:00:00"},
        {"reaction_id": "k4", "message_id": "t3", "person_id": "a", "kind": "like", "created_at": "2026-03-05 17:00:00"},
    ],
    "visits": [{"visit_id": "v1", "person_id": "a", "started_at": "2026-03-06 15:00:00", "duration_seconds": "60"}],
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from tests.conftest import build_store

    db = build_store(tmp_path_factory.mktemp("person"), TABLES, DIRECTORY)
    connection = connect_read_only(db)
    yield connection
    connection.close()


def test_person_summary_by_hand(con):
    row = compute(con, "person_summary", WEEK, person="a").row(0, named=True)
    assert (row["name"], row["region"], row["office"], row["role"], row["manager"]) == \
        ("Ana", "Norte", "N1", "staff", "Mara")
    assert row["last_activity"] == date(2026, 3, 6)
    assert {k: row[k] for k in ("active_days", "threads_started", "replies", "likes_given", "replies_received",
                                "likes_received", "visits", "people_replied_to", "people_who_replied")} == {
        "active_days": 5, "threads_started": 1, "replies": 3, "likes_given": 1, "replies_received": 3,
        "likes_received": 3, "visits": 1, "people_replied_to": 3, "people_who_replied": 2}


def test_a_person_without_an_office_keeps_it_unassigned_and_nobody_is_empty(con):
    rita = compute(con, "person_summary", WEEK, person="r").row(0, named=True)
    assert rita["office"] == "(unassigned)" and rita["role"] == "regional manager"
    assert rita["replies"] == 1 and rita["replies_received"] == 1 and rita["people_who_replied"] == 1  # Ana's r3
    assert compute(con, "person_summary", WEEK).is_empty()  # no person chosen
    # outside the scope's filters: nothing, not someone else's numbers
    assert compute(con, "person_summary", Scope(WEEK.start, WEEK.end, regions=("Sur",)), person="a").is_empty()


def test_person_activity_per_day(con):
    days = Scope(WEEK.start, WEEK.end, granularity="day")
    frame = compute(con, "person_activity", days, person="a")
    assert frame.height == 7  # every day listed, zeros included
    by_day = {r["period_start"].day: r for r in frame.iter_rows(named=True)}
    assert by_day[2]["threads_started"] == 1 and by_day[2]["replies_received"] == 1 and by_day[2]["likes_received"] == 1
    assert by_day[3]["replies"] == 1 and by_day[3]["replies_received"] == 2 and by_day[3]["likes_received"] == 2
    assert by_day[5]["replies"] == 1 and by_day[5]["likes_given"] == 1
    assert by_day[6]["visits"] == 1 and by_day[6]["active_days"] == 1
    assert by_day[7]["active_days"] == 0 and by_day[8]["active_days"] == 0
    assert sum(frame["replies"]) == 3


def test_stage_history_week_by_week(con):
    frame = compute(con, "person_stage_history", WEEK, person="a", weeks=2)
    # week ending Sun 1 March: in the directory, no action yet -> unaware; this week: first contribution -> first_time
    assert frame.rows() == [(date(2026, 3, 1), "unaware"), (date(2026, 3, 8), "first_time")]


def test_ties_both_ways_with_names(con):
    frame = compute(con, "person_ties", WEEK, person="a")
    assert frame["name"].to_list() == ["Mara", "Rita", "Caro"]  # by replies both ways (2, 2, 1), then total (4, 2)
    mara = frame.row(0, named=True)
    assert (mara["replies_given"], mara["replies_received"], mara["mentions_received"], mara["likes_received"]) == \
        (1, 1, 1, 1)
    caro = frame.row(2, named=True)
    assert (caro["replies_given"], caro["replies_received"], caro["likes_given"], caro["likes_received"]) == (1, 0, 1, 1)
    only_replies = compute(con, "person_ties", WEEK, person="a", kinds="reply")
    assert only_replies.filter(only_replies["name"] == "Caro")["likes_given"][0] == 0


def test_an_unknown_person_is_one_clear_error(con):
    from pulso.core.errors import ParameterError

    with pytest.raises(ParameterError, match="person"):
        compute(con, "person_summary", WEEK, person="nobody")
    with pytest.raises(ParameterError, match="person"):
        compute(con, "person_summary", WEEK, person="bot")


def test_directory_and_shown_threads(con):
    people = compute(con, "person_directory", WEEK)
    assert people["name"].to_list() == ["Ana", "Caro", "Mara", "Rita"]  # no bot
    ana = people.filter(people["person_id"] == "a").row(0, named=True)
    assert ana["manager"] == "Mara" and ana["last_activity"] == date(2026, 3, 6)
    threads = compute(con, "shown_threads", WEEK)
    # a thread with no group is in the all-company feed; no groups file: may it be shown? only group-less ones
    assert set(threads["thread_id"]) == {"t1", "t3"}
    assert threads.filter(threads["thread_id"] == "t1")["title"][0] == "texto t1"

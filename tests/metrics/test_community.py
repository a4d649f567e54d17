"""Community-manager lists on hand-computed stores (America/Mexico_City = UTC-6)."""

from datetime import date

import pytest

from metrics.registry import compute
from pulso.core.errors import ParameterError
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


def test_inactive_people(con):
    # last actions at 03-08: a 03-08, b 03-04, c 03-05, m 03-06, d never; l left, u not eligible, bot excluded
    frame = compute(con, "inactive_people", WEEK)
    assert frame["person_id"].to_list() == ["d"] and frame["last_activity"].to_list() == [None]
    frame = compute(con, "inactive_people", WEEK, days=4)
    assert frame["person_id"].to_list() == ["d", "b"]
    b = frame.row(1, named=True)
    assert (b["name"], b["region"], b["office"], b["manager"], b["last_activity"], b["days_inactive"]) == (
        "Beto", "Norte", "N1", "Mara", date(2026, 3, 4), 4)


def test_incomplete_profiles(con):
    assert compute(con, "incomplete_profiles", WEEK)["person_id"].to_list() == ["a"]  # l left, others unknown
    frame = compute(con, "incomplete_profiles", WEEK, threshold=1.5)
    assert frame["person_id"].to_list() == ["a", "u"]
    assert frame["region"].to_list() == ["Norte", "(unassigned)"]


def test_champions_on_the_small_organisation(con):
    frame = compute(con, "champions", WEEK)
    # c: a reply from u (unassigned: no office counted) and a like from b (N1); a's reply from b falls the next
    # local day. Parts: answered 0, replies 1, other offices 1 (N1); the only one listed, so each part's largest
    # value is c's own: score = (0 + 1 + 1) / 3
    assert frame["person_id"].to_list() == ["c"]
    row = frame.row(0, named=True)
    assert (row["people_answered"], row["replies_received"], row["offices_reached"], row["people_reached"],
            row["reactions_received"], row["score"]) == (0, 1, 1, 2, 1, 0.6667)
    assert compute(con, "champions", WEEK, min_people=3).is_empty()


def test_champions_score_is_its_parts_weighted(make_store):
    def msg(mid, who, when, thread=None):
        row = {"message_id": mid, "thread_id": thread or mid, "author_id": who, "created_at": when}
        return {**row, "replied_to_id": thread} if thread else row
    # p (O1) answers q (O2) and r (O3); q answers p twice; r likes p
    messages = [msg("tq", "q", "2026-03-02 16:00:00"), msg("tr", "r", "2026-03-02 17:00:00"),
                msg("tp", "p", "2026-03-02 18:00:00"),
                msg("a1", "p", "2026-03-03 16:00:00", "tq"), msg("a2", "p", "2026-03-03 17:00:00", "tr"),
                msg("a3", "q", "2026-03-04 16:00:00", "tp"), msg("a4", "q", "2026-03-04 17:00:00", "tp")]
    reactions = [{"reaction_id": "l1", "message_id": "tp", "person_id": "r", "kind": "like",
                  "created_at": "2026-03-05 16:00:00"}]
    directory = [{"id": p, "email": f"{p}@x.mx", "name": p.upper(), "region": "Sur", "office": office, "role": "staff",
                  "manager": ""} for p, office in (("p", "O1"), ("q", "O2"), ("r", "O3"))]
    con = connect_read_only(make_store({"people": [{"person_id": p, "email": f"{p}@x.mx"} for p in "pqr"],
                                        "messages": messages, "reactions": reactions}, directory))
    frame = compute(con, "champions", WEEK, min_people=1)
    parts = frame.select("person_id", "people_answered", "replies_received", "offices_reached", "people_reached")
    assert parts.rows() == [("p", 2, 2, 2, 2), ("q", 1, 1, 1, 1), ("r", 0, 1, 1, 1)]
    # each part over its largest value (2, 2, 2), equal weights: p (1+1+1)/3, q (.5+.5+.5)/3, r (0+.5+.5)/3
    assert frame["score"].to_list() == [1.0, 0.5, 0.3333]
    weighted = compute(con, "champions", WEEK, min_people=1, weight_answered=2, weight_replies=0, weight_offices=1)
    assert weighted["score"].to_list() == [1.0, 0.5, 0.1667]  # r: (2*0 + 0 + 1*.5) / 3
    only_replies = compute(con, "champions", WEEK, min_people=1, weight_answered=0, weight_offices=0)
    assert only_replies.select("person_id", "score").rows() == [("p", 1.0), ("q", 0.5), ("r", 0.5)]
    with pytest.raises(ParameterError, match="at least one weight"):
        compute(con, "champions", WEEK, weight_answered=0, weight_replies=0, weight_offices=0)
    con.close()


def test_dormant_people(make_store):
    def thread(mid, who, when):
        return {"message_id": mid, "thread_id": mid, "author_id": who, "created_at": when}
    messages = [
        # r: 4 contributions in 3 distinct weeks of the history (03-03 .. 05-31), then silence
        thread("r1", "r", "2026-03-10 18:00:00"), thread("r2", "r", "2026-04-10 18:00:00"),
        thread("r3", "r", "2026-05-10 18:00:00"), thread("r4", "r", "2026-05-10 19:00:00"),
        # s: only 2 distinct weeks
        thread("s1", "s", "2026-04-01 18:00:00"), thread("s2", "s", "2026-04-02 18:00:00"),
        thread("s3", "s", "2026-05-20 18:00:00"),
        # t: regular, but active again in the last 30 days (a visit)
        thread("t1", "t", "2026-03-10 18:00:00"), thread("t2", "t", "2026-04-10 18:00:00"),
        thread("t3", "t", "2026-05-10 18:00:00"),
    ]
    visits = [{"visit_id": "v1", "person_id": "t", "started_at": "2026-06-15 18:00:00"}]
    people = [{"person_id": p, "display_name": p.upper()} for p in "rst"]
    con = connect_read_only(make_store({"people": people, "messages": messages, "visits": visits}))
    frame = compute(con, "dormant_people", Scope(date(2026, 6, 1), date(2026, 6, 30)))
    assert frame["person_id"].to_list() == ["r"]
    row = frame.row(0, named=True)
    assert (row["past_contributions"], row["past_weeks"], row["last_activity"]) == (4, 3, date(2026, 5, 10))
    assert row["region"] == "(unassigned)"
    con.close()


def test_unanswered_threads(make_store):
    def msg(mid, who, when, thread=None, **extra):
        row = {"message_id": mid, "thread_id": thread or mid, "author_id": who, "created_at": when}
        if thread:
            row["replied_to_id"] = thread
        return {**row, **extra}
    messages = [
        msg("t1", "a", "2026-03-02 16:00:00"),                      # no reply: open 158 h at 03-09 00:00 local
        msg("t2", "b", "2026-03-03 16:00:00"),
        msg("t2r", "b", "2026-03-03 17:00:00", thread="t2"),       # only the author replied: still unanswered
        msg("t3", "a", "2026-03-04 16:00:00"),
        msg("t3r", "c", "2026-03-04 17:00:00", thread="t3"),       # answered by c
        msg("t4", "c", "2026-03-07 16:00:00"),                      # open 38 h only
        msg("t5", "a", "2026-03-02 16:00:00", is_private="true"),   # private: never listed
        msg("t6", "a", "2026-03-02 16:00:00", group_id="g2"),       # private group: never listed
        msg("t7", "a", "2026-03-02 16:00:00", deleted_at="2026-03-03 00:00:00"),  # deleted
    ]
    people = [{"person_id": p, "display_name": p.upper()} for p in "abc"]
    groups = [{"group_id": "g2", "name": "Gerencia", "is_private": "true"}]
    con = connect_read_only(make_store({"people": people, "groups": groups, "messages": messages}))
    frame = compute(con, "unanswered_threads", WEEK)
    assert frame["thread_id"].to_list() == ["t1", "t2"]
    assert frame["hours_open"].to_list() == [158.0, 134.0]
    assert compute(con, "unanswered_threads", WEEK, hours=24)["thread_id"].to_list() == ["t1", "t2", "t4"]
    con.close()


def test_unanswered_threads_are_every_thread_open_at_the_end_whenever_it_started(make_store):
    def msg(mid, who, when, thread=None):
        row = {"message_id": mid, "thread_id": thread or mid, "author_id": who, "created_at": when}
        return {**row, "replied_to_id": thread} if thread else row
    messages = [
        msg("t1", "a", "2026-03-02 16:00:00"),                      # in the week, open: 158 h at 03-09 00:00 local
        msg("t8", "a", "2026-02-20 16:00:00"),                      # before the week, still open: 398 h = 16.6 days
        msg("t9", "b", "2026-02-25 16:00:00"),
        msg("t9r", "c", "2026-03-03 16:00:00", thread="t9"),       # answered before the end: not listed
        msg("t10", "c", "2026-02-26 16:00:00"),
        msg("t10r", "a", "2026-03-10 16:00:00", thread="t10"),     # answered after the end: open at the end, 254 h
        msg("t11", "b", "2026-03-12 16:00:00"),                     # after the period: not yet started
    ]
    people = [{"person_id": p, "display_name": p.upper()} for p in "abc"]
    con = connect_read_only(make_store({"people": people, "messages": messages}))
    frame = compute(con, "unanswered_threads", WEEK)
    assert frame.select("thread_id", "hours_open", "days_open", "in_period").rows() == [
        ("t8", 398.0, 16.6, False), ("t10", 254.0, 10.6, False), ("t1", 158.0, 6.6, True)]
    con.close()


def test_people_who_left_are_not_dormant(make_store):
    def thread(mid, who, when):
        return {"message_id": mid, "thread_id": mid, "author_id": who, "created_at": when}
    # r and g both contributed in 3 distinct weeks of the history, then went silent; g left on 06-10
    messages = [thread(f"{p}{i}", p, day) for p in "rg"
                for i, day in enumerate(("2026-03-10 18:00:00", "2026-04-10 18:00:00", "2026-05-10 18:00:00"))]
    people = [{"person_id": "r", "display_name": "R"}, {"person_id": "v", "display_name": "V"},
              {"person_id": "g", "display_name": "G", "left_at": "2026-06-10 18:00:00"}]
    visits = [{"visit_id": "v1", "person_id": "v", "started_at": "2026-06-30 18:00:00"}]  # the data run to 06-30
    con = connect_read_only(make_store({"people": people, "messages": messages, "visits": visits}))
    assert compute(con, "dormant_people", Scope(date(2026, 6, 1), date(2026, 6, 30)))["person_id"].to_list() == ["r"]
    # before g left (period ending 06-09), both are dormant
    assert compute(con, "dormant_people", Scope(date(2026, 6, 3), date(2026, 6, 9)))["person_id"].to_list() == [
        "g", "r"]
    con.close()

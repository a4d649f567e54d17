"""The participation ladder on a store built by hand (times at 18:00 UTC = 12:00 local).

Scope: Mon 2026-06-01 .. Sun 2026-06-07; previous: 2026-05-25 .. 2026-05-31.
Week k of "the last N weeks" covers end-7k+1 .. end-7(k-1).
"""

from datetime import date

import pytest

from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only

SCOPE = Scope(date(2026, 6, 1), date(2026, 6, 7))
HELPERS = [f"h{i}" for i in range(1, 6)]


def at(day: str) -> str:
    return f"{day} 18:00:00"


def thread(mid, who, day, **extra):
    return {"message_id": mid, "thread_id": mid, "author_id": who, "created_at": at(day), **extra}


def build_tables():
    # e: a thread in each of weeks 1..7 ending 06-07; replies on 06-03 to the five helpers' threads,
    # whose authors all like e's 06-05 thread -> enthusiast. At 05-31 only 6 weeks -> regular.
    e_days = ["2026-06-05", "2026-05-29", "2026-05-22", "2026-05-15", "2026-05-08", "2026-05-01", "2026-04-24"]
    messages = [thread(f"e{i}", "e", d) for i, d in enumerate(e_days)]
    messages += [thread(f"t_{h}", h, "2026-06-02") for h in HELPERS]
    messages += [{"message_id": f"re_{h}", "thread_id": f"t_{h}", "replied_to_id": f"t_{h}", "author_id": "e",
                  "created_at": at("2026-06-03")} for h in HELPERS]
    reactions = [{"reaction_id": f"like_{h}", "message_id": "e0", "person_id": h, "kind": "like",
                  "created_at": at("2026-06-06")} for h in HELPERS]
    # r: weeks 1, 3, 5 -> regular now; at 05-31 only 2 weeks -> interested
    messages += [thread("r1", "r", "2026-06-04"), thread("r2", "r", "2026-05-21"), thread("r3", "r", "2026-05-07")]
    # d: regular at 05-31 (04-06, 04-13, 04-20); at 06-07 04-06 has left the 8 weeks -> interested (demoted)
    messages += [thread("d1", "d", "2026-04-06"), thread("d2", "d", "2026-04-13"), thread("d3", "d", "2026-04-20")]
    # f: first contribution inside the period; visited before
    messages += [thread("f1", "f", "2026-06-06")]
    # x: contributed long ago (lapsed) -> interested
    messages += [thread("x1", "x", "2026-01-10")]
    messages += [thread("bot1", "bot", "2026-06-02")]
    visits = [{"visit_id": "vf", "person_id": "f", "started_at": at("2026-05-27")},
              {"visit_id": "vi1", "person_id": "i", "started_at": at("2026-05-20")},
              {"visit_id": "vi2", "person_id": "i", "started_at": at("2026-06-02")}]
    people = [{"person_id": h, "display_name": h.upper()} for h in HELPERS]
    people += [{"person_id": "o", "display_name": "Otro"}, {"person_id": "bot", "display_name": "Bot", "is_bot": "true"}]
    directory = [{"id": p, "email": f"{p}@x.mx", "name": p.upper(), "region": region, "office": region[0] + "1",
                  "role": "staff", "manager": ""}
                 for p, region in (("n", "Norte"), ("i", "Norte"), ("x", "Norte"), ("d", "Norte"),
                                   ("f", "Sur"), ("r", "Sur"), ("e", "Sur"))]
    return {"people": people, "messages": messages, "reactions": reactions, "visits": visits}, directory


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from tests.conftest import build_store

    tables, directory = build_tables()
    con = connect_read_only(build_store(tmp_path_factory.mktemp("ladder"), tables, directory))
    yield con
    con.close()


def test_stages(con):
    stages = dict(compute(con, "participation_ladder", SCOPE).select("person_id", "stage").iter_rows())
    assert stages == {"n": "unaware", "i": "interested", "x": "interested", "d": "interested", "f": "first_time",
                      "r": "regular", "e": "enthusiast", **{h: "first_time" for h in HELPERS}}  # no o, no bot


def test_thresholds_are_parameters(con):
    stages = dict(compute(con, "participation_ladder", SCOPE, enthusiast_people=6)
                  .select("person_id", "stage").iter_rows())
    assert stages["e"] == "regular"
    stages = dict(compute(con, "participation_ladder", SCOPE, regular_weeks=4).select("person_id", "stage").iter_rows())
    assert stages["r"] == "interested" and stages["e"] == "enthusiast"


def test_counts_by_region(con):
    frame = compute(con, "participation_ladder_counts", SCOPE, by="region")
    got = {(s, st): n for s, st, n in frame.iter_rows()}
    assert got[("Norte", "unaware")] == 1 and got[("Norte", "interested")] == 3 and got[("Norte", "regular")] == 0
    assert (got[("Sur", "first_time")], got[("Sur", "regular")], got[("Sur", "enthusiast")]) == (1, 1, 1)
    assert got[("(unassigned)", "first_time")] == 5
    assert len(frame) == 15  # three segments x five stages, zeros included
    total = compute(con, "participation_ladder_counts", SCOPE)
    assert total["people"].to_list() == [1, 3, 6, 1, 1]


def test_transitions(con):
    rows = compute(con, "participation_transitions", SCOPE).rows()
    assert rows == [
        ("unaware", "unaware", 1, "stayed"),
        ("unaware", "first_time", 5, "promoted"),
        ("interested", "interested", 2, "stayed"),
        ("interested", "first_time", 1, "promoted"),
        ("interested", "regular", 1, "promoted"),
        ("regular", "interested", 1, "demoted"),
        ("regular", "enthusiast", 1, "promoted"),
    ]


def test_people_who_left_are_off_the_ladder_from_the_day_they_left(make_store):
    # g (directory) contributed on 05-07, 05-21 and 06-03: regular at 06-07, but left on 06-05;
    # o (no directory entry) acted on 05-20 and its account closed on 05-30; k stays (regular)
    messages = [thread(f"{p}{i}", p, d) for p in "gk" for i, d in enumerate(("2026-05-07", "2026-05-21", "2026-06-03"))]
    visits = [{"visit_id": "vo", "person_id": "o", "started_at": at("2026-05-20")}]
    people = [{"person_id": "g", "display_name": "G", "left_at": "2026-06-05 18:00:00"},
              {"person_id": "o", "display_name": "O", "left_at": "2026-05-30 18:00:00"},
              {"person_id": "k", "display_name": "K"}]
    directory = [{"id": p, "email": f"{p}@x.mx", "name": p.upper(), "region": "Sur", "office": "S1", "role": "staff",
                  "manager": ""} for p in "gk"]
    con = connect_read_only(make_store({"people": people, "messages": messages, "visits": visits}, directory))
    assert compute(con, "participation_ladder", SCOPE).select("person_id", "stage").rows() == [("k", "regular")]
    # the week before, g had not left yet (interested: 2 weeks of 8) and o's account had closed on 05-30
    before = compute(con, "participation_ladder", SCOPE.previous()).select("person_id", "stage").rows()
    assert before == [("g", "interested"), ("k", "interested")]
    # g is in neither side of the moves (not "demoted to unaware"): only k moves
    assert compute(con, "participation_transitions", SCOPE).rows() == [("interested", "regular", 1, "promoted")]
    assert compute(con, "participation_ladder_counts", SCOPE)["people"].to_list() == [0, 0, 0, 1, 0]
    con.close()


def test_nobody_who_left_is_on_the_sample_ladder(sample_store):
    con = connect_read_only(sample_store)
    week = Scope(date(2026, 11, 9), date(2026, 11, 15))
    ladder = compute(con, "participation_ladder", week)
    left = con.sql("SELECT person_id FROM person_facts WHERE left_day <= DATE '2026-11-15'").pl()
    assert left.height == 41 and ladder.join(left, on="person_id").is_empty()  # all 41 were on it before
    con.close()

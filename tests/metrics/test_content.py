"""top_posts, trending_hashtags and best_times on a hand-computed fixture.

Scope: local week Mon 2026-03-02 .. Sun 2026-03-08 (America/Mexico_City, UTC-6); previous period 02-23 .. 03-01.
Shown threads in scope: a1 (Ana, group Ventas, 3 likes, 1 live reply + 1 deleted), a2 (Beto, company feed,
1 like, 2 replies), a6 (Dora, no directory entry, Sunday 23:30 local, one reaction row of weight 2 + a bot's like).
Never shown: a3 in the private group Gerentes (5 likes), a4 a direct message (10 likes), a5 deleted (4 likes).
"""

from datetime import date

import pytest

from metrics.registry import FactsNotAvailable, compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.metrics.test_conversations import DIRECTORY, PEOPLE, msg

SCOPE = Scope(date(2026, 3, 2), date(2026, 3, 8))
GROUPS = [{"group_id": "g1", "name": "Ventas", "is_private": "false"},
          {"group_id": "g2", "name": "Gerentes", "is_private": "true"}]
MESSAGES = [
    msg("a1", "a1", "p1", "2026-03-02T10:00:00-06:00", group_id="g1", title="Meta semanal",
        body="Vamos por la meta #ventas", hashtags=["ventas", "meta"]),
    msg("a1r1", "a1", "p2", "2026-03-02T11:00:00-06:00", "a1", group_id="g1"),
    msg("a1r2", "a1", "p3", "2026-03-02T11:30:00-06:00", "a1", group_id="g1", deleted_at="2026-03-02T12:00:00Z"),
    msg("a2", "a2", "p2", "2026-03-03T12:00:00-06:00", body="Resultados #ventas", hashtags=["ventas"]),
    msg("a2r1", "a2", "p1", "2026-03-03T12:30:00-06:00", "a2"),
    msg("a2r2", "a2", "p3", "2026-03-04T09:00:00-06:00", "a2"),
    msg("a3", "a3", "p3", "2026-03-05T15:00:00-06:00", group_id="g2", hashtags=["ventas"]),
    msg("a4", "a4", "p1", "2026-03-06T08:00:00-06:00", is_private="true", hashtags=["secreto"]),
    msg("a5", "a5", "p1", "2026-03-06T10:00:00-06:00", deleted_at="2026-03-06T11:00:00-06:00", hashtags=["meta"]),
    msg("a6", "a6", "p4", "2026-03-08T23:30:00-06:00", group_id="g1", hashtags=["capacitacion"]),
    msg("a7", "a7", "p2", "2026-03-01T23:30:00-06:00", group_id="g1", hashtags=["meta", "capacitacion"]),
    msg("a8", "a8", "p1", "2026-02-24T10:00:00-06:00", group_id="g1", hashtags=["meta"]),
]


def like(rid, message, person, at, weight=None):
    return {"reaction_id": rid, "message_id": message, "person_id": person, "kind": "like", "created_at": at,
            "weight": weight}


REACTIONS = [
    like("r1", "a1", "p2", "2026-03-02T11:00:00-06:00"),
    like("r2", "a1", "p3", "2026-03-02T11:10:00-06:00"),
    like("r3", "a1", "p4", "2026-03-09T00:30:00-06:00"),  # after the scope (still a like of a1)
    like("r4", "a2", "p1", "2026-03-03T13:00:00-06:00"),
    like("r5", "a3", None, "2026-03-05T16:00:00-06:00", 5),
    like("r6", "a4", None, "2026-03-06T09:00:00-06:00", 10),
    like("r7", "a5", None, "2026-03-06T10:30:00-06:00", 4),
    like("r8", "a6", None, "2026-03-08T23:45:00-06:00", 2),
    like("r9", "a6", "p5", "2026-03-08T23:50:00-06:00"),  # a bot
    like("r10", "a7", "p1", "2026-03-01T23:40:00-06:00"),
]


TABLES = {"people": PEOPLE, "groups": GROUPS, "messages": MESSAGES, "reactions": REACTIONS}


@pytest.fixture
def con(make_store):
    return connect_read_only(make_store(TABLES, DIRECTORY))


def test_top_posts_by_likes_never_show_private_or_deleted(con):
    top = compute(con, "top_posts", SCOPE, order="likes")
    assert top.select("thread_id", "author", "group_name", "likes", "replies").rows() == [
        ("a1", "Ana", "Ventas", 3, 1),
        ("a6", "Dora", "Ventas", 2, 0),
        ("a2", "Beto", None, 1, 2),
    ]
    first = top.row(0, named=True)
    assert first["title"] == "Meta semanal" and first["excerpt"] == "Vamos por la meta #ventas"
    assert str(top["created_local"][1]) == "2026-03-08 23:30:00"


def test_top_posts_by_replies_and_limit(con):
    assert compute(con, "top_posts", SCOPE, order="replies")["thread_id"].to_list() == ["a2", "a1", "a6"]
    assert compute(con, "top_posts", SCOPE, order="likes", limit=2)["thread_id"].to_list() == ["a1", "a6"]
    only_centro = compute(con, "top_posts", Scope(SCOPE.start, SCOPE.end, regions=("Centro",)))
    assert only_centro["thread_id"].to_list() == ["a1"]


def test_trending_hashtags(con):
    rows = compute(con, "trending_hashtags", SCOPE, min_uses=1).rows()
    assert rows == [("ventas", 2, 0, 2, None), ("capacitacion", 1, 1, 0, 0.0), ("meta", 1, 2, -1, -50.0)]
    assert compute(con, "trending_hashtags", SCOPE)["hashtag"].to_list() == ["ventas"]  # min_uses = 2


def cells(frame):
    return {(w, h): c for w, h, c in frame.rows() if c}


def test_best_times_contributions_in_local_time(con, make_store):
    frame = compute(con, "best_times", SCOPE)
    assert frame.height == 168
    # a3 (private group) and a4 (direct message) are counted; a5 and a1r2 (deleted) are not;
    # a6 is Sunday 23h local (Monday 05h UTC)
    assert cells(frame) == {(0, 10): 1, (0, 11): 1, (1, 12): 2, (2, 9): 1, (3, 15): 1, (4, 8): 1, (6, 23): 1}
    utc_store = connect_read_only(make_store(TABLES, DIRECTORY, "utc.duckdb", '[organization]\ntimezone = "UTC"\n'))
    utc = cells(compute(utc_store, "best_times", SCOPE))
    assert utc[(0, 16)] == 1 and (6, 23) not in utc


def test_best_times_reactions(con):
    # reactions at their own time: r3 after the scope, r7 on a deleted message, r9 by a bot are left out
    assert cells(compute(con, "best_times", SCOPE, kind="reactions")) == {
        (0, 11): 2, (1, 13): 1, (3, 16): 5, (4, 9): 10, (6, 23): 2}


def test_source_without_likes(make_store):
    con = connect_read_only(make_store({"people": PEOPLE, "messages": MESSAGES}, DIRECTORY))
    with pytest.raises(FactsNotAvailable):
        compute(con, "top_posts", SCOPE, order="likes")
    with pytest.raises(FactsNotAvailable):
        compute(con, "best_times", SCOPE, kind="reactions")
    by_replies = compute(con, "top_posts", SCOPE, order="replies")
    # no groups table: the privacy of g1 and g2 is unknown, so only the company-feed thread a2 is shown
    assert by_replies["thread_id"].to_list() == ["a2"]
    assert by_replies["likes"].null_count() == 1


def test_trending_ranks_by_growth_not_by_volume(make_store):
    # company-feed threads (shown): this week meta 5, igual 4, nuevo 3; the week before meta 9, igual 4
    counts = {"meta": (5, 9), "igual": (4, 4), "nuevo": (3, 0)}
    messages = [msg(f"{tag}-{when}-{i}", f"{tag}-{when}-{i}", "p1", f"{day}T10:00:00-06:00", hashtags=[tag])
                for tag, (now, before) in counts.items()
                for when, n, day in (("now", now, "2026-03-04"), ("before", before, "2026-02-25")) for i in range(n)]
    con = connect_read_only(make_store({"people": PEOPLE, "messages": messages}, DIRECTORY))
    rows = compute(con, "trending_hashtags", SCOPE).rows()
    # by uses the order would be meta (5), igual (4), nuevo (3)
    assert rows == [("nuevo", 3, 0, 3, None), ("igual", 4, 4, 0, 0.0), ("meta", 5, 9, -4, pytest.approx(-44.444, 1e-4))]
    assert compute(con, "trending_hashtags", SCOPE, min_uses=4)["hashtag"].to_list() == ["igual", "meta"]
    assert compute(con, "trending_hashtags", SCOPE, limit=1)["hashtag"].to_list() == ["nuevo"]
    con.close()

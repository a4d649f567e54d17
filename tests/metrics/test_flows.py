"""Feedback flows on a hand-built six-person hierarchy, with shares worked out by hand.

Chain of command (default configuration ranks in brackets):
    bd  business director [1]  Corporativo / Matriz
    sd  sales director    [2]  Corporativo / Matriz      manager bd
    rm  regional manager  [4]  Norte / Regional Norte    manager sd
    om1 office manager    [5]  Norte / Monterrey         manager rm
    om2 office manager    [5]  Norte / Saltillo          manager rm
    st  staff             [6]  Norte / Monterrey         manager om1

Edges (weight 1 each; week of 2026-03-02 unless noted):
    1 rm -> om1 reply       downward, to_own_report, across offices
    2 st -> om1 reply       upward, to_own_manager
    3 om1 -> om2 reply      horizontal, across offices
    4 sd -> om2 reply       downward, skip-level down (sd > rm > om2), across offices and regions
    5 st -> bd mention      upward, skip-level up, across offices and regions
    6 bd -> st reply        downward, skip-level down, across offices and regions
    7 om2 -> om1 like       horizontal, across offices
    8 st -> om2 reply       upward, across offices (week of 2026-03-09)
    om1 replying to om1's own thread is a self-interaction (left out, counted).
A bot's reply to om1 is left out everywhere.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.registry import FactsNotAvailable, compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.conftest import build_store
from metrics.flows import (
    feedback_direction, feedback_direction_trend, interaction_edges, region_flow_matrix, role_flow_matrix,
    role_flow_sankey, self_interactions,
)

DIRECTORY = [
    {"id": "bd", "email": "bd@banco.mx", "name": "Beatriz", "region": "Corporativo", "office": "Matriz",
     "role": "business director", "manager": ""},
    {"id": "sd", "email": "sd@banco.mx", "name": "Sergio", "region": "Corporativo", "office": "Matriz",
     "role": "sales director", "manager": "bd"},
    {"id": "rm", "email": "rm@banco.mx", "name": "Rosa", "region": "Norte", "office": "Regional Norte",
     "role": "regional manager", "manager": "sd"},
    {"id": "om1", "email": "om1@banco.mx", "name": "Omar", "region": "Norte", "office": "Monterrey",
     "role": "office manager", "manager": "rm"},
    {"id": "om2", "email": "om2@banco.mx", "name": "Olga", "region": "Norte", "office": "Saltillo",
     "role": "office manager", "manager": "rm"},
    {"id": "st", "email": "st@banco.mx", "name": "Susana", "region": "Norte", "office": "Monterrey",
     "role": "staff", "manager": "om1"},
]


def _msg(mid, thread, parent, author, at, mentions=None):
    return {"message_id": mid, "thread_id": thread, "replied_to_id": parent, "author_id": author,
            "created_at": at, "body": mid, "mentions": mentions or []}


HIERARCHY_TABLES = {
    "people": [
        *[{"person_id": p["id"], "email": p["email"], "display_name": p["name"], "is_bot": "false"} for p in DIRECTORY],
        {"person_id": "bot", "email": "bot@banco.mx", "display_name": "Bot", "is_bot": "true"},
    ],
    "messages": [
        _msg("m1", "m1", None, "om1", "2026-03-02T16:00:00Z"),
        _msg("m2", "m1", "m1", "rm", "2026-03-02T18:00:00Z"),
        _msg("m3", "m1", "m1", "st", "2026-03-02T19:00:00Z"),
        _msg("m9", "m1", "m1", "om1", "2026-03-02T20:00:00Z"),
        _msg("mb", "m1", "m1", "bot", "2026-03-02T20:30:00Z"),
        _msg("m4", "m4", None, "om2", "2026-03-03T16:00:00Z"),
        _msg("m5", "m4", "m4", "om1", "2026-03-03T17:00:00Z"),
        _msg("m6", "m4", "m4", "sd", "2026-03-05T16:00:00Z"),
        _msg("m7", "m7", None, "st", "2026-03-04T16:00:00Z", ["bd"]),
        _msg("m8", "m7", "m7", "bd", "2026-03-04T20:00:00Z"),
        _msg("m10", "m10", None, "om2", "2026-03-09T16:00:00Z"),
        _msg("m11", "m10", "m10", "st", "2026-03-09T17:00:00Z"),
    ],
    "reactions": [
        {"reaction_id": "r1", "message_id": "m1", "person_id": "om2", "kind": "like",
         "created_at": "2026-03-02T21:00:00Z"},
    ],
}
SCOPE = Scope(date(2026, 3, 1), date(2026, 3, 31), granularity="week")


@pytest.fixture(scope="module")
def hierarchy_con(tmp_path_factory):
    con = connect_read_only(build_store(tmp_path_factory.mktemp("hierarchy"), HIERARCHY_TABLES, DIRECTORY))
    yield con
    con.close()


def test_interaction_edges_per_pair_and_kind(hierarchy_con):
    edges = interaction_edges(hierarchy_con, SCOPE)
    got = {(r["source_person_id"], r["target_person_id"], r["kind"]): r["weight"] for r in edges.iter_rows(named=True)}
    assert got == {
        ("rm", "om1", "reply"): 1, ("st", "om1", "reply"): 1, ("om1", "om2", "reply"): 1,
        ("sd", "om2", "reply"): 1, ("st", "bd", "mention"): 1, ("bd", "st", "reply"): 1,
        ("om2", "om1", "like"): 1, ("st", "om2", "reply"): 1,
    }
    first = edges.filter(pl.col("source_person_id") == "sd")["first_at"][0]
    assert str(first) == "2026-03-05 16:00:00"


def test_self_interactions_counted_apart(hierarchy_con):
    assert self_interactions(hierarchy_con, SCOPE).to_dicts() == [{"kind": "reply", "count": 1, "weight": 1.0}]


def test_scope_period_drops_later_week(hierarchy_con):
    first_week = Scope(date(2026, 3, 2), date(2026, 3, 8))
    assert interaction_edges(hierarchy_con, first_week).height == 7


def test_feedback_direction_total(hierarchy_con):
    row = feedback_direction(hierarchy_con, SCOPE).to_dicts()[0]
    assert row["total_weight"] == 8
    expected = {"upward": 3 / 8, "downward": 3 / 8, "horizontal": 2 / 8, "unranked": 0.0,
                "to_own_manager": 1 / 8, "to_own_report": 1 / 8, "skip_level_up": 1 / 8,
                "skip_level_down": 2 / 8, "across_offices": 7 / 8, "across_regions": 3 / 8}
    for name, value in expected.items():
        assert row[name] == pytest.approx(value), name


def test_feedback_direction_by_region_is_sender_region(hierarchy_con):
    rows = {r["segment"]: r for r in feedback_direction(hierarchy_con, SCOPE, by="region").to_dicts()}
    assert set(rows) == {"Corporativo", "Norte"}
    corp, norte = rows["Corporativo"], rows["Norte"]
    assert corp["total_weight"] == 2 and corp["downward"] == pytest.approx(1.0)
    assert corp["skip_level_down"] == pytest.approx(1.0) and corp["across_regions"] == pytest.approx(1.0)
    assert norte["total_weight"] == 6
    assert norte["upward"] == pytest.approx(3 / 6)
    assert norte["downward"] == pytest.approx(1 / 6)
    assert norte["horizontal"] == pytest.approx(2 / 6)
    assert norte["across_regions"] == pytest.approx(1 / 6)


def test_feedback_direction_trend_by_week(hierarchy_con):
    trend = feedback_direction_trend(hierarchy_con, SCOPE)
    assert trend["period"].to_list() == [date(2026, 3, 2), date(2026, 3, 9)]
    week1, week2 = trend.to_dicts()
    assert week1["total_weight"] == 7
    assert (week1["upward"], week1["downward"], week1["horizontal"]) == pytest.approx((2 / 7, 3 / 7, 2 / 7))
    assert week2["total_weight"] == 1 and week2["upward"] == pytest.approx(1.0)


def test_kinds_parameter_narrows(hierarchy_con):
    row = feedback_direction(hierarchy_con, SCOPE, kinds=["like", "mention"]).to_dicts()[0]
    assert row["total_weight"] == 2
    assert row["upward"] == pytest.approx(0.5) and row["horizontal"] == pytest.approx(0.5)
    assert compute(hierarchy_con, "feedback_direction", SCOPE, kinds="like, mention").to_dicts() == [row]


def test_role_flow_matrix_and_sankey(hierarchy_con):
    matrix = role_flow_matrix(hierarchy_con, SCOPE)
    got = {(r["sender_role"], r["receiver_role"]): (r["weight"], r["share"]) for r in matrix.to_dicts()}
    assert got == {
        ("business director", "staff"): (1, 1 / 8),
        ("sales director", "office manager"): (1, 1 / 8),
        ("regional manager", "office manager"): (1, 1 / 8),
        ("office manager", "office manager"): (2, 2 / 8),
        ("staff", "business director"): (1, 1 / 8),
        ("staff", "office manager"): (2, 2 / 8),
    }
    # ordered by sender rank, then receiver rank
    assert matrix["sender_rank"].to_list() == [1, 2, 4, 5, 6, 6]
    assert matrix["receiver_rank"].to_list() == [6, 5, 5, 5, 1, 5]
    sankey = role_flow_sankey(hierarchy_con, SCOPE)
    assert sankey.columns[:3] == ["source_label", "target_label", "value"]
    assert sankey["value"].sum() == 8
    assert sankey.row(0)[:3] == ("business director", "staff", 1)


def test_region_flow_matrix(hierarchy_con):
    got = {(r["sender_region"], r["receiver_region"]): r["weight"]
           for r in region_flow_matrix(hierarchy_con, SCOPE).to_dicts()}
    assert got == {("Corporativo", "Norte"): 2, ("Norte", "Corporativo"): 1, ("Norte", "Norte"): 5}


def test_region_scope_keeps_sender_in_scope(hierarchy_con):
    corp = Scope(SCOPE.start, SCOPE.end, regions=("Corporativo",))
    edges = interaction_edges(hierarchy_con, corp)
    assert sorted(edges["source_person_id"].to_list()) == ["bd", "sd"]


def test_registry_refuses_without_edge_facts(make_store):
    con = connect_read_only(make_store({"people": HIERARCHY_TABLES["people"]}, DIRECTORY))
    try:
        with pytest.raises(FactsNotAvailable):
            compute(con, "feedback_direction", SCOPE)
    finally:
        con.close()

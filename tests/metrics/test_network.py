"""Network metrics: networkx's karate club loaded as generic interactions (values checked against
networkx's own functions on the original graph), and the six-person hierarchy of test_flows extended
with an isolated office (silos, bridges) worked out by hand."""

from __future__ import annotations

import copy
from datetime import date

import networkx as nx
import pytest
from sklearn.metrics import adjusted_rand_score

from metrics.network import (
    community_region_match, graph_summary, network_centrality, network_communities, region_bridges, scope_graph,
    silos,
)
from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.conftest import build_store
from tests.metrics.test_flows import DIRECTORY, HIERARCHY_TABLES, SCOPE

KARATE = nx.karate_club_graph()
KARATE_SCOPE = Scope(date(2026, 3, 1), date(2026, 3, 31), granularity="month")


def _kid(node: int) -> str:
    return f"k{node:02d}"


@pytest.fixture(scope="module")
def karate_con(tmp_path_factory):
    directory = [{"id": _kid(v), "email": f"{_kid(v)}@club.org", "name": _kid(v), "region": club, "office": club,
                  "role": "member"} for v, club in KARATE.nodes(data="club")]
    interactions = []
    for u, v, w in KARATE.edges(data="weight"):
        for a, b in ((u, v), (v, u)):
            interactions.append({"interaction_id": f"{_kid(a)}-{_kid(b)}", "source_person_id": _kid(a),
                                 "target_person_id": _kid(b), "kind": "meeting",
                                 "occurred_at": "2026-03-10T16:00:00Z", "weight": w})
    db = build_store(tmp_path_factory.mktemp("karate"), {"interactions": interactions}, directory)
    con = connect_read_only(db)
    yield con
    con.close()


def test_karate_centrality_equals_networkx(karate_con):
    frame = network_centrality(karate_con, KARATE_SCOPE, k=100)
    rows = {r["person_id"]: r for r in frame.to_dicts()}
    assert len(rows) == 34
    pagerank = nx.pagerank(KARATE, weight="weight")
    betweenness = nx.betweenness_centrality(KARATE)
    for v in KARATE:
        row = rows[_kid(v)]
        assert row["in_degree"] == row["out_degree"] == KARATE.degree(v)
        assert row["in_strength"] == pytest.approx(KARATE.degree(v, weight="weight"))
        assert row["pagerank"] == pytest.approx(pagerank[v], abs=1e-6)
        assert row["betweenness"] == pytest.approx(betweenness[v], abs=1e-9)
    assert frame["betweenness_sample_size"].unique().to_list() == [34]  # exact: fewer people than k
    assert frame["person_id"][0] == _kid(max(pagerank, key=pagerank.get))


def test_karate_sampled_betweenness_states_sample(karate_con):
    frame = network_centrality(karate_con, KARATE_SCOPE, k=10, seed=7)
    assert frame["betweenness_sample_size"].unique().to_list() == [10]
    again = network_centrality(karate_con, KARATE_SCOPE, k=10, seed=7)
    assert frame["betweenness"].to_list() == again["betweenness"].to_list()  # fixed seed: repeatable


def test_karate_club_split_modularity(karate_con):
    row = community_region_match(karate_con, KARATE_SCOPE).to_dicts()[0]
    clubs = [{v for v, c in KARATE.nodes(data="club") if c == club} for club in ("Mr. Hi", "Officer")]
    assert row["nodes"] == 34 and row["regions"] == 2
    assert row["region_modularity"] == pytest.approx(nx.community.modularity(KARATE, clubs, weight="weight"))
    communities = network_communities(karate_con, KARATE_SCOPE)
    by_person = dict(zip(communities["person_id"], communities["community"]))
    louvain_sets = [{int(p[1:]) for p, c in by_person.items() if c == i} for i in set(by_person.values())]
    assert row["communities"] == len(louvain_sets)
    assert row["louvain_modularity"] == pytest.approx(nx.community.modularity(KARATE, louvain_sets, weight="weight"))
    assert row["louvain_modularity"] > row["region_modularity"]  # Louvain optimises modularity
    club_labels = [KARATE.nodes[v]["club"] for v in KARATE]
    assert row["adjusted_rand_index"] == pytest.approx(
        adjusted_rand_score(club_labels, [by_person[_kid(v)] for v in KARATE]))
    assert network_communities(karate_con, KARATE_SCOPE)["community"].to_list() == communities["community"].to_list()


def test_karate_graph_summary(karate_con):
    rows = compute(karate_con, "graph_summary", KARATE_SCOPE).to_dicts()
    assert len(rows) == 1
    row = rows[0]
    assert row["period"] == date(2026, 3, 1)
    assert (row["nodes"], row["edges"], row["undirected_edges"]) == (34, 156, 78)
    assert row["undirected_density"] == pytest.approx(nx.density(KARATE))
    assert row["reciprocity"] == pytest.approx(1.0)
    assert row["largest_weak_component"] == row["largest_strong_component"] == 34
    assert row["average_clustering"] == pytest.approx(nx.average_clustering(KARATE))
    assert row["triangles"] == sum(nx.triangles(KARATE).values()) // 3 == 45
    assert graph_summary(karate_con, Scope(date(2026, 4, 1), date(2026, 4, 30))).height == 0


# ---- the hierarchy, plus an office (Torreón) whose two people only talk to each other (x1 -> x2, weight 3),
# and "guest" (no directory entry) who e-mails bd in the second week --------------------------------------------

@pytest.fixture(scope="module")
def hierarchy_con(tmp_path_factory):
    tables = copy.deepcopy(HIERARCHY_TABLES)
    tables["interactions"] = [{"interaction_id": "i1", "source_person_id": "x1", "target_person_id": "x2",
                               "kind": "email", "occurred_at": "2026-03-03T16:00:00Z", "weight": 3},
                              {"interaction_id": "i2", "source_person_id": "guest", "target_person_id": "bd",
                               "kind": "email", "occurred_at": "2026-03-10T16:00:00Z"}]
    tables["people"].append({"person_id": "guest", "email": "guest@otro.mx", "display_name": "Guest"})
    directory = DIRECTORY + [
        {"id": f"x{i}", "email": f"x{i}@banco.mx", "name": f"X{i}", "region": "Norte", "office": "Torreón",
         "role": "staff", "manager": "rm"} for i in (1, 2)]
    con = connect_read_only(build_store(tmp_path_factory.mktemp("hier"), tables, directory))
    yield con
    con.close()


def test_hierarchy_graph_and_degrees(hierarchy_con):
    graph = scope_graph(hierarchy_con, SCOPE)
    assert graph.number_of_nodes() == 9  # the bot is left out; guest (no directory entry) is in
    assert graph.number_of_edges() == 10
    rows = {r["person_id"]: r for r in network_centrality(hierarchy_con, SCOPE).to_dicts()}
    assert (rows["om1"]["in_degree"], rows["om1"]["out_degree"]) == (3, 1)
    assert (rows["st"]["in_degree"], rows["st"]["out_degree"]) == (1, 3)
    assert rows["x2"]["in_strength"] == 3.0


def test_silos(hierarchy_con):
    got = [(r["level"], r["person_id"], r["office"], r["people"], r["ties_inside"])
           for r in silos(hierarchy_con, SCOPE).to_dicts()]
    assert got == [("office", None, "Torreón", 2, 1), ("person", "x1", "Torreón", 1, 1),
                   ("person", "x2", "Torreón", 1, 1)]


def test_region_bridges(hierarchy_con):
    frame = region_bridges(hierarchy_con, SCOPE)
    assert frame.select("person_id", "regions_reached", "cross_region_ties", "cross_region_weight").rows() == [
        ("bd", 1, 1, 2.0), ("st", 1, 1, 2.0), ("om2", 1, 1, 1.0), ("sd", 1, 1, 1.0)]
    assert region_bridges(hierarchy_con, SCOPE, top=2).height == 2


def test_hierarchy_weekly_summary(hierarchy_con):
    rows = graph_summary(hierarchy_con, SCOPE).to_dicts()
    assert [r["period"] for r in rows] == [date(2026, 3, 2), date(2026, 3, 9)]
    assert [r["edges"] for r in rows] == [8, 2]
    assert [r["active_nodes"] for r in rows] == [8, 4]
    # week 1 undirected ties: rm-om1, st-om1, om1-om2, sd-om2, st-bd, x1-x2 -> 6; triangle: none
    assert rows[0]["undirected_edges"] == 6 and rows[0]["triangles"] == 0
    # only reciprocated pairs in week 1: om1<->om2 and st<->bd -> 4 of 8 directed edges
    assert rows[0]["reciprocity"] == pytest.approx(4 / 8)


def test_unassigned_people_count_in_no_across_share(hierarchy_con):
    from metrics.flows import feedback_direction
    row = feedback_direction(hierarchy_con, SCOPE).to_dicts()[0]
    # 8 hierarchy edges + x1 -> x2 (3) + guest -> bd (1) = 12
    assert row["total_weight"] == 12
    assert row["across_regions"] == pytest.approx(3 / 12)  # sd->om2, st->bd, bd->st; not guest->bd
    assert row["across_offices"] == pytest.approx(7 / 12)
    assert row["unranked"] == pytest.approx(1 / 12)
    assert row["horizontal"] == pytest.approx(5 / 12)  # om1<->om2 and x1->x2 (weight 3)


def test_tie_threshold_keeps_every_tie_until_the_graph_is_too_large(monkeypatch):
    from metrics import network

    import polars as pl

    edges = pl.DataFrame({"weight": [1.0, 1.0, 1.0, 2.0, 2.0, 5.0]})
    assert network.tie_threshold(edges, None) == 1.0          # 6 pairs, far below the cap
    monkeypatch.setattr(network, "MAX_AUTO_EDGES", 3)
    assert network.tie_threshold(edges, None) == 2.0          # 3 pairs weigh >= 2
    monkeypatch.setattr(network, "MAX_AUTO_EDGES", 1)
    assert network.tie_threshold(edges, None) == 3.0          # only the 5.0 pair is left
    assert network.tie_threshold(edges, 1) == 1.0             # an explicit value always wins


def test_centrality_reports_the_tie_threshold_it_used(karate_con):
    frame = network_centrality(karate_con, KARATE_SCOPE, k=10, min_weight=2)
    assert set(frame["tie_min_weight"].to_list()) == {2.0}
    strong = sum(1 for _, _, w in KARATE.edges(data="weight") if w >= 2)  # each tie is loaded both ways
    assert frame["in_degree"].sum() == 2 * strong

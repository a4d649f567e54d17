"""Network metrics: networkx's karate club loaded as generic interactions (values checked against
networkx's own functions on the original graph), and the six-person hierarchy of test_flows extended
with an isolated office (silos, bridges) worked out by hand."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import networkx as nx
import pytest
from sklearn.metrics import adjusted_rand_score, completeness_score, homogeneity_score

from metrics.network import (
    community_region_match, graph_summary, interpret_match, network_centrality, network_communities, region_bridges,
    scope_graph, silos,
)
from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.conftest import build_store
from tests.metrics.networkx_figures import assert_equal_to_networkx
from tests.metrics.test_flows import DIRECTORY, HIERARCHY_TABLES, SCOPE

KARATE = nx.karate_club_graph()
KARATE_SCOPE = Scope(date(2026, 3, 1), date(2026, 3, 31), granularity="month")
SELF_LOOPS = (0, 5, 5, 33)  # interactions of a member with themself: k05 twice, counted apart from every figure


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
    interactions += [{"interaction_id": f"self-{i}", "source_person_id": _kid(v), "target_person_id": _kid(v),
                      "kind": "meeting", "occurred_at": "2026-03-11T16:00:00Z", "weight": 1}
                     for i, v in enumerate(SELF_LOOPS)]
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


def karate_digraph() -> nx.DiGraph:
    """The karate club as the store holds it: each tie both ways, plus the self-loops."""
    graph = nx.DiGraph()
    graph.add_nodes_from(KARATE)
    graph.add_edges_from((a, b) for u, v in KARATE.edges for a, b in ((u, v), (v, u)))
    graph.add_edges_from((v, v) for v in SELF_LOOPS)
    return graph


def test_karate_graph_summary_equals_networkx(karate_con):
    rows = compute(karate_con, "graph_summary", KARATE_SCOPE).to_dicts()
    assert len(rows) == 1 and rows[0]["period"] == date(2026, 3, 1)
    row = rows[0]
    assert_equal_to_networkx(row, karate_digraph())
    # by hand: 78 ties both ways, 45 triangles, diameter 5, self-loops of 3 people (k05 twice)
    assert (row["nodes"], row["edges"], row["undirected_edges"], row["self_loops"]) == (34, 156, 78, 3)
    assert (row["largest_weak_nodes"], row["largest_weak_edges"], row["largest_strong_edges"]) == (34, 156, 156)
    assert (row["diameter"], row["diameter_exact"], row["triangles"], row["reciprocity"]) == (5, True, 45, 1.0)
    whole = compute(karate_con, "graph_summary", KARATE_SCOPE, by_period=False).row(0, named=True)
    assert whole == {**row, "period": None}


def test_karate_diameter_bounds_above_the_exact_size(karate_con):
    row = compute(karate_con, "graph_summary", KARATE_SCOPE, exact_diameter_nodes=10).row(0, named=True)
    # two double sweeps from k33 (highest degree): a real path of 5 hops (exact), and at most 2 x 3 (the
    # eccentricity of the middle node reached) -- bounds, said so
    assert (row["diameter"], row["diameter_upper"], row["diameter_exact"]) == (5, 6, False)


def test_periods_without_ties_are_zeros(karate_con):
    april = graph_summary(karate_con, Scope(date(2026, 4, 1), date(2026, 4, 30)))
    assert april["period"].to_list() == [date(2026, 3, 30) + timedelta(weeks=i) for i in range(5)]
    assert april.select("nodes", "active_nodes", "edges", "self_loops", "largest_weak_nodes", "largest_weak_edges",
                        "diameter", "triangles").unique().rows() == [(34, 0, 0, 0, 1, 0, 0, 0)]
    assert april["reciprocity"].null_count() == 5  # no tie: reciprocity undefined
    # through compute the period is clipped to the data (which end on 03-11): nothing to show
    assert compute(karate_con, "graph_summary", Scope(date(2026, 4, 1), date(2026, 4, 30))).height == 0


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
    got = [(r["level"], r["person_id"], r["office"], r["people"], r["people_with_ties"], r["ties_inside"])
           for r in silos(hierarchy_con, SCOPE).to_dicts()]
    # Torreón's two people only talk to each other; Matriz, Monterrey, Saltillo and Regional Norte talk outside
    assert got == [("office", None, "Torreón", 2, 2, 1), ("person", "x1", "Torreón", 1, 1, 1),
                   ("person", "x2", "Torreón", 1, 1, 1)]


def test_inactive_offices_are_not_silos(hierarchy_con):
    # the week of 03-09: only om2 <- st and guest -> bd; Torreón has no tie at all -- inactive, not a silo
    week = Scope(date(2026, 3, 9), date(2026, 3, 15))
    assert silos(hierarchy_con, week).is_empty()
    summary = graph_summary(hierarchy_con, week).row(0, named=True)
    assert (summary["nodes"], summary["active_nodes"]) == (9, 4)  # the five others are inactive


def test_region_bridges(hierarchy_con):
    frame = region_bridges(hierarchy_con, SCOPE)
    assert frame.select("person_id", "regions_reached", "cross_region_ties", "cross_region_weight").rows() == [
        ("bd", 1, 1, 2.0), ("st", 1, 1, 2.0), ("om2", 1, 1, 1.0), ("sd", 1, 1, 1.0)]
    assert region_bridges(hierarchy_con, SCOPE, top=2).height == 2


def test_hierarchy_weekly_summary(hierarchy_con):
    rows = graph_summary(hierarchy_con, SCOPE).to_dicts()
    # every week of March, those without ties as zeros (the first bucket starts on Monday 02-23)
    assert [r["period"] for r in rows] == [date(2026, 2, 23) + timedelta(weeks=i) for i in range(6)]
    assert [r["edges"] for r in rows] == [0, 8, 2, 0, 0, 0]
    assert [r["active_nodes"] for r in rows] == [0, 8, 4, 0, 0, 0]
    assert [r["self_loops"] for r in rows] == [0, 1, 0, 0, 0, 0]  # om1 answered their own thread (m9)
    # week 1 undirected ties: rm-om1, st-om1, om1-om2, sd-om2, st-bd, x1-x2 -> 6; triangle: none
    week = rows[1]
    assert week["undirected_edges"] == 6 and week["triangles"] == 0
    # only reciprocated pairs in week 1: om1<->om2 and st<->bd -> 4 of 8 directed edges
    assert week["reciprocity"] == pytest.approx(4 / 8)
    # largest weak component: rm, om1, st, om2, sd, bd (6 people, 7 directed ties); strong: om1<->om2 or
    # st<->bd (2 people, 2 ties each: the tie is broken by the most ties, then the first found)
    assert (week["largest_weak_nodes"], week["largest_weak_edges"]) == (6, 7)
    assert (week["largest_strong_nodes"], week["largest_strong_edges"]) == (2, 2)
    # the diameter of that component, ties undirected: rm - om1 - om2 - sd and bd - st - om1 - om2 - sd: 4 hops
    assert (week["diameter"], week["diameter_exact"]) == (4, True)


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
    assert network.tie_threshold(edges, 1) == 1.0             # an explicit value wins (up to MAX_GRAPH_EDGES)


def test_centrality_reports_the_tie_threshold_it_used(karate_con):
    frame = network_centrality(karate_con, KARATE_SCOPE, k=10, min_weight=2)
    assert set(frame["tie_min_weight"].to_list()) == {2.0}
    strong = sum(1 for _, _, w in KARATE.edges(data="weight") if w >= 2)  # each tie is loaded both ways
    assert frame["in_degree"].sum() == 2 * strong


def test_communities_against_regions_in_words(karate_con):
    row = community_region_match(karate_con, KARATE_SCOPE).row(0, named=True)
    communities = network_communities(karate_con, KARATE_SCOPE)
    by_person = dict(zip(communities["person_id"], communities["community"]))
    clubs = [KARATE.nodes[v]["club"] for v in KARATE]
    found = [by_person[_kid(v)] for v in KARATE]
    assert row["homogeneity"] == pytest.approx(homogeneity_score(clubs, found))
    assert row["completeness"] == pytest.approx(completeness_score(clubs, found))
    # the share of people whose community's largest club is their own, counted here from the communities found
    members: dict[int, list[str]] = {}
    for v in KARATE:
        members.setdefault(by_person[_kid(v)], []).append(KARATE.nodes[v]["club"])
    own = sum(max(c.count(x) for x in set(c)) for c in members.values() if len(c) >= 2) / \
        sum(len(c) for c in members.values() if len(c) >= 2)
    assert row["own_region_share"] == pytest.approx(own) and row["tied_share"] == 1.0
    # Louvain splits each club in two: every community belongs to one club (homogeneity .85), each club spans two
    assert row["interpretation"] == (
        "Las comunidades son trozos de regiones: la gente interactúa sobre todo dentro de su región, en grupos más "
        "pequeños que ella (índice de Rand ajustado 0.49, homogeneidad 0.85, completitud 0.46). La red tiene "
        "estructura de comunidades (modularidad 0.43; desde 0.3 suele ser real) y las regiones, como partición, "
        f"tienen modularidad 0.39. De quienes están en una comunidad de dos o más personas, {100 * own:.1f} % está "
        "en una donde predomina su propia región.")
    english = community_region_match(karate_con, KARATE_SCOPE, lang="en")["interpretation"][0]
    assert english.startswith("The communities are pieces of regions: people interact mostly within their region")


@pytest.mark.parametrize("scores, start", [
    ((0.9, 0.9, 0.9, 0.5), "Las comunidades reales coinciden en buena parte con las regiones"),
    ((0.2, 0.3, 0.8, 0.5), "Las comunidades juntan varias regiones"),
    ((0.01, 0.1, 0.1, 0.2), "Las comunidades atraviesan las regiones"),
    ((0.3, 0.5, 0.5, 0.5), "Las comunidades siguen las regiones solo en parte"),
])
def test_every_reading_of_the_comparison(scores, start):
    ari, h, c, modularity = scores
    text = interpret_match({"nodes_with_ties": 30, "tied_share": 0.5, "adjusted_rand_index": ari, "homogeneity": h,
                            "completeness": c, "louvain_modularity": modularity, "region_modularity": 0.1,
                            "own_region_share": None})
    assert text.startswith(start)
    assert ("apenas tiene estructura" in text) == (modularity < 0.3)
    assert interpret_match({"nodes_with_ties": 0, "louvain_modularity": None}, "en") == \
        "No ties: there are no communities to compare with the regions."
    # fewer than 20 people with a tie: too few to tell
    assert interpret_match({"nodes_with_ties": 19, "tied_share": 0.019, "louvain_modularity": 0.5}, "en").startswith(
        "Cannot say yet: only 19 people (1.9%) have a tie in this period.")

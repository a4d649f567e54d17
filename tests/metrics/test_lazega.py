"""The real Lazega law-firm co-work network (71 lawyers; /work/shared/realdata/lazega_lawfirm), loaded
through Pulso's generic interaction input with a partner > associate hierarchy; every expected figure
is computed here independently from the raw .dat files (or is the README's published figure)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import networkx as nx
import pytest

from metrics.flows import feedback_direction, region_flow_matrix, role_flow_matrix
from metrics.network import community_region_match, graph_summary, network_centrality, silos
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from pipelines.ingest import ingest
from pulso.core.settings import load_settings
from tests.conftest import REALDATA, write_csv
from tests.metrics.networkx_figures import assert_equal_to_networkx

LAZEGA = REALDATA / "lazega_lawfirm"
OFFICES = {1: "Boston", 2: "Hartford", 3: "Providence"}
STATUS = {1: "partner", 2: "associate"}
SCOPE = Scope(date(1988, 1, 1), date(1991, 12, 31))  # undated ties count in every period


def _raw():
    attrs = [list(map(int, line.split())) for line in (LAZEGA / "ELattr.dat").read_text().split("\n") if line.strip()]
    matrix = [list(map(int, line.split())) for line in (LAZEGA / "ELwork.dat").read_text().split("\n") if line.strip()]
    return attrs, matrix


def _lid(index: int) -> str:
    return f"L{index + 1:02d}"


@pytest.fixture(scope="module")
def lazega(tmp_path_factory):
    attrs, matrix = _raw()
    folder = tmp_path_factory.mktemp("lazega")
    config_path = folder / "lawfirm.toml"
    config_path.write_text('[organization]\nname = "SG&R"\ntimezone = "America/New_York"\n\n'
                           '[hierarchy]\nroles = ["partner", "associate"]\n', encoding="utf-8")
    settings = load_settings(config_path)
    directory = write_csv(folder / "lawyers.csv", [
        {"id": _lid(i), "name": f"Lawyer {i + 1}", "region": OFFICES[row[3]], "office": OFFICES[row[3]],
         "role": STATUS[row[1]]} for i, row in enumerate(attrs)])
    export = folder / "export"
    export.mkdir()
    write_csv(export / "interactions.csv", [
        {"interaction_id": f"{_lid(i)}-{_lid(j)}", "source_person_id": _lid(i), "target_person_id": _lid(j),
         "kind": "cowork"}
        for i, row in enumerate(matrix) for j, tie in enumerate(row) if tie])
    db = folder / "lazega.duckdb"
    ingest([directory, export], db, settings=settings)
    con = connect_read_only(db)
    yield con, settings, attrs, matrix
    con.close()


def test_raw_file_shape():
    attrs, matrix = _raw()
    assert len(attrs) == len(matrix) == 71 and all(len(r) == 71 for r in matrix)


def test_size_edges_and_density(lazega):
    con, config, _, _ = lazega
    row = graph_summary(con, SCOPE, by_period=False).to_dicts()[0]
    assert row["nodes"] == 71
    assert row["undirected_edges"] == 378
    assert row["edges"] == 756  # the matrix is symmetric: each tie both ways
    assert row["undirected_density"] == pytest.approx(0.1521, abs=5e-5)
    assert row["active_nodes"] == 70  # one isolate (README)
    assert row["average_clustering"] == pytest.approx(0.3853, abs=5e-5)


def test_partners_and_associates(lazega):
    con, config, _, _ = lazega
    roles = Counter(network_centrality(con, SCOPE)["role"].to_list())
    assert roles == {"partner": 36, "associate": 35}


def test_role_mixing_matches_raw_matrix(lazega):
    con, config, attrs, matrix = lazega
    expected = Counter((STATUS[attrs[i][1]], STATUS[attrs[j][1]])
                       for i, row in enumerate(matrix) for j, tie in enumerate(row) if tie)
    got = {(r["sender_role"], r["receiver_role"]): r["weight"]
           for r in role_flow_matrix(con, SCOPE).to_dicts()}
    assert got == dict(expected)
    total = sum(expected.values())
    row = feedback_direction(con, SCOPE).to_dicts()[0]
    assert row["upward"] == pytest.approx(expected[("associate", "partner")] / total)
    assert row["downward"] == pytest.approx(expected[("partner", "associate")] / total)
    assert row["horizontal"] == pytest.approx(
        (expected[("partner", "partner")] + expected[("associate", "associate")]) / total)


def test_office_mixing_matches_raw_matrix(lazega):
    con, config, attrs, matrix = lazega
    expected = Counter((OFFICES[attrs[i][3]], OFFICES[attrs[j][3]])
                       for i, row in enumerate(matrix) for j, tie in enumerate(row) if tie)
    got = {(r["sender_region"], r["receiver_region"]): r["weight"]
           for r in region_flow_matrix(con, SCOPE).to_dicts()}
    assert got == dict(expected)
    row = feedback_direction(con, SCOPE).to_dicts()[0]
    across = sum(v for (a, b), v in expected.items() if a != b)
    assert row["across_regions"] == pytest.approx(across / sum(expected.values()))


def test_office_partition_modularity(lazega):
    con, config, attrs, matrix = lazega
    graph = nx.Graph()
    graph.add_nodes_from(range(71))
    graph.add_edges_from((i, j) for i, row in enumerate(matrix) for j, tie in enumerate(row) if tie and i < j)
    offices = [{i for i, row in enumerate(attrs) if row[3] == o} for o in OFFICES]
    row = community_region_match(con, SCOPE).to_dicts()[0]
    assert row["regions"] == 3
    assert row["region_modularity"] == pytest.approx(nx.community.modularity(graph, offices))
    assert row["louvain_modularity"] > row["region_modularity"]


def test_the_isolate_is_inactive_not_a_silo(lazega):
    con, config, attrs, matrix = lazega
    isolates = [_lid(i) for i, row in enumerate(matrix) if not any(row) and not any(r[i] for r in matrix)]
    assert isolates == ["L08"]
    found = silos(con, SCOPE)
    assert "L08" not in found["person_id"].to_list()
    # a silo: every tie inside the office; computed here from the raw matrix
    office = {i: attrs[i][3] for i in range(71)}
    expected = sorted(_lid(i) for i, row in enumerate(matrix)
                      if any(row) and all(office[j] == office[i] for j, tie in enumerate(row) if tie))
    assert sorted(found.filter(level="person")["person_id"].to_list()) == expected
    assert found.filter(level="office").is_empty()  # every office has ties to the others


def raw_digraph(matrix) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(71))
    graph.add_edges_from((i, j) for i, row in enumerate(matrix) for j, tie in enumerate(row) if tie)
    return graph


def test_network_summary_equals_networkx_on_the_raw_matrix(lazega):
    con, config, _, matrix = lazega
    row = graph_summary(con, SCOPE, by_period=False).row(0, named=True)
    assert_equal_to_networkx(row, raw_digraph(matrix))
    assert (row["largest_weak_nodes"], row["largest_weak_edges"], row["self_loops"]) == (70, 756, 0)
    assert row["diameter_exact"]


def test_undated_interactions_are_one_undated_row(lazega):
    con, config, _, _ = lazega
    # the co-work survey has no dates: per period there is nothing to bucket, so one row without a period
    by_week = graph_summary(con, SCOPE)
    assert by_week.height == 1 and by_week["period"].to_list() == [None]
    row, whole = by_week.row(0, named=True), graph_summary(con, SCOPE, by_period=False).row(0, named=True)
    assert {k: v for k, v in row.items() if not isinstance(v, float)} == \
        {k: v for k, v in whole.items() if not isinstance(v, float)}
    assert row["average_clustering"] == pytest.approx(whole["average_clustering"], abs=1e-15)


def test_centrality_and_modularity_equal_networkx(lazega):
    con, config, attrs, matrix = lazega
    graph = raw_digraph(matrix)
    rows = {r["person_id"]: r for r in network_centrality(con, SCOPE).to_dicts()}
    pagerank = nx.pagerank(graph, weight="weight")
    betweenness = nx.betweenness_centrality(graph)
    for v in graph:
        row = rows[_lid(v)]
        assert (row["in_degree"], row["out_degree"]) == (graph.in_degree(v), graph.out_degree(v))
        assert row["pagerank"] == pytest.approx(pagerank[v], abs=1e-6)
        assert row["betweenness"] == pytest.approx(betweenness[v], abs=1e-12)
    match = community_region_match(con, SCOPE).row(0, named=True)
    assert (match["nodes"], match["nodes_with_ties"]) == (71, 70)

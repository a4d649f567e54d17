"""The graph summary on sparse matrices (metrics.graph_figures) against its networkx reference
(metrics.network.summary_row): every figure equal -- counts exactly, the average clustering to the last bits --
on Zachary's karate club, Lazega's lawyers, and random graphs with several components, ties between equally large
components, isolated people and diameters both exact and bounded."""

from __future__ import annotations

import random

import networkx as nx
import polars as pl
import pytest

from metrics.graph_build import build_digraph
from metrics.graph_figures import summary_figures
from metrics.network import summary_row
from tests.metrics.test_lazega import LAZEGA, _lid, _raw


def edge_frame(graph: nx.DiGraph) -> pl.DataFrame:
    return pl.DataFrame([(str(u), str(v), 1.0) for u, v in graph.edges if u != v],
                        schema={"source_person_id": pl.String, "target_person_id": pl.String, "weight": pl.Float64},
                        orient="row")


def assert_same(edges: pl.DataFrame, people: list[str] | None = None, count: int | None = None,
                exact: int = 1_000) -> dict:
    nodes = None if people is None else pl.DataFrame({"person_id": people, "region": None, "office": None,
                                                      "role": None})
    reference = summary_row(build_digraph(edges, nodes), count, 2, exact)
    sparse = summary_figures(edges, people, count, 2, exact)
    assert sparse.keys() == reference.keys()
    for key, value in reference.items():
        if isinstance(value, float):
            assert sparse[key] == pytest.approx(value, rel=1e-15, abs=1e-15), key
        else:
            assert sparse[key] == value, (key, sparse[key], value)
    return sparse


def karate() -> pl.DataFrame:
    return edge_frame(nx.karate_club_graph().to_directed())


def test_karate_exact_and_bounded():
    exact = assert_same(karate())
    assert (exact["nodes"], exact["edges"], exact["triangles"], exact["diameter"]) == (34, 156, 45, 5)
    bounded = assert_same(karate(), exact=10)  # two double sweeps: a real path of 5 hops, at most 6
    assert (bounded["diameter"], bounded["diameter_upper"], bounded["diameter_exact"]) == (5, 6, False)


def test_lazega_coworkers():
    if not LAZEGA.exists():
        pytest.fail(f"{LAZEGA} is missing (../shared/realdata)")
    _, matrix = _raw()
    pairs = [(_lid(i), _lid(j), 1.0) for i, row in enumerate(matrix) for j, tie in enumerate(row) if tie and i != j]
    edges = pl.DataFrame(pairs, schema=["source_person_id", "target_person_id", "weight"], orient="row")
    people = [_lid(i) for i in range(len(matrix))]
    whole = assert_same(edges, people)
    assert whole["nodes"] == 71 and whole["undirected_edges"] == 378  # the README's figures
    assert_same(edges, people, exact=20)


@pytest.mark.parametrize("seed", range(12))
def test_random_graphs(seed):
    rng = random.Random(seed)
    graph = nx.DiGraph()
    for part in range(rng.randint(1, 4)):  # components of random sizes, some of equal size
        size = rng.choice([2, 5, 5, 12, 30])
        names = [f"p{part}-{i:02d}" for i in range(size)]
        graph.add_edges_from((a, b) for a in names for b in names if a != b and rng.random() < 0.15)
    isolated = [f"z{i}" for i in range(rng.randint(0, 3))]
    edges = edge_frame(graph)
    people = sorted(set(edges["source_person_id"]) | set(edges["target_person_id"]) | set(isolated))
    assert_same(edges, people, exact=1_000)
    assert_same(edges, None, count=len(people) + 4, exact=rng.choice([0, 3, 8]))


def test_no_tie():
    empty = edge_frame(nx.DiGraph())
    figures = assert_same(empty, ["a", "b", "c"])
    assert (figures["nodes"], figures["edges"], figures["largest_weak_nodes"], figures["reciprocity"]) == (3, 0, 1, None)
    assert assert_same(empty, None, count=0)["largest_weak_nodes"] == 0


def test_equally_large_components_go_to_the_smallest_person():
    # a path x1-x2-x3-x4 (diameter 3) listed first, and a star around a1 (diameter 2): 4 people and 6 directed
    # edges each; the largest weak component is the one holding the smallest person, a1's star
    pairs = [("x1", "x2"), ("x2", "x3"), ("x3", "x4"), ("a1", "a2"), ("a1", "a3"), ("a1", "a4")]
    edges = pl.DataFrame([(u, v, 1.0) for a, b in pairs for u, v in ((a, b), (b, a))],
                         schema=["source_person_id", "target_person_id", "weight"], orient="row")
    figures = assert_same(edges)
    assert (figures["largest_weak_nodes"], figures["largest_weak_edges"], figures["diameter"]) == (4, 6, 2)

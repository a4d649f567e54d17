"""What networkx itself says about a graph: the expected values of graph_summary, computed only with networkx."""

from __future__ import annotations

import networkx as nx


def largest(graph: nx.DiGraph, components) -> set:
    """The component with the most nodes (then the most edges)."""
    return max(components, key=lambda c: (len(c), graph.subgraph(c).number_of_edges()))


def expected_summary(graph: nx.DiGraph) -> dict:
    """graph_summary's figures for a directed graph that may hold self-loops (counted apart, out of the rest)."""
    loops = nx.number_of_selfloops(graph)
    plain = graph.copy()
    plain.remove_edges_from(list(nx.selfloop_edges(graph)))
    und = plain.to_undirected()
    weak = largest(plain, nx.weakly_connected_components(plain))
    strong = largest(plain, nx.strongly_connected_components(plain))
    return {
        "nodes": plain.number_of_nodes(), "active_nodes": sum(1 for v in plain if plain.degree(v) > 0),
        "edges": plain.number_of_edges(), "undirected_edges": und.number_of_edges(), "self_loops": loops,
        "density": nx.density(plain), "undirected_density": nx.density(und),
        "reciprocity": nx.overall_reciprocity(plain),
        "largest_weak_nodes": len(weak), "largest_weak_edges": plain.subgraph(weak).number_of_edges(),
        "largest_strong_nodes": len(strong), "largest_strong_edges": plain.subgraph(strong).number_of_edges(),
        "diameter": nx.diameter(und.subgraph(weak)), "diameter_upper": nx.diameter(und.subgraph(weak)),
        "diameter_exact": True, "average_clustering": nx.average_clustering(und),
        "triangles": sum(nx.triangles(und).values()) // 3,
    }


def assert_equal_to_networkx(row: dict, graph: nx.DiGraph) -> None:
    """Counts exactly equal; ratios equal to the last bits."""
    expected = expected_summary(graph)
    for key, value in expected.items():
        if isinstance(value, float):
            assert abs(row[key] - value) <= 1e-12, (key, row[key], value)
        else:
            assert row[key] == value, (key, row[key], value)

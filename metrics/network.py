"""Network metrics on the weighted person graph of a scope (networkx).

The graph: one node per scoped person (bots excluded, isolated people included),
one directed edge per (sender, receiver) pair with the summed weight of their
interaction events (see ``metrics.graph_build``: replies, mentions, likes and
generic interactions; both ends in the scope). Edges are aggregated in DuckDB and
the graph is built from that frame.

The network computations are pure functions of a graph (``centrality_frame``,
``communities_frame``, ``partition_match``, ``silos_frame``, ``bridges_frame``,
``summary_row``) so a caller (dashboard) can build ``scope_graph`` once per scope
and cache it and the results; the registered metrics just chain the two. The graph summary
(``graph_summary``: one graph per period) is computed on sparse matrices by
``metrics.graph_figures``, whose networkx reference is ``summary_row``.

Definitions:
- in/out degree: distinct people who sent to / received from the person;
  in/out strength: summed weight of those edges.
- PageRank: weighted (edge weight), damping 0.85 (influencers).
- betweenness: shortest paths ignoring weights, normalised; estimated from ``k``
  sampled source nodes (fixed ``seed``) when the graph has more than ``k`` nodes,
  exact otherwise; the number of sources used is returned (``betweenness_sample_size``).
- communities: Louvain on the undirected graph (a tie's weight = both directions
  summed), fixed seed; compared with the formal regions by modularity of each
  partition and by adjusted Rand index / normalised mutual information.
- silos: people, and (region, office) pairs, with ties and none to anyone outside their office; with no tie at
  all they are inactive, not silos (people with no directory entry are not judged).
- region bridges: people tied (either direction) to people of other regions, ranked
  (people with no directory entry neither bridge nor are bridged to).
"""

from __future__ import annotations

import functools
import gc
import math
import os
import threading
from collections import Counter, OrderedDict
from dataclasses import replace

import duckdb
import networkx as nx
import polars as pl

from metrics.columns import OFFICE, PERSON_ID, REGION, ROLE, TIE_MIN_WEIGHT
from metrics.graph_build import build_digraph, pair_edges, scoped_people, self_loops, undirected
from metrics.graph_figures import summary_figures
from metrics.parameters import KINDS, LANG, SEED, limit
from metrics.registry import WHOLE_SCOPE, Parameter, col, metric
from metrics.store import data_span
from pulso.core.errors import ParameterError
from pulso.core.expr import is_duckdb
from pulso.core.periods import bucket_starts
from pulso.core.schema import NETWORK_TABLES
from pulso.core.scope import UNASSIGNED, Scope
from pulso.core.sql import frame, one

FACTS = ("people",)
ANY_FACT = ("messages", "interactions")
RESOLUTION = Parameter("resolution", {"es": "Resolución de Louvain (mayor = comunidades más pequeñas).",
                                      "en": "Louvain resolution (higher = smaller communities)."},
                       kind="float", default=1.0, minimum=0.01, maximum=100)


MAX_AUTO_EDGES = 150_000
MIN_WEIGHT = Parameter("min_weight", {
    "es": "Interacciones mínimas para contar un vínculo en la red. Vacío = automático: todas (1) mientras la red "
          "tenga hasta 150,000 pares; si tiene más, el menor mínimo que la deja por debajo (las interacciones "
          "sueltas, sobre todo 'me gusta', se dejan fuera). Un mínimo que deje más de 300,000 pares se sube al "
          "menor número entero que la deja por debajo. El valor usado se informa en el resultado.",
    "en": "Interactions needed for a tie to count in the network. Empty = automatic: all (1) while the graph has "
          "up to 150,000 pairs; above that, the smallest minimum that brings it under (single interactions, "
          "mostly likes, are left out). A minimum that would keep more than 300,000 pairs is raised to the "
          "smallest whole number that brings it under. The value used is reported in the result."},
    kind="float", default=None, minimum=0, maximum=1e9)


# The collector paused while a graph is built and measured: networkx allocates a container per node and source
# (betweenness: a list per person per sampled source) and every collection then walks the whole graph; measured on
# 20,000 people, betweenness took 11.6 s with the collector on and 0.8 s with it paused, with identical results.
_pause = {"depth": 0, "was_enabled": True}
_pause_lock = threading.Lock()


def without_gc(function):
    """Run ``function`` with the cyclic garbage collector paused (nested and concurrent calls share one pause; it
    resumes, if it was on, when the last one ends). Only around one graph's computations: a networkx graph holds
    reference cycles (its cached views), so graphs dropped during a pause wait for the collector -- a pause over
    many graphs (a loop over periods or scopes) would keep them all in memory."""
    @functools.wraps(function)
    def paused(*args, **kwargs):
        with _pause_lock:
            if _pause["depth"] == 0:
                _pause["was_enabled"] = gc.isenabled()
                gc.disable()
            _pause["depth"] += 1
        try:
            return function(*args, **kwargs)
        finally:
            with _pause_lock:
                _pause["depth"] -= 1
                if _pause["depth"] == 0 and _pause["was_enabled"]:
                    gc.enable()
    return paused


# Bounded work: no request builds a graph of more ties than this (a smaller minimum asked for is raised to the
# smallest whole number that keeps the graph under it, and the value used is reported as for the automatic rule).
MAX_GRAPH_EDGES = 300_000


def tie_threshold(edges: pl.DataFrame, min_weight: float | None) -> float:
    """The minimum tie weight to use: ``min_weight`` if given (raised, if needed, until at most
    ``MAX_GRAPH_EDGES`` ties are left), else the automatic rule of MIN_WEIGHT."""
    threshold, cap = (float(min_weight), MAX_GRAPH_EDGES) if min_weight is not None else (1.0, MAX_AUTO_EDGES)
    while (edges["weight"] >= threshold).sum() > cap:
        threshold = math.floor(threshold) + 1.0
    return threshold


@without_gc
def build_scope_graph(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None,
                      min_weight: float | None = None) -> nx.DiGraph:
    """The weighted person DiGraph of a scope; ties weaker than the threshold of ``tie_threshold`` are left out
    and the threshold is kept in ``graph.graph['min_weight']``. Always builds; see ``scope_graph``."""
    edges = pair_edges(con, scope, kinds=kinds)
    threshold = tie_threshold(edges, min_weight)
    graph = build_digraph(edges.filter(pl.col("weight") >= threshold), scoped_people(con, scope))
    graph.graph["min_weight"] = threshold
    return graph


# One graph per scope, shared by every network metric asked about it (centrality, communities, the match with
# regions, silos and bridges all read the same graph): the last few graphs built, keyed by the store's file and
# publish and by the scope, kinds and threshold. Small: a one-year graph at 10M events holds ~150,000 ties.
GRAPH_CACHE_SIZE = 3
_graphs: OrderedDict = OrderedDict()
_graphs_lock = threading.Lock()


def store_key(con) -> tuple | None:
    """What identifies the published store ``con`` reads (its file, that file's inode and modification time and
    the publish time), or None when it cannot be told (an in-memory database, another engine)."""
    if not is_duckdb(con):
        return None
    found = one(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    if not found or not found[0]:
        return None
    try:
        stat = os.stat(found[0])
    except OSError:
        return None
    published = one(con, "SELECT value FROM store_info WHERE key = 'published_at'")
    return found[0], stat.st_ino, stat.st_mtime_ns, published[0] if published else None


def scope_graph(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None, min_weight: float | None = None) -> nx.DiGraph:
    """The scope's graph (``build_scope_graph``), built once and shared while it stays among the last
    ``GRAPH_CACHE_SIZE`` asked for. The scope's granularity does not change the graph, so it is not in the key."""
    key = store_key(con)
    if key is None:
        return build_scope_graph(con, scope, kinds, min_weight)
    key = (key, replace(scope, granularity="week"), normal_kinds(kinds), min_weight)
    with _graphs_lock:
        graph = _graphs.get(key)
        if graph is not None:
            _graphs.move_to_end(key)
            return graph
    graph = build_scope_graph(con, scope, kinds, min_weight)
    with _graphs_lock:
        _graphs[key] = graph
        while len(_graphs) > GRAPH_CACHE_SIZE:
            _graphs.popitem(last=False)
    return graph


def normal_kinds(kinds) -> tuple[str, ...] | None:
    """The kinds as a sorted tuple without repeats (None: every kind): the same graph whatever the order."""
    return tuple(sorted(set(kinds))) if kinds else None


# Bounded work for betweenness: sources x (people + ties) at most this (about 15 s here); the default k = 100 stays
# whole up to 250,000 people and ties, more than the automatic tie threshold ever keeps.
BETWEENNESS_WORK = 25_000_000


@without_gc
def centrality_frame(graph: nx.DiGraph, k: int = 100, seed: int = 42) -> pl.DataFrame:
    """person_id, region, office, role, in/out degree and strength, pagerank, betweenness,
    betweenness_sample_size (sources used; = nodes when exact)."""
    n = graph.number_of_nodes()
    if n == 0:
        return pl.DataFrame(schema={"person_id": pl.String, "region": pl.String, "office": pl.String,
                                    "role": pl.String, "in_degree": pl.Int64, "out_degree": pl.Int64,
                                    "in_strength": pl.Float64, "out_strength": pl.Float64, "pagerank": pl.Float64,
                                    "betweenness": pl.Float64, "betweenness_sample_size": pl.Int64,
                                    "tie_min_weight": pl.Float64})
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else {v: 1 / n for v in graph}
    sample = k if k and n > k else n
    # bounded work: each source is one search over the whole graph; at most BETWEENNESS_WORK node and tie visits
    sample = min(sample, max(1, BETWEENNESS_WORK // (n + graph.number_of_edges())))
    betweenness = nx.betweenness_centrality(graph, k=sample if sample < n else None, seed=seed, normalized=True)
    in_strength, out_strength = dict(graph.in_degree(weight="weight")), dict(graph.out_degree(weight="weight"))
    rows = [{
        "person_id": v, "region": data.get("region"), "office": data.get("office"), "role": data.get("role"),
        "in_degree": graph.in_degree(v), "out_degree": graph.out_degree(v),
        "in_strength": float(in_strength[v]), "out_strength": float(out_strength[v]),
        "pagerank": pagerank[v], "betweenness": betweenness[v], "betweenness_sample_size": sample,
        "tie_min_weight": graph.graph.get("min_weight", 1.0),
    } for v, data in graph.nodes(data=True)]
    return pl.DataFrame(rows).sort(["pagerank", "person_id"], descending=[True, False])


@without_gc
def louvain(graph: nx.DiGraph, seed: int = 42, resolution: float = 1.0) -> list[set]:
    """Louvain communities of the undirected graph, largest first (ties by smallest member). Computed once per
    graph, seed and resolution (the communities and their match with the regions share it)."""
    cached = graph.graph.setdefault("_louvain", {})
    key = (seed, resolution, graph.number_of_nodes(), graph.number_of_edges())
    if key not in cached:
        found = nx.community.louvain_communities(undirected(graph), weight="weight", seed=seed, resolution=resolution)
        cached[key] = sorted(found, key=lambda c: (-len(c), min(c)))
    return cached[key]


@without_gc
def communities_frame(graph: nx.DiGraph, seed: int = 42, resolution: float = 1.0) -> pl.DataFrame:
    """person_id, region, office, role, community (0 = largest)."""
    rows = [{"person_id": v, "region": graph.nodes[v].get("region"), "office": graph.nodes[v].get("office"),
             "role": graph.nodes[v].get("role"), "community": i}
            for i, members in enumerate(louvain(graph, seed, resolution)) for v in sorted(members)]
    return pl.DataFrame(rows, schema={"person_id": pl.String, "region": pl.String, "office": pl.String,
                                      "role": pl.String, "community": pl.Int64})


def region_partition(graph: nx.DiGraph, attribute: str = "region") -> list[set]:
    groups: dict[object, set] = {}
    for v, value in graph.nodes(data=attribute):
        groups.setdefault(value, set()).add(v)
    return list(groups.values())


@without_gc
def partition_match(graph: nx.DiGraph, seed: int = 42, resolution: float = 1.0, lang: str = "es") -> dict:
    """Modularity of the region partition and of Louvain (all people; isolated people change neither); adjusted
    Rand index, normalised mutual information, homogeneity and completeness between the two partitions over the
    people with at least one tie (an isolated person is a community of one by construction, which says nothing
    about regions); and what that means, in words."""
    from sklearn.metrics import (  # imported when asked for: scikit-learn takes 1-2 s to import
        adjusted_rand_score, completeness_score, homogeneity_score, normalized_mutual_info_score)

    und = undirected(graph)
    communities = louvain(graph, seed, resolution)
    regions = region_partition(graph)
    has_weight = und.size(weight="weight") > 0
    label_of = {v: i for i, members in enumerate(communities) for v in members}
    region_of = {v: i for i, members in enumerate(regions) for v in members}
    tied = [v for v in und.nodes if und.degree(v) > 0]
    truth, found = [region_of[v] for v in tied], [label_of[v] for v in tied]
    compare = bool(tied)
    tied_set = set(tied)
    groups = [members & tied_set for members in communities if len(members & tied_set) >= 2]
    in_groups = sum(len(g) for g in groups)
    region_name = dict(graph.nodes(data="region"))
    own = sum(Counter(region_name[v] for v in g).most_common(1)[0][1] for g in groups)
    row = {
        "nodes": und.number_of_nodes(), "nodes_with_ties": len(tied),
        "tied_share": len(tied) / und.number_of_nodes() if und.number_of_nodes() else None, "regions": len(regions),
        "communities": len(communities), "tied_communities": len(groups),
        "own_region_share": own / in_groups if in_groups else None, "tie_min_weight": graph.graph.get("min_weight", 1.0),
        "region_modularity": nx.community.modularity(und, regions, weight="weight") if has_weight else None,
        "louvain_modularity": nx.community.modularity(und, communities, weight="weight") if has_weight else None,
        "adjusted_rand_index": adjusted_rand_score(truth, found) if compare else None,
        "normalized_mutual_info": normalized_mutual_info_score(truth, found) if compare else None,
        "homogeneity": homogeneity_score(truth, found) if compare else None,
        "completeness": completeness_score(truth, found) if compare else None,
    }
    return {**row, "interpretation": interpret_match(row, lang)}


STRUCTURE_MODULARITY = 0.3  # the usual sign of real community structure (Clauset, Newman and Moore 2004)


MIN_TIED_PEOPLE = 20  # fewer people with a tie than this: too few to say whether communities follow regions


def interpret_match(row: dict, lang: str = "es") -> str:
    """What the comparison of communities and regions means, in one or two sentences (es or en)."""
    es = lang == "es"
    if not row["nodes_with_ties"] or row["louvain_modularity"] is None:
        return "Sin vínculos: no hay comunidades que comparar con las regiones." if es else \
            "No ties: there are no communities to compare with the regions."
    if row["nodes_with_ties"] < MIN_TIED_PEOPLE:
        share = f"{100 * row['tied_share']:.1f} %" if es else f"{100 * row['tied_share']:.1f}%"
        return (f"Aún no se puede decir: solo {row['nodes_with_ties']} personas ({share}) tienen algún vínculo en este "
                "periodo. Elija un periodo más largo o cuente más tipos de interacción." if es else
                f"Cannot say yet: only {row['nodes_with_ties']} people ({share}) have a tie in this period. Choose a "
                "longer period or count more kinds of interaction.")
    ari, h, c = row["adjusted_rand_index"], row["homogeneity"], row["completeness"]
    figures = (f"índice de Rand ajustado {ari:.2f}, homogeneidad {h:.2f}, completitud {c:.2f}" if es else
               f"adjusted Rand index {ari:.2f}, homogeneity {h:.2f}, completeness {c:.2f}")
    if ari >= 0.65:
        match = ("Las comunidades reales coinciden en buena parte con las regiones" if es else
                 "The real communities largely match the regions")
    elif h >= 0.6 and c < 0.6:
        match = ("Las comunidades son trozos de regiones: la gente interactúa sobre todo dentro de su región, en grupos "
                 "más pequeños que ella" if es else
                 "The communities are pieces of regions: people interact mostly within their region, in groups "
                 "smaller than it")
    elif c >= 0.6 and h < 0.6:
        match = ("Las comunidades juntan varias regiones: hay regiones que interactúan como un solo bloque" if es else
                 "The communities join several regions: some regions interact as one block")
    elif h < 0.3 and c < 0.3:
        match = ("Las comunidades atraviesan las regiones: con quién interactúa cada persona tiene poco que ver con su "
                 "región" if es else
                 "The communities cut across the regions: whom people interact with has little to do with their "
                 "region")
    else:
        match = ("Las comunidades siguen las regiones solo en parte" if es else
                 "The communities follow the regions only in part")
    strong = row["louvain_modularity"] >= STRUCTURE_MODULARITY
    structure = (f"La red {'tiene' if strong else 'apenas tiene'} estructura de comunidades (modularidad "
                 f"{row['louvain_modularity']:.2f}; desde 0.3 suele ser real) y las regiones, como partición, "
                 f"tienen modularidad {row['region_modularity']:.2f}." if es else
                 f"The network {'has' if strong else 'has little'} community structure (modularity "
                 f"{row['louvain_modularity']:.2f}; from 0.3 it is usually real) and the regions, as a partition, "
                 f"have modularity {row['region_modularity']:.2f}.")
    own = row["own_region_share"]
    own_text = "" if own is None else (
        f" De quienes están en una comunidad de dos o más personas, {100 * own:.1f} % está en una donde predomina su "
        "propia región." if es else
        f" Of the people in a community of two or more, {100 * own:.1f}% sit in one whose largest region is their own.")
    return f"{match} ({figures}). {structure}{own_text}"


@without_gc
def silos_frame(graph: nx.DiGraph) -> pl.DataFrame:
    """level (person | office), person_id (null for offices), region, office, role, people, people_with_ties,
    ties_inside.

    A **silo** has ties, and every one of them (either direction) stays inside its own (region, office): a person
    with at least one tie, none outside; an office whose people have at least one tie among themselves and none
    with anyone outside. People and offices with no tie at all are not silos -- they are inactive (see
    graph_summary's people with ties and the inactive people list) -- and are not listed."""
    und = undirected(graph)
    home = {v: (d.get("region"), d.get("office")) for v, d in und.nodes(data=True)}
    rows, offices = [], {}
    for v, d in und.nodes(data=True):
        if d.get("office") == UNASSIGNED:
            continue  # no directory entry: office unknown, cannot be judged
        inside = sum(1 for u in und[v] if home[u] == home[v])
        outside = und.degree(v) - inside
        office = offices.setdefault(home[v], {"people": 0, "with_ties": 0, "outside": 0, "inside": 0})
        office["people"] += 1
        office["with_ties"] += 1 if inside + outside else 0
        office["outside"] += outside
        office["inside"] += inside
        if inside and not outside:
            rows.append({"level": "person", "person_id": v, "region": home[v][0], "office": home[v][1],
                         "role": d.get("role"), "people": 1, "people_with_ties": 1, "ties_inside": inside})
    for (region, office), counts in offices.items():
        if counts["inside"] and not counts["outside"]:
            rows.append({"level": "office", "person_id": None, "region": region, "office": office, "role": None,
                         "people": counts["people"], "people_with_ties": counts["with_ties"],
                         "ties_inside": counts["inside"] // 2})
    schema = {"level": pl.String, "person_id": pl.String, "region": pl.String, "office": pl.String,
              "role": pl.String, "people": pl.Int64, "people_with_ties": pl.Int64, "ties_inside": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort(["level", "region", "office", "person_id"], nulls_last=True)


@without_gc
def bridges_frame(graph: nx.DiGraph, top: int = 50) -> pl.DataFrame:
    """person_id, region, office, role, regions_reached (other regions tied to), cross_region_ties,
    cross_region_weight (both directions); ranked by regions reached, then weight."""
    und = undirected(graph)
    region = dict(und.nodes(data="region"))
    reached: dict[str, set] = {}
    ties: dict[str, int] = {}
    weight: dict[str, float] = {}
    for u, v, w in und.edges(data="weight"):
        if region[u] != region[v] and UNASSIGNED not in (region[u], region[v]):
            for a, b in ((u, v), (v, u)):
                reached.setdefault(a, set()).add(region[b])
                ties[a] = ties.get(a, 0) + 1
                weight[a] = weight.get(a, 0.0) + w
    rows = [{"person_id": v, "region": region[v], "office": und.nodes[v].get("office"),
             "role": und.nodes[v].get("role"), "regions_reached": len(reached[v]), "cross_region_ties": ties[v],
             "cross_region_weight": float(weight[v])} for v in reached]
    schema = {"person_id": pl.String, "region": pl.String, "office": pl.String, "role": pl.String,
              "regions_reached": pl.Int64, "cross_region_ties": pl.Int64, "cross_region_weight": pl.Float64}
    ranked = pl.DataFrame(rows, schema=schema).sort(
        ["regions_reached", "cross_region_weight", "person_id"], descending=[True, True, False])
    return ranked.head(top) if top else ranked


EXACT_DIAMETER_NODES = 1_000
MAX_SUMMARY_PERIODS = 160  # bounded work: a graph per period (three years by week; a year by day is refused)
MAX_EXACT_DIAMETER_NODES = 5_000  # bounded work: an exact diameter searches from up to every person of the component


@without_gc
def summary_row(graph: nx.DiGraph, people: int | None = None, self_loops: int = 0,
                exact_diameter_nodes: int = EXACT_DIAMETER_NODES) -> dict:
    """nodes (scoped people), active_nodes (with a tie), edges (directed pairs), undirected_edges, self_loops,
    density (directed), undirected_density, reciprocity, the largest weakly and strongly connected components
    in nodes and edges, the diameter of the largest weak component (ties undirected, in hops: exact up to
    ``exact_diameter_nodes`` nodes, else bounds), average_clustering (undirected, unweighted, over all people),
    triangles.

    ``people``: how many people the scope has when ``graph`` holds only the people with a tie (isolated people
    add a component of one and a clustering of 0; no need to build them). ``self_loops``: people with an
    interaction with themself (counted apart: the graph never holds them)."""
    und = undirected(graph)
    n = graph.number_of_nodes() if people is None else max(people, graph.number_of_nodes())
    e, ue = graph.number_of_edges(), und.number_of_edges()
    clustering = _clustering(und)
    if n and und.number_of_nodes():
        clustering["average_clustering"] *= und.number_of_nodes() / n
    weak = _largest(graph, nx.weakly_connected_components(graph), weak=True) if e else (set(), 0)
    strong = _largest(graph, nx.strongly_connected_components(graph), weak=False) if e else (set(), 0)
    one = 1 if n else 0  # with no tie, every person is a component of one node and no edge
    low, high = diameter_bounds(und, weak[0], exact_diameter_nodes) if e else (0, 0)
    return {
        "nodes": n, "active_nodes": sum(1 for v in graph if graph.degree(v) > 0),
        "edges": e, "undirected_edges": ue, "self_loops": int(self_loops),
        "density": e / (n * (n - 1)) if n > 1 else 0.0, "undirected_density": 2 * ue / (n * (n - 1)) if n > 1 else 0.0,
        # share of directed ties returned (networkx's overall_reciprocity, without its deep copy of the graph)
        "reciprocity": sum(1 for u, v in graph.edges if graph.has_edge(v, u)) / e if e else None,
        "largest_weak_nodes": len(weak[0]) or one, "largest_weak_edges": weak[1],
        "largest_strong_nodes": len(strong[0]) or one, "largest_strong_edges": strong[1],
        "diameter": low, "diameter_upper": high, "diameter_exact": low == high,
        **clustering,
    }


def _largest(graph: nx.DiGraph, components, weak: bool) -> tuple[set, int]:
    """The component with the most nodes (then the most edges) and its number of directed edges. Edges are
    counted only for the components of the largest size (a weak component holds every edge out of its nodes)."""
    components = list(components)
    size = max((len(c) for c in components), default=0)
    best, best_edges = set(), -1
    for component in components:
        if len(component) != size:
            continue
        if weak:
            edges = sum(d for _, d in graph.out_degree(component))
        else:
            edges = sum(1 for u in component for v in graph.successors(u) if v in component)
        if edges > best_edges or (edges == best_edges and min(component) < min(best)):  # then the smallest node
            best, best_edges = component, edges
    return best, max(best_edges, 0)


def diameter_bounds(graph: nx.Graph, component: set, exact_nodes: int = EXACT_DIAMETER_NODES) -> tuple[int, int]:
    """(lower, upper) bounds of the diameter, in hops, of ``component`` (a connected component of the undirected
    ``graph``); equal when exact.

    Up to ``exact_nodes`` nodes: networkx's exact diameter. Above: two double sweeps (Magnien, Latapy and Habib
    2009): from the highest-degree node r a breadth-first search finds the farthest node a, a search from a
    gives ecc(a), a real distance, so diameter >= ecc(a); the node m halfway along a longest path from a to the
    farthest b (the smallest node at distance ceil(ecc(a)/2) from a on a shortest path to b) gives diameter <=
    2 ecc(m) (and <= 2 ecc(r)); the second sweep starts from m. Ties go to the smallest node. The searches run on
    ``graph`` itself: from a node they never leave its component. (``metrics.graph_figures`` computes the same on
    sparse matrices; this is its networkx reference.)"""
    if len(component) <= 1:
        return 0, 0
    if len(component) <= exact_nodes:
        exact = nx.diameter(graph.subgraph(component).copy(), usebounds=True)
        return exact, exact
    start = min(component, key=lambda v: (-graph.degree(v), v))
    distances = nx.single_source_shortest_path_length(graph, start)
    lower, upper = 0, 2 * max(distances.values())
    for _ in range(2):
        far = _farthest(distances)
        from_far = nx.single_source_shortest_path_length(graph, far)
        lower = max(lower, max(from_far.values()))
        target = _farthest(from_far)
        length, half = from_far[target], (from_far[target] + 1) // 2
        from_target = nx.single_source_shortest_path_length(graph, target)
        middle = min(v for v, d in from_far.items() if d == half and from_target.get(v) == length - half)
        distances = nx.single_source_shortest_path_length(graph, middle)
        upper = min(upper, 2 * max(distances.values()))
        if lower == upper:
            break
    return lower, upper


def _farthest(distances: dict) -> object:
    top = max(distances.values())
    return min(v for v, d in distances.items() if d == top)


def _clustering(und: nx.Graph) -> dict:
    """Average (unweighted) clustering and triangle count from one triangle pass."""
    triangles = nx.triangles(und)
    n = und.number_of_nodes()
    total = 0.0
    for v, t in triangles.items():
        d = und.degree(v)
        if d > 1:
            total += 2 * t / (d * (d - 1))
    return {"average_clustering": total / n if n else 0.0, "triangles": sum(triangles.values()) // 3}


# ---- answers precomputed at publish (metrics/network_precompute.py) ----------------------------------------

# The parameters the standard scopes are precomputed with (the metrics' defaults): any other value computes on demand.
PRECOMPUTED_PARAMETERS = {"k": 100, "seed": 42, "resolution": 1.0, "exact_diameter_nodes": EXACT_DIAMETER_NODES}
NETWORK_TABLE = {t.name: t for t in NETWORK_TABLES}
POLARS_TYPES = {"VARCHAR": pl.String, "BIGINT": pl.Int64, "DOUBLE": pl.Float64, "BOOLEAN": pl.Boolean,
                "DATE": pl.Date, "INTEGER": pl.Int64}


def standard_scope_id(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None, min_weight: float | None = None,
                      **parameters) -> int | None:
    """The precomputed standard scope equal to ``scope`` (same days after clipping, the whole organisation or
    one region and nothing else, the same kinds) when every parameter is the precomputed one; else None."""
    if min_weight is not None or any(value != PRECOMPUTED_PARAMETERS[name] for name, value in parameters.items()):
        return None
    if scope.offices or scope.roles or scope.groups or len(scope.regions) > 1 or not is_duckdb(con):
        return None
    if scope.rights is not None and (scope.rights.regions is not None or scope.rights.offices is not None):
        return None  # a viewer's rights narrow the people, hence the graph
    if not one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'network_scopes' "
                    "AND database_name = current_database()")[0]:
        return None
    found = one(con, "SELECT scope_id FROM network_scopes WHERE start_day = ? AND end_day = ? "
                     "AND region IS NOT DISTINCT FROM ? AND kinds = ?",
                [scope.start, scope.end, scope.regions[0] if scope.regions else None,
                 ",".join(normal_kinds(kinds) or ())])
    return found[0] if found else None


def served(con: duckdb.DuckDBPyConnection, table: str, scope_id: int, condition: str = "TRUE",
           parameters: list | None = None, drop: tuple[str, ...] = ()) -> pl.DataFrame:
    """The stored answer of a standard scope, in its order, typed as the metric types it."""
    columns = [c for c in NETWORK_TABLE[table].columns if c.name not in ("scope_id", "position", *drop)]
    found = frame(con, f"SELECT {', '.join(c.name for c in columns)} FROM {table} WHERE scope_id = ? AND {condition} "
                       "ORDER BY position", [scope_id, *(parameters or [])])
    return found.cast({c.name: POLARS_TYPES[c.type] for c in columns})


# ---- registered metrics: build the scope's graph, then one pure computation -------------------------------

NODE = (PERSON_ID, REGION, OFFICE, ROLE)


def network_metric(name, es, en, desc_es, desc_en, def_es, def_en, columns, parameters, person_level=True):
    """Network metrics list people (person-level) unless they summarise the whole graph."""
    return metric(name, label={"es": es, "en": en}, description={"es": desc_es, "en": desc_en},
                  definition={"es": def_es, "en": def_en}, columns=columns, requires=FACTS, requires_any=ANY_FACT,
                  parameters=parameters, group="network", person_level=person_level,
                  person_columns=("person_id",) if person_level else (), cells=None if person_level else WHOLE_SCOPE)


@network_metric(
    "network_centrality", "Centralidad en la red", "Network centrality",
    "Quién recibe y envía más, quién influye (PageRank) y quién conecta (intermediación).",
    "Who receives and sends most, who influences (PageRank) and who brokers (betweenness).",
    "Grado y fuerza de entrada/salida, PageRank ponderado e intermediación estimada con k fuentes "
    "muestreadas (semilla fija) en la red ponderada de personas del alcance.",
    "In/out degree and strength, weighted PageRank and betweenness estimated from k sampled sources "
    "(fixed seed) on the scope's weighted person graph.",
    (*NODE, col("in_degree", "int", "Grado de entrada", "In-degree", "count"),
     col("out_degree", "int", "Grado de salida", "Out-degree", "count"),
     col("in_strength", "float", "Fuerza de entrada", "In-strength", "number"),
     col("out_strength", "float", "Fuerza de salida", "Out-strength", "number"),
     col("pagerank", "float", "PageRank (influencia)", "PageRank (influence)", "score"),
     col("betweenness", "float", "Intermediación", "Betweenness", "score"),
     col("betweenness_sample_size", "int", "Muestra de intermediación", "Betweenness sample", "count"), TIE_MIN_WEIGHT),
    (limit("k", 100, "Fuentes muestreadas para la intermediación (exacta si hay menos personas). Trabajo acotado: "
                     "fuentes × (personas + vínculos) no pasa de 25 millones; en una red mayor se usan menos fuentes "
                     "y se informa cuántas.",
           "Sampled sources for betweenness (exact when there are fewer people). Bounded work: sources × (people + "
           "ties) stays within 25 million; on a larger graph fewer sources are used, and said.", maximum=5000),
     SEED, KINDS,
     MIN_WEIGHT))
def network_centrality(con: duckdb.DuckDBPyConnection, scope: Scope, k: int = 100, seed: int = 42, kinds=None,
                       min_weight: float | None = None) -> pl.DataFrame:
    """See ``centrality_frame``; a standard scope's answer is the one stored at publish."""
    standard = standard_scope_id(con, scope, kinds, min_weight, k=k, seed=seed)
    if standard is not None:
        return served(con, "network_centrality", standard)
    return centrality_frame(scope_graph(con, scope, kinds, min_weight), k=k, seed=seed)


@network_metric(
    "network_communities", "Comunidades de la red", "Network communities",
    "Grupos de personas que interactúan más entre sí (Louvain).",
    "Groups of people who interact more among themselves (Louvain).",
    "Comunidades de Louvain (semilla fija) de la red no dirigida ponderada; 0 = la más grande.",
    "Louvain communities (fixed seed) of the weighted undirected graph; 0 = largest.",
    (*NODE, col("community", "int", "Comunidad", "Community", "number")), (SEED, RESOLUTION, KINDS, MIN_WEIGHT))
def network_communities(con: duckdb.DuckDBPyConnection, scope: Scope, seed: int = 42, resolution: float = 1.0,
                        kinds=None, min_weight: float | None = None) -> pl.DataFrame:
    """See ``communities_frame``; a standard scope's answer is the one stored at publish."""
    standard = standard_scope_id(con, scope, kinds, min_weight, seed=seed, resolution=resolution)
    if standard is not None:
        return served(con, "network_communities", standard)
    return communities_frame(scope_graph(con, scope, kinds, min_weight), seed=seed, resolution=resolution)


@network_metric(
    "community_region_match", "Comunidades frente a regiones", "Communities versus regions",
    "Si la red real sigue la estructura formal de regiones, en cifras y en palabras.",
    "Whether the real network follows the formal regions, in figures and in words.",
    "Modularidad de la partición por regiones y de Louvain (desde 0.3 suele indicar estructura real); índice de "
    "Rand ajustado, información mutua normalizada, homogeneidad (cada comunidad es de una sola región) y "
    "completitud (cada región queda en una sola comunidad) entre ambas particiones, sobre las personas con algún "
    "vínculo; qué parte de quienes están en una comunidad de dos o más personas está en una donde predomina su "
    "propia región; y una interpretación en palabras (con menos de 20 personas con vínculos, dice que aún no se "
    "puede saber).",
    "Modularity of the region partition and of Louvain (from 0.3 it usually means real structure); adjusted Rand "
    "index, normalised mutual information, homogeneity (each community holds one region) and completeness (each "
    "region stays in one community) between the two partitions, over the people with a tie; which share of the "
    "people in a community of two or more sit in one whose largest region is their own; and an interpretation in "
    "words (with fewer than 20 people with a tie, it says it cannot tell yet).",
    (col("nodes", "int", "Personas", "People", "count"),
     col("nodes_with_ties", "int", "Personas con vínculos", "People with ties", "count"),
     col("tied_share", "float", "Parte con vínculos", "Share with ties", "ratio"),
     col("regions", "int", "Regiones", "Regions", "count"),
     col("communities", "int", "Comunidades", "Communities", "count"),
     col("tied_communities", "int", "Comunidades de dos o más", "Communities of two or more", "count"),
     col("own_region_share", "float", "En una comunidad de su región", "In a community of their region", "ratio"),
     TIE_MIN_WEIGHT,
     col("region_modularity", "float", "Modularidad de las regiones", "Region modularity", "score"),
     col("louvain_modularity", "float", "Modularidad de Louvain", "Louvain modularity", "score"),
     col("adjusted_rand_index", "float", "Índice de Rand ajustado", "Adjusted Rand index", "score"),
     col("normalized_mutual_info", "float", "Información mutua normalizada", "Normalised mutual information", "score"),
     col("homogeneity", "float", "Homogeneidad", "Homogeneity", "score"),
     col("completeness", "float", "Completitud", "Completeness", "score"),
     col("interpretation", "str", "Qué significa", "What it means", "text")),
    (SEED, RESOLUTION, KINDS, MIN_WEIGHT, LANG), person_level=False)
def community_region_match(con: duckdb.DuckDBPyConnection, scope: Scope, seed: int = 42, resolution: float = 1.0,
                           kinds=None, min_weight: float | None = None, lang: str = "es") -> pl.DataFrame:
    """One row (modularities and scores null when the graph has no edge); a standard scope's figures are the ones
    stored at publish, and the sentence is written from them in the language asked."""
    standard = standard_scope_id(con, scope, kinds, min_weight, seed=seed, resolution=resolution)
    if standard is not None:
        row = served(con, "network_match", standard).row(0, named=True)
        row = {**row, "interpretation": interpret_match(row, lang)}
    else:
        row = partition_match(scope_graph(con, scope, kinds, min_weight), seed=seed, resolution=resolution, lang=lang)
    return pl.DataFrame([row], schema={"nodes": pl.Int64, "nodes_with_ties": pl.Int64, "tied_share": pl.Float64,
                                       "regions": pl.Int64, "communities": pl.Int64, "tied_communities": pl.Int64,
                                       "own_region_share": pl.Float64, "tie_min_weight": pl.Float64,
                                       "region_modularity": pl.Float64, "louvain_modularity": pl.Float64,
                                       "adjusted_rand_index": pl.Float64, "normalized_mutual_info": pl.Float64,
                                       "homogeneity": pl.Float64, "completeness": pl.Float64,
                                       "interpretation": pl.String})


@network_metric(
    "silos", "Silos", "Silos",
    "Personas y oficinas que solo tienen vínculos dentro de su oficina.",
    "People and offices whose ties all stay inside their own office.",
    "Personas (y oficinas) con al menos un vínculo y todos, en cualquier dirección, dentro de su oficina. Quien "
    "no tiene ningún vínculo no es un silo sino inactivo (ver personas con vínculos en el resumen de la red y "
    "las personas inactivas) y no se lista.",
    "People (and offices) with at least one tie, all of them, in either direction, inside their office. People "
    "and offices with no tie at all are not silos but inactive (see people with ties in the network summary "
    "and the inactive people) and are not listed.",
    (col("level", "str", "Nivel", "Level", "code"), PERSON_ID, REGION, OFFICE, ROLE,
     col("people", "int", "Personas", "People", "count"),
     col("people_with_ties", "int", "Personas con vínculos", "People with ties", "count"),
     col("ties_inside", "int", "Vínculos internos", "Ties inside", "count")), (KINDS, MIN_WEIGHT))
def silos(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None, min_weight: float | None = None) -> pl.DataFrame:
    """See ``silos_frame``; a standard scope's answer is the one stored at publish."""
    standard = standard_scope_id(con, scope, kinds, min_weight)
    if standard is not None:
        return served(con, "network_silos", standard)
    return silos_frame(scope_graph(con, scope, kinds, min_weight))


@network_metric(
    "region_bridges", "Puentes entre regiones", "Region bridges",
    "Personas que conectan su región con otras.", "People who connect their region with others.",
    "Personas con vínculos a otras regiones, ordenadas por regiones alcanzadas y peso de esos vínculos.",
    "People with ties to other regions, ranked by regions reached and the weight of those ties.",
    (*NODE, col("regions_reached", "int", "Regiones alcanzadas", "Regions reached", "count"),
     col("cross_region_ties", "int", "Vínculos entre regiones", "Cross-region ties", "count"),
     col("cross_region_weight", "float", "Peso entre regiones", "Cross-region weight", "number")),
    (limit("top", 50, "Cuántas personas mostrar (0 = todas).", "How many people to show (0 = all).", minimum=0),
     KINDS, MIN_WEIGHT))
def region_bridges(con: duckdb.DuckDBPyConnection, scope: Scope, top: int = 50, kinds=None,
                   min_weight: float | None = None) -> pl.DataFrame:
    """See ``bridges_frame``; a standard scope's answer is the one stored at publish (every bridge, ranked)."""
    standard = standard_scope_id(con, scope, kinds, min_weight)
    if standard is not None:
        ranked = served(con, "network_bridges", standard)
        return ranked.head(top) if top else ranked
    return bridges_frame(scope_graph(con, scope, kinds, min_weight), top=top)


SUMMARY_SCHEMA = {"period": pl.Date, "nodes": pl.Int64, "active_nodes": pl.Int64, "edges": pl.Int64,
                  "undirected_edges": pl.Int64, "self_loops": pl.Int64, "density": pl.Float64,
                  "undirected_density": pl.Float64, "reciprocity": pl.Float64, "largest_weak_nodes": pl.Int64,
                  "largest_weak_edges": pl.Int64, "largest_strong_nodes": pl.Int64, "largest_strong_edges": pl.Int64,
                  "diameter": pl.Int64, "diameter_upper": pl.Int64, "diameter_exact": pl.Boolean,
                  "average_clustering": pl.Float64, "triangles": pl.Int64, "tie_min_weight": pl.Float64}


@network_metric(
    "graph_summary", "Resumen de la red", "Network summary",
    "Tamaño, densidad, componentes, diámetro, agrupamiento y triángulos de la red, por periodo.",
    "Size, density, components, diameter, clustering and triangles of the network, per period.",
    "Por periodo de la granularidad (todos, también los que no tienen vínculos, con ceros; las interacciones sin "
    "fecha, en una fila sin periodo): personas, personas con vínculos, vínculos dirigidos y no dirigidos, "
    "auto-interacciones (personas con un lazo consigo mismas: contadas aparte, fuera de las demás cifras), "
    "densidad, reciprocidad, mayores componentes débil y fuerte en personas y vínculos (entre dos igual de grandes, "
    "el de la persona con el menor identificador), diámetro del mayor componente (vínculos no dirigidos, en saltos: "
    "exacto hasta 1,000 personas, si no cotas inferior y superior, y se dice), agrupamiento medio y triángulos. Las "
    "mismas cifras que networkx (calculadas sobre matrices dispersas con scipy). Cada red cuenta todos sus "
    "vínculos hasta 150,000 pares; más allá, como las demás medidas de red, los del mínimo automático (informado).",
    "Per bucket of the granularity (every one, those without ties too, with zeros; undated interactions in one "
    "row without a period): people, people with ties, directed and undirected ties, self-loops (people with a tie "
    "to themself: counted apart, out of every other figure), density, reciprocity, largest weakly and strongly "
    "connected components in people and ties (of two equally large, the one with the smallest person id), diameter "
    "of the largest component (ties undirected, in hops: exact up to 1,000 people, else a lower and an upper bound, "
    "and said so), average clustering and triangles. The same figures as networkx (computed on sparse matrices "
    "with scipy). Each graph counts all its ties up to 150,000 pairs; beyond, like the other network "
    "measures, those of the automatic minimum (reported).",
    (col("period", "date", "Periodo", "Period", "date"), col("nodes", "int", "Personas", "People", "count"),
     col("active_nodes", "int", "Personas con vínculos", "People with ties", "count"),
     col("edges", "int", "Vínculos dirigidos", "Directed ties", "count"),
     col("undirected_edges", "int", "Vínculos", "Ties", "count"),
     col("self_loops", "int", "Auto-interacciones", "Self-loops", "count"),
     col("density", "float", "Densidad", "Density", "ratio"),
     col("undirected_density", "float", "Densidad no dirigida", "Undirected density", "ratio"),
     col("reciprocity", "float", "Reciprocidad", "Reciprocity", "ratio"),
     col("largest_weak_nodes", "int", "Mayor componente débil (personas)", "Largest weak component (people)", "count"),
     col("largest_weak_edges", "int", "Mayor componente débil (vínculos)", "Largest weak component (ties)", "count"),
     col("largest_strong_nodes", "int", "Mayor componente fuerte (personas)", "Largest strong component (people)",
         "count"),
     col("largest_strong_edges", "int", "Mayor componente fuerte (vínculos)", "Largest strong component (ties)",
         "count"),
     col("diameter", "int", "Diámetro (o cota inferior)", "Diameter (or lower bound)", "count"),
     col("diameter_upper", "int", "Diámetro: cota superior", "Diameter: upper bound", "count"),
     col("diameter_exact", "bool", "Diámetro exacto", "Exact diameter", "bool"),
     col("average_clustering", "float", "Agrupamiento medio", "Average clustering", "score"),
     col("triangles", "int", "Triángulos", "Triangles", "count"), TIE_MIN_WEIGHT),
    (Parameter("by_period", {"es": "Una fila por periodo (más una para lo que no tiene fecha) o una sola fila para "
                                   "todo el alcance.",
                             "en": "One row per period (plus one for what has no date) or one row for the whole "
                                   "scope."}, kind="bool", default=True), KINDS,
     Parameter("exact_diameter_nodes", {"es": "Personas del mayor componente hasta las que el diámetro es exacto.",
                                        "en": "People in the largest component up to which the diameter is exact."},
               kind="int", default=EXACT_DIAMETER_NODES, minimum=0, maximum=MAX_EXACT_DIAMETER_NODES), MIN_WEIGHT),
    person_level=False)
def graph_summary(con: duckdb.DuckDBPyConnection, scope: Scope, by_period: bool = True, kinds=None,
                  exact_diameter_nodes: int = EXACT_DIAMETER_NODES, min_weight: float | None = None) -> pl.DataFrame:
    """period (the bucket's first day; null for the undated row and for by_period=False), the keys of
    ``summary_row`` and tie_min_weight. Every bucket of the scope has a row, zeros when it has no tie. Each graph
    keeps every tie up to MAX_AUTO_EDGES pairs, else the ties of the automatic minimum (or of ``min_weight``,
    within MAX_GRAPH_EDGES): bounded work. A standard scope's answer (every kind; by week, or for the whole
    scope) is the one stored at publish."""
    if not by_period or scope.granularity == "week":
        standard = standard_scope_id(con, scope, kinds, min_weight, exact_diameter_nodes=exact_diameter_nodes)
        if standard is not None:
            stored = served(con, "network_summary", standard, "by_period = ?", [by_period], drop=("by_period",))
            if stored.height:  # summaries are stored for the scopes that count every kind
                return stored
    people = scoped_people(con, scope)
    loops = self_loops(con, scope, kinds=kinds, by_period=by_period)

    @without_gc  # one period's graph at a time: built, measured, dropped
    def row(period, edges: pl.DataFrame, nodes: pl.DataFrame | None = None, people_count: int | None = None) -> dict:
        threshold = tie_threshold(edges, min_weight)
        if min_weight is not None or threshold > 1.0:  # all ties while the graph is small enough
            edges = edges.filter(pl.col("weight") >= threshold)
        figures = summary_figures(edges, None if nodes is None else nodes["person_id"].to_list(), people_count,
                                  loops.get(period, 0), exact_diameter_nodes)
        return {"period": period, **figures, "tie_min_weight": threshold}

    if not by_period:
        return pl.DataFrame([row(None, pair_edges(con, scope, kinds=kinds), people)], schema=SUMMARY_SCHEMA)
    # every bucket of the scope, those without ties too; none when the store holds no dated fact at all
    periods = bucket_starts(scope.start, scope.end, scope.granularity) if data_span(con) else []
    if len(periods) > MAX_SUMMARY_PERIODS:  # bounded work: one graph per period
        raise ParameterError(f"graph_summary by period: at most {MAX_SUMMARY_PERIODS} periods in one request, this "
                             f"one has {len(periods)} ({scope.granularity}); choose a coarser granularity, a shorter "
                             "period or by_period=false")
    edges = pair_edges(con, scope, kinds=kinds, by_period=True, undated=True)
    parts = {period: part for (period,), part in edges.group_by("period")}
    empty = edges.clear()
    rows = [row(period, parts.get(period, empty), people_count=people.height) for period in periods]
    if None in parts or None in loops:  # undated interactions (e.g. a survey): one row of their own
        rows.append(row(None, parts.get(None, empty), people_count=people.height))
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA)

"""Network metrics on the weighted person graph of a scope (networkx).

The graph: one node per scoped person (bots excluded, isolated people included),
one directed edge per (sender, receiver) pair with the summed weight of their
interaction events (see ``metrics.graph_build``: replies, mentions, likes and
generic interactions; both ends in the scope). Edges are aggregated in DuckDB and
the graph is built from that frame.

The network computations are pure functions of a graph (``centrality_frame``,
``communities_frame``, ``partition_match``, ``silos_frame``, ``bridges_frame``,
``summary_row``) so a caller (dashboard) can build ``scope_graph`` once per scope
and cache it and the results; the registered metrics just chain the two.

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
- silos: people, and (region, office) pairs, with no tie to anyone outside their office
  (people with no directory entry are not judged).
- region bridges: people tied (either direction) to people of other regions, ranked
  (people with no directory entry neither bridge nor are bridged to).
"""

from __future__ import annotations

import duckdb
import networkx as nx
import polars as pl
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from metrics.columns import OFFICE, PERSON_ID, REGION, ROLE, TIE_MIN_WEIGHT
from metrics.graph_build import build_digraph, pair_edges, scoped_people, undirected
from metrics.parameters import KINDS, SEED, limit
from metrics.registry import WHOLE_SCOPE, Parameter, col, metric
from pulso.core.scope import UNASSIGNED, Scope

FACTS = ("people",)
ANY_FACT = ("messages", "interactions")
RESOLUTION = Parameter("resolution", {"es": "Resolución de Louvain (mayor = comunidades más pequeñas).",
                                      "en": "Louvain resolution (higher = smaller communities)."},
                       kind="float", default=1.0, minimum=0.01, maximum=100)


MAX_AUTO_EDGES = 150_000
MIN_WEIGHT = Parameter("min_weight", {
    "es": "Interacciones mínimas para contar un vínculo en la red. Vacío = automático: todas (1) mientras la red "
          "tenga hasta 150,000 pares; si tiene más, el menor mínimo que la deja por debajo (las interacciones "
          "sueltas, sobre todo 'me gusta', se dejan fuera). El valor usado se informa en el resultado.",
    "en": "Interactions needed for a tie to count in the network. Empty = automatic: all (1) while the graph has "
          "up to 150,000 pairs; above that, the smallest minimum that brings it under (single interactions, "
          "mostly likes, are left out). The value used is reported in the result."},
    kind="float", default=None, minimum=0, maximum=1e9)


def tie_threshold(edges: pl.DataFrame, min_weight: float | None) -> float:
    """The minimum tie weight to use: ``min_weight`` if given, else the automatic rule of MIN_WEIGHT."""
    if min_weight is not None:
        return float(min_weight)
    threshold = 1.0
    while (edges["weight"] >= threshold).sum() > MAX_AUTO_EDGES:
        threshold += 1.0
    return threshold


def scope_graph(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None, min_weight: float | None = None) -> nx.DiGraph:
    """The weighted person DiGraph of a scope (compute once, cache by scope); ties weaker than the
    threshold of ``tie_threshold`` are left out and the threshold is kept in ``graph.graph['min_weight']``."""
    edges = pair_edges(con, scope, kinds=kinds)
    threshold = tie_threshold(edges, min_weight)
    graph = build_digraph(edges.filter(pl.col("weight") >= threshold), scoped_people(con, scope))
    graph.graph["min_weight"] = threshold
    return graph


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


def louvain(graph: nx.DiGraph, seed: int = 42, resolution: float = 1.0) -> list[set]:
    """Louvain communities of the undirected graph, largest first (ties by smallest member)."""
    found = nx.community.louvain_communities(undirected(graph), weight="weight", seed=seed, resolution=resolution)
    return sorted(found, key=lambda c: (-len(c), min(c)))


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


def partition_match(graph: nx.DiGraph, seed: int = 42, resolution: float = 1.0) -> dict:
    """Modularity of the region partition and of Louvain, and ARI / NMI between the two."""
    und = undirected(graph)
    communities = louvain(graph, seed, resolution)
    regions = region_partition(graph)
    has_weight = und.size(weight="weight") > 0
    label_of = {v: i for i, members in enumerate(communities) for v in members}
    region_of = {v: i for i, members in enumerate(regions) for v in members}
    nodes = list(und.nodes)
    return {
        "nodes": len(nodes), "regions": len(regions), "communities": len(communities),
        "tie_min_weight": graph.graph.get("min_weight", 1.0),
        "region_modularity": nx.community.modularity(und, regions, weight="weight") if has_weight else None,
        "louvain_modularity": nx.community.modularity(und, communities, weight="weight") if has_weight else None,
        "adjusted_rand_index": adjusted_rand_score([region_of[v] for v in nodes], [label_of[v] for v in nodes])
        if nodes else None,
        "normalized_mutual_info": normalized_mutual_info_score([region_of[v] for v in nodes],
                                                               [label_of[v] for v in nodes]) if nodes else None,
    }


def silos_frame(graph: nx.DiGraph) -> pl.DataFrame:
    """level (person | office), person_id (null for offices), region, office, role, people, ties_inside.

    Only people / offices whose every tie (either direction) stays inside their own (region, office);
    isolated people are included (ties_inside = 0)."""
    und = undirected(graph)
    home = {v: (d.get("region"), d.get("office")) for v, d in und.nodes(data=True)}
    rows, offices = [], {}
    for v, d in und.nodes(data=True):
        if d.get("office") == UNASSIGNED:
            continue  # no directory entry: office unknown, cannot be judged
        inside = sum(1 for u in und[v] if home[u] == home[v])
        outside = und.degree(v) - inside
        office = offices.setdefault(home[v], {"people": 0, "outside": 0, "inside": 0})
        office["people"] += 1
        office["outside"] += outside
        office["inside"] += inside
        if outside == 0:
            rows.append({"level": "person", "person_id": v, "region": home[v][0], "office": home[v][1],
                         "role": d.get("role"), "people": 1, "ties_inside": inside})
    for (region, office), counts in offices.items():
        if counts["outside"] == 0:
            rows.append({"level": "office", "person_id": None, "region": region, "office": office, "role": None,
                         "people": counts["people"], "ties_inside": counts["inside"] // 2})
    schema = {"level": pl.String, "person_id": pl.String, "region": pl.String, "office": pl.String,
              "role": pl.String, "people": pl.Int64, "ties_inside": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort(["level", "region", "office", "person_id"], nulls_last=True)


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


def summary_row(graph: nx.DiGraph, people: int | None = None) -> dict:
    """nodes (scoped people), active_nodes (with a tie), edges (directed pairs), undirected_edges,
    density (directed), undirected_density, reciprocity, largest_weak_component,
    largest_strong_component, average_clustering (undirected, unweighted, over all people), triangles.

    ``people``: how many people the scope has when ``graph`` holds only the people with a tie
    (isolated people add a component of one and a clustering of 0; no need to build them)."""
    und = undirected(graph)
    n = graph.number_of_nodes() if people is None else max(people, graph.number_of_nodes())
    e, ue = graph.number_of_edges(), und.number_of_edges()
    clustering = _clustering(und)
    if n and und.number_of_nodes():
        clustering["average_clustering"] *= und.number_of_nodes() / n
    return {
        "nodes": n, "active_nodes": sum(1 for v in graph if graph.degree(v) > 0),
        "edges": e, "undirected_edges": ue,
        "density": e / (n * (n - 1)) if n > 1 else 0.0, "undirected_density": 2 * ue / (n * (n - 1)) if n > 1 else 0.0,
        # share of directed ties returned (networkx's overall_reciprocity, without its deep copy of the graph)
        "reciprocity": sum(1 for u, v in graph.edges if graph.has_edge(v, u)) / e if e else None,
        "largest_weak_component": max((len(c) for c in nx.weakly_connected_components(graph)), default=1 if n else 0),
        "largest_strong_component": max((len(c) for c in nx.strongly_connected_components(graph)), default=1 if n else 0),
        **clustering,
    }


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
    (limit("k", 100, "Fuentes muestreadas para la intermediación (exacta si hay menos personas).",
           "Sampled sources for betweenness (exact when there are fewer people).", maximum=5000), SEED, KINDS,
     MIN_WEIGHT))
def network_centrality(con: duckdb.DuckDBPyConnection, scope: Scope, k: int = 100, seed: int = 42, kinds=None,
                       min_weight: float | None = None) -> pl.DataFrame:
    """See ``centrality_frame``."""
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
    """See ``communities_frame``."""
    return communities_frame(scope_graph(con, scope, kinds, min_weight), seed=seed, resolution=resolution)


@network_metric(
    "community_region_match", "Comunidades frente a regiones", "Communities versus regions",
    "Si la red real sigue la estructura formal de regiones.", "Whether the real network follows the formal regions.",
    "Modularidad de la partición por regiones y de Louvain; índice de Rand ajustado e información mutua "
    "normalizada entre ambas particiones.",
    "Modularity of the region partition and of Louvain; adjusted Rand index and normalised mutual "
    "information between the two partitions.",
    (col("nodes", "int", "Personas", "People", "count"), col("regions", "int", "Regiones", "Regions", "count"),
     col("communities", "int", "Comunidades", "Communities", "count"), TIE_MIN_WEIGHT,
     col("region_modularity", "float", "Modularidad de las regiones", "Region modularity", "score"),
     col("louvain_modularity", "float", "Modularidad de Louvain", "Louvain modularity", "score"),
     col("adjusted_rand_index", "float", "Índice de Rand ajustado", "Adjusted Rand index", "score"),
     col("normalized_mutual_info", "float", "Información mutua normalizada", "Normalised mutual information", "score")),
    (SEED, RESOLUTION, KINDS, MIN_WEIGHT), person_level=False)
def community_region_match(con: duckdb.DuckDBPyConnection, scope: Scope, seed: int = 42, resolution: float = 1.0,
                           kinds=None, min_weight: float | None = None) -> pl.DataFrame:
    """One row (modularities null when the graph has no edge)."""
    row = partition_match(scope_graph(con, scope, kinds, min_weight), seed=seed, resolution=resolution)
    return pl.DataFrame([row], schema={"nodes": pl.Int64, "regions": pl.Int64, "communities": pl.Int64,
                                       "tie_min_weight": pl.Float64,
                                       "region_modularity": pl.Float64, "louvain_modularity": pl.Float64,
                                       "adjusted_rand_index": pl.Float64, "normalized_mutual_info": pl.Float64})


@network_metric(
    "silos", "Silos", "Silos",
    "Personas y oficinas sin ningún vínculo fuera de su oficina.",
    "People and offices with no tie outside their own office.",
    "Personas (y oficinas) cuyos vínculos, en cualquier dirección, quedan todos dentro de su oficina; "
    "incluye a quien no tiene vínculos.",
    "People (and offices) whose ties, in either direction, all stay inside their office; people with "
    "no tie at all are included.",
    (col("level", "str", "Nivel", "Level", "code"), PERSON_ID, REGION, OFFICE, ROLE,
     col("people", "int", "Personas", "People", "count"),
     col("ties_inside", "int", "Vínculos internos", "Ties inside", "count")), (KINDS, MIN_WEIGHT))
def silos(con: duckdb.DuckDBPyConnection, scope: Scope, kinds=None, min_weight: float | None = None) -> pl.DataFrame:
    """See ``silos_frame``."""
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
    """See ``bridges_frame``."""
    return bridges_frame(scope_graph(con, scope, kinds, min_weight), top=top)


SUMMARY_SCHEMA = {"period": pl.Date, "nodes": pl.Int64, "active_nodes": pl.Int64, "edges": pl.Int64,
                  "undirected_edges": pl.Int64, "density": pl.Float64, "undirected_density": pl.Float64,
                  "reciprocity": pl.Float64, "largest_weak_component": pl.Int64, "largest_strong_component": pl.Int64,
                  "average_clustering": pl.Float64, "triangles": pl.Int64}


@network_metric(
    "graph_summary", "Resumen de la red", "Network summary",
    "Tamaño, densidad, componentes, agrupamiento y triángulos de la red, por periodo.",
    "Size, density, components, clustering and triangles of the network, per period.",
    "Por periodo de la granularidad: personas, personas con vínculos, aristas dirigidas y no dirigidas, "
    "densidad, reciprocidad, mayores componentes débil y fuerte, agrupamiento medio y triángulos.",
    "Per bucket of the granularity: people, people with ties, directed and undirected edges, density, "
    "reciprocity, largest weakly and strongly connected components, average clustering and triangles.",
    (col("period", "date", "Periodo", "Period", "date"), col("nodes", "int", "Personas", "People", "count"),
     col("active_nodes", "int", "Personas con vínculos", "People with ties", "count"),
     col("edges", "int", "Vínculos dirigidos", "Directed ties", "count"),
     col("undirected_edges", "int", "Vínculos", "Ties", "count"),
     col("density", "float", "Densidad", "Density", "ratio"),
     col("undirected_density", "float", "Densidad no dirigida", "Undirected density", "ratio"),
     col("reciprocity", "float", "Reciprocidad", "Reciprocity", "ratio"),
     col("largest_weak_component", "int", "Mayor componente débil", "Largest weak component", "count"),
     col("largest_strong_component", "int", "Mayor componente fuerte", "Largest strong component", "count"),
     col("average_clustering", "float", "Agrupamiento medio", "Average clustering", "score"),
     col("triangles", "int", "Triángulos", "Triangles", "count")),
    (Parameter("by_period", {"es": "Una fila por periodo (sin fecha no cuenta) o una sola fila para todo el alcance.",
                             "en": "One row per period (undated interactions left out) or one row for the whole "
                                   "scope."}, kind="bool", default=True), KINDS), person_level=False)
def graph_summary(con: duckdb.DuckDBPyConnection, scope: Scope, by_period: bool = True, kinds=None) -> pl.DataFrame:
    """period (DATE bucket start; null for by_period=False) and the keys of ``summary_row``."""
    people = scoped_people(con, scope)
    if not by_period:
        rows = [{"period": None, **summary_row(build_digraph(pair_edges(con, scope, kinds=kinds), people))}]
    else:
        edges = pair_edges(con, scope, kinds=kinds, by_period=True)
        rows = [{"period": period, **summary_row(build_digraph(part), people.height)}
                for (period,), part in edges.sort("period").group_by("period", maintain_order=True)]
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA)

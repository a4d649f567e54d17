"""Communities against regions, among the people who interact: the figures behind a sentence.

``community_region_match`` (metrics/network.py) compares Louvain communities with the regions over every person
in scope; in a short period most people have no tie, each counts as a community of their own, and the
comparison says little. Here the same graph (``metrics.network.scope_graph``) and the same Louvain communities
(``metrics.network.louvain``, fixed seed) are read among the **tied people** only (at least one tie of the
chosen kinds in the period):

* ``tied_share``: tied people ÷ people in scope;
* ``communities``: communities of two or more tied people;
* ``own_region_share``: the share of tied people whose community's largest region is their own region
  (1 = every community is one region; low = communities cut across regions);
* ``normalized_mutual_info``: between communities and regions, over the tied people.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import polars as pl
from sklearn.metrics import normalized_mutual_info_score

from metrics.network import ANY_FACT, FACTS, MIN_WEIGHT, RESOLUTION, louvain, scope_graph
from metrics.parameters import KINDS, SEED
from metrics.registry import col, metric
from pulso.core.scope import Scope

SCHEMA = {"people": pl.Int64, "tied_people": pl.Int64, "tied_share": pl.Float64, "communities": pl.Int64,
          "regions": pl.Int64, "own_region_share": pl.Float64, "normalized_mutual_info": pl.Float64}


@metric("communities_and_regions",
        label={"es": "Comunidades y regiones", "en": "Communities and regions"},
        description={"es": "Entre quienes interactúan: ¿las comunidades que forman son sus regiones?",
                     "en": "Among the people who interact: are the communities they form their regions?"},
        definition={"es": "Comunidades de Louvain (semilla fija) de la red del alcance, leídas solo entre las personas "
                          "con al menos un vínculo: qué parte de ellas tiene vínculos, cuántas comunidades de dos o "
                          "más personas hay, qué parte de ellas está en una comunidad donde predomina su propia región, "
                          "y la información mutua normalizada entre comunidades y regiones (0 = nada en común, 1 = "
                          "iguales).",
                    "en": "Louvain communities (fixed seed) of the scope's network, read only among the people with "
                          "at least one tie: which share of people have ties, how many communities of two or more "
                          "there are, which share of tied people sit in a community whose largest region is their "
                          "own, and the normalised mutual information between communities and regions (0 = nothing "
                          "in common, 1 = the same)."},
        columns=(col("people", "int", "Personas", "People", "count"),
                 col("tied_people", "int", "Personas con vínculos", "People with ties", "count"),
                 col("tied_share", "float", "Parte con vínculos", "Share with ties", "ratio"),
                 col("communities", "int", "Comunidades", "Communities", "count"),
                 col("regions", "int", "Regiones", "Regions", "count"),
                 col("own_region_share", "float", "En una comunidad de su región", "In a community of their region",
                     "ratio"),
                 col("normalized_mutual_info", "float", "Información mutua normalizada", "Normalised mutual information",
                     "score")),
        requires=FACTS, requires_any=ANY_FACT, parameters=(SEED, RESOLUTION, KINDS, MIN_WEIGHT), group="network")
def communities_and_regions(con: duckdb.DuckDBPyConnection, scope: Scope, seed: int = 42, resolution: float = 1.0,
                            kinds=None, min_weight: float | None = None) -> pl.DataFrame:
    graph = scope_graph(con, scope, kinds, min_weight)
    people = graph.number_of_nodes()
    tied = {v for v in graph if graph.degree(v) > 0}
    region = dict(graph.nodes(data="region"))
    groups = [members & tied for members in louvain(graph, seed, resolution)] if tied else []
    groups = [g for g in groups if len(g) >= 2]
    in_groups = [v for g in groups for v in g]
    own = sum(Counter(region[v] for v in g).most_common(1)[0][1] for g in groups)
    label = {v: i for i, g in enumerate(groups) for v in g}
    nmi = normalized_mutual_info_score([region[v] for v in in_groups], [label[v] for v in in_groups]) \
        if len(in_groups) >= 2 else None
    return pl.DataFrame([{
        "people": people, "tied_people": len(tied), "tied_share": len(tied) / people if people else None,
        "communities": len(groups), "regions": len({region[v] for v in in_groups}),
        "own_region_share": own / len(in_groups) if in_groups else None, "normalized_mutual_info": nmi}],
        schema=SCHEMA)

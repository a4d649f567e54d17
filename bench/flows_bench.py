"""Flows: edge aggregation in DuckDB, graph construction and each network
metric on the scope's person graph (one-year scope, all people)."""

from __future__ import annotations

from pathlib import Path



CHILD = """
from datetime import timedelta
from metrics.graph_build import build_digraph, pair_edges, scoped_people
from metrics import network
from pulso.core.scope import Scope
from metrics.store import connect_read_only
con = connect_read_only({db!r})
last = con.execute("SELECT max(day) FROM person_day_activity").fetchall()[0][0]
scope = Scope(last - timedelta(days=364), last)
def timed(step, fn, note=""):
    start = time.perf_counter()
    value = fn()
    print("STEP " + json.dumps(dict(step=step, seconds=time.perf_counter() - start, note=note)))
    return value
edges = timed("aggregate edges (DuckDB)", lambda: pair_edges(con, scope))
people = timed("scoped people", lambda: scoped_people(con, scope))
graph = timed("build DiGraph", lambda: build_digraph(edges, people),
              note=f"{{edges.height}} weighted edges")
timed("centrality (degree, strength, PageRank, betweenness k={k})", lambda: network.centrality_frame(graph, k={k}),
      note=f"{{graph.number_of_nodes()}} nodes")
timed("Louvain communities", lambda: network.communities_frame(graph))
timed("region partition match (modularity, ARI, NMI)", lambda: network.partition_match(graph))
timed("silos", lambda: network.silos_frame(graph))
timed("region bridges", lambda: network.bridges_frame(graph))
timed("graph summary (one period)", lambda: network.summary_row(graph))
_report(0.0)
"""


def bench_flows(db: Path, runs: int, k: int = 100) -> list[dict]:
    import json
    import statistics
    import subprocess
    import sys

    from bench.measure import CHILD_PRELUDE

    steps: dict[str, dict] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", CHILD_PRELUDE + CHILD.format(db=str(db), k=k)],
                              capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        for line in done.stdout.splitlines():
            if line.startswith("STEP "):
                step = json.loads(line[5:])
                entry = steps.setdefault(step["step"], {"step": step["step"], "seconds": [], "note": step["note"]})
                entry["seconds"].append(step["seconds"])
    rows = []
    for entry in steps.values():
        seconds = entry.pop("seconds")
        rows.append({**entry, "median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3),
                     "max_s": round(max(seconds), 3)})
    return rows

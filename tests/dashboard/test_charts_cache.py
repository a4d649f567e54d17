"""Chart helpers on hand-made frames, and the cache picking up a newly published store."""

from __future__ import annotations

import os
import shutil
from datetime import date

import polars as pl

from dashboard import cache, charts
from pulso.core.scope import Scope
from tests.dashboard.conftest import TABLES

PEOPLE = pl.DataFrame({"person_id": ["a", "b", "c", "d"], "name": ["A", "B", "C", "D"],
                       "region": ["N", "N", "S", "S"], "office": ["n1", "n2", "s1", "s1"], "role": ["x", "y", "x", "x"]})
EDGES = pl.DataFrame({"source_person_id": ["a", "a", "c", "b", "d"], "target_person_id": ["b", "c", "d", "a", "a"],
                      "weight": [1.0, 2.0, 5.0, 1.0, 3.0]})


def test_aggregate_edges_by_level():
    nodes, edges = charts.aggregate_edges(EDGES, PEOPLE, "region")
    # a->b and b->a stay inside N; c->d inside S: only a->c (2) and d->a (3) cross regions
    assert sorted(edges.rows()) == [("N", "S", 2.0), ("S", "N", 3.0)]
    assert sorted(nodes.select("node", "size").rows()) == [("N", 2), ("S", 2)]
    nodes, edges = charts.aggregate_edges(EDGES, PEOPLE, "office")
    assert sorted(edges.rows()) == [("n1", "n2", 1.0), ("n1", "s1", 2.0), ("n2", "n1", 1.0), ("s1", "n1", 3.0)]
    fig = charts.network(nodes, edges, "es", "Red")
    assert sorted(tr.name for tr in fig.data if tr.name) == ["N", "S"]  # one legend entry per region


def test_funnel_orders_the_ladder_and_labels_in_language():
    counts = pl.DataFrame({"segment": ["all"] * 3, "stage": ["regular", "unaware", "interested"], "people": [3, 10, 7]})
    fig = charts.ladder_funnel(counts, "en", "Ladder")
    assert list(fig.data[0].y) == ["Unaware", "Interested (read only)", "Regulars"]
    assert list(fig.data[0].x) == [10, 7, 3]


def test_events_drawn_on_the_time_axis():
    trend = pl.DataFrame({"day": [date(2026, 11, 9), date(2026, 11, 10)], "dau": [3, 4]})
    events = pl.DataFrame({"event_date": [date(2026, 11, 10)], "title": ["Lanzamiento"]})
    fig = charts.lines(trend, "day", {"dau": "Activos"}, "T", "es", "Personas", events)
    marker = [tr for tr in fig.data if tr.name == "Eventos del calendario"][0]
    assert list(marker.hovertext) == ["10 nov 2026: Lanzamiento"]
    assert list(fig.layout.xaxis.ticktext) == ["9 nov", "10 nov"]  # one year on the axis: no year repeated


def test_connection_follows_a_newly_published_store(make_store, tmp_path):
    first = make_store(TABLES, name="first.duckdb")
    second = make_store({**TABLES, "messages": TABLES["messages"][:1]}, name="second.duckdb")
    live = tmp_path / "live.duckdb"
    shutil.copy(first, live)
    week = Scope(date(2026, 11, 9), date(2026, 11, 15))

    def count():
        con = cache.connection(live)
        try:
            return con.execute("SELECT count(*) FROM messages").fetchall()[0][0]
        finally:
            con.close()

    assert count() == 4
    before = cache.metric_frame(live, "kpi_summary", week)
    shutil.copy(second, tmp_path / "tmp.duckdb")
    os.replace(tmp_path / "tmp.duckdb", live)  # how `pulso ingest` publishes
    assert count() == 1
    after = cache.metric_frame(live, "kpi_summary", week)
    value = {k: v for k, v in zip(after["kpi"], after["value"])}
    assert value["threads_started"] == 1 and value["replies"] == 0
    assert dict(zip(before["kpi"], before["value"]))["replies"] == 2

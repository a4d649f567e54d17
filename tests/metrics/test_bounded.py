"""Bounded work for any request: filter lists, parameter lists, graph sizes and betweenness sources have a
ceiling, and what was used is said in the answer (bench/bounded_bench.py measures the worst requests at 10M)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics import network
from metrics.parameters import KINDS
from pulso.core.errors import ParameterError
from pulso.core.scope import MAX_FILTER_VALUES, Scope
from tests.metrics.test_network import KARATE_SCOPE, karate_con  # noqa: F401 (fixture)

DAY = date(2026, 3, 1)


def test_filter_lists_are_bounded():
    Scope(DAY, DAY, offices=tuple(f"office {i}" for i in range(MAX_FILTER_VALUES)))  # 10,000 names: fine
    with pytest.raises(ParameterError, match="offices: at most 10,000 names"):
        Scope(DAY, DAY, offices=tuple(f"office {i}" for i in range(MAX_FILTER_VALUES + 1)))
    with pytest.raises(ParameterError, match="regions: at most .* of at most 200 characters"):
        Scope(DAY, DAY, regions=("x" * 201,))


def test_a_list_parameter_drops_repeats():
    assert KINDS.parse("reply," * 100_000 + "like") == ("reply", "like")
    with pytest.raises(ParameterError, match="'share' is not allowed"):
        KINDS.parse("reply,share")


def test_an_asked_minimum_is_raised_until_the_graph_is_small_enough(monkeypatch):
    edges = pl.DataFrame({"weight": [1.0, 1.0, 1.0, 2.0, 2.0, 5.0]})
    assert network.tie_threshold(edges, 0.5) == 0.5  # 6 pairs: under the ceiling, as asked
    monkeypatch.setattr(network, "MAX_GRAPH_EDGES", 2)
    # >= 0.5 and >= 1 keep 6 pairs, >= 2 keeps 3, >= 3 keeps 1: raised to 3
    assert network.tie_threshold(edges, 0.5) == 3.0
    assert network.tie_threshold(edges, 4) == 4.0


def test_betweenness_uses_fewer_sources_on_a_graph_too_large_for_them(karate_con, monkeypatch):  # noqa: F811
    # the karate club: 34 people, 78 ties loaded both ways = 156 directed ties
    exact = network.network_centrality(karate_con, KARATE_SCOPE, k=100)
    assert exact["betweenness_sample_size"].unique().to_list() == [34]
    monkeypatch.setattr(network, "BETWEENNESS_WORK", 10 * (34 + 156) + 5)
    bounded = network.network_centrality(karate_con, KARATE_SCOPE, k=100)
    assert bounded["betweenness_sample_size"].unique().to_list() == [10]  # 1,905 // 190 = 10 sources


def test_the_widest_period_has_a_previous_period_without_overflow():
    widest = Scope(date(1, 1, 1), date(9999, 12, 31))
    assert widest.previous() == Scope(date(1, 1, 1), date(1, 1, 1))  # cut at the calendar's first day
    assert Scope(date(1, 1, 5), date(1, 1, 10)).previous() == Scope(date(1, 1, 1), date(1, 1, 4))
    assert Scope(date(2026, 11, 9), date(2026, 11, 15)).previous() == Scope(date(2026, 11, 2), date(2026, 11, 8))


def test_the_widest_period_is_clipped_to_the_data(karate_con):  # noqa: F811
    from metrics.registry import compute

    widest = compute(karate_con, "network_communities", Scope(date(1, 1, 1), date(9999, 12, 31), granularity="day"))
    assert_same = compute(karate_con, "network_communities", Scope(date(2026, 3, 10), date(2026, 3, 11)))
    assert widest.equals(assert_same)  # the karate club's interactions happen on 10 and 11 March 2026


def test_the_graph_summary_keeps_the_ties_of_the_automatic_minimum_on_a_large_graph(karate_con, monkeypatch):  # noqa: F811
    from tests.metrics.test_network import KARATE

    whole = network.graph_summary(karate_con, KARATE_SCOPE, by_period=False).row(0, named=True)
    assert (whole["edges"], whole["tie_min_weight"]) == (156, 1.0)  # every tie: far below the ceiling
    monkeypatch.setattr(network, "MAX_AUTO_EDGES", 100)
    monkeypatch.setattr(network, "_graphs", network.OrderedDict())
    bounded = network.graph_summary(karate_con, KARATE_SCOPE, by_period=False).row(0, named=True)
    # the club's ties weigh 1 to 7; both directions are loaded, so each tie is two pairs
    strong = {w: 2 * sum(1 for _, _, x in KARATE.edges(data="weight") if x >= w) for w in range(1, 8)}
    threshold = min(w for w, pairs in strong.items() if pairs <= 100)
    assert (bounded["tie_min_weight"], bounded["edges"]) == (float(threshold), strong[threshold])
    assert bounded["nodes"] == 34  # every member still counts


def test_the_graph_summary_refuses_too_many_periods(karate_con):  # noqa: F811
    from metrics.registry import compute

    # the karate club's data: 10-11 March 2026; by day over 2026 the period is clipped to those two days
    assert compute(karate_con, "graph_summary", Scope(date(2026, 1, 1), date(2026, 12, 31), granularity="day")).height == 2
    with pytest.raises(ParameterError, match=r"at most 160 periods in one request, this one has 365 \(day\)"):
        network.graph_summary(karate_con, Scope(date(2026, 1, 1), date(2026, 12, 31), granularity="day"))

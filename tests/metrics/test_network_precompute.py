"""Network measures precomputed at publish: a standard scope is served from the store and equals, exactly, what
the metric computes on demand; any other scope (or parameter) computes on demand, sharing one graph per scope.

Fixture: a generated organisation of 300 accounts and 30,000 events (10 regions, a year of data ending on
Sunday 2026-11-15) loaded twice from the same files: once with the network precomputation (as ``pulso ingest``
does) and once without it (every answer computed on demand).
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from metrics import network
from metrics.network_precompute import network_tables, standard_periods, standard_scopes
from metrics.registry import compute
from pipelines.ingest import ingest
from pipelines.sample import generate_sample
from pulso.core.scope import Scope

NETWORK_METRICS = ("network_centrality", "network_communities", "community_region_match", "silos",
                   "region_bridges")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("network")
    generate_sample(folder / "sample", people=300, events=30_000, seed=7, file_format="csv")
    inputs = [folder / "sample" / "export", folder / "sample" / "directory.csv"]
    ingest(inputs, folder / "pre.duckdb", builders=(network_tables,))
    ingest(inputs, folder / "plain.duckdb")
    pre = duckdb.connect(str(folder / "pre.duckdb"), read_only=True)
    plain = duckdb.connect(str(folder / "plain.duckdb"), read_only=True)
    yield pre, plain, folder
    pre.close()
    plain.close()


def test_standard_periods_end_on_the_last_complete_week():
    # data ending on Wednesday 2026-11-18: the last complete week is Mon 2026-11-09 .. Sun 2026-11-15
    assert standard_periods(date(2026, 11, 18)) == {
        "week": (date(2026, 11, 9), date(2026, 11, 15)),
        "4weeks": (date(2026, 10, 19), date(2026, 11, 15)),          # 28 days
        "quarter": (date(2026, 8, 17), date(2026, 11, 15)),          # 13 weeks = 91 days
        "year": (date(2025, 11, 17), date(2026, 11, 15)),            # 52 weeks = 364 days
    }


def test_the_store_lists_every_standard_scope(stores):
    pre, _, _ = stores
    scopes = pre.sql("SELECT * FROM network_scopes ORDER BY scope_id").pl()
    regions = sorted(r for (r,) in pre.execute("SELECT DISTINCT region FROM person_facts WHERE NOT is_bot").fetchall())
    assert len(regions) == 10  # nine regions and '(unassigned)'
    # 4 periods x (the organisation + 10 regions) x (every kind, replies and mentions) = 88
    assert scopes.height == 4 * 11 * 2 == 88
    assert scopes.filter(pl.col("region").is_null() & (pl.col("kinds") == ""))["period"].to_list() == \
        ["week", "4weeks", "quarter", "year"]
    year = scopes.filter(pl.col("region").is_null() & (pl.col("period") == "year") & (pl.col("kinds") == "")).row(
        0, named=True)
    # data 2025-11-17 .. 2026-11-15: the 52 weeks are exactly the data's span, nothing clipped
    assert (year["start_day"], year["end_day"]) == (date(2025, 11, 17), date(2026, 11, 15))
    assert set(scopes["kinds"]) == {"", "mention,reply"}
    assert len(standard_scopes(pre)) == 88


def _scope(row: dict) -> Scope:
    return Scope(row["start_day"], row["end_day"], regions=(row["region"],) if row["region"] else ())


def test_every_standard_scope_is_served_and_equals_the_on_demand_answer(stores, monkeypatch):
    pre, plain, _ = stores
    served = []
    original = network.served
    monkeypatch.setattr(network, "served", lambda *a, **k: served.append(a[1]) or original(*a, **k))
    rows = pre.execute("SELECT region, kinds, start_day, end_day FROM network_scopes ORDER BY scope_id")
    for region, kinds, start, end in rows.fetchall():
        scope = _scope({"start_day": start, "end_day": end, "region": region})
        params = {"kinds": kinds} if kinds else {}
        for name in NETWORK_METRICS:
            extra = {"top": 0} if name == "region_bridges" else {}
            got = compute(pre, name, scope, **params, **extra)
            expected = compute(plain, name, scope, **params, **extra)
            assert_frame_equal(got, expected, check_exact=True)
        if not kinds:
            for by_period in (True, False):
                got = compute(pre, "graph_summary", scope, by_period=by_period)
                expected = compute(plain, "graph_summary", scope, by_period=by_period)
                assert_frame_equal(got, expected, check_exact=True)
    # 88 scopes x 5 metrics, plus 44 scopes x 2 graph summaries: all served from the store
    assert len(served) == 88 * 5 + 44 * 2


def test_served_answers_follow_the_parameters_asked(stores):
    pre, plain, _ = stores
    scope = Scope(date(2026, 11, 9), date(2026, 11, 15))
    english = compute(pre, "community_region_match", scope, lang="en")
    assert_frame_equal(english, compute(plain, "community_region_match", scope, lang="en"), check_exact=True)
    assert english["interpretation"][0] != compute(pre, "community_region_match", scope)["interpretation"][0]
    top = compute(pre, "region_bridges", Scope(date(2025, 11, 17), date(2026, 11, 15)), top=3)
    assert top.height == 3
    assert_frame_equal(top, compute(plain, "region_bridges", Scope(date(2025, 11, 17), date(2026, 11, 15)), top=3))


@pytest.mark.parametrize("scope, params", [
    (Scope(date(2026, 11, 5), date(2026, 11, 15)), {}),                                  # 11 days: not standard
    (Scope(date(2026, 11, 9), date(2026, 11, 15), regions=("Centro", "Golfo")), {}),   # two regions
    (Scope(date(2026, 11, 9), date(2026, 11, 15), roles=("staff",)), {}),              # a role filter
    (Scope(date(2026, 11, 9), date(2026, 11, 15)), {"kinds": "like"}),                  # other kinds
    (Scope(date(2026, 11, 9), date(2026, 11, 15)), {"min_weight": 2}),                  # a threshold asked for
    (Scope(date(2026, 11, 9), date(2026, 11, 15)), {"seed": 7}),                        # another seed
])
def test_a_scope_that_is_not_standard_is_computed_on_demand(stores, monkeypatch, scope, params):
    pre, plain, _ = stores

    def refuse(*args, **kwargs):
        raise AssertionError("a non-standard request must not be served from the store")

    monkeypatch.setattr(network, "served", refuse)
    for name in ("network_communities", "community_region_match"):
        assert_frame_equal(compute(pre, name, scope, **params), compute(plain, name, scope, **params),
                           check_exact=True)


def test_other_granularities_of_the_summary_are_computed_on_demand(stores, monkeypatch):
    pre, plain, _ = stores
    monkeypatch.setattr(network, "served", lambda *a, **k: (_ for _ in ()).throw(AssertionError("served")))
    scope = Scope(date(2026, 8, 17), date(2026, 11, 15), granularity="month")
    got = compute(pre, "graph_summary", scope)
    assert got["period"].to_list()[:2] == [date(2026, 8, 1), date(2026, 9, 1)]
    assert_frame_equal(got, compute(plain, "graph_summary", scope), check_exact=True)


def test_one_graph_per_scope_on_demand(stores, monkeypatch):
    _, _, folder = stores
    con = duckdb.connect(str(folder / "plain.duckdb"), read_only=True)
    built = []
    original = network.build_scope_graph
    monkeypatch.setattr(network, "build_scope_graph", lambda *a, **k: built.append(a[1]) or original(*a, **k))
    monkeypatch.setattr(network, "_graphs", network.OrderedDict())
    scope = Scope(date(2026, 10, 1), date(2026, 10, 31))
    for name in NETWORK_METRICS:
        compute(con, name, scope)
    assert built == [scope]  # five metrics, one graph
    compute(con, "silos", Scope(date(2026, 10, 1), date(2026, 10, 31), granularity="month"))
    assert len(built) == 1  # the granularity does not change the graph
    compute(con, "silos", scope, kinds="reply")
    assert len(built) == 2
    con.close()


def test_a_publish_without_the_builder_drops_the_stored_measures(stores, tmp_path):
    _, _, folder = stores
    db = tmp_path / "store.duckdb"
    inputs = [folder / "sample" / "export", folder / "sample" / "directory.csv"]
    ingest(inputs, db, builders=(network_tables,))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM network_scopes").fetchone()[0] == 88
    ingest([], db)  # published again (settings only) without the builder: nothing stale is left
    with duckdb.connect(str(db), read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert not names & {"network_scopes", "network_centrality", "network_summary"}


def test_a_load_that_adds_nothing_keeps_the_derived_tables_and_measures(stores, tmp_path):
    _, _, folder = stores
    db = tmp_path / "store.duckdb"
    inputs = [folder / "sample" / "export", folder / "sample" / "directory.csv"]
    first = ingest(inputs, db, builders=(network_tables,))
    assert first.derived_rebuilt
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.sql("SELECT * FROM person_day_activity ORDER BY ALL").pl()
    again = ingest(inputs, db, builders=(network_tables,))  # the same files: every row a duplicate
    assert not again.derived_rebuilt
    assert sum(loaded for _, loaded, _, _ in again.per_table.values()) == 0
    assert sum(read for read, _, _, _ in again.per_table.values()) == sum(
        duplicate for _, _, _, duplicate in again.per_table.values()) == 31_755
    # people 579 (directory included), groups 18, memberships 1,087, messages 2,100, reactions 3,900, visits 24,000,
    # interactions 60, calendar events 11
    with duckdb.connect(str(db), read_only=True) as con:
        assert_frame_equal(con.sql("SELECT * FROM person_day_activity ORDER BY ALL").pl(), before)
        assert con.execute("SELECT count(*) FROM network_scopes").fetchone()[0] == 88
        assert con.execute("SELECT count(*) FROM ingestion_runs").fetchone()[0] == 2  # the run is recorded


def test_a_viewer_whose_rights_narrow_the_people_is_not_served_the_stored_graph(stores):
    from pulso.core.access import Rights

    pre, _, _ = stores
    week = Scope(date(2026, 11, 9), date(2026, 11, 15))
    assert network.standard_scope_id(pre, week) is not None
    everything = Scope(week.start, week.end, rights=Rights("administrator"))
    assert network.standard_scope_id(pre, everything) == network.standard_scope_id(pre, week)
    centro = Scope(week.start, week.end, regions=("Centro",), rights=Rights("regional manager", regions=("Centro",)))
    assert network.standard_scope_id(pre, centro) is None  # the rights narrow the graph: computed on demand

"""The shared-rule helpers: values travel as data (never in the SQL text), results take the expression's
schema, rounding after the engine matches DuckDB's, the people-in-scope rule is one expression."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import ibis
import polars as pl
import pyarrow as pa
import pytest

from pulso.core import expr as E
from pulso.core.scope import Scope, people_in_scope
from tests.metrics.activity_fixture import DIRECTORY, TABLES


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from tests.conftest import build_store

    return build_store(tmp_path_factory.mktemp("expr"), TABLES, DIRECTORY)


def test_round_half_away_is_duckdbs_round():
    rng = random.Random(17)
    values = [rng.uniform(-1000, 1000) for _ in range(3000)] + [k / 1000 + 0.005 for k in range(-2000, 2000)]
    values += [0.125, 2.675, 1.005, 1.115, -0.5, 0.5, 1.5, 2.5, 0.0]
    con = duckdb.connect()
    want = [r[0] for r in con.execute("SELECT round(v, 2) FROM unnest(?::DOUBLE[]) t(v)", [values]).fetchall()]
    assert [E.round_half_away(v, 2) for v in values] == want
    assert E.round_half_away(2.5, 0) == 3.0 and E.round_half_away(-2.5, 0) == -3.0  # away from zero, not to even


def test_counting_over_no_rows_is_zero_and_results_take_the_declared_schema():
    t = ibis.table({"n": "int32", "flag": "boolean"}, name="t")
    expr = t.aggregate(c=E.count_where(t, t.flag), s=E.cast(t.n.sum(), "int64"), m=E.median_where(t.n, t.flag))
    empty = pa.table({"n": pa.array([], pa.int32()), "flag": pa.array([], pa.bool_())})
    out = E.DuckDBEngine(duckdb.connect()).frame(expr, {"t": empty})
    assert out.schema == pl.Schema({"c": pl.Int64, "s": pl.Int64, "m": pl.Float64})
    assert out.row(0) == (0, None, None)
    full = pa.table({"n": pa.array([1, 2, 3, 10], pa.int32()), "flag": [True, True, False, True]})
    # median of 1, 2, 10 (the flagged rows) = 2.0; the sum is BIGINT, not DuckDB's HUGEINT
    assert E.DuckDBEngine(duckdb.connect()).frame(expr, {"t": full}).row(0) == (3, 16, 2.0)


def test_bucket_start_is_a_date_on_monday_month_and_quarter_starts():
    t = ibis.table({"d": "date"}, name="days")
    expr = t.select(**{g: E.bucket_start(t.d, g) for g in E.BUCKET_UNITS})
    days = [date(2025, 1, 1), date(2024, 12, 29), date(2026, 11, 15)]
    out = E.DuckDBEngine(duckdb.connect()).frame(expr, {"days": pa.table({"d": days})})
    assert out.schema == pl.Schema({g: pl.Date for g in E.BUCKET_UNITS})
    assert out.rows() == [(date(2025, 1, 1), date(2024, 12, 30), date(2025, 1, 1), date(2025, 1, 1)),
                          (date(2024, 12, 29), date(2024, 12, 23), date(2024, 12, 1), date(2024, 10, 1)),
                          (date(2026, 11, 15), date(2026, 11, 9), date(2026, 11, 1), date(2026, 10, 1))]


def test_filter_values_and_dates_never_enter_the_sql_text(store):
    """A scope's values are data: the compiled text is the same for any values of the same shape."""
    from metrics.kpis import KPIS, kpi_expression
    from metrics.registry import compute
    from metrics.store import connect_read_only

    odd = "Norte'; DROP TABLE people; --"
    scope = Scope(date(2026, 3, 2), date(2026, 3, 8), regions=(odd,), roles=("staff",))
    other = Scope(date(2025, 1, 6), date(2025, 1, 12), regions=("Sur",), roles=("x",))
    assert scope.shape == other.shape
    text = E.sql(kpi_expression(scope.shape, tuple(k.name for k in KPIS)), "duckdb")
    for value in (odd, "Norte", "staff", "2026-03-02", "2026-03-08"):
        assert value not in text
    con = connect_read_only(store)
    try:
        frame = compute(con, "kpi_summary", scope)
        assert frame.filter(pl.col("kpi") == "active_accounts")["value"][0] == 0.0  # no such region: nobody
        assert con.execute("SELECT count(*) FROM people").fetchall()[0][0] > 0
    finally:
        con.close()


def test_people_in_scope_is_one_rule_for_sql_and_shared_metrics(store):
    """``people_cte`` is ``people_in_scope`` compiled to SQL: both give the people the filters describe."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        facts = pl.from_arrow(con.sql("SELECT * FROM person_facts").to_arrow_table())
        members = pl.from_arrow(con.sql("SELECT group_id, person_id FROM memberships").to_arrow_table())
        regions = tuple(sorted(facts["region"].unique().to_list()))[:1]
        groups = tuple(sorted(members["group_id"].unique().to_list()))[:1]
        cases = [Scope(date(2026, 3, 2), date(2026, 3, 8)),
                 Scope(date(2026, 3, 2), date(2026, 3, 8), regions=regions),
                 Scope(date(2026, 3, 2), date(2026, 3, 8), regions=regions, roles=("staff", "office manager")),
                 Scope(date(2026, 3, 2), date(2026, 3, 8), groups=groups),
                 Scope(date(2026, 3, 2), date(2026, 3, 8), regions=regions, offices=("nowhere",), groups=groups)]
        for scope in cases:
            want = facts.filter(~pl.col("is_bot"))
            for column, values in (("region", scope.regions), ("office", scope.offices), ("role", scope.roles)):
                if values:
                    want = want.filter(pl.col(column).is_in(values))
            if scope.groups:
                want = want.filter(pl.col("person_id").is_in(
                    members.filter(pl.col("group_id").is_in(scope.groups))["person_id"].implode()))
            expected = sorted(want["person_id"].to_list())
            cte, params = scope.people_cte()
            by_sql = sorted(r[0] for r in con.execute(f"WITH {cte} SELECT person_id FROM sp", params).fetchall())
            shared = E.DuckDBEngine(con).frame(people_in_scope(scope.shape), scope.inputs())
            assert by_sql == expected == sorted(shared["person_id"].to_list()), scope
        assert any(len(s.regions) for s in cases) and len(expected) == 0  # the last case selects nobody
    finally:
        con.close()


def test_engine_of_refuses_what_is_neither_a_connection_nor_an_engine():
    with pytest.raises(TypeError):
        E.engine_of("data/pulso.duckdb")

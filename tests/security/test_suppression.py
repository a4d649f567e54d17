"""Small groups: for a viewer with aggregates only (the director role), figures over fewer than k people are
withheld, with complementary suppression, the same way in every metric; the organisation is tests/security/org.py
(k = 5)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.access import rights_for
from metrics.privacy import PRIMARY, Pattern, complement
from metrics.registry import compute, load_all_metrics
from metrics.store import connect_read_only
from pulso.core.errors import AccessDenied, Suppressed
from pulso.core.scope import Scope
from tests.conftest import build_store
from tests.security import org

W = Scope(date(2026, 11, 9), date(2026, 11, 15))
SETTINGS = org.VIEWERS


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("suppression")
    return {
        "base": build_store(folder, org.tables(), org.directory(), "base.duckdb", SETTINGS),
        # two staff members of the hidden regions Este and Islas exchange their activity
        "regions": build_store(folder, org.swapped("I1-1", "E1-4"), org.directory(), "regions.duckdb", SETTINGS),
        # two staff members of the hidden offices N2 (primary) and N1 (complementary) exchange theirs
        "offices": build_store(folder, org.swapped("N2-2", "N1-3"), org.directory(), "offices.duckdb", SETTINGS),
    }


@pytest.fixture(scope="module")
def con(stores):
    connection = connect_read_only(stores["base"])
    yield connection
    connection.close()


def as_viewer(con, email: str, scope: Scope = W) -> Scope:
    from dataclasses import replace

    return replace(scope, rights=rights_for(con, email))


def by_segment(frame: pl.DataFrame) -> dict:
    return {r["segment"]: r for r in frame.iter_rows(named=True)}


# ---- the rule on hand-made populations -------------------------------------------------------------------------

def test_complement_at_k_minus_one_and_k():
    assert complement({"a": 4, "b": 9, "c": 20}, 5, {}) == {"a": PRIMARY, "b": "complementary"}
    assert complement({"a": 5, "b": 9, "c": 20}, 5, {}) == {}  # k people: nothing hidden
    assert complement({"a": 4, "b": 1, "c": 20}, 5, {}) == {"a": PRIMARY, "b": PRIMARY}  # 5 together: enough
    assert complement({"a": 2, "b": 1, "c": 20, "d": 30}, 5, {}) == {"a": PRIMARY, "b": PRIMARY,
                                                                      "c": "complementary"}


def test_the_pattern_of_the_organisation(con):
    from tests.security.org import people

    counts: dict = {}
    for _, region, office, role in people():
        counts[(region, office, role)] = counts.get((region, office, role), 0) + 1
    pattern = Pattern.of([(*key, n) for key, n in counts.items()], 5)
    assert pattern.hidden_regions == {"Este": PRIMARY, "Islas": PRIMARY}
    assert pattern.hidden_offices == {("Norte", "N2"): PRIMARY, ("Norte", "N1"): "complementary",
                                      ("Sur", "S1"): PRIMARY, ("Sur", "S2"): PRIMARY, ("Este", "E1"): PRIMARY,
                                      ("Islas", "I1"): PRIMARY}
    assert pattern.hidden_roles == {"regional manager": PRIMARY, "office manager": "complementary"}


def test_a_role_that_is_a_region_under_another_name_is_hidden_with_it():
    # "(unassigned)" people: the same 6 people are a region and a role; the region is the complementary
    # partner of a 2-person region, so the role must not show the region's figure
    counts = [("A", "a", "staff", 40), ("B", "b", "staff", 30), ("C", "c", "staff", 2), ("U", "u", "U", 6)]
    pattern = Pattern.of(counts, 5)
    assert pattern.hidden_regions == {"C": PRIMARY, "U": "complementary"}
    assert "U" in pattern.hidden_roles
    # a role nearly equal to a region (differs by 2 people) is hidden too
    counts = [("A", "a", "staff", 40), ("A", "a2", "boss", 2), ("B", "b", "staff", 30), ("B", "b", "clerk", 9)]
    assert "staff" not in Pattern.of(counts, 5).hidden_roles
    counts = [("A", "a", "clerk", 40), ("A", "a2", "boss", 2), ("B", "b", "staff", 30), ("B", "b", "clerk", 9)]
    assert "clerk" not in Pattern.of(counts, 5).hidden_roles
    counts = [("A", "a", "clerk", 40), ("A", "a2", "boss", 2), ("B", "b", "staff", 30)]
    hidden = Pattern.of(counts, 5).hidden_roles  # clerk (40) = region A (42) minus 2 bosses: A - clerk = 2 people
    assert "clerk" in hidden


# ---- k-1 and k people, as the director sees them --------------------------------------------------------------

def test_region_of_k_people_is_shown_and_of_k_minus_one_is_withheld(con):
    director = as_viewer(con, "dir@banco.mx")
    rows = by_segment(compute(con, "adoption_by", director, by="region"))
    # Sur: 5 people (k), S1-2, S1-3 and S2-1 active in W -> 3 of 5, shown exactly
    assert (rows["Sur"]["eligible"], rows["Sur"]["active"], rows["Sur"]["adoption"]) == (5, 3, 0.6)
    assert rows["Sur"]["suppressed"] is None
    # Este: 4 people (k - 1): every figure withheld, the key kept, the marker "< 5"
    este = rows["Este"]
    assert este["suppressed"] == "< 5"
    assert [este[c] for c in ("eligible", "active", "adoption", "contributing", "previous_adoption", "change_pts")] \
        == [None] * 6
    assert rows["Islas"]["suppressed"] == "< 5"
    assert rows["Norte"]["active"] == 7 and rows["Oeste"]["active"] == 5  # N1-1 N1-2 N2-2 N3-1..4; O1-1..5


def test_without_suppression_the_same_rows_have_their_numbers(con):
    admin = as_viewer(con, "admin@banco.mx")
    rows = by_segment(compute(con, "adoption_by", admin, by="region"))
    assert "suppressed" not in compute(con, "adoption_by", admin, by="region").columns
    assert (rows["Este"]["eligible"], rows["Este"]["active"]) == (4, 2)
    assert (rows["Islas"]["eligible"], rows["Islas"]["active"]) == (1, 1)


def test_office_breakdown_hides_the_complementary_office(con):
    director = as_viewer(con, "dir@banco.mx")
    rows = by_segment(compute(con, "adoption_by", director, by="office"))
    assert rows["N2"]["suppressed"] == "< 5" and rows["N1"]["suppressed"] == "—"
    assert rows["N1"]["active"] is None  # 5 people, but with N2 alone hidden Norte - N1 - N3 = N2
    assert (rows["N3"]["eligible"], rows["N3"]["active"], rows["N3"]["suppressed"]) == (6, 4, None)
    assert {o for o, r in rows.items() if r["suppressed"]} == {"N1", "N2", "S1", "S2", "E1", "I1"}
    assert rows["O1"]["active"] == 5


def test_kpis_of_a_scope_of_k_and_of_k_minus_one_people(con):
    director = as_viewer(con, "dir@banco.mx", Scope(W.start, W.end, regions=("Sur",)))
    kpis = compute(con, "kpi_summary", director)
    assert dict(zip(kpis["kpi"], kpis["value"]))["active_accounts"] == 3.0
    with pytest.raises(Suppressed) as hidden:
        compute(con, "kpi_summary", as_viewer(con, "dir@banco.mx", Scope(W.start, W.end, regions=("Este",))))
    assert hidden.value.reason == "hidden_unit"
    with pytest.raises(Suppressed):  # N1 holds 5 people but is the complementary office
        compute(con, "kpi_summary", as_viewer(con, "dir@banco.mx", Scope(W.start, W.end, offices=("N1",))))
    assert compute(con, "kpi_summary", as_viewer(con, "dir@banco.mx", Scope(W.start, W.end, offices=("N3",)))) \
        .filter(pl.col("kpi") == "active_accounts")["value"][0] == 4.0


def test_a_tiny_organisation_shows_nothing_to_a_director(make_store):
    db = make_store({"people": org.tables()["people"][:3]}, org.directory()[:3], settings=SETTINGS)
    con = connect_read_only(db)
    try:
        with pytest.raises(Suppressed) as hidden:
            compute(con, "kpi_summary", as_viewer(con, "dir@banco.mx"))
        assert hidden.value.reason == "small_scope"
    finally:
        con.close()


@pytest.mark.parametrize("scope, params, reason", [
    (Scope(W.start, W.end, roles=("staff",)), {}, "filter"),
    (Scope(W.start, W.end, groups=("g",)), {}, "filter"),
    (W, {"by": "group"}, "group_breakdown"),
    (Scope(W.start, W.end, regions=("Norte",)), {"by": "role"}, "role_breakdown"),
])
def test_what_could_single_out_a_small_group_is_refused(con, scope, params, reason):
    with pytest.raises(AccessDenied) as refused:
        compute(con, "adoption_by", as_viewer(con, "dir@banco.mx", scope), **params)
    assert refused.value.reason == reason


def test_role_breakdown_over_everyone(con):
    rows = by_segment(compute(con, "adoption_by", as_viewer(con, "dir@banco.mx"), by="role"))
    assert rows["regional manager"]["suppressed"] == "< 5" and rows["office manager"]["suppressed"] == "—"
    assert rows["staff"]["eligible"] == 24


def test_matrix_cells_of_hidden_regions_are_withheld(con):
    frame = compute(con, "region_flow_matrix", as_viewer(con, "dir@banco.mx"))
    cells = {(r["sender_region"], r["receiver_region"]): r for r in frame.iter_rows(named=True)}
    assert cells[("Oeste", "Norte")]["weight"] == 1.0 and cells[("Oeste", "Norte")]["suppressed"] is None
    assert cells[("Sur", "Este")]["weight"] is None and cells[("Sur", "Este")]["suppressed"] == "< 5"


def test_hidden_units_without_activity_are_listed_too(con):
    """Thursday 2026-11-12: nobody started a thread. The visible regions have no row; the hidden ones (which had
    none either) are listed withheld, so a director cannot tell a hidden unit with nothing from one with something."""
    thursday = Scope(date(2026, 11, 12), date(2026, 11, 12), granularity="day")
    frame = compute(con, "conversation_response", as_viewer(con, "dir@banco.mx", thursday), by="asker_region")
    assert frame.select("segment", "threads", "suppressed").rows() == [("Este", None, "< 5"), ("Islas", None, "< 5")]
    admin = compute(con, "conversation_response", as_viewer(con, "admin@banco.mx", thursday), by="asker_region")
    assert admin.is_empty()


# ---- the proof: nothing a director can see tells two organisations apart that differ only inside hidden units ---

AGGREGATES = sorted(name for name, d in load_all_metrics().items() if not d.person_level and d.cells.about_people)
BY_CHOICES = {name: [dict(by=value) for value, _, _ in d.cells.by if value is not None] or [{}]
              for name, d in load_all_metrics().items() if d.cells is not None}


def everything_a_director_sees(db) -> dict:
    """Every aggregate metric, with every breakdown, over every scope a director may ask for (no filter, every
    region, every office), this week (the previous week's figures come along); refusals recorded as such."""
    con = connect_read_only(db)
    try:
        out = {}
        scopes = [W] + [Scope(W.start, W.end, regions=(r,)) for r in org.OFFICES] + [
            Scope(W.start, W.end, offices=(o,)) for offices in org.OFFICES.values() for o in offices]
        for base in scopes:
            scope = as_viewer(con, "dir@banco.mx", base)
            for name in AGGREGATES:
                for params in BY_CHOICES[name]:
                    key = (name, base.regions, base.offices, tuple(params.items()))
                    try:
                        out[key] = compute(con, name, scope, **params).to_dicts()
                    except AccessDenied as exc:
                        out[key] = ("refused", exc.reason)
                    except Exception as exc:  # FactsNotAvailable and the like: same in both stores
                        out[key] = ("error", type(exc).__name__)
        return out
    finally:
        con.close()


def hidden_truth(db, **filters) -> pl.DataFrame:
    con = connect_read_only(db)
    try:
        return compute(con, "adoption_by", Scope(W.start, W.end, **filters), by="region" if not filters else "office")
    finally:
        con.close()


@pytest.mark.parametrize("swap, unit, column", [("regions", "Este", "region"), ("offices", "N2", "office")])
def test_no_total_subtotal_other_breakdown_or_previous_period_reveals_a_hidden_unit(stores, swap, unit, column):
    """The two stores differ only in who, inside hidden units, wrote some messages: the hidden units' true
    figures differ (Este 2 vs 3 active; N2 1 vs 0 and N1 2 vs 3), yet every total, subtotal, breakdown by region,
    office or role, matrix, trend and previous-period figure a director can get is identical -- so none of them,
    alone or subtracted from another, can tell what the hidden unit's figure is."""
    filters = {} if column == "region" else {"regions": ("Norte",)}
    truth_a = {r["segment"]: r["active"] for r in hidden_truth(stores["base"], **filters).iter_rows(named=True)}
    truth_b = {r["segment"]: r["active"] for r in hidden_truth(stores[swap], **filters).iter_rows(named=True)}
    assert truth_a[unit] != truth_b[unit], "the fixture must change the hidden unit's figure"
    seen_a, seen_b = everything_a_director_sees(stores["base"]), everything_a_director_sees(stores[swap])
    assert seen_a.keys() == seen_b.keys()
    different = [key for key in seen_a if seen_a[key] != seen_b[key]]
    assert not different, f"a director can tell the stores apart through {different[:3]}"
    shown = sum(1 for v in seen_a.values() if isinstance(v, list))
    assert shown > 150, shown  # the comparison covers the metrics, not just refusals


def test_the_comparison_would_catch_a_leak(stores):
    """Without suppression (an administrator) the same comparison tells the stores apart."""
    def seen(db):
        con = connect_read_only(db)
        try:
            scope = as_viewer(con, "admin@banco.mx")
            return compute(con, "adoption_by", scope, by="region").to_dicts()
        finally:
            con.close()

    assert seen(stores["base"]) != seen(stores["regions"])

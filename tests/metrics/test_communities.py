"""Communities against regions among the people who interact (community_region_match), on a hand-made graph.

Norte: a, b, c and g; Sur: d, e, f. Generic interactions (e-mails) close a triangle a-b-c and a triangle d-e-f,
with one bridge c -> d; g has no tie. Louvain finds the two triangles: 6 of 7 people are tied (85.7 %), two
communities, each entirely one region (own-region share 1, mutual information 1). With c, e and f moved to the
other region in the directory, each triangle mixes regions (2 of 3 from its largest region): share 4/6.
"""

from __future__ import annotations

from datetime import date

import pytest

from metrics.registry import compute
from metrics.store import connect_read_only
from pulso.core.scope import Scope

WEEK = Scope(date(2026, 3, 2), date(2026, 3, 8))
PAIRS = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("f", "d"), ("c", "d")]


def store(tmp_path_factory, regions: dict[str, str]):
    from tests.conftest import build_store

    directory = [{"id": p, "email": f"{p}@x.mx", "name": p.upper(), "region": r, "office": f"{r}1", "role": "staff",
                  "manager": ""} for p, r in regions.items()]
    tables = {
        "people": [{"person_id": p, "email": f"{p}@x.mx", "display_name": p.upper()} for p in regions],
        "interactions": [{"interaction_id": f"i{i}", "source_person_id": s, "target_person_id": t, "kind": "email",
                          "occurred_at": "2026-03-03 16:00:00", "weight": "3" if (s, t) != ("c", "d") else "1"}
                         for i, (s, t) in enumerate(PAIRS)],
    }
    return connect_read_only(build_store(tmp_path_factory.mktemp("communities"), tables, directory))


@pytest.mark.parametrize("moved, own_share, nmi", [((), 1.0, 1.0), (("c", "e", "f"), 4 / 6, None)])
def test_communities_against_regions_among_tied_people(tmp_path_factory, moved, own_share, nmi):
    regions = {p: "Norte" for p in "abcg"} | {p: "Sur" for p in "def"}
    regions |= {p: ("Sur" if regions[p] == "Norte" else "Norte") for p in moved}
    con = store(tmp_path_factory, regions)
    try:
        row = compute(con, "community_region_match", WEEK).row(0, named=True)
    finally:
        con.close()
    assert (row["nodes"], row["nodes_with_ties"], row["tied_communities"], row["regions"]) == (7, 6, 2, 2)
    assert row["tied_share"] == pytest.approx(6 / 7)
    assert row["own_region_share"] == pytest.approx(own_share)
    if nmi is not None:
        assert row["normalized_mutual_info"] == pytest.approx(nmi)
    else:  # two mixed communities: little in common with the regions
        assert row["normalized_mutual_info"] < 0.3

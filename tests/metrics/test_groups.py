"""Group participation in one figure (the card), on the hand-computed activity fixture.

Week 2026-03-02 .. 03-08. Memberships: g1 = a, b, c, d; g2 = c, m (6 memberships, all in scope).
In g1 this week a posted (m1, Sunday 23:30 local), c started m3 (deleted: still a contribution) and b liked m3;
nothing happened in g2: 3 of 6 memberships contributed = 50 %. The week before only a posted in g1 (m0):
1 of 6 = 16.67 %, so the change is +33.33 points. The year before the data has no previous period: no change.
"""

from __future__ import annotations

from datetime import date

import pytest

from metrics.registry import compute
from metrics.store import connect_read_only
from pulso.core.scope import Scope
from tests.metrics.activity_fixture import DIRECTORY, TABLES


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from tests.conftest import build_store

    connection = connect_read_only(build_store(tmp_path_factory.mktemp("groups"), TABLES, DIRECTORY))
    yield connection
    connection.close()


def test_group_participation_overall_by_hand(con):
    row = compute(con, "group_participation_overall", Scope(date(2026, 3, 2), date(2026, 3, 8))).row(0, named=True)
    assert (row["groups"], row["members"], row["contributors"]) == (2, 6, 3)
    assert row["participation"] == 0.5
    assert row["previous_participation"] == pytest.approx(1 / 6, abs=1e-4)
    assert row["change_pts"] == pytest.approx(33.33, abs=0.01)
    # it is the sum of the per-group metric
    groups = compute(con, "group_participation", Scope(date(2026, 3, 2), date(2026, 3, 8)))
    assert groups["contributors"].sum() == 3 and groups["members"].sum() == 6


def test_no_previous_period_before_the_data_means_no_change(con):
    row = compute(con, "group_participation_overall", Scope(date(2026, 2, 23), date(2026, 3, 8))).row(0, named=True)
    assert row["participation"] == pytest.approx(3 / 6) and row["previous_participation"] is None
    assert row["change_pts"] is None

"""Participation inequality: the pure measures, and on the hand-computed organisation."""

from datetime import date

import pytest

from metrics.inequality import inequality_of
from metrics.registry import FactsNotAvailable, compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.metrics.activity_fixture import DIRECTORY, TABLES, VISITS


def test_inequality_of_equal_and_skewed():
    equal = inequality_of([3, 3, 3, 3])
    assert (equal["gini"], equal["absence_factor"], equal["top10_share"]) == (0.0, 3, 0.25)
    # 20 contributors: one with 81, nineteen with 1 -> total 100
    skewed = inequality_of([81] + [1] * 19 + [0, 0])
    assert skewed["contributors"] == 20 and skewed["contributions"] == 100
    assert skewed["top1_share"] == 0.81 and skewed["top10_share"] == 0.82  # top 2 people
    assert skewed["absence_factor"] == 1
    # gini = sum((2i - n - 1) x_i) / (n * total), ascending: ones at i=1..19, 81 at i=20
    expected = (sum((2 * i - 21) for i in range(1, 20)) + (40 - 21) * 81) / (20 * 100)
    assert skewed["gini"] == round(expected, 4) == 0.76
    assert inequality_of([])["gini"] is None


def test_participation_inequality_on_store(make_store):
    con = connect_read_only(make_store(TABLES, DIRECTORY))
    row = compute(con, "participation_inequality", Scope(date(2026, 3, 2), date(2026, 3, 8))).row(0, named=True)
    # c 2 (m3 deleted, m5 private), a 1, b 1 (like), u 1; bot's m6 and b's m2 (next local day) not counted
    assert (row["contributors"], row["contributions"]) == (4, 5)
    assert (row["top1_share"], row["top10_share"], row["gini"], row["absence_factor"]) == (0.4, 0.4, 0.15, 2)
    con.close()


def test_not_available_without_messages_or_reactions(make_store):
    con = connect_read_only(make_store({"people": TABLES["people"], "visits": VISITS}, DIRECTORY))
    with pytest.raises(FactsNotAvailable) as caught:
        compute(con, "participation_inequality", Scope(date(2026, 3, 2), date(2026, 3, 8)))
    assert caught.value.missing == {"messages", "reactions"}
    con.close()

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


def test_inequality_over_everyone_counts_those_who_did_nothing():
    # one person of four does everything: among contributors it is perfectly equal, over everyone maximal
    assert inequality_of([5, 0, 0, 0])["gini"] == 0.0
    everyone = inequality_of([5, 0, 0, 0], include_zeros=True)
    # ascending 0, 0, 0, 5: (2*4 - 4 - 1) * 5 / (4 * 5) = 0.75, the largest Gini four people can have
    assert (everyone["people"], everyone["contributors"], everyone["gini"], everyone["top10_share"]) == (4, 1, 0.75, 1.0)
    assert inequality_of([0, 0], include_zeros=True)["gini"] is None  # nothing to share


def test_participation_inequality_on_store(make_store):
    con = connect_read_only(make_store(TABLES, DIRECTORY))
    frame = compute(con, "participation_inequality", Scope(date(2026, 3, 2), date(2026, 3, 8)))
    assert frame["population"].to_list() == ["eligible", "contributors"]
    row = frame.row(1, named=True)
    # contributors: c 2 (m3 deleted, m5 private), a 1, b 1 (like), u 1; bot's m6 and b's m2 (next local day) not
    assert (row["people"], row["contributors"], row["contributions"]) == (4, 4, 5)
    assert (row["top1_share"], row["top10_share"], row["gini"], row["absence_factor"]) == (0.4, 0.4, 0.15, 2)
    # eligible (directory, not left): a 1, b 1, c 2, m 0, d 0 -- u is not in the directory, l left.
    # ascending 0, 0, 1, 1, 2: (2*3-6)*1 + (2*4-6)*1 + (2*5-6)*2 = 10, / (5 * 4) = 0.5
    row = frame.row(0, named=True)
    assert (row["people"], row["contributors"], row["contributions"]) == (5, 3, 4)
    assert (row["top1_share"], row["top10_share"], row["gini"], row["absence_factor"]) == (0.5, 0.5, 0.5, 2)
    con.close()


def test_not_available_without_messages_or_reactions(make_store):
    con = connect_read_only(make_store({"people": TABLES["people"], "visits": VISITS}, DIRECTORY))
    with pytest.raises(FactsNotAvailable) as caught:
        compute(con, "participation_inequality", Scope(date(2026, 3, 2), date(2026, 3, 8)))
    assert caught.value.missing == {"messages", "reactions"}
    con.close()

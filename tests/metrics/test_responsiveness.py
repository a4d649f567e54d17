"""Leadership responsiveness on the six-person hierarchy of test_flows (see its docstring).

Office-manager threads (all in region Norte):
    m1  by om1: replies rm (regional manager, higher rank) after 2 h, st (lower), om1 itself, a bot
    m4  by om2: replies om1 (same rank) after 1 h, sd (sales director, higher) after 48 h
    m10 by om2: reply st (lower rank) only -> not answered by a higher rank
So Norte: 3 threads, 2 answered, share 2/3, median hours (2 + 48) / 2 = 25.
Silent leaders: om1 manages st, whose thread m7 om1 never answered (bd did) -> om1, 1 thread.
rm manages om1 and om2 (threads m1, m4, m10) and answered m1 -> not silent.
"""

from __future__ import annotations

from datetime import date

import pytest

from metrics.registry import compute
from metrics.responsiveness import leadership_responsiveness, silent_leaders
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.conftest import build_store
from pulso.core.errors import ParameterError
from pulso.core.settings import load_settings
from tests.metrics.test_flows import DIRECTORY, HIERARCHY_TABLES, SCOPE


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    connection = connect_read_only(build_store(tmp_path_factory.mktemp("hierarchy"), HIERARCHY_TABLES, DIRECTORY))
    yield connection
    connection.close()


def test_office_manager_threads_answered_by_higher_rank(con):
    rows = leadership_responsiveness(con, SCOPE).to_dicts()
    assert rows == [{"region": "Norte", "threads": 3, "answered_by_higher_rank": 2,
                     "share": pytest.approx(2 / 3), "median_hours_to_higher_reply": pytest.approx(25.0)}]


def test_first_week_only(con):
    rows = compute(con, "leadership_responsiveness", Scope(date(2026, 3, 2), date(2026, 3, 8))).to_dicts()
    assert rows[0]["threads"] == 2 and rows[0]["share"] == pytest.approx(1.0)


def test_other_leader_role(con):
    # staff threads: m7 by st, answered by bd (rank 1) after 4 h
    rows = leadership_responsiveness(con, SCOPE, leader_role="staff").to_dicts()
    assert rows == [{"region": "Norte", "threads": 1, "answered_by_higher_rank": 1, "share": pytest.approx(1.0),
                     "median_hours_to_higher_reply": pytest.approx(4.0)}]


def test_unknown_role_is_an_error(con):
    with pytest.raises(ParameterError, match="'cashier' is not allowed"):
        compute(con, "leadership_responsiveness", SCOPE, leader_role="cashier")


def test_hierarchy_comes_from_the_settings_the_store_was_built_with(tmp_path):
    # With office managers ranked above the regional manager, rm's reply is no longer from a higher rank:
    # m1 has no higher reply; m4 still has sd's.
    path = tmp_path / "flipped.toml"
    path.write_text('[hierarchy]\nroles = ["business director", "sales director", "office manager", '
                    '"regional manager", "staff"]\n', encoding="utf-8")
    from pipelines.ingest import ingest
    from tests.conftest import write_csv, write_export

    db = tmp_path / "flipped.duckdb"
    ingest([write_export(tmp_path / "export", HIERARCHY_TABLES), write_csv(tmp_path / "dir.csv", DIRECTORY)], db,
           settings=load_settings(path))
    flipped = connect_read_only(db)
    rows = leadership_responsiveness(flipped, SCOPE).to_dicts()
    flipped.close()
    assert rows[0]["answered_by_higher_rank"] == 1
    assert rows[0]["median_hours_to_higher_reply"] == pytest.approx(48.0)


def test_silent_leaders(con):
    rows = silent_leaders(con, SCOPE).to_dicts()
    assert [(r["person_id"], r["reports"], r["report_threads"]) for r in rows] == [("om1", 1, 1)]
    assert silent_leaders(con, SCOPE, min_threads=2).height == 0

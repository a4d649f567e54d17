"""AppTest on the bundled sample organisation: every page in both languages, numbers equal the metrics."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.i18n import fmt_number, fmt_percent
from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.dashboard.conftest import PAGES, metrics_by_label

WEEK = Scope(date(2026, 11, 9), date(2026, 11, 15))  # the sample's data ends on Sunday 2026-11-15


def frame(db, name, scope, **params):
    con = connect_read_only(db)
    try:
        return compute(con, name, scope, **params)
    finally:
        con.close()


def kpi(db, scope, name):
    f = frame(db, "kpi_summary", scope)
    return f.filter(f["kpi"] == name)["value"][0]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_page_renders(app, sample_store, lang):
    at = app(sample_store, lang=lang).run()
    assert not at.exception
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.title[0].value  # the page title in the chosen language


def test_cards_equal_kpi_summary_and_follow_the_region_filter(app, sample_store):
    at = app(sample_store).run()
    cards = metrics_by_label(at)
    for label, name in (("Cuentas activas", "active_accounts"), ("Hilos iniciados", "threads_started"),
                        ("Respuestas", "replies"), ("Me gusta", "likes"), ("Visitas", "visits")):
        assert cards[label] == fmt_number(kpi(sample_store, WEEK, name), "es"), label
    assert cards["Adopción"] == fmt_percent(kpi(sample_store, WEEK, "adoption"), "es")

    at.multiselect(key="f_region").set_value(["Bajío"]).run()
    bajio = Scope(WEEK.start, WEEK.end, regions=("Bajío",))
    cards = metrics_by_label(at)
    assert cards["Cuentas activas"] == fmt_number(kpi(sample_store, bajio, "active_accounts"), "es")
    assert cards["Cuentas activas"] != fmt_number(kpi(sample_store, WEEK, "active_accounts"), "es")
    # the region's adoption card agrees with the region's row of adoption_by
    by_region = frame(sample_store, "adoption_by", WEEK, by="region")
    assert cards["Adopción"] == fmt_percent(by_region.filter(by_region["segment"] == "Bajío")["adoption"][0], "es")


def test_flujos_draws_the_network_aggregated_for_a_large_organisation(app, sample_store):
    at = app(sample_store).run()
    at.switch_page("views/flujos.py").run()
    # 2,000+ people in 400+ offices: drawn by region unless the user asks otherwise
    assert at.radio(key="net_level").value == "region"
    at.radio(key="net_level").set_value("person").run()
    assert not at.exception
    assert any("agregada" in i.value for i in at.info)

"""AppTest on the hand-computed store (see conftest.py): shown numbers, filters, languages, messages."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.i18n import fmt_number, fmt_percent
from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from tests.dashboard.conftest import PAGES, metrics_by_label, query_list

WEEK = Scope(date(2026, 11, 9), date(2026, 11, 15))


def kpi(db, scope: Scope, name: str) -> float:
    con = connect_read_only(db)
    try:
        frame = compute(con, "kpi_summary", scope)
    finally:
        con.close()
    return frame.filter(frame["kpi"] == name)["value"][0]


def test_default_period_is_last_complete_week_and_cards_show_the_metric(app, hand_store):
    at = app(hand_store).run()
    assert not at.exception
    assert query_list(at, "start") == ["2026-11-09"] and query_list(at, "end") == ["2026-11-15"]
    cards = metrics_by_label(at)
    assert cards["Cuentas activas"] == "2" == fmt_number(kpi(hand_store, WEEK, "active_accounts"), "es")
    assert cards["Adopción"] == "50.0 %" == fmt_percent(kpi(hand_store, WEEK, "adoption"), "es")
    assert cards["Hilos iniciados"] == "1" and cards["Respuestas"] == "2"
    active = next(m for m in at.metric if m.label == "Cuentas activas")
    assert active.delta == "+100.0 %"
    # visits were not supplied by any source: the card says so instead of showing 0
    assert cards["Visitas"] == "n/d"
    assert any("no está disponible" in i.value and "Calendario" in i.value for i in at.info)
    # the (?) of each card is that KPI's own definition from the registry
    assert active.help == "Personas con al menos una acción en el periodo: visita, hilo, respuesta o me gusta."


def test_region_filter_changes_the_cards_and_the_url(app, hand_store):
    at = app(hand_store).run()
    at.multiselect(key="f_region").set_value(["Norte"]).run()
    assert not at.exception
    cards = metrics_by_label(at)
    norte = Scope(WEEK.start, WEEK.end, regions=("Norte",))
    assert cards["Cuentas activas"] == "1" == fmt_number(kpi(hand_store, norte, "active_accounts"), "es")
    assert cards["Adopción"] == "50.0 %"
    assert cards["Respuestas"] == "1"  # Ana's; Carla's reply is in Sur
    assert query_list(at, "region") == ["Norte"]
    assert next(m for m in at.metric if m.label == "Cuentas activas").delta == "+0.0 %"


def test_url_reproduces_the_view(app, hand_store):
    at = app(hand_store, region=["Sur"], start="2026-11-09", end="2026-11-15", lang="en").run()
    assert not at.exception
    assert at.multiselect(key="f_region").value == ["Sur"]
    cards = metrics_by_label(at)
    assert cards["Active accounts"] == "1" and cards["Replies"] == "1" and cards["Threads started"] == "0"
    assert cards["Visits"] == "n/a"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_page_renders_in_both_languages(app, hand_store, lang):
    at = app(hand_store, lang=lang).run()
    for page in PAGES:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert not at.warning, (page, [w.value for w in at.warning])


def test_regiones_drill_down_and_breadcrumb(app, hand_store):
    at = app(hand_store).run()
    at.switch_page("views/regiones.py").run()
    assert metrics_by_label(at)["Cuentas activas"] == "2"
    at.selectbox(key="drill_pick_0").set_value("Sur").run()
    assert not at.exception
    assert query_list(at, "dr") == ["Sur"]
    cards = metrics_by_label(at)
    assert cards["Cuentas activas"] == "1" and cards["Respuestas"] == "1" and cards["Hilos iniciados"] == "0"
    at.selectbox(key="drill_pick_1").set_value("S1").run()
    assert query_list(at, "do") == ["S1"]
    people = at.dataframe[-1].value
    assert sorted(people["ID"].to_list()) == ["E3", "E4"]  # the directory's ids, Sur/S1 only
    at.button(key="crumb_0").click().run()  # back to all regions
    assert "dr" not in at.query_params
    assert metrics_by_label(at)["Cuentas activas"] == "2"


def test_missing_store_says_so(app, tmp_path):
    at = app(tmp_path / "nothing.duckdb").run()
    assert not at.exception
    assert any("Aún no hay datos" in i.value for i in at.info)
    for page in PAGES[1:]:
        at.switch_page(f"views/{page}.py").run()
        assert not at.exception, page

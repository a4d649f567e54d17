"""Every page control lives in the URL, each value checked against the known ones before use: a shared link
reproduces the view, and a wrong value falls back to the default instead of failing."""

from __future__ import annotations

from tests.dashboard.conftest import query_list

WEEK = {"start": "2026-11-09", "end": "2026-11-15"}


def open_page(app, db, page, **query):
    at = app(db, **query).run()
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_comunidad_threshold_and_list_come_from_the_link(app, sample_store):
    at = open_page(app, sample_store, "comunidad", dias="60", lista="dormant", horas="72", **WEEK)
    assert at.number_input(key="c_days").value == 60 and at.number_input(key="c_hours").value == 72
    assert query_list(at, "dias") == ["60"] and query_list(at, "lista") == ["dormant"]
    assert any(s.value == "Personas dormidas" for s in at.subheader)  # the dormant list is the one computed
    assert not any(s.value == "Personas inactivas" for s in at.subheader)
    at.number_input(key="c_days").set_value(45).run()
    assert query_list(at, "dias") == ["45"]
    at.number_input(key="c_days").set_value(30).run()  # back to the default: the key leaves the link
    assert "dias" not in at.query_params


def test_wrong_values_in_the_link_fall_back_to_the_defaults(app, sample_store):
    at = open_page(app, sample_store, "comunidad", dias="abc", lista="everyone", horas="-5", **WEEK)
    assert at.number_input(key="c_days").value == 30 and at.number_input(key="c_hours").value == 48
    assert "dias" not in at.query_params and "lista" not in at.query_params
    at = open_page(app, sample_store, "flujos", nivel="galaxy", por="astrology", tipos="gossip", **WEEK)
    assert at.radio(key="net_level").value == "region"  # the sample's automatic level
    assert "nivel" not in at.query_params and "por" not in at.query_params
    assert query_list(at, "tipos") == []  # unknown kinds dropped: replies and mentions, the default


def test_flujos_kinds_level_breakdown_and_tab_come_from_the_link(app, sample_store):
    at = open_page(app, sample_store, "flujos", tipos=["reply", "like"], nivel="office", por="asker_role",
                   detalle="silos", **WEEK)
    assert at.radio(key="net_level").value == "office"
    assert query_list(at, "tipos") == ["reply", "like"] and query_list(at, "por") == ["asker_role"]
    assert query_list(at, "detalle") == ["silos"]
    assert any(s.value == "Silos" for s in at.subheader)
    # likes counted: no separate likes panel
    assert not any("Los me gusta, aparte" in m.value for m in at.markdown)


def test_regiones_drill_values_are_checked_against_the_store(app, sample_store):
    at = open_page(app, sample_store, "regiones", dr="Narnia", do="Nowhere", **WEEK)
    assert any(s.value == "Regiones comparadas" for s in at.subheader)  # the top level
    at = open_page(app, sample_store, "regiones", dr="Bajío", do="Not an office", pg="2", **WEEK)
    assert any(s.value == "Oficinas de Bajío comparadas" for s in at.subheader)
    assert any(c.value == "Oficinas 31–60 de 61" for c in at.caption)
    assert any(s.value == "Personas de Bajío sin oficina, por rol" for s in at.subheader)

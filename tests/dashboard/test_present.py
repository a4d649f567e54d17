"""What a person reads, on hand-made frames: labels for people without an office or a directory entry, one
number and date format per language, definitions without coded words, time axes over a year."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from dashboard import charts, present
from dashboard.present import cell_text, prose, translated, without_previous
from metrics.columns import NAME, OFFICE, REGION, ROLE
from metrics.registry import col
from pulso.core.scope import UNASSIGNED, Scope
from pulso.core.settings import load_settings

HIERARCHY = load_settings().hierarchy
PEOPLE = pl.DataFrame({"name": ["Rita", "Ana", "Uriel"], "region": ["Norte", "Norte", UNASSIGNED],
                       "office": [UNASSIGNED, "N1", UNASSIGNED], "role": ["regional manager", "staff", UNASSIGNED]})


def test_people_without_an_office_are_shown_by_their_role_never_as_an_office():
    es = translated(PEOPLE, (NAME, REGION, OFFICE, ROLE), "es", HIERARCHY, "America/Mexico_City")
    assert es["office"].to_list() == ["Gerente regional (sin oficina)", "N1", "Fuera del directorio"]
    assert es["region"].to_list() == ["Norte", "Norte", "Fuera del directorio"]
    assert es["role"].to_list() == ["Gerente regional", "Personal de oficina", "Fuera del directorio"]
    en = translated(PEOPLE, (NAME, REGION, OFFICE, ROLE), "en", HIERARCHY, "America/Mexico_City")
    assert en["office"].to_list() == ["Regional manager (no office)", "N1", "Not in the directory"]
    assert not any("unassigned" in v.lower() for v in es["office"].to_list() + en["office"].to_list())


def test_an_alert_unit_without_an_office_says_so_by_level():
    alerts = pl.DataFrame({"level": ["office", "region"], "unit": [UNASSIGNED, UNASSIGNED]})
    columns = (col("level", "str", "Nivel", "Level", "code"), col("unit", "str", "Unidad", "Unit", "unit"))
    shown = translated(alerts, columns, "es", HIERARCHY, "UTC")
    assert shown.rows() == [("Oficina", "Sin oficina"), ("Región", "Fuera del directorio")]


def test_one_format_per_language():
    assert cell_text(0.51549, "ratio", "es") == "51.5 %" and cell_text(0.51549, "ratio", "en") == "51.5%"
    assert cell_text(0.6667, "ratio", "es") == "66.7 %"  # never 66.67
    assert cell_text(0.7, "points", "es") == "+0.7 pts" and cell_text(-3.44, "points", "en") == "-3.4 pp"
    assert cell_text(12.345, "percent", "es") == "12.3 %"
    assert cell_text(1234.5, "count", "es") == "1,234.5" and cell_text(1234, "count", "en") == "1,234"
    assert cell_text(date(2026, 11, 9), "date", "es") == "9 nov 2026"
    assert cell_text(date(2026, 11, 9), "date", "en") == "Nov 9, 2026"
    assert cell_text(datetime(2026, 11, 9, 17, 1), "datetime_local", "es") == "9 nov 2026 17:01"
    assert cell_text(0.00043, "score", "en") == "0.00043" and cell_text(0.1234, "score", "en") == "0.123"
    assert cell_text(None, "count", "es") == "n/d" and cell_text(None, "name", "es") == ""
    assert cell_text(float("nan"), "hours", "en") == "n/a"
    assert cell_text(True, "bool", "es") == "Sí"


def test_definitions_say_coded_words_in_the_language():
    assert prose("first contribution (first_time) in the period", "en") == \
        "first contribution (first-time) in the period"
    assert "first_time" not in prose("first_time", "es") and prose("first_time", "es") == "primera aportación"


def test_a_time_axis_over_a_year_has_few_ticks_and_the_year_only_where_it_changes():
    weeks = [date(2025, 11, 17) + timedelta(days=7 * i) for i in range(52)]
    values, texts = charts.tick_dates(weeks, "es")
    assert len(values) <= charts.MAX_TICKS
    assert values[0] == date(2025, 12, 1)  # the first tick sits near a month's start (not mid-November)
    assert texts[0] == "dic<br>2025" and texts[1] == "feb<br>2026" and texts[2] == "abr"
    days, day_texts = charts.tick_dates([date(2026, 11, 9) + timedelta(days=i) for i in range(7)], "en")
    assert day_texts[0] == "Nov 9" and not any(t.endswith(",") for t in day_texts)


def test_the_previous_period_is_left_out_when_it_lies_before_the_data():
    span = (date(2025, 11, 17), date(2026, 11, 15))
    year = Scope(date(2025, 11, 17), date(2026, 11, 15))
    week = Scope(date(2026, 11, 9), date(2026, 11, 15))
    columns = ("segment", "adoption", "change_pts", "previous_adoption")
    assert without_previous(columns, year, span) == ("segment", "adoption")
    assert without_previous(columns, week, span) == columns


def test_every_shown_column_is_declared_by_its_metric():
    from metrics.registry import load_all_metrics

    metrics = load_all_metrics()
    extra = {"network_centrality": {"name"}, "region_bridges": {"name"}, "silos": {"name"},
             "discovered_topics": {"examples"}}
    for name, shown in present.SHOWN.items():
        declared = {c.name for c in metrics[name].columns} | extra.get(name, set())
        assert set(shown) <= declared, (name, set(shown) - declared)

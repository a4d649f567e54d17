"""The period report: `pulso report` writes one self-contained HTML file with the metrics' numbers."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dashboard.i18n import fmt_number
from metrics.registry import compute
from pulso.core.scope import Scope
from metrics.store import connect_read_only
from pulso.cli.main import main
from pulso.core.errors import ParameterError
from pulso.core.periods import parse_period


def test_parse_period():
    assert parse_period("2026-W46") == (date(2026, 11, 9), date(2026, 11, 15))
    assert parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-11-15") == (date(2026, 11, 15), date(2026, 11, 15))
    assert parse_period("2026-11-01..2026-11-15") == (date(2026, 11, 1), date(2026, 11, 15))
    with pytest.raises(ParameterError):
        parse_period("2026-11-15..2026-11-01")
    with pytest.raises(ParameterError):
        parse_period("week 46")


@pytest.mark.parametrize("lang, heading", [("es", "Indicadores clave"), ("en", "Key indicators")])
def test_report_command(hand_store, tmp_path, lang, heading):
    out = tmp_path / "r.html"
    assert main(["report", "--period", "2026-W46", "--out", str(out), "--db", str(hand_store), "--lang", lang]) == 0
    text = out.read_text(encoding="utf-8")
    assert heading in text
    assert "<script src" not in text  # no CDN: plotly.js is inlined ...
    assert text.count("plotly.js v") == 1  # ... exactly once
    con = connect_read_only(hand_store)
    try:
        kpis = compute(con, "kpi_summary", Scope(date(2026, 11, 9), date(2026, 11, 15)))
    finally:
        con.close()
    active = fmt_number(kpis.filter(kpis["kpi"] == "active_accounts")["value"][0], lang)
    assert active == "2"
    label = "Cuentas activas" if lang == "es" else "Active accounts"
    assert re.search(rf'{label}</div><div class="v">{active}</div>', text)
    # facts the sources did not supply are said to be unavailable, not shown as 0
    assert ("no está disponible" if lang == "es" else "is not available") in text


def test_report_without_store_is_one_line_error(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path / "r.html"), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no Pulso store here yet" in capsys.readouterr().err

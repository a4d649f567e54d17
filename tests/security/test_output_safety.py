"""Output safety: a name is plain text everywhere -- a CSV cell never runs as a formula, a plotly label or the
report never turns a name into a link, no message shows a server path."""

from __future__ import annotations

import json
import re
from datetime import date

import polars as pl
import pytest

from dashboard import charts, present
from dashboard.report import build_report
from metrics.registry import compute, load_all_metrics
from metrics.store import connect_read_only, store_settings
from pulso.cli.main import main
from pulso.core.scope import Scope
from tests.conftest import build_store
from tests.security import org

LINK = '<a href="https://evil.example/x">Norte</a>'
FORMULA = "=HYPERLINK(\"https://evil.example\",\"clic\")"
W = Scope(date(2026, 11, 9), date(2026, 11, 15))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The organisation of org.py with Norte renamed to a link and Sur to a formula."""
    directory = org.directory()
    for row in directory:
        row["region"] = {"Norte": LINK, "Sur": FORMULA}.get(row["region"], row["region"])
        if row["id"] == "O1-3":
            row["name"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    return build_store(tmp_path_factory.mktemp("safety"), org.tables(), directory, "safety.duckdb")


@pytest.mark.parametrize("cell, shown", [
    ("=1+1", "'=1+1"), ("+4.0 pts", "'+4.0 pts"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-3.5", "-3.5"), ("-12.5 %", "-12.5 %"), ("+1,234.5", "+1,234.5"), ("Norte", "Norte"),
    ("", ""), (None, None),
])
def test_csv_cells_that_would_run_as_a_formula_are_neutralised(cell, shown):
    assert present.csv_cell(cell) == shown


def test_csv_download_neutralises_names_and_regions(db):
    con = connect_read_only(db)
    try:
        settings = store_settings(con)
        people = compute(con, "inactive_people", W, days=1)
        adoption = compute(con, "adoption_by", W, by="region")
    finally:
        con.close()
    definitions = load_all_metrics()
    text = present.csv_text(adoption, definitions["adoption_by"].columns, "es", settings.hierarchy, settings.timezone)
    lines = text.splitlines()
    assert any(line.startswith("\"'=HYPERLINK(") for line in lines), lines
    assert not any(line.startswith(("=", "\"=")) for line in lines)
    text = present.csv_text(people, definitions["inactive_people"].columns, "es", settings.hierarchy, settings.timezone)
    assert "'@SUM(1+1)" in text and ",@SUM" not in text


def test_cli_csv_neutralises_too(db, capsys):
    assert main(["metric", "adoption_by", "--db", str(db), "--from", "2026-11-09", "--to", "2026-11-15",
                 "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "\"'=HYPERLINK(" in out and "\n=HYPERLINK" not in out and "\n\"=HYPERLINK" not in out


def test_a_name_in_a_plotly_label_is_not_a_link():
    frame = pl.DataFrame({"segment": [LINK, "Sur"], "adoption": [0.5, 0.4]})
    fig = present.safe_figure(charts.ranked_bars(frame, "segment", "adoption", "t", "es", "x", ratio=True))
    assert LINK not in list(fig.data[0].y)
    assert "&lt;a href=\"https://evil.example/x\"&gt;Norte&lt;/a&gt;" in list(fig.data[0].y)
    assert list(fig.data[0].customdata) == ["Sur", LINK]  # the click keys (never drawn) stay as they are
    nodes = pl.DataFrame({"node": ["a", "b"], "region": [LINK, "Sur"], "size": [1, 1]})
    edges = pl.DataFrame({"source": ["a"], "target": ["b"], "weight": [1.0]})
    network = present.safe_figure(charts.network(nodes, edges, "es", "Red"))
    templates = [tr.hovertemplate for tr in network.data if tr.hovertemplate]
    assert templates and all("<a href" not in t for t in templates)
    assert any("&lt;a href" in t for t in templates)
    assert all("<a href" not in (tr.name or "") for tr in network.data)


def test_the_report_shows_names_as_text(db):
    con = connect_read_only(db)
    try:
        document = build_report(lambda name, scope, **params: compute(con, name, scope, **params), W, "es",
                                load_all_metrics(), store_settings(con))
    finally:
        con.close()
    assert LINK not in document and LINK.replace('"', '\\"') not in document
    # in the charts' data the name is drawn escaped; only the click keys (customdata, never drawn) keep it as is
    drawn = re.sub(r'"customdata":\[[^\]]*\]', "", document)
    assert "\\u003ca href" not in drawn.lower()
    assert "&lt;a href=&quot;https://evil.example/x&quot;&gt;Norte&lt;/a&gt;" in document  # the table, escaped
    assert '"y":["&lt;a href=' in document  # the chart's label: plotly draws the entity as "<", never a tag


def test_no_server_path_in_messages():
    assert present.safe_error('IO Error: Cannot open file "/srv/pulso/data/pulso.duckdb": not found') == \
        'IO Error: Cannot open file "pulso.duckdb": not found'
    assert present.safe_error(r"C:\Users\ana\export\messages.csv, row 3: bad date") == "messages.csv, row 3: bad date"
    assert present.safe_error("a ratio 3/4 stays") == "a ratio 3/4 stays"


def test_rejected_rows_show_file_names_not_server_paths(tmp_path):
    from tests.conftest import write_csv, write_export
    from pipelines.ingest import ingest

    tables = org.tables()
    tables["messages"].append({"message_id": "x", "thread_id": "x", "author_id": "nadie",
                               "created_at": "2026-11-10 18:00:00"})
    db = tmp_path / "paths.duckdb"
    ingest([write_export(tmp_path / "deep" / "folder" / "export", tables), write_csv(tmp_path / "d.csv",
                                                                                     org.directory())], db)
    con = connect_read_only(db)
    try:
        files = compute(con, "store_rejected_rows", W)["file"].to_list() + \
            compute(con, "store_rejects_by_reason", W)["file"].to_list()
    finally:
        con.close()
    assert files == ["messages.csv", "messages.csv"]
    assert str(tmp_path) not in json.dumps(files)

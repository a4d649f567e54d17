"""The dashboard's gate, driven through AppTest's ``at.user`` (no provider needed): the sign-in page, the
"sin acceso" page, each role's pages, URL tampering and direct page URLs, local mode, the audit trail.
The organisation is tests/security/org.py; the default period is the last complete week with data, P
(2026-11-02 .. 08: N1-1 N2-2 N3-1 S1-2 E1-2 I1-1 O1-1 O1-2 active, 8 people)."""

from __future__ import annotations

import json

import pytest

from dashboard.pages import PAGES
from tests.conftest import build_store
from tests.security import org

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "0" * 64, "client_id": "pulso",
        "client_secret": "secreto", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tables = org.tables()
    tables["groups"] = [{"group_id": "sec", "name": "Comité secreto", "is_private": "true"},
                        {"group_id": "pub", "name": "Ventas", "is_private": "false"}]
    tables["memberships"] = [{"group_id": g, "person_id": p} for g in ("sec", "pub") for p in ("N1-1", "O1-1")]
    return build_store(tmp_path_factory.mktemp("dash"), tables, org.directory(), "dash.duckdb", org.VIEWERS)


@pytest.fixture
def signed(app, db):
    """``signed(email=None, groups=(), **query)``: an AppTest with sign-in configured, as that person."""
    def make(email: str | None = None, groups: tuple[str, ...] = (), **query):
        at = app(db, **query)
        at.secrets["auth"] = AUTH
        if email is not None:
            at.user = {"is_logged_in": True, "email": email, "groups": list(groups)}
        return at.run()
    return make


def every_text(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                                  "subheader", "header") for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [frame.value.to_csv() if hasattr(frame.value, "to_csv") else str(frame.value) for frame in at.dataframe]
    return "\n".join(str(p) for p in parts)


def pages(at):
    for page in PAGES:
        at.switch_page(f"views/{page.key}.py").run()
        yield page.key, at


def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_button(signed):
    at = signed()
    assert [b.label for b in at.button] == ["Iniciar sesión"]
    assert not at.metric and not at.dataframe and not at.sidebar.multiselect
    for _, page in pages(at):  # a direct page URL runs the same gate first
        assert [b.label for b in page.button] == ["Iniciar sesión"] and not page.metric


def test_a_signed_in_person_who_is_not_listed_sees_sin_acceso_and_nothing_else(signed):
    at = signed("nadie@banco.mx")
    assert [t.value for t in at.title] == ["Sin acceso"]
    assert any("nadie\\@banco" in m.value for m in at.markdown)  # the e-mail, escaped (no autolink)
    assert [b.label for b in at.button] == ["Cerrar sesión"]
    assert not at.metric and not at.dataframe and not at.sidebar.multiselect and not at.sidebar.date_input
    for key, page in pages(at):
        assert [t.value for t in page.title] == ["Sin acceso"], key
        assert not page.metric and not page.dataframe, key


def test_local_mode_says_there_is_no_access_control(app, db):
    at = app(db).run()
    assert any("sin control de acceso" in i.value for i in at.sidebar.info)


def test_local_mode_refuses_a_non_local_address(app, db):
    from streamlit import config

    at = app(db)
    config.set_option("server.address", "0.0.0.0")
    try:
        at.run()
    finally:
        config.set_option("server.address", "127.0.0.1")
    assert at.error and "no es local" in at.error[0].value
    assert not at.metric and not at.sidebar.multiselect


def test_a_director_sees_aggregates_and_no_person(signed):
    at = signed("dir@banco.mx")
    assert {m.label: m.value for m in at.metric}["Cuentas activas"] == "8"
    assert not at.multiselect(key="f_role").options and not at.multiselect(key="f_group").options
    names = [p for p, *_ in org.people()]
    for key, page in pages(at):
        text = every_text(page)
        assert not page.exception, key
        assert not any(f"Nombre {p}" in text for p in names), key  # no name anywhere
    at.switch_page("views/comunidad.py").run()
    assert any("Sin acceso" in i.value for i in at.info)


def test_the_administrator_does_see_names(signed):
    at = signed("admin@banco.mx")
    at.switch_page("views/comunidad.py").run()
    assert "Nombre " in every_text(at)  # so the director's check above can fail


def test_a_regional_manager_sees_only_their_region_whatever_the_url_says(signed):
    at = signed("n3-2@banco.mx")
    assert at.multiselect(key="f_region").options == ["Norte"]
    assert {m.label: m.value for m in at.metric}["Cuentas activas"] == "3"  # N1-1 N2-2 N3-1 in P
    tampered = signed("n3-2@banco.mx", region=["Oeste"], office=["O1"], group=["sec"])
    assert tampered.multiselect(key="f_region").value == [] and tampered.multiselect(key="f_office").value == []
    assert tampered.multiselect(key="f_group").value == []  # a private group from the URL is dropped too
    assert {m.label: m.value for m in tampered.metric}["Cuentas activas"] == "3"
    text = "\n".join(every_text(page) for _, page in pages(tampered))
    assert "Oeste" not in text and "Nombre O1-" not in text and "Comité secreto" not in text


def test_rejected_rows_only_for_an_administrator(signed):
    for email, shown in (("admin@banco.mx", True), ("n3-2@banco.mx", False), ("dir@banco.mx", False)):
        at = signed(email)
        at.switch_page("views/datos.py").run()
        refused = [i.value for i in at.info if "Sin acceso" in i.value]
        assert bool(refused) != shown, email


def test_person_level_views_are_audited(signed, db):
    log = db.with_name(db.name + ".audit.jsonl")
    before = len(log.read_text().splitlines()) if log.exists() else 0
    at = signed("x@banco.mx", ("comunidad",))
    at.switch_page("views/comunidad.py").run()
    entries = [json.loads(line) for line in log.read_text().splitlines()[before:]]
    assert entries and {e["viewer"] for e in entries} == {"x@banco.mx"}
    assert {"inactive_people", "champions"} <= {e["what"] for e in entries}
    assert all(e["action"] == "view" and e["scope"]["rights"]["role"] == "community manager" for e in entries)
    at.switch_page("views/resumen.py").run()  # aggregates and top posts: only top posts is person-level
    after = [json.loads(line)["what"] for line in log.read_text().splitlines()[before + len(entries):]]
    assert set(after) <= {"top_posts"}


def test_names_and_url_values_are_never_rendered_as_markdown(app, make_store):
    """A region and a person whose names are Markdown links, reached through the drill-down URL: every heading,
    button, caption and message shows them as text (escaped), and a URL value the store does not know is dropped."""
    link = "[clic](https://evil.example/x)"
    directory = org.directory()
    for row in directory:
        if row["region"] == "Norte":
            row["region"] = f"Norte {link}"
        if row["id"] == "N3-1":
            row["name"] = f"Ana {link} :red[roja] $x^2$"
    db = make_store(org.tables(), directory, name="markdown.duckdb")

    def rendered(at) -> list[str]:
        return [e.value for kind in ("markdown", "caption", "info", "warning", "subheader", "title", "success")
                for e in getattr(at, kind)] + [b.label for b in at.button]

    def unescaped(texts) -> list[str]:
        import re

        return [x for x in texts if re.search(r"(?<!\\)\]\(|(?<!\\):red|(?<!\\)\$x|(?<![\\\w])https(?<!\\):", x)]

    at = app(db, dr=f"Norte {link}", do="N3")
    at.run()
    at.switch_page("views/regiones.py").run()
    assert not at.exception
    texts = rendered(at)
    assert any("Norte" in x and "clic" in x for x in texts)  # the region is on screen (breadcrumb) ...
    assert not unescaped(texts), unescaped(texts)  # ... as text
    at = app(db, dr=f"Norte {link}", do="N3", dp="N3-1")
    at.run()
    at.switch_page("views/regiones.py").run()
    texts = rendered(at)
    assert any("Ana" in x for x in texts) and not unescaped(texts), unescaped(texts)
    at = app(db, dr="[x](https://evil.example/y)")  # not a region of the store: dropped, never shown
    at.run()
    at.switch_page("views/regiones.py").run()
    assert not any("evil.example/y" in x for x in rendered(at))


def shown_cells(element):
    """What a table's cells read on screen (the Styler's display values), as text."""
    from streamlit import dataframe_util

    return dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.arrow_data.styler.display_values)


def test_a_director_reads_withheld_figures_as_markers_in_tables_and_charts(signed):
    """Week W (tests/security/org.py): Este (4 people) and Islas (1) are "< 5" in the region comparison's table
    and bars, with the legend under them; the region matrix's Sur -> Este cell (S1-2 answered E1-2) shows "< 5"
    instead of its count, and no page fails on a withheld figure."""
    at = signed("dir@banco.mx", start="2026-11-09", end="2026-11-15")
    for key, page in pages(at):
        assert not page.exception, key
        if key == "regiones":
            rows = {r["Región"]: r for r in shown_cells(page.dataframe[0]).to_dict("records")}
            assert rows["Este"]["Adopción"] == rows["Islas"]["Activos"] == rows["Islas"]["Elegibles"] == "< 5"
            assert rows["Sur"]["Adopción"] == "60.0 %" and rows["Sur"]["Activos"] == "3"  # 5 people: shown
            assert [rows[r]["Lugar"] for r in ("Oeste", "Sur", "Norte", "Este", "Islas")] == ["1", "2", "3", "—", "—"]
            data = page.dataframe[0].value.set_index("Región")  # the cells themselves (an empty cell would be drawn
            assert data["Adopción"]["Este"] == "< 5" and data["Adopción"]["Sur"] == "60.0 %"  # as the placeholder)
            assert any("grupo de menos de 5 personas" in c.value for c in page.caption)
            bars = json.loads(page.get("plotly_chart")[0].proto.spec)["data"][0]
            assert dict(zip(bars["y"], bars["text"]))["Este"] == "&lt; 5"  # plotly draws the entity as "< 5"
            assert "Este" not in page.selectbox(key="drill_pick_0").options  # a withheld unit cannot be opened
        if key == "flujos":
            charts = [json.loads(c.proto.spec) for c in page.get("plotly_chart")]
            heatmaps = [d for c in charts for d in c["data"] if d["type"] == "heatmap" and "Este" in d["x"]]
            assert heatmaps, "the region matrix is drawn"
            cells = {(y, x): text for y, row in zip(heatmaps[0]["y"], heatmaps[0]["text"])
                     for x, text in zip(heatmaps[0]["x"], row)}
            assert cells[("Sur", "Este")] == "&lt; 5" and cells[("Oeste", "Norte")] == "1"
            sankey = [d for c in charts for d in c["data"] if d["type"] == "sankey"][0]  # staff -> staff drawn, the
            assert not any("%" in label for label in sankey["node"]["label"])  # share of what is drawn: not shown
            assert any("grupo de menos de 5 personas" in c.value for c in page.caption)


def test_the_drill_down_url_opens_only_what_the_viewer_may_open(signed):
    """A director's URL naming a withheld region (Este), a withheld office (N2, "< 5") or a person is dropped: the
    page shows the level above, with no name; a regional manager's URL naming a person elsewhere or an unknown id
    shows "not found", never the URL's text."""
    def crumbs(at):
        return [b.label for b in at.button if b.label.startswith("⬆")] + [m.value for m in at.markdown]

    at = signed("dir@banco.mx", dr="Este")
    at.switch_page("views/regiones.py").run()
    assert not at.exception and [s.value for s in at.subheader][0] == "Regiones comparadas"
    assert not any("Este" in c for c in crumbs(at))
    at = signed("dir@banco.mx", dr="Norte", do="N2", dp="N2-1")
    at.switch_page("views/regiones.py").run()
    texts = every_text(at)
    assert "Nombre N2-1" not in texts and "N2-1" not in texts and not any("N2" in c for c in crumbs(at))
    assert any(b.label == "⬆ Todas las regiones" for b in at.button)  # at Norte's level: its offices
    assert [s.value for s in at.subheader][0] == "Oficinas de Norte comparadas"
    at = signed("n3-2@banco.mx", dr="Norte", dp="O1-1")  # Oeste's office manager: not theirs to open
    at.switch_page("views/regiones.py").run()
    assert "O1-1" not in every_text(at) and "Nombre O1-1" not in every_text(at)
    assert any("no está" in i.value for i in at.info)
    at = signed("n3-2@banco.mx", dr="Norte", dp="[x](https://evil.example/z)")
    at.switch_page("views/regiones.py").run()
    assert "evil" not in every_text(at) and not any("evil" in b.label for b in at.button)

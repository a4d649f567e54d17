"""Pulso's dashboard: ``pulso serve`` runs ``streamlit run dashboard/app.py`` with PULSO_DB set.

The entry script draws the language switch and the global filters, builds the
one ``Scope`` every page uses, and runs the chosen page.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import streamlit as st

from dashboard import cache, filters
from dashboard.i18n import t
from dashboard.common import Context, set_current
from pulso.core.scope import Scope

DEFAULT_DB = "data/pulso.duckdb"
PAGES = Path(__file__).resolve().parent / "views"  # not "pages/": that name switches Streamlit to its legacy multipage mode


def _store_scope(db: Path, lang: str) -> Scope | None:
    """Filters in the sidebar for the store at ``db``; None when there is no store yet."""
    if not db.exists():
        return None
    options = cache.overview(db, "filter_options")
    bounds = cache.overview(db, "activity_bounds") or (date.today(), date.today())
    return filters.sidebar(lang, options, bounds)


def main() -> None:
    st.set_page_config(page_title="Pulso", page_icon=":material/monitoring:", layout="wide")
    lang = filters.language()
    db = Path(os.environ.get("PULSO_DB", DEFAULT_DB))
    scope = _store_scope(db, lang)
    set_current(Context(lang, db, scope))
    pages = [
        st.Page(str(PAGES / "resumen.py"), title=t("page_resumen", lang), icon=":material/monitoring:", url_path="resumen", default=True),
        st.Page(str(PAGES / "comunidad.py"), title=t("page_comunidad", lang), icon=":material/groups:", url_path="comunidad"),
        st.Page(str(PAGES / "regiones.py"), title=t("page_regiones", lang), icon=":material/map:", url_path="regiones"),
        st.Page(str(PAGES / "flujos.py"), title=t("page_flujos", lang), icon=":material/sync_alt:", url_path="flujos"),
        st.Page(str(PAGES / "contenido.py"), title=t("page_contenido", lang), icon=":material/forum:", url_path="contenido"),
        st.Page(str(PAGES / "datos.py"), title=t("page_datos", lang), icon=":material/database:", url_path="datos"),
    ]
    page = st.navigation(pages)
    st.title(page.title)
    if scope is not None:
        st.caption(filters.caption(scope, lang))
    page.run()


main()

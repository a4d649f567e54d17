"""Regiones (business director): drill down region -> office -> person by clicking a bar or choosing from the
list, with a breadcrumb back up; the same KPIs and a ranked comparison at every level, and at the end a person
page: who they are, their activity over time, their ladder stage week by week, whom they answer and who answers
them (by name), and their place in the network.

People without an office (regional managers and above, people outside the directory) are never an office:
at their region's level they are listed by role, and open straight on their person page.

The drill path lives in the URL (``?dr=REGION&do=OFFICE&dp=PERSON``), each value checked against the store's
regions, the region's offices and the people in scope before it is used, so a link reproduces the view.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import streamlit as st

from dashboard import cache, charts
from dashboard.common import (current, explain, fetch, fetch_silent, help_text, kpi_cards, plot, table, translated,
                              trend_scope, url_choice)
from dashboard.i18n import fmt_date, fmt_number, fmt_percent, t
from dashboard.present import SUPPRESSED, code_label, plain, prose, role_label, unit_label, without_previous
from metrics.registry import col
from pulso.core.scope import UNASSIGNED, Scope

DRILL_KEYS = ("dr", "do", "dp")
PAGE_SIZE = 30
NETWORK_KINDS = ("reply", "mention")  # what people write, as on the Flujos page by default
RANK = col("rank", "int", "Lugar", "Rank", "id")  # a place, not a figure: a withheld unit has none ("—")


def drill_path(db, rights=None) -> dict[str, str]:
    """{"region", "office", "person"} as far as the URL says and the store confirms for this viewer (values
    outside their rights, or hidden to protect small groups, are dropped like unknown ones)."""
    options = cache.filter_options(db, rights)
    path: dict[str, str] = {}
    region = st.query_params.get("dr")
    if not region or region not in options["region"]:
        return path
    path["region"] = region
    office = st.query_params.get("do")
    if office and (office, region) in set(options["office"]) and office != UNASSIGNED:
        path["office"] = office
    person = st.query_params.get("dp")
    if person and (rights is None or rights.person_level):  # checked against the people in scope by the person page
        path["person"] = person
    return path


def set_drill(path: dict[str, str]) -> None:
    """Move to ``path``; forget the chart selections and list choices of the levels left."""
    for key in [k for k in st.session_state if str(k).startswith(("drill_chart_", "drill_pick_", "drill_page"))]:
        del st.session_state[key]
    for key, part in zip(DRILL_KEYS, ("region", "office", "person")):
        if part in path:
            st.query_params[key] = path[part]
        elif key in st.query_params:
            del st.query_params[key]


def narrowed(scope: Scope, path: dict[str, str]) -> Scope:
    if "region" in path:
        scope = replace(scope, regions=(path["region"],))
    if "office" in path:
        scope = replace(scope, offices=(path["office"],))
    return scope


def comparison(frame: pl.DataFrame) -> pl.DataFrame:
    """Adoption ranked (1 = highest) with the change in points; no office called "unassigned". A unit withheld to
    protect a small group (no adoption) comes last and has no place."""
    ranked = (frame.filter(pl.col("segment") != UNASSIGNED).sort("adoption", descending=True, nulls_last=True)
              .with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64)))
    return ranked.with_columns(pl.when(pl.col("adoption").is_null()).then(None).otherwise(pl.col("rank")).alias("rank"))


def breadcrumb(path: dict[str, str], lang: str, person_name: str | None) -> None:
    crumbs = [(t("drill_all", lang), {})]
    if "region" in path:
        crumbs.append((unit_label(path["region"], lang, "region"), {"region": path["region"]}))
    if "office" in path:
        crumbs.append((path["office"], {k: path[k] for k in ("region", "office")}))
    if "person" in path:
        crumbs.append((person_name or path["person"], path))
    columns = st.columns(len(crumbs) + 1)
    for i, (name, target) in enumerate(crumbs):
        if i < len(crumbs) - 1:
            if columns[i].button(f"⬆ {plain(name)}", key=f"crumb_{i}", help=t("drill_up", lang, name=plain(name))):
                set_drill(target)
                st.rerun()
        else:
            columns[i].markdown(f"**{plain(name)}**")


def render() -> None:
    ctx = current()
    lang = ctx.lang
    if ctx.scope is None:
        fetch(ctx, "kpi_summary")
        return
    path = drill_path(ctx.db, ctx.scope.rights)
    scope = narrowed(ctx.scope, path)
    if "person" in path:
        person_page(ctx, scope, path, lang)
        return
    breadcrumb(path, lang, None)
    kpis = fetch(ctx, "kpi_summary", scope=scope)
    if kpis is not None:
        kpi_cards(ctx, kpis, extra=fetch_silent(ctx, "group_participation_overall", scope=scope))
    if "office" in path:
        office_people(ctx, scope, path, lang)
    elif "region" in path:
        units(ctx, scope, path, "office", lang)
        people_without_office(ctx, scope, path, lang)
    else:
        units(ctx, scope, path, "region", lang)


def units(ctx, scope: Scope, path: dict[str, str], by: str, lang: str) -> None:
    """The regions (or a region's offices) ranked by adoption, a page of bars at a time; click or choose one."""
    level = len(path)
    title = t("comparison_region", lang) if by == "region" else \
        t("comparison_office", lang, region=plain(unit_label(path["region"], lang, "region")))
    st.subheader(title, help=help_text("adoption_by", lang))
    frame = fetch(ctx, "adoption_by", scope=scope, by=by, quiet_empty=True)
    ranked = comparison(frame) if frame is not None else None
    if ranked is None or ranked.is_empty():
        if by == "office":
            st.info(t("no_offices", lang, region=plain(unit_label(path["region"], lang, "region"))))
        return
    st.caption(t("drill_hint", lang))
    pages = max(1, -(-ranked.height // PAGE_SIZE))
    page = 1
    if pages > 1:
        page = int(url_choice(st.segmented_control, t("page", lang), [str(p) for p in range(1, pages + 1)],
                              key=f"drill_page_{level}", default="1", url="pg") or 1)
    first = (page - 1) * PAGE_SIZE
    shown = ranked.slice(first, PAGE_SIZE)
    names = translated(ctx, shown, "adoption_by")
    if pages > 1:
        st.caption(t("offices_page", lang, first=first + 1, last=first + shown.height, total=ranked.height))
    fig = charts.ranked_bars(names.with_columns(segment_key=shown["segment"]), "segment", "adoption",
                             f"{t('adoption', lang)} · {t(by, lang).lower()}", lang, t("adoption", lang), ratio=True,
                             keys="segment_key")
    event = plot(fig, on_select="rerun", selection_mode="points", key=f"drill_chart_{level}",
                 config={"displaylogo": False})
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    # a unit withheld to protect a small group cannot be opened (its figures would single the group out)
    open_units = ranked.filter(pl.col(SUPPRESSED).is_null()) if SUPPRESSED in ranked.columns else ranked
    if points:
        chosen = points[0].get("customdata") or points[0].get("y")
        if chosen and chosen in set(open_units["segment"]):
            set_drill({**path, by: str(chosen)})
            st.rerun()
    choice = st.selectbox(t(f"drill_choose_{by}", lang), [None, *open_units["segment"].to_list()],
                          key=f"drill_pick_{level}",
                          format_func=lambda v: "—" if v is None else unit_label(v, lang, by))
    if choice:
        set_drill({**path, by: choice})
        st.rerun()
    table(ctx, ranked, columns=(RANK, *cache.registry()["adoption_by"].columns),
          shown=without_previous(("rank", "segment", "adoption", "change_pts", "active", "eligible", "contributing",
                                  "previous_adoption"), scope, cache.data_span(ctx.db)), labels={"segment": t(by, lang)})
    explain("adoption_by", lang)


def person_choice(ctx, people: pl.DataFrame, key: str, lang: str) -> None:
    """A list of people (translated) to open one's page."""
    hierarchy = cache.settings(ctx.db).hierarchy
    labels = {p: f"{n} · {role_label(r, lang, hierarchy)}" for p, n, r in
              zip(people["person_id"], people["name"], people["role"])}
    chosen = st.selectbox(t("drill_choose_person", lang), [None, *labels], key=key,
                          format_func=lambda v: "—" if v is None else labels.get(v, v))
    return chosen


def people_without_office(ctx, scope: Scope, path: dict[str, str], lang: str) -> None:
    """The region's people who have no office, by role: they open straight on their person page."""
    region = plain(unit_label(path["region"], lang, "region"))
    st.subheader(t("without_office", lang, region=region), help=help_text("person_directory", lang))
    people = fetch(ctx, "person_directory", scope=replace(scope, offices=(UNASSIGNED,)), quiet_empty=True)
    if people is None:
        return
    hierarchy = cache.settings(ctx.db).hierarchy
    people = people.with_columns(pl.col("role").map_elements(lambda r: hierarchy.rank(r) or 99,
                                                             return_dtype=pl.Int64).alias("_rank")).sort("_rank", "name")
    chosen = person_choice(ctx, people, "drill_pick_noffice", lang)
    if chosen:
        set_drill({**path, "person": chosen})
        st.rerun()
    table(ctx, people, "person_directory", shown=("role", "name", "last_activity", "manager"))


def office_people(ctx, scope: Scope, path: dict[str, str], lang: str) -> None:
    st.subheader(t("people_in", lang, office=plain(path["office"])), help=help_text("participation_ladder", lang))
    people = fetch(ctx, "participation_ladder", scope=scope)
    if people is None:
        return
    chosen = person_choice(ctx, people, f"drill_pick_{len(path)}", lang)
    if chosen:
        set_drill({**path, "person": chosen})
        st.rerun()
    table(ctx, people, "participation_ladder", shown=("name", "stage", "role", "person_id"),
          count_word=t("people", lang).lower())
    explain("participation_ladder", lang)


# ---- the person page ---------------------------------------------------------------------------------------------

def person_page(ctx, scope: Scope, path: dict[str, str], lang: str) -> None:
    person = path["person"]
    summary = fetch_silent(ctx, "person_summary", scope=scope, person=person) if person in _people_ids(ctx, scope) \
        else None
    breadcrumb(path, lang, summary["name"][0] if summary is not None else "—")  # never the URL's text
    if summary is None:
        st.info(t("person_not_found", lang))
        return
    hierarchy = cache.settings(ctx.db).hierarchy
    row = translated(ctx, summary, "person_summary").row(0, named=True)
    raw = summary.row(0, named=True)
    st.subheader(plain(row["name"]), help=help_text("person_summary", lang))
    place = [row["role"]] + ([row["office"]] if raw["office"] != UNASSIGNED else []) + [row["region"]]
    st.markdown(plain(" · ".join(place)))
    stage = fetch_silent(ctx, "participation_ladder", scope=scope)
    stage = stage.filter(pl.col("person_id") == person)["stage"].to_list() if stage is not None else []
    facts = [t("person_manager", lang, manager=raw["manager"]) if raw["manager"] else t("person_no_manager", lang),
             f"{t('person_stage', lang)}: {code_label(stage[0], lang) if stage else '—'}",
             f"{t('person_last', lang)}: {fmt_date(raw['last_activity'], lang) if raw['last_activity'] else '—'}"]
    st.markdown(plain(" · ".join(facts)))
    definition = cache.registry()["person_summary"]
    cards = [(definition.column(c).label[lang], fmt_number(raw[c], lang))
             for c in ("active_days", "threads_started", "replies", "likes_given", "replies_received",
                       "likes_received", "people_replied_to", "people_who_replied", "visits")]
    for first in range(0, len(cards), 4):
        for column, (name, value) in zip(st.columns(4), cards[first:first + 4]):
            column.metric(name, value, border=True)
    with st.expander(f"ℹ️ {t('definition', lang)}: {definition.label[lang]}"):
        st.markdown(prose(definition.definition[lang], lang))

    window = trend_scope(scope)
    left, right = st.columns(2)
    with left:
        activity = fetch(ctx, "person_activity", scope=window, person=person)
        st.subheader(t("person_activity", lang, name=plain(row["name"]), start=fmt_date(window.start, lang),
                       end=fmt_date(window.end, lang)), help=help_text("person_activity", lang))
        if activity is not None:
            labels = {c.name: c.label[lang] for c in cache.registry()["person_activity"].columns}
            plot(charts.person_activity(activity, lang, "", labels), key="person_activity",
                 config={"displaylogo": False})
    with right:
        st.subheader(t("person_history", lang), help=help_text("person_stage_history", lang))
        history = fetch(ctx, "person_stage_history", scope=scope, person=person)
        if history is not None:
            plot(charts.stage_history(translated(ctx, history, "person_stage_history"), lang, ""),
                 key="person_history", config={"displaylogo": False})

    ties = fetch(ctx, "person_ties", scope=scope, person=person, quiet_empty=True)
    left, right = st.columns(2)
    for column, title, field, empty in ((left, "person_answers", "replies_given", "person_no_replies"),
                                        (right, "person_answered_by", "replies_received", "person_no_replied")):
        with column:
            st.subheader(t(title, lang), help=help_text("person_ties", lang))
            part = ties.filter(pl.col(field) > 0).sort(field, descending=True) if ties is not None else None
            if part is None or part.is_empty():
                st.caption(t(empty, lang))
            else:
                table(ctx, part, "person_ties", shown=("name", field, "role", "office"),
                      count_word=t("people", lang).lower(), key=f"ties_{field}")

    network_place(ctx, person, lang, hierarchy)


def _people_ids(ctx, scope: Scope) -> set[str]:
    people = fetch_silent(ctx, "person_directory", scope=scope)
    return set(people["person_id"].to_list()) if people is not None else set()


def network_place(ctx, person: str, lang: str, hierarchy) -> None:
    """The person's row of the network centrality (whole scope of the sidebar, replies and mentions), ranked."""
    st.subheader(t("person_network", lang), help=help_text("network_centrality", lang))
    centrality = fetch_silent(ctx, "network_centrality", kinds=",".join(NETWORK_KINDS))
    if centrality is None or person not in set(centrality["person_id"]):
        st.caption(t("no_network_tie", lang))
        return
    total = centrality.height
    ranked = centrality.with_columns(pl.col("pagerank").rank("min", descending=True).alias("pr_rank"),
                                     pl.col("betweenness").rank("min", descending=True).alias("bt_rank"))
    me = ranked.filter(pl.col("person_id") == person).row(0, named=True)
    if me["in_degree"] == 0 and me["out_degree"] == 0:
        st.caption(t("no_network_tie", lang))
        return
    cards = st.columns(4)
    cards[0].metric(t("in_degree", lang), fmt_number(me["in_degree"], lang), border=True)
    cards[1].metric(t("out_degree", lang), fmt_number(me["out_degree"], lang), border=True)
    cards[2].metric(t("pagerank_rank", lang, total=fmt_number(total, lang)), fmt_number(me["pr_rank"], lang),
                    border=True)
    cards[3].metric(t("betweenness_rank", lang, total=fmt_number(total, lang)),
                    fmt_number(me["bt_rank"], lang) if me["betweenness"] > 0 else "—", border=True)
    if me["betweenness"] == 0:
        st.caption(t("no_brokerage", lang))
    communities = fetch_silent(ctx, "network_communities", kinds=",".join(NETWORK_KINDS))
    if communities is not None and person in set(communities["person_id"]):
        number = communities.filter(pl.col("person_id") == person)["community"][0]
        members = communities.filter(pl.col("community") == number)
        regions = members.group_by("region").len().sort("len", descending=True)
        main, count = regions.row(0)
        st.markdown(plain(t("community_of", lang, n=number + 1, people=fmt_number(members.height, lang),
                            share=fmt_percent(count / members.height, lang, 0),
                            region=unit_label(main, lang, "region"))))
    explain("network_centrality", lang)


if __name__ == "__main__":
    render()

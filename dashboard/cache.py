"""All of the dashboard's caching, in one place.

* The read-only connection is a ``st.cache_resource`` keyed by the store
  file's path; it remembers the file's (mtime, inode) and, when a new store
  has been published over it (``os.replace``), closes the old connection
  before opening the new one (DuckDB would otherwise keep serving the replaced
  file to this process).
* Metric frames are ``st.cache_data`` keyed by the store version (path, mtime,
  inode) + metric name + scope + parameters, so a heavy metric (network,
  topics) is computed once per store and view, never per page render. The
  scope carries the viewer's rights, so a cached frame is only ever served to
  viewers with the same rights (Streamlit's caches are shared by all sessions);
  so are the filter options and the rights of an identity.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from metrics.registry import compute, load_all_metrics
from metrics.store import connect_read_only, prepare
from pulso.core.scope import Scope


@dataclass
class _Pool:
    lock: threading.Lock = field(default_factory=threading.Lock)
    open: dict[str, tuple[tuple[int, int], duckdb.DuckDBPyConnection]] = field(default_factory=dict)


@st.cache_resource(show_spinner=False)
def _pool() -> _Pool:
    return _Pool()


def store_version(path: str | Path) -> str:
    """``path|mtime_ns|inode``: changes whenever a new store is published at ``path``."""
    stat = os.stat(path)
    return f"{Path(path).resolve()}|{stat.st_mtime_ns}|{stat.st_ino}"


def connection(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A cursor on the (cached) read-only connection to the current store at ``path``.

    Each call returns its own cursor so Streamlit's session threads never share one statement stream.
    """
    path = str(Path(path).resolve())
    stat = os.stat(path)  # raises FileNotFoundError when there is no store: callers say so
    key = (stat.st_mtime_ns, stat.st_ino)
    pool = _pool()
    with pool.lock:
        current = pool.open.get(path)
        if current is None or current[0] != key:
            if current is not None:
                current[1].close()
            pool.open[path] = (key, connect_read_only(path))
        cursor = pool.open[path][1].cursor()
    prepare(cursor)
    return cursor


@st.cache_data(show_spinner=False, max_entries=1000)
def _metric_frame(version: str, name: str, scope: Scope, params: tuple) -> pl.DataFrame:
    path = version.split("|", 1)[0]
    con = connection(path)
    try:
        return compute(con, name, scope, **dict(params))
    finally:
        con.close()


def metric_frame(db: str | Path, name: str, scope: Scope, **params) -> pl.DataFrame:
    """``compute(con, name, scope, **params)`` cached per store version; raises what ``compute`` raises."""
    return _metric_frame(store_version(db), name, scope, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=200)
def _store_fact(version: str, what: str) -> object:
    from metrics.parameters import act_kinds
    from metrics.store import data_span, store_settings

    con = connection(version.split("|", 1)[0])
    try:
        return {"data_span": data_span, "settings": store_settings, "act_kinds": act_kinds}[what](con)
    finally:
        con.close()


@st.cache_data(show_spinner=False, max_entries=500)
def _filter_options(version: str, rights) -> dict:
    from metrics.store_overview import filter_options as options

    con = connection(version.split("|", 1)[0])
    try:
        return options(con, rights)
    finally:
        con.close()


def filter_options(db: str | Path, rights=None) -> dict:
    """The values the sidebar filters offer to a viewer with ``rights``, cached per store version and rights
    (Streamlit's caches are shared by every session: whatever depends on the viewer is part of the key)."""
    return _filter_options(store_version(db), rights)


def data_span(db: str | Path):
    """(first, last) local day with data, cached per store version."""
    return _store_fact(store_version(db), "data_span")


def settings(db: str | Path):
    """The settings the store was built with (role labels, time zone), cached per store version."""
    return _store_fact(store_version(db), "settings")


def act_kinds(db: str | Path) -> list[str]:
    """The interaction kinds the store holds (reply, mention, like and the generic interactions' kinds)."""
    return _store_fact(store_version(db), "act_kinds")


@st.cache_resource(show_spinner=False)
def registry() -> dict:
    """The metric registry (every metric module imported once)."""
    return load_all_metrics()


@st.cache_data(show_spinner=False, max_entries=50)
def _network_figure(version: str, scope: Scope, level: str, lang: str, title: str, kinds: tuple[str, ...] | None):
    from dashboard import charts, present

    path = version.split("|", 1)[0]
    edges = metric_frame(path, "interaction_edges", scope, kinds=kinds)
    store = settings(path)
    people = present.translated(metric_frame(path, "person_directory", scope), registry()["person_directory"].columns,
                                lang, store.hierarchy, store.timezone)
    nodes, links = charts.aggregate_edges(edges, people, level)
    if level == "person":
        names = dict(zip(people["person_id"].to_list(), people["name"].to_list()))
        try:
            communities = metric_frame(path, "network_communities", scope, kinds=kinds)
        except Exception:  # no community (e.g. no tie): colour by region
            return charts.network(nodes, links, lang, title, color="region", names=names)
        nodes = nodes.join(communities.select(pl.col("person_id").alias("node"),
                                              (pl.col("community") + 1).cast(pl.String).alias("community")),
                           on="node", how="left")
        return charts.network(nodes, links, lang, title, color="community", names=names)
    return charts.network(nodes, links, lang, title, color="region")


def network_figure(db: str | Path, scope: Scope, level: str, lang: str, title: str,
                   kinds: tuple[str, ...] | None = None):
    """The network drawing (layout included) cached per store version, scope, level and interaction kinds."""
    return _network_figure(store_version(db), scope, level, lang, title, kinds)


@st.cache_data(show_spinner=False, max_entries=500)
def _viewer_rights(version: str, email: str, groups: tuple[str, ...]):
    from metrics.access import rights_for

    con = connection(version.split("|", 1)[0])
    try:
        return rights_for(con, email, groups)
    finally:
        con.close()


def viewer_rights(db: str | Path, email: str, groups: tuple[str, ...]):
    """The rights of a signed-in identity under the store's settings (None: no access), cached per store version
    and identity."""
    return _viewer_rights(store_version(db), email, tuple(sorted(groups)))

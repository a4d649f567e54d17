"""All of the dashboard's caching, in one place.

* Stores: each published version of the store file (path, mtime, inode) gets
  one read-only DuckDB connection, opened by attaching the file to a fresh
  in-memory instance (so that DuckDB's per-process instance cache never hands
  back a replaced file). **A page run holds one version for the whole run**
  (``run_store``, entered by ``app.py``): a store published while the page
  renders is picked up by the next run, and a replaced version's connection is
  closed only when the last run using it ends -- never under a running page.
* Metric frames are ``st.cache_data`` keyed by the store version (path, mtime,
  inode) + metric name + scope + parameters, so a heavy metric (network,
  topics) is computed once per store and view, never per page render. The
  scope carries the viewer's rights, so a cached frame is only ever served to
  viewers with the same rights (Streamlit's caches are shared by all sessions);
  so are the filter options and the rights of an identity.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import streamlit as st

from metrics.registry import compute, load_all_metrics
from metrics.store import connect_read_only, prepare
from pulso.core.errors import StoreMissing
from pulso.core.scope import Scope
from pulso.core.sql import one, run

CATALOG = "pulso_store"


@dataclass
class _Store:
    """One published version of the store, open read-only, and how many runs use it."""

    path: str
    version: str
    con: duckdb.DuckDBPyConnection
    users: int = 0
    current: bool = True


@dataclass
class _Pool:
    lock: threading.Lock = field(default_factory=threading.Lock)
    current: dict[str, _Store] = field(default_factory=dict)  # path -> the newest version opened
    retired: list[_Store] = field(default_factory=list)  # replaced versions still used by a run


@st.cache_resource(show_spinner=False)
def _pool() -> _Pool:
    return _Pool()


_RUN: contextvars.ContextVar[_Store | None] = contextvars.ContextVar("pulso_run_store", default=None)


def store_version(path: str | Path) -> str:
    """``path|mtime_ns|inode``: changes whenever a new store is published at ``path``."""
    stat = os.stat(path)
    return f"{Path(path).resolve()}|{stat.st_mtime_ns}|{stat.st_ino}"


def _open(path: str) -> duckdb.DuckDBPyConnection:
    """The store at ``path``, read-only, in its own DuckDB instance (checked like ``connect_read_only``)."""
    connect_read_only(path).close()  # the schema check and its one-line errors
    con = duckdb.connect()
    try:
        quoted = path.replace("'", "''")
        run(con, f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")
        run(con, f"USE {CATALOG}")
        prepare(con)
        one(con, "SELECT count(*) FROM store_info")
    except duckdb.Error:
        con.close()
        raise StoreMissing(f"{Path(path).name}: not a Pulso store") from None
    return con


def _acquire(path: str) -> _Store:
    pool = _pool()
    with pool.lock:
        version = store_version(path)
        store = pool.current.get(path)
        if store is None or store.version != version:
            if store is not None:
                store.current = False
                if store.users == 0:
                    store.con.close()
                else:
                    pool.retired.append(store)
            for _ in range(5):  # a publish between the stat and the open: open the newer one
                con = _open(path)
                again = store_version(path)
                if again == version:
                    break
                con.close()
                version = again
            store = _Store(path, version, con)
            pool.current[path] = store
        store.users += 1
        return store


def _release(store: _Store) -> None:
    pool = _pool()
    with pool.lock:
        store.users -= 1
        if not store.current and store.users == 0:
            store.con.close()
            if store in pool.retired:
                pool.retired.remove(store)


def open_stores(db: str | Path) -> int:
    """How many versions of the store at ``db`` have an open connection (the current one and those a run still
    holds)."""
    path = str(Path(db).resolve())
    pool = _pool()
    with pool.lock:
        return int(path in pool.current) + sum(1 for s in pool.retired if s.path == path)


@contextlib.contextmanager
def run_store(db: str | Path) -> Iterator[None]:
    """Hold the store version published at ``db`` for the time of one page run (nothing when there is none)."""
    path = str(Path(db).resolve())
    if not os.path.exists(path):
        yield
        return
    store = _acquire(path)
    token = _RUN.set(store)
    try:
        yield
    finally:
        _RUN.reset(token)
        _release(store)


def _cursor_on(store: _Store) -> duckdb.DuckDBPyConnection:
    cursor = store.con.cursor()
    run(cursor, f"USE {CATALOG}")
    prepare(cursor)
    return cursor


@contextlib.contextmanager
def cursor(path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the store version this run holds (outside a run: the current version, held meanwhile)."""
    resolved = str(Path(path).resolve())
    held = _RUN.get()
    store = held if held is not None and held.path == resolved else _acquire(resolved)
    con = _cursor_on(store)
    try:
        yield con
    finally:
        con.close()
        if store is not held:
            _release(store)


def connection(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A cursor on the store version this run holds, or on the current one (the caller closes it). Prefer
    ``with cursor(path)``, which also holds the version for its time outside a run."""
    resolved = str(Path(path).resolve())
    held = _RUN.get()
    if held is not None and held.path == resolved:
        return _cursor_on(held)
    store = _acquire(resolved)
    try:
        return _cursor_on(store)
    finally:
        _release(store)


def _version(db: str | Path) -> str:
    """The version of the store this run holds at ``db`` (else the file's current version)."""
    held = _RUN.get()
    if held is not None and held.path == str(Path(db).resolve()):
        return held.version
    return store_version(db)


@st.cache_data(show_spinner=False, max_entries=1000)
def _metric_frame(version: str, name: str, scope: Scope, params: tuple) -> pl.DataFrame:
    with cursor(version.split("|", 1)[0]) as con:
        return compute(con, name, scope, **dict(params))


def metric_frame(db: str | Path, name: str, scope: Scope, **params) -> pl.DataFrame:
    """``compute(con, name, scope, **params)`` cached per store version; raises what ``compute`` raises."""
    return _metric_frame(_version(db), name, scope, tuple(sorted(params.items())))


@st.cache_data(show_spinner=False, max_entries=200)
def _store_fact(version: str, what: str) -> object:
    from metrics.parameters import act_kinds
    from metrics.store import data_span, store_settings

    with cursor(version.split("|", 1)[0]) as con:
        return {"data_span": data_span, "settings": store_settings, "act_kinds": act_kinds}[what](con)


@st.cache_data(show_spinner=False, max_entries=500)
def _filter_options(version: str, rights) -> dict:
    from metrics.store_overview import filter_options as options

    with cursor(version.split("|", 1)[0]) as con:
        return options(con, rights)


def filter_options(db: str | Path, rights=None) -> dict:
    """The values the sidebar filters offer to a viewer with ``rights``, cached per store version and rights
    (Streamlit's caches are shared by every session: whatever depends on the viewer is part of the key)."""
    return _filter_options(_version(db), rights)


def data_span(db: str | Path):
    """(first, last) local day with data, cached per store version."""
    return _store_fact(_version(db), "data_span")


def settings(db: str | Path):
    """The settings the store was built with (role labels, time zone), cached per store version."""
    return _store_fact(_version(db), "settings")


def act_kinds(db: str | Path) -> list[str]:
    """The interaction kinds the store holds (reply, mention, like and the generic interactions' kinds)."""
    return _store_fact(_version(db), "act_kinds")


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
    return _network_figure(_version(db), scope, level, lang, title, kinds)


@st.cache_data(show_spinner=False, max_entries=500)
def _viewer_rights(version: str, email: str, groups: tuple[str, ...]):
    from metrics.access import rights_for

    with cursor(version.split("|", 1)[0]) as con:
        return rights_for(con, email, groups)


def viewer_rights(db: str | Path, email: str, groups: tuple[str, ...]):
    """The rights of a signed-in identity under the store's settings (None: no access), cached per store version
    and identity."""
    return _viewer_rights(_version(db), email, tuple(sorted(groups)))

"""Charts: pure functions from a polars frame to a plotly figure, labelled in the chosen language.

Long category names go on the vertical axis (horizontal bars) so labels never
overlap; calendar events are markers with their title on hover rather than
text that could collide.
"""

from __future__ import annotations

import math

import networkx as nx
import plotly.graph_objects as go
import polars as pl

from dashboard.i18n import WEEKDAYS, fmt_date, t
from dashboard.present import code_label

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
LADDER = ("unaware", "interested", "first_time", "regular", "enthusiast")


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            height: int = 380) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "y": 0.98, "yanchor": "top"}, height=height,
                      margin={"l": 10, "r": 10, "t": 80, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
                      separators=".,", hoverlabel={"namelength": -1})
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def _tick_dates(fig: go.Figure, dates: list, lang: str) -> None:
    """Dates in the chosen language; at most ~10 ticks, the year only when the axis spans several."""
    dates = [d for d in dates if d is not None]
    if not dates:
        return
    step = max(1, math.ceil(len(dates) / 10))
    shown = dates[::step]
    one_year = len({d.year for d in dates}) == 1
    text = [fmt_date(d, lang).replace(f" {d.year}", "").replace(f", {d.year}", "") if one_year else fmt_date(d, lang)
            for d in shown]
    fig.update_xaxes(tickmode="array", tickvals=shown, ticktext=text, tickangle=0)


def add_events(fig: go.Figure, events: pl.DataFrame | None, lang: str) -> go.Figure:
    """Calendar events as dotted vertical lines with a hover marker at the top of the plot."""
    if events is None or events.is_empty():
        return fig
    for day in events["event_date"].to_list():
        fig.add_vline(x=day, line_dash="dot", line_color="#888", opacity=0.6)
    fig.add_trace(go.Scatter(
        x=events["event_date"].to_list(), y=[1.0] * events.height, yaxis="y2", mode="markers",
        marker={"symbol": "triangle-down", "size": 11, "color": "#555"}, name=t("events", lang),
        hovertext=[f"{fmt_date(d, lang)}: {title}" for d, title in zip(events["event_date"], events["title"])],
        hoverinfo="text"))
    fig.update_layout(yaxis2={"overlaying": "y", "range": [0, 1.05], "visible": False})
    return fig


def lines(frame: pl.DataFrame, x: str, series: dict[str, str], title: str, lang: str, y_title: str,
          events: pl.DataFrame | None = None, ratio: bool = False) -> go.Figure:
    """One line per column in ``series`` ({column: legend label}) over ``x``."""
    fig = go.Figure()
    for i, (column, name) in enumerate(series.items()):
        if column in frame.columns:
            fig.add_trace(go.Scatter(x=frame[x].to_list(), y=frame[column].to_list(), mode="lines+markers",
                                     name=name, line={"color": PALETTE[i % len(PALETTE)]}))
    _layout(fig, title, None, y_title)
    if ratio:
        fig.update_yaxes(tickformat=".0%")
    _tick_dates(fig, frame[x].to_list(), lang)
    return add_events(fig, events, lang)


def ranked_bars(frame: pl.DataFrame, category: str, value: str, title: str, lang: str, x_title: str,
                ratio: bool = False, highlight: str | None = None, keys: str | None = None) -> go.Figure:
    """Horizontal bars, largest on top; category labels never overlap. A clicked bar's ``customdata`` is its
    value of ``keys`` (default: the category shown)."""
    data = frame.sort(value, descending=False, nulls_last=False)
    cats = [str(c) for c in data[category].to_list()]
    custom = [str(c) for c in data[keys or category].to_list()]
    colors = ["#d62728" if highlight and c == highlight else PALETTE[0] for c in cats]
    text = [None if v is None else (f"{v * 100:.1f}%" if ratio else f"{v:,.0f}") for v in data[value].to_list()]
    fig = go.Figure(go.Bar(x=data[value].to_list(), y=cats, orientation="h", marker_color=colors, text=text,
                           textposition="auto", customdata=custom, hovertemplate="%{y}: %{text}<extra></extra>"))
    _layout(fig, title, x_title, None, height=max(260, 26 * len(cats) + 90))
    if ratio:
        fig.update_xaxes(tickformat=".0%")
    return fig


def ladder_funnel(counts: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """The participation ladder (segment 'all') as a funnel, top stage last."""
    data = counts.filter(pl.col("segment") == "all") if "segment" in counts.columns else counts
    by_stage = dict(zip(data["stage"].to_list(), data["people"].to_list()))
    stages = [s for s in LADDER if s in by_stage] + [s for s in by_stage if s not in LADDER]
    fig = go.Figure(go.Funnel(y=[code_label(s, lang) for s in stages], x=[by_stage[s] for s in stages],
                              textinfo="value+percent total"))
    return _layout(fig, title, None, None)


def transitions_heatmap(frame: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """People moving from a stage (rows, previous period) to a stage (columns, this period)."""
    stages = [s for s in LADDER if s in set(frame["from_stage"]) | set(frame["to_stage"])]
    cell = {(a, b): n for a, b, n in zip(frame["from_stage"], frame["to_stage"], frame["people"])}
    z = [[cell.get((a, b), 0) for b in stages] for a in stages]
    labels = [code_label(s, lang) for s in stages]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, colorscale="Blues", text=z, texttemplate="%{text}",
                               hovertemplate="%{y} → %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, t("stage", lang) + " (" + ("ahora" if lang == "es" else "now") + ")",
                   t("stage", lang) + " (" + ("antes" if lang == "es" else "before") + ")")


def stacked_shares(frame: pl.DataFrame, x: str, series: dict[str, str], title: str, lang: str) -> go.Figure:
    """Stacked areas of shares (0-1) over ``x``."""
    fig = go.Figure()
    for i, (column, name) in enumerate(series.items()):
        if column in frame.columns:
            fig.add_trace(go.Scatter(x=frame[x].to_list(), y=frame[column].to_list(), name=name, stackgroup="one",
                                     mode="lines", line={"color": PALETTE[i]}))
    _layout(fig, title, None, t("share", lang))
    fig.update_yaxes(tickformat=".0%")
    _tick_dates(fig, frame[x].to_list(), lang)
    return fig


def sankey(frame: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """Role -> role flow; senders on the left, receivers on the right, ordered by hierarchy rank."""
    senders = frame.select("source_label", "source_rank").unique().sort("source_rank")["source_label"].to_list()
    receivers = frame.select("target_label", "target_rank").unique().sort("target_rank")["target_label"].to_list()
    nodes = [s for s in senders] + [r for r in receivers]
    index = {("s", s): i for i, s in enumerate(senders)} | {("r", r): len(senders) + i for i, r in enumerate(receivers)}
    x = [0.001] * len(senders) + [0.999] * len(receivers)
    y = [(i + 0.5) / len(senders) for i in range(len(senders))] + [(i + 0.5) / len(receivers) for i in range(len(receivers))]
    fig = go.Figure(go.Sankey(
        arrangement="fixed",
        node={"label": nodes, "pad": 18, "thickness": 16, "x": x, "y": y},
        link={"source": [index[("s", s)] for s in frame["source_label"]],
              "target": [index[("r", r)] for r in frame["target_label"]], "value": frame["value"].to_list()}))
    return _layout(fig, title, height=520)


def matrix(frame: pl.DataFrame, row: str, column: str, value: str, title: str, lang: str, x_title: str,
           y_title: str) -> go.Figure:
    rows = sorted(set(frame[row].to_list()))
    cols = sorted(set(frame[column].to_list()))
    cell = {(a, b): v for a, b, v in zip(frame[row], frame[column], frame[value])}
    z = [[cell.get((a, b), 0) for b in cols] for a in rows]
    fig = go.Figure(go.Heatmap(z=z, x=[c for c in cols], y=[r for r in rows],
                               colorscale="Blues", texttemplate="%{z:,.0f}",
                               hovertemplate="%{y} → %{x}: %{z:,.0f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, x_title, y_title, height=max(320, 30 * len(rows) + 120))


def best_times(frame: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """Weekday (rows, Monday first) × local hour heatmap."""
    cell = {(d, h): c for d, h, c in zip(frame["weekday"], frame["hour"], frame["count"])}
    z = [[cell.get((d, h), 0) for h in range(24)] for d in range(7)]
    fig = go.Figure(go.Heatmap(z=z, x=[f"{h:02d}" for h in range(24)], y=list(WEEKDAYS[lang]), colorscale="YlGnBu",
                               hovertemplate="%{y} %{x}h: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, t("hour", lang), t("weekday", lang))


def aggregate_edges(edges: pl.DataFrame, people: pl.DataFrame, level: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Person edges -> (nodes: node, region, size; edges: source, target, weight) at ``level``
    (person, office, region or role). ``people`` has person_id, name, region, office, role."""
    key = "person_id" if level == "person" else level
    attrs = people.select("person_id", pl.col(key).alias("node"), "region")
    e = (edges.join(attrs.select("person_id", pl.col("node").alias("source")), left_on="source_person_id",
                    right_on="person_id")
         .join(attrs.select("person_id", pl.col("node").alias("target")), left_on="target_person_id",
               right_on="person_id")
         .filter(pl.col("source") != pl.col("target"))
         .group_by("source", "target").agg(pl.col("weight").sum()))
    touched = set(e["source"].to_list()) | set(e["target"].to_list())
    nodes = (attrs.filter(pl.col("node").is_in(list(touched)))
             .group_by("node").agg(pl.col("region").mode().first(), pl.len().alias("size")).sort("node"))
    return nodes, e


def network(nodes: pl.DataFrame, edges: pl.DataFrame, lang: str, title: str, color: str = "region",
            seed: int = 7) -> go.Figure:
    """A force layout of the aggregated graph; nodes coloured by ``color`` (region or community)."""
    graph = nx.Graph()
    graph.add_nodes_from(nodes["node"].to_list())
    for s, tgt, w in zip(edges["source"], edges["target"], edges["weight"]):
        previous = graph.get_edge_data(s, tgt, {"weight": 0})["weight"]
        graph.add_edge(s, tgt, weight=previous + w)
    pos = nx.spring_layout(graph, seed=seed, k=1.5 / math.sqrt(max(graph.number_of_nodes(), 1)), iterations=60)
    ex, ey = [], []
    for s, tgt in graph.edges():
        ex += [pos[s][0], pos[tgt][0], None]
        ey += [pos[s][1], pos[tgt][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", line={"width": 0.5, "color": "#bbb"}, hoverinfo="skip",
                               showlegend=False))
    groups = nodes[color].fill_null("?").to_list()
    for i, value in enumerate(sorted(set(groups))):
        part = nodes.filter(pl.col(color).fill_null("?") == value)
        sizes = part["size"].to_list() if "size" in part.columns else [1] * part.height
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in part["node"]], y=[pos[n][1] for n in part["node"]], mode="markers", name=str(value),
            marker={"size": [6 + 3 * math.sqrt(s) for s in sizes], "color": PALETTE[i % len(PALETTE)],
                    "line": {"width": 0.5, "color": "#fff"}},
            text=[str(n) for n in part["node"]], hovertemplate="%{text}<extra>" + str(value) + "</extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=560)

"""Charts: pure functions from a polars frame to a plotly figure, labelled in the chosen language.

Frames arrive translated (``present.translated``: role labels, region names, stage words). Long category
names go on the vertical axis (horizontal bars) so labels never overlap; a time axis gets at most about seven
ticks whatever the span (days, then months with the year where it changes); calendar events are markers with
their title on hover rather than text that could collide; numbers use the language's one format. A row
withheld to protect a small group (a ``suppressed`` column, ``metrics/privacy.py``) keeps its place and shows its
marker ("< 5" or "—") instead of a figure.
"""

from __future__ import annotations

import math
from datetime import date

import networkx as nx
import plotly.graph_objects as go
import polars as pl

from dashboard.i18n import WEEKDAYS, fmt_date, fmt_month, fmt_number, fmt_percent, fmt_short_date, t
from dashboard.present import SUPPRESSED, code_label

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
# one colour per rank of the hierarchy (1 = top), the same wherever a role is drawn
ROLE_COLOURS = ("#6a3d9a", "#1f78b4", "#33a02c", "#ff7f00", "#e31a1c", "#1b9e77", "#b15928", "#a6761d")
UNRANKED = "#999999"
LADDER = ("unaware", "interested", "first_time", "regular", "enthusiast")
MAX_TICKS = 6


def _layout(fig: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None,
            height: int = 380) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0, "y": 0.98, "yanchor": "top"}, height=height,
                      margin={"l": 10, "r": 10, "t": 80 if title else 50, "b": 10},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
                      separators=".,", hoverlabel={"namelength": -1})
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def tick_dates(dates: list, lang: str, max_ticks: int = MAX_TICKS) -> tuple[list, list[str]]:
    """(tick values, tick texts) for a time axis over ``dates``: at most ``max_ticks``; days (``9 nov``) over up
    to about six months, month starts (``ene 2026``, then ``mar``...) beyond; the year shown on the first tick
    and wherever it changes."""
    dates = sorted({d for d in dates if d is not None})
    if not dates:
        return [], []
    span = (dates[-1] - dates[0]).days
    if span <= 200:
        step = max(1, math.ceil(len(dates) / max_ticks))
        shown = dates[::step]
        several_years = dates[0].year != dates[-1].year
        texts = [fmt_date(d, lang) if several_years and (i == 0 or d.year != shown[i - 1].year)
                 else fmt_short_date(d, lang) for i, d in enumerate(shown)]
        return shown, texts
    firsts: dict[tuple[int, int], date] = {}
    for d in dates:
        firsts.setdefault((d.year, d.month), d)
    months = [d for d in firsts.values() if d.day <= 7] or list(firsts.values())  # a month's tick near its start
    step = max(1, math.ceil(len(months) / max_ticks))
    shown = months[::step]
    texts = [fmt_month(d, lang, year=False) + (f"<br>{d.year}" if i == 0 or d.year != shown[i - 1].year else "")
             for i, d in enumerate(shown)]
    return shown, texts


def _tick_dates(fig: go.Figure, dates: list, lang: str, max_ticks: int = MAX_TICKS) -> None:
    values, texts = tick_dates(dates, lang, max_ticks)
    if values:
        fig.update_xaxes(tickmode="array", tickvals=values, ticktext=texts, tickangle=0)


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
          events: pl.DataFrame | None = None, ratio: bool = False, max_ticks: int = MAX_TICKS) -> go.Figure:
    """One line per column in ``series`` ({column: legend label}) over ``x``; markers only on short series."""
    fig = go.Figure()
    mode = "lines+markers" if frame.height <= 40 else "lines"
    for i, (column, name) in enumerate(series.items()):
        if column in frame.columns:
            fig.add_trace(go.Scatter(x=frame[x].to_list(), y=frame[column].to_list(), mode=mode,
                                     name=name, line={"color": PALETTE[i % len(PALETTE)]}))
    _layout(fig, title, None, y_title)
    if ratio:
        fig.update_yaxes(tickformat=".0%")
    else:
        fig.update_yaxes(tickformat=",~r")
    _tick_dates(fig, frame[x].to_list(), lang, max_ticks)
    return add_events(fig, events, lang)


def _value_text(value, lang: str, ratio: bool) -> str | None:
    if value is None:
        return None
    return fmt_percent(value, lang) if ratio else fmt_number(value, lang)


def _markers(frame: pl.DataFrame) -> list[str | None]:
    """Each row's suppression marker ("< 5", "—") or None."""
    return frame[SUPPRESSED].to_list() if SUPPRESSED in frame.columns else [None] * frame.height


def ranked_bars(frame: pl.DataFrame, category: str, value: str, title: str, lang: str, x_title: str,
                ratio: bool = False, highlight: str | None = None, keys: str | None = None) -> go.Figure:
    """Horizontal bars, largest on top; category labels never overlap. A clicked bar's ``customdata`` is its
    value of ``keys`` (default: the category shown)."""
    data = frame.sort(value, descending=False, nulls_last=False)
    cats = [str(c) for c in data[category].to_list()]
    custom = [str(c) for c in data[keys or category].to_list()]
    colors = ["#d62728" if highlight and c == highlight else PALETTE[0] for c in cats]
    markers = _markers(data)
    text = [m if v is None and m else _value_text(v, lang, ratio) for v, m in zip(data[value].to_list(), markers)]
    fig = go.Figure(go.Bar(x=[0 if v is None and m else v for v, m in zip(data[value].to_list(), markers)], y=cats,
                           orientation="h", marker_color=colors, text=text,
                           textposition=["outside" if m and v is None else "auto" for v, m in zip(data[value], markers)],
                           customdata=custom, hovertemplate="%{y}: %{text}<extra></extra>"))
    _layout(fig, title, x_title, None, height=max(260, 26 * len(cats) + 90))
    if ratio:
        fig.update_xaxes(tickformat=".0%")
    return fig


def _ladder_order(labels: list[str], lang: str) -> list[str]:
    """Stage labels (or codes) in ladder order, others after."""
    order = [code_label(s, lang) for s in LADDER]
    known = [s for s in order if s in labels]
    return known + [s for s in labels if s not in known]


def ladder_funnel(counts: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """The participation ladder (segment 'all') as a funnel, top stage last."""
    data = counts.filter(pl.col("segment").is_in(["all", "Todas", "All"])) if "segment" in counts.columns else counts
    by_stage = {code_label(s, lang): n for s, n in zip(data["stage"].to_list(), data["people"].to_list())}
    stages = _ladder_order(list(by_stage), lang)
    total = sum(by_stage.values()) or 1
    fig = go.Figure(go.Funnel(y=stages, x=[by_stage[s] for s in stages], textinfo="text",
                              text=[f"{fmt_number(by_stage[s], lang)} ({fmt_percent(by_stage[s] / total, lang)})"
                                    for s in stages]))
    return _layout(fig, title, None, None)


def transitions_heatmap(frame: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """People moving from a stage (rows, previous period) to a stage (columns, this period)."""
    frame = frame.with_columns(pl.col(c).map_elements(lambda s: code_label(s, lang), return_dtype=pl.String)
                               for c in ("from_stage", "to_stage"))
    stages = _ladder_order(list(set(frame["from_stage"]) | set(frame["to_stage"])), lang)
    cell = {(a, b): n for a, b, n in zip(frame["from_stage"], frame["to_stage"], frame["people"])}
    z = [[cell.get((a, b), 0) for b in stages] for a in stages]
    text = [[fmt_number(v, lang) for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=stages, y=stages, colorscale="Blues",
                               text=text, texttemplate="%{text}", hovertemplate="%{y} → %{x}: %{text}<extra></extra>",
                               showscale=False))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-30)
    return _layout(fig, title, f"{t('stage', lang)} ({t('now', lang)})", f"{t('stage', lang)} ({t('before', lang)})")


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


def role_colour(rank) -> str:
    return UNRANKED if rank is None else ROLE_COLOURS[(int(rank) - 1) % len(ROLE_COLOURS)]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def sankey(frame: pl.DataFrame, lang: str, title: str, min_share: float = 0.02) -> go.Figure:
    """Role -> role flow: senders on the left, receivers on the right, both in hierarchy order, each role in one
    colour on both sides (links take the sender's). Links under ``min_share`` of the total are merged into one link
    per sender towards "others", so the drawing stays legible over a long period. Withheld links (small groups) are
    not drawn, and the roles then carry no share."""
    total = float(frame["value"].sum() or 0)
    rank = {**dict(zip(frame["source_label"], frame["source_rank"])), **dict(zip(frame["target_label"],
                                                                                 frame["target_rank"]))}
    others = t("others", lang)
    big = frame.filter(pl.col("value") >= min_share * total) if total else frame
    small = (frame.filter(pl.col("value") < min_share * total).group_by("source_label", "source_rank")
             .agg(pl.col("value").sum()).with_columns(pl.lit(others).alias("target_label"),
                                                      pl.lit(None, pl.Int32).alias("target_rank"))) if total else None
    links = big.select("source_label", "target_label", "value")
    if small is not None and small.height:
        links = pl.concat([links, small.select("source_label", "target_label", "value")])

    def order(labels):
        return sorted(set(labels), key=lambda r: (r == others, rank.get(r) is None, rank.get(r) or 99, r))

    senders, receivers = order(links["source_label"]), order(links["target_label"])
    out_total = dict(links.group_by("source_label").agg(pl.col("value").sum()).iter_rows())
    in_total = dict(links.group_by("target_label").agg(pl.col("value").sum()).iter_rows())

    def positions(names, totals):
        gap = 0.04
        scale = (1 - gap * (len(names) - 1)) / (sum(totals[n] for n in names) or 1)
        y, centres = 0.0, []
        for n in names:
            height = totals[n] * scale
            centres.append(min(max(y + height / 2, 0.001), 0.999))
            y += height + gap
        return centres

    def colour(name):
        return "#bbbbbb" if name == others else role_colour(rank.get(name))

    withheld = any(_markers(frame))  # a share of what is drawn would not be a share of every interaction

    def node_label(name, totals):
        return f"{name} · {fmt_percent(totals[name] / total, lang)}" if total and not withheld else name

    index = {("s", s): i for i, s in enumerate(senders)} | {("r", r): len(senders) + i for i, r in enumerate(receivers)}
    fig = go.Figure(go.Sankey(
        arrangement="fixed", valueformat=",.0f",
        node={"label": [node_label(s, out_total) for s in senders] + [node_label(r, in_total) for r in receivers],
              "pad": 14, "thickness": 18, "x": [0.001] * len(senders) + [0.999] * len(receivers),
              "y": positions(senders, out_total) + positions(receivers, in_total),
              "color": [colour(s) for s in senders] + [colour(r) for r in receivers]},
        link={"source": [index[("s", s)] for s in links["source_label"]],
              "target": [index[("r", r)] for r in links["target_label"]], "value": links["value"].to_list(),
              "color": [_rgba(colour(s), 0.35) for s in links["source_label"]]}))
    fig.update_layout(font={"size": 12})
    return _layout(fig, title, height=max(420, 60 * max(len(senders), len(receivers)) + 120))


def matrix(frame: pl.DataFrame, row: str, column: str, value: str, title: str, lang: str, x_title: str,
           y_title: str, order: list[str] | None = None, share: bool = False) -> go.Figure:
    """A sender (rows) × receiver (columns) heatmap; cells show the value (or its share of the total)."""
    rows = order or sorted(set(frame[row].to_list()))
    cols = order or sorted(set(frame[column].to_list()))
    rows = [r for r in rows if r in set(frame[row].to_list())]
    cols = [c for c in cols if c in set(frame[column].to_list())]
    cell = {(a, b): v for a, b, v in zip(frame[row], frame[column], frame[value])}
    withheld = {(a, b): m for a, b, m in zip(frame[row], frame[column], _markers(frame)) if m}
    # a share of the whole scope: the metric's own column when it has one (withheld cells are in its total)
    shares = dict(zip(zip(frame[row], frame[column]), frame["share"])) if share and "share" in frame.columns else {}
    total = sum(v for v in frame[value].to_list() if v) or 1
    z = [[cell.get((a, b), 0) for b in cols] for a in rows]

    def cell_text(a, b, v):
        if (a, b) in withheld:
            return withheld[(a, b)]
        if not share:
            return fmt_number(v or 0, lang)
        found = shares.get((a, b))
        return fmt_percent(found if found is not None else (v or 0) / total, lang)

    text = [[cell_text(a, b, v) for b, v in zip(cols, r)] for a, r in zip(rows, z)]
    fig = go.Figure(go.Heatmap(z=z, x=cols, y=rows, colorscale="Blues", text=text, texttemplate="%{text}",
                               hovertemplate="%{y} → %{x}: %{text}<extra></extra>", showscale=False))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-30)
    return _layout(fig, title, x_title, y_title, height=max(340, 34 * len(rows) + 150))


def best_times(frame: pl.DataFrame, lang: str, title: str, zone: str = "") -> go.Figure:
    """Weekday (rows, Monday first) × local hour heatmap."""
    cell = {(d, h): c for d, h, c in zip(frame["weekday"], frame["hour"], frame["count"])}
    z = [[cell.get((d, h), 0) for h in range(24)] for d in range(7)]
    fig = go.Figure(go.Heatmap(z=z, x=[f"{h:02d}" for h in range(24)], y=list(WEEKDAYS[lang]), colorscale="YlGnBu",
                               hovertemplate="%{y} %{x} h: %{z}<extra></extra>", showscale=False))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickmode="array", tickvals=[f"{h:02d}" for h in range(0, 24, 3)])
    return _layout(fig, title, f"{t('hour', lang)} ({zone})" if zone else t("hour", lang), t("weekday", lang))


def hashtag_bars(frame: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """Uses in the period against the previous period, one pair of bars per hashtag, in the metric's order."""
    data = frame.reverse()
    tags = ["#" + h for h in data["hashtag"].to_list()]
    fig = go.Figure()
    for column, name, colour in (("previous_uses", t("uses_before", lang), "#b3cde3"),
                                 ("uses", t("uses_now", lang), PALETTE[0])):
        values = data[column].to_list()
        fig.add_trace(go.Bar(x=values, y=tags, orientation="h", name=name, marker_color=colour,
                             text=[fmt_number(v, lang) for v in values], textposition="outside", textangle=0,
                             textfont={"size": 10}, cliponaxis=False))
    fig.update_layout(barmode="group")
    return _layout(fig, title, t("count", lang), None, height=max(300, 34 * len(tags) + 110))


def person_activity(frame: pl.DataFrame, lang: str, title: str, labels: dict[str, str]) -> go.Figure:
    """A person's contributions per period (stacked bars) and the replies they received (line)."""
    fig = go.Figure()
    x = frame["period_start"].to_list()
    for i, column in enumerate(("threads_started", "replies", "likes_given")):
        fig.add_trace(go.Bar(x=x, y=frame[column].to_list(), name=labels[column], marker_color=PALETTE[i]))
    fig.add_trace(go.Scatter(x=x, y=frame["replies_received"].to_list(), name=labels["replies_received"],
                             mode="lines+markers" if len(x) <= 40 else "lines", line={"color": PALETTE[3]}))
    fig.update_layout(barmode="stack")
    _layout(fig, title, None, t("count", lang))
    _tick_dates(fig, x, lang)
    return fig


def stage_history(frame: pl.DataFrame, lang: str, title: str) -> go.Figure:
    """A person's ladder stage at the end of each week (translated stage labels), as steps."""
    order = [code_label(s, lang) for s in LADDER]
    stages = [code_label(s, lang) for s in frame["stage"].to_list()]
    y = [order.index(s) if s in order else None for s in stages]
    fig = go.Figure(go.Scatter(x=frame["week_end"].to_list(), y=y, mode="lines+markers", line={"shape": "hv"},
                               text=stages, hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(order))), ticktext=order, range=[-0.5, len(order) - 0.5])
    _layout(fig, title, None, None, height=300)
    _tick_dates(fig, frame["week_end"].to_list(), lang)
    return fig


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
            seed: int = 7, names: dict[str, str] | None = None) -> go.Figure:
    """A force layout of the aggregated graph; nodes coloured by ``color`` (region or community); ``names``
    gives what to show on hover for a node (a person's name)."""
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
        labelled = nodes.height <= 30  # few nodes (regions, roles): their names on the drawing
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in part["node"]], y=[pos[n][1] for n in part["node"]],
            mode="markers+text" if labelled else "markers", textposition="bottom center", name=str(value),
            marker={"size": [6 + 3 * math.sqrt(s) for s in sizes], "color": PALETTE[i % len(PALETTE)],
                    "line": {"width": 0.5, "color": "#fff"}},
            text=[(names or {}).get(str(n), str(n)) for n in part["node"]],
            hovertemplate="%{text}<extra>" + str(value) + "</extra>", cliponaxis=False))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=560)

"""The metric registry: every number Pulso shows, with its definition, parameters and output columns.

Register a metric with ``@metric(...)`` next to its function ``(con, scope, **params) -> polars.DataFrame``.
The declaration says, in Spanish and English, what the metric is (label,
description, definition), what it needs from the loaded sources, which
parameters it takes (type, range or allowed values, default -- possibly a
threshold from the store's settings) and which columns it returns (name, type,
label, display format). ``compute(con, name, scope, **params)`` is the one way
to run a metric: it checks the facts, validates every parameter, clips the
period to the store's data span and only then calls the function.

A KPI is a metric of kind ``kpi``: it returns one row with ``value`` and says
how its change against the previous period is expressed (percent or
percentage points). ``kpi_summary``, the dashboard's cards and the report are
composed from the KPIs in registration order, so a new KPI is one function.

A metric declared ``shared=True`` is written as Ibis expressions
(``pulso.core.expr``) and runs on any engine: ``compute`` then accepts, in
place of a DuckDB connection, an ``Engine`` such as Spark over a Parquet lake
(``pulso metric NAME --engine spark``). Every other metric runs on DuckDB only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from pulso.core.errors import ParameterError, PulsoError
from pulso.core.expr import Engine, is_duckdb
from pulso.core.scope import Scope

LANGUAGES = ("es", "en")
# How a column's values are shown (dashboard, CSV, report): see docs/metrics.md, "Formats".
FORMATS = ("id", "text", "name", "unit", "role", "code", "count", "number", "ratio", "percent", "points", "hours",
           "minutes", "score", "date", "datetime", "datetime_local", "bool", "list")
DTYPES = {"str": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "datetime": pl.Datetime("us"),
          "bool": pl.Boolean, "list[str]": pl.List(pl.String), "int32": pl.Int32}


class FactsNotAvailable(PulsoError):
    """The loaded sources did not supply what a metric needs."""

    def __init__(self, metric: str, missing: set[str]):
        self.metric = metric
        self.missing = frozenset(missing)
        super().__init__(f"{metric}: not available from the loaded sources (missing: {', '.join(sorted(missing))})")


@dataclass(frozen=True)
class Column:
    """One output column: name, type, label per language and display format."""

    name: str
    dtype: str
    label: dict[str, str]
    format: str

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: unknown dtype {self.dtype!r}")
        if self.format not in FORMATS:
            raise ValueError(f"column {self.name}: unknown format {self.format!r}")
        if any(not self.label.get(lang) for lang in LANGUAGES):
            raise ValueError(f"column {self.name}: label lacks a language")


def col(name: str, dtype: str, es: str, en: str, format: str) -> Column:
    return Column(name, dtype, {"es": es, "en": en}, format)


KINDS = ("int", "float", "bool", "choice", "choices", "text")
TRUE_WORDS, FALSE_WORDS = ("true", "yes", "1", "si", "sí"), ("false", "no", "0")


@dataclass(frozen=True)
class Parameter:
    """A declared parameter. Its value is validated by ``parse`` before any metric runs.

    ``setting``: the default is the store's threshold of that name (organisation settings);
    ``choices_from``: a function of the connection giving the allowed values known to the store."""

    name: str
    description: dict[str, str]
    kind: str = "int"
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    setting: str | None = None
    choices_from: Callable[[duckdb.DuckDBPyConnection], Iterable[str]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"parameter {self.name}: unknown kind {self.kind!r}")

    def allowed(self) -> str:
        """What the parameter accepts, in words (for error lines and docs)."""
        if self.kind in ("int", "float"):
            what = "a whole number" if self.kind == "int" else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{what} from {_num(self.minimum)} to {_num(self.maximum)}"
            if self.minimum is not None:
                return f"{what} of at least {_num(self.minimum)}"
            return what
        if self.kind == "bool":
            return "true or false"
        if self.kind in ("choice", "choices"):
            listed = ", ".join(self.choices) if self.choices else "a value known to the store"
            return ("one of: " if self.kind == "choice" else "a comma-separated list of: ") + listed
        return "text of at most 200 characters"

    def default_for(self, settings) -> object:
        return settings.threshold(self.setting) if self.setting else self.default

    def parse(self, raw: object, con: duckdb.DuckDBPyConnection | None = None) -> object:
        """The validated value of ``raw`` (text from the CLI or a URL, or a Python value)."""
        if raw is None:
            return None
        problem = ParameterError(f"parameter {self.name}: expected {self.allowed()}, got {_show(raw)}")
        text = raw.strip() if isinstance(raw, str) else None
        if self.kind in ("int", "float"):
            if isinstance(raw, bool):
                raise problem
            try:
                value = (int(text) if self.kind == "int" else float(text)) if text is not None else raw
            except ValueError:
                raise problem from None
            if self.kind == "int" and (not isinstance(value, int) and not (isinstance(value, float) and value.is_integer())):
                raise problem
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise problem
            if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
                raise problem
            return int(value) if self.kind == "int" else float(value)
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            if text is not None and text.lower() in TRUE_WORDS + FALSE_WORDS:
                return text.lower() in TRUE_WORDS
            raise problem
        if self.kind == "text":
            if text is None or len(text) > 200:
                raise problem
            return text
        allowed = set(self.choices) | (set(self.choices_from(con)) if self.choices_from and con is not None else set())
        if self.kind == "choice":
            if text is None or text not in allowed:
                raise ParameterError(f"parameter {self.name}: {_show(raw)} is not allowed "
                                     f"(one of: {', '.join(sorted(allowed))})")
            return text
        values = [v.strip() for v in text.split(",")] if text is not None else list(raw) if isinstance(
            raw, (list, tuple)) else None
        if values is None or not all(isinstance(v, str) for v in values):
            raise problem
        values = tuple(v for v in values if v)
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise ParameterError(f"parameter {self.name}: {wrong[0]!r} is not allowed (allowed: {', '.join(sorted(allowed))})")
        return values or None


def _num(value: float) -> str:
    return f"{value:g}"


def _show(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    function: Callable[..., pl.DataFrame]
    label: dict[str, str]
    description: dict[str, str]
    definition: dict[str, str]
    columns: tuple[Column, ...]
    requires: frozenset[str] = frozenset()
    # any one of these facts is enough (e.g. visits or messages give "active")
    requires_any: frozenset[str] = frozenset()
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    group: str = "kpi"
    kind: str = "table"  # table | kpi
    change: str | None = None  # for a KPI: "percent" (relative change) or "points" (difference of shares)
    notes: dict[str, str] | None = None  # Markdown printed after the parameters in docs/metrics.md (e.g. measurements)
    shared: bool = False  # written as shared Ibis expressions: runs on DuckDB and on Spark

    @property
    def module(self) -> str:
        return self.function.__module__.rsplit(".", 1)[-1]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def value_format(self) -> str:
        """A KPI's display format (that of its ``value`` column)."""
        return self.column("value").format

    def empty_frame(self) -> pl.DataFrame:
        return pl.DataFrame(schema={c.name: DTYPES[c.dtype] for c in self.columns})


METRICS: dict[str, MetricDefinition] = {}


def metric(name: str, *, label: dict[str, str], description: dict[str, str], definition: dict[str, str],
           columns: tuple[Column, ...], requires: tuple[str, ...] = (), requires_any: tuple[str, ...] = (),
           parameters: tuple[Parameter, ...] = (), group: str = "kpi", kind: str = "table",
           change: str | None = None, notes: dict[str, str] | None = None, shared: bool = False):
    """Register ``function`` as metric ``name``. Texts are dicts keyed by language (es, en)."""

    def decorate(function: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
        for what, texts in (("label", label), ("description", description), ("definition", definition)):
            missing = [lang for lang in LANGUAGES if not texts.get(lang)]
            if missing:
                raise ValueError(f"metric {name}: {what} lacks {', '.join(missing)}")
        if name in METRICS:
            raise ValueError(f"metric {name} registered twice")
        if kind == "kpi" and ([c.name for c in columns] != ["value"] or change not in ("percent", "points")):
            raise ValueError(f"KPI {name}: must return one column 'value' and say its change (percent or points)")
        names = [p.name for p in parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"metric {name}: a parameter is declared twice")
        METRICS[name] = MetricDefinition(name, function, label, description, definition, tuple(columns),
                                         frozenset(requires), frozenset(requires_any), tuple(parameters), group,
                                         kind, change, notes, shared)
        return function

    return decorate


METRIC_MODULES = ("activity", "kpis", "ladder", "community", "conversations", "content", "topics", "campaigns",
                  "alerts", "health", "inequality", "flows", "responsiveness", "network", "store_overview",
                  "lookups", "groups", "person")


def load_all_metrics() -> dict[str, MetricDefinition]:
    """Import every metric module so that its metrics are registered."""
    import importlib

    for module in METRIC_MODULES:
        importlib.import_module(f"metrics.{module}")
    return METRICS


def kpis() -> list[MetricDefinition]:
    """The KPIs, in the order they were registered (the order of the cards)."""
    return [d for d in load_all_metrics().values() if d.kind == "kpi"]


def shared_metrics() -> list[str]:
    """Names of the metrics that run on every engine (DuckDB and Spark)."""
    return sorted(name for name, d in load_all_metrics().items() if d.shared)


def missing_facts(con: duckdb.DuckDBPyConnection | Engine, definition: MetricDefinition) -> set[str]:
    from metrics.store import available_facts

    facts = available_facts(con)
    missing = set(definition.requires - facts)
    if definition.requires_any and not (definition.requires_any & facts):
        missing |= set(definition.requires_any)
    return missing


def resolve_parameters(con: duckdb.DuckDBPyConnection | None, definition: MetricDefinition, given: dict,
                       settings=None) -> dict:
    """Every declared parameter's validated value: given ones parsed, others at their default."""
    known = {p.name: p for p in definition.parameters}
    unknown = sorted(set(given) - set(known))
    if unknown:
        takes = f"it takes: {', '.join(sorted(known))}" if known else "it takes none"
        raise ParameterError(f"{definition.name} has no parameter {unknown[0]!r} ({takes})")
    values = {}
    for name, parameter in known.items():
        if given.get(name) is not None:
            values[name] = parameter.parse(given[name], con)
        else:
            values[name] = parameter.default_for(settings) if parameter.setting else parameter.default
    return values


def compute(con: duckdb.DuckDBPyConnection | Engine, name: str, scope: Scope, **params) -> pl.DataFrame:
    """Run metric ``name`` over ``scope``: facts checked, parameters validated, period clipped to the data.
    ``con`` is a DuckDB connection to a store, or an engine (Spark over a lake) for the shared metrics."""
    from metrics.store import data_span, store_settings

    definitions = load_all_metrics()
    if name not in definitions:
        raise ParameterError(f"unknown metric {name!r} (see `pulso metric list`)")
    definition = definitions[name]
    if not is_duckdb(con) and not definition.shared:
        raise ParameterError(f"{name} runs on DuckDB only; on {getattr(con, 'name', 'this engine')} the shared metrics "
                             f"are: {', '.join(shared_metrics())}")
    missing = missing_facts(con, definition)
    if missing:
        raise FactsNotAvailable(name, missing)
    values = resolve_parameters(con, definition, params, store_settings(con))
    span = data_span(con)
    if span is None:  # no dated fact at all (e.g. only undated interactions): nothing to clip to
        return definition.function(con, scope, **values)
    clipped = scope.clipped(*span)
    if clipped is None:
        return definition.empty_frame()
    return definition.function(con, clipped, **values)


def definitions_markdown(language: str = "en") -> str:
    """Every registered metric's definition as a Markdown page (docs/metrics.md is generated from it)."""
    from pulso.core.vocabulary import vocabulary_markdown

    metrics = load_all_metrics()
    other = "es" if language == "en" else "en"
    out = ["# Pulso metric definitions", "",
           "Generated from the metric registry by `pulso metric docs`; a test keeps this page in sync. "
           "Every metric is a function `(connection, scope, **parameters) -> polars.DataFrame` in `metrics/`; "
           "the dashboard, the CLI (`pulso metric NAME ...`), the report and the notebooks call the same functions "
           "through `metrics.registry.compute`. "
           "Metrics marked *Runs on DuckDB and Spark* are shared Ibis expressions that also run on Apache Spark "
           "over a Parquet lake (`pulso metric NAME --engine spark --lake DIR`, docs/lake.md). "
           f"Labels are given in both languages ({language} first).", ""]
    out += vocabulary_markdown(language)
    groups: dict[str, list[MetricDefinition]] = {}
    for definition in metrics.values():
        groups.setdefault(definition.module, []).append(definition)
    for module in sorted(groups):
        out += [f"## `metrics/{module}.py`", ""]
        for d in sorted(groups[module], key=lambda d: d.name):
            needs = sorted(d.requires) + ([" or ".join(sorted(d.requires_any))] if d.requires_any else [])
            out += [f"### `{d.name}` — {d.label[language]} / {d.label[other]}", "",
                    d.description[language], "", f"**Definition.** {d.definition[language]}", ""]
            engines = " Runs on DuckDB and Spark." if d.shared else ""
            if d.kind == "kpi":
                out += [f"KPI card; format: {d.value_format}; change against the previous period in "
                        f"{'percentage points' if d.change == 'points' else 'percent'}. "
                        f"Needs: {', '.join(needs) or 'nothing'}.{engines}", ""]
            else:
                out += [f"Needs: {', '.join(needs) or 'nothing'}. Columns: "
                        + ", ".join(f"`{c.name}` ({c.format})" for c in d.columns) + f".{engines}", ""]
            if d.parameters:
                out += ["| parameter | default | allowed | meaning |", "|---|---|---|---|"]
                for p in d.parameters:
                    default = f"setting `{p.setting}`" if p.setting else f"`{p.default}`"
                    out.append(f"| `{p.name}` | {default} | {p.allowed()} | {p.description[language]} |")
                out.append("")
            if d.notes:
                out += [d.notes.get(language) or d.notes["en"], ""]
    return "\n".join(out)

"""The metric registry: every number Pulso shows, with its definition, parameters and output columns.

Register a metric with ``@metric(...)`` next to its function ``(con, scope, **params) -> polars.DataFrame``.
The declaration says, in Spanish and English, what the metric is (label,
description, definition), what it needs from the loaded sources, which
parameters it takes (type, range or allowed values, default -- possibly a
threshold from the store's settings) and which columns it returns (name, type,
label, display format). ``compute(con, name, scope, **params)`` is the one way
to run a metric: it checks the facts, validates every parameter, clips the
period to the store's data span and only then calls the function.

Each declaration also says what it reveals about people, which ``compute`` enforces for a viewer with rights
(``scope.rights``, see ``pulso.core.access``): ``person_level=True`` for a metric that returns named people or a
person-level network (refused to viewers without person-level rights; its rows are narrowed to the people the
rights cover), ``store_wide=True`` for one that describes the whole store with person-level content (only for
rights over everything), or ``cells=Cells(...)`` for an aggregate: which group of people each row is over, so that
small groups are suppressed for viewers without person-level rights (``metrics/privacy.py``). Every metric
declares one of them; no caller can skip the check.

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
# Formats that measure rather than identify: these are withheld in a suppressed row.
FIGURE_FORMATS = frozenset({"count", "number", "ratio", "percent", "points", "hours", "minutes", "score"})
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
        values = tuple(dict.fromkeys(v for v in values if v))  # repeats dropped: at most the allowed values
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
class Cells:
    """Which group of people each row of an aggregate metric is over: what small-group suppression needs
    (``metrics/privacy.py``, applied by ``compute`` for viewers without person-level rights).

    * ``key``: the column naming the row's unit; None (the default): every row is over the whole scope.
    * ``dimension``: the unit's dimension -- region, office, role or group; or ``by``: for each value of the
      metric's ``by`` parameter, (value, dimension or None for the whole scope, pad); or ``level_column``: a
      column giving each row's dimension (office / region).
    * ``matrix``: (sender column, receiver column), two units of ``dimension``: a cell is hidden when either is.
    * ``within_role``: the parameter naming a role; a row is over that role's people in the unit.
    * ``keys``: numeric columns that identify a row (weekday, hour, rank) and are never withheld.
    * ``also``: other columns withheld with the figures (a sentence or a date that tells what the figures say).
    * ``minimum``: a column counting the people a whole-scope row is about (below k, the row is withheld).
    * ``pad``: a hidden unit of the scope with no row gets one (withheld), so a missing row tells nothing.
    * ``about_people=False``: the metric says nothing about people (what the store holds, the calendar).
    """

    key: str | None = None
    dimension: str | None = None
    by: tuple[tuple[str | None, str | None, bool], ...] = ()
    level_column: str | None = None
    matrix: tuple[str, str] | None = None
    within_role: str | None = None
    keys: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    minimum: str | None = None
    pad: bool = False
    about_people: bool = True

    def dimension_for(self, params: dict) -> str | None:
        """The dimension of the rows for these parameters (None: the whole scope, or per row)."""
        if self.by:
            for value, dimension, _ in self.by:
                if value == params.get("by"):
                    return dimension
            return None
        return self.dimension

    def pads(self, params: dict) -> bool:
        if self.by:
            return any(value == params.get("by") and pad for value, _, pad in self.by)
        return self.pad


WHOLE_SCOPE = Cells()
NO_PEOPLE = Cells(about_people=False)


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
    person_level: bool = False  # returns named people or a person-level network
    person_columns: tuple[str, ...] = ()  # its columns holding person ids (narrowed to the viewer's people)
    store_wide: bool = False  # describes the whole store with person-level content: only for rights over everything
    cells: Cells | None = None  # an aggregate: which group of people each row is over
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
           change: str | None = None, notes: dict[str, str] | None = None, shared: bool = False,
           person_level: bool = False, person_columns: tuple[str, ...] = (), store_wide: bool = False,
           cells: Cells | None = None):
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
        if (person_level or store_wide) == (cells is not None):
            raise ValueError(f"metric {name}: declare person_level=True / store_wide=True, or cells=Cells(...)")
        declared = {c.name for c in columns}
        if not set(person_columns) <= declared:
            raise ValueError(f"metric {name}: person_columns must be among its columns")
        if cells is not None and cells.by:  # every breakdown the metric offers says which units its rows are
            by_parameter = next((p for p in parameters if p.name == "by"), None)
            offered = set(by_parameter.choices) if by_parameter else set()
            listed = {value for value, _, _ in cells.by if value is not None}
            if by_parameter is None or offered != listed:
                raise ValueError(f"metric {name}: cells.by must list every choice of its 'by' parameter "
                                 f"(offered {sorted(offered)}, listed {sorted(listed)})")
        if cells is not None:
            unknown = ({cells.key, cells.level_column, cells.minimum, *cells.keys, *cells.also, *(cells.matrix or ())}
                       - {None}) - declared
            if unknown:
                raise ValueError(f"metric {name}: cells name columns it does not return: {sorted(unknown)}")
        METRICS[name] = MetricDefinition(name, function, label, description, definition, tuple(columns),
                                         frozenset(requires), frozenset(requires_any), tuple(parameters), group,
                                         kind, change, notes, person_level or store_wide, tuple(person_columns),
                                         store_wide, cells, shared)
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
    """Run metric ``name`` over ``scope``: facts checked, parameters validated, the viewer's rights enforced
    (``scope.rights``: refusals raise ``AccessDenied``; person rows narrowed; small groups suppressed), period
    clipped to the data. ``con`` is a DuckDB connection to a store, or an engine (Spark over a lake) for the shared
    metrics (without a viewer's rights: the checks and suppression run on a store)."""
    from metrics import privacy
    from metrics.store import data_span, store_settings

    definitions = load_all_metrics()
    if name not in definitions:
        raise ParameterError(f"unknown metric {name!r} (see `pulso metric list`)")
    definition = definitions[name]
    if not is_duckdb(con) and not definition.shared:
        raise ParameterError(f"{name} runs on DuckDB only; on {getattr(con, 'name', 'this engine')} the shared metrics "
                             f"are: {', '.join(shared_metrics())}")
    if scope.rights is not None and not is_duckdb(con):
        raise ParameterError(f"{name}: a viewer's rights (--viewer) apply to a store (DuckDB), not to "
                             f"{getattr(con, 'name', 'this engine')}")
    missing = missing_facts(con, definition)
    if missing:
        raise FactsNotAvailable(name, missing)
    settings = store_settings(con)
    values = resolve_parameters(con, definition, params, settings)
    guard = privacy.Guard(con, definition, scope, values, settings) if scope.rights is not None else None
    if guard is not None:
        guard.check()  # raises AccessDenied / Suppressed before anything is computed
    span = data_span(con)
    clipped = scope.clipped(*span) if span is not None else scope  # no dated fact at all: nothing to clip to
    frame = definition.empty_frame() if clipped is None else definition.function(con, clipped, **values)
    return guard.protect(frame) if guard is not None else frame


def access_line(d: MetricDefinition) -> str:
    """What a metric reveals about people and who may see it (docs/metrics.md; README, "Security and privacy")."""
    if d.store_wide:
        return "Person-level content of the whole store: administrators (rights over everything) only."
    if d.person_level:
        return (f"Person-level (columns {', '.join(f'`{c}`' for c in d.person_columns)}): viewers with person-level "
                "rights, narrowed to the people they cover; refused to viewers with aggregates only.")
    cells = d.cells
    if not cells.about_people:
        return "Says nothing about people: every viewer."
    if cells.matrix:
        rows = f"each cell is over two {cells.dimension}s (`{cells.matrix[0]}` × `{cells.matrix[1]}`)"
    elif cells.level_column:
        rows = f"each row is over the office or region named in `{cells.key}` (per `{cells.level_column}`)"
    elif cells.within_role:
        rows = f"each row is over the people of the `{cells.within_role}` role in the `{cells.key}`"
    elif cells.by:
        chosen = ", ".join(f"{value}: {dimension or 'the whole scope'}" for value, dimension, _ in cells.by
                           if value is not None) or "the whole scope"
        rows = f"each row is over the unit in `{cells.key}` by the `by` parameter ({chosen})"
    elif cells.key:
        rows = f"each row is over the {cells.dimension} in `{cells.key}`"
    else:
        rows = "every row is over the whole scope" + (f" (withheld below k `{cells.minimum}`)" if cells.minimum else "")
    return f"Aggregate: {rows}; small groups suppressed for viewers with aggregates only."


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
            out += [f"**Who sees it.** {access_line(d)}", ""]
            if d.parameters:
                out += ["| parameter | default | allowed | meaning |", "|---|---|---|---|"]
                for p in d.parameters:
                    default = f"setting `{p.setting}`" if p.setting else f"`{p.default}`"
                    out.append(f"| `{p.name}` | {default} | {p.allowed()} | {p.description[language]} |")
                out.append("")
            if d.notes:
                out += [d.notes.get(language) or d.notes["en"], ""]
    return "\n".join(out)

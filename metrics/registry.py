"""The metric registry: every metric with its bilingual definition.

Register a metric with the ``@metric(...)`` decorator next to its function.
``compute(con, name, scope, **params)`` checks that the loaded sources supplied
the facts the metric needs (raising ``FactsNotAvailable`` otherwise, so that
callers say "not available" instead of showing zero) and runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import polars as pl

from metrics.scope import Scope
from metrics.store import available_facts

LANGUAGES = ("es", "en")


class FactsNotAvailable(Exception):
    """The loaded sources did not supply what a metric needs."""

    def __init__(self, metric: str, missing: set[str]):
        self.metric = metric
        self.missing = frozenset(missing)
        super().__init__(f"{metric}: not available from the loaded sources (missing: {', '.join(sorted(missing))})")


@dataclass(frozen=True)
class Parameter:
    name: str
    default: object
    description: dict[str, str]


@dataclass(frozen=True)
class MetricDefinition:
    name: str
    function: Callable[..., pl.DataFrame]
    label: dict[str, str]
    description: dict[str, str]
    definition: dict[str, str]
    unit: str  # people, messages, ratio, percent, hours, minutes, score, count, table
    requires: frozenset[str] = frozenset()
    # any one of these facts is enough (e.g. visits or activity_counts give "reads")
    requires_any: frozenset[str] = frozenset()
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)
    group: str = "kpi"

    def text(self, what: str, language: str) -> str:
        return getattr(self, what)[language]


METRICS: dict[str, MetricDefinition] = {}


def metric(name: str, *, label: dict[str, str], description: dict[str, str], definition: dict[str, str],
           unit: str, requires: tuple[str, ...] = (), requires_any: tuple[str, ...] = (),
           parameters: tuple[Parameter, ...] = (), group: str = "kpi"):
    """Register ``function`` as metric ``name``. Texts are dicts keyed by language (es, en)."""

    def decorate(function: Callable[..., pl.DataFrame]) -> Callable[..., pl.DataFrame]:
        for what, texts in (("label", label), ("description", description), ("definition", definition)):
            missing = [lang for lang in LANGUAGES if not texts.get(lang)]
            if missing:
                raise ValueError(f"metric {name}: {what} lacks {', '.join(missing)}")
        if name in METRICS:
            raise ValueError(f"metric {name} registered twice")
        METRICS[name] = MetricDefinition(name, function, label, description, definition, unit,
                                         frozenset(requires), frozenset(requires_any), tuple(parameters), group)
        return function

    return decorate


def load_all_metrics() -> dict[str, MetricDefinition]:
    """Import every metric module so that its metrics are registered."""
    import importlib
    import pkgutil

    import metrics

    for module in pkgutil.iter_modules(metrics.__path__):
        if module.name not in ("registry", "scope", "store"):
            importlib.import_module(f"metrics.{module.name}")
    return METRICS


def definitions_markdown(language: str = "en") -> str:
    """Every registered metric's definition as a Markdown page (docs/metrics.md is generated from it)."""
    metrics = load_all_metrics()
    other = "es" if language == "en" else "en"
    out = ["# Pulso metric definitions", "",
           "Generated from the metric registry by `pulso metric docs`; a test keeps this page in sync. "
           "Every metric is a function `(connection, scope, **parameters) -> polars.DataFrame` in `metrics/`; "
           "the dashboard, the CLI (`pulso metric NAME ...`) and the notebooks call the same functions. "
           f"Labels are given in both languages ({language} first).", ""]
    groups: dict[str, list[MetricDefinition]] = {}
    for definition in metrics.values():
        groups.setdefault(definition.function.__module__.rsplit(".", 1)[-1], []).append(definition)
    for module in sorted(groups):
        out += [f"## `metrics/{module}.py`", ""]
        for d in sorted(groups[module], key=lambda d: d.name):
            needs = sorted(d.requires) + ([" or ".join(sorted(d.requires_any))] if d.requires_any else [])
            out += [f"### `{d.name}` — {d.label[language]} / {d.label[other]}", "",
                    d.description[language], "", f"**Definition.** {d.definition[language]}", "",
                    f"Unit: {d.unit}. Needs: {', '.join(needs) or 'nothing'}.", ""]
            if d.parameters:
                out += ["| parameter | default | meaning |", "|---|---|---|"]
                out += [f"| `{p.name}` | `{p.default}` | {p.description[language]} |" for p in d.parameters]
                out.append("")
    return "\n".join(out)


def missing_facts(con: duckdb.DuckDBPyConnection, definition: MetricDefinition) -> set[str]:
    facts = available_facts(con)
    missing = set(definition.requires - facts)
    if definition.requires_any and not (definition.requires_any & facts):
        missing |= set(definition.requires_any)
    return missing


def compute(con: duckdb.DuckDBPyConnection, name: str, scope: Scope, **params) -> pl.DataFrame:
    definition = load_all_metrics()[name]
    missing = missing_facts(con, definition)
    if missing:
        raise FactsNotAvailable(name, missing)
    return definition.function(con, scope, **params)

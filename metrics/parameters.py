"""Parameters that several metrics declare (each validated by ``Parameter.parse`` before a metric runs)."""

from __future__ import annotations

import duckdb

from metrics.registry import Parameter
from pulso.core import expr as E
from pulso.core.expr import Engine

BASE_KINDS = ("reply", "mention", "like")


def act_kinds(con: duckdb.DuckDBPyConnection | Engine) -> list[str]:
    """Interaction kinds the store holds (replies, mentions, likes and the generic interactions' kinds)."""
    acts = E.table("acts")
    return sorted(E.engine_of(con).frame(acts.select("kind").distinct())["kind"].drop_nulls().to_list())


KINDS = Parameter("kinds", {"es": "Tipos de interacción a contar (reply, mention, like u otros del almacén), "
                                  "separados por comas; vacío = todos.",
                            "en": "Interaction kinds to count (reply, mention, like or others the store holds), "
                                  "comma-separated; empty = all."},
                  kind="choices", choices=BASE_KINDS, choices_from=act_kinds)
SEED = Parameter("seed", {"es": "Semilla fija (mismo valor, mismo resultado).",
                          "en": "Fixed seed (same value, same result)."}, kind="int", default=42, minimum=0,
                 maximum=2**31 - 1)


def by(choices: tuple[str, ...], default: str | None, es: str, en: str) -> Parameter:
    """A breakdown parameter with its allowed values."""
    return Parameter("by", {"es": es, "en": en}, kind="choice", default=default, choices=choices)


def limit(name: str, default: int, es: str, en: str, maximum: int = 10_000, minimum: int = 1) -> Parameter:
    """How many rows to list (bounded, so no request can ask for everything at once)."""
    return Parameter(name, {"es": es, "en": en}, kind="int", default=default, minimum=minimum, maximum=maximum)


def days(name: str, setting: str | None, default: int | None, es: str, en: str, maximum: int = 3660) -> Parameter:
    return Parameter(name, {"es": es, "en": en}, kind="int", default=default, minimum=1, maximum=maximum,
                     setting=setting)
LANG = Parameter("lang", {"es": "Idioma de los textos del resultado: es o en.",
                          "en": "Language of the result's sentences: es or en."},
                 kind="choice", default="es", choices=("es", "en"))

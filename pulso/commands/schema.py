"""pulso schema: print the canonical data model as Markdown (docs/data-model.md)."""

from __future__ import annotations


def register(subparsers) -> None:
    p = subparsers.add_parser("schema", help="print the canonical data model (Markdown)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pulso.schema import data_model_markdown

    print(data_model_markdown())
    return 0

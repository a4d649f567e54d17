"""pulso schema: print the data model as Markdown (docs/data-model.md)."""

from __future__ import annotations


def register(subparsers, common) -> None:
    p = subparsers.add_parser("schema", parents=[common], help="print the data model (Markdown)")
    p.set_defaults(func=run)


def run(args) -> int:
    from pulso.core.schema import data_model_markdown

    print(data_model_markdown())
    return 0

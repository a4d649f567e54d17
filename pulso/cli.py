"""The ``pulso`` command line: one entry point, one module per sub-command.

Each module in ``COMMANDS`` defines ``register(subparsers)`` which adds its
parser and sets ``func`` (a callable taking the parsed args and returning an
exit code). Errors meant for the user are raised as ``UserError`` (or an
``IngestError``) and printed as one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

COMMANDS = (
    "pulso.commands.ingest",
    "pulso.commands.serve",
    "pulso.commands.schema",
    "pulso.commands.sample",
    "pulso.commands.metric",
    "pulso.commands.report",
)

DEFAULT_DB = Path("data/pulso.duckdb")


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


def default_db() -> Path:
    return Path(os.environ.get("PULSO_DB", DEFAULT_DB))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulso", description="Pulso: engagement analytics for internal social networks")
    parser.add_argument("--config", help="organisation configuration TOML (default: $PULSO_CONFIG or the packaged one)")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipelines.errors import IngestError
    from pulso.config import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (UserError, IngestError, ConfigError) as exc:
        print(f"pulso: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

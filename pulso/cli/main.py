"""The ``pulso`` command line: one entry point, one module per sub-command.

Each module in ``COMMANDS`` defines ``register(subparsers, common)`` which adds
its parser (with ``common``, the options every sub-command accepts) and sets
``func`` (a callable taking the parsed args and returning an exit code).
Problems the user can fix are raised as ``PulsoError`` and printed as one line
on stderr (exit code 2). The CLI sits on top of every layer; nothing imports it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from pathlib import Path

from pulso.core.errors import PulsoError

COMMANDS = (
    "pulso.cli.commands.ingest",
    "pulso.cli.commands.serve",
    "pulso.cli.commands.schema",
    "pulso.cli.commands.info",
    "pulso.cli.commands.sample",
    "pulso.cli.commands.metric",
    "pulso.cli.commands.report",
    "pulso.cli.commands.audit",
    "pulso.cli.commands.lake",
)

DEFAULT_DB = Path("data/pulso.duckdb")
CONFIG_HELP = "organisation settings TOML (default: $PULSO_CONFIG or the packaged one); before or after the command"


class UserError(PulsoError):
    """A bad command-line argument; printed as one line, exit code 2."""


def default_db() -> Path:
    return Path(os.environ.get("PULSO_DB", DEFAULT_DB))


def common_options() -> argparse.ArgumentParser:
    """Options every sub-command takes, so ``pulso --config X cmd`` and ``pulso cmd --config X`` are the same."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS, help=CONFIG_HELP)
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pulso", description="Pulso: engagement analytics for internal social networks")
    parser.add_argument("--config", default=None, help=CONFIG_HELP)
    subparsers = parser.add_subparsers(dest="command", required=True)
    common = common_options()
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers, common)
    return parser


@contextlib.contextmanager
def settings_file(path: str | None):
    """``--config FILE`` means exactly what ``PULSO_CONFIG=FILE`` means, for the time of the command."""
    before = os.environ.get("PULSO_CONFIG")
    if path:
        os.environ["PULSO_CONFIG"] = str(Path(path).resolve())
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PULSO_CONFIG", None)
        else:
            os.environ["PULSO_CONFIG"] = before


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with settings_file(args.config):
            return int(args.func(args) or 0)
    except PulsoError as exc:
        print(f"pulso: error: {exc.one_line()}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file the user named cannot be read or written
        where = f"{Path(exc.filename).name}: " if getattr(exc, "filename", None) else ""
        print(f"pulso: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

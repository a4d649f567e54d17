"""pulso serve [--db FILE] [-- streamlit flags]: start the dashboard.

Streamlit only reads ``.streamlit/config.toml``, ``STREAMLIT_*`` variables and
flags, so the settings in the project's ``streamlit_config.toml`` are turned
into flags here; that is what makes the file take effect.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
APP = PROJECT_ROOT / "dashboard" / "app.py"
STREAMLIT_CONFIG = PROJECT_ROOT / "streamlit_config.toml"


def streamlit_flags(config_path: Path) -> list[str]:
    """``[section] key = value`` -> ``--section.key=value`` for every setting in the file."""
    data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    flags = []
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ValueError(f"{config_path}: top-level key {section!r} must be inside a [section]")
        for key, value in values.items():
            if isinstance(value, bool):
                value = str(value).lower()
            flags.append(f"--{section}.{key}={value}")
    return flags


def register(subparsers, common) -> None:
    from pulso.cli.main import default_db

    p = subparsers.add_parser("serve", parents=[common], help="serve the dashboard on localhost")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--streamlit-config", type=Path, default=STREAMLIT_CONFIG, help="settings file (default: %(default)s)")
    p.add_argument("extra", nargs="*", help="extra Streamlit flags after --, e.g. -- --server.port=9000")
    p.set_defaults(func=run)


def command_line(db: Path, config_path: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(APP), *streamlit_flags(config_path), *extra]


def run(args) -> int:
    """Replace this process with the Streamlit server, so that a signal sent to
    `pulso serve` (Ctrl+C, a supervisor's stop) reaches the server itself."""
    env = dict(os.environ, PULSO_DB=str(Path(args.db).resolve()))  # PULSO_CONFIG is set by --config already
    command = command_line(args.db, args.streamlit_config, args.extra)
    os.execve(command[0], command, env)

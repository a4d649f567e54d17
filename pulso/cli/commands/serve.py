"""pulso serve [--db FILE] [--secrets FILE] [--allow-open] [-- streamlit flags]: start the dashboard.

Streamlit only reads ``.streamlit/config.toml``, ``STREAMLIT_*`` variables and
flags, so the settings in the project's ``streamlit_config.toml`` are turned
into flags here; that is what makes the file take effect.

Sign-in (OpenID Connect, Streamlit's ``st.login``) is configured by a secrets
file with an ``[auth]`` section: ``--secrets FILE``, or ``.streamlit/secrets.toml``
(in the current folder or the home folder, where Streamlit looks), or the
environment variables ``PULSO_AUTH_CLIENT_ID``, ``PULSO_AUTH_CLIENT_SECRET``,
``PULSO_AUTH_METADATA_URL``, ``PULSO_AUTH_REDIRECT_URI`` (and optionally
``PULSO_AUTH_COOKIE_SECRET``), from which ``pulso serve`` writes a secrets file
readable by its owner only, outside the project. Secrets are never committed
(``.streamlit/`` is git-ignored).

Without sign-in the dashboard is in **local mode**: it has no access control, so
it listens on 127.0.0.1 only; any other address is refused unless
``--allow-open`` says so explicitly.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
APP = PROJECT_ROOT / "dashboard" / "app.py"
STREAMLIT_CONFIG = PROJECT_ROOT / "streamlit_config.toml"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
AUTH_VARIABLES = {"client_id": "PULSO_AUTH_CLIENT_ID", "client_secret": "PULSO_AUTH_CLIENT_SECRET",
                  "server_metadata_url": "PULSO_AUTH_METADATA_URL", "redirect_uri": "PULSO_AUTH_REDIRECT_URI"}
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")


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

    p = subparsers.add_parser("serve", parents=[common], help="serve the dashboard (local mode on 127.0.0.1 "
                                                               "unless sign-in is configured)")
    p.add_argument("--db", type=Path, default=default_db(), help="store file (default: %(default)s)")
    p.add_argument("--streamlit-config", type=Path, default=STREAMLIT_CONFIG, help="settings file (default: %(default)s)")
    p.add_argument("--secrets", type=Path, help="a secrets.toml with the [auth] section for sign-in (OpenID Connect)")
    p.add_argument("--allow-open", action="store_true",
                   help="serve on a non-local address WITHOUT sign-in (anyone who reaches it sees everything)")
    p.add_argument("extra", nargs="*", help="extra Streamlit flags after --, e.g. -- --server.port=9000")
    p.set_defaults(func=run)


def flag_value(flags: list[str], name: str) -> str | None:
    """The last ``--name=value`` (or ``--name value``) among ``flags``."""
    found = None
    for i, flag in enumerate(flags):
        if flag.startswith(f"--{name}="):
            found = flag.split("=", 1)[1]
        elif flag == f"--{name}" and i + 1 < len(flags):
            found = flags[i + 1]
    return found


def auth_section(path: Path) -> dict | None:
    """The ``[auth]`` section of a secrets file, when it configures a provider; None otherwise."""
    from pulso.cli.main import UserError

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path.name}: not a readable secrets file ({exc})") from None
    auth = data.get("auth")
    if not isinstance(auth, dict):
        return None
    missing = [k for k in ("redirect_uri", "cookie_secret") if not auth.get(k)]
    providers = [auth] + [v for v in auth.values() if isinstance(v, dict)]
    if missing or not any(all(p.get(k) for k in ("client_id", "client_secret", "server_metadata_url"))
                          for p in providers):
        what = ", ".join(missing) or "client_id, client_secret and server_metadata_url"
        raise UserError(f"{path.name}: the [auth] section lacks {what} (see the README, 'Security and privacy')")
    return auth


def secrets_from_environment(environ: dict) -> Path | None:
    """Write the ``[auth]`` section from the PULSO_AUTH_* variables to a file only its owner can read, outside
    the project; None when the variables are not set."""
    from pulso.cli.main import UserError

    given = {key: environ.get(variable, "").strip() for key, variable in AUTH_VARIABLES.items()}
    if not any(given.values()):
        return None
    missing = [AUTH_VARIABLES[k] for k, v in given.items() if not v]
    if missing:
        raise UserError(f"sign-in from the environment needs {', '.join(missing)} as well")
    cookie = environ.get("PULSO_AUTH_COOKIE_SECRET", "").strip() or secrets.token_hex(32)
    lines = ["[auth]"] + [f"{key} = {toml_string(value)}" for key, value in
                          {**given, "cookie_secret": cookie}.items()]
    folder = Path(tempfile.mkdtemp(prefix="pulso-auth-"))  # 0700
    path = folder / "secrets.toml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def default_secrets() -> list[Path]:
    """Where Streamlit looks for secrets by itself."""
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def sign_in(args, environ: dict) -> Path | None:
    """The secrets file that configures sign-in, or None (local mode)."""
    from pulso.cli.main import UserError

    if args.secrets:
        if not args.secrets.exists():
            raise UserError(f"{args.secrets.name}: no such secrets file")
        if auth_section(args.secrets) is None:
            raise UserError(f"{args.secrets.name}: no [auth] section (see the README, 'Security and privacy')")
        return args.secrets
    written = secrets_from_environment(environ)
    if written is not None:
        return written
    for path in default_secrets():
        if auth_section(path) is not None:
            return path
    return None


def command_line(db: Path, config_path: Path, extra: list[str], secrets_file: Path | None = None) -> list[str]:
    flags = streamlit_flags(config_path)
    if secrets_file is not None:
        flags.append(f"--secrets.files={secrets_file}")
    return [sys.executable, "-m", "streamlit", "run", str(APP), *flags, *extra]


def run(args) -> int:
    """Replace this process with the Streamlit server, so that a signal sent to
    `pulso serve` (Ctrl+C, a supervisor's stop) reaches the server itself."""
    from pulso.cli.main import UserError

    secrets_file = sign_in(args, dict(os.environ))
    command = command_line(args.db, args.streamlit_config, args.extra, secrets_file)
    address = flag_value(command, "server.address") or "0.0.0.0"  # Streamlit's own default listens everywhere
    env = dict(os.environ, PULSO_DB=str(Path(args.db).resolve()))  # PULSO_CONFIG is set by --config already
    if secrets_file is None:
        if address not in LOOPBACK and not args.allow_open:
            raise UserError(f"no sign-in is configured, so the dashboard may only listen on 127.0.0.1 (asked: "
                            f"{address}); configure sign-in (--secrets FILE or PULSO_AUTH_*), or pass --allow-open "
                            "to serve without access control")
        env["PULSO_ALLOW_OPEN"] = "1" if args.allow_open else "0"
        print(f"pulso: local mode, no access control: serving on {address} only" if address in LOOPBACK else
              f"pulso: WARNING: serving on {address} WITHOUT sign-in (--allow-open): anyone who reaches it sees "
              "everything", file=sys.stderr)
    else:
        env.pop("PULSO_ALLOW_OPEN", None)
    os.execve(command[0], command, env)

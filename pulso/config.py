"""Organisation configuration: time zone and the role hierarchy.

The hierarchy is data, not code: it is read from a TOML file (the packaged
``default_config.toml`` unless ``--config`` or ``PULSO_CONFIG`` names another).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_CONFIG_PATH = Path(__file__).with_name("default_config.toml")


class ConfigError(ValueError):
    """The configuration file is missing or malformed."""


@dataclass(frozen=True)
class RoleHierarchy:
    """Ordered roles, highest rank first (rank 1 = top)."""

    roles: tuple[str, ...]
    labels_es: dict[str, str] = field(default_factory=dict)

    def rank(self, role: str | None) -> int | None:
        """Rank of a role (1 = top); None for an unknown or missing role."""
        if role is None:
            return None
        try:
            return self.roles.index(role.strip().lower()) + 1
        except ValueError:
            return None

    def label(self, role: str, language: str = "es") -> str:
        if language == "es":
            return self.labels_es.get(role, role)
        return role


@dataclass(frozen=True)
class PulsoConfig:
    organization_name: str
    timezone: str
    hierarchy: RoleHierarchy
    path: Path


def load_config(path: str | os.PathLike | None = None) -> PulsoConfig:
    """Read the configuration named by ``path``, ``$PULSO_CONFIG`` or the default."""
    chosen = Path(path or os.environ.get("PULSO_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{chosen}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    org = data.get("organization", {})
    timezone = org.get("timezone", "America/Mexico_City")
    try:
        ZoneInfo(timezone)
    except Exception as exc:  # zoneinfo raises several types
        raise ConfigError(f"{chosen}: unknown time zone {timezone!r}") from exc
    roles = data.get("hierarchy", {}).get("roles")
    if not roles or not all(isinstance(r, str) and r.strip() for r in roles):
        raise ConfigError(f"{chosen}: [hierarchy] roles must be a non-empty list of names")
    normalized = tuple(r.strip().lower() for r in roles)
    if len(set(normalized)) != len(normalized):
        raise ConfigError(f"{chosen}: [hierarchy] roles has a duplicate name")
    labels = {k.strip().lower(): v for k, v in data.get("hierarchy", {}).get("labels_es", {}).items()}
    return PulsoConfig(
        organization_name=org.get("name", "Pulso"),
        timezone=timezone,
        hierarchy=RoleHierarchy(normalized, labels),
        path=chosen,
    )

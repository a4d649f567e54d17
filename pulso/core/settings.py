"""Organisation settings: time zone, role hierarchy (with es/en labels) and default thresholds.

The settings are data, not code. They are read from a TOML file (the packaged
``default_settings.toml`` unless ``--config FILE`` or ``$PULSO_CONFIG`` names
another; a key the file leaves out keeps the packaged value), written into the
store by every publish (``to_json`` / ``from_json``), and read back from the
store by every metric: a store carries the settings that built it. The
``[report]`` section (the SMTP server ``pulso report --mail-to`` uses) is about
delivery, not about the data: it is read from the file in force and never
stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pulso.core.access import Viewer, parse_viewers
from pulso.core.errors import SettingsError
from pulso.core.holidays import DEFAULT_RULES, RULES, holidays_between, parse_extra

DEFAULT_SETTINGS_PATH = Path(__file__).with_name("default_settings.toml")
LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Role:
    name: str  # canonical, lower-case (as the directory gives it, normalised)
    rank: int  # 1 = top
    labels: dict[str, str] = field(default_factory=dict)  # language -> display name


@dataclass(frozen=True)
class Hierarchy:
    """Ordered roles, highest rank first (rank 1 = top)."""

    roles: tuple[Role, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def rank(self, role: str | None) -> int | None:
        """Rank of a role (1 = top); None for an unknown or missing role."""
        if role is None:
            return None
        wanted = role.strip().lower()
        for r in self.roles:
            if r.name == wanted:
                return r.rank
        return None

    def label(self, role: str | None, language: str) -> str | None:
        """The role's display name in ``language``; an unknown role shows as given."""
        if role is None:
            return None
        wanted = role.strip().lower()
        for r in self.roles:
            if r.name == wanted:
                return r.labels.get(language) or r.name
        return role


@dataclass(frozen=True)
class Privacy:
    """``[privacy]``: what aggregates-only viewers see and how people are stored (see the README's "Security and
    privacy" section)."""

    min_group_size: int = 5  # k: figures over fewer people are suppressed for viewers without person-level rights
    count_private: bool = True  # private groups and conversations count in aggregates (their text is never shown)
    pseudonymize: bool = False  # names and e-mails replaced by keyed hashes at ingest ($PULSO_PSEUDONYM_KEY)
    audit_log: str = ""  # the audit log (JSON lines); empty = beside the store, <store>.audit.jsonl

    def to_dict(self) -> dict:
        return {"min_group_size": self.min_group_size, "count_private": self.count_private,
                "pseudonymize": self.pseudonymize, "audit_log": self.audit_log}


@dataclass(frozen=True)
class Limits:
    """What a load accepts ([limits] in the settings; each over-limit input stops the load with one line naming the
    file, the row and the limit, except times outside the plausible window and bad UTC offsets, which reject their
    row with the reason). Sizes are decompressed bytes."""

    file_mb: int = 16384  # one file: a plain file, a .gz once decompressed, a member of a zip
    parsed_file_mb: int = 256  # one file a reader must hold whole in memory (JSON; Yammer, M365, directory CSV)
    load_mb: int = 65536  # every file of one load together
    field_kb: int = 1024  # one value: a cell, a JSON string, an XML attribute
    row_kb: int = 4096  # one row: a CSV record, a JSON record, an XML row
    depth: int = 64  # nesting of JSON and XML
    archive_files: int = 250_000  # files inside one zip
    first_year: int = 1990  # times before 1 January of this year are rejected
    days_ahead: int = 1  # times later than this many days after the load are rejected
    utc_offset_hours: int = 14  # UTC offsets beyond +-this many hours are rejected
    reject_warning_share: float = 0.5  # a file that rejects more than this share of its rows warns (--strict: fails)

    @property
    def file_bytes(self) -> int:
        return self.file_mb << 20

    @property
    def parsed_file_bytes(self) -> int:
        return self.parsed_file_mb << 20

    @property
    def load_bytes(self) -> int:
        return self.load_mb << 20

    @property
    def field_bytes(self) -> int:
        return self.field_kb << 10

    @property
    def row_bytes(self) -> int:
        return self.row_kb << 10

    def window(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """The plausible times (naive UTC): from 1 January of ``first_year`` to ``days_ahead`` days after ``now``."""
        now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
        return datetime(self.first_year, 1, 1), now + timedelta(days=self.days_ahead)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def limits_from(values: dict, source: str) -> Limits:
    """[limits] validated: known keys only, whole numbers >= 0 (the share: between 0 and 1)."""
    known = {f.name: f for f in fields(Limits)}
    out = {}
    for key, value in values.items():
        if key not in known:
            raise SettingsError(f"{source}: [limits] has no key {key!r} (known: {', '.join(sorted(known))})")
        if key == "reject_warning_share":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise SettingsError(f"{source}: [limits] {key} must be a share between 0 and 1 (got {value!r})")
            out[key] = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0 or \
                    (value == 0 and key not in ("days_ahead", "utc_offset_hours")):
                raise SettingsError(f"{source}: [limits] {key} must be a whole number above 0 (got {value!r})")
            out[key] = value
    return Limits(**out)


@dataclass(frozen=True)
class ReportDelivery:
    """How ``pulso report --mail-to`` sends the report: an SMTP server. It is read from the settings file in force
    and never written into the store; the password comes from the environment variable ``password_env``."""

    smtp_host: str = ""
    smtp_port: int = 587
    sender: str = ""  # the [report] key "from"
    starttls: bool = True
    username: str = ""
    password_env: str = "PULSO_SMTP_PASSWORD"

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


REPORT_KEYS = {"smtp_host": str, "smtp_port": int, "from": str, "starttls": bool, "username": str, "password_env": str}


@dataclass(frozen=True)
class Settings:
    organization_name: str
    timezone: str
    hierarchy: Hierarchy
    thresholds: dict[str, float | int]
    source: str  # the file the settings were read from
    limits: Limits = field(default_factory=Limits)
    report: ReportDelivery = field(default_factory=ReportDelivery)  # delivery only: not part of the store's settings
    holiday_rules: tuple[str, ...] = DEFAULT_RULES  # built-in holiday rules (pulso/core/holidays.py)
    extra_holidays: tuple[str, ...] = ()  # more days or ranges: "2026-12-12", "2026-12-24..2026-12-31"
    viewers: tuple[Viewer, ...] = ()  # [[access.viewers]]: who may see what (pulso.core.access)
    privacy: Privacy = field(default_factory=Privacy)

    def holidays(self, first, last) -> dict:
        """The organisation's holidays from ``first`` to ``last``: {date: (Spanish name, English name)}."""
        return holidays_between(first, last, self.holiday_rules, self.extra_holidays)

    def threshold(self, key: str):
        try:
            return self.thresholds[key]
        except KeyError:
            raise SettingsError(f"no threshold {key!r} in the settings (known: {', '.join(sorted(self.thresholds))})") \
                from None

    def to_dict(self) -> dict:
        return {
            "organization": {"name": self.organization_name, "timezone": self.timezone},
            "hierarchy": {"roles": [r.name for r in self.hierarchy.roles],
                          **{f"labels_{lang}": {r.name: r.labels[lang] for r in self.hierarchy.roles if lang in r.labels}
                             for lang in LANGUAGES}},
            "thresholds": dict(self.thresholds),
            "calendar": {"holidays": list(self.holiday_rules), "extra_holidays": list(self.extra_holidays)},
            "limits": self.limits.to_dict(),
            "access": {"viewers": [v.to_dict() for v in self.viewers]},
            "privacy": self.privacy.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @property
    def digest(self) -> str:
        """A short fingerprint of the settings' content (not of the file's bytes)."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:12]


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{path}: settings file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read the settings file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def settings_path(path: str | os.PathLike | None = None) -> Path:
    """The settings file in force: ``path``, else ``$PULSO_CONFIG``, else the packaged one."""
    return Path(path or os.environ.get("PULSO_CONFIG") or DEFAULT_SETTINGS_PATH)


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read the settings named by ``path``, ``$PULSO_CONFIG`` or the packaged default."""
    chosen = settings_path(path)
    defaults = _read_toml(DEFAULT_SETTINGS_PATH)
    data = defaults if chosen == DEFAULT_SETTINGS_PATH else _read_toml(chosen)
    return from_dict(data, str(chosen), defaults)


def from_json(text: str, source: str) -> Settings:
    """Settings as a store holds them (``Settings.to_json``); a key a store written by an older Pulso lacks
    takes the packaged value."""
    return from_dict(json.loads(text), source, _read_toml(DEFAULT_SETTINGS_PATH), strict=False)


def from_dict(data: dict, source: str, defaults: dict | None, strict: bool = True) -> Settings:
    """Validate settings given as nested dicts; sections and keys missing from ``data`` come from ``defaults``.
    ``strict``: a threshold the defaults do not know is an error (a settings file); a store's is kept."""
    defaults = defaults or {}
    known_sections = {"organization", "hierarchy", "thresholds", "calendar", "limits", "report", "access", "privacy"}
    unknown = sorted(set(data) - known_sections)
    if unknown:
        raise SettingsError(f"{source}: unknown section [{unknown[0]}] (known: {', '.join(sorted(known_sections))})")
    org = {**defaults.get("organization", {}), **data.get("organization", {})}
    timezone = org.get("timezone", "America/Mexico_City")
    try:
        ZoneInfo(str(timezone))
    except Exception:  # zoneinfo raises several types
        raise SettingsError(f"{source}: unknown time zone {timezone!r}") from None
    given = data.get("hierarchy", {})
    hierarchy = given if "roles" in given else {**defaults.get("hierarchy", {}), **given}
    names = hierarchy.get("roles")
    if not names or not isinstance(names, list) or not all(isinstance(r, str) and r.strip() for r in names):
        raise SettingsError(f"{source}: [hierarchy] roles must be a non-empty list of names")
    normalized = [r.strip().lower() for r in names]
    if len(set(normalized)) != len(normalized):
        raise SettingsError(f"{source}: [hierarchy] roles has a duplicate name")
    labels = {lang: {str(k).strip().lower(): str(v) for k, v in hierarchy.get(f"labels_{lang}", {}).items()}
              for lang in LANGUAGES}
    for lang in LANGUAGES:
        stray = sorted(set(labels[lang]) - set(normalized))
        if stray:
            raise SettingsError(f"{source}: [hierarchy.labels_{lang}] names a role not in roles: {stray[0]!r}")
    roles = tuple(Role(name, i + 1, {lang: labels[lang][name] for lang in LANGUAGES if name in labels[lang]})
                  for i, name in enumerate(normalized))
    thresholds = dict(defaults.get("thresholds", {}))
    for key, value in data.get("thresholds", {}).items():
        if strict and defaults and key not in thresholds:
            raise SettingsError(f"{source}: [thresholds] has no key {key!r} (known: {', '.join(sorted(thresholds))})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise SettingsError(f"{source}: [thresholds] {key} must be a number, 0 or more (got {value!r})")
        thresholds[key] = value
    rules, extra = _calendar(data.get("calendar", {}), defaults.get("calendar", {}), source)
    access = data.get("access", defaults.get("access", {}))
    if not isinstance(access, dict) or sorted(set(access) - {"viewers"}):
        raise SettingsError(f"{source}: [access] takes only viewers ([[access.viewers]] tables)")
    viewers = parse_viewers(access.get("viewers"), source)
    limits = limits_from({**defaults.get("limits", {}), **data.get("limits", {})}, source)
    return Settings(str(org.get("name", "Pulso")), str(timezone), Hierarchy(roles), thresholds, source,
                    limits=limits,
                    report=report_delivery({**defaults.get("report", {}), **data.get("report", {})}, source),
                    holiday_rules=rules, extra_holidays=extra, viewers=viewers,
                    privacy=parse_privacy({**defaults.get("privacy", {}), **data.get("privacy", {})}, source))


def parse_privacy(values: dict, source: str) -> Privacy:
    """Validate ``[privacy]``."""
    known = Privacy().to_dict()
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise SettingsError(f"{source}: [privacy] has no key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    merged = {**known, **values}
    k = merged["min_group_size"]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 1000:
        raise SettingsError(f"{source}: [privacy] min_group_size must be a whole number from 1 to 1000 (got {k!r})")
    for key in ("count_private", "pseudonymize"):
        if not isinstance(merged[key], bool):
            raise SettingsError(f"{source}: [privacy] {key} must be true or false (got {merged[key]!r})")
    if not isinstance(merged["audit_log"], str):
        raise SettingsError(f"{source}: [privacy] audit_log must be a path (text)")
    return Privacy(k, merged["count_private"], merged["pseudonymize"], merged["audit_log"])


def _calendar(given: dict, defaults: dict, source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The holiday rules and extra days of a [calendar] section (keys left out keep the defaults)."""
    calendar = {**defaults, **given}
    unknown = sorted(set(calendar) - {"holidays", "extra_holidays"})
    if unknown:
        raise SettingsError(f"{source}: [calendar] has no key {unknown[0]!r} (known: extra_holidays, holidays)")
    rules = calendar.get("holidays", list(DEFAULT_RULES))
    if not isinstance(rules, list) or any(rule not in RULES for rule in rules):
        raise SettingsError(f"{source}: [calendar] holidays must be a list of: {', '.join(RULES)} (got {rules!r})")
    extra = calendar.get("extra_holidays", [])
    if not isinstance(extra, list):
        raise SettingsError(f"{source}: [calendar] extra_holidays must be a list of days or ranges")
    for entry in extra:
        try:
            parse_extra(entry)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"{source}: [calendar] extra_holidays: {entry!r} is not a day YYYY-MM-DD or a range "
                                f"YYYY-MM-DD..YYYY-MM-DD ({exc})") from None
    return tuple(dict.fromkeys(rules)), tuple(str(e).strip() for e in extra)

def report_delivery(section: dict, source: str) -> ReportDelivery:
    """The [report] section, each key checked (a password never belongs in the file: name its variable)."""
    for key, value in section.items():
        if key not in REPORT_KEYS:
            hint = " (put the password in an environment variable and name it with password_env)" \
                if "pass" in key else ""
            raise SettingsError(f"{source}: [report] has no key {key!r}{hint} (known: {', '.join(sorted(REPORT_KEYS))})")
        wanted = REPORT_KEYS[key]
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise SettingsError(f"{source}: [report] {key} must be {wanted.__name__} (got {value!r})")
    port = section.get("smtp_port", 587)
    if not 0 < port < 65536:
        raise SettingsError(f"{source}: [report] smtp_port must be from 1 to 65535 (got {port})")
    return ReportDelivery(section.get("smtp_host", ""), port, section.get("from", ""), section.get("starttls", True),
                          section.get("username", ""), section.get("password_env", "PULSO_SMTP_PASSWORD"))

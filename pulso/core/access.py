"""Who may see what: the viewer roles, the rights each one carries, and how a signed-in identity finds its entry.

The organisation settings list the viewers (``[[access.viewers]]``: an e-mail or a group claim and a role).
A role gives **rights**, which become part of the ``Scope`` every metric is computed over
(``pulso.core.scope``): they only ever narrow what a query sees, and ``metrics.registry.compute`` refuses
what they do not cover. The roles:

=====================  ==============  ==============================  ==================
role                   person level    people                          private names
=====================  ==============  ==============================  ==================
administrator          yes             everyone                        yes
community manager      yes             every region, or those listed   yes
director               no (aggregates  everyone, small groups          no
                       only)           suppressed
regional manager       yes             own region(s)                   no
office manager         yes             own office(s)                   no
=====================  ==============  ==============================  ==================

"Own region / office" is the one listed in the viewer's entry (``regions = [...]``, ``offices = [...]``) or,
when none is listed, the region / office of the viewer's own row in the org directory, found by e-mail
(``metrics.access.rights_for``). A viewer whose own unit cannot be found has no access at all: rights are
never widened to fill a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulso.core.errors import SettingsError

ROLES = ("administrator", "community manager", "director", "regional manager", "office manager")
ROLE_LABELS = {
    "administrator": ("Administrador", "Administrator"),
    "community manager": ("Gestor de comunidad", "Community manager"),
    "director": ("Director (solo agregados)", "Director (aggregates only)"),
    "regional manager": ("Gerente regional", "Regional manager"),
    "office manager": ("Gerente de oficina", "Office manager"),
}


@dataclass(frozen=True)
class Viewer:
    """One ``[[access.viewers]]`` entry: who (an e-mail or a group claim) and which role, with the units it
    covers when the role takes them (community manager: regions; regional / office manager: own units)."""

    role: str
    email: str | None = None
    group: str | None = None
    regions: tuple[str, ...] | None = None
    offices: tuple[str, ...] | None = None

    def to_dict(self) -> dict:
        out: dict = {"role": self.role}
        for key in ("email", "group"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("regions", "offices"):
            if getattr(self, key) is not None:
                out[key] = list(getattr(self, key))
        return out


@dataclass(frozen=True)
class Rights:
    """What a viewer may see. ``None`` for regions / offices means every one. Part of the ``Scope``, so caches
    keyed by the scope are keyed by the rights too."""

    role: str
    regions: tuple[str, ...] | None = None
    offices: tuple[str, ...] | None = None
    person_level: bool = True  # named people, person-level lists and networks
    private_names: bool = False  # names of private groups and private conversations

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown viewer role {self.role!r}")
        for name in ("regions", "offices"):
            values = getattr(self, name)
            if values is not None and (not isinstance(values, tuple) or not all(isinstance(v, str) for v in values)):
                raise ValueError(f"rights.{name} must be a tuple of names or None")

    @property
    def everything(self) -> bool:
        """Rights over the whole store: every person, named, and private group names."""
        return self.person_level and self.private_names and self.regions is None and self.offices is None

    @property
    def restricted(self) -> bool:
        """The rights narrow the people (a region or office list)."""
        return self.regions is not None or self.offices is not None

    def to_dict(self) -> dict:
        return {"role": self.role, "regions": list(self.regions) if self.regions is not None else None,
                "offices": list(self.offices) if self.offices is not None else None,
                "person_level": self.person_level, "private_names": self.private_names}


ADMINISTRATOR = Rights("administrator", person_level=True, private_names=True)


def parse_viewers(entries: object, source: str) -> tuple[Viewer, ...]:
    """Validate the ``[[access.viewers]]`` entries of a settings file."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise SettingsError(f"{source}: [access] viewers must be a list of [[access.viewers]] tables")
    out = []
    for i, entry in enumerate(entries, 1):
        where = f"{source}: [[access.viewers]] entry {i}"
        if not isinstance(entry, dict):
            raise SettingsError(f"{where} is not a table")
        unknown = sorted(set(entry) - {"email", "group", "role", "regions", "offices"})
        if unknown:
            raise SettingsError(f"{where} has an unknown key {unknown[0]!r} (known: email, group, role, regions, offices)")
        role = str(entry.get("role", "")).strip().lower()
        if role not in ROLES:
            raise SettingsError(f"{where}: role must be one of {', '.join(ROLES)} (got {entry.get('role')!r})")
        email, group = entry.get("email"), entry.get("group")
        if bool(email) == bool(group) or not isinstance(email or group, str) or not (email or group).strip():
            raise SettingsError(f"{where}: give exactly one of email or group")
        units = {}
        for key in ("regions", "offices"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                                             for v in value) or not value):
                raise SettingsError(f"{where}: {key} must be a non-empty list of names")
            units[key] = tuple(v.strip() for v in value) if value is not None else None
        if role in ("administrator", "director") and (units["regions"] or units["offices"]):
            raise SettingsError(f"{where}: the {role} role covers every region; remove regions / offices")
        if role == "community manager" and units["offices"]:
            raise SettingsError(f"{where}: a community manager covers regions, not offices")
        out.append(Viewer(role, email.strip().lower() if email else None, group.strip() if group else None,
                          units["regions"], units["offices"]))
    return tuple(out)


def match_viewer(viewers: tuple[Viewer, ...], email: str | None, groups: tuple[str, ...] = ()) -> Viewer | None:
    """The entry for a signed-in identity: an entry naming its e-mail wins over one naming a group it belongs
    to; among several of the same kind, the first listed. None: the identity is not listed (no access)."""
    wanted = (email or "").strip().lower()
    if wanted:
        for viewer in viewers:
            if viewer.email and viewer.email == wanted:
                return viewer
    member_of = {g.strip() for g in groups if isinstance(g, str) and g.strip()}
    for viewer in viewers:
        if viewer.group and viewer.group in member_of:
            return viewer
    return None

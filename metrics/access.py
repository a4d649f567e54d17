"""From a signed-in identity to its rights, with the store's settings and org directory (see pulso.core.access).

``rights_for(con, email, groups)`` finds the viewer's ``[[access.viewers]]`` entry in the settings the store was
built with and turns it into ``Rights``; a regional or office manager with no region / office listed gets the one
of their own row in the org directory, matched by e-mail (by its pseudonym in a pseudonymised store, which needs
``$PULSO_PSEUDONYM_KEY``). None: no access.
"""

from __future__ import annotations

import duckdb

from metrics.store import store_settings
from pulso.core.access import ADMINISTRATOR, Rights, match_viewer
from pulso.core.privacy import pseudonym_key, pseudonymous_email
from pulso.core.sql import one, rows


def is_pseudonymized(con: duckdb.DuckDBPyConnection) -> bool:
    found = one(con, "SELECT value FROM store_info WHERE key = 'pseudonymized'")
    return bool(found and found[0] == "true")


def own_units(con: duckdb.DuckDBPyConnection, email: str) -> tuple[str, str] | None:
    """(region, office) of the viewer's own directory row, by e-mail; None when it cannot be found."""
    address = email.strip().lower()
    if is_pseudonymized(con):
        key = pseudonym_key(required=False)
        if key is None:
            return None
        address = pseudonymous_email(address, key)
    found = rows(con, "SELECT region, office FROM person_facts WHERE email = ? AND in_directory AND NOT is_bot",
                 [address])
    return (found[0][0], found[0][1]) if len(found) == 1 else None


def rights_for(con: duckdb.DuckDBPyConnection, email: str | None, groups: tuple[str, ...] = ()) -> Rights | None:
    """The rights of a signed-in identity, or None (not listed, or its own unit cannot be found)."""
    viewer = match_viewer(store_settings(con).viewers, email, tuple(groups))
    if viewer is None:
        return None
    if viewer.role == "administrator":
        return ADMINISTRATOR
    if viewer.role == "director":
        return Rights("director", person_level=False, private_names=False)
    if viewer.role == "community manager":
        return Rights("community manager", regions=viewer.regions, person_level=True, private_names=True)
    if viewer.regions is not None or viewer.offices is not None:
        return Rights(viewer.role, regions=viewer.regions, offices=viewer.offices, person_level=True)
    own = own_units(con, email) if email else None
    if own is None:
        return None
    region, office = own
    if viewer.role == "regional manager":
        return Rights("regional manager", regions=(region,), person_level=True)
    return Rights("office manager", regions=(region,), offices=(office,), person_level=True)

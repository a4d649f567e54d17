"""The scope: the one way every query is narrowed.

A scope is a period (inclusive local days in the organisation's time zone, see
``pulso.core.periods``) and filters on region, office, role and group. Two
helpers turn it into SQL, and every metric uses them, never its own version:

* ``people_cte()`` -- **people in scope**: the rows of the derived table
  ``person_facts`` that are not bots and pass the region / office / role /
  group filters (a group filter keeps the groups' members). Region, office and
  role are never null there (``UNASSIGNED`` stands for "no directory entry").
* ``period()`` -- **the period**: ``<day column> BETWEEN start AND end`` on a
  local-day column of a derived table.

A scope may carry the viewer's **rights** (``pulso.core.access.Rights``): the
regions and offices the viewer may see are added to ``people_cte`` as one more
condition, so rights only narrow -- a filter outside them selects nobody -- and
``metrics.registry.compute`` refuses what the rights do not cover. No rights
(``None``): the command line or a local dashboard without sign-in, which see
everything (whoever holds the store file can read it anyway).

Values always travel as bound parameters; only column names chosen by code are
written into the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from pulso.core.access import Rights
from pulso.core.errors import ParameterError
from pulso.core.periods import GRANULARITIES, bucket_end, bucket_start

UNASSIGNED = "(unassigned)"  # region / office / role of people with no org-directory entry
PEOPLE_COLUMNS = ("person_id", "display_name", "email", "manager_id", "region", "office", "role", "role_rank",
                  "in_directory", "state", "joined_at", "joined_day", "left_at", "left_day", "profile_completeness",
                  "first_action_day", "first_contribution_day")


@dataclass(frozen=True)
class Scope:
    start: date
    end: date  # inclusive
    regions: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    granularity: str = "week"
    rights: Rights | None = None  # what the viewer may see; None = everything (no sign-in: CLI, local mode)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ParameterError(f"the period ends ({self.end}) before it starts ({self.start})")
        if self.granularity not in GRANULARITIES:
            raise ParameterError(f"granularity must be one of {', '.join(GRANULARITIES)} (got {self.granularity!r})")
        for name in ("regions", "offices", "roles", "groups"):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not all(isinstance(v, str) for v in values):
                raise ParameterError(f"{name} must be a tuple of names")
        if self.rights is not None and not isinstance(self.rights, Rights):
            raise ParameterError("rights must be a pulso.core.access.Rights")

    @property
    def filtered(self) -> bool:
        """Any region, office, role or group filter."""
        return bool(self.regions or self.offices or self.roles or self.groups)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Scope:
        """The period of the same length that ends the day before this one starts."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def with_period(self, start: date, end: date) -> Scope:
        return replace(self, start=start, end=end)

    def clipped(self, first_day: date, last_day: date) -> Scope | None:
        """The scope narrowed to the buckets (of its granularity) that hold the store's data span
        ``first_day``..``last_day``, or None when they do not meet. Bounds every per-day computation by the data,
        whatever period was asked, while a period that ends on a quiet day keeps its end (a thread open at the end
        of the week is measured at the end of the week)."""
        start = max(self.start, bucket_start(first_day, self.granularity))
        end = min(self.end, bucket_end(last_day, self.granularity))
        return None if start > end else replace(self, start=start, end=end)

    # ---- SQL -------------------------------------------------------------------------------------------------

    def people_cte(self, name: str = "sp") -> tuple[str, list]:
        """``name AS (SELECT <PEOPLE_COLUMNS> FROM person_facts ...)``: the people in scope, and its parameters."""
        clauses = ["NOT p.is_bot"]
        params: list = []
        if self.rights is not None:
            for column, values in (("region", self.rights.regions), ("office", self.rights.offices)):
                if values is not None:
                    clauses.append(f"p.{column} IN (SELECT unnest(?::VARCHAR[]))")
                    params.append(list(values))
        for column, values in (("region", self.regions), ("office", self.offices), ("role", self.roles)):
            if values:
                clauses.append(f"p.{column} IN (SELECT unnest(?::VARCHAR[]))")
                params.append(list(values))
        if self.groups:
            clauses.append("p.person_id IN (SELECT person_id FROM memberships "
                           "WHERE group_id IN (SELECT unnest(?::VARCHAR[])))")
            params.append(list(self.groups))
        columns = ", ".join(f"p.{c}" for c in PEOPLE_COLUMNS)
        return f"{name} AS (SELECT {columns} FROM person_facts p WHERE {' AND '.join(clauses)})", params

    def period(self, column: str = "day") -> tuple[str, list]:
        """``column BETWEEN ? AND ?`` on a local-day column, and its parameters."""
        return f"{column} BETWEEN ? AND ?", [self.start, self.end]

    def group_condition(self, column: str) -> tuple[str, list]:
        """Narrows message-based rows to the scope's groups (TRUE when no group is chosen)."""
        if not self.groups:
            return "TRUE", []
        return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [list(self.groups)]


def not_left(alias: str = "sp", day: str = "?") -> str:
    """Still there on ``day`` (by default the bound parameter): no left day, or a left day after it. From the day
    they leave people are out of the ladder, the lists and adoption."""
    return f"({alias}.left_day IS NULL OR {alias}.left_day > {day})"


def eligible(alias: str = "sp", day: str = "?") -> str:
    """**Eligible** on ``day`` (by default the bound parameter): in the org directory and not left on or before
    that day (people in scope are never bots). Adoption's denominator and the lists of people to act on."""
    return f"({alias}.in_directory AND {not_left(alias, day)})"

"""The scope: the one way every query is narrowed.

A scope is a period (inclusive local days in the organisation's time zone) and
filters on region, office, role and group. ``people_filter`` gives the SQL
that every metric joins to; values are always bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

UNASSIGNED = "(unassigned)"  # shown for people with no org-directory entry
GRANULARITIES = ("day", "week", "month", "quarter")


@dataclass(frozen=True)
class Scope:
    start: date
    end: date  # inclusive
    regions: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    granularity: str = "week"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"scope ends ({self.end}) before it starts ({self.start})")
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Scope":
        """The period of the same length that ends the day before this one starts."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def with_period(self, start: date, end: date) -> "Scope":
        return replace(self, start=start, end=end)

    def people_filter(self, alias: str = "p") -> tuple[str, list]:
        """SQL condition on a ``people`` row aliased ``alias`` (bots excluded), and its parameters."""
        clauses = [f"coalesce({alias}.is_bot, FALSE) = FALSE"]
        params: list = []
        for column, values in (("region", self.regions), ("office", self.offices), ("role", self.roles)):
            if values:
                clauses.append(f"coalesce({alias}.{column}, ?) IN (SELECT unnest(?))")
                params += [UNASSIGNED, list(values)]
        if self.groups:
            clauses.append(
                f"{alias}.person_id IN (SELECT person_id FROM memberships WHERE group_id IN (SELECT unnest(?)))"
            )
            params.append(list(self.groups))
        return " AND ".join(clauses), params

    def scoped_people_sql(self) -> tuple[str, list]:
        """``SELECT person_id, region, office, role ... FROM people`` narrowed by the scope."""
        condition, params = self.people_filter("p")
        sql = (
            "SELECT p.person_id, p.display_name, p.email, p.manager_id, p.in_directory, p.state, "
            f"coalesce(p.region, '{UNASSIGNED}') AS region, coalesce(p.office, '{UNASSIGNED}') AS office, "
            f"coalesce(p.role, '{UNASSIGNED}') AS role FROM people p WHERE {condition}"
        )
        return sql, params

    def message_group_filter(self, alias: str = "m") -> tuple[str, list]:
        """Condition narrowing messages to the scope's groups (TRUE when no group is chosen)."""
        if not self.groups:
            return "TRUE", []
        return f"{alias}.group_id IN (SELECT unnest(?))", [list(self.groups)]

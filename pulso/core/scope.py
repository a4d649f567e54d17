"""The scope: the one way every query is narrowed.

A scope is a period (inclusive local days in the organisation's time zone, see
``pulso.core.periods``) and filters on region, office, role and group. Two
helpers narrow every query, and every metric uses them, never its own version:

* **people in scope** -- the rows of the derived table ``person_facts`` that
  are not bots and pass the region / office / role / group filters (a group
  filter keeps the groups' members). Region, office and role are never null
  there (``UNASSIGNED`` stands for "no directory entry"). The rule is written
  once, as an Ibis expression (``people_in_scope``) that shared metrics run on
  DuckDB or Spark with the filter lists as data (``Scope.inputs``);
  ``people_cte()`` is the same expression compiled to DuckDB SQL, with each
  filter list a bound parameter, for the metrics written in SQL.
* ``period()`` -- **the period**: ``<day column> BETWEEN start AND end`` on a
  local-day column of a derived table.

A scope may carry the viewer's **rights** (``pulso.core.access.Rights``): the
regions and offices the viewer may see are one more condition of the people in
scope (``people_in_scope``, in SQL and as a shared expression: two more filter
lists), so rights only narrow -- a filter outside them selects nobody -- and
``metrics.registry.compute`` refuses what the rights do not cover. No rights
(``None``): the command line or a local dashboard without sign-in, which see
everything (whoever holds the store file can read it anyway).

Values always travel as bound parameters or as data; only column names chosen by
code are written into the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import ibis
import pyarrow as pa

from pulso.core import expr as E
from pulso.core.access import Rights
from pulso.core.errors import ParameterError
from pulso.core.periods import GRANULARITIES, bucket_end, bucket_start

UNASSIGNED = "(unassigned)"  # region / office / role of people with no org-directory entry
PEOPLE_COLUMNS = ("person_id", "display_name", "email", "manager_id", "region", "office", "role", "role_rank",
                  "in_directory", "state", "joined_at", "joined_day", "left_at", "left_day", "profile_completeness",
                  "first_action_day", "first_contribution_day")
# Bounded requests: a filter lists at most this many names (a bank's 500+ offices fit many times over), each short.
MAX_FILTER_VALUES = 10_000
MAX_NAME_LENGTH = 200
# The filter lists, as the tables a shared expression reads (one column ``value``).
FILTER_TABLES = {"regions": "scope_regions", "offices": "scope_offices", "roles": "scope_roles",
                 "groups": "scope_groups", "rights_regions": "scope_rights_regions",
                 "rights_offices": "scope_rights_offices"}


@dataclass(frozen=True)
class ScopeShape:
    """Which filters a scope sets: all an expression's SQL text depends on (the values are data)."""

    regions: bool = False
    offices: bool = False
    roles: bool = False
    groups: bool = False
    rights_regions: bool = False  # the viewer's rights name regions (an empty list: nobody)
    rights_offices: bool = False


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
            if len(values) > MAX_FILTER_VALUES or any(len(v) > MAX_NAME_LENGTH for v in values):
                raise ParameterError(f"{name}: at most {MAX_FILTER_VALUES:,} names of at most {MAX_NAME_LENGTH} "
                                     f"characters each (got {len(values):,})")
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
        """The period of the same length that ends the day before this one starts (cut at the first day of the
        calendar, 0001-01-01, so that no period typed into a URL or a command line overflows)."""
        first = self.start.toordinal()
        return replace(self, start=date.fromordinal(max(1, first - self.days)), end=date.fromordinal(max(1, first - 1)))

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

    # ---- as data (shared expressions) -----------------------------------------------------------------------

    @property
    def shape(self) -> ScopeShape:
        rights = self.rights
        return ScopeShape(bool(self.regions), bool(self.offices), bool(self.roles), bool(self.groups),
                          rights is not None and rights.regions is not None,
                          rights is not None and rights.offices is not None)

    @property
    def rights_regions(self) -> tuple[str, ...]:
        return tuple(self.rights.regions or ()) if self.rights is not None else ()

    @property
    def rights_offices(self) -> tuple[str, ...]:
        return tuple(self.rights.offices or ()) if self.rights is not None else ()

    def inputs(self) -> dict[str, pa.Table]:
        """The filter lists the scope sets (the viewer's rights included), as the tables ``people_in_scope``
        reads."""
        out: dict[str, pa.Table] = {}
        shape = self.shape
        for field, name in FILTER_TABLES.items():
            if getattr(shape, field):
                out.update(E.list_table(name, getattr(self, field)))
        return out

    # ---- SQL -------------------------------------------------------------------------------------------------

    def people_cte(self, name: str = "sp") -> tuple[str, list]:
        """``name AS (SELECT <PEOPLE_COLUMNS> FROM person_facts ...)``: the people in scope, and its parameters
        (``people_in_scope`` compiled to DuckDB SQL, each filter list a bound parameter)."""
        text, order = _people_sql(self.shape)
        return f"{name} AS ({text})", [list(getattr(self, field)) for field in order]

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


@cache
def people_in_scope(shape: ScopeShape) -> ibis.Table:
    """**People in scope**: ``person_facts`` rows (``PEOPLE_COLUMNS``) that are not bots, are covered by the
    viewer's rights and pass the filters the scope sets; a group filter keeps the groups' members. Reads the
    filter lists as tables (``Scope.inputs``)."""
    pf = E.table("person_facts")
    keep = [~pf.is_bot]
    for field, column in (("rights_regions", "region"), ("rights_offices", "office"), ("regions", "region"),
                          ("offices", "office"), ("roles", "role")):
        if getattr(shape, field):
            keep.append(pf[column].isin(ibis.table({"value": "string"}, name=FILTER_TABLES[field]).value))
    if shape.groups:
        groups = ibis.table({"value": "string"}, name=FILTER_TABLES["groups"])
        members = E.table("memberships")
        keep.append(pf.person_id.isin(members.filter(members.group_id.isin(groups.value)).person_id))
    return pf.filter(*keep).select(*PEOPLE_COLUMNS)


@cache
def _people_sql(shape: ScopeShape) -> tuple[str, tuple[str, ...]]:
    """``people_in_scope`` as DuckDB SQL with each filter table replaced by a bound list parameter, and the
    order of those parameters in the text."""
    text = E.sql(people_in_scope(shape), "duckdb")
    found = []
    for field, table_name in FILTER_TABLES.items():
        quoted = f'"{table_name}"'
        if quoted in text:
            if text.count(quoted) != 1:
                raise AssertionError(f"{table_name} appears more than once in the people-in-scope SQL")
            found.append((text.index(quoted), field))
            text = text.replace(quoted, "(SELECT unnest(?::VARCHAR[]) AS value)")
    return text, tuple(field for _, field in sorted(found))


def not_left_expr(person: ibis.Table, day: ibis.Value) -> ibis.BooleanValue:
    """Still there on ``day``, as an expression over people in scope (the twin of ``not_left``)."""
    return person.left_day.isnull() | (person.left_day > day)


def eligible_expr(person: ibis.Table, day: ibis.Value) -> ibis.BooleanValue:
    """**Eligible** on ``day``, as an expression over people in scope (the twin of ``eligible``)."""
    return person.in_directory & not_left_expr(person, day)


def eligible(alias: str = "sp", day: str = "?") -> str:
    """**Eligible** on ``day`` (by default the bound parameter): in the org directory and not left on or before
    that day (people in scope are never bots). Adoption's denominator and the lists of people to act on."""
    return f"({alias}.in_directory AND {not_left(alias, day)})"

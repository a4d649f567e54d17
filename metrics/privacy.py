"""What a viewer may see, enforced where every number is made: ``metrics.registry.compute`` runs a ``Guard``
whenever the scope carries the viewer's rights (``pulso.core.access.Rights``).

Refusals (``AccessDenied``, "sin acceso"), before anything is computed:

* a person-level metric (``person_level=True``: named people, person-level lists and networks) for a viewer
  without person-level rights; a store-wide one (rejected rows) for a viewer whose rights do not cover everything;
* a private group in the group filter, for a viewer who may not see private group names;
* for viewers without person-level rights (the director role): a role or group filter, a breakdown by group, a
  breakdown by role together with a region / office filter, a region or office filter on a hidden unit, and a
  scope of fewer than k people (``Suppressed``).

After the metric has run:

* person-level rows are narrowed to the people the rights cover (a person at the other end of an interaction
  who is outside them is not listed);
* rows about private groups are dropped for viewers who may not see their names;
* **small groups** (viewers without person-level rights): every row over a hidden unit keeps its key but has its
  figures withheld, and the frame gains a column ``suppressed``: ``"< k"`` for a unit of fewer than k people,
  ``"—"`` for one hidden to protect another.

The suppression rule
--------------------
The units are the regions, the offices (within their region) and the roles, counted over the viewer's people
(not bots) -- never over a period or a figure, so the same units are hidden on every page, in every period and
in every breakdown. In each **sibling set** (all regions; the offices of one region; all roles):

1. *primary*: a unit of fewer than k people is hidden;
2. *complementary*: while the hidden units of the set are fewer than two, or hold fewer than k people
   together, the smallest visible unit (then by name) is hidden too;
3. the offices of a hidden region are hidden;
4. a role whose people are the same as a region's or an office's, or differ from them by fewer than k people
   when one holds the other, is hidden (so is the region or office when it is the same set and the role is
   hidden), and steps 1-4 repeat until nothing changes.

A breakdown by role is shown only without region / office filters, and a filter may name only visible units, so
every scope is a union of **blocks** -- a visible office, or the hidden offices of a visible region together, or
the hidden regions together -- each of k people or more. Hence (the proof the tests check): subtracting any
figures shown from a total, a subtotal, another breakdown or another filter can only ever give a figure over a
union of whole blocks or of hidden units of one sibling set (k people or more), never a hidden unit alone; and
since the hidden units do not depend on the period, the previous period and the trend hide the same units.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import polars as pl

from metrics.registry import FIGURE_FORMATS, MetricDefinition
from pulso.core.errors import AccessDenied, Suppressed
from pulso.core.scope import Scope
from pulso.core.settings import Settings
from pulso.core.sql import frame, one, rows

PRIMARY, COMPLEMENTARY = "primary", "complementary"
TREE = ("region", "office")
SUPPRESSED = "suppressed"  # the column added to a frame with withheld rows


def complement(population: dict, k: int, hidden: dict) -> dict:
    """Hidden units of one sibling set: ``hidden`` plus every unit under k (primary), then the smallest visible
    units until the hidden ones are none, or two or more holding k people or more together."""
    out = dict(hidden)
    for unit, n in population.items():
        if n < k and unit not in out:
            out[unit] = PRIMARY
    mine = [u for u in population if u in out]
    if not mine:
        return out
    visible = sorted((u for u in population if u not in out), key=lambda u: (population[u], str(u)))
    while (len(mine) < 2 or sum(population[u] for u in mine) < k) and visible:
        unit = visible.pop(0)
        out[unit] = COMPLEMENTARY
        mine.append(unit)
    return out


@dataclass
class Pattern:
    """The hidden units of a viewer's people, for k. Offices are keyed (region, office)."""

    k: int
    regions: Counter = field(default_factory=Counter)
    offices: Counter = field(default_factory=Counter)
    roles: Counter = field(default_factory=Counter)
    region_roles: Counter = field(default_factory=Counter)
    office_roles: Counter = field(default_factory=Counter)
    hidden_regions: dict = field(default_factory=dict)
    hidden_offices: dict = field(default_factory=dict)
    hidden_roles: dict = field(default_factory=dict)

    @classmethod
    def of(cls, counts: list[tuple[str, str, str, int]], k: int) -> Pattern:
        """From (region, office, role, people) counts."""
        p = cls(k)
        for region, office, role, n in counts:
            p.regions[region] += n
            p.offices[(region, office)] += n
            p.roles[role] += n
            p.region_roles[(region, role)] += n
            p.office_roles[((region, office), role)] += n
        p.solve()
        return p

    def solve(self) -> None:
        k = self.k
        while True:
            before = (dict(self.hidden_regions), dict(self.hidden_offices), dict(self.hidden_roles))
            self.hidden_regions = complement(self.regions, k, self.hidden_regions)
            for region in self.regions:
                offices = {o: n for o, n in self.offices.items() if o[0] == region}
                if region in self.hidden_regions:
                    for office, n in offices.items():
                        self.hidden_offices.setdefault(office, PRIMARY if n < k else COMPLEMENTARY)
                else:
                    self.hidden_offices.update(complement(offices, k, {o: self.hidden_offices[o] for o in offices
                                                                       if o in self.hidden_offices}))
            self.hidden_roles = complement(self.roles, k, self.hidden_roles)
            for (region, role), n in self.region_roles.items():
                self._link(self.regions[region], self.roles[role], n, self.hidden_regions, region, role)
            for (office, role), n in self.office_roles.items():
                self._link(self.offices[office], self.roles[role], n, self.hidden_offices, office, role)
            if before == (self.hidden_regions, self.hidden_offices, self.hidden_roles):
                return

    def _link(self, unit_people: int, role_people: int, both: int, hidden_units: dict, unit, role) -> None:
        """A role nested in a unit (or the other way round) must not give away the difference."""
        if both not in (unit_people, role_people):
            return
        difference = unit_people + role_people - 2 * both
        if difference == 0:  # the same people: hidden in one, hidden in the other
            if unit in hidden_units and role not in self.hidden_roles:
                self.hidden_roles[role] = hidden_units[unit]
            elif role in self.hidden_roles and unit not in hidden_units:
                hidden_units[unit] = self.hidden_roles[role]
        elif difference < self.k and role not in self.hidden_roles:
            self.hidden_roles[role] = COMPLEMENTARY

    # ---- look-ups by what a metric frame holds --------------------------------------------------------------

    def status(self, dimension: str, unit: str | None) -> str | None:
        """PRIMARY / COMPLEMENTARY when the unit is hidden, None when visible. An unknown unit counts as hidden."""
        if dimension == "region":
            return self.hidden_regions.get(unit) if unit in self.regions else PRIMARY
        if dimension == "role":
            return self.hidden_roles.get(unit) if unit in self.roles else PRIMARY
        if dimension == "office":  # by name: an office name found in several regions is hidden if any part is
            parts = [o for o in self.offices if o[1] == unit]
            if not parts:
                return PRIMARY
            found = [self.hidden_offices[o] for o in parts if o in self.hidden_offices]
            return (PRIMARY if PRIMARY in found else COMPLEMENTARY) if found else None
        return PRIMARY

    def within_role(self, role: str) -> dict:
        """Hidden regions for cells "the people of ``role`` in each region" (leadership responsiveness): the
        region's own status, primary under k, hidden when the rest of the region is under k, then complementary;
        all of them when the role itself is hidden."""
        cells = {r: n for (r, x), n in self.region_roles.items() if x == role and n > 0}
        if role in self.hidden_roles or role not in self.roles:
            return {r: PRIMARY if n < self.k else COMPLEMENTARY for r, n in cells.items()}
        hidden = {r: self.hidden_regions[r] for r in cells if r in self.hidden_regions}
        for region, n in cells.items():
            if region not in hidden and 0 < self.regions[region] - n < self.k:
                hidden[region] = COMPLEMENTARY
        return complement(cells, self.k, hidden)


def universe_counts(con: duckdb.DuckDBPyConnection, scope: Scope) -> list[tuple[str, str, str, int]]:
    """(region, office, role, people) over the people the rights cover, filters left out."""
    universe = Scope(scope.start, scope.end, rights=scope.rights)
    sp, params = universe.people_cte()
    return [tuple(r) for r in rows(con, f"WITH {sp} SELECT region, office, role, count(*) FROM sp GROUP BY ALL",
                                   params)]


def private_groups(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Groups whose name is private: flagged private, or never described (privacy unknown)."""
    return {r[0] for r in rows(con, "SELECT group_id FROM groups WHERE coalesce(is_private, TRUE)")}


def marker(status: str, k: int) -> str:
    return f"< {k}" if status == PRIMARY else "—"


class Guard:
    """The checks and the narrowing for one ``compute`` call (see the module docstring)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, definition: MetricDefinition, scope: Scope, params: dict,
                 settings: Settings):
        self.con, self.definition, self.scope, self.params = con, definition, scope, params
        self.rights = scope.rights
        self.k = settings.privacy.min_group_size
        self.cells = definition.cells
        self._pattern: Pattern | None = None

    @property
    def pattern(self) -> Pattern:
        if self._pattern is None:
            self._pattern = Pattern.of(universe_counts(self.con, self.scope), self.k)
        return self._pattern

    @property
    def aggregates_only(self) -> bool:
        return not self.rights.person_level

    def dimension(self) -> str | None:
        return self.cells.dimension_for(self.params) if self.cells else None

    # ---- before ---------------------------------------------------------------------------------------------

    def check(self) -> None:
        d, rights, name = self.definition, self.rights, self.definition.name
        if d.store_wide and not rights.everything:
            raise AccessDenied("store_wide", f"sin acceso: {name} holds person-level data of the whole store; "
                                             f"only viewers with rights over everything see it", metric=name)
        if d.person_level and not rights.person_level:
            raise AccessDenied("person_level", f"sin acceso: {name} lists people by name; the "
                                               f"{rights.role} role sees aggregates only", metric=name)
        if self.scope.groups and not rights.private_names and set(self.scope.groups) & private_groups(self.con):
            raise AccessDenied("private_group", "sin acceso: the group filter names a private group", metric=name)
        if not self.aggregates_only or self.cells is None or not self.cells.about_people:
            return
        dimension = self.dimension()
        if self.scope.roles or self.scope.groups:
            raise AccessDenied("filter", "sin acceso: viewers with aggregates only filter by region and office "
                                         "(role and group filters could single out a small group)", metric=name)
        if dimension == "group" or self.cells.level_column == "group":
            raise AccessDenied("group_breakdown", "sin acceso: figures per group are not shown to viewers with "
                                                  "aggregates only (groups overlap)", metric=name)
        if dimension == "role" and (self.scope.regions or self.scope.offices):
            raise AccessDenied("role_breakdown", "sin acceso: a breakdown by role is shown to viewers with "
                                                 "aggregates only without region or office filters", metric=name)
        for dimension_name, values in (("region", self.scope.regions), ("office", self.scope.offices)):
            for value in values:
                status = self.pattern.status(dimension_name, value)
                if status is not None:
                    raise Suppressed("hidden_unit", f"suppressed: {dimension_name} {value!r} is hidden to protect "
                                                    f"groups of fewer than {self.k} people", metric=name, k=self.k)
        sp, params = self.scope.people_cte()
        people = one(self.con, f"WITH {sp} SELECT count(*) FROM sp", params)[0]
        if people < self.k:
            raise Suppressed("small_scope", f"suppressed: the scope holds fewer than {self.k} people", metric=name,
                             k=self.k)

    # ---- after ----------------------------------------------------------------------------------------------

    def protect(self, result: pl.DataFrame) -> pl.DataFrame:
        d = self.definition
        if d.person_level and d.person_columns and self.rights.restricted and result.height:
            result = self._only_covered_people(result)
        if self.cells is not None and self.dimension() == "group" and not self.rights.private_names:
            hidden = private_groups(self.con)
            result = result.filter(~pl.col(self.cells.key).is_in(list(hidden)))
        if self.aggregates_only and self.cells is not None and self.cells.about_people:
            result = self._suppress(result)
        return result

    def _only_covered_people(self, result: pl.DataFrame) -> pl.DataFrame:
        universe = Scope(self.scope.start, self.scope.end, rights=self.rights)
        sp, params = universe.people_cte()
        covered = frame(self.con, f"WITH {sp} SELECT person_id FROM sp", params)["person_id"].to_list()
        keep = pl.lit(True)
        for column in self.definition.person_columns:
            keep = keep & (pl.col(column).is_null() | pl.col(column).is_in(covered))
        return result.filter(keep)

    def _statuses(self, result: pl.DataFrame) -> list[str | None]:
        cells, pattern = self.cells, self.pattern
        if cells.matrix:
            dimension = cells.dimension
            a, b = cells.matrix
            out = []
            for x, y in zip(result[a].to_list(), result[b].to_list()):
                found = [s for s in (pattern.status(dimension, x), pattern.status(dimension, y)) if s]
                out.append((PRIMARY if PRIMARY in found else COMPLEMENTARY) if found else None)
            return out
        if cells.level_column:  # regions and offices follow the pattern; any other unit (the alerts' role groups
            # of people with no office: a role within a unit) is withheld; the whole organisation is not a unit
            return [None if level == "org" else pattern.status(level, unit) if level in TREE else PRIMARY
                    for level, unit in zip(result[cells.level_column].to_list(), result[cells.key].to_list())]
        if cells.within_role:
            hidden = pattern.within_role(str(self.params.get(cells.within_role)))
            return [hidden.get(unit) for unit in result[cells.key].to_list()]
        dimension = self.dimension()
        if cells.key is None or dimension is None:  # every row over the whole scope (already k or more)
            if cells.minimum:
                return [PRIMARY if (n or 0) < self.k else None for n in result[cells.minimum].to_list()]
            return [None] * result.height
        return [pattern.status(dimension, unit) for unit in result[cells.key].to_list()]

    def _suppress(self, result: pl.DataFrame) -> pl.DataFrame:
        cells = self.cells
        if cells.pads(self.params) and cells.key is not None:
            result = self._pad(result)
        statuses = self._statuses(result)
        if not any(statuses):
            return result
        shown = [None if s is None else marker(s, self.k) for s in statuses]
        hidden = pl.Series("_hidden", [s is not None for s in statuses])
        keep = set(cells.keys) | {cells.key, cells.level_column, cells.minimum} | set(cells.matrix or ())
        figures = [c.name for c in self.definition.columns
                   if (c.format in FIGURE_FORMATS or c.name in cells.also) and c.name not in keep
                   and c.name in result.columns]
        return (result.with_columns(hidden)
                .with_columns([pl.when(pl.col("_hidden")).then(None).otherwise(pl.col(c)).alias(c) for c in figures])
                .drop("_hidden")
                .with_columns(pl.Series(SUPPRESSED, shown, dtype=pl.String)))

    def _pad(self, result: pl.DataFrame) -> pl.DataFrame:
        """A row (figures empty) for every hidden unit of the scope's people that the metric did not list."""
        cells, pattern = self.cells, self.pattern
        dimension = "region" if cells.within_role else self.dimension()
        if dimension not in ("region", "office", "role"):
            return result
        sp, params = self.scope.people_cte()
        condition, extra = ("WHERE role = ?", [self.params.get(cells.within_role)]) if cells.within_role else ("", [])
        units = [r[0] for r in rows(self.con, f"WITH {sp} SELECT DISTINCT {dimension} FROM sp {condition}",
                                    params + extra)]
        hidden_cells = pattern.within_role(str(self.params.get(cells.within_role))) if cells.within_role else None
        listed = set(result[cells.key].to_list())
        missing = [u for u in units if u not in listed
                   and (hidden_cells.get(u) if hidden_cells is not None else pattern.status(dimension, u))]
        if not missing:
            return result
        padding = pl.DataFrame({cells.key: missing}, schema={cells.key: result.schema[cells.key]})
        # in the key's order (the order these breakdowns have), so where a unit sits tells nothing either
        return pl.concat([result, padding], how="diagonal_relaxed").select(result.columns).sort(cells.key,
                                                                                                nulls_last=True)

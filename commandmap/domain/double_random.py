"""Double-random inspections (双随机): random sites, random inspectors, under fixed rules.

Rules: an inspector is not drawn for a site they inspected in the previous cycle;
declared conflicts of interest are excluded; every team has inspectors from at
least two departments; no inspector sits on two teams of one draw.

The draw is a pure function of its inputs and seed, over inputs put in a canonical
order first, so anyone holding the published seed and the same registry (checked by
`registry_version`, a digest of every input) gets the same list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

MIN_DEPARTMENTS = 2


class DrawError(ValueError):
    """The request cannot be met under the rules; the message says which part."""


@dataclass(frozen=True)
class DrawSite:
    site_id: int
    departments: frozenset[int]   # departments whose inspectors may inspect it


@dataclass(frozen=True)
class Inspector:
    officer_id: int
    department_id: int


@dataclass(frozen=True)
class DrawInputs:
    sites: tuple[DrawSite, ...]
    inspectors: tuple[Inspector, ...]
    previous: frozenset[tuple[int, int]]    # (officer_id, site_id) inspected in the previous cycle
    conflicts: frozenset[tuple[int, int]]   # (officer_id, site_id) declared conflicts of interest

    @classmethod
    def canonical(cls, sites: Iterable[DrawSite], inspectors: Iterable[Inspector],
                  previous: Iterable[tuple[int, int]], conflicts: Iterable[tuple[int, int]]) -> DrawInputs:
        return cls(tuple(sorted(sites, key=lambda s: s.site_id)),
                   tuple(sorted(inspectors, key=lambda i: i.officer_id)),
                   frozenset(previous), frozenset(conflicts))

    def version(self) -> str:
        """sha256 over every input in canonical order: equal digests, equal draws."""
        h = hashlib.sha256()
        for s in self.sites:
            h.update(f"s{s.site_id}:{','.join(map(str, sorted(s.departments)))};".encode())
        for i in self.inspectors:
            h.update(f"i{i.officer_id}:{i.department_id};".encode())
        for tag, pairs in (("p", self.previous), ("c", self.conflicts)):
            for o, site_id in sorted(pairs):
                h.update(f"{tag}{o}:{site_id};".encode())
        return h.hexdigest()


@dataclass(frozen=True)
class Team:
    site_id: int
    officers: tuple[Inspector, ...]

    @property
    def departments(self) -> frozenset[int]:
        return frozenset(i.department_id for i in self.officers)


@dataclass(frozen=True)
class Draw:
    seed: int
    registry_version: str
    teams: tuple[Team, ...]


def _team_for(site: DrawSite, order: list[Inspector], used: set[int], inputs: DrawInputs,
              size: int) -> tuple[Inspector, ...] | None:
    """First `size` eligible inspectors in the drawn order, holding at least two departments."""
    ok = [i for i in order if i.officer_id not in used and i.department_id in site.departments
          and (i.officer_id, site.site_id) not in inputs.previous
          and (i.officer_id, site.site_id) not in inputs.conflicts]
    if len(ok) < size or len({i.department_id for i in ok}) < MIN_DEPARTMENTS:
        return None
    first = ok[0]
    second = next(i for i in ok if i.department_id != first.department_id)
    rest = [i for i in ok if i is not first and i is not second][: size - 2]
    team = [first, second, *rest]
    return tuple(sorted(team, key=ok.index))


def draw(inputs: DrawInputs, n_sites: int, team_size: int, seed: int) -> Draw:
    """Draw `n_sites` sites and a team of `team_size` inspectors for each.

    Sites are drawn in a seeded random order; a site for which no team meets the rules
    is passed over for the next one in that order (the rules bind, the count is kept).
    DrawError when the registry or the inspectors cannot meet the request."""
    if n_sites < 1:
        raise DrawError(f"--sites must be at least 1, got {n_sites}")
    if team_size < MIN_DEPARTMENTS:
        raise DrawError(f"--inspectors must be at least {MIN_DEPARTMENTS} (a team spans two departments), "
                        f"got {team_size}")
    if not inputs.sites:
        raise DrawError("no site matches the filter")
    if n_sites > len(inputs.sites):
        raise DrawError(f"{n_sites} sites requested but only {len(inputs.sites)} match the filter")
    if n_sites * team_size > len(inputs.inspectors):
        raise DrawError(f"{n_sites * team_size} inspectors needed ({n_sites} teams of {team_size}) but only "
                        f"{len(inputs.inspectors)} qualify")
    rng = np.random.default_rng(seed)
    site_order = [inputs.sites[i] for i in rng.permutation(len(inputs.sites)).tolist()]
    inspector_order = [inputs.inspectors[i] for i in rng.permutation(len(inputs.inspectors)).tolist()]
    used: set[int] = set()
    teams: list[Team] = []
    for site in site_order:
        team = _team_for(site, inspector_order, used, inputs, team_size)
        if team is None:
            continue
        used.update(i.officer_id for i in team)
        teams.append(Team(site.site_id, team))
        if len(teams) == n_sites:
            break
    if len(teams) < n_sites:
        raise DrawError(f"only {len(teams)} of {n_sites} sites can get a team of {team_size} under the rules "
                        "(previous-cycle and conflict exclusions, two departments per team)")
    return Draw(seed, inputs.version(), tuple(teams))


def violations(result: Draw, inputs: DrawInputs) -> list[str]:
    """Every rule the draw breaks (empty for a valid draw); used by checks and tests."""
    out: list[str] = []
    deps: Mapping[int, frozenset[int]] = {s.site_id: s.departments for s in inputs.sites}
    seen: set[int] = set()
    for t in result.teams:
        if len(t.departments) < MIN_DEPARTMENTS:
            out.append(f"site {t.site_id}: team spans {len(t.departments)} department(s)")
        for i in t.officers:
            if (i.officer_id, t.site_id) in inputs.previous:
                out.append(f"site {t.site_id}: officer {i.officer_id} inspected it in the previous cycle")
            if (i.officer_id, t.site_id) in inputs.conflicts:
                out.append(f"site {t.site_id}: officer {i.officer_id} has a declared conflict")
            if i.department_id not in deps.get(t.site_id, frozenset()):
                out.append(f"site {t.site_id}: officer {i.officer_id}'s department may not inspect it")
            if i.officer_id in seen:
                out.append(f"officer {i.officer_id} is on two teams")
            seen.add(i.officer_id)
    return out

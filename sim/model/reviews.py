"""The review process under current practice: assessments, reviews, PB choice, practice budgets.

Month by month, vectorised over people: each arrival is assessed in its arrival month,
and existing users are reviewed when their need changed enough, when a scheduled review
falls due, or (old-style packages) at the conversion deadline.  Reviews overdue at the
start are spread over the backlog window rather than all held in the first month.  At
each one current practice re-decides the PB type, the FACS band and the status-quo
budget.  FACS is banded from points plus the assessing team's offset
(parameters [facs]), at every assessment and review, so teams' inconsistency persists under
current practice.  The result is a sparse record of every assessment, which CareModel replays
under each policy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs.calendar import month_index
from sim.inputs.categories import OLD_STYLE, OLDER_AGE
from sim.inputs.facs import facs_from_points
from sim.inputs.population import Population
from sim.model.draws import Draws
from sim.model.params import Parameters
from sim.model.practice import (
    choice_tables,
    choose_pb_type,
    first_reviews,
    interval,
    practice_noise,
    practice_prices,
)


@dataclass(frozen=True)
class Paths:
    """The policy-independent paths reviews read: (cap,) per person unless stated."""

    go_live: int
    arrived_before: np.ndarray  # (T,) month m: the slots [0, arrived_before[m]) arrived earlier
    arrival: np.ndarray         # month a person enters (0 for the starting population)
    exit_month: np.ndarray      # death or other exit (T = never within the horizon)
    client_group: np.ndarray
    team: np.ndarray            # team code (the population's teams)
    age0: np.ndarray            # age at arrival month
    age_band: np.ndarray        # (T, cap) int8
    points: np.ndarray          # (T, cap) float32

    @property
    def n_months(self) -> int:
        return len(self.points)


@dataclass
class ReviewRecords:
    """What the review process decided.  Month m's assessments are positions
    [starts[m], starts[m + 1]) of the per-assessment arrays, arrivals first, each in slot order."""

    pb_type: np.ndarray         # (T, cap) int8 PB type each month (0 before arrival)
    initial_budget: np.ndarray  # (cap,) float32 practice budget at the start (0 for arrivals)
    initial_facs: np.ndarray    # (cap,) int8 FACS band at the start (0 for arrivals)
    starts: np.ndarray          # (T + 1,)
    slots: np.ndarray           # int64 who was assessed
    is_review: np.ndarray       # bool: a review (False: an arrival's first assessment)
    facs: np.ndarray            # int8 FACS band as assessed
    count: np.ndarray           # int16 reviews since go-live, counting this one
    practice: np.ndarray        # float32 budget under current practice after it
    need: np.ndarray            # float32 the budget the assessed need warrants (no creep)


def team_offsets(params: Parameters, teams: tuple[str, ...]) -> np.ndarray:
    """float32 points each team (by code) adds when banding FACS; 0 for a team not listed."""
    return np.array([params.facs.team_offset_points.get(t, 0.0) for t in teams], np.float32)


def assessed_facs(points: np.ndarray, offset: np.ndarray, params: Parameters) -> np.ndarray:
    """FACS band current practice assesses: from points plus the team's offset (float32)."""
    return facs_from_points(np.add(points, offset, dtype=np.float32), params.need.facs_thresholds)


class _Caseload:
    """Current practice's file on everyone (cap slots), updated at each assessment or review."""

    def __init__(self, pop: Population, params: Parameters, d: Draws, paths: Paths) -> None:
        cap, n0 = len(paths.arrival), len(pop)
        self.params, self.d, self.paths = params, d, paths
        self.tables = choice_tables(params)
        self.noise = practice_noise(params, d.z_practice)
        self.prices = practice_prices(pop, params.practice.min_cell_size)
        self.offset = team_offsets(params, pop.teams)[paths.team]
        self.deadline = month_index(params.time.start, params.time.conversion_deadline)
        self.stream = d.review_stream()
        self.last_pts = paths.points[0].copy()
        self.last_den = np.maximum(self.last_pts, np.float32(1.0))  # relative change is against this
        self.next_rev = np.full(cap, np.iinfo(np.int32).max, np.int32)
        due = interval(d.z_first_interval[:n0], params) - pop.months_since_review
        u_first = self.stream.take(n0)[0]       # one draw each, before any review's
        self.next_rev[:n0] = first_reviews(due, u_first, pop.pb_type == OLD_STYLE, params,
                                           self.deadline)
        self.ptype = np.concatenate([pop.pb_type, np.zeros(cap - n0, np.int8)])
        self.fac = np.concatenate([pop.facs_band, np.zeros(cap - n0, np.int8)])
        self.budget = np.concatenate([pop.annual_budget, np.zeros(cap - n0)]).astype(np.float64)
        # what the assessed need warrants at current practice's prices: the budget practice
        # sets, following need at each review but without its per-review creep
        self.need = self.budget.copy()
        self.count = np.zeros(cap, np.int16)              # reviews since go-live
        self.work = np.empty(cap, np.float32)

    def assess(self, m: int, new: np.ndarray) -> None:
        """First assessment of month m's arrivals (a contiguous block of slots)."""
        paths, params = self.paths, self.params
        group = paths.client_group
        pts = paths.points[m, new]
        self.ptype[new] = choose_pb_type(self.d.u_first_choice[new], group[new],
                                         paths.age_band[m, new], self.tables)
        self.fac[new] = assessed_facs(pts, self.offset[new], params)
        older = (paths.age0[new] >= OLDER_AGE).astype(np.intp)   # assessed in their arrival month
        price = self.prices[group[new], self.ptype[new], older]
        self.budget[new] = price * np.maximum(pts, 1.0) * self.noise[new]
        self.need[new] = self.budget[new]
        self.last_pts[new] = pts
        self.last_den[new] = np.maximum(self.last_pts[new], np.float32(1.0))
        self.next_rev[new] = m + interval(self.d.z_first_interval[new], params)

    def due(self, m: int, a: int) -> np.ndarray:
        """Slots among [0, a) reviewed in month m: need changed, scheduled, or to convert."""
        r = self.params.reviews
        change = np.subtract(self.paths.points[m, :a], self.last_pts[:a], out=self.work[:a])
        np.abs(change, out=change)
        due = change >= r.trigger_min_points
        np.divide(change, self.last_den[:a], out=change)
        due &= change >= r.trigger_relative_change
        if r.scheduled:
            due |= m >= self.next_rev[:a]
        if m == self.deadline:
            due |= self.ptype[:a] == OLD_STYLE
        due &= m < self.paths.exit_month[:a]
        return np.flatnonzero(due)

    def review(self, m: int, idx: np.ndarray) -> None:
        """Review the slots idx in month m: maybe a new PB type; FACS and budget follow need."""
        paths, params, p = self.paths, self.params, self.params.practice
        u_switch, u_choice, z_interval = self.stream.take(len(idx))
        switch = (self.ptype[idx] == OLD_STYLE) | (u_switch < params.choice.switch_at_review)
        chosen = choose_pb_type(u_choice, paths.client_group.take(idx),
                                paths.age_band[m].take(idx), self.tables)
        self.ptype[idx] = np.where(switch, chosen, self.ptype[idx])
        pts = paths.points[m].take(idx)
        self.fac[idx] = assessed_facs(pts, self.offset.take(idx), params)
        ratio = np.maximum(pts, 1.0) / self.last_den.take(idx)
        follow = ratio ** p.points_elasticity
        self.budget[idx] *= follow * (1.0 + p.creep_per_review)
        self.need[idx] *= follow
        self.last_pts[idx] = pts
        self.last_den[idx] = np.maximum(self.last_pts[idx], np.float32(1.0))
        self.next_rev[idx] = m + interval(z_interval, params)
        if m >= paths.go_live:
            self.count[idx] += 1


def reviews(pop: Population, params: Parameters, d: Draws, paths: Paths) -> ReviewRecords:
    """Run current practice's assessments and reviews over the whole horizon.

    Only people who arrived before a month can be reviewed in it: the slots
    [0, arrived_before[m]) (the starting population from month 0).
    """
    T, cap, before = paths.n_months, len(paths.arrival), paths.arrived_before
    case = _Caseload(pop, params, d, paths)
    initial_budget, initial_facs = case.budget.astype(np.float32), case.fac.copy()
    pb_type = np.zeros((T, cap), np.int8)     # zero until arrival; each month writes the arrived
    rows: dict[str, list[np.ndarray]] = {
        "slots": [], "is_review": [], "facs": [], "count": [], "practice": [], "need": []}
    arrived_by = np.append(before[1:], cap)            # by the end of month m
    for m in range(T):
        new = np.arange(before[m], arrived_by[m]) if m > 0 else np.arange(0)
        if len(new):
            case.assess(m, new)
        idx = case.due(m, before[m] if m > 0 else len(pop))
        if len(idx):
            case.review(m, idx)
        pb_type[m, :arrived_by[m]] = case.ptype[:arrived_by[m]]
        both = np.concatenate([new, idx])
        for name, value in zip(rows, (both, np.arange(len(both)) >= len(new), case.fac[both],
                                      case.count[both], case.budget[both].astype(np.float32),
                                      case.need[both].astype(np.float32))):
            rows[name].append(value)
    starts = np.concatenate([[0], np.cumsum([len(s) for s in rows["slots"]])])
    return ReviewRecords(pb_type=pb_type, initial_budget=initial_budget, initial_facs=initial_facs,
                         starts=starts, **{k: np.concatenate(v) for k, v in rows.items()})

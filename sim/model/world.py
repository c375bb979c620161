"""The policy-independent world of one replicate, derived from its draws.

Who is present when (arrivals, deaths, other exits), their ages and bands, their need
(RAS points), the status-quo assessments and reviews, and the residential admission
candidates: the same for every policy of the replicate (common random numbers).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from sim.inputs.population import Population
from sim.model.admission import feedback_multiplier
from sim.model.ageing import age_at, age_bands
from sim.model.draws import Draws, arrived_before
from sim.model.money import price_index
from sim.model.params import Parameters, hazard_table
from sim.model.reviews import Paths, reviews
from sim.model.streams import Events


@dataclass
class World:
    """Policy-independent trajectories of one replicate: (T, cap) arrays unless stated."""

    n_months: int
    go_live: int
    # static, (cap,)
    arrival: np.ndarray         # month a person enters (0 for the starting population)
    client_group: np.ndarray
    sex: np.ndarray
    ethnicity: np.ndarray
    team: np.ndarray
    age0: np.ndarray            # age at arrival month
    exit_month: np.ndarray      # death or other exit (T = never within the horizon)
    death_month: np.ndarray
    baseline_res_month: np.ndarray  # residential admission under the base hazard (T = never)
    initial_budget: np.ndarray  # float32 budget under current practice at the start (0 for arrivals)
    initial_facs: np.ndarray    # int8 FACS band at the start (0 for arrivals)
    # dynamic, (T, cap)
    age_band: np.ndarray        # int8
    points: np.ndarray          # float32
    pb_type: np.ndarray         # int8
    # assessments (arrivals) and reviews, month by month: month m's are
    # assessed[assessed_start[m]:assessed_start[m + 1]], arrivals first, each in slot order
    assessed_start: np.ndarray  # (T + 1,)
    assessed: np.ndarray        # int64 slots
    assessed_review: np.ndarray  # bool: a review (False: an arrival's first assessment)
    assessed_facs: np.ndarray   # int8 FACS band as assessed
    assessed_count: np.ndarray  # int16 reviews since go-live, counting this one
    assessed_practice: np.ndarray  # float32 budget under current practice (status quo) after it
    assessed_need: np.ndarray   # float32 budget the assessed need warrants: practice without creep
    res_events: Events          # admission candidates: present, draw below the largest hazard
    res_h: np.ndarray           # each candidate's base monthly hazard of admission
    uplift: np.ndarray          # (T,) price index relative to the start month
    u_continue: np.ndarray      # (cap,) below a policy's eligible FACS bands, funded on if < share
    u_resident: np.ndarray      # (cap,) survival draw once in residential care (residential_cost)

    @property
    def cap(self) -> int:
        return len(self.arrival)

    def present(self, m: int) -> np.ndarray:
        """In the community under every policy's natural events (arrived, not died/left)."""
        return (self.arrival <= m) & (m < self.exit_month)

    def age(self, m: int) -> np.ndarray:
        return age_at(self.age0, self.arrival, m)

    def assessments(self, m: int) -> slice:
        """Positions of month m's assessments and reviews in the assessed_* arrays."""
        return slice(self.assessed_start[m], self.assessed_start[m + 1])

    def _dense(self, values: np.ndarray, initial: np.ndarray | None) -> np.ndarray:
        """(T, cap) from the assessment records: the latest value carried forward from
        `initial`, or (initial None) the value in the month of the assessment only."""
        out = np.zeros((self.n_months, self.cap), values.dtype)
        row = None if initial is None else np.array(initial, dtype=values.dtype)
        for m in range(self.n_months):
            sl = self.assessments(m)
            if row is None:
                out[m, self.assessed[sl]] = values[sl]
            else:
                row[self.assessed[sl]] = values[sl]
                out[m] = row
        return out

    # Dense (T, cap) views, built on demand for inspection and tests (the model reads the
    # sparse records).
    @functools.cached_property
    def alive(self) -> np.ndarray:
        """bool: arrived and not died or left (residential aside)."""
        months = np.arange(self.n_months)[:, None]
        return (months >= self.arrival[None, :]) & (months < self.exit_month[None, :])

    @functools.cached_property
    def review(self) -> np.ndarray:
        """bool: reviewed this month (an arrival's first assessment excluded)."""
        return self._dense(self.assessed_review, None)

    @functools.cached_property
    def facs(self) -> np.ndarray:
        """int8 FACS band as assessed at the latest assessment or review."""
        return self._dense(self.assessed_facs, self.initial_facs)

    @functools.cached_property
    def practice_budget(self) -> np.ndarray:
        """float32 budget under current practice after the latest assessment or review."""
        return self._dense(self.assessed_practice, self.initial_budget)


def first_events(ev: Events, ok: np.ndarray, cap: int, n_months: int) -> np.ndarray:
    """Each slot's first month among the events flagged ok (n_months where none)."""
    out = np.full(cap, n_months, np.int32)
    np.minimum.at(out, ev.slot[ok], ev.month[ok])
    return out


def hits(ev: Events, table: np.ndarray, group: np.ndarray, band: np.ndarray,
         arrival: np.ndarray) -> np.ndarray:
    """Which events fall below their person-month's hazard (the person present then)."""
    s, m = ev.slot, ev.month
    return (m >= arrival[s]) & (ev.u < table[group[s], band[m, s]])


def need_points(pop: Population, params: Parameters, d: Draws, src: np.ndarray,
                arrival: np.ndarray, band: np.ndarray, before: np.ndarray) -> np.ndarray:
    """(T, cap) float32 RAS points: drift with age plus noise, from the month after arrival.

    Points are a running float32 sum of the monthly increments, clipped to [0, max]; a
    person's points before arrival are their starting points.
    """
    T, cap = band.shape
    pts0 = pop.ras_points[src] * np.where(arrival > 0, params.demand.points_factor, 1.0)
    top = params.need.max_points
    start = pts0.astype(np.float32)
    points = np.empty((T, cap), np.float32)
    np.clip(start, 0.0, top, out=points[0])
    drift = np.asarray(params.need.drift_per_month_by_age_band, dtype=np.float32)
    sd = np.float32(params.need.noise_sd_per_month)
    cum = np.zeros(cap, np.float32)
    for m in range(1, T):
        a = before[m] if params.need.enabled else 0
        row = points[m]
        if a:
            inc = d.z_need_row(m) * sd
            inc += drift.take(band[m, :a])
            cum[:a] += inc
            np.add(start[:a], cum[:a], out=row[:a])
            np.clip(row[:a], 0.0, top, out=row[:a])
        row[a:] = points[0, a:]
    return points


def admission_candidates(params: Parameters, ev: Events, group: np.ndarray, band: np.ndarray,
                         arrival: np.ndarray, exit_m: np.ndarray,
                         ) -> tuple[Events, np.ndarray, np.ndarray]:
    """(candidates, their base hazard, each slot's admission month under the base hazard).

    Candidates are the draws that could admit someone under some policy: the person
    present, the draw below the hazard times the feedback multiplier.
    """
    cap, T = len(arrival), len(band)
    h_ev = hazard_table(params.residential)[group[ev.slot], band[ev.month, ev.slot]]
    present = (arrival[ev.slot] <= ev.month) & (ev.month < exit_m[ev.slot])
    cand = present & (ev.u < h_ev * max(feedback_multiplier(params), 1.0))
    base_res = first_events(ev, present & (ev.u < h_ev), cap, T)
    return ev.subset(cand), h_ev[cand], base_res


def simulate(pop: Population, params: Parameters, d: Draws, n_months: int, go_live: int) -> World:
    """Derive every policy-independent trajectory from the draws (vectorised over people)."""
    T, n0 = n_months, len(pop)
    src = np.concatenate([np.arange(n0), d.source])
    cap = len(src)
    arrival = np.concatenate([np.zeros(n0, np.int32),
                              np.repeat(np.arange(T, dtype=np.int32), d.n_arrivals)])
    age0 = pop.age[src]                             # a referral is its donor's age
    group = pop.client_group[src]
    before = arrived_before(n0, d.n_arrivals)       # month m: slots [0, before[m]) arrived earlier
    band = age_bands(age0, arrival, T)
    death_m = first_events(d.death, hits(d.death, hazard_table(params.death), group, band,
                                         arrival), cap, T)
    other_m = first_events(d.other, hits(d.other, hazard_table(params.other_exit), group, band,
                                         arrival), cap, T)
    exit_m = np.minimum(death_m, other_m)
    res_events, res_h, base_res = admission_candidates(params, d.residential, group, band,
                                                       arrival, exit_m)
    points = need_points(pop, params, d, src, arrival, band, before)
    rec = reviews(pop, params, d, Paths(
        go_live=go_live, arrived_before=before, arrival=arrival, exit_month=exit_m,
        client_group=group, team=pop.team[src], age0=age0, age_band=band, points=points))
    return World(
        n_months=T, go_live=go_live, arrival=arrival, client_group=group,
        sex=pop.sex[src], ethnicity=pop.ethnicity[src], team=pop.team[src], age0=age0,
        exit_month=exit_m, death_month=death_m, baseline_res_month=base_res,
        initial_budget=rec.initial_budget, initial_facs=rec.initial_facs,
        age_band=band, points=points, pb_type=rec.pb_type,
        assessed_start=rec.starts, assessed=rec.slots, assessed_review=rec.is_review,
        assessed_facs=rec.facs, assessed_count=rec.count, assessed_practice=rec.practice,
        assessed_need=rec.need,
        res_events=res_events, res_h=res_h, uplift=price_index(params, T),
        u_continue=d.u_continue, u_resident=d.u_resident,
    )

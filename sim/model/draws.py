"""What is drawn once per replicate: arrivals, exits, need noise, first reviews and choices.

Everything random that does not depend on budgets is drawn here, from the per-process
streams, and every policy reads the same draws (common random numbers).  The draws are
kept apart from what is derived from them (the World) so the per-agent reference model
can re-derive the world from the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs.categories import CLIENT_GROUP
from sim.inputs.population import Population
from sim.model.admission import residential_bound
from sim.model.coupling import Coupling, coupled_arrivals
from sim.model.params import Parameters, hazard_table
from sim.model.referrals import arrival_rates, donors
from sim.model.streams import Events, ReviewStream, streams, thinned


def arrived_before(n0: int, n_arrivals: np.ndarray) -> np.ndarray:
    """(T,) people who arrived before each month: the slots [0, A[m]), as slots follow arrival
    (the starting population arrives in month 0)."""
    out = n0 + np.concatenate([[0], np.cumsum(n_arrivals)[:-1]]).astype(np.int64)
    out[:1] = 0
    return out


@dataclass
class Draws:
    """Raw random numbers of one replicate."""

    n_arrivals: np.ndarray      # (T,) arrivals per month
    source: np.ndarray          # (A,) donor: the starting-population row each arrival resembles
    death: Events               # thinned monthly uniforms (bound: the largest hazard)
    other: Events
    residential: Events         # bound: the largest hazard times the feedback multiplier
    z_need: np.ndarray          # float32 monthly need noise of month m's earlier arrivals, row by row
    z_need_start: np.ndarray    # (T + 1,) month m's row is z_need[start[m]:start[m + 1]], slot order
    z_first_interval: np.ndarray  # (cap,) first review: scheduled (starting population) or after assessment
    u_first_choice: np.ndarray  # (cap,) PB type chosen at an arrival's assessment
    z_practice: np.ndarray      # (cap,) practice-budget noise of arrivals
    u_continue: np.ndarray      # (cap,) below the eligible FACS bands, funded on if < the share
    u_resident: np.ndarray      # (cap,) survival in care (residential_cost.months_survived)
    review_seed: np.random.SeedSequence

    def z_need_row(self, m: int) -> np.ndarray:
        """Need noise of month m for the slots [0, A[m]) (people who arrived before m)."""
        return self.z_need[self.z_need_start[m]:self.z_need_start[m + 1]]

    def review_stream(self) -> ReviewStream:
        """A fresh stream of the review draws (each reader starts from the beginning)."""
        return ReviewStream(self.review_seed)


def draw(pop: Population, params: Parameters, seed: np.random.SeedSequence, n_months: int,
         coupling: Coupling | None = None) -> Draws:
    """Draw the replicate's random numbers (coupled across parameters when a layout is
    given: sim.model.coupling)."""
    if coupling is not None:
        return _coupled(pop, params, seed, n_months, coupling)
    seeds = streams(seed)
    rng = {name: np.random.default_rng(s) for name, s in seeds.items()}
    by_group = rng["arrivals"].poisson(arrival_rates(pop, params, n_months))   # (T, G)
    n_arr = by_group.sum(axis=1)
    a = int(n_arr.sum())
    cap = len(pop) + a
    # slots follow arrival: month by month, each month's referrals group by group
    group = np.repeat(np.tile(np.arange(len(CLIENT_GROUP)), n_months), by_group.ravel())
    # need changes from the month after arrival: month m draws for slots [0, A[m]) only
    z_start = np.concatenate([[0], np.cumsum(arrived_before(len(pop), n_arr))])
    return Draws(
        n_arrivals=n_arr,
        source=donors(pop, params, group, rng["arrivals"].random(a)),
        death=thinned(rng["death"], n_months, cap, hazard_table(params.death).max()),
        other=thinned(rng["other_exit"], n_months, cap, hazard_table(params.other_exit).max()),
        residential=thinned(rng["residential"], n_months, cap, residential_bound(params)),
        z_need=rng["need"].standard_normal(int(z_start[-1]), dtype=np.float32),
        z_need_start=z_start,
        z_first_interval=rng["reviews"].standard_normal(cap),
        u_first_choice=rng["choice"].random(cap),
        z_practice=rng["practice"].standard_normal(cap, dtype=np.float32),
        u_continue=rng["eligibility"].random(cap),
        u_resident=rng["residential_death"].random(cap),
        review_seed=seeds["review_events"],
    )


def _coupled(pop: Population, params: Parameters, seed: np.random.SeedSequence, n_months: int,
             c: Coupling) -> Draws:
    """The same law as `draw`, on a layout fixed by the coupling: every draw belongs to a
    (month, slot) or a (month, client group) whatever the parameters."""
    seeds = streams(seed)
    rng = {name: np.random.default_rng(s) for name, s in seeds.items()}
    u_arrivals = rng["arrivals"].random((n_months, len(CLIENT_GROUP)))
    by_group = coupled_arrivals(u_arrivals, arrival_rates(pop, params, n_months))
    n_arr = by_group.sum(axis=1)
    cap = len(pop) + int(n_arr.sum())
    if cap > c.width:
        raise ValueError(f"coupled draws: {cap} people need a grid wider than {c.width}")
    group = np.repeat(np.tile(np.arange(len(CLIENT_GROUP)), n_months), by_group.ravel())
    before = arrived_before(len(pop), n_arr)
    z_start = np.concatenate([[0], np.cumsum(before)])
    z_grid = rng["need"].standard_normal((n_months, c.width), dtype=np.float32)

    def events(name: str, bound: float) -> Events:
        ev = thinned(rng[name], n_months, c.width, bound)
        return ev.subset(ev.slot < cap)

    return Draws(
        n_arrivals=n_arr,
        source=donors(pop, params, group, rng["arrivals"].random(c.width)[:cap - len(pop)]),
        death=events("death", c.death_bound),
        other=events("other_exit", c.other_bound),
        residential=events("residential", c.residential_bound),
        z_need=np.concatenate([z_grid[m, :before[m]] for m in range(n_months)]),
        z_need_start=z_start,
        z_first_interval=rng["reviews"].standard_normal(c.width)[:cap],
        u_first_choice=rng["choice"].random(c.width)[:cap],
        z_practice=rng["practice"].standard_normal(c.width, dtype=np.float32)[:cap],
        u_continue=rng["eligibility"].random(c.width)[:cap],
        u_resident=rng["residential_death"].random(c.width)[:cap],
        review_seed=seeds["review_events"],
    )

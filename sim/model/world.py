"""The policy-independent stochastic world of one replicate.

Everything random that does not depend on budgets is drawn here, once per
replicate, from per-process streams (SeedSequence spawned by replicate, then by
process), and every policy reads the same draws (common random numbers).  The
draws (`Draws`) are kept apart from what is derived from them (`World`) so the
per-agent reference model can re-derive the world from the same numbers.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from sim.inputs.calendar import month_index
from sim.inputs.categories import (
    AGE_BAND_EDGES,
    CLIENT_GROUP,
    OLD_STYLE,
    OLDER_AGE,
    PB_TYPE,
    age_band_index,
)
from sim.inputs.facs import facs_from_points
from sim.inputs.population import Population
from sim.model.params import Parameters, hazard_table

STREAMS: tuple[str, ...] = (
    "arrivals", "death", "residential", "other_exit", "need", "reviews", "choice", "practice",
    "review_events",
)
DP = PB_TYPE.code_of("direct_payment")
MIXED = PB_TYPE.code_of("mixed")
COMMISSIONED = PB_TYPE.code_of("commissioned")


def streams(seed: np.random.SeedSequence) -> dict[str, np.random.SeedSequence]:
    """One seed per random process, spawned in a fixed order."""
    return dict(zip(STREAMS, seed.spawn(len(STREAMS))))


def expected_monthly_exits(pop: Population, params: Parameters) -> float:
    """Expected exits in the first month from the starting population (for 'balance' arrivals)."""
    band = age_band_index(pop.age)
    total = 0.0
    for h in (params.death, params.residential, params.other_exit):
        total += hazard_table(h)[pop.client_group, band].sum()
    return float(total)


def arrival_rates(pop: Population, params: Parameters, n_months: int) -> np.ndarray:
    """Expected new referrals in each month (Poisson means); month 0 is the population itself."""
    d = params.demand
    if not d.enabled:
        return np.zeros(n_months)
    if d.mode == "constant":
        rates = np.full(n_months, d.rate_per_month)
    else:
        g = d.net_growth_per_year
        lam0 = expected_monthly_exits(pop, params) + len(pop) * ((1 + g) ** (1 / 12) - 1)
        rates = lam0 * (1 + g) ** (np.arange(n_months) / 12)
    rates[:1] = 0.0
    return rates


@dataclass
class Events:
    """Person-months whose uniform draw fell below `bound`, in (month, slot) order.

    A monthly event with probability h <= bound happens exactly when a uniform draw
    falls below h; draws at or above `bound` can never cause one, so only those
    below it are drawn (thinning): the positions of a Bernoulli(bound) process by
    geometric gaps, then each draw uniform on [0, bound).  The same law as a full
    (months x people) matrix of uniforms, at a few per cent of the cost.
    """

    month: np.ndarray           # int32, ascending
    slot: np.ndarray            # int32, ascending within a month
    u: np.ndarray               # float64 in [0, bound)
    starts: np.ndarray          # (T + 1,) events of month m are [starts[m], starts[m + 1])

    def of_month(self, m: int) -> slice:
        """Positions of month m's events."""
        return slice(self.starts[m], self.starts[m + 1])

    def subset(self, keep: np.ndarray) -> Events:
        n_months = len(self.starts) - 1
        month = self.month[keep]
        return Events(month, self.slot[keep], self.u[keep],
                      np.searchsorted(month, np.arange(n_months + 1), side="left"))

    def lookup(self) -> dict[tuple[int, int], float]:
        """{(month, slot): draw} for person-by-person reading (the reference model)."""
        return {(int(m), int(s)): float(u) for m, s, u in zip(self.month, self.slot, self.u)}


def thinned(rng: np.random.Generator, n_months: int, cap: int, bound: float) -> Events:
    """The draws below `bound` of a (n_months, cap) field of monthly uniforms."""
    n, bound = n_months * cap, min(float(bound), 1.0)
    pos = np.empty(0, np.int64)
    if bound > 0.0 and n > 0:
        mean = n * bound
        block = int(mean + 6.0 * np.sqrt(mean)) + 64
        parts, last = [], -1
        while last < n - 1:
            p = last + np.cumsum(rng.geometric(bound, block), dtype=np.int64)
            parts.append(p)
            last = int(p[-1])
        pos = np.concatenate(parts)
        pos = pos[pos < n]
    u = bound * rng.random(len(pos))
    month, slot = np.divmod(pos, cap) if cap else (pos, pos)
    starts = np.searchsorted(month, np.arange(n_months + 1), side="left")
    return Events(month.astype(np.int32), slot.astype(np.int32), u, starts)


class ReviewStream:
    """Random numbers for reviews, consumed in (month, slot) order as reviews happen.

    Only reviewed person-months need a PB-type choice and a next interval, so these
    are read from a stream rather than a (months x people) matrix.  Blocks of a fixed
    size make the sequence independent of how many values each `take` asks for, so
    the fast path (a month at a time) and the reference (a person at a time) read
    identical numbers.
    """

    BLOCK = 4096

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self._rng = np.random.default_rng(seed)
        self._buf = np.empty((3, 0))
        self._pos = 0

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u_switch, u_choice, z_interval) for the next k reviews."""
        short = self._pos + k - self._buf.shape[1]
        if short > 0:
            blocks = [self._buf[:, self._pos:]]
            for _ in range(-(-short // self.BLOCK)):
                block = np.empty((3, self.BLOCK))
                block[:2] = self._rng.random((2, self.BLOCK))
                block[2] = self._rng.standard_normal(self.BLOCK)
                blocks.append(block)
            self._buf = np.concatenate(blocks, axis=1)
            self._pos = 0
        out = self._buf[:, self._pos:self._pos + k]
        self._pos += k
        return out[0], out[1], out[2]


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
    source: np.ndarray          # (A,) population row each arrival resembles (bootstrap)
    age_jitter: np.ndarray      # (A,) uniform in [-1, 1]
    death: Events               # thinned monthly uniforms (bound: the largest hazard)
    other: Events
    residential: Events         # bound: the largest hazard times the feedback multiplier
    z_need: np.ndarray          # float32 monthly need noise of month m's earlier arrivals, row by row
    z_need_start: np.ndarray    # (T + 1,) month m's row is z_need[start[m]:start[m + 1]], slot order
    z_first_interval: np.ndarray  # (cap,) first review: scheduled (starting population) or after assessment
    u_first_choice: np.ndarray  # (cap,) PB type chosen at an arrival's assessment
    z_practice: np.ndarray      # (cap,) practice-budget noise of arrivals
    review_seed: np.random.SeedSequence

    def z_need_row(self, m: int) -> np.ndarray:
        """Need noise of month m for the slots [0, A[m]) (people who arrived before m)."""
        return self.z_need[self.z_need_start[m]:self.z_need_start[m + 1]]

    def review_stream(self) -> ReviewStream:
        """A fresh stream of the review draws (each reader starts from the beginning)."""
        return ReviewStream(self.review_seed)


def feedback_multiplier(params: Parameters) -> float:
    """Factor on the admission hazard of someone whose budget fell short (1 = no feedback)."""
    fb = params.feedback
    return fb.hazard_multiplier if (fb.enabled and params.residential.enabled) else 1.0


def residential_bound(params: Parameters) -> float:
    """Largest possible monthly admission hazard: the draws above it never matter."""
    return float(hazard_table(params.residential).max()) * max(feedback_multiplier(params), 1.0)


def draw(pop: Population, params: Parameters, seed: np.random.SeedSequence, n_months: int) -> Draws:
    """Draw the replicate's random numbers."""
    seeds = streams(seed)
    rng = {name: np.random.default_rng(s) for name, s in seeds.items()}
    n_arr = rng["arrivals"].poisson(arrival_rates(pop, params, n_months))
    a = int(n_arr.sum())
    cap = len(pop) + a
    # need changes from the month after arrival: month m draws for slots [0, A[m]) only
    z_start = np.concatenate([[0], np.cumsum(arrived_before(len(pop), n_arr))])
    return Draws(
        n_arrivals=n_arr,
        source=rng["arrivals"].integers(0, len(pop), a),
        age_jitter=rng["arrivals"].uniform(-1.0, 1.0, a),
        death=thinned(rng["death"], n_months, cap, hazard_table(params.death).max()),
        other=thinned(rng["other_exit"], n_months, cap, hazard_table(params.other_exit).max()),
        residential=thinned(rng["residential"], n_months, cap, residential_bound(params)),
        z_need=rng["need"].standard_normal(int(z_start[-1]), dtype=np.float32),
        z_need_start=z_start,
        z_first_interval=rng["reviews"].standard_normal(cap),
        u_first_choice=rng["choice"].random(cap),
        z_practice=rng["practice"].standard_normal(cap, dtype=np.float32),
        review_seed=seeds["review_events"],
    )


@functools.lru_cache(maxsize=8)
def practice_prices(pop: Population, min_cell: int) -> np.ndarray:
    """Current practice's median cost per point by (client group, PB type, younger/older).

    Cells with fewer than `min_cell` people fall back to the (group, type) cell, then
    to the PB type, then to everyone: new users are priced like similar current users.
    The same for every replicate, so kept per population (read-only).
    """
    ppp = pop.annual_budget / np.maximum(pop.ras_points, 1.0)
    older = (pop.age >= OLDER_AGE).astype(int)
    overall = float(np.median(ppp))
    out = np.empty((len(CLIENT_GROUP), len(PB_TYPE), 2))
    for t in range(len(PB_TYPE)):
        st = pop.pb_type == t
        type_price = float(np.median(ppp[st])) if st.sum() >= min_cell else overall
        for g in range(len(CLIENT_GROUP)):
            sg = st & (pop.client_group == g)
            gt_price = float(np.median(ppp[sg])) if sg.sum() >= min_cell else type_price
            for o in (0, 1):
                s = sg & (older == o)
                out[g, t, o] = float(np.median(ppp[s])) if s.sum() >= min_cell else gt_price
    out.flags.writeable = False
    return out


def choice_tables(params: Parameters) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of direct payment (group, age band) and of mixed (group, age band)."""
    c = params.choice
    dp = np.array([c.direct_payment_by_group[g] for g in CLIENT_GROUP.codes])[:, None]
    dp = np.clip(dp * np.asarray(c.direct_payment_age_multiplier_by_band)[None, :], 0.0, 1.0)
    mixed = np.array([c.mixed_by_group[g] for g in CLIENT_GROUP.codes])[:, None]
    return dp, np.minimum(mixed, 1.0 - dp)


def choose_pb_type(u: np.ndarray, group: np.ndarray, band: np.ndarray,
                   tables: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """PB type from a uniform draw: direct payment, then mixed, else commissioned."""
    dp, mixed = tables[0][group, band], tables[1][group, band]
    return np.where(u < dp, DP, np.where(u < dp + mixed, MIXED, COMMISSIONED)).astype(np.int8)


def practice_noise(params: Parameters, d: Draws) -> np.ndarray:
    """Log-normal factor of each arrival's practice budget (computed for all slots at once)."""
    return np.exp(params.practice.arrival_noise_sd * d.z_practice)


def interval(z: np.ndarray, params: Parameters) -> np.ndarray:
    r = params.reviews
    return np.maximum(1, np.rint(r.interval_months + r.spread_sd_months * z)).astype(np.int32)


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
    res_events: Events          # admission candidates: present, draw below the largest hazard
    res_h: np.ndarray           # each candidate's base monthly hazard of admission
    uplift: np.ndarray          # (T,) price index relative to the start month

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


def utilisation(params: Parameters) -> np.ndarray:
    """Share of a budget spent, by PB type (a direct payment may also cost extra)."""
    util = np.array([params.money.utilisation[c] for c in PB_TYPE.codes])
    util[DP] *= 1.0 + params.money.direct_payment_cost_difference
    return util


def age_at(age0: np.ndarray, arrival: np.ndarray, m: int | np.ndarray) -> np.ndarray:
    """Age in month m of people who arrived aged age0 (one formula, so bands agree everywhere)."""
    return age0 + np.maximum(m - arrival, 0) / 12.0


def age_bands(age0: np.ndarray, arrival: np.ndarray, n_months: int) -> np.ndarray:
    """(T, cap) age band of everyone in every month, equal to age_band_index(age_at(...)).

    A band changes only when age crosses an edge, so find each person's crossing months
    (an estimate, then corrected with the exact age formula) and step bands up there.
    """
    edges = np.asarray(AGE_BAND_EDGES, dtype=np.float64)
    band0 = age_band_index(age0)
    slots, months = [], []
    for j in range(1, len(edges)):
        edge = edges[j]
        who = np.flatnonzero((band0 < j) & (age_at(age0, arrival, n_months - 1) >= edge))
        a0 = age0[who]
        k = np.maximum(np.ceil((edge - a0) * 12.0), 0).astype(np.int64)
        while True:                                  # exact: the first k whose age reaches edge
            down = (k > 0) & (a0 + (k - 1) / 12.0 >= edge)
            up = a0 + k / 12.0 < edge
            if not (down.any() or up.any()):
                break
            k = k - down + up
        slots.append(who)
        months.append(arrival[who] + k)
    slot, month = np.concatenate(slots), np.concatenate(months)
    order = np.argsort(month, kind="stable")
    slot, month = slot[order], month[order]
    starts = np.searchsorted(month, np.arange(n_months + 1), side="left")
    out = np.empty((n_months, len(age0)), np.int8)
    row = band0.astype(np.int8)
    for m in range(n_months):
        np.add.at(row, slot[starts[m]:starts[m + 1]], 1)  # a person may cross two edges at once
        out[m] = row
    return out


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


def price_index(params: Parameters, n_months: int) -> np.ndarray:
    """Annual uplift applied each uplift month after the start month."""
    start_month = int(params.time.start.split("-")[1])
    cal = (start_month - 1 + np.arange(n_months)) % 12 + 1
    steps = np.cumsum((cal == params.money.uplift_month) & (np.arange(n_months) > 0))
    return (1.0 + params.money.uplift_per_year) ** steps


def simulate(pop: Population, params: Parameters, d: Draws, n_months: int, go_live: int) -> World:
    """Derive every policy-independent trajectory from the draws (vectorised over people)."""
    T, n0 = n_months, len(pop)
    src = np.concatenate([np.arange(n0), d.source])
    cap = len(src)
    arrival = np.concatenate([np.zeros(n0, np.int32),
                              np.repeat(np.arange(T, dtype=np.int32), d.n_arrivals)])
    jitter = np.concatenate([np.zeros(n0), d.age_jitter * params.demand.age_jitter_years])
    age0 = np.maximum(pop.age[src] + jitter, 18.0)
    group = pop.client_group[src]
    before = arrived_before(n0, d.n_arrivals)       # month m: slots [0, before[m]) arrived earlier
    band = age_bands(age0, arrival, T)

    death_m = first_events(d.death, hits(d.death, hazard_table(params.death), group, band,
                                         arrival), cap, T)
    other_m = first_events(d.other, hits(d.other, hazard_table(params.other_exit), group, band,
                                         arrival), cap, T)
    exit_m = np.minimum(death_m, other_m)
    # admissions: keep the draws that could admit someone under some policy (below the
    # hazard times the feedback multiplier, person present), with their base hazard
    ev = d.residential
    h_ev = hazard_table(params.residential)[group[ev.slot], band[ev.month, ev.slot]]
    present = (arrival[ev.slot] <= ev.month) & (ev.month < exit_m[ev.slot])
    cand = present & (ev.u < h_ev * max(feedback_multiplier(params), 1.0))
    base_res = first_events(ev, present & (ev.u < h_ev), cap, T)
    res_events, res_h = ev.subset(cand), h_ev[cand]

    # Need: points drift with age plus noise, from each person's arrival on.
    pts0 = pop.ras_points[src] * np.where(arrival > 0, params.demand.points_factor, 1.0)
    # points: a running float32 sum of monthly increments from the month after arrival
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

    prices = practice_prices(pop, params.practice.min_cell_size)
    pb_type, initial_budget, initial_facs, starts, cols = _reviews(
        pop, params, d, src, arrival, exit_m, group, band, points, age0, prices, T, go_live, before)

    uplift = price_index(params, T)
    return World(
        n_months=T, go_live=go_live, arrival=arrival, client_group=group,
        sex=pop.sex[src], ethnicity=pop.ethnicity[src], team=pop.team[src], age0=age0,
        exit_month=exit_m, death_month=death_m, baseline_res_month=base_res,
        initial_budget=initial_budget, initial_facs=initial_facs,
        age_band=band, points=points, pb_type=pb_type,
        assessed_start=starts, assessed=cols[0], assessed_review=cols[1], assessed_facs=cols[2],
        assessed_count=cols[3], assessed_practice=cols[4],
        res_events=res_events, res_h=res_h, uplift=uplift,
    )


def _reviews(pop, params, d, src, arrival, exit_m, group, band, points, age0, prices, T,
             go_live, before):
    """Month by month (vectorised over people): assessments, reviews, PB choice, practice budgets.

    Only people who arrived before the month can be reviewed: the slots [0, before[m]).
    """
    cap, n0 = len(src), len(pop)
    th = params.need.facs_thresholds
    p = params.practice
    deadline = month_index(params.time.start, params.time.conversion_deadline)
    tables = choice_tables(params)
    noise = practice_noise(params, d)
    stream = d.review_stream()
    last_pts = points[0].copy()
    next_rev = np.full(cap, np.iinfo(np.int32).max, np.int32)
    next_rev[:n0] = np.maximum(interval(d.z_first_interval[:n0], params) - pop.months_since_review, 0)
    ptype = np.concatenate([pop.pb_type, np.zeros(cap - n0, np.int8)])
    fac = np.concatenate([pop.facs_band, np.zeros(cap - n0, np.int8)])
    budget = np.concatenate([pop.annual_budget, np.zeros(cap - n0)]).astype(np.float64)
    count = np.zeros(cap, np.int16)                     # reviews since go-live
    last_den = np.maximum(last_pts, np.float32(1.0))    # relative change is against this
    work = np.empty(cap, np.float32)
    initial_budget, initial_facs = budget.astype(np.float32), fac.copy()
    hist_type = np.zeros((T, cap), np.int8)   # zero until arrival; each month writes the arrived
    records: list[tuple[np.ndarray, ...]] = []
    arrived_by = np.append(before[1:], cap)             # by the end of month m
    for m in range(T):
        new = np.arange(before[m], arrived_by[m]) if m > 0 else np.arange(0)
        if len(new):
            pts = points[m, new]             # arrivals of the month: a contiguous block
            ptype[new] = choose_pb_type(d.u_first_choice[new], group[new], band[m, new], tables)
            fac[new] = facs_from_points(pts, th)
            older = (age0[new] >= OLDER_AGE).astype(np.intp)   # assessed in their arrival month
            price = prices[group[new], ptype[new], older]
            budget[new] = price * np.maximum(pts, 1.0) * noise[new]
            last_pts[new] = pts
            last_den[new] = np.maximum(last_pts[new], np.float32(1.0))
            next_rev[new] = m + interval(d.z_first_interval[new], params)
        a = before[m] if m > 0 else n0                  # the starting population from month 0
        change = np.subtract(points[m, :a], last_pts[:a], out=work[:a])
        np.abs(change, out=change)
        np.divide(change, last_den[:a], out=change)
        due = change >= params.reviews.trigger_relative_change
        if params.reviews.scheduled:
            due |= m >= next_rev[:a]
        if m == deadline:
            due |= ptype[:a] == OLD_STYLE
        due &= m < exit_m[:a]
        idx = np.flatnonzero(due)
        if len(idx):
            u_switch, u_choice, z_interval = stream.take(len(idx))
            switch = (ptype[idx] == OLD_STYLE) | (u_switch < params.choice.switch_at_review)
            chosen = choose_pb_type(u_choice, group.take(idx), band[m].take(idx), tables)
            ptype[idx] = np.where(switch, chosen, ptype[idx])
            pts = points[m].take(idx)
            fac[idx] = facs_from_points(pts, th)
            ratio = np.maximum(pts, 1.0) / last_den.take(idx)
            budget[idx] *= ratio ** p.points_elasticity * (1.0 + p.creep_per_review)
            last_pts[idx] = pts
            last_den[idx] = np.maximum(last_pts[idx], np.float32(1.0))
            next_rev[idx] = m + interval(z_interval, params)
            if m >= go_live:
                count[idx] += 1
        hist_type[m, :arrived_by[m]] = ptype[:arrived_by[m]]
        both = np.concatenate([new, idx])
        records.append((both, np.arange(len(both)) >= len(new), fac[both], count[both],
                        budget[both].astype(np.float32)))
    starts = np.concatenate([[0], np.cumsum([len(r[0]) for r in records])])
    cols = [np.concatenate([r[i] for r in records]) for i in range(5)]
    return hist_type, initial_budget, initial_facs, starts, cols

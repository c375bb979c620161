"""The policy-independent stochastic world of one replicate.

Everything random that does not depend on budgets is drawn here, once per
replicate, from per-process streams (SeedSequence spawned by replicate, then by
process), and every policy reads the same draws (common random numbers).  The
draws (`Draws`) are kept apart from what is derived from them (`World`) so the
per-agent reference model can re-derive the world from the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.categories import AGE_BAND, CLIENT_GROUP, OLD_STYLE, OLDER_AGE, PB_TYPE, age_band_index
from sim.params import Parameters, hazard_table, month_index
from sim.population import Population
from sim.synthetic import facs_from_points

STREAMS: tuple[str, ...] = (
    "arrivals", "death", "residential", "other_exit", "need", "reviews", "choice", "practice",
)
DP = PB_TYPE.code_of("direct_payment")
MIXED = PB_TYPE.code_of("mixed")
COMMISSIONED = PB_TYPE.code_of("commissioned")


def streams(seed: np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One generator per random process, spawned in a fixed order."""
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, seed.spawn(len(STREAMS)))}


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
class Draws:
    """Raw random numbers of one replicate; shapes (T, cap) unless stated."""

    n_arrivals: np.ndarray      # (T,) arrivals per month
    source: np.ndarray          # (A,) population row each arrival resembles (bootstrap)
    age_jitter: np.ndarray      # (A,) uniform in [-1, 1]
    u_death: np.ndarray
    u_res: np.ndarray
    u_other: np.ndarray
    z_need: np.ndarray
    z_interval: np.ndarray      # next-review interval noise when reviewed in month m
    z_first_interval: np.ndarray  # (cap,) first scheduled review of the starting population
    u_choice: np.ndarray        # PB type chosen at assessment / review
    u_switch: np.ndarray        # whether a reviewed person reconsiders PB type
    z_practice: np.ndarray      # (cap,) practice-budget noise of arrivals


def draw(pop: Population, params: Parameters, seed: np.random.SeedSequence, n_months: int) -> Draws:
    """Draw the replicate's random numbers (float32 to halve memory)."""
    rng = streams(seed)
    n_arr = rng["arrivals"].poisson(arrival_rates(pop, params, n_months))
    a = int(n_arr.sum())
    cap = len(pop) + a
    shape = (n_months, cap)
    f32 = np.float32
    return Draws(
        n_arrivals=n_arr,
        source=rng["arrivals"].integers(0, len(pop), a),
        age_jitter=rng["arrivals"].uniform(-1.0, 1.0, a),
        u_death=rng["death"].random(shape, dtype=f32),
        u_res=rng["residential"].random(shape, dtype=f32),
        u_other=rng["other_exit"].random(shape, dtype=f32),
        z_need=rng["need"].standard_normal(shape, dtype=f32),
        z_interval=rng["reviews"].standard_normal(shape, dtype=f32),
        z_first_interval=rng["reviews"].standard_normal(cap, dtype=f32),
        u_choice=rng["choice"].random(shape, dtype=f32),
        u_switch=rng["choice"].random(shape, dtype=f32),
        z_practice=rng["practice"].standard_normal(cap, dtype=f32),
    )


def practice_prices(pop: Population, min_cell: int) -> np.ndarray:
    """Current practice's median cost per point by (client group, PB type, younger/older).

    Cells with fewer than `min_cell` people fall back to the (group, type) cell, then
    to the PB type, then to everyone: new users are priced like similar current users.
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
    # dynamic
    age_band: np.ndarray        # int8
    points: np.ndarray          # float32
    facs: np.ndarray            # int8, as assessed at the latest review
    pb_type: np.ndarray         # int8
    review: np.ndarray          # bool: reviewed this month (assessment of an arrival excluded)
    review_number: np.ndarray   # int16: reviews since go-live, counting this month's
    practice_budget: np.ndarray  # float32: budget under current practice (status quo)
    h_res: np.ndarray           # float32 monthly base hazard of residential admission
    u_res: np.ndarray           # float32 the shared uniform draw it is compared with
    uplift: np.ndarray          # (T,) price index relative to the start month
    alive: np.ndarray           # bool: arrived and not died or left (residential aside)

    @property
    def cap(self) -> int:
        return len(self.arrival)

    def present(self, m: int) -> np.ndarray:
        """In the community under every policy's natural events (arrived, not died/left)."""
        return (self.arrival <= m) & (m < self.exit_month)

    def age(self, m: int) -> np.ndarray:
        return self.age0 + np.maximum(m - self.arrival, 0) / 12.0


def utilisation(params: Parameters) -> np.ndarray:
    """Share of a budget spent, by PB type (a direct payment may also cost extra)."""
    util = np.array([params.money.utilisation[c] for c in PB_TYPE.codes])
    util[DP] *= 1.0 + params.money.direct_payment_cost_difference
    return util


def first_event(hit: np.ndarray, n_months: int) -> np.ndarray:
    """Index of the first True along months (axis 0), n_months where none."""
    any_hit = hit.any(axis=0)
    return np.where(any_hit, hit.argmax(axis=0), n_months).astype(np.int32)


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
    months = np.arange(T, dtype=np.int32)[:, None]
    present = months >= arrival[None, :]
    age = age0[None, :] + np.maximum(months - arrival[None, :], 0) / 12.0
    band = age_band_index(age)

    cell = group.astype(np.intp) * len(AGE_BAND) + band           # (T, cap) hazard cell
    death_m = first_event(present & (d.u_death < hazard_table(params.death).ravel()[cell]), T)
    other_m = first_event(present & (d.u_other < hazard_table(params.other_exit).ravel()[cell]), T)
    exit_m = np.minimum(death_m, other_m)
    alive = present & (months < exit_m[None, :])
    h_res = hazard_table(params.residential).astype(np.float32).ravel()[cell]
    base_res = first_event(alive & (d.u_res < h_res), T)

    # Need: points drift with age plus noise, from each person's arrival on.
    pts0 = pop.ras_points[src] * np.where(arrival > 0, params.demand.points_factor, 1.0)
    if params.need.enabled:
        drift = np.asarray(params.need.drift_per_month_by_age_band, dtype=np.float32)[band]
        inc = (drift + params.need.noise_sd_per_month * d.z_need) * (months > arrival[None, :])
        points = np.clip(pts0[None, :] + np.cumsum(inc, axis=0, dtype=np.float32), 0.0,
                         params.need.max_points).astype(np.float32)
    else:
        points = np.broadcast_to(pts0.astype(np.float32), (T, cap)).copy()

    prices = practice_prices(pop, params.practice.min_cell_size)
    out = _reviews(pop, params, d, src, arrival, exit_m, group, band, points, age, prices, T)
    review, pb_type, facs, practice = out
    rn = np.zeros((T, cap), np.int16)
    if go_live < T:
        rn[go_live:] = np.cumsum(review[go_live:], axis=0, dtype=np.int16)

    uplift = price_index(params, T)
    return World(
        n_months=T, go_live=go_live, arrival=arrival, client_group=group,
        sex=pop.sex[src], ethnicity=pop.ethnicity[src], team=pop.team[src], age0=age0,
        exit_month=exit_m, death_month=death_m, baseline_res_month=base_res,
        age_band=band, points=points, facs=facs, pb_type=pb_type, review=review,
        review_number=rn, practice_budget=practice, h_res=h_res, u_res=d.u_res,
        uplift=uplift, alive=alive,
    )


def _reviews(pop, params, d, src, arrival, exit_m, group, band, points, age, prices, T):
    """Month by month (vectorised over people): assessments, reviews, PB choice, practice budgets."""
    cap, n0 = len(src), len(pop)
    th = params.need.facs_thresholds
    p = params.practice
    deadline = month_index(params.time.start, params.time.conversion_deadline)
    older = (age >= OLDER_AGE).astype(np.int8)
    tables = choice_tables(params)
    noise = practice_noise(params, d)
    last_pts = points[0].copy()
    next_rev = np.full(cap, np.iinfo(np.int32).max, np.int32)
    next_rev[:n0] = np.maximum(interval(d.z_first_interval[:n0], params) - pop.months_since_review, 0)
    ptype = np.concatenate([pop.pb_type, np.zeros(cap - n0, np.int8)])
    fac = np.concatenate([pop.facs_band, np.zeros(cap - n0, np.int8)])
    budget = np.concatenate([pop.annual_budget, np.zeros(cap - n0)]).astype(np.float64)
    review = np.zeros((T, cap), bool)
    hist_type = np.empty((T, cap), np.int8)
    hist_facs = np.empty((T, cap), np.int8)
    hist_budget = np.empty((T, cap), np.float32)
    for m in range(T):
        new = np.flatnonzero(arrival == m) if m > 0 else np.empty(0, np.int64)
        if len(new):
            ptype[new] = choose_pb_type(d.u_choice[m, new], group[new], band[m, new], tables)
            fac[new] = facs_from_points(points[m, new], th)
            price = prices[group[new], ptype[new], older[m, new]]
            budget[new] = price * np.maximum(points[m, new], 1.0) * noise[new]
            last_pts[new] = points[m, new]
            next_rev[new] = m + interval(d.z_interval[m, new], params)
        active = (arrival < m) | ((arrival == 0) & (m == 0))
        active &= m < exit_m
        change = np.abs(points[m] - last_pts) / np.maximum(last_pts, 1.0)
        due = change >= params.reviews.trigger_relative_change
        if params.reviews.scheduled:
            due |= m >= next_rev
        if m == deadline:
            due |= ptype == OLD_STYLE
        idx = np.flatnonzero(due & active)
        if len(idx):
            switch = (ptype[idx] == OLD_STYLE) | (d.u_switch[m, idx] < params.choice.switch_at_review)
            chosen = choose_pb_type(d.u_choice[m, idx], group[idx], band[m, idx], tables)
            ptype[idx] = np.where(switch, chosen, ptype[idx])
            fac[idx] = facs_from_points(points[m, idx], th)
            ratio = np.maximum(points[m, idx], 1.0) / np.maximum(last_pts[idx], 1.0)
            budget[idx] *= ratio ** p.points_elasticity * (1.0 + p.creep_per_review)
            last_pts[idx] = points[m, idx]
            next_rev[idx] = m + interval(d.z_interval[m, idx], params)
            review[m, idx] = True
        hist_type[m] = ptype
        hist_facs[m] = fac
        hist_budget[m] = budget
    return review, hist_type, hist_facs, hist_budget


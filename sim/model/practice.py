"""Current practice: the PB type people choose, the budgets practice sets, when it reviews.

These rules make the status-quo world every policy starts from; they read the
replicate's draws but never a policy.
"""
from __future__ import annotations

import functools

import numpy as np

from sim.inputs.categories import CLIENT_GROUP, OLDER_AGE, PB_TYPE
from sim.inputs.population import Population
from sim.model.params import Parameters

DP = PB_TYPE.code_of("direct_payment")
MIXED = PB_TYPE.code_of("mixed")
COMMISSIONED = PB_TYPE.code_of("commissioned")


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


def practice_noise(params: Parameters, z_practice: np.ndarray) -> np.ndarray:
    """Log-normal factor of each arrival's practice budget, from its normal draw."""
    return np.exp(params.practice.arrival_noise_sd * z_practice)


def interval(z: np.ndarray, params: Parameters) -> np.ndarray:
    """Months to the next scheduled review: the mean interval plus normal spread, at least one."""
    r = params.reviews
    return np.maximum(1, np.rint(r.interval_months + r.spread_sd_months * z)).astype(np.int32)


def first_reviews(due: np.ndarray, u: np.ndarray, old_style: np.ndarray, params: Parameters,
                  deadline: int) -> np.ndarray:
    """Month of the starting population's first scheduled review.

    `due` is the month each review falls due (<= 0: overdue at the start).  A council
    clears its backlog over months, not in the first one: overdue reviews fall in a
    month drawn uniformly (from `u`) within the first `backlog_months`; an old-style
    package whose review would come after the conversion deadline is converted in a
    month drawn uniformly up to the deadline.
    """
    out = due.astype(np.int32)
    late = old_style & (due > deadline)
    out[late] = (u[late] * (deadline + 1)).astype(np.int32)
    overdue = due <= 0
    out[overdue] = (u[overdue] * params.reviews.backlog_months).astype(np.int32)
    return out

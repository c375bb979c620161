"""Residential care: what placements cost by client group, and how long residents stay.

Every resident leaves care by death only, at the residential mortality of their client
group ([residential] annual_mortality_by_group), whether admitted during the run or already
in care at the start: one rule, `resident_hazard`.  A person admitted in month a survives
month a + k (k >= 1) with probability (1 - h)^k, their own uniform draw deciding
(`months_survived`); the people in care at the start are costed as expected numbers by the
same survival ((1 - h)^m of each group in month m), the same in every policy and replicate,
so they add to spend but never change a saving.  Costs run from the month of admission to
the month before death.
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import CLIENT_GROUP
from sim.model.params import Parameters, monthly_hazard


def annual_cost(params: Parameters) -> np.ndarray:
    """(client group,) £ a year per resident, base prices."""
    cost = params.residential.annual_cost_by_group
    return np.array([cost[c] for c in CLIENT_GROUP.codes], dtype=np.float64)


def resident_hazard(params: Parameters) -> np.ndarray:
    """(client group,) monthly hazard of death in residential care."""
    mortality = params.residential.annual_mortality_by_group
    return monthly_hazard([mortality[c] for c in CLIENT_GROUP.codes])


def months_survived(u: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """Whole months a resident survives after the month of admission: the number of k >= 1
    with u <= (1 - hazard)^k (u uniform on [0, 1), so P(at least k) = (1 - hazard)^k)."""
    u, keep = np.asarray(u, np.float64), 1.0 - np.asarray(hazard, np.float64)
    with np.errstate(divide="ignore"):
        k = np.where(keep >= 1.0, np.inf, np.log(np.maximum(u, 1e-300)) / np.log(keep))
    k = np.floor(np.minimum(k, 1e9))
    # make it exact against the power rule the definition states (log rounding aside)
    k = np.where(keep ** (k + 1) >= u, k + 1, k)
    k = np.where((k > 0) & (keep ** k < u), k - 1, k)
    return k.astype(np.int64)


def death_in_care(admitted: np.ndarray, group: np.ndarray, u: np.ndarray,
                  params: Parameters, n_months: int) -> np.ndarray:
    """Month each resident admitted in `admitted` dies in care (n_months: not in the horizon)."""
    survived = months_survived(u, resident_hazard(params)[group])
    return np.minimum(admitted + 1 + survived, n_months).astype(np.int64)


def stock_spend(params: Parameters, uplift: np.ndarray) -> np.ndarray:
    """(T,) £ cash a month on the people in care at the start who are still alive (expected
    numbers: month m keeps (1 - monthly hazard)^m of each group); zero when the stock is off.

    Args:
        params: model parameters ([residential_stock], and [residential] for the costs and
            the mortality).
        uplift: (T,) price index of each month relative to the start.
    """
    stock = params.residential_stock
    if not stock.enabled:
        return np.zeros(len(uplift))
    people = np.array([stock.people_by_group[c] for c in CLIENT_GROUP.codes])
    death = resident_hazard(params)
    alive = people[:, None] * (1.0 - death[:, None]) ** np.arange(len(uplift))[None, :]
    return (annual_cost(params) @ alive) / 12.0 * uplift

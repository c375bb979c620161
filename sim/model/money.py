"""Money rules shared by every policy: how much of a budget is spent, and price uplift."""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import PB_TYPE
from sim.model.params import Parameters
from sim.model.practice import DP


def utilisation(params: Parameters) -> np.ndarray:
    """Share of a budget spent, by PB type (a direct payment may also cost extra)."""
    util = np.array([params.money.utilisation[c] for c in PB_TYPE.codes])
    util[DP] *= 1.0 + params.money.direct_payment_cost_difference
    return util


def price_index(params: Parameters, n_months: int) -> np.ndarray:
    """Annual uplift applied each uplift month after the start month."""
    start_month = int(params.time.start.split("-")[1])
    cal = (start_month - 1 + np.arange(n_months)) % 12 + 1
    steps = np.cumsum((cal == params.money.uplift_month) & (np.arange(n_months) > 0))
    return (1.0 + params.money.uplift_per_year) ** steps

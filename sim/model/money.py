"""Money rules shared by every policy: how much of a budget is spent, and price uplift."""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import OLD_STYLE, PB_TYPE, age_band_index
from sim.model.params import Parameters
from sim.model.practice import COMMISSIONED, DP, MIXED, choice_tables


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


def expected_cash_share(params: Parameters, pb_type: np.ndarray, client_group: np.ndarray,
                        age: np.ndarray) -> np.ndarray:
    """Expected share of each person's budget that is spent once PBs are universal.

    Old-style packages all convert to a PB (by the conversion deadline), so theirs is the
    utilisation of the PB type they are expected to choose, by client group and age band.
    Calibrations meet their target in this expected cash, the money savings are judged in.
    """
    util = utilisation(params)
    share = util[pb_type]
    old = pb_type == OLD_STYLE
    if old.any():
        dp, mixed = choice_tables(params)
        g, b = client_group[old], age_band_index(age[old])
        p_dp, p_mixed = dp[g, b], mixed[g, b]
        share[old] = (p_dp * util[DP] + p_mixed * util[MIXED]
                      + (1.0 - p_dp - p_mixed) * util[COMMISSIONED])
    return share

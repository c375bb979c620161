"""What residential care costs: placements by client group, and the people already in care.

People admitted during the run are costed from admission to death at their client group's
annual cost (CareModel.residential_spend).  People already in care when the run starts are
not in the population file: with [residential_stock] enabled they are costed as expected
numbers by client group leaving by death at the residential mortality assumption, the same
in every policy and replicate, so they add to spend but never change a saving.
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import CLIENT_GROUP
from sim.model.params import Parameters, monthly_hazard


def annual_cost(params: Parameters) -> np.ndarray:
    """(client group,) £ a year per resident, base prices."""
    cost = params.residential.annual_cost_by_group
    return np.array([cost[c] for c in CLIENT_GROUP.codes], dtype=np.float64)


def stock_spend(params: Parameters, uplift: np.ndarray) -> np.ndarray:
    """(T,) £ cash a month on the people in care at the start who are still alive (expected
    numbers: month m keeps (1 - monthly hazard)^m of each group); zero when the stock is off.

    Args:
        params: model parameters ([residential_stock], and [residential] for the costs).
        uplift: (T,) price index of each month relative to the start.
    """
    stock = params.residential_stock
    if not stock.enabled:
        return np.zeros(len(uplift))
    people = np.array([stock.people_by_group[c] for c in CLIENT_GROUP.codes])
    death = monthly_hazard([stock.annual_mortality_by_group[c] for c in CLIENT_GROUP.codes])
    alive = people[:, None] * (1.0 - death[:, None]) ** np.arange(len(uplift))[None, :]
    return (annual_cost(params) @ alive) / 12.0 * uplift

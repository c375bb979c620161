"""Go-live redistribution: who would gain and who would lose at the indicative budget.

The "transitional cost" the September 2012 report asks about: for each calibration, the
go-live cohort as known at calibration (the population file) moved straight to its
indicative budget, before any transition softens it.  It is deterministic per fitted
calibration, so it is computed once for the study, not per replicate.

Two views: budgets (£ a year allocated, what a person is told) and expected cash (what
is spent once every package is a personal budget: direct payments are partly clawed
back), the money the calibrations meet their targets in.  So the cash net equals the
calibration's allocated total minus the current total.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from sim.inputs.population import Population
from sim.model.money import expected_cash_share
from sim.model.params import Parameters


def redistribution(population: Population, params: Parameters,
                   calibrations: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per fitted calibration: people gaining and losing, gross £ each way, net."""
    pop = population
    current = np.asarray(pop.annual_budget, dtype=np.float64)
    cash = expected_cash_share(params, pop.pb_type, pop.client_group, pop.age)
    rows = []
    for name, est in calibrations.items():
        change = est.allocate(pop.ras_points, client_group=pop.client_group, age=pop.age) - current
        gain, loss = np.maximum(change, 0.0), np.maximum(-change, 0.0)
        rows.append({
            "calibration": name, "people": len(change),
            "gaining": int((change > 0).sum()), "losing": int((change < 0).sum()),
            "gross_gained_budget": float(gain.sum()), "gross_lost_budget": float(loss.sum()),
            "net_budget": float(gain.sum() - loss.sum()),
            "gross_gained_cash": float(gain @ cash), "gross_lost_cash": float(loss @ cash),
            "net_cash": float(gain @ cash - loss @ cash),
        })
    return rows

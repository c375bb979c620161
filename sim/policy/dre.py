"""Disability-related expenditure (DRE) under a policy: team practice, or one rule for all.

The seed found DRE sanctioned differently by different teams (March 2012 report, 6.2(3),
from the Personal Budgets audit). Under the status quo each person keeps the DRE their team
sanctions. Under `StandardDre` each person's DRE is set by one council-wide rule: within
each client group, every team's sanctioned DRE is rescaled so that the team's mean equals
the client group's mean over all teams. Differences between people within a team (their own
costs) stay; the team's generosity goes, and the client group's total DRE is unchanged. A
pure rule over arrays: it knows nothing of the model.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StandardDre:
    """DRE by one rule: each team's mean within a client group brought to the group's mean."""

    def apply(self, dre: np.ndarray, client_group: np.ndarray, team: np.ndarray) -> np.ndarray:
        """Each person's standardised DRE (£ a week) from the DRE their team sanctioned."""
        dre = np.asarray(dre, dtype=np.float64)
        out = dre.copy()
        for g in np.unique(client_group):
            in_group = client_group == g
            group_mean = dre[in_group].mean()
            for t in np.unique(team[in_group]):
                cell = in_group & (team == t)
                cell_mean = dre[cell].mean()
                out[cell] = dre[cell] * (group_mean / cell_mean) if cell_mean > 0 else group_mean
        return out

    def describe(self) -> str:
        return "standardised"

"""eligibility.csv: what FACS eligibility ends under each policy, apart from the calibration.

A policy's budget change at review mixes two things: the calibration's new allocation and,
under an eligibility rule, budgets that end because the person was assessed below the
eligible bands (sim.policy.eligibility).  This table isolates the second: per policy and
financial year, the people whose budget ended and the annual value of those budgets (base
prices, as the policy would otherwise have set them: its saving from eligibility in a full
year).  Mean and 5th/95th percentiles across replicates.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.aggregates import ELIGIBILITY_STATS
from sim.outputs.activity import _stats
from sim.study.results import StudyResults


def eligibility_table(results: StudyResults) -> pd.DataFrame:
    """One row per policy and financial year: budgets ended by eligibility (zero for the
    status quo, which funds everyone it funds today)."""
    ended = np.asarray(results.eligibility_fy, dtype=float)      # (R, P, F, L)
    rows = []
    for p, pol in enumerate(results.policies):
        for f, fy in enumerate(results.financial_years):
            row = {"policy": pol["name"], "calibration": pol["calibration"],
                   "transition": pol["transition"],
                   "eligibility": pol.get("eligibility", "all funded"),
                   "financial_year": fy, "replicates": results.n_replicates}
            for k, stat in enumerate(ELIGIBILITY_STATS):
                row.update(_stats(ended[:, p, f, k], stat))
            rows.append(row)
    return pd.DataFrame(rows)

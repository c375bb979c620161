"""activity.csv: the work and the flows behind the spend, per financial year.

Assessments of new referrals, arrivals, deaths and other exits are the replicate's world,
the same under every policy, so they repeat on each policy's row; admissions to residential
care depend on the policy, and so do reviews: `reviews` counts the community reviews under
the policy, and `resident_reviews` apart the reviews the world would hold for people the
policy has admitted to a care home (not community work).  Each is the mean and the 5th and
95th percentiles across replicates of the count in the year.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.aggregates import ACTIVITY_EVENTS
from sim.study.results import StudyResults

QUANTILES = (5, 95)


def _stats(x: np.ndarray, name: str) -> dict[str, float]:
    """Mean and percentiles across replicates (axis 0), as columns name_mean, name_p5, ..."""
    q = np.percentile(x, QUANTILES, axis=0)
    return {f"{name}_mean": float(x.mean()), **{f"{name}_p{k}": float(v) for k, v in zip(QUANTILES, q)}}


def activity_table(results: StudyResults) -> pd.DataFrame:
    """One row per policy and financial year: the world's events and the policy's admissions."""
    world = np.asarray(results.activity_fy, dtype=float)        # (R, E, F)
    admissions = np.asarray(results.admissions_fy, dtype=float)  # (R, P, F)
    community = np.asarray(results.community_reviews_fy, dtype=float)  # (R, P, F)
    all_reviews = world[:, ACTIVITY_EVENTS.index("reviews")]       # (R, F)
    rows = []
    for p, pol in enumerate(results.policies):
        for f, fy in enumerate(results.financial_years):
            row = {"policy": pol["name"], "calibration": pol["calibration"],
                   "transition": pol["transition"], "financial_year": fy,
                   "replicates": results.n_replicates}
            for e, event in enumerate(ACTIVITY_EVENTS):
                if event == "reviews":     # the community's, residents' apart
                    row.update(_stats(community[:, p, f], "reviews"))
                    row.update(_stats(all_reviews[:, f] - community[:, p, f], "resident_reviews"))
                else:
                    row.update(_stats(world[:, e, f], event))
            row.update(_stats(admissions[:, p, f], "admissions"))
            rows.append(row)
    return pd.DataFrame(rows)

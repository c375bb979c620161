"""The world's activity: what a council's returns count, month by month.

Assessments of new referrals, reviews, arrivals, deaths and other exits are events of
the policy-independent world, so one set per replicate serves every policy; people
admitted to residential care under a policy stay in these counts (their reviews and
exits are the world's).  Admissions, which do depend on the policy, are CareModel's.
"""
from __future__ import annotations

import numpy as np

from sim.model.aggregates import ACTIVITY_EVENTS
from sim.model.world import World


def world_activity(w: World) -> np.ndarray:
    """(ACTIVITY_EVENTS, T) counts of each event in each month."""
    T = w.n_months
    month = np.repeat(np.arange(T), np.diff(w.assessed_start))    # of each assessment record
    exited = w.exit_month < T
    died = exited & (w.death_month == w.exit_month)                # a death in the exit month first
    counts = {
        "assessments": month[~w.assessed_review],
        "reviews": month[w.assessed_review],
        "arrivals": w.arrival[w.arrival > 0],                      # month 0: the starting population
        "deaths": w.exit_month[died],
        "other_exits": w.exit_month[exited & ~died],
    }
    return np.stack([np.bincount(counts[e], minlength=T) for e in ACTIVITY_EVENTS]).astype(float)

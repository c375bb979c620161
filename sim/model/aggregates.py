"""What one replicate returns: its aggregates and the groups they are tallied by."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, ETHNICITY, PB_TYPE, SEX

# Columns of the monthly spend-by-group array (the last axis of spend_month_group).
SPEND_GROUPS: tuple[tuple[str, str], ...] = (
    (("all", "all"),)
    + tuple(("client_group", c) for c in CLIENT_GROUP.codes)
    + tuple(("pb_type", c) for c in PB_TYPE.codes)
    + tuple(("age_band", c) for c in AGE_BAND.codes)
)


# Statistics tallied per (snapshot, policy, EIA group) — the last axis of eia_sum.
EIA_STATS: tuple[str, ...] = (
    "n",            # people in the go-live cohort still in the community under both policies
    "sum_change",   # sum of (policy budget - baseline budget), £ a year, base prices
    "sum_pct",      # sum of percentage change (policy / baseline - 1)
    "n_lose5",      # people losing more than 5%
    "n_lose10",
    "n_lose25",
    "n_gain",       # people gaining more than 0.5%
    "sum_before",   # sum of baseline budgets
    "sum_after",    # sum of policy budgets
    "sum_points",   # sum of RAS points at the snapshot
)


# Per-replicate tallies kept for intervals: a subset of EIA_STATS.
EIA_REP_STATS: tuple[str, ...] = ("n", "n_lose5", "n_lose10", "sum_before", "sum_after", "sum_points")


# Percentage-change histogram edges (for medians by group): -100% .. +100% in 2.5% steps.
PCT_EDGES = np.linspace(-1.0, 1.0, 81)


SNAPSHOTS: tuple[str, ...] = ("first_year", "horizon")


def eia_groups(teams: tuple[str, ...]) -> list[tuple[str, str]]:
    """(characteristic, group code) columns of the EIA arrays; 'all' first."""
    cols = [("all", "all")]
    cols += [("age_band", c) for c in AGE_BAND.codes]
    cols += [("client_group", c) for c in CLIENT_GROUP.codes]
    cols += [("sex", c) for c in SEX.codes]
    cols += [("ethnicity", c) for c in ETHNICITY.codes]
    cols += [("pb_type", c) for c in PB_TYPE.codes]
    cols += [("team", t) for t in teams]
    return cols


@dataclass
class ReplicateResult:
    """Aggregates of one replicate over all policies (P policies, T months, S snapshots, J groups)."""

    replicate: int
    spend_month_group: np.ndarray   # (P, T, G) community spend, £ cash (uplifted)
    res_spend_month: np.ndarray     # (P, T) residential spend of people admitted during the run
    admissions_month: np.ndarray    # (P, T) residential admissions
    people_month: np.ndarray        # (P, T) people with a community budget
    eia: np.ndarray                 # (S, P, J, len(EIA_STATS))
    eia_hist: np.ndarray            # (S, P, J, len(PCT_EDGES) + 1) counts of % change
    disparity: np.ndarray           # (S, P, 2): younger/older allocation-per-point ratio (baseline, policy)
    # Reservoir (first replicates only), go-live cohort of n people: codes 'age_band',
    # 'client_group', 'sex', 'ethnicity', 'pb_type', 'team' (n,) at go-live; 'points' (S, n);
    # 'before' (S, n) baseline budget; 'after' (S, P, n) policy budget; 'valid' (S, P, n)
    # True where the person is in the community under both the policy and the baseline.
    persons: dict[str, np.ndarray] | None = None

"""users.csv: people in the community, so a planner can check the growth they set.

People in the community are those who have arrived and not died or left and are not in
residential care under the policy.  A financial year's figure is the average over its
months.  Year rows give the mean and 5/95% across replicates; month rows (marked with
their month) give the mean.  'all' rows total their parts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.inputs.categories import CLIENT_GROUP, PB_TYPE
from sim.study.results import StudyResults

YEAR_ROW = "year average"   # the month column of a financial year's rows
_GROUPS, _TYPES = ("all",) + CLIENT_GROUP.codes, ("all",) + PB_TYPE.codes


def with_totals(x: np.ndarray) -> np.ndarray:
    """(..., U) client group x PB type cells as (..., 1 + groups, 1 + types), 'all' first."""
    cells = x.reshape(x.shape[:-1] + (len(CLIENT_GROUP), len(PB_TYPE))).astype(np.float64)
    out = np.zeros(x.shape[:-1] + (len(_GROUPS), len(_TYPES)))
    out[..., 1:, 1:] = cells
    out[..., 0, 1:] = cells.sum(axis=-2)
    out[..., 1:, 0] = cells.sum(axis=-1)
    out[..., 0, 0] = cells.sum(axis=(-2, -1))
    return out


def _frame(results: StudyResults, p: int, years: list[str], months: list[str],
           stats: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows of one policy: stats[name] is (periods, 1 + groups, 1 + types)."""
    pol = results.policies[p]
    cells = len(_GROUPS) * len(_TYPES)
    n = len(years) * cells
    return pd.DataFrame({
        "policy": pol["name"], "calibration": pol["calibration"],
        "transition": pol["transition"],
        "financial_year": np.repeat(years, cells), "month": np.repeat(months, cells),
        "client_group": np.tile(np.repeat(_GROUPS, len(_TYPES)), len(years)),
        "pb_type": np.tile(_TYPES, n // len(_TYPES)),
        **{name: v.reshape(n) for name, v in stats.items()},
    })


def users_table(results: StudyResults) -> pd.DataFrame:
    """users.csv: users per policy, by financial year (mean, 5% and 95% across replicates)
    and by month (mean), client group and PB type."""
    per_rep = with_totals(np.asarray(results.users_fy))                 # (R, P, F, G+1, B+1)
    lo, hi = np.percentile(per_rep, (5, 95), axis=0)
    by_month = with_totals(results.users_month_sum
                           / max(results.n_replicates, 1))              # (P, T, G+1, B+1)
    fy_of_month = [results.financial_years[f] for f in np.asarray(results.month_fy)]
    nan = np.full(by_month.shape[1:], np.nan)
    years, frames = results.financial_years, []
    for p in range(len(results.policies)):
        frames.append(_frame(results, p, years, [YEAR_ROW] * len(years),
                             {"users_mean": per_rep[:, p].mean(axis=0), "users_p5": lo[p],
                              "users_p95": hi[p]}))
        frames.append(_frame(results, p, fy_of_month, list(results.months),
                             {"users_mean": by_month[p], "users_p5": nan, "users_p95": nan}))
    return pd.concat(frames, ignore_index=True)

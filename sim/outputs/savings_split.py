"""savings_split.csv: how each option's saving against doing nothing splits into avoided creep
and real reduction.

The status quo's budgets creep at every review (parameters.toml practice.creep_per_review);
the no-creep status quo (sim.model.creep) is current practice without that drift, run on the
same simulated world.  So, replicate by replicate:
    saving against the status quo = avoided creep + real reduction, where
    avoided creep  = status quo spend - no-creep status quo spend (the same for every option),
    real reduction = no-creep status quo spend - the option's spend (its extra residential
                     care included).
avoided_creep_share is avoided creep over the saving against doing nothing (blank when that
saving is not positive; above 1 when the real reduction is negative).
Without a no-creep status quo in the run (results written before it existed) the table is empty.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.outputs.describe import base_budget_year
from sim.outputs.finance import finance_savings, savings, target_in_year_prices
from sim.outputs.roles import no_creep_policy, ras_policies
from sim.outputs.settings import settings
from sim.study.results import StudyResults

COLUMNS = ["policy", "calibration", "transition", "financial_year", "replicates",
           "savings_vs_status_quo_mean", "avoided_creep_mean", "avoided_creep_p5",
           "avoided_creep_p95", "real_reduction_mean", "real_reduction_p5", "real_reduction_p50",
           "real_reduction_p95", "avoided_creep_share", "prob_real_reduction_meets_target",
           "savings_mean", "finance_baseline"]


def split(results: StudyResults) -> tuple[np.ndarray, np.ndarray] | None:
    """(R, F) avoided creep and (R, P, F) real reduction, or None without a no-creep run."""
    nc = no_creep_policy(results)
    if nc is None:
        return None
    save = savings(results)
    avoided = save[:, nc, :]
    return avoided, save - avoided[:, None, :]


def savings_split_table(results: StudyResults) -> pd.DataFrame:
    """One row per option and financial year (see the module docstring)."""
    parts = split(results)
    if parts is None:
        return pd.DataFrame(columns=COLUMNS)
    avoided, real = parts
    s, save, judged = settings(results), savings(results), finance_savings(results)
    goal = target_in_year_prices(results)
    words = s.baseline_words(base_budget_year(results))
    rows = []
    for p in ras_policies(results):
        pol = results.policies[p]
        for f, fy in enumerate(results.financial_years):
            total, a, r = save[:, p, f].mean(), avoided[:, f], real[:, p, f]
            rq = np.percentile(r, (5, 50, 95))
            aq = np.percentile(a, (5, 95))
            rows.append({
                "policy": pol["name"], "calibration": pol["calibration"],
                "transition": pol["transition"], "financial_year": fy,
                "replicates": results.n_replicates, "savings_vs_status_quo_mean": float(total),
                "avoided_creep_mean": float(a.mean()), "avoided_creep_p5": float(aq[0]),
                "avoided_creep_p95": float(aq[1]), "real_reduction_mean": float(r.mean()),
                "real_reduction_p5": float(rq[0]), "real_reduction_p50": float(rq[1]),
                "real_reduction_p95": float(rq[2]),
                "avoided_creep_share": float(a.mean() / total) if total > 0 else np.nan,
                "prob_real_reduction_meets_target": float(np.mean(r >= goal[:, f])),
                "savings_mean": float(judged[:, p, f].mean()), "finance_baseline": words})
    return pd.DataFrame(rows, columns=COLUMNS)

"""Finance tables: spend forecasts and savings against the target, per policy and year.

Savings are always paired: policy and baseline on the same replicate's random
world (common random numbers), so their difference is the policy, not noise.
Spend counts community budgets plus residential care of people admitted during
the run, so a policy that pushes people into care pays for it here.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.model.aggregates import SPEND_GROUPS
from sim.outputs.roles import unprotected_comparators
from sim.outputs.settings import settings
from sim.study.results import StudyResults

QUANTILES = (5, 50, 95)


def total_spend(res: StudyResults) -> np.ndarray:
    """(R, P, F) community plus residential spend."""
    community = np.asarray(res.spend_fy, dtype=float)
    residential = 0.0 if res.res_spend_fy is None else np.asarray(res.res_spend_fy, dtype=float)
    return community + residential


def savings(res: StudyResults) -> np.ndarray:
    """(R, P, F) baseline spend minus policy spend, replicate by replicate."""
    spend = total_spend(res)
    return spend[:, [res.baseline_index]] - spend


def _policy_cols(res: StudyResults, p: int) -> dict[str, Any]:
    pol = res.policies[p]
    return {"policy": pol["name"], "calibration": pol["calibration"],
            "transition": pol["transition"]}


def _quantiles(x: np.ndarray, prefix: str) -> dict[str, float]:
    q = np.percentile(x, QUANTILES)
    return {f"{prefix}_mean": float(x.mean()),
            **{f"{prefix}_p{k}": float(v) for k, v in zip(QUANTILES, q)}}


def spend_table(res: StudyResults) -> pd.DataFrame:
    """spend.csv: spend and savings distribution per policy and financial year."""
    spend, save = total_spend(res), savings(res)
    rows = []
    for p in range(len(res.policies)):
        for f, fy in enumerate(res.financial_years):
            rows.append({**_policy_cols(res, p), "financial_year": fy,
                         "replicates": res.n_replicates,
                         **_quantiles(spend[:, p, f], "spend"),
                         **_quantiles(save[:, p, f], "savings")})
    return pd.DataFrame(rows)


def target_table(res: StudyResults) -> pd.DataFrame:
    """target.csv: savings against the target, its probability, and what protection costs
    (the same calibration's unprotected policy saves this much more on average).  Years
    before the first full year are flagged `part_year`: their chance compares a part
    year's savings with the full-year target."""
    s = settings(res)
    save = savings(res)
    R, base = res.n_replicates, res.baseline_index
    community = np.asarray(res.spend_fy, dtype=float)
    residential = np.zeros_like(community) if res.res_spend_fy is None else res.res_spend_fy
    adm = np.full_like(community, np.nan) if res.admissions_fy is None else res.admissions_fy
    comparator = unprotected_comparators(res)
    first_full = res.financial_years.index(s.first_full_year)
    rows = []
    for p in range(len(res.policies)):
        for f, fy in enumerate(res.financial_years):
            x = save[:, p, f]
            prob = float(np.mean(x >= s.target))
            i = comparator[p]
            base_mean = community[:, base, f].mean()
            change = (community[:, p, f] - community[:, base, f]).mean()
            rel = float(change / base_mean) if base_mean else np.nan
            rows.append({
                **_policy_cols(res, p), "financial_year": fy, "replicates": R,
                **_quantiles(x, "savings"),
                "target": s.target,
                "prob_meet_target": prob,
                "prob_meet_target_se": float(np.sqrt(prob * (1 - prob) / R)),
                "protection_cost": (np.nan if i is None
                                    else float(save[:, i, f].mean() - x.mean())),
                "admissions_mean": float(adm[:, p, f].mean()),
                "admissions_vs_baseline": float((adm[:, p, f] - adm[:, base, f]).mean()),
                "residential_cost_vs_baseline": float((residential[:, p, f]
                                                       - residential[:, base, f]).mean()),
                "community_spend_change": float(change),
                "community_spend_change_share": rel,
                "cost_neutral": bool(abs(rel) <= s.cost_neutral_tolerance),
                "part_year": f < first_full,   # before the first full year: not a fair test
            })
    return pd.DataFrame(rows)


def monthly_table(res: StudyResults) -> pd.DataFrame:
    """spend_monthly.csv: mean community spend per policy, month and group (all, client group,
    PB type, age band), with 5/50/95% quantiles for the total."""
    R = max(res.n_replicates, 1)
    mean = res.spend_month_group_sum / R                       # (P, T, G)
    q = np.percentile(res.spend_month_total, QUANTILES, axis=0)  # (3, P, T)
    frames = []
    for p in range(len(res.policies)):
        for g, (char, code) in enumerate(SPEND_GROUPS):
            df = pd.DataFrame({**_policy_cols(res, p), "month": res.months,
                               "characteristic": char, "group": code, "spend_mean": mean[p, :, g]})
            if char == "all":
                for i, k in enumerate(QUANTILES):
                    df[f"spend_p{k}"] = q[i, p]
            frames.append(df)
    return pd.concat(frames, ignore_index=True)

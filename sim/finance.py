"""Finance tables: spend forecasts and savings against the target, per policy and year.

Savings are always paired: policy and baseline on the same replicate's random
world (common random numbers), so their difference is the policy, not noise.
Spend counts community budgets plus residential care of people admitted during
the run, so a policy that pushes people into care pays for it here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.results import StudyResults

QUANTILES = (5, 50, 95)


def _settings(res: StudyResults) -> dict:
    s = dict(res.meta.get("study", {}))
    s.setdefault("target", 776_000.0)
    s.setdefault("cost_neutral_tolerance", 0.01)
    return s


def total_spend(res: StudyResults) -> np.ndarray:
    """(R, P, F) community plus residential spend."""
    return res.spend_fy + res.res_spend_fy


def savings(res: StudyResults) -> np.ndarray:
    """(R, P, F) baseline spend minus policy spend, replicate by replicate."""
    spend = total_spend(res)
    return spend[:, [res.baseline_index]] - spend


def _policy_cols(res: StudyResults, p: int) -> dict:
    pol = res.policies[p]
    return {"policy": pol["name"], "calibration": pol["calibration"],
            "transition": pol["transition"]}


def _quantiles(x: np.ndarray, prefix: str) -> dict:
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
    """target.csv: savings against the target, its probability, and what protection costs."""
    s = _settings(res)
    save = savings(res)
    R = res.n_replicates
    base = res.baseline_index
    comm_change = res.spend_fy - res.spend_fy[:, [base]]            # (R, P, F)
    res_change = res.res_spend_fy - res.res_spend_fy[:, [base]]
    adm = res.admissions_fy
    immediate = {pol["calibration"]: i for i, pol in enumerate(res.policies)
                 if pol["transition"] == "immediate"}
    rows = []
    for p, pol in enumerate(res.policies):
        for f, fy in enumerate(res.financial_years):
            x = save[:, p, f]
            prob = float(np.mean(x >= s["target"]))
            i = immediate.get(pol["calibration"])
            protection = float(save[:, i, f].mean() - x.mean()) if i is not None else np.nan
            rel = float(comm_change[:, p, f].mean() / res.spend_fy[:, base, f].mean())
            rows.append({
                **_policy_cols(res, p), "financial_year": fy, "replicates": R,
                **_quantiles(x, "savings"),
                "target": s["target"],
                "prob_meet_target": prob,
                "prob_meet_target_se": float(np.sqrt(prob * (1 - prob) / R)),
                "protection_cost": protection,
                "admissions_mean": float(adm[:, p, f].mean()),
                "admissions_vs_baseline": float((adm[:, p, f] - adm[:, base, f]).mean()),
                "residential_cost_vs_baseline": float(res_change[:, p, f].mean()),
                "community_spend_change_share": rel,
                "cost_neutral": bool(abs(rel) <= s["cost_neutral_tolerance"]),
            })
    return pd.DataFrame(rows)

"""Finance tables: spend forecasts and savings against the target, per policy and year.

Spend is reported in three named parts and their total (total = community + residential
admitted + residential stock):
- community: personal budgets and other community packages, cash after utilisation;
- residential admitted: care homes for people admitted during the run, from admission to
  death, at their client group's cost;
- residential stock: people already in care at the start (zero unless [residential_stock] is
  enabled), the same under every policy.

Savings are judged two ways.  Against the status quo: policy and baseline on the same
replicate's random world (common random numbers), so their difference is the policy, not
noise, and a policy that pushes people into care pays for it.  Against the base budget, as
council finance judges an efficiency target (seed, March 2012, 3.1: efficiencies "gross of
any inflationary awards"): the status quo's community spend in the base year (the financial
year before the first full year) uplifted by the price index, minus the policy's community
spend and the extra residential care it causes against the status quo.  Residential spend
stays out of the base budget itself: the model sees only the care homes of people admitted
from its own caseload, which start at zero and would count as overspend against any budget.
A year only partly inside the run (the base year included) counts its months at the base
year's monthly average; with no year before the first full year there is no base budget.
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
SPEND_PARTS = ("community", "residential_admitted", "residential_stock")  # total = their sum


def spend_parts(res: StudyResults) -> dict[str, np.ndarray]:
    """Each part of spend (SPEND_PARTS), (R, P, F) £ cash."""
    community = np.asarray(res.spend_fy, dtype=float)
    admitted = (np.zeros_like(community) if res.res_spend_fy is None
                else np.asarray(res.res_spend_fy, dtype=float))
    stock = (np.zeros_like(community) if res.res_stock_spend_fy is None
             else np.broadcast_to(np.asarray(res.res_stock_spend_fy, dtype=float)[:, None, :],
                                  community.shape))
    return {"community": community, "residential_admitted": admitted, "residential_stock": stock}


def total_spend(res: StudyResults) -> np.ndarray:
    """(R, P, F) community plus residential spend (admitted during the run and stock)."""
    return sum(spend_parts(res).values())


def savings(res: StudyResults) -> np.ndarray:
    """(R, P, F) baseline spend minus policy spend, replicate by replicate."""
    spend = total_spend(res)
    return spend[:, [res.baseline_index]] - spend


def base_year(res: StudyResults) -> int | None:
    """Index of the base budget's financial year: the one before the first full year (None
    when the run has no year before it)."""
    f = res.financial_years.index(settings(res).first_full_year) - 1
    return f if f >= 0 else None


def base_budget(res: StudyResults) -> np.ndarray:
    """(R, F) each replicate's status-quo community spend in the base year, uplifted by the
    price index; a year only partly inside the run gets the base year's monthly average for
    its months.  nan before the base year, and everywhere when there is none."""
    f0 = base_year(res)
    community = np.asarray(res.spend_fy, dtype=float)[:, res.baseline_index]
    out = np.full(community.shape, np.nan)
    if f0 is None:
        return out
    months = np.bincount(np.asarray(res.month_fy), minlength=len(res.financial_years))
    price = np.asarray(res.price_index_fy, dtype=float)
    out[:, f0:] = (community[:, [f0]] / months[f0]) * months[f0:] * (price[:, f0:] / price[:, [f0]])
    return out


def savings_vs_base_budget(res: StudyResults) -> np.ndarray:
    """(R, P, F) base budget minus the policy's community spend and its extra residential
    care against the status quo (= savings against the status quo plus the status quo's
    shortfall of community spend below the base budget)."""
    community = np.asarray(res.spend_fy, dtype=float)[:, res.baseline_index]
    return savings(res) + (base_budget(res) - community)[:, None, :]


def _policy_cols(res: StudyResults, p: int) -> dict[str, Any]:
    pol = res.policies[p]
    return {"policy": pol["name"], "calibration": pol["calibration"],
            "transition": pol["transition"]}


def _lever_cols(res: StudyResults, p: int) -> dict[str, Any]:
    """The lever the policy's calibration moved to meet its target, and its fitted value
    (blank for the status quo, which fits nothing)."""
    calibrations = {} if p == res.baseline_index else res.meta.get("calibrations", {})
    fitted = calibrations.get(res.policies[p]["calibration"], {})
    return {"fitted_lever": fitted.get("lever"), "fitted_lever_value": fitted.get("lever_value")}


def _quantiles(x: np.ndarray, prefix: str) -> dict[str, float]:
    q = np.percentile(x, QUANTILES)
    return {f"{prefix}_mean": float(x.mean()),
            **{f"{prefix}_p{k}": float(v) for k, v in zip(QUANTILES, q)}}


def spend_table(res: StudyResults) -> pd.DataFrame:
    """spend.csv: each part of spend (SPEND_PARTS), their total, and savings against the
    status quo, per policy and financial year (mean and 5/50/95% across replicates)."""
    parts, spend, save = spend_parts(res), total_spend(res), savings(res)
    rows = []
    for p in range(len(res.policies)):
        for f, fy in enumerate(res.financial_years):
            rows.append({**_policy_cols(res, p), "financial_year": fy,
                         "replicates": res.n_replicates,
                         **{k: v for part, x in parts.items()
                            for k, v in _quantiles(x[:, p, f], f"{part}_spend").items()},
                         **_quantiles(spend[:, p, f], "total_spend"),
                         **_quantiles(save[:, p, f], "savings")})
    return pd.DataFrame(rows)


def target_table(res: StudyResults, events_only: StudyResults | None = None) -> pd.DataFrame:
    """target.csv: savings against the target, its probability, and what protection costs
    (the same calibration's unprotected policy saves this much more on average).  Years
    before the first full year are flagged `part_year`: their chance compares a part
    year's savings with the full-year target.  A probabilistic run (its `events_only`
    companion given) says so in `uncertainty` and adds the events-only savings and chance."""
    s = settings(res)
    save = savings(res)
    vs_budget, budget, f0 = savings_vs_base_budget(res), base_budget(res), base_year(res)
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
                **_policy_cols(res, p), **_lever_cols(res, p), "financial_year": fy,
                "replicates": R,
                **_quantiles(x, "savings"),
                "target": s.target,
                "prob_meet_target": prob,
                "prob_meet_target_se": float(np.sqrt(prob * (1 - prob) / R)),
                **_against_base_budget(vs_budget[:, p, f], budget[:, f], f0, res, s.target),
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
                **_events_only(events_only, p, f, s.target),
            })
    return pd.DataFrame(rows)


def _events_only(companion: StudyResults | None, p: int, f: int,
                 target: float) -> dict[str, Any]:
    """The companion's view of one policy and year: the same replicates' worlds at the
    central parameter values, so only the randomness of events (nothing without one)."""
    if companion is None:
        return {}
    x = savings(companion)[:, p, f]
    prob, n = float(np.mean(x >= target)), len(x)
    return {"uncertainty": "events and assumptions", "events_only_replicates": n,
            **_quantiles(x, "savings_events_only"),
            "prob_meet_target_events_only": prob,
            "prob_meet_target_events_only_se": float(np.sqrt(prob * (1 - prob) / n))}


def _against_base_budget(x: np.ndarray, budget: np.ndarray, f0: int | None,
                         res: StudyResults, target: float) -> dict[str, Any]:
    """The base-budget view of one policy and year (nan before the base year)."""
    prob = np.nan if np.isnan(budget).any() else float(np.mean(x >= target))
    return {"base_budget_year": None if f0 is None else res.financial_years[f0],
            "base_budget_mean": float(budget.mean()),
            **_quantiles(x, "savings_vs_base_budget"),
            "prob_meet_target_vs_base_budget": prob,
            "prob_meet_target_vs_base_budget_se": float(np.sqrt(prob * (1 - prob) / len(x)))}


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

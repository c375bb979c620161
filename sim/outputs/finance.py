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
from sim.outputs.formats import pounds
from sim.outputs.settings import Settings, settings
from sim.study.results import StudyResults

QUANTILES = (5, 50, 95)
SPEND_PARTS = ("community", "residential_admitted", "residential_stock")  # total = their sum


def spend_parts(results: StudyResults) -> dict[str, np.ndarray]:
    """Each part of spend (SPEND_PARTS), (R, P, F) £ cash."""
    community = np.asarray(results.spend_fy, dtype=float)
    admitted = (np.zeros_like(community) if results.res_spend_fy is None
                else np.asarray(results.res_spend_fy, dtype=float))
    stock = (np.zeros_like(community) if results.res_stock_spend_fy is None
             else np.broadcast_to(np.asarray(results.res_stock_spend_fy, dtype=float)[:, None, :],
                                  community.shape))
    return {"community": community, "residential_admitted": admitted, "residential_stock": stock}


def total_spend(results: StudyResults) -> np.ndarray:
    """(R, P, F) community plus residential spend (admitted during the run and stock)."""
    return sum(spend_parts(results).values())


def savings(results: StudyResults) -> np.ndarray:
    """(R, P, F) baseline spend minus policy spend, replicate by replicate."""
    spend = total_spend(results)
    return spend[:, [results.baseline_index]] - spend


def base_year(results: StudyResults) -> int | None:
    """Index of the base budget's financial year: the one before the first full year (None
    when the run has no year before it)."""
    f = results.financial_years.index(settings(results).first_full_year) - 1
    return f if f >= 0 else None


def base_budget(results: StudyResults) -> np.ndarray:
    """(R, F) each replicate's status-quo community spend in the base year, uplifted by the
    price index (and by the planned demographic growth, when the study's [finance] uplift
    includes it); a year only partly inside the run gets the base year's monthly average
    for its months.  nan before the base year, and everywhere when there is none."""
    f0 = base_year(results)
    community = np.asarray(results.spend_fy, dtype=float)[:, results.baseline_index]
    out = np.full(community.shape, np.nan)
    if f0 is None:
        return out
    months = np.bincount(np.asarray(results.month_fy), minlength=len(results.financial_years))
    price = np.asarray(results.price_index_fy, dtype=float)
    growth = (1.0 + settings(results).planned_demographic_growth) ** np.arange(
        len(results.financial_years) - f0)
    out[:, f0:] = ((community[:, [f0]] / months[f0]) * months[f0:]
                   * (price[:, f0:] / price[:, [f0]]) * growth)
    return out


def savings_vs_base_budget(results: StudyResults) -> np.ndarray:
    """(R, P, F) base budget minus the policy's community spend and its extra residential
    care against the status quo (= savings against the status quo plus the status quo's
    shortfall of community spend below the base budget)."""
    community = np.asarray(results.spend_fy, dtype=float)[:, results.baseline_index]
    return savings(results) + (base_budget(results) - community)[:, None, :]


def finance_savings(results: StudyResults) -> np.ndarray:
    """(R, P, F) savings against the study's finance baseline ([finance] baseline): what
    the target is judged against."""
    if settings(results).finance_baseline == "status_quo":
        return savings(results)
    return savings_vs_base_budget(results)


def target_in_year_prices(results: StudyResults) -> np.ndarray:
    """(R, F) the target in each year's prices: the study's savings target is in the prices
    of the first full year (the year it is due), uplifted (or deflated) by the replicate's
    price index to the year it is judged in."""
    price = np.asarray(results.price_index_fy, dtype=float)
    first = results.financial_years.index(settings(results).first_full_year)
    return settings(results).target * price / price[:, [first]]


def _policy_cols(results: StudyResults, p: int) -> dict[str, Any]:
    pol = results.policies[p]
    return {"policy": pol["name"], "calibration": pol["calibration"],
            "transition": pol["transition"]}


def _lever_cols(results: StudyResults, p: int) -> dict[str, Any]:
    """The lever the policy's calibration moved to meet its target, and its fitted value
    (blank for the status quo, which fits nothing)."""
    calibrations = {} if p == results.baseline_index else results.meta.get("calibrations", {})
    fitted = calibrations.get(results.policies[p]["calibration"], {})
    return {"fitted_lever": fitted.get("lever"), "fitted_lever_value": fitted.get("lever_value")}


def _quantiles(x: np.ndarray, prefix: str) -> dict[str, float]:
    q = np.percentile(x, QUANTILES)
    return {f"{prefix}_mean": float(x.mean()),
            **{f"{prefix}_p{k}": float(v) for k, v in zip(QUANTILES, q)}}


def spend_table(results: StudyResults) -> pd.DataFrame:
    """spend.csv: each part of spend (SPEND_PARTS), their total, and savings against the
    status quo, per policy and financial year (mean and 5/50/95% across replicates)."""
    parts, spend, save = spend_parts(results), total_spend(results), savings(results)
    rows = []
    for p in range(len(results.policies)):
        for f, fy in enumerate(results.financial_years):
            rows.append({**_policy_cols(results, p), "financial_year": fy,
                         "replicates": results.n_replicates,
                         **{k: v for part, x in parts.items()
                            for k, v in _quantiles(x[:, p, f], f"{part}_spend").items()},
                         **_quantiles(spend[:, p, f], "total_spend"),
                         **_quantiles(save[:, p, f], "savings")})
    return pd.DataFrame(rows)


def target_table(results: StudyResults, events_only: StudyResults | None = None) -> pd.DataFrame:
    """target.csv: savings against the target, its probability, and what protection costs
    (the same calibration's unprotected policy saves this much more on average).

    `savings_*` and `prob_meet_target` are judged against the study's finance baseline
    (named in words in `finance_baseline`); the status-quo ("do nothing") view and the
    base-budget view stay beside them (`*_vs_status_quo`, `*_vs_base_budget`).  The target
    is in each year's prices (`target`).  Years before the first full year are flagged
    `part_year`: their chance compares a part year's savings with the full-year target.  A
    probabilistic run (its `events_only` companion given) says so in `uncertainty` and adds
    the events-only savings and chance."""
    s = settings(results)
    judged, save = finance_savings(results), savings(results)
    vs_budget, budget = savings_vs_base_budget(results), base_budget(results)
    f0 = base_year(results)
    target = target_in_year_prices(results)
    base = results.baseline_index
    community = np.asarray(results.spend_fy, dtype=float)
    residential = (np.zeros_like(community) if results.res_spend_fy is None
                   else results.res_spend_fy)
    adm = (np.full_like(community, np.nan) if results.admissions_fy is None
           else results.admissions_fy)
    comparator = unprotected_comparators(results)
    first_full = results.financial_years.index(s.first_full_year)
    words = s.baseline_words(None if f0 is None else results.financial_years[f0])
    rows = []
    for p in range(len(results.policies)):
        for f, fy in enumerate(results.financial_years):
            x, goal = judged[:, p, f], target[:, f]
            i = comparator[p]
            base_mean = community[:, base, f].mean()
            change = (community[:, p, f] - community[:, base, f]).mean()
            rows.append({
                **_policy_cols(results, p), **_lever_cols(results, p), "financial_year": fy,
                "replicates": results.n_replicates, "finance_baseline": words,
                **_chance(x, goal, ""),
                "target": float(goal.mean()),
                "target_price_base": f"{fy} prices ({pounds(s.target)} at "
                                     f"{s.first_full_year} prices)",
                **_chance(save[:, p, f], goal, "_vs_status_quo"),
                **_against_base_budget(vs_budget[:, p, f], budget[:, f], f0, results, goal),
                "protection_cost": (np.nan if i is None
                                    else float(save[:, i, f].mean() - save[:, p, f].mean())),
                "admissions_mean": float(adm[:, p, f].mean()),
                "admissions_vs_baseline": float((adm[:, p, f] - adm[:, base, f]).mean()),
                "residential_cost_vs_baseline": float((residential[:, p, f]
                                                       - residential[:, base, f]).mean()),
                "community_spend_change": float(change),
                "community_spend_change_share": float(change / base_mean) if base_mean else np.nan,
                "cost_neutral": _cost_neutral(x, budget[:, f], community[:, base, f], s),
                "part_year": f < first_full,   # before the first full year: not a fair test
                **_events_only(events_only, p, f),
            })
    return pd.DataFrame(rows)


def _chance(x: np.ndarray, goal: np.ndarray, suffix: str) -> dict[str, float]:
    """Savings quantiles and the chance of reaching the target, one view (`suffix`)."""
    prob = np.nan if np.isnan(x).any() else float(np.mean(x >= goal))
    return {**_quantiles(x, f"savings{suffix}"),
            f"prob_meet_target{suffix}": prob,
            f"prob_meet_target{suffix}_se": float(np.sqrt(prob * (1 - prob) / len(x)))}


def _cost_neutral(judged: np.ndarray, budget: np.ndarray, status_quo: np.ndarray,
                  s: Settings) -> bool:
    """Cost neutral in the seed's sense (March 2012 report, 3.2: "the overall impact of policy
    and resource allocation changes will be cost neutral"): on average the option costs
    the council no more than its finance baseline, community and residential care together
    (mean savings against the finance baseline at least minus the tolerance times the
    baseline's community spend).  An option meeting the target is cost neutral."""
    if np.isnan(judged).any():
        return False
    scale = budget.mean() if s.finance_baseline == "base_budget" else status_quo.mean()
    return bool(np.mean(judged) >= -s.cost_neutral_tolerance * abs(scale))


def _events_only(companion: StudyResults | None, p: int, f: int) -> dict[str, Any]:
    """The companion's view of one policy and year: the same replicates' worlds at the
    central parameter values, so only the randomness of events (nothing without one)."""
    if companion is None:
        return {}
    x = finance_savings(companion)[:, p, f]
    prob = float(np.mean(x >= target_in_year_prices(companion)[:, f]))
    n = len(x)
    return {"uncertainty": "events and assumptions", "events_only_replicates": n,
            **_quantiles(x, "savings_events_only"),
            "prob_meet_target_events_only": prob,
            "prob_meet_target_events_only_se": float(np.sqrt(prob * (1 - prob) / n))}


def _against_base_budget(x: np.ndarray, budget: np.ndarray, f0: int | None,
                         results: StudyResults, goal: np.ndarray) -> dict[str, Any]:
    """The base-budget view of one policy and year (nan before the base year)."""
    prob = np.nan if np.isnan(budget).any() else float(np.mean(x >= goal))
    return {"base_budget_year": None if f0 is None else results.financial_years[f0],
            "base_budget_mean": float(budget.mean()),
            **_quantiles(x, "savings_vs_base_budget"),
            "prob_meet_target_vs_base_budget": prob,
            "prob_meet_target_vs_base_budget_se": float(np.sqrt(prob * (1 - prob) / len(x)))}


def monthly_table(results: StudyResults) -> pd.DataFrame:
    """spend_monthly.csv: mean community spend per policy, month and group (all, client group,
    PB type, age band), with 5/50/95% quantiles for the total."""
    R = max(results.n_replicates, 1)
    mean = results.spend_month_group_sum / R                       # (P, T, G)
    q = np.percentile(results.spend_month_total, QUANTILES, axis=0)  # (3, P, T)
    frames = []
    for p in range(len(results.policies)):
        for g, (char, code) in enumerate(SPEND_GROUPS):
            df = pd.DataFrame({**_policy_cols(results, p), "month": results.months,
                               "characteristic": char, "group": code, "spend_mean": mean[p, :, g]})
            if char == "all":
                for i, k in enumerate(QUANTILES):
                    df[f"spend_p{k}"] = q[i, p]
            frames.append(df)
    return pd.concat(frames, ignore_index=True)

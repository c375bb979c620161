"""Equalities Impact Assessment evidence: who gains and who loses, by group.

Budget change = a person's budget under the policy minus under the status quo on
the same random world, for people of the go-live cohort still in the community
under both.  "Losing" for the relative risk means losing more than 5%.  Cells
describing fewer than `suppress_below` people are suppressed (marked, not dropped),
as public bodies do when publishing small counts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.categories import CATEGORIES, PROTECTED
from sim.results import EIA_REP_STATS, EIA_STATS, PCT_EDGES, SNAPSHOTS, StudyResults

LOSS_FOR_RR = "n_lose5"
STAT_COLUMNS = ("mean_change_gbp", "mean_change_pct", "median_change_pct", "share_lose5",
                "share_lose10", "share_lose25", "share_gain", "rr_lose", "rr_lose_lo",
                "rr_lose_hi", "alloc_per_point_before", "alloc_per_point_after")


def group_label(characteristic: str, code: str) -> str:
    cat = CATEGORIES.get(characteristic)
    if cat is not None and code in cat.codes:
        return cat.label_of(code)
    return "Everyone" if characteristic == "all" else code


def hist_median(hist: np.ndarray) -> float:
    """Median % change from a histogram over PCT_EDGES (linear within the bin)."""
    n = hist.sum()
    if n == 0:
        return float("nan")
    cum = np.cumsum(hist)
    b = int(np.searchsorted(cum, n / 2.0))
    if b == 0:
        return float(PCT_EDGES[0])
    if b >= len(PCT_EDGES):
        return float(PCT_EDGES[-1])
    below = cum[b - 1]
    frac = (n / 2.0 - below) / hist[b] if hist[b] else 0.0
    lo, hi = PCT_EDGES[b - 1], PCT_EDGES[b]
    return float(lo + frac * (hi - lo))


def _rr(lose_g, n_g, lose_all, n_all):
    with np.errstate(divide="ignore", invalid="ignore"):
        return (lose_g / n_g) / ((lose_all - lose_g) / (n_all - n_g))


def eia_table(res: StudyResults, snapshot: str = "first_year", suppress: bool = True) -> pd.DataFrame:
    """eia.csv: one row per policy, characteristic and group."""
    s = SNAPSHOTS.index(snapshot)
    k = {name: i for i, name in enumerate(EIA_STATS)}
    kr = {name: i for i, name in enumerate(EIA_REP_STATS)}
    cols = res.eia_columns
    R = max(res.n_replicates, 1)
    limit = res.meta.get("study", {}).get("suppress_below", 10)
    first_of = {}
    for j, (char, _) in enumerate(cols):
        first_of.setdefault(char, j)
    rows = []
    for p, pol in enumerate(res.policies):
        if pol["is_baseline"]:
            continue
        tot = res.eia_sum[s, p]                 # (J, K)
        rep = res.eia_rep[:, s, p]              # (R, J, 6)
        for j, (char, code) in enumerate(cols):
            t = tot[j]
            n = t[k["n"]]
            row = {"policy": pol["name"], "calibration": pol["calibration"],
                   "transition": pol["transition"], "snapshot": snapshot,
                   "characteristic": char, "protected_characteristic": PROTECTED.get(char, ""),
                   "group": code, "group_label": group_label(char, code), "count": n / R}
            with np.errstate(divide="ignore", invalid="ignore"):
                row.update({
                    "mean_change_gbp": t[k["sum_change"]] / n,
                    "mean_change_pct": t[k["sum_pct"]] / n,
                    "median_change_pct": hist_median(res.eia_hist[s, p, j]),
                    "share_lose5": t[k["n_lose5"]] / n, "share_lose10": t[k["n_lose10"]] / n,
                    "share_lose25": t[k["n_lose25"]] / n, "share_gain": t[k["n_gain"]] / n,
                    "alloc_per_point_before": t[k["sum_before"]] / t[k["sum_points"]],
                    "alloc_per_point_after": t[k["sum_after"]] / t[k["sum_points"]],
                })
            if char == "all":
                row.update(rr_lose=np.nan, rr_lose_lo=np.nan, rr_lose_hi=np.nan)
            else:
                row["rr_lose"] = float(_rr(t[k[LOSS_FOR_RR]], n, tot[0, k[LOSS_FOR_RR]], tot[0, k["n"]]))
                per = _rr(rep[:, j, kr[LOSS_FOR_RR]], rep[:, j, kr["n"]],
                          rep[:, 0, kr[LOSS_FOR_RR]], rep[:, 0, kr["n"]])
                per = per[np.isfinite(per)]
                lo, hi = np.percentile(per, [2.5, 97.5]) if len(per) else (np.nan, np.nan)
                row.update(rr_lose_lo=float(lo), rr_lose_hi=float(hi))
            row["suppressed"] = bool(suppress and row["count"] < limit)
            if row["suppressed"]:
                row.update({c: np.nan for c in STAT_COLUMNS})
            rows.append(row)
    return pd.DataFrame(rows)


def disparity_table(res: StudyResults) -> pd.DataFrame:
    """Younger/older allocation per point at equal need, before (status quo) and after."""
    rows = []
    for p, pol in enumerate(res.policies):
        for s, snap in enumerate(SNAPSHOTS):
            row = {"policy": pol["name"], "calibration": pol["calibration"],
                   "transition": pol["transition"], "snapshot": snap}
            for i, when in enumerate(("before", "after")):
                x = res.disparity[:, s, p, i]
                x = x[np.isfinite(x)]
                row[f"ratio_{when}"] = float(x.mean()) if len(x) else np.nan
                lo, hi = np.percentile(x, [2.5, 97.5]) if len(x) else (np.nan, np.nan)
                row[f"ratio_{when}_lo"], row[f"ratio_{when}_hi"] = float(lo), float(hi)
            rows.append(row)
    return pd.DataFrame(rows)


def largest_disparity(eia: pd.DataFrame) -> pd.DataFrame:
    """Per policy, the protected-characteristic group most over-represented among losers."""
    prot = eia[(eia["protected_characteristic"] != "") & ~eia["suppressed"]].dropna(subset=["rr_lose"])
    if prot.empty:
        return pd.DataFrame(columns=["policy", "largest_rr_lose", "largest_rr_group"])
    idx = prot.groupby("policy")["rr_lose"].idxmax()
    top = prot.loc[idx]
    return pd.DataFrame({"policy": top["policy"].to_numpy(),
                         "largest_rr_lose": top["rr_lose"].to_numpy(),
                         "largest_rr_group": (top["protected_characteristic"] + ": "
                                              + top["group_label"]).to_numpy()})

"""Equalities Impact Assessment evidence: who gains and who loses, by group.

Budget change = a person's budget under the policy minus under the status quo on
the same random world, for the EIA population (the go-live cohort and new users arriving
after go-live; the 'cohort' characteristic splits them) still in the community under
both.  Admission to residential care is an outcome of its own (admissions_table).  "Losing" for the relative risk means losing more than 5%.  Cells
describing fewer than `suppress_below` people (mean per replicate) are suppressed:
kept and marked, with the count and every statistic blanked, as public bodies do
when publishing small counts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from sim.inputs.categories import CATEGORIES, CHANGE_BAND, PROTECTED
from sim.model.aggregates import ADMIT_STATS, EIA_REP_STATS, EIA_STATS, PCT_EDGES, SNAPSHOTS
from sim.outputs.settings import settings
from sim.study.results import StudyResults

LOSS_FOR_RR = "n_lose5"
STAT_COLUMNS = ("count", "mean_change_gbp", "mean_change_pct", "median_change_pct", "share_lose5",
                "share_lose10", "share_lose25", "share_gain", "rr_lose", "rr_lose_lo",
                "rr_lose_hi", "alloc_per_point_before", "alloc_per_point_after")


def group_label(characteristic: str, code: str) -> str:
    """Readable name of a group; teams are open labels and stay as given."""
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


def relative_risk(lose_g: ArrayLike, n_g: ArrayLike, lose_all: ArrayLike,
                  n_all: ArrayLike) -> np.ndarray:
    """Risk of losing in the group over the risk in everyone else ('all' minus the group).

    NaN where undefined (empty group or nobody else), inf where nobody else loses.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        risk_group = np.divide(lose_g, n_g)
        risk_rest = np.divide(np.subtract(lose_all, lose_g), np.subtract(n_all, n_g))
        return risk_group / risk_rest


def percentile_interval(per_replicate: np.ndarray) -> tuple[float, float]:
    """95% percentile interval across replicates, dropping replicates with no finite ratio."""
    x = np.asarray(per_replicate, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return np.nan, np.nan
    lo, hi = np.percentile(x, [2.5, 97.5])
    return float(lo), float(hi)


def _shares(t: np.ndarray, hist: np.ndarray, R: int) -> dict[str, float]:
    """Statistics of one group from its pooled tallies (one row of eia_sum)."""
    v = dict(zip(EIA_STATS, t.astype(float)))
    n = v["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "count": n / R,
            "mean_change_gbp": v["sum_change"] / n, "mean_change_pct": v["sum_pct"] / n,
            "median_change_pct": hist_median(hist),
            "share_lose5": v["n_lose5"] / n, "share_lose10": v["n_lose10"] / n,
            "share_lose25": v["n_lose25"] / n, "share_gain": v["n_gain"] / n,
            "alloc_per_point_before": v["sum_before"] / v["sum_points"],
            "alloc_per_point_after": v["sum_after"] / v["sum_points"],
        }


def _group_cols(pol: dict, snapshot: str, char: str, code: str) -> dict[str, str]:
    return {"policy": pol["name"], "calibration": pol["calibration"],
            "transition": pol["transition"], "snapshot": snapshot, "characteristic": char,
            "protected_characteristic": PROTECTED.get(char, ""), "group": code,
            "group_label": group_label(char, code)}


def _rr(char: str, pooled: np.ndarray, rep: np.ndarray | None,
        j: int) -> tuple[float, float, float]:
    """Relative risk of group j (pooled tallies (J, 2): losers, people) with its interval
    across replicates (rep (R, J, 2)); NaN for everyone ('all')."""
    if char == "all":
        return np.nan, np.nan, np.nan
    rr = float(relative_risk(pooled[j, 0], pooled[j, 1], pooled[0, 0], pooled[0, 1]))
    if rep is None:
        return rr, np.nan, np.nan
    lo, hi = percentile_interval(relative_risk(rep[:, j, 0], rep[:, j, 1], rep[:, 0, 0],
                                               rep[:, 0, 1]))
    return rr, lo, hi


def eia_table(res: StudyResults, snapshot: str = "first_year",
              suppress: bool = True) -> pd.DataFrame:
    """eia.csv: one row per (non-baseline) policy, characteristic and group."""
    s = SNAPSHOTS.index(snapshot)
    lose, n_ = EIA_STATS.index(LOSS_FOR_RR), EIA_STATS.index("n")
    rlose, rn = EIA_REP_STATS.index(LOSS_FOR_RR), EIA_REP_STATS.index("n")
    R = max(res.n_replicates, 1)
    limit = settings(res).suppress_below
    rows = []
    for p, pol in enumerate(res.policies):
        if pol["is_baseline"]:
            continue
        tot = res.eia_sum[s, p]                                       # (J, K), column 0 = all
        rep = None if res.eia_rep is None else res.eia_rep[:, s, p].astype(float)  # (R, J, k)
        for j, (char, code) in enumerate(res.eia_columns):
            row = {**_group_cols(pol, snapshot, char, code),
                   **_shares(tot[j], res.eia_hist[s, p, j], R)}
            row["rr_lose"], row["rr_lose_lo"], row["rr_lose_hi"] = _rr(
                char, tot[:, [lose, n_]], None if rep is None else rep[:, :, [rlose, rn]], j)
            row["suppressed"] = bool(suppress and not row["count"] >= limit)
            if row["suppressed"]:
                row.update({c: np.nan for c in STAT_COLUMNS})
            rows.append(row)
    return pd.DataFrame(rows)


def disparity_table(res: StudyResults) -> pd.DataFrame:
    """Younger/older allocation per point at equal need, before (status quo) and after.

    A ratio above 1 means under-65s get more per point of need than over-65s; the
    interval is the 2.5-97.5 percentile across replicates, ignoring undefined ones.
    """
    rows = []
    for p, pol in enumerate(res.policies):
        for s, snap in enumerate(SNAPSHOTS):
            row = {"policy": pol["name"], "calibration": pol["calibration"],
                   "transition": pol["transition"], "snapshot": snap}
            for i, when in enumerate(("before", "after")):
                x = np.asarray(res.disparity[:, s, p, i], dtype=float)
                ok = x[np.isfinite(x)]
                row[f"ratio_{when}"] = float(ok.mean()) if len(ok) else np.nan
                row[f"ratio_{when}_lo"], row[f"ratio_{when}_hi"] = percentile_interval(x)
            rows.append(row)
    return pd.DataFrame(rows)


def largest_disparity(eia: pd.DataFrame) -> pd.DataFrame:
    """Per policy, the protected-characteristic group most over-represented among losers."""
    prot = eia[(eia["protected_characteristic"] != "") & ~eia["suppressed"]]
    prot = prot.dropna(subset=["rr_lose"])
    if prot.empty:
        return pd.DataFrame(columns=["policy", "largest_rr_lose", "largest_rr_lo", "largest_rr_hi",
                                     "largest_rr_group"])
    idx = prot.groupby("policy")["rr_lose"].idxmax()
    top = prot.loc[idx]
    return pd.DataFrame({"policy": top["policy"].to_numpy(),
                         "largest_rr_lose": top["rr_lose"].to_numpy(),
                         "largest_rr_lo": top["rr_lose_lo"].to_numpy(),
                         "largest_rr_hi": top["rr_lose_hi"].to_numpy(),
                         "largest_rr_group": (top["protected_characteristic"] + ": "
                                              + top["group_label"]).to_numpy()})


def winners_losers_table(res: StudyResults, snapshot: str = "first_year",
                         suppress: bool = True, intervals: bool = True) -> pd.DataFrame:
    """winners_losers.csv: per policy and group, the share in each band of budget change
    (CHANGE_BAND, summing to 1) with its 95% interval across replicates, and the relative
    risk of losing more than 10% (the EIA document's rating rests on it).  Without
    `intervals` the interval columns are NaN (an options search reads the figures alone)."""
    s = SNAPSHOTS.index(snapshot)
    lose, n_ = EIA_STATS.index("n_lose10"), EIA_STATS.index("n")
    rlose, rn = EIA_REP_STATS.index("n_lose10"), EIA_REP_STATS.index("n")
    R, limit = max(res.n_replicates, 1), settings(res).suppress_below
    rows = []
    for p, pol in enumerate(res.policies):
        if pol["is_baseline"]:
            continue
        bands = np.asarray(res.eia_bands[:, s, p], dtype=float)            # (R, J, B)
        tot, rep = res.eia_sum[s, p], np.asarray(res.eia_rep[:, s, p], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_rep = bands / bands.sum(axis=2, keepdims=True)
            pooled = bands.sum(axis=0) / bands.sum(axis=(0, 2))[:, None]  # (J, B)
        for j, (char, code) in enumerate(res.eia_columns):
            row = {**_group_cols(pol, snapshot, char, code), "count": tot[j, n_] / R}
            for b, band in enumerate(CHANGE_BAND.codes):
                row[f"share_{band}"] = float(pooled[j, b])
                row[f"share_{band}_lo"], row[f"share_{band}_hi"] = (
                    percentile_interval(per_rep[:, j, b]) if intervals else (np.nan, np.nan))
            row["rr_lose10"], row["rr_lose10_lo"], row["rr_lose10_hi"] = _rr(
                char, tot[:, [lose, n_]], rep[:, :, [rlose, rn]] if intervals else None, j)
            row["suppressed"] = bool(suppress and not row["count"] >= limit)
            if row["suppressed"]:
                row.update({c: np.nan for c in row if c.startswith(("share_", "rr_", "count"))})
            rows.append(row)
    return pd.DataFrame(rows)


def admissions_table(res: StudyResults) -> pd.DataFrame:
    """admissions_by_group.csv: per option, snapshot and group, the share of the EIA population
    (arrived by the snapshot) admitted to residential care by then under the status quo and
    under the option, and the relative risk of admission against everyone else under each,
    with 95% intervals across replicates."""
    at_risk, admitted = ADMIT_STATS.index("at_risk"), ADMIT_STATS.index("admitted")
    R, limit, base = max(res.n_replicates, 1), settings(res).suppress_below, res.baseline_index
    rows = []
    for p, pol in enumerate(res.policies):
        if pol["is_baseline"]:
            continue
        for s, snapshot in enumerate(SNAPSHOTS):
            both = {side: np.asarray(res.admit_rep[:, s, q], dtype=float)[..., [admitted, at_risk]]
                    for side, q in (("_status_quo", base), ("", p))}         # (R, J, 2)
            for j, (char, code) in enumerate(res.eia_columns):
                row = {**_group_cols(pol, snapshot, char, code),
                       "count": both[""][:, j, 1].sum() / R}
                for side, rep in both.items():
                    pooled = rep.sum(axis=0)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        row[f"share_admitted{side}"] = pooled[j, 0] / pooled[j, 1]
                    row[f"rr_admit{side}"], row[f"rr_admit{side}_lo"], \
                        row[f"rr_admit{side}_hi"] = _rr(char, pooled, rep, j)
                row["suppressed"] = bool(not row["count"] >= limit)
                if row["suppressed"]:
                    row.update({c: np.nan for c in row if c.startswith(("share_", "rr_", "count"))})
                rows.append(row)
    return pd.DataFrame(rows)

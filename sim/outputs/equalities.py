"""Equalities Impact Assessment evidence: who gains and who loses, by group.

The primary measure is the change people feel: an existing user's budget under the option
against their own budget just before go-live, in cash (and, beside it, in real terms,
deflated by the model's price uplift).  The change against the status quo's budget for the
same person on the same simulated future (the counterfactual, which creeps up with current
practice) is a labelled secondary view (`_vs_status_quo` columns).  New users, who had no
budget before go-live, are reported apart (new_users_table: their budget against what
current practice would give them) and never counted among people losing.  "Losing" is
losing more than LOSS_THRESHOLD (sim.inputs.categories), everywhere.  Cells describing fewer
than `suppress_below` people (mean per replicate) are suppressed: kept and marked, with the
count and every statistic blanked, as public bodies do when publishing small counts.
"""
from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from sim.inputs.categories import CATEGORIES, CHANGE_BAND, LOSS_NAME, PROTECTED
from sim.model.aggregates import ADMIT_STATS, EIA_REP_STATS, EIA_STATS, PCT_EDGES, SNAPSHOTS, YARDSTICKS
from sim.outputs.settings import settings
from sim.study.results import StudyResults

CASH, REAL, STATUS_QUO, NEW_USERS = (YARDSTICKS.index(y) for y in YARDSTICKS)
N_LOSE = f"n_{LOSS_NAME}"                                    # "n_lose10"
RR = f"rr_{LOSS_NAME}"                                       # "rr_lose10"
# The characteristic that splits existing from new users: each yardstick has one of them.
COHORT = "cohort"
STAT_COLUMNS = ("count", "mean_change_gbp", "pct_change_of_mean", "median_change_pct",
                "share_lose5", "share_lose10", "share_lose25", "share_gain", RR, f"{RR}_lo",
                f"{RR}_hi", "people_lose10", "lost_gbp", "share_lose10_real",
                "pct_change_of_mean_real", "mean_change_gbp_vs_status_quo",
                "pct_change_of_mean_vs_status_quo", "share_lose10_vs_status_quo",
                "alloc_per_point_before", "alloc_per_point_after")


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
    """Statistics of one group on one yardstick from its pooled tallies (a row of eia_sum):
    the % change is the change of the mean budget (so its sign is the £ change's), the
    median is of people's own % changes."""
    v = dict(zip(EIA_STATS, t.astype(float)))
    n = v["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "count": n / R,
            "mean_change_gbp": v["sum_change"] / n,
            "pct_change_of_mean": v["sum_after"] / v["sum_before"] - 1.0,
            "median_change_pct": hist_median(hist),
            "share_lose5": v["n_lose5"] / n, "share_lose10": v[N_LOSE] / n,
            "share_lose25": v["n_lose25"] / n, "share_gain": v["n_gain"] / n,
            "people_lose10": v[N_LOSE] / R, "lost_gbp": v["sum_lost"] / R,
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


def _rows_of(results: StudyResults,
             characteristics: Collection[str] | None = None) -> list[tuple[int, str, str]]:
    """(EIA column, characteristic, code) of the groups the tables show: every group but the
    existing/new split (each yardstick covers one of the two), or those of `characteristics`."""
    return [(j, c, code) for j, (c, code) in enumerate(results.eia_columns)
            if c != COHORT and (characteristics is None or c in characteristics)]


def _ratio(t: np.ndarray, num: str, den: str) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(t[EIA_STATS.index(num)] / t[EIA_STATS.index(den)])


def _secondary(tot: np.ndarray, j: int) -> dict[str, float]:
    """Real-terms and against-the-status-quo figures of group j (tot: (Y, J, K))."""
    real, sq = tot[REAL, j], tot[STATUS_QUO, j]
    return {"share_lose10_real": _ratio(real, N_LOSE, "n"),
            "pct_change_of_mean_real": _ratio(real, "sum_after", "sum_before") - 1.0,
            "mean_change_gbp_vs_status_quo": _ratio(sq, "sum_change", "n"),
            "pct_change_of_mean_vs_status_quo": _ratio(sq, "sum_after", "sum_before") - 1.0,
            "share_lose10_vs_status_quo": _ratio(sq, N_LOSE, "n"),
            "alloc_per_point_before": _ratio(sq, "sum_before", "sum_points"),
            "alloc_per_point_after": _ratio(sq, "sum_after", "sum_points")}


def eia_table(results: StudyResults, snapshot: str = "first_year", suppress: bool = True,
              characteristics: Collection[str] | None = None) -> pd.DataFrame:
    """eia.csv: one row per (non-baseline) policy, characteristic and group of existing
    users; the change in their own budget in cash first, then in real terms and against the
    status quo (module docstring).  Only the `characteristics` named, if any (an options
    search reads 'all' alone: the groups' intervals would be most of its own work)."""
    s = SNAPSHOTS.index(snapshot)
    lose, n_ = EIA_STATS.index(N_LOSE), EIA_STATS.index("n")
    rlose, rn = EIA_REP_STATS.index(N_LOSE), EIA_REP_STATS.index("n")
    R = max(results.n_replicates, 1)
    limit = settings(results).suppress_below
    rows = []
    for p, pol in enumerate(results.policies):
        if pol["is_baseline"]:
            continue
        tot = results.eia_sum[s, p]                                   # (Y, J, K), column 0 = all
        rep = None if results.eia_rep is None else results.eia_rep[:, s, p].astype(float)
        for j, char, code in _rows_of(results, characteristics):
            row = {**_group_cols(pol, snapshot, char, code),
                   **_shares(tot[CASH, j], results.eia_hist[s, p, CASH, j], R)}
            row[RR], row[f"{RR}_lo"], row[f"{RR}_hi"] = _rr(
                char, tot[CASH][:, [lose, n_]], None if rep is None else rep[:, :, [rlose, rn]],
                j)
            row.update(_secondary(tot, j))
            row["suppressed"] = bool(suppress and not row["count"] >= limit)
            if row["suppressed"]:
                row.update({c: np.nan for c in STAT_COLUMNS})
            rows.append(row)
    return pd.DataFrame(rows)


def new_users_table(results: StudyResults, suppress: bool = True) -> pd.DataFrame:
    """new_users.csv: per option, snapshot and group, new users' budgets (arrived after
    go-live, so with no budget of their own before it) under the option against what
    current practice (the status quo) would give them.  Not counted among people losing."""
    R, limit = max(results.n_replicates, 1), settings(results).suppress_below
    rows = []
    for p, pol in enumerate(results.policies):
        if pol["is_baseline"]:
            continue
        for s, snapshot in enumerate(SNAPSHOTS):
            tot = results.eia_sum[s, p, NEW_USERS]
            for j, char, code in _rows_of(results):
                t, n = tot[j], tot[j, EIA_STATS.index("n")]
                row = {**_group_cols(pol, snapshot, char, code), "count": n / R,
                       "mean_budget": _ratio(t, "sum_after", "n"),
                       "mean_budget_practice": _ratio(t, "sum_before", "n"),
                       "mean_change_gbp_vs_practice": _ratio(t, "sum_change", "n"),
                       "pct_change_of_mean_vs_practice": _ratio(t, "sum_after",
                                                                "sum_before") - 1.0,
                       "share_below_practice_over10": _ratio(t, N_LOSE, "n")}
                row["suppressed"] = bool(suppress and not row["count"] >= limit)
                if row["suppressed"]:
                    row.update({c: np.nan for c in row if c not in _group_cols(
                        pol, snapshot, char, code) and c != "suppressed"})
                rows.append(row)
    return pd.DataFrame(rows)


def disparity_table(results: StudyResults) -> pd.DataFrame:
    """Younger/older allocation per point at equal need, before (status quo) and after.

    A ratio above 1 means under-65s get more per point of need than over-65s; the
    interval is the 2.5-97.5 percentile across replicates, ignoring undefined ones.
    """
    rows = []
    for p, pol in enumerate(results.policies):
        for s, snap in enumerate(SNAPSHOTS):
            row = {"policy": pol["name"], "calibration": pol["calibration"],
                   "transition": pol["transition"], "snapshot": snap}
            for i, when in enumerate(("before", "after")):
                x = np.asarray(results.disparity[:, s, p, i], dtype=float)
                ok = x[np.isfinite(x)]
                row[f"ratio_{when}"] = float(ok.mean()) if len(ok) else np.nan
                row[f"ratio_{when}_lo"], row[f"ratio_{when}_hi"] = percentile_interval(x)
            rows.append(row)
    return pd.DataFrame(rows)


def largest_disparity(eia: pd.DataFrame, synthetic: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per policy, the protected-characteristic group most over-represented among people
    losing more than the threshold of their own budget in cash (groups of a `synthetic`
    attribute left out: no evidence)."""
    cols = ["policy", f"largest_{RR}", "largest_rr_lo", "largest_rr_hi", "largest_rr_group"]
    prot = eia[(eia["protected_characteristic"] != "") & ~eia["suppressed"]
               & ~eia["characteristic"].isin(synthetic)]
    prot = prot.dropna(subset=[RR])
    if prot.empty:
        return pd.DataFrame(columns=cols)
    top = prot.loc[prot.groupby("policy")[RR].idxmax()]
    return pd.DataFrame(dict(zip(cols, (
        top["policy"].to_numpy(), top[RR].to_numpy(), top[f"{RR}_lo"].to_numpy(),
        top[f"{RR}_hi"].to_numpy(),
        (top["protected_characteristic"] + ": " + top["group_label"]).to_numpy()))))


def winners_losers_table(results: StudyResults, snapshot: str = "first_year",
                         suppress: bool = True, intervals: bool = True) -> pd.DataFrame:
    """winners_losers.csv: per policy and group of existing users, the share in each band of
    change in their own budget in cash since just before go-live (CHANGE_BAND, summing to 1)
    with its 95% interval across replicates, and the relative risk of losing more than the
    threshold (the EIA document's rating rests on it).  Without `intervals` the interval
    columns are NaN (an options search reads the figures alone)."""
    s = SNAPSHOTS.index(snapshot)
    lose, n_ = EIA_STATS.index(N_LOSE), EIA_STATS.index("n")
    rlose, rn = EIA_REP_STATS.index(N_LOSE), EIA_REP_STATS.index("n")
    R, limit = max(results.n_replicates, 1), settings(results).suppress_below
    rows = []
    for p, pol in enumerate(results.policies):
        if pol["is_baseline"]:
            continue
        bands = np.asarray(results.eia_bands[:, s, p], dtype=float)      # (R, J, B)
        tot = results.eia_sum[s, p, CASH]
        rep = np.asarray(results.eia_rep[:, s, p], dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_rep = bands / bands.sum(axis=2, keepdims=True)
            pooled = bands.sum(axis=0) / bands.sum(axis=(0, 2))[:, None]  # (J, B)
        for j, char, code in _rows_of(results):
            row = {**_group_cols(pol, snapshot, char, code), "count": tot[j, n_] / R,
                   "people_lose10": tot[j, lose] / R,
                   "lost_gbp": tot[j, EIA_STATS.index("sum_lost")] / R}
            for b, band in enumerate(CHANGE_BAND.codes):
                row[f"share_{band}"] = float(pooled[j, b])
                row[f"share_{band}_lo"], row[f"share_{band}_hi"] = (
                    percentile_interval(per_rep[:, j, b]) if intervals else (np.nan, np.nan))
            row[RR], row[f"{RR}_lo"], row[f"{RR}_hi"] = _rr(
                char, tot[:, [lose, n_]], rep[:, :, [rlose, rn]] if intervals else None, j)
            row["suppressed"] = bool(suppress and not row["count"] >= limit)
            if row["suppressed"]:
                row.update({c: np.nan for c in row
                            if c.startswith(("share_", "rr_", "count", "people_", "lost_"))})
            rows.append(row)
    return pd.DataFrame(rows)


def admissions_table(results: StudyResults) -> pd.DataFrame:
    """admissions_by_group.csv: per option, snapshot and group, the share of the EIA population
    (arrived by the snapshot) admitted to residential care by then under the status quo and
    under the option, and the change within the group: the option's rate over the same
    group's rate under the status quo (1 = no change) with its 95% interval across
    replicates, and the extra admissions per simulated future.  A group is never compared
    with everyone else here: some (older people) are admitted far more under any policy."""
    at_risk, admitted = ADMIT_STATS.index("at_risk"), ADMIT_STATS.index("admitted")
    R, limit = max(results.n_replicates, 1), settings(results).suppress_below
    base = results.baseline_index
    rows = []
    for p, pol in enumerate(results.policies):
        if pol["is_baseline"]:
            continue
        for s, snapshot in enumerate(SNAPSHOTS):
            sq = np.asarray(results.admit_rep[:, s, base], dtype=float)     # (R, J, A)
            op = np.asarray(results.admit_rep[:, s, p], dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                rate_sq, rate_op = sq[..., admitted] / sq[..., at_risk], \
                    op[..., admitted] / op[..., at_risk]                  # (R, J)
                pooled_sq = sq[..., admitted].sum(0) / sq[..., at_risk].sum(0)
                pooled_op = op[..., admitted].sum(0) / op[..., at_risk].sum(0)
                per_rep = rate_op / rate_sq
            for j, (char, code) in enumerate(results.eia_columns):
                row = {**_group_cols(pol, snapshot, char, code),
                       "count": op[:, j, at_risk].sum() / R,
                       "share_admitted_status_quo": pooled_sq[j], "share_admitted": pooled_op[j],
                       "admit_ratio_vs_status_quo": (pooled_op[j] / pooled_sq[j]
                                                     if pooled_sq[j] > 0 else np.nan),
                       "extra_admissions": (op[:, j, admitted] - sq[:, j, admitted]).sum() / R}
                row["admit_ratio_vs_status_quo_lo"], row["admit_ratio_vs_status_quo_hi"] = \
                    percentile_interval(per_rep[:, j])
                row["suppressed"] = bool(not row["count"] >= limit)
                if row["suppressed"]:
                    row.update({c: np.nan for c in row if c.startswith(
                        ("share_", "admit_", "count", "extra_"))})
                rows.append(row)
    return pd.DataFrame(rows)

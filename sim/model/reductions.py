"""Per-replicate reductions: from a finished CareModel to a small ReplicateResult.

Budget changes of the go-live cohort are compared policy against baseline on the
same random world at each snapshot, then tallied by EIA group, so a replicate
returns kilobytes whatever the population size.
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import EIA_CHARACTERISTICS
from sim.inputs.disparity import younger_older_ratio
from sim.model.activity import world_activity
from sim.model.aggregates import (
    EIA_STATS,
    PCT_EDGES,
    ReplicateResult,
    characteristic_codes,
    eia_groups,
)
from sim.model.care_model import CareModel

_H = len(PCT_EDGES) + 1  # histogram bins
_K = {s: k for k, s in enumerate(EIA_STATS)}
# Loss/gain counts: (statistic, comparison, threshold on the percentage change).
_COUNTS = (("n_lose5", np.less, -0.05), ("n_lose10", np.less, -0.10),
           ("n_lose25", np.less, -0.25), ("n_gain", np.greater, 0.005))


def cohort_codes(model: CareModel) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The go-live cohort (existing users in the community at go-live) and, for each EIA
    characteristic, their group code at go-live."""
    w, g = model.world, model.world.go_live
    cohort = np.flatnonzero(w.present(g) & (w.baseline_res_month > g) & (w.arrival < g))
    codes = {}
    for c in EIA_CHARACTERISTICS:
        col = getattr(w, c)
        codes[c] = (col[g] if col.ndim == 2 else col).take(cohort)  # (T, cap) or (cap,)
    return cohort, codes


def _membership(codes: dict[str, np.ndarray], teams: tuple[str, ...]) -> np.ndarray:
    """(n, C) EIA column of each person for 'all' and each characteristic (C = 7)."""
    n = len(codes[EIA_CHARACTERISTICS[0]])
    cols, offset = [np.zeros(n, np.int64)], 1
    for c in EIA_CHARACTERISTICS:
        cols.append(offset + codes[c].astype(np.int64))
        offset += len(characteristic_codes(c, teams))
    return np.stack(cols, axis=1)


_STEP = (PCT_EDGES[-1] - PCT_EDGES[0]) / (len(PCT_EDGES) - 1)


def pct_bins(x: np.ndarray) -> np.ndarray:
    """np.searchsorted(PCT_EDGES, x, side="right") for evenly spaced edges, without the search:
    an arithmetic guess, then corrected against the edges themselves so it is exact."""
    b = np.clip(np.floor((x - PCT_EDGES[0]) / _STEP) + 1, 0, len(PCT_EDGES)).astype(np.int64)
    edges = np.concatenate([[-np.inf], PCT_EDGES, [np.inf]])          # edges[b] <= x < edges[b+1]
    b -= x < edges[b]
    b += x >= edges[b + 1]
    return b


def _person_stats(B: np.ndarray, before: np.ndarray, pts: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(K, P, n) each person's EIA_STATS under each policy, zero where not valid."""
    stats = np.zeros((len(EIA_STATS), B.shape[0], B.shape[1]))
    stats[_K["n"]] = valid
    change = np.subtract(B, before[None, :], out=stats[_K["sum_change"]], where=valid)
    pct = np.divide(change, np.where(before > 0, before, 1.0)[None, :], out=stats[_K["sum_pct"]])
    for name, op, edge in _COUNTS:
        op(pct, edge, out=stats[_K[name]])                   # pct is 0 where not valid
    np.multiply(valid, before[None, :], out=stats[_K["sum_before"]])
    np.copyto(stats[_K["sum_after"]], B, where=valid)
    np.multiply(valid, pts[None, :], out=stats[_K["sum_points"]])
    return stats


def _histogram(pct: np.ndarray, valid: np.ndarray, cols_h: np.ndarray, J: int) -> np.ndarray:
    """(P, J, H) counts of percentage change by policy and EIA group."""
    P = pct.shape[0]
    p_idx, n_idx = np.nonzero(valid)
    bins = pct_bins(pct[p_idx, n_idx])
    cell = cols_h[n_idx]
    cell += (p_idx * (J * _H) + bins)[:, None].astype(np.int32)
    return np.bincount(cell.ravel(), minlength=P * J * _H).reshape(P, J, _H)


class _Tally:
    """The EIA arrays of one replicate, filled snapshot by snapshot."""

    def __init__(self, model: CareModel, teams: tuple[str, ...], keep_persons: bool) -> None:
        w = model.world
        self.cohort, codes = cohort_codes(model)
        cols = _membership(codes, teams)                               # (n, C)
        n, P, S = len(self.cohort), len(model.policies), len(model.snapshot_months)
        self.J = len(eia_groups(teams))
        self.M = np.zeros((n, self.J))
        self.M[np.arange(n)[:, None], cols] = 1.0
        self.cols_h = (cols * _H).astype(np.int32)  # histogram cell offsets (P*J*H < 2**31)
        self.age = w.age(w.go_live)[self.cohort]  # younger/older is decided at go-live
        self.eia = np.zeros((S, P, self.J, len(EIA_STATS)))
        self.hist = np.zeros((S, P, self.J, _H), np.int32)
        self.disparity = np.full((S, P, 2), np.nan)
        self.persons = None
        if keep_persons:
            self.persons = {k: v.copy() for k, v in codes.items()}
            self.persons.update(points=np.zeros((S, n), np.float32), before=np.zeros((S, n), np.float32),
                                after=np.zeros((S, P, n), np.float32), valid=np.zeros((S, P, n), bool))

    def snapshot(self, s: int, model: CareModel, month: int) -> None:
        """Compare each policy with the baseline at snapshot s (in month `month`)."""
        w, cohort, base = model.world, self.cohort, int(model.base_rows[0])
        budget, in_res = model.snapshots[month]
        B = budget.take(cohort, axis=1)
        pts = w.points[month].take(cohort).astype(np.float64)
        before = B[base]
        res = in_res.take(cohort, axis=1)
        valid = (w.present(month)[cohort] & ~res[base])[None, :] & ~res
        valid &= before[None, :] > 0
        stats = _person_stats(B, before, pts, valid)
        K, P = stats.shape[:2]
        self.eia[s] = (stats.reshape(K * P, -1) @ self.M).reshape(K, P, self.J).transpose(1, 2, 0)
        self.hist[s] = _histogram(stats[_K["sum_pct"]], valid, self.cols_h, self.J)
        self.disparity[s, :, 1] = younger_older_ratio(B, pts, self.age, valid)
        self.disparity[s, :, 0] = self.disparity[s, base, 1]
        if self.persons is not None:
            for key, val in (("points", pts), ("before", before), ("after", B), ("valid", valid)):
                self.persons[key][s] = val


def replicate_result(
    model: CareModel, replicate: int, keep_persons: bool, teams: tuple[str, ...]
) -> ReplicateResult:
    """Reduce a finished model to its ReplicateResult (persons only if keep_persons)."""
    tally = _Tally(model, teams, keep_persons)
    for s, month in enumerate(model.snapshot_months):
        tally.snapshot(s, model, month)
    raw = {
        "spend_month_group": model.spend, "res_spend_month": model.residential_spend(),
        "admissions_month": model.admissions, "users_month": model.users(),
        "res_stock_spend_month": model.residential_stock_spend(),
        "price_index_month": model.world.uplift,
        "eia": tally.eia, "eia_hist": tally.hist, "disparity": tally.disparity,
        "activity_month": world_activity(model.world),
        "eligibility_month": model.eligibility_ended(),
    }
    return ReplicateResult(replicate=replicate, raw=raw, persons=tally.persons)

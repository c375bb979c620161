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
    ADMIT_STATS,
    EIA_STATS,
    PCT_EDGES,
    ReplicateResult,
    characteristic_codes,
    eia_groups,
)
from sim.model.care_model import CareModel
from sim.model.world import World

_H = len(PCT_EDGES) + 1  # histogram bins
_K = {s: k for k, s in enumerate(EIA_STATS)}
# Loss/gain counts: (statistic, comparison, threshold on the percentage change).
_COUNTS = (("n_lose5", np.less, -0.05), ("n_lose10", np.less, -0.10),
           ("n_lose25", np.less, -0.25), ("n_gain", np.greater, 0.005))


def _latest_records(w: World, pop: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Each person's latest assessment or review record at or before their reference month
    (-1: none, so the starting values hold)."""
    months = np.repeat(np.arange(w.n_months), np.diff(w.assessed_start))
    ref_of = np.full(w.cap, -1, np.int64)
    ref_of[pop] = ref
    idx = np.flatnonzero(months <= ref_of[w.assessed])           # in month order
    slots = w.assessed[idx]
    rev_first = np.unique(slots[::-1], return_index=True)[1]
    last = np.full(w.cap, -1, np.int64)
    last[slots[len(idx) - 1 - rev_first]] = idx[len(idx) - 1 - rev_first]
    return last[pop]


def _at(values: np.ndarray, rec: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """values[rec] where a record exists (rec >= 0), else the starting value."""
    if not len(values):
        return initial
    return np.where(rec >= 0, values.take(np.maximum(rec, 0)), initial)


def _deciles(budget: np.ndarray, existing: np.ndarray) -> np.ndarray:
    """Decile (0..9) of each status-quo budget, edges from the go-live cohort's budgets."""
    base = budget[existing] if existing.any() else budget
    if not len(base):
        return np.zeros(len(budget), np.int8)
    edges = np.quantile(base, np.linspace(0.1, 0.9, 9))
    return np.searchsorted(edges, budget, side="right").astype(np.int8)


def cohort_codes(model: CareModel) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The EIA population, each one's reference month and, for each EIA characteristic, their
    group code then.

    The population is the go-live cohort (in the community at go-live; reference month
    go-live) followed by new users (arriving at or after go-live and in the community on
    arrival; reference month their arrival)."""
    w, g = model.world, model.world.go_live
    existing = w.present(g) & (w.baseline_res_month > g) & (w.arrival < g)
    new = ((w.arrival >= g) & (w.arrival < w.exit_month)
           & (w.baseline_res_month > w.arrival))
    pop = np.concatenate([np.flatnonzero(existing), np.flatnonzero(new)])
    is_new = w.arrival.take(pop) >= g
    ref = np.where(is_new, w.arrival.take(pop), g).astype(np.int64)
    rec = _latest_records(w, pop, ref)
    budget = _at(w.assessed_practice, rec, w.initial_budget.take(pop))
    codes = {"cohort": is_new.astype(np.int8),
             "facs_band": _at(w.assessed_facs, rec, w.initial_facs.take(pop)).astype(np.int8),
             "budget_decile": _deciles(budget, ~is_new)}
    for c in EIA_CHARACTERISTICS:
        if c not in codes:
            col = getattr(w, c)
            codes[c] = col[ref, pop] if col.ndim == 2 else col.take(pop)  # (T, cap) or (cap,)
    return pop, ref, {c: codes[c] for c in EIA_CHARACTERISTICS}


def _membership(codes: dict[str, np.ndarray], teams: tuple[str, ...]) -> np.ndarray:
    """(n, C) EIA column of each person for 'all' and each characteristic."""
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


def admission_months(model: CareModel) -> np.ndarray:
    """(P, cap) month of each person's admission to residential care under each policy
    (n_months: never within the horizon)."""
    out = np.full((len(model.policies), model.world.cap), model.world.n_months, np.int64)
    for month, p_idx, slots in model.admitted:   # once per person and policy
        out[p_idx, slots] = month
    return out


class _Tally:
    """The EIA arrays of one replicate, filled snapshot by snapshot."""

    def __init__(self, model: CareModel, teams: tuple[str, ...], keep_persons: bool) -> None:
        w = model.world
        self.cohort, self.ref, codes = cohort_codes(model)
        self.existing = codes["cohort"] == 0
        cols = _membership(codes, teams)                               # (n, C)
        n, P, S = len(self.cohort), len(model.policies), len(model.snapshot_months)
        self.J = len(eia_groups(teams))
        self.M = np.zeros((n, self.J))
        self.M[np.arange(n)[:, None], cols] = 1.0
        self.cols_h = (cols * _H).astype(np.int32)  # histogram cell offsets (P*J*H < 2**31)
        self.age = w.age(w.go_live)[self.cohort]  # younger/older is decided at go-live
        self.res_month = admission_months(model).take(self.cohort, axis=1)   # (P, n)
        self.eia = np.zeros((S, P, self.J, len(EIA_STATS)))
        self.admit = np.zeros((S, P, self.J, len(ADMIT_STATS)))
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
        # only people compared under the baseline (so under any policy) are tallied
        keep = np.flatnonzero(valid[base])
        v = valid.take(keep, axis=1)
        stats = _person_stats(B.take(keep, axis=1), before.take(keep), pts.take(keep), v)
        K, P = stats.shape[:2]
        self.eia[s] = (stats.reshape(K * P, -1) @ self.M.take(keep, axis=0)).reshape(
            K, P, self.J).transpose(1, 2, 0)
        self.hist[s] = _histogram(stats[_K["sum_pct"]], v, self.cols_h.take(keep, axis=0), self.J)
        # the seed's disparity finding is about the users at go-live
        self.disparity[s, :, 1] = younger_older_ratio(B, pts, self.age, valid & self.existing)
        self.disparity[s, :, 0] = self.disparity[s, base, 1]
        at_risk = self.ref <= month                                   # arrived by the snapshot
        self.admit[s, :, :, 0] = (at_risk @ self.M)[None, :]
        self.admit[s, :, :, 1] = ((self.res_month <= month) & at_risk) @ self.M
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
        "eia_admit": tally.admit,
        "activity_month": world_activity(model.world),
        "eligibility_month": model.eligibility_ended(),
    }
    return ReplicateResult(replicate=replicate, raw=raw, persons=tally.persons)

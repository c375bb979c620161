"""Per-replicate reductions: from a finished CareModel to a small ReplicateResult.

Budget changes of the go-live cohort are compared policy against baseline on the
same random world at each snapshot, then tallied by EIA group, so a replicate
returns kilobytes whatever the population size.
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, ETHNICITY, OLDER_AGE, PB_TYPE, SEX
from sim.model.aggregates import EIA_STATS, PCT_EDGES, ReplicateResult
from sim.model.care_model import CareModel

DISPARITY_BAND_WIDTH = 10.0  # points: "equal need" means the same 10-point band
DISPARITY_MIN_CELL = 5


def cohort_codes(model: CareModel) -> tuple[np.ndarray, dict[str, np.ndarray], list[int]]:
    """The go-live cohort (existing users in the community at go-live) and their groups."""
    w, g = model.world, model.world.go_live
    cohort = np.flatnonzero(w.present(g) & (w.baseline_res_month > g) & (w.arrival < g))
    codes = {
        "age_band": w.age_band[g].take(cohort), "client_group": w.client_group[cohort],
        "sex": w.sex[cohort], "ethnicity": w.ethnicity[cohort],
        "pb_type": w.pb_type[g].take(cohort), "team": w.team[cohort],
    }
    sizes = [len(AGE_BAND), len(CLIENT_GROUP), len(SEX), len(ETHNICITY), len(PB_TYPE)]
    return cohort, codes, sizes


def _membership(codes: dict[str, np.ndarray], sizes: list[int], n_teams: int) -> np.ndarray:
    """(n, C) EIA column of each person for 'all' and each characteristic (C = 7)."""
    n = len(codes["sex"])
    cols, offset = [np.zeros(n, np.int64)], 1
    for key, size in zip(codes, sizes + [n_teams]):
        cols.append(offset + codes[key].astype(np.int64))
        offset += size
    return np.stack(cols, axis=1)


def _disparity(budget: np.ndarray, points: np.ndarray, older: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Younger/older ratio of mean allocation per point within points bands, per row.

    "Equal need" is the same 10-point band; bands with fewer than 5 younger or older
    people are skipped; band ratios are averaged on the log scale, weighted by the
    smaller group.
    """
    P = budget.shape[0]
    band = np.minimum(points // DISPARITY_BAND_WIDTH, 20).astype(np.int64)
    cell = band * 2 + older.astype(np.int64)                           # (n,)
    flat = (np.arange(P)[:, None] * 42 + cell[None, :])[ok]
    ppp = (budget / np.maximum(points, 1.0))[ok]
    cnt = np.bincount(flat, minlength=P * 42).reshape(P, 21, 2)
    tot = np.bincount(flat, weights=ppp, minlength=P * 42).reshape(P, 21, 2)
    use = (cnt >= DISPARITY_MIN_CELL).all(axis=2) & (tot > 0).all(axis=2)   # (P, 21)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log((tot[..., 0] / cnt[..., 0]) / (tot[..., 1] / cnt[..., 1]))
    wts = np.where(use, cnt.min(axis=2), 0)
    total = wts.sum(axis=1)
    out = np.full(P, np.nan)
    has = total > 0
    out[has] = np.exp((np.where(use, log_ratio, 0.0) * wts).sum(axis=1)[has] / total[has])
    return out


_STEP = (PCT_EDGES[-1] - PCT_EDGES[0]) / (len(PCT_EDGES) - 1)


def pct_bins(x: np.ndarray) -> np.ndarray:
    """np.searchsorted(PCT_EDGES, x, side="right") for evenly spaced edges, without the search:
    an arithmetic guess, then corrected against the edges themselves so it is exact."""
    b = np.clip(np.floor((x - PCT_EDGES[0]) / _STEP) + 1, 0, len(PCT_EDGES)).astype(np.int64)
    edges = np.concatenate([[-np.inf], PCT_EDGES, [np.inf]])          # edges[b] <= x < edges[b+1]
    b -= x < edges[b]
    b += x >= edges[b + 1]
    return b


def replicate_result(
    model: CareModel, replicate: int, keep_persons: bool, n_teams: int
) -> ReplicateResult:
    """Reduce a finished model to its ReplicateResult."""
    w = model.world
    P = len(model.policies)
    base = int(model.base_rows[0])
    cohort, codes, sizes = cohort_codes(model)
    cols = _membership(codes, sizes, n_teams)                       # (n, C)
    J = 1 + sum(sizes) + n_teams
    M = np.zeros((len(cohort), J))
    M[np.arange(len(cohort))[:, None], cols] = 1.0
    S = len(model.snapshot_months)
    eia = np.zeros((S, P, J, len(EIA_STATS)))
    hist = np.zeros((S, P, J, len(PCT_EDGES) + 1), np.int32)
    disparity = np.full((S, P, 2), np.nan)
    older = w.age(w.go_live)[cohort] >= OLDER_AGE
    cols_h = (cols * (len(PCT_EDGES) + 1)).astype(np.int32)  # histogram cell offsets (P*J*H < 2**31)
    persons = {k: v.copy() for k, v in codes.items()} if keep_persons else None
    if keep_persons:
        n = len(cohort)
        persons.update(points=np.zeros((S, n), np.float32), before=np.zeros((S, n), np.float32),
                       after=np.zeros((S, P, n), np.float32), valid=np.zeros((S, P, n), bool))
    for s, month in enumerate(model.snapshot_months):
        budget, in_res = model.snapshots[month]
        B = budget.take(cohort, axis=1)
        pts = w.points[month].take(cohort).astype(np.float64)
        before = B[base]
        res = in_res.take(cohort, axis=1)
        valid = (w.present(month)[cohort] & ~res[base])[None, :] & ~res
        valid &= before[None, :] > 0
        # the per-person statistics, written in place (zero where not valid)
        stats = np.zeros((len(EIA_STATS), P, len(cohort)))         # (K, P, n)
        stats[0] = valid
        change = np.subtract(B, before[None, :], out=stats[1], where=valid)
        pct = np.divide(change, np.where(before > 0, before, 1.0)[None, :], out=stats[2])
        for k, (op, edge) in enumerate(((np.less, -0.05), (np.less, -0.10), (np.less, -0.25),
                                        (np.greater, 0.005)), start=3):
            op(pct, edge, out=stats[k])                   # pct is 0 where not valid
        np.multiply(valid, before[None, :], out=stats[7])
        np.copyto(stats[8], B, where=valid)
        np.multiply(valid, pts[None, :], out=stats[9])
        eia[s] = (stats.reshape(len(EIA_STATS) * P, -1) @ M).reshape(
            len(EIA_STATS), P, J).transpose(1, 2, 0)
        p_idx, n_idx = np.nonzero(valid)
        bins = pct_bins(pct[p_idx, n_idx])
        H = len(PCT_EDGES) + 1
        cell = cols_h[n_idx]
        cell += (p_idx * (J * H) + bins)[:, None].astype(np.int32)
        hist[s] = np.bincount(cell.ravel(), minlength=P * J * H).reshape(P, J, H)
        disparity[s, :, 1] = _disparity(B, pts, older, valid)
        disparity[s, :, 0] = disparity[s, base, 1]
        if keep_persons:
            persons["points"][s] = pts
            persons["before"][s] = before
            persons["after"][s] = B
            persons["valid"][s] = valid
    return ReplicateResult(
        replicate=replicate,
        spend_month_group=model.spend,
        res_spend_month=model.residential_spend(),
        admissions_month=model.admissions,
        people_month=model.people,
        eia=eia, eia_hist=hist, disparity=disparity, persons=persons,
    )

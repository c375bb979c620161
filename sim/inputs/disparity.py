"""The seed's disparity finding as one rule: younger adults get more per point at equal need.

Used both to check the synthetic baseline against the seed (4.8(1)) and to tally, in
every replicate, the disparity before and after each policy, so the two can be compared.
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import OLDER_AGE

BAND_WIDTH = 10.0   # points: "equal need" means the same 10-point band
LAST_BAND = 20      # bands from 200 points up are pooled (few people, all high need)
MIN_CELL = 5        # a band counts only with at least 5 younger and 5 older people
_CELLS = 2 * (LAST_BAND + 1)  # (band, older) cells of one row


def younger_older_ratio(allocation: np.ndarray, points: np.ndarray, age: np.ndarray,
                        valid: np.ndarray) -> np.ndarray:
    """Under-65 over 65-and-over ratio of mean allocation per point at equal need, per row.

    Args:
        allocation: (P, n) budgets, one row per policy (or a single row).
        points: (n,) RAS points.
        age: (n,) ages deciding younger or older.
        valid: (P, n) who counts in each row.

    Returns:
        (P,) ratios; NaN where no band has enough people on both sides.  Within each band
        the ratio is of mean allocation per point; band ratios are averaged on the log
        scale, weighted by the smaller group, so the mix of needs does not masquerade as
        a disparity.
    """
    P = allocation.shape[0]
    band = np.minimum(points // BAND_WIDTH, LAST_BAND).astype(np.int64)
    cell = band * 2 + (age >= OLDER_AGE).astype(np.int64)                      # (n,)
    flat = (np.arange(P)[:, None] * _CELLS + cell[None, :])[valid]
    ppp = (allocation / np.maximum(points, 1.0))[valid]
    cnt = np.bincount(flat, minlength=P * _CELLS).reshape(P, LAST_BAND + 1, 2)
    tot = np.bincount(flat, weights=ppp, minlength=P * _CELLS).reshape(P, LAST_BAND + 1, 2)
    use = (cnt >= MIN_CELL).all(axis=2) & (tot > 0).all(axis=2)               # (P, bands)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log((tot[..., 0] / cnt[..., 0]) / (tot[..., 1] / cnt[..., 1]))
    wts = np.where(use, cnt.min(axis=2), 0)
    total = wts.sum(axis=1)
    out = np.full(P, np.nan)
    has = total > 0
    out[has] = np.exp((np.where(use, log_ratio, 0.0) * wts).sum(axis=1)[has] / total[has])
    return out

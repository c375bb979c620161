"""Ageing: a person's age and age band in any month, from their age on arrival.

One formula, so bands agree everywhere: the world's trajectories, the per-agent reference,
and the projection of who is still in the community that sets the number of referrals.
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import AGE_BAND_EDGES, age_band_index


def age_at(age0: np.ndarray, arrival: np.ndarray, m: int | np.ndarray) -> np.ndarray:
    """Age in month m of people who arrived aged age0 (one formula, so bands agree everywhere)."""
    return age0 + np.maximum(m - arrival, 0) / 12.0


def age_bands(age0: np.ndarray, arrival: np.ndarray, n_months: int) -> np.ndarray:
    """(T, cap) age band of everyone in every month, equal to age_band_index(age_at(...)).

    A band changes only when age crosses an edge, so find each person's crossing months
    (an estimate, then corrected with the exact age formula) and step bands up there.
    """
    edges = np.asarray(AGE_BAND_EDGES, dtype=np.float64)
    band0 = age_band_index(age0)
    slots, months = [], []
    for j in range(1, len(edges)):
        edge = edges[j]
        who = np.flatnonzero((band0 < j) & (age_at(age0, arrival, n_months - 1) >= edge))
        a0 = age0[who]
        k = np.maximum(np.ceil((edge - a0) * 12.0), 0).astype(np.int64)
        while True:                                  # exact: the first k whose age reaches edge
            down = (k > 0) & (a0 + (k - 1) / 12.0 >= edge)
            up = a0 + k / 12.0 < edge
            if not (down.any() or up.any()):
                break
            k = k - down + up
        slots.append(who)
        months.append(arrival[who] + k)
    slot, month = np.concatenate(slots), np.concatenate(months)
    order = np.argsort(month, kind="stable")
    slot, month = slot[order], month[order]
    starts = np.searchsorted(month, np.arange(n_months + 1), side="left")
    out = np.empty((n_months, len(age0)), np.int8)
    row = band0.astype(np.int8)
    for m in range(n_months):
        np.add.at(row, slot[starts[m]:starts[m + 1]], 1)  # a person may cross two edges at once
        out[m] = row
    return out

"""Users in the community: by month, client group and PB type, under each policy.

The world fixes who is present (arrived, not died or left) and their PB type, the same for
every policy; a policy differs only in whom it has admitted to residential care.  So the
world's people are counted once per replicate and each policy's residents, from its
admissions, are taken away: no work in the monthly loop.  Both counts are made from
events (a stay starts, changes cell, ends) and summed over months, so the work grows with
the number of people and changes, not with people x months.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs.categories import PB_TYPE
from sim.model.aggregates import USER_CELLS
from sim.model.world import World

N_CELLS = len(USER_CELLS)   # the last axis of a users array: client group x PB type


@dataclass(frozen=True)
class Cells:
    """Each person-month's cell, and the months a person's cell changes (in slot order)."""

    key: np.ndarray             # (T, cap) int8 cell: client group x PB type, PB type fastest
    order: np.ndarray           # int64 slot * T + month of each change, ascending
    month: np.ndarray           # month of the change (the new cell's first month)
    old: np.ndarray             # cell before it
    new: np.ndarray             # cell from it

    @classmethod
    def of(cls, w: World) -> Cells:
        key = w.pb_type + (w.client_group.astype(np.int8) * np.int8(len(PB_TYPE)))[None, :]
        slot, month = np.nonzero((key[1:] != key[:-1]).T)   # slot-major: sorted by slot, month
        month = month + 1
        return cls(key, slot.astype(np.int64) * w.n_months + month, month,
                   key[month - 1, slot], key[month, slot])


def stays_by_cell(c: Cells, row: np.ndarray, slot: np.ndarray, start: np.ndarray,
                  end: np.ndarray, n_rows: int) -> np.ndarray:
    """(n_rows, T, N_CELLS) people counted in months [start, end) in their cell of each month,
    each stay added to its row (an empty stay, start == end, counts nowhere)."""
    T = c.key.shape[0]
    keep = end > start
    row, slot, start, end = row[keep], slot[keep], start[keep], end[keep]
    size = n_rows * (T + 1) * N_CELLS

    def at(r: np.ndarray, m: np.ndarray, cell: np.ndarray, sign: float) -> np.ndarray:
        return np.bincount((r * (T + 1) + m) * N_CELLS + cell, np.full(len(r), sign), size)

    diff = at(row, start, c.key[start, slot], 1.0)
    ends = end < T
    diff -= at(row[ends], end[ends], c.key[end[ends] - 1, slot[ends]], 1.0)
    lo = np.searchsorted(c.order, slot * T + start, side="right")   # changes after the start
    hi = np.searchsorted(c.order, slot * T + end, side="left")      # and before the end
    n = hi - lo
    k = np.repeat(lo - np.cumsum(n) + n, n) + np.arange(n.sum())
    r = np.repeat(row, n)
    diff += at(r, c.month[k], c.new[k], 1.0) - at(r, c.month[k], c.old[k], 1.0)
    return np.cumsum(diff.reshape(n_rows, T + 1, N_CELLS)[:, :T], axis=1).astype(np.int64)


def community_users(w: World, n_policies: int, admissions: list[tuple[int, np.ndarray, np.ndarray]],
                    ) -> np.ndarray:
    """(P, T, N_CELLS) users in the community under each policy: present, not in residential
    care.  `admissions` holds each month's (month, policy rows, slots) admitted; a resident
    stays in care until they die or leave the world."""
    c = Cells.of(w)
    every = np.arange(w.cap)
    out = np.repeat(stays_by_cell(c, np.zeros(w.cap, np.int64), every, w.arrival.astype(np.int64),
                                  w.exit_month.astype(np.int64), 1), n_policies, axis=0)
    if admissions:
        month = np.concatenate([np.full(len(p), m, np.int64) for m, p, _ in admissions])
        policy = np.concatenate([p for _, p, _ in admissions]).astype(np.int64)
        slot = np.concatenate([s for _, _, s in admissions]).astype(np.int64)
        out -= stays_by_cell(c, policy, slot, month, w.exit_month[slot].astype(np.int64),
                             n_policies)
    return out

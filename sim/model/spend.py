"""Community spend bookkeeping: running exact sums of budgets by group, month by month.

Spend is tallied in whole pence by (PB type x client group) and (PB type x age band).
A person's contribution changes only when they arrive, leave, are assessed or reviewed,
are admitted to care, or change PB type or age band, so each month updates the sums for
those people only.  What the sums hold for someone is always their budget times whether
they were in the community, under the cells of their last count, so it need not be
stored.  Pence are whole numbers, so the running sums are exact in any order and equal
a full recount (tests check this against the reference model and a recount).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, PB_TYPE
from sim.model.world import World

N_GROUP_COLS = 1 + len(CLIENT_GROUP) + len(PB_TYPE) + len(AGE_BAND)


@dataclass
class Admitted:
    """This month's admissions to residential care, one entry per (policy, person)."""

    policy: np.ndarray          # row of the policy
    slot: np.ndarray            # the person
    pence: np.ndarray           # the budget the sums held for them before admission


class SpendTally:
    """Monthly community spend of every policy, from running sums of budgets in pence.

    Args:
        world: the replicate's policy-independent trajectories.
        pence: (R, cap) starting amounts in whole pence (the starting population's count),
            a row per policy (and per policy again for contributions, sim.model.charging).
        util: share of an amount spent, by PB type, for every row (R, PB type) or all rows.
        rep_of: each slot's replicate when the world stacks several (sim.model.stack); each
            replicate's sums are kept apart, as cells of their own.
        n_replicates: how many replicates the world stacks.

    Attributes:
        spend: (R, T, N_GROUP_COLS) spend in £ cash: total, by client group, by PB type,
            by age band (nil for months not yet closed); `spend_of(k)` for replicate k.
    """

    # One-hot products from this many policies up (cheaper with many policies and few
    # people moving), per-policy counts below it; both are exact.
    MATMUL_POLICIES = 8

    def __init__(self, world: World, pence: np.ndarray, util: np.ndarray,
                 rep_of: np.ndarray | None = None, n_replicates: int = 1) -> None:
        w, P, T = world, len(pence), world.n_months
        nt, ng, nb = len(PB_TYPE), len(CLIENT_GROUP), len(AGE_BAND)
        self.world, self.util = w, np.broadcast_to(util, (P, nt))
        self._cells = nt * (ng + nb)                     # one replicate's cells
        self._width = self._cells * n_replicates
        self.n_replicates = n_replicates
        # each slot's first cell: its replicate's block of cells
        self._first_cell = None if n_replicates == 1 else rep_of.astype(np.int64) * self._cells
        self._raw = np.zeros((P, self._width))
        # the sums as each month closed; priced all at once when spend is read
        self._closed = np.zeros((P, T, self._width))
        self._spend: list[np.ndarray] | None = None
        # each person-month's two tally cells: (PB type, client group) and (PB type, age band)
        self._key_group = w.pb_type * np.int8(ng) + w.client_group[None, :]
        self._key_band = nt * ng + w.pb_type * np.int8(nb) + w.age_band
        # the starting population as it stands before month 0, under month 0's cells
        start = np.flatnonzero(w.arrival == 0)
        self._move(start, 0, pence.take(start, axis=1), np.zeros((P, len(start))), 0)
        # who else moves in month m: a change of cell (PB type or age band) or leaving;
        # people assessed or reviewed are tallied as they are (assessed())
        moved = np.zeros(self._key_band.shape, bool)
        np.not_equal(self._key_band[1:], self._key_band[:-1], out=moved[1:])
        ex = w.exit_month < w.n_months
        moved[w.exit_month[ex], np.flatnonzero(ex)] = True
        moved[np.repeat(np.arange(w.n_months), np.diff(w.assessed_start)), w.assessed] = False
        self._moved = moved
        self._assessed_now = np.zeros(w.cap, bool)

    def assessed(self, idx: np.ndarray, m: int, new: np.ndarray, old: np.ndarray) -> None:
        """People idx were assessed in month m: their budgets went from `old` (as last
        counted) to `new` (zero for anyone not in the community)."""
        self._move(idx, m, new, old, max(m - 1, 0))
        self._assessed_now[idx] = True

    def _move(self, c: np.ndarray, m: int, new: np.ndarray, old: np.ndarray,
              counted_at: int | np.ndarray) -> None:
        """Move people c's amounts in the running sums: take `old` away from the cells of
        month `counted_at` and add `new` in month m's cells.  Pence are whole numbers, so
        these sums are exact in any order."""
        if not len(c):
            return
        if np.ndim(counted_at):
            old_cells = (self._key_group[counted_at, c], self._key_band[counted_at, c])
        else:
            old_cells = (self._key_group[counted_at].take(c), self._key_band[counted_at].take(c))
        cells = (self._key_group[m].take(c), self._key_band[m].take(c)) + old_cells
        W = self._width
        if self._first_cell is not None:      # a block of replicates: one count over all
            first = self._first_cell.take(c)
            P = len(new)
            rows = (np.arange(P, dtype=np.int64) * W)[:, None] + first[None, :]
            sums = np.zeros(P * W)
            for cell, amount, sign in zip(cells, (new, new, old, old), (1, 1, -1, -1)):
                sums += sign * np.bincount((rows + cell[None, :]).ravel(), amount.ravel(), P * W)
            self._raw += sums.reshape(P, W)
        elif len(new) >= self.MATMUL_POLICIES:   # many policies: one product each way
            rows = np.arange(len(c))
            hot = np.zeros((2, len(c), W))
            for j, cell in enumerate(cells):
                hot[j // 2, rows, cell] = 1.0
            self._raw += new @ hot[0] - old @ hot[1]
        else:                                   # few policies: counts per policy
            for p in range(len(new)):
                self._raw[p] += (np.bincount(cells[0], new[p], W)
                                 + np.bincount(cells[1], new[p], W)
                                 - np.bincount(cells[2], old[p], W)
                                 - np.bincount(cells[3], old[p], W))

    def close_month(self, m: int, pence: np.ndarray, admitted: Admitted | None) -> None:
        """Bring everyone else up to date for month m, then write its spend row.

        Args:
            pence: (P, cap) budgets after the month's assessments and admissions.
            admitted: who was admitted this month (None: nobody).
        """
        w = self.world
        moved = self._moved[m]
        if admitted is not None:
            moved = moved.copy()
            moved[admitted.slot] = True
        c = np.flatnonzero(moved)
        if len(c):
            self._update(m, c, pence, admitted)
        self._assessed_now[w.assessed[w.assessments(m)]] = False
        self._closed[:, m] = self._raw
        self._spend = None

    def _update(self, m: int, c: np.ndarray, pence: np.ndarray, admitted: Admitted | None) -> None:
        """Re-tally the people c who arrived, left, moved cell or were admitted this month."""
        w = self.world
        arrival, leaves = w.arrival[c], w.exit_month[c]
        alive = (arrival <= m) & (m < leaves)
        # What the sums hold for them: their budget then (admissions aside, budgets change
        # only when assessed, and that is tallied at once) if they were in the community,
        # under last month's cells, or this month's if assessed this month.
        now = self._assessed_now[c]
        was = np.where(now, alive, (arrival <= max(m - 1, 0)) & (m - 1 < leaves))
        budget = pence.take(c, axis=1)
        old = budget * was
        if admitted is not None:
            k = np.searchsorted(c, admitted.slot)
            old[admitted.policy, k] = admitted.pence * was[k]
        budget *= alive
        counted_at = np.where(now, m, max(m - 1, 0)) if now.any() else max(m - 1, 0)
        self._move(c, m, budget, old, counted_at)

    @property
    def spend(self) -> np.ndarray:
        """(R, T, N_GROUP_COLS) spend in £ cash (see the class): a world of one replicate."""
        if self.n_replicates != 1:
            raise ValueError("the tally holds several replicates: read spend_of(k)")
        return self.spend_of(0)

    def spend_of(self, k: int) -> np.ndarray:
        """(R, T, N_GROUP_COLS) replicate k's spend in £ cash."""
        if self._spend is None:
            self._spend = [self._priced(k) for k in range(self.n_replicates)]
        return self._spend[k]

    def _priced(self, k: int) -> np.ndarray:
        """Each month's spend by group from its closing sums: utilisation and prices applied
        last."""
        nt, ng, nb = len(PB_TYPE), len(CLIENT_GROUP), len(AGE_BAND)
        W = self._cells
        closed = np.ascontiguousarray(self._closed[:, :, k * W:(k + 1) * W])
        R, T, _ = closed.shape
        by_group = closed[:, :, : nt * ng].reshape(R, T, nt, ng)   # (R, T, type, group)
        by_band = closed[:, :, nt * ng:].reshape(R, T, nt, nb)
        # util x price / 12 / 100, (R, T, type, 1)
        scale = self.util[:, None, :, None] * (self.world.uplift / 1200.0)[None, :, None, None]
        out = np.empty((R, T, N_GROUP_COLS))
        out[:, :, 1:1 + ng] = (by_group * scale).sum(axis=2)
        out[:, :, 1 + ng:1 + ng + nt] = (by_group.sum(axis=3) * scale[:, :, :, 0])
        out[:, :, 1 + ng + nt:] = (by_band * scale).sum(axis=2)
        out[:, :, 0] = out[:, :, 1 + ng:1 + ng + nt].sum(axis=2)
        return out

    def release(self) -> None:
        """Drop the large arrays (the spend rows stay)."""
        self.spend_of(0)
        for name in ("_closed", "world", "_raw", "_key_group", "_key_band", "_moved",
                     "_assessed_now"):
            setattr(self, name, None)

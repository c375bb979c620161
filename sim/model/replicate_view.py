"""One replicate's results inside a model that runs a block of them (sim.model.stack).

The reductions (sim.model.reductions) read a replicate through this view: its own world,
its people's columns of the budget snapshots, and its slice of every per-replicate sum, so
a replicate reduces to the same numbers whether it ran alone or in a block.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from sim.model.residential_cost import stock_spend
from sim.model.users import community_users


def by_replicate(values: np.ndarray, rep: np.ndarray, n_replicates: int) -> np.ndarray:
    """(rows, K) sums over the people of each replicate of the (rows, n) values (whole
    numbers: exact in any order, so equal to each replicate's own sum)."""
    if n_replicates == 1:
        return values.sum(axis=1, dtype=np.float64)[:, None]
    rows = len(values)
    keys = (np.arange(rows)[:, None] * n_replicates + rep[None, :]).ravel()
    return np.bincount(keys, values.ravel().astype(np.float64),
                       rows * n_replicates).reshape(rows, n_replicates)


class ReplicateView:
    """Replicate k of a (possibly stacked) CareModel, read as if it had run alone."""

    def __init__(self, model: Any, k: int) -> None:   # a CareModel (which imports this)
        self.model, self.k = model, k
        self.lo, self.hi = int(model.blocks[k]), int(model.blocks[k + 1])
        self.world = None if model.parts is None else model.parts[k]   # None once released
        self.policies, self.base_rows = model.policies, model.base_rows
        self.snapshot_months, self.params = model.snapshot_months, model.params

    def _cols(self, x: np.ndarray) -> np.ndarray:
        return x[:, self.lo:self.hi]

    @property
    def snapshots(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        return {m: (self._cols(b), self._cols(r)) for m, (b, r) in self.model.snapshots.items()}

    @property
    def charges(self) -> np.ndarray | None:
        c = self.model.charges
        return None if c is None else self._cols(c)

    @property
    def admitted(self) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Each month's (month, policy rows, slots) admitted, slots in this replicate's world."""
        out = []
        for month, p_idx, slots in self.model.admitted:
            mine = (slots >= self.lo) & (slots < self.hi)
            if mine.any():
                out.append((month, p_idx[mine], slots[mine] - self.lo))
        return out

    @property
    def spend(self) -> np.ndarray:
        """(P, T, N_GROUP_COLS) community spend in £ cash: total, by client group, PB type,
        age band."""
        return self.model.tally.spend_of(self.k)[:len(self.policies)]

    @property
    def contributions(self) -> np.ndarray:
        """(P, T) people's contributions towards their budgets, £ cash (nil without charging)."""
        if self.model.contrib is None:
            return np.zeros((len(self.policies), self.world.n_months))
        return self.model.tally.spend_of(self.k)[len(self.policies):, :, 0]

    @property
    def admissions(self) -> np.ndarray:
        """(P, T) admissions to residential care."""
        return self.model.admissions_by_replicate[self.k]

    @property
    def community_reviews(self) -> np.ndarray:
        """(P, T) reviews of people in the community (care-home residents apart)."""
        return self.model.reviews_by_replicate[self.k]

    def users(self) -> np.ndarray:
        """(P, T, client group x PB type) people in the community: present in the world, not
        in residential care under the policy (users.N_CELLS cells, PB type fastest)."""
        return community_users(self.world, len(self.policies), self.admitted)

    def eligibility_ended(self) -> np.ndarray:
        """(P, T, 2) people whose budget eligibility ended each month, and those budgets'
        annual £ (base prices, as the policy would otherwise have set them)."""
        return self.model.ended_month[self.k] * np.array([1.0, 0.01])

    def residential_spend(self) -> np.ndarray:
        """(P, T) £ cash on people admitted to residential care during the run, each at their
        client group's cost from admission to death in care."""
        annual = np.cumsum(self.model.res_delta[self.k][:, :-1], axis=1)
        return annual / 12.0 * self.world.uplift[None, :]

    def residential_stock_spend(self) -> np.ndarray:
        """(T,) £ cash on people already in residential care at the start (every policy)."""
        return stock_spend(self.params, self.world.uplift)

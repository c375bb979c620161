"""The trailing 12 months of each person's budgets, which transition caps count from.

A cap holds over any CAP_MONTHS months: at a review in month m a budget may fall at most
max_loss below the highest budget the person held at the end of any of the months m-12 ..
m-1 (and rise at most max_gain above the lowest), so for any months t1 < t2 no more than
12 apart, budget(t2) >= (1 - max_loss) x budget(t1).  A person reviewed once a year moves
by the cap at each review; one reviewed again within the year cannot move further.  Budgets change only when assessed, so the
budgets held in that window are the current one plus, for every assessment in it, the
budget it set and (when the assessment was after the window's first month) the budget
before it.  A ring of CAP_MONTHS months keeps those pairs; only assessments from go-live on
are recorded, so the window never reaches back before the budget held just before go-live.
"""
from __future__ import annotations

import numpy as np

from sim.policy.transition import CAP_MONTHS

NEVER = np.iinfo(np.int32).min // 2


class CapWindow:
    """Per RAS policy (rows) and person (cap slots): the budgets (£) of the trailing window."""

    def __init__(self, rows: int, cap: int) -> None:
        self.month = np.full((CAP_MONTHS, cap), NEVER, np.int32)   # assessment in ring slot
        self.before = np.zeros((CAP_MONTHS, rows, cap))
        self.after = np.zeros((CAP_MONTHS, rows, cap))

    def bounds(self, idx: np.ndarray, m: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(highest, lowest) budget each of idx held in months m-12 .. m-1, (rows, len(idx))."""
        months = self.month[:, idx][:, None, :]                     # (ring, 1, n)
        set_in = months >= m - CAP_MONTHS                           # the budget it set: held
        before_in = months > m - CAP_MONTHS                         # the one before it: held too
        after, before = self.after[:, :, idx], self.before[:, :, idx]
        high = np.maximum(current, np.maximum(np.where(set_in, after, -np.inf).max(axis=0),
                                              np.where(before_in, before, -np.inf).max(axis=0)))
        low = np.minimum(current, np.minimum(np.where(set_in, after, np.inf).min(axis=0),
                                             np.where(before_in, before, np.inf).min(axis=0)))
        return high, low

    def record(self, idx: np.ndarray, m: int, before: np.ndarray, after: np.ndarray) -> None:
        """Month m assessed idx: their budgets went from `before` to `after` (rows, len(idx))."""
        k = m % CAP_MONTHS
        self.month[k, idx] = m
        self.before[k][:, idx] = before
        self.after[k][:, idx] = after


def held_extremes(history: list[tuple[int, float, float]], m: int,
                  current: float) -> tuple[float, float]:
    """The same for one person and policy, from their (month, before, after) assessments:
    the reference model's reading of the rule."""
    held = [current]
    for month, before, after in history:
        if month >= m - CAP_MONTHS:
            held.append(after)
        if month > m - CAP_MONTHS:
            held.append(before)
    return max(held), min(held)

"""The trailing 12 months of each person's budgets, which transition caps count from.

A cap holds over any `months` (the transitions' CAP_MONTHS, 12) months: at a review in
month m a budget may fall at most max_loss below the highest budget the person held at the
end of any of the months m-12 .. m-1 (and rise at most max_gain above the lowest), so for
any months t1 < t2 no more than 12 apart, budget(t2) >= (1 - max_loss) x budget(t1).  A
person reviewed once a year moves by the cap at each review; one reviewed again within the
year cannot move further.  Budgets change only when assessed, so the budgets held in that
window are the current one plus, for every assessment in it, the budget it set and (when
the assessment was after the window's first month) the budget before it.  A ring of
`months` months keeps those pairs; only assessments from go-live on are recorded, so the
window never reaches back before the budget held just before go-live.
"""
from __future__ import annotations

import numpy as np

NEVER = np.iinfo(np.int32).min // 2


class CapWindow:
    """Per RAS policy (rows) and person (cap slots): the budgets (£) of the trailing window.

    Each ring slot keeps one month's assessments as a log, (people assessed, rows), and
    each person's position in it: memory grows with the assessments, not people x rows."""

    def __init__(self, rows: int, cap: int, months: int) -> None:
        self.months = months
        self.month = np.full((months, cap), NEVER, np.int32)   # assessment in ring slot
        self.pos = np.zeros((months, cap), np.int64)            # its row in the slot's log
        empty = np.zeros((0, rows))
        self.before = [empty] * months                          # (assessed, rows) each
        self.after = [empty] * months

    def bounds(self, idx: np.ndarray, m: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(highest, lowest) budget each of idx held in months m-12 .. m-1, (rows, len(idx)).

        Only the (ring slot, person) pairs inside the window are read: a person has at most
        a few assessments a year, so these are few."""
        months = self.month[:, idx]                                 # (ring, n)
        high, low = current.copy(), current.copy()
        for held, inside in ((self.after, months >= m - self.months),   # the budget it set
                             (self.before, months > m - self.months)):  # the one before it
            for k in np.flatnonzero(inside.any(axis=1)):
                j = np.flatnonzero(inside[k])
                values = held[k].take(self.pos[k].take(idx.take(j)), axis=0).T  # (rows, pairs)
                for out, fold in ((high, np.maximum), (low, np.minimum)):
                    out[:, j] = fold(out[:, j], values)    # j: each person once in a slot
        return high, low

    def record(self, idx: np.ndarray, m: int, before: np.ndarray, after: np.ndarray) -> None:
        """Month m assessed idx: their budgets went from `before` to `after` (rows, len(idx)).
        The ring slot's month m - 12 is past every later window, so it is dropped."""
        k = m % self.months
        self.month[k] = NEVER
        self.month[k, idx] = m
        self.pos[k, idx] = np.arange(len(idx))
        self.before[k] = np.ascontiguousarray(before.T)
        self.after[k] = np.ascontiguousarray(after.T)


def held_extremes(history: list[tuple[int, float, float]], m: int, current: float,
                  months: int) -> tuple[float, float]:
    """The same for one person and policy, from their (month, before, after) assessments:
    the reference model's reading of the rule."""
    held = [current]
    for month, before, after in history:
        if month >= m - months:
            held.append(after)
        if month > m - months:
            held.append(before)
    return max(held), min(held)

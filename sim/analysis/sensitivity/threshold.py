"""Threshold analysis: the value of one assumption at which a policy stops meeting its target.

The assumption is swept over its distribution's support with every other parameter at its
central value and the same replicate seeds (common random numbers keep the simulated mean
savings a near-smooth function of the value).  A grid brackets the crossing nearest the
central value; scipy's Brent method then finds where the mean first-full-year savings
equal the target (or zero, "stops breaking even", when no value in the support meets the
target).  The root is found on the simulated mean itself, to `XTOL` of the support's width.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from sim.analysis.sensitivity.evaluation import OUTPUTS, Evaluator, evaluate_many, parallel_map

GRID = 9          # values on the support, both ends included
XTOL = 1e-3       # root tolerance, as a share of the support's width
SAVINGS = list(OUTPUTS).index("savings")
COLUMNS = ("policy", "parameter", "level", "level_gbp", "central_value", "threshold_value",
           "direction", "savings_at_central", "support_low", "savings_at_low", "support_high",
           "savings_at_high")


@dataclass(frozen=True)
class Sweep:
    """Mean first-full-year savings of one policy as one parameter varies."""

    ev: Evaluator
    policy: int          # index into ev.policy_names
    parameter: str

    def __call__(self, x: float) -> float:
        return float(self.ev.evaluate({self.parameter: float(x)})[self.policy, SAVINGS])


def _bracket(xs: np.ndarray, g: np.ndarray, centre: float) -> tuple[int, int] | None:
    """The grid interval with a sign change of g closest to the central value."""
    sides = [k for k in range(len(xs) - 1) if np.sign(g[k]) != np.sign(g[k + 1])]
    if not sides:
        return None
    k = min(sides, key=lambda k: abs(0.5 * (xs[k] + xs[k + 1]) - centre))
    return k, k + 1


def thresholds(ev: Evaluator, tasks: list[tuple[int, str]], jobs: int = 1,
               backend: str = "loky") -> list[dict]:
    """`threshold` of each (policy, parameter), the policies side by side on `jobs` workers
    (or a Dask cluster)."""
    return list(parallel_map(threshold, [(ev, k, name) for k, name in tasks], jobs, backend))


def threshold(ev: Evaluator, policy: int, parameter: str, jobs: int = 1) -> dict:
    """One row of thresholds.csv (COLUMNS): where the policy's mean savings cross the target
    (level "target") or, failing that, zero (level "break-even"); the threshold is blank
    when they cross neither on the grid, and the direction says why.  The grid runs on
    `jobs` processes, the root search in this one."""
    sweep = Sweep(ev, policy, parameter)
    lo, hi = next(p.distribution.support for p in ev.uncertainty.parameters
                  if p.path == parameter)
    centre = ev.uncertainty.centre(parameter)
    xs = np.linspace(lo, hi, GRID)
    grid = evaluate_many(ev, [{parameter: float(x)} for x in (*xs, centre)], jobs)
    ys, at_centre = grid[:-1, policy, SAVINGS], float(grid[-1, policy, SAVINGS])
    row = {"policy": ev.policy_names[policy], "parameter": parameter, "level": "",
           "level_gbp": np.nan, "central_value": centre, "threshold_value": np.nan,
           "direction": "", "savings_at_central": at_centre,
           "support_low": lo, "savings_at_low": ys[0], "support_high": hi,
           "savings_at_high": ys[-1]}
    for level, amount in (("target", ev.target), ("break-even", 0.0)):
        found = _bracket(xs, ys - amount, centre)
        if found is None:
            if (ys >= amount).all():
                row["direction"] = _EVERYWHERE[level]
                return row
            continue
        a, b = found
        root = brentq(lambda x, level=amount: sweep(x) - level, xs[a], xs[b],
                      xtol=XTOL * (hi - lo))
        side = "above" if ys[b] >= amount else "below"
        row.update(level=level, level_gbp=amount, threshold_value=float(root),
                   direction=f"{_VERB[level]} {side} the threshold")
        return row
    row["direction"] = "never breaks even in the support"
    return row


_VERB = {"target": "meets the target", "break-even": "breaks even"}
_EVERYWHERE = {"target": "meets the target across the support",
               "break-even": "breaks even but misses the target across the support"}

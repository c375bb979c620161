"""Pareto fronts: which candidates no other candidate beats on every objective."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.search.file import Search


def non_dominated(costs: np.ndarray) -> np.ndarray:
    """Mask of the rows (n, k) no other row dominates (no worse in every column, better in
    one), every column to be minimised; rows with a missing value are never on the front."""
    costs = np.asarray(costs, dtype=float)
    ok = np.all(np.isfinite(costs), axis=1)
    front = ok.copy()
    for i in np.flatnonzero(ok):
        others = costs[ok]
        beats = np.all(others <= costs[i], axis=1) & np.any(others < costs[i], axis=1)
        front[i] = not beats.any()
    return front


def costs(search: Search, table: pd.DataFrame) -> np.ndarray:
    """The objectives of each row as costs (maximised objectives negated)."""
    cols = [table[o.output].to_numpy(dtype=float) * (-1 if o.direction == "maximise" else 1)
            for o in search.objectives]
    return np.column_stack(cols) if cols else np.zeros((len(table), 0))


def search_front(search: Search, trials: pd.DataFrame) -> pd.DataFrame:
    """The feasible non-dominated trials, one per distinct set of lever values, at most
    `confirm_max` of them spread evenly along the first objective."""
    feasible = trials[trials["feasible"]]
    levers = [lv.path for lv in search.levers]
    distinct = feasible.loc[~feasible[levers].astype(str).duplicated()]
    front = distinct[non_dominated(costs(search, distinct))]
    front = front.sort_values([o.output for o in search.objectives] + ["trial"])
    keep = search.spec.confirm_max
    if len(front) > keep:
        front = front.iloc[np.unique(np.linspace(0, len(front) - 1, keep).round().astype(int))]
    return front.reset_index(drop=True)

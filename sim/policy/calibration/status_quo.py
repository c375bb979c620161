"""The status quo's practice estimate: median cost per point by client group."""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from sim.policy.calibration.base import N_GROUPS, Calibration
from sim.policy.calibration.params import Interval


class StatusQuo(Calibration):
    """No RAS: the practice estimate, median cost per point by client group x points.

    A placeholder "indicative" for the baseline (target "none" by default), so that
    reports can show what current practice implies per point.  Rates are cost /
    max(points, 1) over people with points > 0; groups with fewer than
    ``min_group_size`` such people use the overall median.
    """

    kind = "status_quo"
    needs_group = True
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **Calibration._parameter_constraints, "min_group_size": Interval(1, integer=True)}

    def __init__(self, *, min_group_size: int = 10, target: str = "none", **common: Any) -> None:
        super().__init__(target=target, **common)
        self.min_group_size = min_group_size

    def _fit_raw(self, points, cost, group):
        ok = points > 0                                  # under one point counts as one
        rate = cost[ok] / np.maximum(points[ok], 1.0)
        self.overall_rate_ = float(np.median(rate))
        self.rates_ = np.full(N_GROUPS, self.overall_rate_)
        for g in range(N_GROUPS):
            r = rate[group[ok] == g]
            if len(r) >= self.min_group_size:
                self.rates_[g] = np.median(r)

    def _raw(self, points, group):
        return self.rates_[group] * points

    def _summary(self):
        return {"rates_per_point": self.rates_, "overall_rate_per_point": self.overall_rate_}

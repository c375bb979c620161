"""A price per point per client group: the equalities comparator."""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import CLIENT_GROUP
from sim.policy.calibration.base import N_GROUPS, Calibration


class GroupPricePerPoint(Calibration):
    """A price per point per client group: keeps historic differences (equalities comparator).

    price_g = total cost of group / total points of group; groups absent from the
    cohort (or with no points) use the overall price.
    """

    kind = "group_price_per_point"
    needs_group = True

    def _fit_raw(self, points, cost, group):
        self.overall_price_ = float(cost.sum() / points.sum())
        pts = np.bincount(group, weights=points, minlength=N_GROUPS)
        tot = np.bincount(group, weights=cost, minlength=N_GROUPS)
        self.prices_ = np.where(pts > 0, tot / np.where(pts > 0, pts, 1.0), self.overall_price_)

    def _raw(self, points, group):
        return self.prices_[group] * points

    def _summary(self):
        return {"prices_per_point": self.prices_, "overall_price_per_point": self.overall_price_,
                "groups": list(CLIENT_GROUP.codes)}

"""One price per point for everyone: the generic national RAS."""
from __future__ import annotations

from sim.policy.calibration.base import Calibration


class PricePerPoint(Calibration):
    """One price per point for everyone: price_ = total cost / total points."""

    kind = "price_per_point"

    def _fit_raw(self, points, cost, group):
        self.price_ = float(cost.sum() / points.sum())

    def _raw(self, points, group):
        return self.price_ * points

    def _summary(self):
        return {"price_per_point": self.price_,
                "effective_price_per_point": self.price_ * self.scale_ * self.scale}

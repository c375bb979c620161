"""Points bands, each funded at a percentile of current cost in the band."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from sim.policy.calibration.base import Calibration
from sim.policy.calibration.params import Edges, Interval


class Percentile(Calibration):
    """Points bands, each funded at a percentile of current cost in the band.

    Bands are [edge_i, edge_i+1) and the last is open-ended (points below the first
    edge join the first band).  Empty bands are linearly interpolated by band index
    from the nearest non-empty bands (constant beyond the ends).  Amounts are then
    made monotone with a running maximum (``np.maximum.accumulate``), not a
    pool-adjacent-violators fit: no band is ever funded below its own percentile, and
    the slightly higher total is absorbed by the target scaling.
    """

    kind = "percentile"
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **Calibration._parameter_constraints, "bands": Edges(), "percentile": Interval(0.0, 100.0)}

    def __init__(self, *, bands: Sequence[float] = (0, 10, 20, 30, 40, 50, 60, 70, 80, 100),
                 percentile: float = 50.0, **common: Any) -> None:
        super().__init__(**common)
        self.bands = bands
        self.percentile = percentile

    def _band(self, points: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.band_edges_, points, side="right") - 1
        return np.clip(idx, 0, len(self.band_edges_) - 1)

    def _fit_raw(self, points, cost, group):
        self.band_edges_ = np.asarray(self.bands, dtype=np.float64)
        band = self._band(points)
        k = len(self.band_edges_)
        self.band_counts_ = np.bincount(band, minlength=k)
        full = np.flatnonzero(self.band_counts_)
        pct = np.array([np.percentile(cost[band == b], self.percentile) for b in full])
        self.band_percentiles_ = np.interp(np.arange(k), full, pct)
        self.band_amounts_ = np.maximum.accumulate(self.band_percentiles_)

    def _raw(self, points, group):
        return self.band_amounts_[self._band(points)]

    def _summary(self):
        return {"band_edges": self.band_edges_, "band_counts": self.band_counts_,
                "band_amounts": self.band_amounts_,
                "band_amounts_scaled": self.band_amounts_ * self.scale_ * self.scale}

"""Points bands, each funded at a percentile of current cost in the band.

The percentile is the lever: by default the family solves for the percentile at which
the cohort meets its target (bands are funded at their own percentile, unscaled), so
the percentile chosen is an output a council can read.  ``lever = "scale"`` keeps the
given percentile and rescales every band uniformly instead.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
from scipy import optimize

from sim.policy.calibration.base import PENNY, Calibration, check_positive
from sim.policy.calibration.params import Edges, Interval, OneOf

LEVERS = ("percentile", "scale")


class Percentile(Calibration):
    """Points bands, each funded at a percentile of current cost in the band.

    Bands are [edge_i, edge_i+1) and the last is open-ended (points below the first
    edge join the first band).  Empty bands are linearly interpolated by band index
    from the nearest non-empty bands (constant beyond the ends).  Amounts are then
    made monotone with a running maximum (``np.maximum.accumulate``), not a
    pool-adjacent-violators fit: no band is ever funded below its own percentile.

    Args:
        bands: increasing points edges.
        percentile: the percentile funded when nothing is solved for it (target "none",
            or lever "scale"); with lever "percentile" and a target it is solved.
        lever: "percentile" (solve the percentile that meets the target; ``scale_``
            stays 1) or "scale" (fund the given percentile, rescaled uniformly).
        **common: the parameters every calibration has (see ``Calibration``).
    """

    kind = "percentile"
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **Calibration._parameter_constraints, "bands": Edges(),
        "percentile": Interval(0.0, 100.0), "lever": OneOf(*LEVERS)}

    def __init__(self, *, bands: Sequence[float] = (0, 10, 20, 30, 40, 50, 60, 70, 80, 100),
                 percentile: float = 50.0, lever: str = "percentile", **common: Any) -> None:
        super().__init__(**common)
        self.bands = bands
        self.percentile = percentile
        self.lever = lever

    def _band(self, points: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.band_edges_, points, side="right") - 1
        return np.clip(idx, 0, len(self.band_edges_) - 1)

    def _funding(self, points: np.ndarray, cost: np.ndarray) -> Callable[[float], tuple]:
        """Band percentiles and monotone band amounts as a function of the percentile.

        Both are continuous and non-decreasing in the percentile (linear interpolation
        between order statistics, then between bands, then a running maximum).
        """
        band = self._band(points)
        k = len(self.band_edges_)
        full = np.flatnonzero(self.band_counts_)
        costs = [cost[band == b] for b in full]

        def at(q: float) -> tuple[np.ndarray, np.ndarray]:
            pct = np.interp(np.arange(k), full, [np.percentile(c, q) for c in costs])
            return pct, np.maximum.accumulate(pct)
        return at

    def _set_percentile(self, q: float, at: Callable[[float], tuple]) -> None:
        self.percentile_ = float(q)
        self.band_percentiles_, self.band_amounts_ = at(q)

    def _fit_raw(self, points, cost, group):
        self.band_edges_ = np.asarray(self.bands, dtype=np.float64)
        self.band_counts_ = np.bincount(self._band(points), minlength=len(self.band_edges_))
        self._set_percentile(self.percentile, self._funding(points, cost))

    def _meet_target(self, points, cost, group, raw, want, w):
        if self.lever == "scale" or want is None:
            super()._meet_target(points, cost, group, raw, want, w)
            return
        at = self._funding(points, cost)
        band = self._band(points)
        q = solve_percentile(lambda q: float(self._shape(at(q)[1][band]) @ w), want)
        self._set_percentile(q, at)
        self.scale_ = 1.0

    def _raw(self, points, group):
        return self.band_amounts_[self._band(points)]

    def _lever(self) -> tuple[str, float]:
        if self.lever == "percentile":
            return "percentile", self.percentile_
        return super()._lever()

    def _summary(self):
        return {"percentile": self.percentile_, "band_edges": self.band_edges_,
                "band_counts": self.band_counts_, "band_amounts": self.band_amounts_,
                "band_amounts_scaled": self.band_amounts_ * self.scale_ * self.scale}


def solve_percentile(total: Callable[[float], float], want: float) -> float:
    """The percentile q in [0, 100] with total(q) = want, to the penny.

    ``total`` is continuous and non-decreasing in q, so the target is bracketed by the
    0th and 100th percentiles and Brent's method finds it; a target outside that range
    cannot be met by any percentile (ValueError suggesting the uniform scale lever).
    """
    check_positive(want)
    lo, hi = total(0.0), total(100.0)
    if abs(lo - want) <= PENNY / 2:
        return 0.0
    if abs(hi - want) <= PENNY / 2:
        return 100.0
    if not lo < want < hi:
        raise ValueError(
            f"target total £{want:,.2f} cannot be met by any percentile in [0, 100]: funding "
            f"every band at its percentile gives £{lo:,.2f} at the 0th to £{hi:,.2f} at the "
            "100th (floor and cap applied); use lever = 'scale' to rescale the bands "
            "uniformly instead")
    q = optimize.brentq(lambda x: total(x) - want, 0.0, 100.0, xtol=1e-12, maxiter=500)
    missed = total(q) - want
    if abs(missed) > PENNY / 2:                            # defensive: rounding only
        raise RuntimeError(f"percentile solve missed the target by £{missed:,.4f}")
    return float(q)

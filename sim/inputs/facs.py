"""The FACS rule: eligibility band from RAS points (used by the generator, the world and the reference)."""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import FACS_BAND, FUNDED_BANDS


def facs_from_points(points: np.ndarray, thresholds: dict[str, float]) -> np.ndarray:
    """FACS band code from points: the rule the model applies at each review."""
    points = np.asarray(points)
    # thresholds rise from moderate to critical (validated); each one reached moves a band up
    edges = np.array([thresholds["moderate"], thresholds["substantial"], thresholds["critical"]],
                     dtype=points.dtype if points.dtype.kind == "f" else np.float64)
    band = np.full(points.shape, FACS_BAND.code_of("low"), dtype=np.int8)
    for edge in edges:
        band -= points >= edge
    return band


def funded_edge(thresholds: dict[str, float]) -> float:
    """Least assessed points (points plus any team offset) banded in a funded band."""
    return min(thresholds[b] for b in FUNDED_BANDS if b in thresholds)

"""Sensitivity designs over the unit hypercube, sampled and analysed by SALib.

The project never estimates an index itself: SALib draws the design (Saltelli's scheme on
a scrambled Sobol' sequence, or Morris trajectories) and computes the indices with their
bootstrap confidence intervals.  Points live in [0, 1]^D, one coordinate per uncertain
parameter, so any distribution enters through its inverse CDF
(sim.model.uncertainty.Uncertainty.values_at) and the Morris elementary effects are in
output units per whole range of a parameter's quantiles, comparable across parameters.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.errors import InputError

METHODS = ("sobol", "morris")
MORRIS_LEVELS = 4
RESAMPLES = 200                 # bootstrap resamples for the confidence intervals
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "sigma")


class DesignError(InputError):
    """A design that cannot be drawn (too few parameters or samples)."""


@dataclass
class SensitivityDesign:
    """A variance-based (Sobol) or screening (Morris) design on D unit-interval inputs.

    Args:
        names: the inputs, in coordinate order.
        samples: base samples N (Sobol: N x (D + 2) points; Morris: N trajectories of
            D + 1 points).  A power of two keeps Sobol' sequences balanced.
        method: "sobol" (first-order and total indices) or "morris" (mu*, sigma).
        seed: fixes the design and the bootstrap, so the same call gives the same indices.
    """

    names: list[str]
    samples: int
    method: Literal["sobol", "morris"] = "sobol"
    seed: int = 0
    points_: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise DesignError(f"method {self.method!r}: choose one of {', '.join(METHODS)}")
        if self.samples < 2:
            raise DesignError(f"--samples must be at least 2, got {self.samples}")
        if len(self.names) < 2:
            raise DesignError(f"a {self.method} design needs at least 2 uncertain parameters, "
                              f"got {len(self.names)}: give more parameters a distribution")
        if len(set(self.names)) != len(self.names):
            raise DesignError("each uncertain parameter must be named once")

    @property
    def problem(self) -> dict:
        return {"num_vars": len(self.names), "names": list(self.names),
                "bounds": [[0.0, 1.0]] * len(self.names)}

    @property
    def n_points(self) -> int:
        return self.samples * (len(self.names) + (2 if self.method == "sobol" else 1))

    def points(self) -> np.ndarray:
        """The design's points, (n_points, D) in [0, 1]; drawn once."""
        if self.points_ is None:
            with warnings.catch_warnings():  # SALib warns on N not a power of two: allowed
                warnings.simplefilter("ignore", UserWarning)
                if self.method == "sobol":
                    pts = sobol_sample.sample(self.problem, self.samples, calc_second_order=False,
                                              seed=self.seed)
                else:
                    pts = morris_sample.sample(self.problem, self.samples,
                                               num_levels=MORRIS_LEVELS, seed=self.seed)
            self.points_ = np.asarray(pts, dtype=np.float64)
        return self.points_

    def analyze(self, y: np.ndarray) -> pd.DataFrame:
        """Indices of one output (one value per design point), one row per input:
        parameter, S1, S1_conf, ST, ST_conf (Sobol) or mu_star, mu_star_conf, sigma
        (Morris).  A constant output has every index 0 (nothing to apportion)."""
        y = np.asarray(y, dtype=np.float64)
        if y.shape != (self.n_points,):
            raise ValueError(f"need {self.n_points} outputs, got shape {y.shape}")
        if not np.all(np.isfinite(y)):
            raise ValueError("outputs must all be finite")
        cols = SOBOL_COLUMNS if self.method == "sobol" else MORRIS_COLUMNS
        if np.ptp(y) == 0:
            return pd.DataFrame({"parameter": self.names, **{c: 0.0 for c in cols}})
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "constant values" in a resample
            if self.method == "sobol":
                si = sobol_analyze.analyze(self.problem, y, calc_second_order=False,
                                           num_resamples=RESAMPLES, seed=self.seed)
            else:
                si = morris_analyze.analyze(self.problem, self.points(), y,
                                            num_resamples=RESAMPLES, num_levels=MORRIS_LEVELS,
                                            seed=self.seed)
        return pd.DataFrame({"parameter": self.names,
                             **{c: np.asarray(si[c], dtype=float) for c in cols}})

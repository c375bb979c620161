"""Cost regressed on points over current users: linear, log-linear or median."""
from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from scipy import optimize, sparse

from sim.policy.calibration.base import Calibration
from sim.policy.calibration.params import OneOf


class Regression(Calibration):
    """Cost regressed on points over current users.

    form "linear": OLS cost ~ a + b x points.  "loglinear": OLS log(cost) ~ a + b x
    log1p(points) over people with cost > 0, predicted as exp(a + b x log1p(points))
    times Duan's smearing factor (mean of exp(residuals)) to undo the log bias.
    "median": least absolute deviations (exact LP, HiGHS), robust to a few very
    expensive packages.  A negative slope would fund more need with less money, so it
    is clipped at 0 with a warning (the intercept is then refitted alone).  A negative
    intercept (linear and median forms) would leave everyone below some points on
    nothing, so the line is then refitted through the origin (``intercept_constrained_``).
    Predictions are clipped at >= 0, hence monotone in points.
    """

    kind = "regression"
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        **Calibration._parameter_constraints, "form": OneOf("linear", "loglinear", "median")}

    def __init__(self, *, form: str = "linear", **common: Any) -> None:
        super().__init__(**common)
        self.form = form

    def _fit_raw(self, points, cost, group):
        x, y = points, cost
        if self.form == "loglinear":
            keep = cost > 0
            if not keep.any():
                raise ValueError("loglinear regression needs someone with cost > 0")
            x, y = np.log1p(points[keep]), np.log(cost[keep])
        fit = _lad if self.form == "median" else _ols
        if np.ptp(x) > 0:
            a, b = fit(x, y)
        else:                                        # all points equal: intercept only
            a, b = fit(None, y), 0.0
        if b < 0:
            warnings.warn(f"Regression ({self.form}): fitted slope {b:.4g} is negative; "
                          "clipping it at 0 (intercept refitted)", UserWarning, stacklevel=3)
            a, b = fit(None, y), 0.0
        self.intercept_constrained_ = self.form != "loglinear" and a < 0
        if self.intercept_constrained_:
            a, b = 0.0, _through_origin(x, y, median=self.form == "median")
        self.coef_ = np.array([a, b], dtype=np.float64)
        if self.form == "loglinear":
            self.smearing_ = float(np.mean(np.exp(y - (a + b * x))))

    def _raw(self, points, group):
        a, b = self.coef_
        if self.form == "loglinear":
            return np.exp(a + b * np.log1p(points)) * self.smearing_
        return np.maximum(a + b * points, 0.0)

    def _summary(self):
        out = {"form": self.form, "intercept": float(self.coef_[0]), "slope": float(self.coef_[1]),
               "intercept_constrained": bool(self.intercept_constrained_)}
        if self.form == "loglinear":
            out["smearing"] = self.smearing_
        return out


def _through_origin(x: np.ndarray, y: np.ndarray, *, median: bool) -> float:
    """Slope of cost ~ b x points with no intercept: least squares, or least absolute
    deviations (the median of y/x weighted by x)."""
    if not median:
        return float(max(x @ y / (x @ x), 0.0))
    keep = x > 0
    ratio, weight = y[keep] / x[keep], x[keep]
    order = np.argsort(ratio)
    cum = np.cumsum(weight[order])
    return float(max(ratio[order][np.searchsorted(cum, cum[-1] / 2.0)], 0.0))


def _ols(x: np.ndarray | None, y: np.ndarray) -> Any:
    """OLS (intercept, slope), or the intercept alone (the mean) when x is None."""
    if x is None:
        return float(np.mean(y))
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)
    return float(coef[0]), float(coef[1])


def _lad(x: np.ndarray | None, y: np.ndarray) -> Any:
    """Least absolute deviations (intercept, slope) by an exact LP; the median if x is None.

    min sum(u + v)  s.t.  a + b x_i + u_i - v_i = y_i,  u, v >= 0,  a, b free.
    """
    if x is None:
        return float(np.median(y))
    n = len(y)
    # centre and scale for a well-conditioned LP, then map back
    xm, xs, ym = x.mean(), x.std(), np.median(y)
    ys = float(np.mean(np.abs(y - ym))) or 1.0
    xt, yt = (x - xm) / xs, (y - ym) / ys
    eye = sparse.identity(n, format="csr")
    a_eq = sparse.hstack([sparse.csr_matrix(np.column_stack([np.ones(n), xt])), eye, -eye])
    c = np.concatenate([[0.0, 0.0], np.ones(2 * n)])
    bounds = [(None, None)] * 2 + [(0, None)] * (2 * n)
    solution = optimize.linprog(c, A_eq=a_eq, b_eq=yt, bounds=bounds, method="highs")
    if not solution.success:
        raise ValueError(f"median regression failed: {solution.message}")
    a_t, b_t = solution.x[:2]
    slope = b_t * ys / xs
    return float(ym + ys * a_t - slope * xm), float(slope)

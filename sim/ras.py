"""RAS calibration models as scikit-learn-style estimators.

`__init__` only stores parameters; `fit(points, cost, ...)` learns from current
users and returns self; fitted attributes end in `_`; `allocate(points, ...)`
gives indicative annual budgets.  Parameters are checked in one declared place
(`_constraints`, checked by `_validate_params`).  Every model shares a floor, a
cap with panel exceptions, a user scale and a target total (cost neutral, or
current total minus a savings amount) met by solving one scale factor `scale_`.
"""
from __future__ import annotations

import difflib
import warnings
from typing import Any, Callable

import numpy as np
from scipy import sparse
from scipy.optimize import brentq, linprog

from sim.categories import CLIENT_GROUP

TARGETS = ("cost_neutral", "savings", "none")


def _nonneg(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def _share(v: Any) -> bool:
    return _nonneg(v) and v <= 1


class Calibration:
    """Shared machinery: parameter checks, floor/cap/scale, solving the target total."""

    _constraints: dict[str, tuple[Callable[[Any], bool], str]] = {
        "floor": (_nonneg, "a number >= 0 (£)"),
        "cap": (lambda v: v is None or (_nonneg(v) and v > 0), "null or a number > 0 (£)"),
        "cap_exception_share": (_share, "a share between 0 and 1"),
        "target": (lambda v: v in TARGETS, f"one of {TARGETS}"),
        "savings": (_nonneg, "a number >= 0 (£ a year)"),
        "scale": (lambda v: _nonneg(v) and v > 0, "a number > 0"),
    }
    _default_target = "cost_neutral"

    def __init__(self, *, floor: float = 0.0, cap: float | None = None,
                 cap_exception_share: float = 0.0, target: str | None = None,
                 savings: float = 776_000.0, scale: float = 1.0) -> None:
        self.floor = floor
        self.cap = cap
        self.cap_exception_share = cap_exception_share
        self.target = self._default_target if target is None else target
        self.savings = savings
        self.scale = scale

    # ---- parameters -------------------------------------------------------------
    @classmethod
    def _all_constraints(cls) -> dict[str, tuple[Callable[[Any], bool], str]]:
        out: dict[str, tuple[Callable[[Any], bool], str]] = {}
        for klass in reversed(cls.__mro__):
            out.update(getattr(klass, "_constraints", {}))
        return out

    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._all_constraints()}

    def _validate_params(self) -> None:
        for name, (ok, what) in self._all_constraints().items():
            if not ok(getattr(self, name)):
                raise ValueError(f"parameter '{name}' must be {what}, got {getattr(self, name)!r}")

    def __repr__(self) -> str:
        defaults = type(self)()
        changed = {k: v for k, v in self.get_params().items() if getattr(defaults, k) != v}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # ---- fit / allocate -----------------------------------------------------------
    def fit(self, points: np.ndarray, cost: np.ndarray, *, client_group: np.ndarray | None = None,
            age: np.ndarray | None = None) -> Calibration:
        """Learn from current users, then solve the scale that meets the target total."""
        self._validate_params()
        points = np.asarray(points, dtype=np.float64)
        cost = np.asarray(cost, dtype=np.float64)
        if points.shape != cost.shape or points.ndim != 1 or len(points) == 0:
            raise ValueError("points and cost must be 1-D arrays of the same, non-zero length")
        group = _groups(client_group, len(points))
        self._fit_raw(points, cost, group)
        raw = self._raw(points, group) * self.scale
        self.current_total_ = float(cost.sum())
        self.n_fitted_ = len(points)
        if self.target == "none":
            self.scale_ = 1.0
        else:
            goal = self.current_total_ - (self.savings if self.target == "savings" else 0.0)
            self.scale_ = self._solve_scale(raw, goal)
        self.fitted_total_ = float(self._finish(raw * self.scale_).sum())
        return self

    def allocate(self, points: np.ndarray, *, client_group: np.ndarray | None = None,
                 age: np.ndarray | None = None) -> np.ndarray:
        """Indicative annual budgets (£) for any people."""
        if not hasattr(self, "scale_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(...) first")
        points = np.asarray(points, dtype=np.float64)
        raw = self._raw(points, _groups(client_group, len(points)))
        return self._finish(raw * self.scale * self.scale_)

    def _finish(self, x: np.ndarray) -> np.ndarray:
        """Floor, then the cap with the panel's exception share of the excess."""
        x = np.maximum(x, self.floor)
        if self.cap is not None:
            x = np.where(x > self.cap, self.cap + self.cap_exception_share * (x - self.cap), x)
        return x

    def _solve_scale(self, raw: np.ndarray, goal: float) -> float:
        """The scale s with sum(finish(s * raw)) == goal (monotone in s, so bracket and solve)."""
        total = lambda s: float(self._finish(raw * s).sum()) - goal  # noqa: E731
        if total(0.0) > 0:
            raise ValueError(f"target total £{goal:,.0f} is below what the floor alone costs "
                             f"(£{total(0.0) + goal:,.0f})")
        hi = 1.0
        while total(hi) < 0:
            hi *= 2.0
            if hi > 1e9:
                raise ValueError(f"target total £{goal:,.0f} cannot be reached (cap too low?)")
        s = brentq(total, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
        return float(s)

    def fitted_summary(self) -> dict[str, Any]:
        """Fitted values for reports (plain floats and lists)."""
        out = {"model": repr(self)}
        for k, v in vars(self).items():
            if k.endswith("_"):
                out[k] = v.tolist() if isinstance(v, np.ndarray) else v
        return out

    # subclasses implement these
    def _fit_raw(self, points: np.ndarray, cost: np.ndarray, group: np.ndarray) -> None:
        raise NotImplementedError

    def _raw(self, points: np.ndarray, group: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _groups(group: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n, np.int64) if group is None else np.asarray(group, dtype=np.int64)


class StatusQuo(Calibration):
    """No RAS: a placeholder 'indicative' of median cost per point by client group."""

    _constraints = {"min_group_size": (lambda v: isinstance(v, int) and v >= 1, "an integer >= 1")}
    _default_target = "none"

    def __init__(self, *, min_group_size: int = 10, **kw: Any) -> None:
        super().__init__(**kw)
        self.min_group_size = min_group_size

    def _fit_raw(self, points, cost, group):
        ppp = cost / np.maximum(points, 1.0)
        overall = float(np.median(ppp))
        self.prices_ = np.array([float(np.median(ppp[group == g]))
                                 if (group == g).sum() >= self.min_group_size else overall
                                 for g in range(len(CLIENT_GROUP))])

    def _raw(self, points, group):
        return self.prices_[group] * points


class PricePerPoint(Calibration):
    """One price per point for everyone: the generic RAS."""

    def _fit_raw(self, points, cost, group):
        if points.sum() <= 0:
            raise ValueError("the cohort has no points")
        self.price_ = float(cost.sum() / points.sum())

    def _raw(self, points, group):
        return self.price_ * points


class GroupPricePerPoint(Calibration):
    """A price per point for each client group: keeps historic differences (the comparator)."""

    def _fit_raw(self, points, cost, group):
        overall = float(cost.sum() / max(points.sum(), 1e-9))
        self.prices_ = np.array([float(cost[group == g].sum() / points[group == g].sum())
                                 if points[group == g].sum() > 0 else overall
                                 for g in range(len(CLIENT_GROUP))])

    def _raw(self, points, group):
        return self.prices_[group] * points


def _edges_ok(v: Any) -> bool:
    try:
        e = np.asarray(v, dtype=float)
    except (TypeError, ValueError):
        return False
    return e.ndim == 1 and len(e) >= 1 and bool(np.all(np.diff(e) > 0))


class Percentile(Calibration):
    """Points bands; each band funded at a percentile of current cost in the band.

    Empty bands take the nearest non-empty band's amount; amounts are then made
    monotone by a running maximum (`np.maximum.accumulate`), so more points never
    means less money.
    """

    _constraints = {
        "percentile": (lambda v: _nonneg(v) and v <= 100, "a number between 0 and 100"),
        "bands": (_edges_ok, "a list of increasing points edges"),
    }

    def __init__(self, *, percentile: float = 50.0,
                 bands: tuple[float, ...] = (0, 10, 20, 30, 40, 50, 60, 70, 80, 100), **kw: Any) -> None:
        super().__init__(**kw)
        self.percentile = percentile
        self.bands = bands

    def _band(self, points: np.ndarray) -> np.ndarray:
        e = np.asarray(self.bands, dtype=float)
        return np.clip(np.searchsorted(e, points, side="right") - 1, 0, len(e) - 1)

    def _fit_raw(self, points, cost, group):
        e = np.asarray(self.bands, dtype=float)
        band = self._band(points)
        counts = np.bincount(band, minlength=len(e))
        amounts = np.full(len(e), np.nan)
        for b in np.flatnonzero(counts):
            amounts[b] = np.percentile(cost[band == b], self.percentile)
        full = np.flatnonzero(counts)
        for b in np.flatnonzero(counts == 0):
            amounts[b] = amounts[full[np.argmin(np.abs(full - b))]]
        self.band_edges_ = e
        self.band_counts_ = counts
        self.band_amounts_ = np.maximum.accumulate(amounts)

    def _raw(self, points, group):
        return self.band_amounts_[self._band(points)]


class Regression(Calibration):
    """Cost regressed on points: linear (OLS), log-linear (with smearing) or median (LAD)."""

    FORMS = ("linear", "loglinear", "median")
    _constraints = {"form": (lambda v: v in Regression.FORMS, f"one of {FORMS}")}

    def __init__(self, *, form: str = "linear", **kw: Any) -> None:
        super().__init__(**kw)
        self.form = form

    def _fit_raw(self, points, cost, group):
        if self.form == "loglinear":
            ok = cost > 0
            X = np.column_stack([np.ones(ok.sum()), np.log1p(points[ok])])
            coef, *_ = np.linalg.lstsq(X, np.log(cost[ok]), rcond=None)
            self.smearing_ = float(np.mean(np.exp(np.log(cost[ok]) - X @ coef)))
        else:
            X = np.column_stack([np.ones(len(points)), points])
            coef = _lad(X, cost) if self.form == "median" else np.linalg.lstsq(X, cost, rcond=None)[0]
        if coef[1] < 0:
            warnings.warn("fitted slope is negative; clipped at 0 so budgets never fall with need",
                          stacklevel=2)
            coef[1] = 0.0
        self.coef_ = np.asarray(coef, dtype=float)

    def _raw(self, points, group):
        a, b = self.coef_
        if self.form == "loglinear":
            return np.exp(a + b * np.log1p(points)) * self.smearing_
        return np.maximum(a + b * points, 0.0)


def _lad(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least absolute deviations as a linear programme: min sum(u + v), X b + u - v = y."""
    n, k = X.shape
    c = np.concatenate([np.zeros(2 * k), np.ones(2 * n)])
    eye = sparse.identity(n, format="csr")
    A = sparse.hstack([sparse.csr_matrix(X), sparse.csr_matrix(-X), eye, -eye], format="csr")
    res = linprog(c, A_eq=A, b_eq=y, bounds=(0, None), method="highs")
    if not res.success:
        raise ValueError(f"median regression failed: {res.message}")
    return res.x[:k] - res.x[k:2 * k]


CALIBRATIONS: dict[str, type[Calibration]] = {
    "status_quo": StatusQuo,
    "price_per_point": PricePerPoint,
    "percentile": Percentile,
    "regression": Regression,
    "group_price_per_point": GroupPricePerPoint,
}


def make_calibration(kind: str, **params: Any) -> Calibration:
    """A calibration by kind name, with errors that suggest the nearest valid name."""
    if kind not in CALIBRATIONS:
        close = difflib.get_close_matches(str(kind), list(CALIBRATIONS), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else f"; valid: {', '.join(CALIBRATIONS)}"
        raise ValueError(f"unknown calibration kind '{kind}'{hint}")
    cls = CALIBRATIONS[kind]
    valid = list(cls._all_constraints())
    for key in params:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else f"; valid: {', '.join(valid)}"
            raise ValueError(f"calibration kind '{kind}' has no parameter '{key}'{hint}")
    return cls(**params)

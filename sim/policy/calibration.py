"""RAS calibration models: "points to pounds" curves fitted on current users.

Each model is a small scikit-learn-style estimator on plain numpy arrays:
``fit(points, cost, *, client_group=None, age=None)`` learns a raw curve from what
the cohort costs today, then solves a scale factor ``scale_`` so that the cohort's
total indicative budget (after floor and cap) meets the target exactly;
``allocate(points, ...)`` gives indicative annual budgets in £.

Parameters and their rules are declared once per class in ``_parameter_constraints``
and checked by ``_validate_params()`` (at the start of ``fit`` and by
``make_calibration``), so a bad study file fails with the parameter's name.
``age`` is accepted everywhere but unused: an age-differentiated price per point
would need objective justification under the Equality Act 2010 ban on age
discrimination in services (from October 2012).
"""
from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import optimize, sparse

from sim.hints import nearest
from sim.inputs.categories import CLIENT_GROUP

N_GROUPS = len(CLIENT_GROUP)
TARGETS = ("cost_neutral", "savings", "none")
PENNY = 0.01


class NotFittedError(RuntimeError, AttributeError):
    """``allocate`` (or a fitted attribute) was used before ``fit``."""


# ---- declared parameter rules ---------------------------------------------------------
class Interval:
    """A real (or whole) number in [lo, hi]; ``none_ok`` allows None (e.g. no cap)."""

    def __init__(self, lo: float | None = None, hi: float | None = None, *, integer: bool = False,
                 none_ok: bool = False, open_lo: bool = False) -> None:
        self.lo, self.hi, self.integer = lo, hi, integer
        self.none_ok, self.open_lo = none_ok, open_lo

    def check(self, name: str, value: Any) -> None:
        if value is None and self.none_ok:
            return
        kind = numbers.Integral if self.integer else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value):
            what = "a whole number" if self.integer else "a finite number"
            raise ValueError(f"parameter '{name}' must be {what}{' or None' * self.none_ok}, "
                             f"got {value!r}")
        too_low = self.lo is not None and (value <= self.lo if self.open_lo else value < self.lo)
        if too_low or (self.hi is not None and value > self.hi):
            lo = "-inf" if self.lo is None else self.lo
            hi = "inf" if self.hi is None else self.hi
            raise ValueError(f"parameter '{name}' must be in {'(' if self.open_lo else '['}"
                             f"{lo}, {hi}], got {value!r}")


class OneOf:
    """One of a fixed set of strings."""

    def __init__(self, *options: str) -> None:
        self.options = options

    def check(self, name: str, value: Any) -> None:
        if value not in self.options:
            raise ValueError(f"parameter '{name}' must be one of {', '.join(self.options)}; "
                             f"got {value!r}{nearest(str(value), self.options)}")


class Edges:
    """Strictly increasing, finite, non-negative points edges (at least one)."""

    def check(self, name: str, value: Any) -> None:
        arr = None
        if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str) and len(value):
            try:
                arr = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                pass
        if arr is None or arr.ndim != 1 or not np.all(np.isfinite(arr)) or arr[0] < 0 \
                or np.any(np.diff(arr) <= 0):
            raise ValueError(f"parameter '{name}' must be a non-empty list of increasing "
                             f"points edges >= 0, got {value!r}")


# ---- the base estimator -----------------------------------------------------------------
class Calibration:
    """Common machinery: parameters, floor/cap shaping and the target scale solve.

    Subclasses set ``_fit_raw`` (learn the raw curve) and ``_raw`` (raw amounts for
    points); the base class turns raw amounts into indicative budgets:
    ``shape(scale x scale_ x raw)`` where shape applies the cap with panel exceptions
    and then the floor.

    Args:
        floor: minimum indicative budget (£).
        cap: upper limit (£) above which a panel decides; None = no cap.
        cap_exception_share: share of the amount above the cap that the panel grants back.
        target: "cost_neutral" (cohort total = current total), "savings" (current total
            minus ``savings``) or "none" (no rescaling, scale_ = 1).
        savings: £ a year taken off the cohort's current total when target = "savings".
        scale: a user factor applied on top of the fitted scale (a sensitivity lever; the
            target then no longer holds exactly).
    """

    kind = "calibration"
    _parameter_constraints: dict[str, Any] = {
        "floor": Interval(0.0),
        "cap": Interval(0.0, none_ok=True, open_lo=True),
        "cap_exception_share": Interval(0.0, 1.0),
        "target": OneOf(*TARGETS),
        "savings": Interval(),
        "scale": Interval(0.0, open_lo=True),
    }

    def __init__(self, *, floor: float = 0.0, cap: float | None = None,
                 cap_exception_share: float = 0.0, target: str = "cost_neutral",
                 savings: float = 776_000.0, scale: float = 1.0) -> None:
        self.floor = floor
        self.cap = cap
        self.cap_exception_share = cap_exception_share
        self.target = target
        self.savings = savings
        self.scale = scale

    # -- parameters --
    @classmethod
    def _param_defaults(cls) -> dict[str, Any]:
        """Keyword parameters of every ``__init__`` in the MRO (subclass defaults win)."""
        out: dict[str, Any] = {}
        for klass in cls.__mro__:
            if "__init__" not in vars(klass) or klass is object:
                continue
            for p in inspect.signature(klass.__init__).parameters.values():
                if p.kind is p.KEYWORD_ONLY and p.name not in out:
                    out[p.name] = p.default
        return out

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_defaults()}

    def _validate_params(self) -> None:
        """Check every parameter against the class's declared rules (ValueError names it)."""
        for name, value in self.get_params().items():
            self._parameter_constraints[name].check(name, value)
        if self.cap is not None and self.floor > self.cap:
            raise ValueError(f"parameter 'floor' ({self.floor}) must not exceed 'cap' ({self.cap})")

    def __repr__(self) -> str:
        defaults = self._param_defaults()
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(shown)})"

    # -- fitting --
    def fit(self, points: np.ndarray, cost: np.ndarray, *, client_group: np.ndarray | None = None,
            age: np.ndarray | None = None) -> Calibration:
        """Fit the raw curve on the cohort, then solve ``scale_`` for the target total."""
        self._validate_params()
        points, group, _ = _cohort(points, client_group, age, self.needs_group, type(self).__name__)
        cost = np.asarray(cost, dtype=np.float64)
        if not len(points):
            raise ValueError("cannot fit on an empty cohort")
        if cost.shape != points.shape or not np.all(np.isfinite(cost)) or np.any(cost < 0):
            raise ValueError("'cost' must be finite, >= 0 and the same length as 'points'")
        if points.max() <= 0:
            raise ValueError("the cohort has no RAS points: nothing to calibrate points against")
        with np.errstate(all="ignore"):
            self._fit_raw(points, cost, group)
            raw = self._raw(points, group)
        if not np.all(np.isfinite(raw)):
            raise ValueError(f"{type(self).__name__} fitted a curve that is not finite on this "
                             "cohort (points too close together or too small?)")
        current = float(cost.sum())
        want = {"cost_neutral": current, "savings": current - self.savings,
                "none": None}[self.target]
        self.scale_ = 1.0 if want is None else self._solve_scale(raw, want)
        self.n_fitted_ = len(points)
        self.current_total_ = current
        self.target_total_ = want
        self.allocated_total_ = float(self._shape(raw * self.scale_ * self.scale).sum())
        return self

    def allocate(self, points: np.ndarray, *, client_group: np.ndarray | None = None,
                 age: np.ndarray | None = None) -> np.ndarray:
        """Indicative annual budgets (£, float64) for people with these points."""
        if not hasattr(self, "scale_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit() before "
                                 "allocate()")
        points, group, _ = _cohort(points, client_group, age, self.needs_group, type(self).__name__)
        return self._shape(self._raw(points, group) * (self.scale_ * self.scale))

    def allocate_checked_inputs(self, points: np.ndarray, group: np.ndarray) -> np.ndarray:
        """`allocate` without re-checking inputs, for the simulation's monthly hot path.

        The caller guarantees float64 points >= 0 and int64 client-group codes, as the
        model's arrays are (validated once when the population was loaded).
        """
        return self._shape(self._raw(points, group) * (self.scale_ * self.scale))

    def fitted_summary(self) -> dict[str, Any]:
        """Fitted values as plain floats and lists, for reports and manifests."""
        if not hasattr(self, "scale_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet")
        out = {"kind": self.kind, "model": repr(self), "n_fitted": int(self.n_fitted_),
               "scale": float(self.scale_), "current_total": self.current_total_,
               "target_total": self.target_total_,
               "allocated_total": self.allocated_total_}
        out.update({k: _plain(v) for k, v in self._summary().items()})
        return out

    # -- hooks for subclasses --
    needs_group = False

    def _fit_raw(self, points: np.ndarray, cost: np.ndarray, group: np.ndarray | None) -> None:
        raise NotImplementedError

    def _raw(self, points: np.ndarray, group: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def _summary(self) -> dict[str, Any]:
        return {}

    # -- floor, cap and the target --
    def _shape(self, x: np.ndarray) -> np.ndarray:
        """Cap with panel exceptions, then the floor: monotone and continuous in x."""
        if self.cap is not None:
            x = np.where(x > self.cap, self.cap + self.cap_exception_share * (x - self.cap), x)
        return np.maximum(x, float(self.floor)).astype(np.float64, copy=False)

    def _solve_scale(self, raw: np.ndarray, want: float) -> float:
        """Exact piecewise-linear solve of total(c) = want, total(c) = sum(shape(c x raw)).

        The total is continuous, non-decreasing and linear between the breakpoints where
        someone reaches the floor or the cap, so we bisect over the sorted breakpoints and
        interpolate linearly inside the bracketing segment: exact up to rounding, with no
        iteration tolerance to tune.  Infeasible targets raise ValueError.  The user
        ``scale`` is left out on purpose: it applies on top of the target.
        """
        total = lambda c: float(self._shape(c * raw).sum())  # noqa: E731
        t0 = total(0.0)                                    # everyone on the floor
        if want <= 0:
            raise ValueError(f"target total £{want:,.2f} is not positive: the savings exceed "
                             "the cohort's current total")
        if want < t0 - PENNY / 2:
            raise ValueError(f"target total £{want:,.2f} is below floor x people = £{t0:,.2f}: "
                             "lower the floor")
        pos = raw[raw > 0]
        if want <= t0 or not len(pos):
            if want - t0 <= PENNY / 2:
                return 0.0
            raise ValueError("every raw allocation is zero: no scale can reach the target")
        levels = [float(self.floor)] + ([float(self.cap)] if self.cap is not None else [])
        bps = np.unique(np.concatenate([[0.0]] + [lv / pos for lv in levels]))
        t_last = total(bps[-1])
        if want >= t_last:                                 # beyond every breakpoint
            slope = pos.sum() * (1.0 if self.cap is None else self.cap_exception_share)
            if slope <= 0:
                if want - t_last <= PENNY / 2:
                    return float(bps[-1])
                raise ValueError(f"target total £{want:,.2f} exceeds the most the cap allows "
                                 f"(£{t_last:,.2f}): raise the cap or cap_exception_share")
            c = bps[-1] + (want - t_last) / slope
        else:                                              # total(bps[lo]) < want < total(bps[hi])
            lo, hi = 0, len(bps) - 1
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if total(bps[mid]) <= want:
                    lo = mid
                else:
                    hi = mid
            a, b = bps[lo], bps[hi]
            ta, tb = total(a), total(b)
            c = a + (want - ta) * (b - a) / (tb - ta)
        missed = total(c) - want
        if abs(missed) > PENNY / 2:                        # defensive: rounding only
            raise RuntimeError(f"scale solve missed the target by £{missed:,.4f}")
        return float(c)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        try:
            return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
        except (TypeError, ValueError):
            return False
    return a == b


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.astype(float).tolist()
    if isinstance(v, (np.floating, np.integer)):
        return float(v)
    return v


def _cohort(points: Any, group: Any, age: Any, needs_group: bool,
            who: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Validated float points, int group codes and ages (all 1-D, same length)."""
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 1:
        raise ValueError("'points' must be a 1-D array")
    if not np.all(np.isfinite(points)) or np.any(points < 0):
        raise ValueError("'points' must be finite and >= 0")
    if group is None:
        if needs_group:
            raise ValueError(f"{who} needs 'client_group' (codes 0..{N_GROUPS - 1})")
    else:
        group = np.asarray(group)
        if group.shape != points.shape or group.dtype.kind not in "iu" \
                or np.any((group < 0) | (group >= N_GROUPS)):
            raise ValueError(f"'client_group' must be integer codes 0..{N_GROUPS - 1}, "
                             "one per person")
        group = group.astype(np.int64)
    if age is not None:
        age = np.asarray(age, dtype=np.float64)
        if age.shape != points.shape:
            raise ValueError("'age' must have one value per person")
    return points, group, age


# ---- the models -------------------------------------------------------------------------
class StatusQuo(Calibration):
    """No RAS: the practice estimate, median cost per point by client group x points.

    A placeholder "indicative" for the baseline (target "none" by default), so that
    reports can show what current practice implies per point.  Rates are cost /
    max(points, 1) over people with points > 0; groups with fewer than
    ``min_group_size`` such people use the overall median.
    """

    kind = "status_quo"
    needs_group = True
    _parameter_constraints = {**Calibration._parameter_constraints,
                              "min_group_size": Interval(1, integer=True)}

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
    _parameter_constraints = {**Calibration._parameter_constraints,
                              "bands": Edges(), "percentile": Interval(0.0, 100.0)}

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


class Regression(Calibration):
    """Cost regressed on points over current users.

    form "linear": OLS cost ~ a + b x points.  "loglinear": OLS log(cost) ~ a + b x
    log1p(points) over people with cost > 0, predicted as exp(a + b x log1p(points))
    times Duan's smearing factor (mean of exp(residuals)) to undo the log bias.
    "median": least absolute deviations (exact LP, HiGHS), robust to a few very
    expensive packages.  A negative slope would fund more need with less money, so it
    is clipped at 0 with a warning (the intercept is then refitted alone); predictions
    are clipped at >= 0, hence monotone in points.
    """

    kind = "regression"
    _parameter_constraints = {**Calibration._parameter_constraints,
                              "form": OneOf("linear", "loglinear", "median")}

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
        self.coef_ = np.array([a, b], dtype=np.float64)
        if self.form == "loglinear":
            self.smearing_ = float(np.mean(np.exp(y - (a + b * x))))

    def _raw(self, points, group):
        a, b = self.coef_
        if self.form == "loglinear":
            return np.exp(a + b * np.log1p(points)) * self.smearing_
        return np.maximum(a + b * points, 0.0)

    def _summary(self):
        out = {"form": self.form, "intercept": float(self.coef_[0]), "slope": float(self.coef_[1])}
        if self.form == "loglinear":
            out["smearing"] = self.smearing_
        return out


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
    res = optimize.linprog(c, A_eq=a_eq, b_eq=yt, bounds=bounds, method="highs")
    if not res.success:
        raise ValueError(f"median regression failed: {res.message}")
    a_t, b_t = res.x[:2]
    slope = b_t * ys / xs
    return float(ym + ys * a_t - slope * xm), float(slope)


# ---- registry and factory ---------------------------------------------------------------
CALIBRATIONS: dict[str, type[Calibration]] = {
    "status_quo": StatusQuo,
    "price_per_point": PricePerPoint,
    "percentile": Percentile,
    "regression": Regression,
    "group_price_per_point": GroupPricePerPoint,
}


def make_calibration(kind: str, **params: Any) -> Calibration:
    """A calibration by registry name, parameters checked (ValueError with a suggestion)."""
    if kind not in CALIBRATIONS:
        raise ValueError(f"unknown calibration kind {kind!r}"
                         f"{nearest(str(kind), list(CALIBRATIONS))}")
    cls = CALIBRATIONS[kind]
    valid = list(cls._param_defaults())
    for key in params:
        if key not in valid:
            raise ValueError(f"calibration {kind!r}: unknown parameter {key!r}"
                             f"{nearest(key, valid)}")
    est = cls(**params)
    est._validate_params()
    return est

"""The calibration base estimator: parameters, floor and cap, and the target scale solve.

Every family (one module each) learns a raw "points to pounds" curve from what the
cohort costs today; this class then moves the family's lever so that the cohort's
total indicative budget (after floor and cap) meets the target exactly.  The default
lever is a uniform scale factor ``scale_``; a family may have its own (the percentile
family solves for the percentile).  ``fitted_summary()`` names the lever and its value.
``age`` is accepted everywhere but unused: an age-differentiated price per point
would need objective justification under the Equality Act 2010 ban on age
discrimination in services (from October 2012).
"""
from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from sim.inputs.categories import CLIENT_GROUP
from sim.policy.calibration.params import COMMON

N_GROUPS = len(CLIENT_GROUP)
PENNY = 0.01


class NotFittedError(RuntimeError, AttributeError):
    """``allocate`` (or a fitted attribute) was used before ``fit``."""


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
        savings: £ a year taken off the cohort's current total; required when
            target = "savings" (no default amount: a study passes its savings_target).
        scale: a user factor applied on top of the fitted scale (a sensitivity lever; the
            target then no longer holds exactly).
    """

    kind = "calibration"
    _parameter_constraints: ClassVar[dict[str, Any]] = COMMON

    def __init__(self, *, floor: float = 0.0, cap: float | None = None,
                 cap_exception_share: float = 0.0, target: str = "cost_neutral",
                 savings: float | None = None, scale: float = 1.0) -> None:
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
        if self.target == "savings" and self.savings is None:
            raise ValueError("parameter 'savings' is required when target = 'savings': the £ a "
                             "year to take off the cohort's current total (a study passes its "
                             "savings_target)")

    def __repr__(self) -> str:
        defaults = self._param_defaults()
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults[k])]
        return f"{type(self).__name__}({', '.join(shown)})"

    # -- fitting --
    def fit(self, points: np.ndarray, cost: np.ndarray, *, client_group: np.ndarray | None = None,
            age: np.ndarray | None = None, cash_share: np.ndarray | None = None) -> Calibration:
        """Fit the raw curve on the cohort, then solve ``scale_`` for the target total.

        ``cash_share``: the expected share of each person's budget that is spent (direct
        payments are partly clawed back).  Given, the target is met in expected cash, the
        money savings are judged in; omitted, in budgets.
        """
        self._validate_params()
        points, group, _ = _cohort(points, client_group, age, self.needs_group, type(self).__name__)
        cost = np.asarray(cost, dtype=np.float64)
        if not len(points):
            raise ValueError("cannot fit on an empty cohort")
        if cost.shape != points.shape or not np.all(np.isfinite(cost)) or np.any(cost < 0):
            raise ValueError("'cost' must be finite, >= 0 and the same length as 'points'")
        w = np.ones_like(cost) if cash_share is None else np.asarray(cash_share, dtype=np.float64)
        if w.shape != cost.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("'cash_share' must be finite, >= 0 and one per person")
        if points.max() <= 0:
            raise ValueError("the cohort has no RAS points: nothing to calibrate points against")
        with np.errstate(all="ignore"):
            self._fit_raw(points, cost, group)
            raw = self._raw(points, group)
        if not np.all(np.isfinite(raw)):
            raise ValueError(f"{type(self).__name__} fitted a curve that is not finite on this "
                             "cohort (points too close together or too small?)")
        current = float(cost @ w)
        want = self._target_total(current)
        self._meet_target(points, cost, group, raw, want, w)
        self.n_fitted_ = len(points)
        self.current_total_ = current
        self.target_total_ = want
        raw = self._raw(points, group)                     # the lever may have moved the curve
        self.allocated_total_ = float(self._shape(raw * self.scale_ * self.scale) @ w)
        return self

    def _meet_target(self, points: np.ndarray, cost: np.ndarray, group: np.ndarray | None,
                     raw: np.ndarray, want: float | None, w: np.ndarray) -> None:
        """Move this family's lever so the cohort meets ``want`` (None: leave it).

        The base lever rescales the raw curve uniformly (``scale_``); a family with a
        lever of its own (the percentile) overrides this.
        """
        self.scale_ = 1.0 if want is None else self._solve_scale(raw, want, w)

    def _lever(self) -> tuple[str, float]:
        """The lever that meets the target and its fitted value, for reports."""
        return "scale", float(self.scale_)

    def _target_total(self, current: float) -> float | None:
        """The total the cohort's indicative budgets must meet (None: no rescaling)."""
        if self.target == "none":
            return None
        return current - self.savings if self.target == "savings" else current

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
        lever, value = self._lever()
        out = {"kind": self.kind, "model": repr(self), "n_fitted": int(self.n_fitted_),
               "lever": lever, "lever_value": value,
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

    def _solve_scale(self, raw: np.ndarray, want: float, w: np.ndarray) -> float:
        """Exact piecewise-linear solve of total(c) = want, total(c) = sum(w x shape(c x raw)).

        The total is continuous, non-decreasing and linear between the breakpoints where
        someone reaches the floor or the cap, so we bisect over the sorted breakpoints and
        interpolate linearly inside the bracketing segment: exact up to rounding, with no
        iteration tolerance to tune.  Infeasible targets raise ValueError.  The user
        ``scale`` is left out on purpose: it applies on top of the target.
        """
        total = lambda c: float(self._shape(c * raw) @ w)
        t0 = total(0.0)                                    # everyone on the floor
        check_positive(want)
        if want < t0 - PENNY / 2:
            raise ValueError(f"target total £{want:,.2f} is below floor x people = £{t0:,.2f}: "
                             "lower the floor")
        pos, w_pos = raw[raw > 0], w[raw > 0]
        if want <= t0 or not len(pos):
            if want - t0 <= PENNY / 2:
                return 0.0
            raise ValueError("every raw allocation is zero: no scale can reach the target")
        levels = [float(self.floor)] + ([float(self.cap)] if self.cap is not None else [])
        bps = np.unique(np.concatenate([[0.0]] + [lv / pos for lv in levels]))
        t_last = total(bps[-1])
        if want >= t_last:                                 # beyond every breakpoint
            slope = (pos @ w_pos) * (1.0 if self.cap is None else self.cap_exception_share)
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


def check_positive(want: float) -> None:
    """A target total must be positive (ValueError naming the cause otherwise)."""
    if want <= 0:
        raise ValueError(f"target total £{want:,.2f} is not positive: the savings exceed "
                         "the cohort's current total")


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



"""Declared parameter rules: each estimator lists its parameters' rules once, by name.

A rule's ``check(name, value)`` raises ValueError naming the parameter, so a bad study
file fails with the key to fix.  The common parameters' rules live here too
(``COMMON``); each family adds its own on top.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.hints import nearest

TARGETS = ("cost_neutral", "savings", "none")


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


# The parameters every calibration has (see ``Calibration``).  ``savings`` has no default
# amount: it is required when target = "savings" (checked with the other cross-parameter
# rules in ``Calibration._validate_params``); a study passes its ``savings_target``.
COMMON: dict[str, Any] = {
    "floor": Interval(0.0),
    "cap": Interval(0.0, none_ok=True, open_lo=True),
    "cap_exception_share": Interval(0.0, 1.0),
    "target": OneOf(*TARGETS),
    "savings": Interval(none_ok=True),
    "scale": Interval(0.0, open_lo=True),
}

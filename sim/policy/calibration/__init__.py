"""RAS calibration models: "points to pounds" curves fitted on current users.

Each model is a small scikit-learn-style estimator on plain numpy arrays:
``fit(points, cost, *, client_group=None, age=None)`` learns a raw curve from what
the cohort costs today, then solves a scale factor ``scale_`` so that the cohort's
total indicative budget (after floor and cap) meets the target exactly;
``allocate(points, ...)`` gives indicative annual budgets in £.

One module per family; the base class (``base``) holds floor, cap and the target
solve, and ``params`` the parameter rules.  Parameters are declared once per class in
``_parameter_constraints`` and checked by ``_validate_params()`` (at the start of
``fit`` and by ``make_calibration``), so a bad study file fails with the parameter's
name.  A new family is one class here plus a block in scenarios/calibrations.toml.
"""
from __future__ import annotations

from typing import Any

from sim.hints import nearest
from sim.policy.calibration.base import Calibration, NotFittedError
from sim.policy.calibration.group_price import GroupPricePerPoint
from sim.policy.calibration.percentile import Percentile
from sim.policy.calibration.price_per_point import PricePerPoint
from sim.policy.calibration.regression import Regression
from sim.policy.calibration.status_quo import StatusQuo

__all__ = ["CALIBRATIONS", "Calibration", "GroupPricePerPoint", "NotFittedError", "Percentile",
           "PricePerPoint", "Regression", "StatusQuo", "make_calibration"]

CALIBRATIONS: dict[str, type[Calibration]] = {
    cls.kind: cls for cls in (StatusQuo, PricePerPoint, Percentile, Regression, GroupPricePerPoint)
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

"""The levers of an options search: named by dotted path, each a range or a set of choices.

A lever is one parameter of the search's base calibration block (``calibration.floor``,
``calibration.percentile``, ...) or of its base transition (``transition.max_loss``,
``transition.phases``, ...).  A candidate is the base blocks with the levers' values put in:
an ordinary calibration block and transition, so every candidate can be written out as a
ready-to-run block and rerun as a normal study.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from sim.policy.calibration import CALIBRATIONS, make_calibration
from sim.policy.transition import FIELDS, Transition

# Set by the study (the savings target) or metadata, never a lever.
NOT_LEVERS = {"calibration": ("savings",), "transition": ("description", "recommended")}


def lever_paths(calibration_kind: str) -> list[str]:
    """Every dotted path a search on a calibration of this kind may move."""
    cal = [k for k in CALIBRATIONS[calibration_kind]._parameter_constraints
           if k not in NOT_LEVERS["calibration"]]
    tr = [k for k in FIELDS if k not in NOT_LEVERS["transition"]]
    return [f"calibration.{k}" for k in cal] + [f"transition.{k}" for k in tr]


@dataclass(frozen=True)
class Lever:
    """One lever: `kind` "float" or "int" over [low, high] (log-spaced if `log`, on a grid
    of `step` if given), or "categorical" over `choices`."""

    path: str
    kind: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    log: bool = False
    step: float | None = None

    @property
    def section(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def key(self) -> str:
        return self.path.split(".", 1)[1]

    def distribution(self) -> BaseDistribution:
        """The lever as an Optuna distribution (choices travel as JSON text: Optuna takes
        only scalars, a lever may choose between lists such as points bands)."""
        if self.kind == "categorical":
            return CategoricalDistribution([json.dumps(c) for c in self.choices])
        if self.kind == "int":
            return IntDistribution(int(self.low), int(self.high), log=self.log,
                                   step=int(self.step or 1))
        return FloatDistribution(float(self.low), float(self.high), log=self.log, step=self.step)

    def value(self, sampled: Any) -> Any:
        """The lever's value from what the sampler drew."""
        return json.loads(sampled) if self.kind == "categorical" else sampled


def candidate_calibration(base: dict[str, Any], levers: list[Lever], values: dict[str, Any],
                          savings_target: float) -> dict[str, Any]:
    """The base calibration spec ({"kind": ..., **params}) with the calibration levers' values;
    a savings target's amount is always the study's."""
    spec = {**base, **{lv.key: values[lv.path] for lv in levers if lv.section == "calibration"}}
    spec.pop("savings", None)
    if spec.get("target") == "savings":
        spec["savings"] = savings_target
    return spec


def candidate_transition(base: Transition, name: str, levers: list[Lever],
                         values: dict[str, Any]) -> Transition:
    """The base transition with the transition levers' values, renamed, not recommended."""
    changes = {lv.key: values[lv.path] for lv in levers if lv.section == "transition"}
    return dataclasses.replace(base, name=name, recommended=False, description="", **changes)


def check_value(lever: Lever, value: Any, base_cal: dict[str, Any], base_tr: Transition) -> None:
    """Raise ValueError unless the base block accepts `value` for this lever."""
    if lever.section == "calibration":
        spec = {**base_cal, lever.key: value}
        make_calibration(spec.pop("kind"), **spec)
    else:
        dataclasses.replace(base_tr, **{lever.key: value})

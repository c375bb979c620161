"""A study's calibration blocks: checked against the study, then fitted on its cohort."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.hints import nearest
from sim.inputs.population import Population
from sim.model.money import expected_cash_share
from sim.model.params import Parameters
from sim.policy.calibration import CALIBRATIONS, make_calibration
from sim.policy.eligibility import Eligibility
from sim.study.study_error import StudyError


@dataclass(frozen=True)
class CalibrationBlock:
    """A calibration block read: the estimator's parameters and the block's metadata."""

    spec: dict[str, Any]            # {"kind": ..., **estimator parameters}
    recommended: bool


def calibration_block(cal_path: Path, name: str, block: Any,
                      spec: Any) -> CalibrationBlock:
    """Check one block; a savings target's amount is the study's, never the block's, and the
    floor is the study's minimum budget unless the block sets its own (`spec`: the study's
    [study] section, or anything with its savings_target and minimum_budget)."""
    block = dict(block)
    block.pop("description", None)
    recommended = block.pop("recommended", False)
    if not isinstance(recommended, bool):
        raise StudyError(f"{cal_path}: key '{name}.recommended' must be true or false, "
                         f"got {recommended!r}")
    if "savings" in block:
        raise StudyError(f"{cal_path}: key '{name}.savings': remove it; the amount comes from "
                         "the study's savings_target (key 'study.savings_target')")
    kind = block.pop("kind", None)
    if kind not in CALIBRATIONS:
        raise StudyError(f"{cal_path}: key '{name}.kind' is {kind!r}"
                         f"{nearest(str(kind), list(CALIBRATIONS))}")
    if block.get("target") == "savings":
        block["savings"] = spec.savings_target
    block.setdefault("floor", spec.minimum_budget)
    try:
        make_calibration(kind, **block)
    except (ValueError, TypeError) as exc:
        raise StudyError(f"{cal_path}: calibration '{name}': {exc}") from None
    return CalibrationBlock({"kind": kind, **block}, recommended)


def fitted_calibrations(specs: dict[str, dict[str, Any]], pop: Population, params: Parameters,
                        where: str, eligibility: Eligibility | None = None) -> dict[str, Any]:
    """Every calibration fitted on `pop` (those of them `eligibility` keeps), the cash share
    expected at `params` (the council's central beliefs, also in a probabilistic run: it
    cannot know a replicate's draw)."""
    keep = (np.ones(len(pop), bool) if eligibility is None
            else eligibility.eligible_at_start(pop.facs_band, pop.ras_points,
                                               params.need.facs_thresholds))
    cash = expected_cash_share(params, pop.pb_type, pop.client_group, pop.age)[keep]
    out = {}
    for name, spec in specs.items():
        spec = dict(spec)
        est = make_calibration(spec.pop("kind"), **spec)
        try:
            est.fit(pop.ras_points[keep], pop.annual_budget[keep],
                    client_group=pop.client_group[keep], age=pop.age[keep], cash_share=cash)
        except ValueError as exc:
            raise StudyError(f"{where}: calibration '{name}' cannot be fitted: {exc}") from None
        out[name] = est
    return out

"""Search files: load and validate an options search (see scenarios/search_default.toml).

A search names a base study (population, parameters, go-live, savings target), a base
calibration block and transition from its files, the levers to move (dotted paths with
ranges or choices), the constraints a candidate must meet and the objectives to minimise or
maximise, each an output of the normal tables (sim.analysis.search.metrics).  Every error
names the file and the key and is raised before anything is written.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.analysis.search.levers import Lever, check_value, lever_paths
from sim.analysis.search.metrics import METRICS
from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.toml_file import read_toml
from sim.model.params import explain
from sim.policy.transition import Transition, load_transitions
from sim.study.study_file import Study, calibration_block, load_study


class SearchError(InputError):
    """A search file that cannot be run; the message names the file and the key."""


class SearchSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    description: str = ""
    study: str = "default.toml"            # the base study, relative to the search file
    calibration: str                       # base calibration block (in the study's file)
    transition: str                        # base transition block (in the study's file)
    year: str | None = None                # financial year judged; default the first full one
    trials: int = Field(200, ge=1, le=100_000)
    batch: int = Field(20, ge=2, le=1000)  # candidates per generation, sharing replicates
    runs: int = Field(50, ge=1, le=100_000)
    seed: int = Field(2012, ge=0, lt=2**63)
    confirm_runs: int = Field(200, ge=1, le=1_000_000)
    confirm_seed: int | None = Field(None, ge=0, lt=2**63)  # default: seed + 1 (fresh worlds)
    confirm_max: int = Field(12, ge=1, le=200)  # most frontier candidates re-run


class LeverSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    type: Literal["float", "int", "categorical"] | None = None
    low: float | None = None
    high: float | None = None
    choices: list[Any] | None = Field(None, min_length=1)
    log: bool = False
    step: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_form(self) -> LeverSection:
        if self.choices is not None and (self.low is not None or self.high is not None):
            raise ValueError("give either choices or low and high, not both")
        if self.choices is None and (self.low is None or self.high is None):
            raise ValueError("give low and high (a range) or choices")
        return self


class ObjectiveSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    output: str
    direction: Literal["minimise", "maximise"] = "minimise"


class ConstraintSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    output: str
    at_least: float | None = Field(None, allow_inf_nan=False)
    at_most: float | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_bound(self) -> ConstraintSection:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least and at_most")
        return self

    def violation(self, value: float) -> float:
        """How far a value is on the wrong side (<= 0: met; a missing figure fails)."""
        if math.isnan(value):
            return float("inf")
        return self.at_least - value if self.at_least is not None else value - self.at_most


class SearchFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    search: SearchSection
    lever: list[LeverSection] = Field(min_length=1)
    objective: list[ObjectiveSection] = Field(min_length=1)
    constraint: list[ConstraintSection] = []


@dataclass
class Search:
    """A validated search, its base study loaded."""

    path: Path
    text: str
    spec: SearchSection
    levers: list[Lever]
    objectives: list[ObjectiveSection]
    constraints: list[ConstraintSection]
    study: Study
    base_calibration: dict[str, Any]   # estimator spec ({"kind": ..., ...}) as the study fits it
    base_calibration_block: dict[str, Any]  # the block as written in the calibrations file
    base_transition: Transition
    year: str

    @property
    def confirm_seed(self) -> int:
        return self.spec.seed + 1 if self.spec.confirm_seed is None else self.spec.confirm_seed

    @property
    def outputs(self) -> list[str]:
        """Every output the search reads (objectives first)."""
        names = [o.output for o in self.objectives] + [c.output for c in self.constraints]
        return list(dict.fromkeys(names))


def load_search(path: str | Path, *, trials: int | None = None, runs: int | None = None,
                ) -> Search:
    """Load and validate a search file and its base study (command-line trials and runs
    replace the file's)."""
    path = Path(path)
    try:
        raw, text = read_toml(path, "search file")
    except InputError as exc:
        raise SearchError(str(exc)) from None
    given = {k: v for k, v in (("trials", trials), ("runs", runs)) if v is not None}
    if given and isinstance(raw.get("search"), dict):
        raw["search"] = {**raw["search"], **given}
    try:
        sf = SearchFile.model_validate(raw)
    except ValidationError as exc:
        raise SearchError(explain(exc, str(path), SearchFile)) from None
    spec = sf.search
    study = load_study(path.parent / spec.study)
    cal_block, cal_spec, tr = _base_blocks(path, spec, study)
    levers = [_lever(path, i, lv, cal_spec, tr) for i, lv in enumerate(sf.lever)]
    _check_lever_set(path, levers, cal_spec)
    _check_outputs(path, sf)
    year = spec.year or study.first_full_year
    if year not in study.financial_years:
        raise SearchError(f"{path}: key 'search.year': '{year}' is not a financial year of the "
                          f"study{nearest(year, study.financial_years)}")
    return Search(path=path, text=text, spec=spec, levers=levers, objectives=sf.objective,
                  constraints=sf.constraint, study=study, base_calibration=cal_spec,
                  base_calibration_block=cal_block, base_transition=tr, year=year)


def _base_blocks(path: Path, spec: SearchSection,
                 study: Study) -> tuple[dict[str, Any], dict[str, Any], Transition]:
    """The base calibration (as written, and as the study would fit it) and transition."""
    cal_path = study.path.parent / study.spec.calibrations_file
    tr_path = study.path.parent / study.spec.transitions_file
    cal_raw, _ = read_toml(cal_path, "calibrations file")
    tr_raw, _ = read_toml(tr_path, "transitions file")
    for key, name, raw in (("calibration", spec.calibration, cal_raw),
                           ("transition", spec.transition, tr_raw)):
        if name not in raw or not isinstance(raw[name], dict):
            raise SearchError(f"{path}: key 'search.{key}': no {key} block named '{name}'"
                              f"{nearest(name, list(raw))}")
    block = dict(cal_raw[spec.calibration])
    if block.get("kind") == "status_quo":
        raise SearchError(f"{path}: key 'search.calibration': '{spec.calibration}' is the "
                          "status quo (the baseline every candidate is judged against)")
    cal_spec = calibration_block(cal_path, spec.calibration, block, study.spec).spec
    try:
        tr = load_transitions({spec.transition: tr_raw[spec.transition]})[spec.transition]
    except ValueError as exc:
        raise SearchError(f"{tr_path}: {exc}") from None
    return block, cal_spec, tr


def _lever(path: Path, i: int, lv: LeverSection, cal_spec: dict[str, Any],
           tr: Transition) -> Lever:
    """One lever checked: a known path, a non-empty range or choices the base block accepts."""
    key = f"key 'lever[{i + 1}]"
    paths = lever_paths(cal_spec["kind"])
    if lv.path not in paths:
        raise SearchError(f"{path}: {key}.path': '{lv.path}' names no lever of a "
                          f"{cal_spec['kind']} calibration or a transition{nearest(lv.path, paths)}")
    if lv.choices is not None:
        lever = Lever(lv.path, "categorical", choices=tuple(lv.choices))
        ends = [("choices", c) for c in lv.choices]
    else:
        kind = lv.type or ("int" if float(lv.low).is_integer() and float(lv.high).is_integer()
                           and _is_int_field(lv.path, cal_spec, tr) else "float")
        if lv.low >= lv.high:
            what = "empty" if lv.low == lv.high else "inverted"
            raise SearchError(f"{path}: {key}': the range [{lv.low:g}, {lv.high:g}] is {what}: "
                              "low must be below high")
        if lv.log and lv.low <= 0:
            raise SearchError(f"{path}: {key}.low': a log-spaced range must start above 0")
        if kind == "int" and not (float(lv.low).is_integer() and float(lv.high).is_integer()):
            raise SearchError(f"{path}: {key}.type': a whole-number lever needs whole-number "
                              f"ends, not [{lv.low:g}, {lv.high:g}] (every trial would be "
                              f"{int(lv.low)}): use type = \"float\"")
        cast = int if kind == "int" else float
        lever = Lever(lv.path, kind, cast(lv.low), cast(lv.high), log=lv.log, step=lv.step)
        ends = [("low", cast(lv.low)), ("high", cast(lv.high))]
    for name, value in ends:
        try:
            check_value(lever, value, cal_spec, tr)
        except (ValueError, TypeError) as exc:
            raise SearchError(f"{path}: {key}.{name}' ({lv.path} = {value!r}): {exc}") from None
    try:
        lever.distribution()
    except ValueError as exc:
        raise SearchError(f"{path}: {key}': {exc}") from None
    return lever


def _is_int_field(path: str, cal_spec: dict[str, Any], tr: Transition) -> bool:
    """Whether the base block holds a whole number there (transition.phases, say)."""
    section, key = path.split(".", 1)
    base = cal_spec.get(key) if section == "calibration" else getattr(tr, key)
    return isinstance(base, int) and not isinstance(base, bool)


def _extent(lever: Lever | None, base: Any) -> tuple[float, float] | None:
    """The smallest and largest value a lever can take (the base block's value when it is
    no lever); None when it can be absent (no cap)."""
    if lever is None:
        return None if base is None else (float(base), float(base))
    if lever.kind != "categorical":
        return float(lever.low), float(lever.high)
    numbers = [float(c) for c in lever.choices if isinstance(c, (int, float))]
    return (min(numbers), max(numbers)) if numbers else None


def _check_lever_set(path: Path, levers: list[Lever], cal_spec: dict[str, Any]) -> None:
    """Each path moved once, and no candidate with its floor above its cap (no calibration:
    it would fail only after the search had run)."""
    seen: dict[str, int] = {}
    for i, lv in enumerate(levers):
        if lv.path in seen:
            raise SearchError(f"{path}: key 'lever[{i + 1}].path': '{lv.path}' is already "
                              f"lever[{seen[lv.path] + 1}]; move each path once")
        seen[lv.path] = i
    by_path = {lv.path: lv for lv in levers}
    floor = _extent(by_path.get("calibration.floor"), cal_spec.get("floor"))
    cap = _extent(by_path.get("calibration.cap"), cal_spec.get("cap"))
    if floor is not None and cap is not None and floor[1] > cap[0]:
        raise SearchError(f"{path}: key 'lever': the floor can reach {floor[1]:g} but the cap "
                          f"can be as low as {cap[0]:g}; a candidate with its floor above its cap "
                          "is no calibration: keep the floor's range below the cap's")


def _check_outputs(path: Path, sf: SearchFile) -> None:
    """Every objective and constraint names an output the tables give, each constraint a
    value the output can take."""
    named = [(f"objective[{i + 1}]", o.output) for i, o in enumerate(sf.objective)]
    named += [(f"constraint[{i + 1}]", c.output) for i, c in enumerate(sf.constraint)]
    for key, output in named:
        if output not in METRICS:
            raise SearchError(f"{path}: key '{key}.output': '{output}' is no output of the "
                              f"tables{nearest(output, list(METRICS))}")
    for i, c in enumerate(sf.constraint):
        lo, hi = METRICS[c.output].bounds
        bound, which = (c.at_least, "at_least") if c.at_least is not None else (c.at_most,
                                                                               "at_most")
        if not lo <= bound <= hi:
            raise SearchError(f"{path}: key 'constraint[{i + 1}].{which}': {bound:g} is outside "
                              f"[{lo:g}, {hi:g}], every value {c.output} can take")
    outputs = [o.output for o in sf.objective]
    if len(set(outputs)) < len(outputs):
        raise SearchError(f"{path}: key 'objective': an output is named twice")

"""Study files: load, validate, and expand calibration x transition into policies.

A study is one TOML file (see scenarios/default.toml).  Paths in it are relative
to the file.  Every error names the file and the key, suggests the nearest valid
key, and is raised before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.calendar import Month, financial_year_of, first_full_year, month_index, month_label
from sim.inputs.files import file_sha256
from sim.inputs.param_records import LeafRecord
from sim.inputs.population import Population, load_population
from sim.inputs.schema import PopulationError
from sim.inputs.toml_file import read_toml
from sim.model.parameter_set import ParameterSet, load_parameter_set
from sim.model.params import ParameterError, Parameters, explain
from sim.model.uncertainty import Uncertainty
from sim.paths import DEFAULT_POPULATION, DEFAULT_TARGETS
from sim.policy.dre import StandardDre
from sim.policy.eligibility import DEFAULT_BANDS, Eligibility
from sim.policy.policy import NO_CREEP, Policy
from sim.policy.transition import Transition, load_transitions
from sim.study.calibration_blocks import (  # noqa: F401
    CalibrationBlock,
    calibration_block,
    fitted_calibrations,
)
from sim.study.eia_rule import RecordedRule, study_rule
from sim.study.finance_section import FinanceSection
from sim.study.study_error import StudyError
from sim.study.variants_section import VariantsSection, variant_policies


class StudySection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # one plain folder name under results/ (no '.', '..' or path separators)
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    description: str = ""
    population: str = "../populations/bnes_2012_synthetic.csv"
    parameters: str = "parameters.toml"
    # parameter files holding only some records, applied in order over `parameters` (e.g. a
    # council's own rates, written by `run-sim import --events`)
    parameter_overlays: list[str] = []
    calibrations_file: str = "calibrations.toml"
    # the EIA rating rule (relative to this file); unset, eia_rating.toml beside the study if
    # there is one, else the installed rule.  Recorded with the run (sim.study.eia_rule).
    eia_rating_file: str | None = None
    transitions_file: str = "transitions.toml"
    go_live: Month = "2013-01"
    horizon_end: Month = "2018-03"
    savings_target: float = Field(ge=0, le=1e9)  # £ a year; every "savings" calibration aims at it
    minimum_budget: float = Field(ge=0, le=1e6)  # £ a year: every calibration's floor unless set
    runs: int = Field(200, ge=1, le=1_000_000)
    seed: int = Field(2012, ge=0, lt=2**63)
    calibrations: list[str] | Literal["all"] = "all"
    transitions: list[str] | Literal["all"] = "all"
    # explicit (calibration, transition) pairs instead of the cross product (an options search
    # writes its frontier this way); given, calibrations and transitions may not be
    policies: list[tuple[str, str]] | None = Field(None, min_length=1)
    chunk_size: int = Field(50, ge=1)
    block_size: int = Field(2, ge=1, le=10_000)   # replicates run as one array program
    reservoir_replicates: int = Field(20, ge=0)
    # Probabilistic run: each replicate draws its parameters from their distributions; a
    # companion set of up to events_only_runs replicates at the central values (the same
    # seeds) gives the events-only figures beside them in target.csv.
    uncertainty: bool = False
    events_only_runs: int = Field(200, ge=1, le=1_000_000)


class ReportSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suppress_below: int = Field(10, ge=0)
    cost_neutral_tolerance: float = Field(0.01, ge=0, le=1)


class EligibilitySection(BaseModel):
    """FACS eligibility of every policy of the study (sim.policy.eligibility): the RAS policies
    as set here, the status quo with current practice's bands (team offsets kept).  Opt-in:
    without an [eligibility] section every policy funds everyone the status quo funds."""

    model_config = ConfigDict(extra="forbid")
    # seed: B&NES funds substantial and critical needs (March 2012 report, 4.8(2))
    bands: list[Literal["critical", "substantial", "moderate", "low"]] = Field(
        default=list(DEFAULT_BANDS), min_length=1)
    continue_share: float = Field(0.0, ge=0, le=1)   # assumption: nobody below them continues
    consistent_facs: bool = False                    # band from points alone (no team offset)

    def rule(self) -> Eligibility:
        return Eligibility(tuple(self.bands), self.continue_share, self.consistent_facs)


class ChargingSection(BaseModel):
    """Charging reforms of every RAS policy of the study (sim.policy.dre).  Opt-in: without a
    [charging] section every policy keeps each team's DRE practice; the status quo always
    does.  Whether contributions are charged at all is the parameters' [charging]."""

    model_config = ConfigDict(extra="forbid")
    standard_dre: bool = False   # DRE by one council-wide rule, not the team's practice

    def rule(self) -> StandardDre | None:
        return StandardDre() if self.standard_dre else None


class StudyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    study: StudySection
    report: ReportSection = ReportSection()
    finance: FinanceSection = FinanceSection()
    variants: VariantsSection | None = None
    eligibility: EligibilitySection | None = None
    charging: ChargingSection | None = None
    overrides: dict[str, Any] = {}


@dataclass
class Study:
    """A validated study, ready to run."""

    path: Path
    text: str
    spec: StudySection
    report: ReportSection
    overrides: dict[str, Any]
    finance: FinanceSection
    eligibility: Eligibility | None
    standard_dre: StandardDre | None
    parameters: ParameterSet  # values, records and uncertain inputs, read once
    population: Population
    calibration_specs: dict[str, dict[str, Any]]
    transitions: dict[str, Transition]
    eia_rule: RecordedRule                 # the rating rule, as read when the study loaded
    calibrations_text: str = ""            # the calibrations file, as read then
    calibrations: dict[str, Any] = field(default_factory=dict)  # fitted, by name
    policies: list[Policy] = field(default_factory=list)

    @property
    def params(self) -> Parameters:
        return self.parameters.values

    @property
    def uncertainty(self) -> Uncertainty:
        """The uncertain inputs (drawn when spec.uncertainty)."""
        return self.parameters.uncertainty

    @property
    def records(self) -> dict[str, LeafRecord]:
        """Every leaf parameter's record, by dotted path."""
        return self.parameters.records

    @property
    def events_only_runs(self) -> int:
        """Replicates of the events-only companion of a probabilistic run (0 when fixed)."""
        return min(self.spec.runs, self.spec.events_only_runs) if self.spec.uncertainty else 0

    @property
    def start(self) -> str:
        return self.params.time.start

    @property
    def n_months(self) -> int:
        return month_index(self.start, self.spec.horizon_end) + 1

    @property
    def go_live(self) -> int:
        return month_index(self.start, self.spec.go_live)

    @property
    def months(self) -> list[str]:
        return [month_label(self.start, m) for m in range(self.n_months)]

    @property
    def financial_years(self) -> list[str]:
        return list(dict.fromkeys(financial_year_of(self.start, m) for m in range(self.n_months)))

    @property
    def month_fy(self) -> list[int]:
        fys = self.financial_years
        return [fys.index(financial_year_of(self.start, m)) for m in range(self.n_months)]

    @property
    def first_full_year(self) -> str:
        """The year savings are judged in (see sim.params.first_full_year)."""
        return first_full_year(self.month_fy, self.financial_years, self.go_live)

    @property
    def snapshot_months(self) -> tuple[int, int]:
        """End of the first year after go-live, and end of the horizon."""
        return (min(self.go_live + 11, self.n_months - 1), self.n_months - 1)


def _read_toml(path: Path, what: str) -> tuple[dict[str, Any], str]:
    try:
        return read_toml(path, what)
    except InputError as exc:
        raise StudyError(str(exc)) from None


def _select(kind: str, wanted: list[str] | str, available: list[str], path: Path) -> list[str]:
    if wanted == "all":
        return list(available)
    for name in wanted:
        if name not in available:
            raise StudyError(f"{path}: key 'study.{kind}': no {kind[:-1]} named '{name}'"
                             f"{nearest(name, available)}")
    return list(dict.fromkeys(wanted))


def load_study(path: str | Path, *, runs: int | None = None, seed: int | None = None,
               uncertainty: bool | None = None) -> Study:
    """Load and validate a study and everything it names (every distribution included, even
    for a fixed run); fit its calibrations.  `uncertainty` True makes the run probabilistic."""
    path = Path(path)
    sf, text = _read_study_file(path, runs, seed)
    spec = sf.study
    if uncertainty is not None:
        spec.uncertainty = uncertainty
    parameters = _parameters(path, spec, sf.overrides)
    population = _population(path, spec)
    parameters = _with_population(path, spec, parameters, population)
    cal_path, tr_path = path.parent / spec.calibrations_file, path.parent / spec.transitions_file
    cal_raw, cal_text = _read_toml(cal_path, "calibrations file")
    tr_raw, _ = _read_toml(tr_path, "transitions file")
    cal_names, tr_names = _select_policies(path, spec, cal_raw, tr_raw)
    pairs = _pairs(path, spec, cal_names, tr_names)
    cal_names = list(dict.fromkeys(c for c, _ in pairs))
    tr_names = list(dict.fromkeys(t for _, t in pairs))
    transitions = _transitions(tr_path, tr_raw, tr_names)
    blocks = {c: calibration_block(cal_path, c, cal_raw[c], spec)
              for c in cal_names}
    study = Study(path=path, text=text, spec=spec, report=sf.report, overrides=sf.overrides,
                  finance=sf.finance,
                  eligibility=sf.eligibility.rule() if sf.eligibility else None,
                  standard_dre=sf.charging.rule() if sf.charging else None,
                  parameters=parameters, population=population,
                  calibration_specs={c: b.spec for c, b in blocks.items()},
                  transitions=transitions, eia_rule=_eia_rule(path, spec),
                  calibrations_text=cal_text)
    fit_calibrations(study)
    sq = [status_quo(study.eligibility), status_quo(study.eligibility, creep=False)]
    study.policies = sq + [
        Policy(f"{c}+{t}", c, transitions[t], recommended_calibration=blocks[c].recommended,
               eligibility=study.eligibility, standard_dre=study.standard_dre)
        for c, t in pairs
    ]
    if sf.variants is not None:
        study.policies += variant_policies(path, sf.variants, study.policies)
    return study


def _read_study_file(path: Path, runs: int | None, seed: int | None) -> tuple[StudyFile, str]:
    """The study file, validated, with the command line's runs and seed applied."""
    raw, text = _read_toml(path, "study file")
    given = {k: v for k, v in (("runs", runs), ("seed", seed)) if v is not None}
    if given and isinstance(raw.get("study"), dict):  # validated like the file's own values
        raw["study"] = {**raw["study"], **given}
    try:
        sf = StudyFile.model_validate(raw)
    except ValidationError as exc:
        msg = explain(exc, str(path), StudyFile)
        for key in given:
            msg = msg.replace(f"key 'study.{key}'", f"--{key} (key 'study.{key}')")
        raise StudyError(msg) from None
    return sf, text


def overlay_paths(path: Path, spec: StudySection) -> list[Path]:
    """The study's parameter overlays (relative to the study file), each one checked to exist."""
    out = [path.parent / o for o in spec.parameter_overlays]
    for o, p in zip(spec.parameter_overlays, out):
        if not p.is_file():
            raise StudyError(f"{path}: key 'study.parameter_overlays': file not found: {p}")
    return out


def _parameters(path: Path, spec: StudySection, overrides: dict[str, Any]) -> ParameterSet:
    """The model parameters with the study's overrides (the file read once); go-live and
    horizon checked against them."""
    try:
        parameters = load_parameter_set(path.parent / spec.parameters, overrides,
                                        where=f"{path} [overrides]",
                                        overlays=overlay_paths(path, spec))
    except ParameterError as exc:
        raise StudyError(str(exc)) from None
    start = parameters.values.time.start
    if month_index(start, spec.go_live) < 1:
        raise StudyError(f"{path}: key 'study.go_live' ({spec.go_live}) must come after the "
                         f"population's start month {start}")
    if month_index(spec.go_live, spec.horizon_end) < 0:
        raise StudyError(f"{path}: key 'study.horizon_end' ({spec.horizon_end}) is before go-live")
    return parameters


def _with_population(path: Path, spec: StudySection, parameters: ParameterSet,
                     population: Population) -> ParameterSet:
    """The parameters with the synthetic population's assumptions, which count only for the
    shipped synthetic population (the one built from them).  Every distribution is parsed;
    whether its whole support gives valid parameters is checked only for a probabilistic run
    here, else when a run draws from it (a fixed run may override a multiplied list to where
    the distribution's ends would leave its range)."""
    shipped = population.synthetic and population.sha256 == file_sha256(DEFAULT_POPULATION)
    try:
        if shipped:
            return parameters.with_targets(DEFAULT_TARGETS, check=spec.uncertainty)
        return parameters.checked() if spec.uncertainty else parameters
    except InputError as exc:
        raise StudyError(str(exc)) from None


def _eia_rule(path: Path, spec: StudySection) -> RecordedRule:
    try:
        return study_rule(path, spec.eia_rating_file)
    except InputError as exc:
        raise StudyError(f"{path}: key 'study.eia_rating_file': {exc}") from None


def _select_policies(path: Path, spec: StudySection, cal_raw: dict[str, Any],
                     tr_raw: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The calibrations (status quo aside: it is the baseline) and transitions to cross."""
    cal_names = _select("calibrations", spec.calibrations, list(cal_raw), path)
    tr_names = _select("transitions", spec.transitions, list(tr_raw), path)
    for c in cal_names:
        if not isinstance(cal_raw[c], dict):
            raise StudyError(f"{path.parent / spec.calibrations_file}: '{c}' must be a table "
                             "of parameters")
    cal_names = [c for c in cal_names if cal_raw[c].get("kind") != "status_quo"]
    if not cal_names or not tr_names:
        raise StudyError(f"{path}: the study crosses no calibration with no transition "
                         "(keys 'study.calibrations' and 'study.transitions'): nothing to compare")
    return cal_names, tr_names


def _pairs(path: Path, spec: StudySection, cal_names: list[str],
           tr_names: list[str]) -> list[tuple[str, str]]:
    """The (calibration, transition) pairs to run: the study's explicit `policies` (each name
    checked, duplicates dropped, status-quo calibrations refused: the baseline is always run)
    or else every calibration crossed with every transition."""
    if spec.policies is None:
        return [(c, t) for c in cal_names for t in tr_names]
    if {"calibrations", "transitions"} & spec.model_fields_set:
        raise StudyError(f"{path}: key 'study.policies' lists the pairs to run; remove "
                         "'study.calibrations' and 'study.transitions'")
    for c, t in spec.policies:
        for kind, name, known in (("calibration", c, cal_names), ("transition", t, tr_names)):
            if name not in known:
                raise StudyError(f"{path}: key 'study.policies': no {kind} named '{name}' "
                                 f"(status quo aside){nearest(name, known)}")
    return list(dict.fromkeys(spec.policies))


def _transitions(tr_path: Path, tr_raw: dict[str, Any], names: list[str]) -> dict[str, Transition]:
    try:
        return load_transitions({t: tr_raw[t] for t in names})
    except ValueError as exc:
        raise StudyError(f"{tr_path}: {exc}") from None


def _population(path: Path, spec: StudySection) -> Population:
    pop_path = (path.parent / spec.population).resolve()
    if not pop_path.exists():
        raise StudyError(f"{path}: key 'study.population': file not found: {pop_path}")
    try:
        return load_population(pop_path)
    except PopulationError as exc:
        raise StudyError(str(exc)) from None


def status_quo(eligibility: Eligibility | None, *, creep: bool = True) -> Policy:
    """The baseline: current practice, applying the study's eligibility as its teams band;
    `creep=False` the same practice without its creep from go-live (sim.model.creep)."""
    return Policy("status_quo" if creep else NO_CREEP, practice_creep=creep,
                  eligibility=eligibility and eligibility.for_status_quo())


def fit_calibrations(study: Study) -> None:
    """Fit every calibration on the current users (the go-live cohort known at calibration)
    who remain eligible under the study's rule."""
    study.calibrations.update(fitted_calibrations(study.calibration_specs, study.population,
                                                  study.params, str(study.path),
                                                  study.eligibility))

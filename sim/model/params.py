"""Model parameters: loaded from TOML, validated once, overridable by dotted path.

Every rate lives in scenarios/parameters.toml with its source.  A study may
override a value by path (PolicyEngine-style reforms as data).  Errors name the
file and the key and suggest the nearest valid key.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.calendar import Month, month_index
from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, FACS_BAND, PB_TYPE
from sim.inputs.param_records import LeafRecord, RecordError, overlay, split_records
from sim.inputs.text import PlainText, quoted
from sim.inputs.toml_file import TomlFileError, read_toml
from sim.inputs.validation_errors import SHOW_KEY, explain
from sim.paths import DEFAULT_PARAMETERS


class ParameterError(InputError):
    """A parameter file or override that cannot be used."""


# Every number has a plausible range, stated in its description: a typo (1e9 for 1e-9), a
# sign slip or nan/inf is refused with the key's name instead of running to nonsense.
Probability = Annotated[float, Field(ge=0, le=1)]
Multiplier = Annotated[float, Field(ge=0, le=10)]
Points = Annotated[float, Field(ge=0, le=1000)]  # a RAS scale; B&NES tops out near 150
Drift = Annotated[float, Field(ge=-10, le=10)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    source: PlainText = Field(min_length=1, description="where the numbers come from")


def _by_band(v: list[Any]) -> list[Any]:
    if len(v) != len(AGE_BAND):
        raise ValueError(f"needs {len(AGE_BAND)} values, one per age band {list(AGE_BAND.codes)}")
    return v


def _by_codes(v: dict[str, Any], codes: tuple[str, ...]) -> dict[str, Any]:
    missing = [c for c in codes if c not in v]
    extra = [k for k in v if k not in codes]
    if missing or extra:
        raise ValueError(f"keys must be exactly {list(codes)} (missing {missing}, unknown {extra})")
    return v


def _keyed(codes: tuple[str, ...]) -> AfterValidator:
    return AfterValidator(lambda v: _by_codes(v, codes))


# The shapes a section's lists and tables take, each checked once here: a list by age band,
# a table by client group or by PB type (each element typed by the parameter's own range).
T = TypeVar("T")
ByAgeBand = Annotated[list[T], AfterValidator(_by_band)]
ByGroup = Annotated[dict[str, T], _keyed(CLIENT_GROUP.codes)]
ByPbType = Annotated[dict[str, T], _keyed(PB_TYPE.codes)]
Cost = Annotated[float, Field(ge=0, le=500_000)]  # £ a year per resident
Weekly = Annotated[float, Field(ge=0, le=10_000)]  # £ a week


class Time(_Section):
    start: Month = Field(description="first simulated month, the population file's date")
    conversion_deadline: Month = Field(
        description="old-style packages still open are converted by a review this month; "
        "not before start")

    @model_validator(mode="after")
    def _order(self) -> Time:
        if month_index(self.start, self.conversion_deadline) < 0:
            raise ValueError(f"conversion_deadline {self.conversion_deadline} is before "
                             f"start {self.start}")
        return self


class Hazard(_Section):
    enabled: bool = True
    by_age_band: ByAgeBand[Probability] = Field(
        description="annual probability by age band, each 0 to 1")
    client_group_multiplier: ByGroup[Multiplier] = Field(
        description="multiplies the age-band probability, 0 to 10 (the product is capped at 1)")


class Residential(Hazard):
    annual_cost_by_group: ByGroup[Cost] = Field(
        description="£ a year per resident by client group (base prices), each 0 to 500,000")
    annual_mortality_by_group: ByGroup[Probability] = Field(
        description="annual probability a resident of a care home dies, by client group (every "
        "resident: admitted during the run or in care at the start), each 0 to 1")


class ResidentialStock(_Section):
    """People already in residential care when the run starts (not in the population file)."""

    enabled: bool = False
    people_by_group: ByGroup[Annotated[float, Field(ge=0, le=100_000)]] = Field(
        description="residents at the start by client group, each 0 to 100,000")


class Feedback(_Section):
    enabled: bool = True
    shortfall_threshold: float = Field(ge=0, le=1, description="share of the budget the "
                                       "assessed need warrants (no creep) missing that counts "
                                       "as a shortfall, 0 to 1")
    hazard_multiplier: float = Field(ge=0, le=10, description="residential hazard multiplier "
                                     "under a shortfall, 0 to 10")


class Demand(_Section):
    enabled: bool = True
    mode: Literal["balance", "constant"] = "balance"
    net_growth_per_year: float = Field(ge=-0.5, le=1.0, description="growth a year in each "
                                       "client group's users in the community ('balance' "
                                       "mode, in expectation), -0.5 to 1")
    rate_per_month: float = Field(ge=0, le=5_000, description="arrivals a month in 'constant' "
                                  "mode, 0 to 5,000 (a large council takes a few hundred)")
    points_factor: float = Field(ge=0, le=5, description="new referrals' points relative to "
                                 "the current users', 0 to 5")


class Referrals(_Section):
    age_mix_by_group: ByGroup[ByAgeBand[Probability]] = Field(
        description="share of each client group's new referrals in each age band, each 0 to 1, "
        "summing to 1")

    @field_validator("age_mix_by_group")
    @classmethod
    def _mix(cls, v: dict[str, list[float]]) -> dict[str, list[float]]:
        for group, shares in v.items():
            if abs(sum(shares) - 1.0) > 0.01:
                raise ValueError(f"{group}'s shares add up to {sum(shares):g}, not 1")
        return v


class Need(_Section):
    enabled: bool = True
    drift_per_month_by_age_band: ByAgeBand[Drift] = Field(
        description="points gained a month by age band, each -10 to 10")
    noise_sd_per_month: float = Field(ge=0, le=20, description="spread of individual "
                                      "change, points a month, 0 to 20")
    max_points: float = Field(gt=0, le=1000, description="points cap, up to 1,000")
    facs_thresholds: dict[str, Points] = Field(
        description="lower points edges of critical, substantial, moderate, each 0 to 1,000")

    @field_validator("facs_thresholds")
    @classmethod
    def _facs(cls, v: dict[str, float]) -> dict[str, float]:
        v = _by_codes(v, FACS_BAND.codes[:3])
        if not v["critical"] >= v["substantial"] >= v["moderate"] >= 0:
            raise ValueError("thresholds must satisfy critical >= substantial >= moderate >= 0")
        return v


class Facs(_Section):
    team_offset_points: dict[str, Annotated[float, Field(ge=-100, le=100)]] = Field(
        default_factory=dict, description="points each team's assessors add (or take off) "
        "when banding FACS, by team name, each -100 to 100; a team not listed adds none")


class Reviews(_Section):
    scheduled: bool = True
    per_user_per_year: float = Field(gt=0, le=12, description="scheduled reviews a user a "
                                     "year, above 0 and up to 12: the mean interval between "
                                     "scheduled reviews is 12 / this many months")
    completed_per_user_per_year: float = Field(gt=0, le=12, description="completed reviews a "
                                               "user a year the schedule is calibrated to "
                                               "(scheduled and triggered), above 0 and up to 12")
    spread_sd_months: float = Field(ge=0, le=60, description="spread of review timing, "
                                    "months, 0 to 60")
    backlog_months: int = Field(ge=1, le=60, description="reviews overdue at the start are "
                                "spread uniformly over this many months, 1 to 60")
    trigger_relative_change: float = Field(gt=0, le=10, description="relative change in points "
                                           "that triggers a review, above 0 and up to 10")
    trigger_min_points: float = Field(ge=0, le=1000, description="a triggered review also "
                                      "needs at least this many points of change, 0 to 1,000")

    @property
    def interval_months(self) -> float:
        """Mean months between scheduled reviews."""
        return 12.0 / self.per_user_per_year


class Choice(_Section):
    switch_at_review: Probability = Field(description="chance of changing PB type at a "
                                          "review, 0 to 1")
    direct_payment_by_group: ByGroup[Probability] = Field(
        description="chance of choosing a direct payment, 0 to 1")
    mixed_by_group: ByGroup[Probability] = Field(description="chance of a mixed PB, 0 to 1")
    direct_payment_age_multiplier_by_band: ByAgeBand[Multiplier] = Field(
        description="multiplies the direct payment chance by age band, each 0 to 10")


class Money(_Section):
    uplift_per_year: float = Field(ge=-0.5, le=1.0, description="price uplift a year, -0.5 to 1")
    uplift_month: int = Field(ge=1, le=12, description="calendar month of the uplift, 1 to 12")
    utilisation: ByPbType[Annotated[float, Field(ge=0, le=1.5)]] = Field(
        description="share of a budget spent by PB type, each 0 to 1.5")
    direct_payment_cost_difference: float = Field(ge=-1, le=1, description="extra cost of a "
                                                  "direct payment over its budget, share, -1 to 1")


class Practice(_Section):
    points_elasticity: float = Field(ge=0, le=3, description="budget elasticity to points, "
                                     "0 to 3")
    creep_per_review: float = Field(ge=-0.5, le=1.0, description="budget drift a review, "
                                    "share, -0.5 to 1")
    arrival_noise_sd: float = Field(ge=0, le=3, description="log-normal spread of a new "
                                    "user's budget, 0 to 3")
    min_cell_size: int = Field(ge=1, le=10_000, description="smallest client group x PB type "
                               "cell priced on its own, 1 to 10,000")


class Parameters(_Section):
    """All model parameters, validated."""

    source: str = "parameters file"
    time: Time
    death: Hazard
    residential: Residential
    residential_stock: ResidentialStock
    feedback: Feedback
    other_exit: Hazard
    demand: Demand
    referrals: Referrals
    need: Need
    facs: Facs
    reviews: Reviews
    choice: Choice
    money: Money
    practice: Practice
    charging: Charging | None = None   # None: no financial assessment (contributions nil)


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any], where: str) -> dict[str, Any]:
    """Return a copy of raw with dotted-path overrides applied (paths must already exist)."""
    out = copy.deepcopy(raw)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = out
        for i, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                options = list(node) if isinstance(node, dict) else []
                prefix = ".".join(parts[:i])
                raise ParameterError(
                    f"{where}: override {quoted(dotted, SHOW_KEY)} names no parameter"
                    f"{' under ' + repr(prefix) if prefix else ''}{nearest(part, options)}"
                )
            if i == len(parts) - 1:
                node[part] = value
            else:
                node = node[part]
    return out


def read_parameters(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None, where: str = "",
    overlays: Sequence[str | Path] = (),
) -> tuple[dict[str, Any], dict[str, LeafRecord]]:
    """The plain values (records unwrapped, overlays then overrides applied) and the leaf
    records.  An overlay is a parameter file holding only some records (e.g. rates estimated
    from a council's own history, `run-sim import --events`); its records replace the base's."""
    path = Path(path) if path else DEFAULT_PARAMETERS
    try:
        raw, _ = read_toml(path, "parameter file")
        for extra in overlays:
            raw = overlay(raw, read_toml(extra, "parameter overlay")[0], str(extra))
        raw, records = split_records(raw)
    except (TomlFileError, InputError) as exc:
        files = f"{path} (with overlay {', '.join(map(str, overlays))})" if overlays else path
        named = any(str(exc).startswith(str(f)) for f in (path, *overlays))
        raise ParameterError(f"{files}: {exc}" if isinstance(exc, RecordError) and not named
                             else str(exc)) from None
    raw.setdefault("source", str(path))
    if overrides:
        raw = apply_overrides(raw, overrides, where or str(path))
    return raw, records


def validated(raw: dict[str, Any], where: str) -> Parameters:
    try:
        return Parameters.model_validate(raw)
    except ValidationError as exc:
        raise ParameterError(explain(exc, where, Parameters)) from None


def load_parameters(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None, where: str = "",
    overlays: Sequence[str | Path] = (),
) -> Parameters:
    """Load, overlay, override and validate the model parameters."""
    raw, _ = read_parameters(path, overrides, where, overlays)
    return validated(raw, where or str(path or DEFAULT_PARAMETERS))


def monthly_hazard(annual: np.ndarray | float) -> np.ndarray:
    """Monthly hazard equivalent to an annual probability."""
    return 1.0 - (1.0 - np.asarray(annual, dtype=np.float64)) ** (1.0 / 12.0)


def hazard_table(h: Hazard) -> np.ndarray:
    """Monthly hazard as a (client_group, age_band) table; zero when the process is off."""
    if not h.enabled:
        return np.zeros((len(CLIENT_GROUP), len(AGE_BAND)))
    mult = np.array([h.client_group_multiplier[c] for c in CLIENT_GROUP.codes])
    annual = np.clip(mult[:, None] * np.array(h.by_age_band)[None, :], 0.0, 1.0)
    return monthly_hazard(annual)


class Charging(_Section):
    """The financial assessment (sim.model.charging): who pays what towards their budget."""

    enabled: bool = True
    taper: Probability = Field(description="share of assessable income above the allowance "
                               "and DRE taken as the contribution, 0 to 1")
    allowance_weekly_by_age_band: ByAgeBand[Weekly] = Field(
        description="protected allowance (Minimum Income Guarantee), £ a week by age band")
    benefit_income_weekly_by_age_band: ByAgeBand[Weekly] = Field(
        description="synthetic income where the population has none: benefits and pensions, "
                    "£ a week by age band")
    other_income_mean_weekly_by_age_band: ByAgeBand[Weekly] = Field(
        description="synthetic income: mean of other income (exponential), £ a week by age band")
    dre_mean_weekly_by_group: ByGroup[Weekly] = Field(
        description="synthetic DRE where the population has none: mean by client group, £ a week")
    dre_spread_sd: float = Field(ge=0, le=3, description="log-normal spread of a person's "
                                 "synthetic DRE around their group's mean, 0 to 3")
    dre_team_multiplier: dict[str, Multiplier] = Field(
        default_factory=dict, description="how generously each team sanctions DRE, by team "
        "name, each 0 to 10; a team not listed: 1")
    seed: int = Field(ge=0, lt=2**63, description="seed of the synthetic values (the same in "
                      "every replicate)")


Parameters.model_rebuild()

"""Model parameters: loaded from TOML, validated once, overridable by dotted path.

Every rate lives in scenarios/parameters.toml with its source.  A study may
override a value by path (PolicyEngine-style reforms as data).  Errors name the
file and the key and suggest the nearest valid key.
"""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, FACS_BAND, PB_TYPE
from sim.paths import DEFAULT_PARAMETERS


class ParameterError(InputError):
    """A parameter file or override that cannot be used."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=1)


def _by_band(v: list[float]) -> list[float]:
    if len(v) != len(AGE_BAND):
        raise ValueError(f"needs {len(AGE_BAND)} values, one per age band {list(AGE_BAND.codes)}")
    return v


def _by_codes(v: dict[str, float], codes: tuple[str, ...]) -> dict[str, float]:
    missing = [c for c in codes if c not in v]
    extra = [k for k in v if k not in codes]
    if missing or extra:
        raise ValueError(f"keys must be exactly {list(codes)} (missing {missing}, unknown {extra})")
    return v


class Time(_Section):
    start: str = Field(pattern=r"^\d{4}-\d{2}$")
    conversion_deadline: str = Field(pattern=r"^\d{4}-\d{2}$")


class Hazard(_Section):
    enabled: bool = True
    by_age_band: list[float]
    client_group_multiplier: dict[str, float]

    @field_validator("by_age_band")
    @classmethod
    def _bands(cls, v: list[float]) -> list[float]:
        if any(not 0.0 <= p <= 1.0 for p in v):
            raise ValueError("annual probabilities must lie in [0, 1]")
        return _by_band(v)

    @field_validator("client_group_multiplier")
    @classmethod
    def _groups(cls, v: dict[str, float]) -> dict[str, float]:
        if any(m < 0 for m in v.values()):
            raise ValueError("multipliers must be >= 0")
        return _by_codes(v, CLIENT_GROUP.codes)


class Residential(Hazard):
    annual_cost: float = Field(ge=0)


class Feedback(_Section):
    enabled: bool = True
    shortfall_threshold: float = Field(ge=0, le=1)
    hazard_multiplier: float = Field(ge=0)


class Demand(_Section):
    enabled: bool = True
    mode: Literal["balance", "constant"] = "balance"
    net_growth_per_year: float = Field(ge=-0.5, le=1.0)
    rate_per_month: float = Field(ge=0)
    points_factor: float = Field(ge=0)
    age_jitter_years: float = Field(ge=0)


class Need(_Section):
    enabled: bool = True
    drift_per_month_by_age_band: list[float]
    noise_sd_per_month: float = Field(ge=0)
    max_points: float = Field(gt=0)
    facs_thresholds: dict[str, float]

    _bands = field_validator("drift_per_month_by_age_band")(classmethod(lambda c, v: _by_band(v)))

    @field_validator("facs_thresholds")
    @classmethod
    def _facs(cls, v: dict[str, float]) -> dict[str, float]:
        v = _by_codes(v, FACS_BAND.codes[:3])
        if not v["critical"] >= v["substantial"] >= v["moderate"] >= 0:
            raise ValueError("thresholds must satisfy critical >= substantial >= moderate >= 0")
        return v


class Reviews(_Section):
    scheduled: bool = True
    interval_months: int = Field(ge=1, le=120)
    spread_sd_months: float = Field(ge=0)
    trigger_relative_change: float = Field(gt=0)


class Choice(_Section):
    switch_at_review: float = Field(ge=0, le=1)
    direct_payment_by_group: dict[str, float]
    mixed_by_group: dict[str, float]
    direct_payment_age_multiplier_by_band: list[float]

    @field_validator("direct_payment_by_group", "mixed_by_group")
    @classmethod
    def _groups(cls, v: dict[str, float]) -> dict[str, float]:
        if any(not 0 <= p <= 1 for p in v.values()):
            raise ValueError("probabilities must lie in [0, 1]")
        return _by_codes(v, CLIENT_GROUP.codes)

    _bands = field_validator("direct_payment_age_multiplier_by_band")(
        classmethod(lambda c, v: _by_band(v))
    )


class Money(_Section):
    uplift_per_year: float = Field(ge=-0.5, le=1.0)
    uplift_month: int = Field(ge=1, le=12)
    utilisation: dict[str, float]
    direct_payment_cost_difference: float = Field(ge=-1, le=1)

    @field_validator("utilisation")
    @classmethod
    def _types(cls, v: dict[str, float]) -> dict[str, float]:
        return _by_codes(v, PB_TYPE.codes)


class Practice(_Section):
    points_elasticity: float = Field(ge=0, le=3)
    creep_per_review: float = Field(ge=-0.5, le=1.0)
    arrival_noise_sd: float = Field(ge=0)
    min_cell_size: int = Field(ge=1)


class Parameters(_Section):
    """All model parameters, validated."""

    source: str = "parameters file"
    time: Time
    death: Hazard
    residential: Residential
    feedback: Feedback
    other_exit: Hazard
    demand: Demand
    need: Need
    reviews: Reviews
    choice: Choice
    money: Money
    practice: Practice


def _valid_keys(model: type[BaseModel], path: tuple) -> list[str]:
    for part in path:
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        else:
            return []
    return list(model.model_fields)


def explain(err: ValidationError, where: str, root: type[BaseModel]) -> str:
    """pydantic errors as one line each, naming the file and the dotted key."""
    lines = []
    for e in err.errors():
        loc = tuple(e["loc"])
        dotted = ".".join(str(p) for p in loc)
        if e["type"] == "extra_forbidden":
            hint = nearest(str(loc[-1]), _valid_keys(root, loc[:-1]))
            lines.append(f"{where}: unknown key '{dotted}'{hint}")
        elif e["type"] == "missing":
            lines.append(f"{where}: missing key '{dotted}'")
        else:
            lines.append(f"{where}: key '{dotted}': {e['msg']} (got {e.get('input')!r})")
    return "\n".join(lines)


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
                    f"{where}: override '{dotted}' names no parameter"
                    f"{' under ' + repr(prefix) if prefix else ''}{nearest(part, options)}"
                )
            if i == len(parts) - 1:
                node[part] = value
            else:
                node = node[part]
    return out


def load_parameters(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None, where: str = ""
) -> Parameters:
    """Load, override and validate the model parameters."""
    path = Path(path) if path else DEFAULT_PARAMETERS
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"{path}: parameter file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path}: not valid TOML ({exc})") from None
    raw.setdefault("source", str(path))
    if overrides:
        raw = apply_overrides(raw, overrides, where or str(path))
    try:
        return Parameters.model_validate(raw)
    except ValidationError as exc:
        raise ParameterError(explain(exc, where or str(path), Parameters)) from None


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









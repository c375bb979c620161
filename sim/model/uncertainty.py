"""Parameter uncertainty: the uncertain leaves, their joint draw, and the parameters at a draw.

Probabilistic runs draw one value per uncertain parameter per replicate; a sensitivity
design supplies points of the unit hypercube instead.  Either way a point u in [0, 1]^D
becomes values through each distribution's inverse CDF (`values_at`), and values become a
validated Parameters (`realise`).  A parameter a study overrides is fixed at the override
when its distribution is on the value; a multiplier still varies the overridden value.

When the study's population is the shipped synthetic one, the assumptions that shaped it
(populations/synthetic_targets.toml) are uncertain too, named with the prefix
``synthetic_targets.``: `realise_targets` gives the targets at a draw, and
`population_changes` says whether a draw changes the population (those assumptions, or the
FACS offsets and thresholds its bands follow), so it is rebuilt only then.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.param_records import LeafRecord
from sim.inputs.synthetic import read_targets
from sim.model.params import ParameterError, Parameters, read_parameters, validated
from sim.paths import DEFAULT_PARAMETERS

# The parameter draw of replicate r uses SeedSequence(seed, spawn_key=(r, PARAMETER_STREAM)):
# never one of the replicate's own streams (those are its children (r, 0), (r, 1), ...).
PARAMETER_STREAM = 2**31
TARGETS = "synthetic_targets."  # prefix of the synthetic population's assumptions
# Parameters the synthetic population's FACS bands follow (sim.inputs.synthetic.generate).
BANDING = ("need.facs_thresholds", "facs.team_offset_points")


@dataclass(frozen=True)
class Uncertainty:
    """The uncertain parameters of one parameter set, in file order."""

    central: dict[str, Any]                  # plain values after overrides (validated)
    parameters: tuple[LeafRecord, ...]       # records with a distribution
    where: str = "parameters"
    targets: dict[str, Any] | None = None    # the synthetic targets, when they are uncertain

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.parameters]

    def __len__(self) -> int:
        return len(self.parameters)

    def values_at(self, u: np.ndarray) -> dict[str, float]:
        """The values at one point of the unit hypercube (one coordinate per parameter)."""
        u = np.asarray(u, dtype=np.float64)
        if u.shape != (len(self),):
            raise ValueError(f"need {len(self)} coordinates, got shape {u.shape}")
        return {p.path: float(p.distribution.ppf(x)) for p, x in zip(self.parameters, u)}

    def draw(self, seed: int, replicate: int) -> dict[str, float]:
        """Replicate r's values: its own stream, so any scheduling gives the same draw."""
        ss = np.random.SeedSequence(seed, spawn_key=(replicate, PARAMETER_STREAM))
        return self.values_at(np.random.default_rng(ss).random(len(self)))

    def realise(self, values: Mapping[str, float]) -> Parameters:
        """Parameters with these values (a multiplier scales the central list or table);
        the synthetic population's assumptions are left to `realise_targets`."""
        mine = {k: v for k, v in values.items() if not k.startswith(TARGETS)}
        return validated(self._applied(self.central, mine, ""), self.where)

    def realise_targets(self, values: Mapping[str, float]) -> dict[str, Any]:
        """The synthetic targets with these values of their assumptions."""
        if self.targets is None:
            raise ParameterError(f"{self.where}: the population's assumptions are not uncertain")
        mine = {k: v for k, v in values.items() if k.startswith(TARGETS)}
        return self._applied(self.targets, mine, TARGETS)

    def population_changes(self, values: Mapping[str, float]) -> bool:
        """Whether these values rebuild the synthetic population (never without targets)."""
        if self.targets is None:
            return False
        return any(values[path] != self.centre(path) for path in values
                   if path.startswith(TARGETS) or path in BANDING)

    def centre(self, path: str) -> float:
        """The value a fixed run uses: 1 for a multiplier, else the parameter's value (after
        the study's overrides) or the synthetic population's assumption."""
        rec = next(p for p in self.parameters if p.path == path)
        if rec.varies == "multiplier":
            return 1.0
        if path.startswith(TARGETS):
            return float(rec.value)
        node = self.central
        for part in path.split("."):
            node = node[part]
        return float(node)

    def support_ends(self) -> list[dict[str, float]]:
        """Every uncertain parameter at the low end of its support, then at the high end."""
        return [{p.path: p.distribution.support[k] for p in self.parameters} for k in (0, 1)]

    def _applied(self, central: dict[str, Any], values: Mapping[str, float],
                 prefix: str) -> dict[str, Any]:
        raw = copy.deepcopy(central)
        by_path = {p.path: p for p in self.parameters}
        for path, x in values.items():
            rec = by_path.get(path)
            if rec is None:
                raise ParameterError(f"{self.where}: {path!r} is not an uncertain parameter")
            *parents, leaf = path.removeprefix(prefix).split(".")
            node = raw
            for part in parents:
                node = node[part]
            node[leaf] = _scaled(node[leaf], x) if rec.varies == "multiplier" else x
        return raw

    def check_support(self) -> None:
        """Every distribution's whole support gives valid parameters (each end, alone and
        all together); a violation names the parameter and is raised before any run."""
        ends = {p.path: p.distribution.support for p in self.parameters}
        for path, (lo, hi) in ends.items():
            if path.startswith(TARGETS):
                if not 0 < lo <= hi < np.inf:  # factors, ratios and spreads of the population
                    raise ParameterError(f"{self.where}: {path}: the distribution's support "
                                         f"[{lo:g}, {hi:g}] must lie above 0 and be finite")
                continue
            for x in (lo, hi):
                if not np.isfinite(x):
                    raise ParameterError(
                        f"{self.where}: {path}: its distribution reaches {x} but the "
                        "parameter is bounded: give the distribution 'low'/'high' to truncate it")
                try:
                    self.realise({path: x})
                except ParameterError as exc:
                    raise ParameterError(f"{self.where}: {path}: the distribution's support "
                                         f"[{lo:g}, {hi:g}] leaves the parameter's valid range: "
                                         f"{exc}") from None
        for values in self.support_ends():
            self.realise(values)


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    return value * factor


def load_uncertainty(path: str | Path | None = None, overrides: Mapping[str, Any] | None = None,
                     where: str = "", targets: str | Path | None = None,
                     check: bool = True, overlays: Sequence[str | Path] = ()) -> Uncertainty:
    """The uncertain parameters of a parameter file, overridden values fixed, and with
    `targets` those of the synthetic population's targets file; with `check`, support
    checked (ParameterError naming the parameter otherwise)."""
    overrides = dict(overrides or {})
    central, records = read_parameters(path, overrides, where, overlays)
    where = where or str(path or DEFAULT_PARAMETERS)
    validated(central, where)
    plain = None
    if targets is not None:
        plain, target_records = read_targets(targets)
        records = {**records, **prefixed(target_records)}
    return uncertainty_of(central, records, overrides, where, plain, check=check)


def prefixed(target_records: Mapping[str, LeafRecord]) -> dict[str, LeafRecord]:
    """The synthetic targets' records under their prefix (TARGETS), as the study names them."""
    return {TARGETS + k: dataclasses.replace(r, path=TARGETS + r.path)
            for k, r in target_records.items()}


def uncertainty_of(central: dict[str, Any], records: Mapping[str, LeafRecord],
                   overrides: Mapping[str, Any], where: str,
                   targets: dict[str, Any] | None = None, *, check: bool = True) -> Uncertainty:
    """The uncertain inputs among records already read (the parameters' and, prefixed, the
    synthetic targets'): those with a distribution, less values the study overrides."""
    chosen = tuple(r for r in records.values() if r.distribution is not None
                   and not (r.varies == "value" and r.path in overrides))
    u = Uncertainty(central, chosen, where, targets)
    if check:
        u.check_support()
    return u

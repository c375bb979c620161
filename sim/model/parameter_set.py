"""A study's parameters read once: validated values, every leaf's record, the uncertain inputs.

The parameter file (and its overlays, and for the shipped synthetic population its targets
file) is read one time; the values the model runs on, the records the report lists and the
distributions a probabilistic run draws from all come from that one reading, so they cannot
disagree about what the file said.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.inputs.param_records import LeafRecord
from sim.inputs.synthetic import read_targets
from sim.model.params import Parameters, read_parameters, validated
from sim.model.uncertainty import Uncertainty, prefixed, uncertainty_of
from sim.paths import DEFAULT_PARAMETERS


@dataclass(frozen=True)
class ParameterSet:
    """The parameters of one study, as one object."""

    values: Parameters                     # validated, overlays and overrides applied
    records: dict[str, LeafRecord]         # every leaf, by dotted path
    uncertainty: Uncertainty               # the records with a distribution, less overrides
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def with_targets(self, path: str | Path, *, check: bool = True) -> ParameterSet:
        """This set with the synthetic population's assumptions (its targets file, read
        once) among its records and uncertain inputs; with `check`, every distribution's
        support checked."""
        plain, target_records = read_targets(path)
        records = {**self.records, **prefixed(target_records)}
        unc = self.uncertainty
        return dataclasses.replace(self, records=records, uncertainty=uncertainty_of(
            unc.central, records, self.overrides, unc.where, plain, check=check))

    def checked(self) -> ParameterSet:
        """This set, once every distribution's support is checked (ParameterError otherwise)."""
        self.uncertainty.check_support()
        return self


def load_parameter_set(path: str | Path | None = None,
                       overrides: Mapping[str, Any] | None = None, where: str = "",
                       overlays: Sequence[str | Path] = ()) -> ParameterSet:
    """Read, overlay, override and validate the parameters, one reading of each file (support
    not yet checked: see `ParameterSet.checked` and `with_targets`)."""
    overrides = dict(overrides or {})
    central, records = read_parameters(path, overrides, where, overlays)
    where = where or str(path or DEFAULT_PARAMETERS)
    values = validated(central, where)
    return ParameterSet(values, records, uncertainty_of(central, records, overrides, where,
                                                        check=False), overrides)

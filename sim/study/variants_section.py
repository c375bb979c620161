"""A study's [variants] section: definitional variants of one transition (scenario 4 by
default), run with one calibration beside the study's options.  Variants are transition
blocks in their own file (data, not code branches); the report shows them side by side
with the transition they vary (sim.outputs.variants)."""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from sim.errors import InputError
from sim.hints import nearest
from sim.inputs.toml_file import read_toml
from sim.policy.policy import Policy
from sim.policy.transition import load_transitions


class VariantsSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transitions_file: str = "phased_variants.toml"
    variant_of: str = "phased"          # the study's transition the variants change
    calibration: str | None = None      # default: the recommended calibration, else the first


def variant_policies(path: Path, section: VariantsSection, policies: list[Policy]) -> list[Policy]:
    """The variants as policies of one calibration (flagged `variant_of`), after checking
    that the study runs the transition they vary with that calibration."""
    ras = [p for p in policies if not p.is_baseline]
    cals = list(dict.fromkeys(p.calibration for p in ras))
    recommended = [p.calibration for p in ras if p.recommended_calibration]
    cal = section.calibration or (recommended or cals)[0]
    base = [p for p in ras if p.calibration == cal and p.transition.name == section.variant_of]
    if not base:
        raise InputError(f"{path}: key 'variants': the study runs no policy "
                         f"'{cal}+{section.variant_of}' for the variants to vary (keys "
                         f"'variants.calibration' and 'variants.variant_of')"
                         f"{nearest(section.variant_of, [p.transition.name for p in ras])}")
    file = path.parent / section.transitions_file
    raw, _ = read_toml(file, "variants file")
    try:
        transitions = load_transitions(raw)
    except ValueError as exc:
        raise InputError(f"{file}: {exc}") from None
    taken = [name for name in transitions if f"{cal}+{name}" in {p.name for p in policies}]
    if taken:
        raise InputError(f"{file}: variant '{taken[0]}' has the name of a transition the study "
                         "already runs; give it its own name")
    return [Policy(f"{cal}+{name}", cal, tr, recommended_calibration=False,
                   eligibility=base[0].eligibility, standard_dre=base[0].standard_dre,
                   variant_of=section.variant_of)
            for name, tr in transitions.items()]

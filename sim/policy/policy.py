"""A policy: a RAS calibration crossed with a transition scenario, with its FACS eligibility."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.policy.dre import StandardDre
from sim.policy.eligibility import Eligibility
from sim.policy.transition import Transition

# The counterfactual status quo without creep (sim.model.creep): current practice from
# go-live with the drift in cost per head taken out, run beside the status quo so that each
# option's saving splits into avoided creep and real reduction.
NO_CREEP = "status_quo_no_creep"


@dataclass(frozen=True)
class Policy:
    """A RAS calibration crossed with a transition scenario; both None = status quo."""

    name: str
    calibration: str | None = None
    transition: Transition | None = None
    recommended_calibration: bool = False  # the calibration block says `recommended = true`
    eligibility: Eligibility | None = None  # None: everyone funded today stays funded
    standard_dre: StandardDre | None = None  # None: DRE as each person's team sanctions it
    practice_creep: bool = True  # False: a status quo without creep from go-live (NO_CREEP)
    variant_of: str | None = None  # a definitional variant of this transition (not an option)

    @property
    def is_baseline(self) -> bool:
        return self.calibration is None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "calibration": self.calibration or "status_quo",
            "transition": self.transition.name if self.transition else "none",
            "is_baseline": self.is_baseline,
            "counterfactual": None if self.practice_creep else "no_creep",
            "variant_of": self.variant_of,
            "recommended": bool(self.recommended_calibration and self.transition
                                and self.transition.recommended),
            "unprotected": bool(self.transition and self.transition.unprotected),
            "eligibility": self.eligibility.describe() if self.eligibility else "all funded",
            "dre": self.standard_dre.describe() if self.standard_dre else "team practice",
        }

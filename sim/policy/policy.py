"""A policy: a RAS calibration crossed with a transition scenario, with its FACS eligibility."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.policy.dre import StandardDre
from sim.policy.eligibility import Eligibility
from sim.policy.transition import Transition


@dataclass(frozen=True)
class Policy:
    """A RAS calibration crossed with a transition scenario; both None = status quo."""

    name: str
    calibration: str | None = None
    transition: Transition | None = None
    recommended_calibration: bool = False  # the calibration block says `recommended = true`
    eligibility: Eligibility | None = None  # None: everyone funded today stays funded
    standard_dre: StandardDre | None = None  # None: DRE as each person's team sanctions it

    @property
    def is_baseline(self) -> bool:
        return self.calibration is None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "calibration": self.calibration or "status_quo",
            "transition": self.transition.name if self.transition else "none",
            "is_baseline": self.is_baseline,
            "recommended": bool(self.recommended_calibration and self.transition
                                and self.transition.recommended),
            "unprotected": bool(self.transition and self.transition.unprotected),
            "eligibility": self.eligibility.describe() if self.eligibility else "all funded",
            "dre": self.standard_dre.describe() if self.standard_dre else "team practice",
        }

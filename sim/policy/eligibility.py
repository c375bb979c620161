"""FACS eligibility under a policy: who keeps a budget at review after go-live.

B&NES funds substantial and critical needs (March 2012 report, 4.8(2)).  Under a policy
with an eligibility rule, a person assessed (or reviewed) after go-live in a band below the
eligible ones has their budget end: it is set to zero for good under that policy, so they
leave the community caseload for spend purposes but stay in the world (they still age, are
reviewed, may die or be admitted to residential care).  A stated share of them continue
(`continue_share`, an assumption; each person's own draw, the same under every policy).
New referrals after go-live are assessed the same way.  Under `consistent_facs` the band
tested is the one points alone give (the team offsets of current practice removed);
otherwise it is the band current practice assessed.  A study's rule applies to the status
quo too, always with current practice's bands (`for_status_quo`), so switching it on
compares options with a status quo that applies the same eligibility; calibrations are
fitted on the people who remain eligible at the start (`eligible_at_start`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np

from sim.inputs.categories import FACS_BAND, FUNDED_BANDS
from sim.inputs.facs import facs_from_points

DEFAULT_BANDS: tuple[str, ...] = FUNDED_BANDS


@dataclass(frozen=True)
class Eligibility:
    """The eligible FACS bands and what happens to people below them."""

    bands: tuple[str, ...] = DEFAULT_BANDS
    continue_share: float = 0.0       # of people assessed below the bands, the share funded on
    consistent_facs: bool = False     # test the band from points alone (no team offset)

    def __post_init__(self) -> None:
        unknown = [b for b in self.bands if b not in FACS_BAND.codes]
        if unknown or not self.bands:
            raise ValueError(f"eligible bands must be some of {list(FACS_BAND.codes)}, "
                             f"got {list(self.bands)}")
        if not 0.0 <= self.continue_share <= 1.0:
            raise ValueError(f"continue_share must be 0 to 1, got {self.continue_share}")

    @functools.cached_property
    def eligible_code(self) -> np.ndarray:
        """bool by FACS band code: eligible."""
        return np.isin(np.arange(len(FACS_BAND)), [FACS_BAND.code_of(b) for b in self.bands])

    def ends(self, band: np.ndarray, u_continue: np.ndarray) -> np.ndarray:
        """bool: whose budget ends, given the band tested and each person's continuation draw."""
        return ~self.eligible_code[band] & ~(u_continue < self.continue_share)

    def for_status_quo(self) -> Eligibility:
        """The same rule as current practice applies it: its teams' bands (offsets kept)."""
        return replace(self, consistent_facs=False)

    def eligible_at_start(self, facs_band: np.ndarray, points: np.ndarray,
                          thresholds: dict[str, float]) -> np.ndarray:
        """bool: who the rule keeps, from the population file's bands (points alone when
        consistent_facs)."""
        band = facs_from_points(points, thresholds) if self.consistent_facs else facs_band
        return self.eligible_code[band]

    def describe(self) -> str:
        extra = f", {self.continue_share:g} continue" if self.continue_share else ""
        how = ", FACS from points alone" if self.consistent_facs else ""
        return "+".join(self.bands) + extra + how

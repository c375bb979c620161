"""Transition scenarios: one pure parametric rule from current to indicative budget.

At a review after go-live:
    new = current + fraction x (indicative - current),
    kept within [(1 - max_loss) x loss_base, (1 + max_gain) x gain_base]
where fraction closes the gap over `phases` reviews (1/(phases - k + 1) of the
remaining gap at the k-th review: phases=2 gives half, then all), for gains as for
losses unless `phase_gains` is false (gains then paid in full at once).  Caps hold over
any 12 months: loss_base is the highest budget the person held in the CAP_MONTHS months
before the review (from go-live on, the current budget included), gain_base the lowest, so
no budget ever falls more than max_loss below (or rises more than max_gain above) any
budget the person had in the 12 months before, however reviews fall (sim.model.cap_window
keeps those months).  A cap only limits a
move, it never causes one.  Critical-band
protection (no loss at a review) lasts `protect_years` after go-live, or for ever.  Every
scenario is a set of these parameters in scenarios/transitions.toml, not a code branch.

The five defaults shipped there (tested in tests/test_transition.py):
    immediate       covers="all", phases=1, no caps
    new_users_only  covers="new_and_changed", material_change=0.2
    capped_loss     covers="all", max_loss=0.10
    phased          covers="all", phases=2, max_loss=0.10, protect_critical, recommended
    capped_both     covers="all", max_loss=0.05, max_gain=0.05
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from sim.hints import nearest

COVERS = ("all", "new_and_changed", "none")

# Caps hold over any this many consecutive months (the trailing window of a review).
CAP_MONTHS = 12


@dataclass(frozen=True)
class Transition:
    """Parameters of the rule; `apply` is pure (no state, no randomness).

    Attributes:
        covers: "all"; "new_and_changed" (existing users move only when their points
            changed by at least `material_change` since go-live); "none" (status quo:
            `apply` returns the current budgets).
        material_change: relative change in points that counts as material (>= 0).
        phases: reviews over which the gap is closed (>= 1).
        max_loss: cap on the reduction over any 12 months, share of the highest budget held
            in them, in [0, 1].
        max_gain: cap on the increase over any 12 months, share of the lowest budget held
            in them, >= 0.
        phase_gains: gains close over `phases` reviews like losses (true, the default and
            the behaviour before the option existed); false pays a gain in full at the first
            review (only losses phased).
        protect_critical: critical-band (FACS) users do not lose at a review.
        protect_years: how long that protection lasts after go-live (years, > 0);
            None (the default) = for ever.
    """

    name: str
    covers: str = "all"
    material_change: float = 0.2
    phases: int = 1
    max_loss: float | None = None
    max_gain: float | None = None
    phase_gains: bool = True
    protect_critical: bool = False
    protect_years: float | None = None
    description: str = ""
    recommended: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("transition 'name' must be a non-empty string")
        if self.covers not in COVERS:
            raise ValueError(f"transition '{self.name}': 'covers' must be one of {COVERS}, "
                             f"got {self.covers!r}")
        if isinstance(self.phases, bool) or not isinstance(self.phases, int) or self.phases < 1:
            raise ValueError(f"transition '{self.name}': 'phases' must be a whole number >= 1, "
                             f"got {self.phases!r}")
        _number(self, "material_change", 0.0, None)
        if self.max_loss is not None:
            _number(self, "max_loss", 0.0, 1.0)
        if self.max_gain is not None:
            _number(self, "max_gain", 0.0, None)
        if self.protect_years is not None:
            _number(self, "protect_years", 0.0, None)
            if self.protect_years == 0:
                raise ValueError(f"transition '{self.name}': 'protect_years' must be > 0 "
                                 "(leave protect_critical false for no protection)")
        for flag in ("phase_gains", "protect_critical", "recommended"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"transition '{self.name}': '{flag}' must be true or false")
        if not isinstance(self.description, str):
            raise ValueError(f"transition '{self.name}': 'description' must be text")

    @property
    def unprotected(self) -> bool:
        """Moves everyone straight to the indicative budget (no phasing, caps or protection):
        the comparator that prices transitional protection."""
        return (self.covers == "all" and self.phases == 1 and self.max_loss is None
                and self.max_gain is None and not self.protect_critical)

    def fraction(self, review_number: np.ndarray) -> np.ndarray:
        """Share of the remaining gap closed at the k-th review after go-live (k < 1 as 1)."""
        k = np.maximum(np.asarray(review_number), 1)
        return 1.0 / np.maximum(self.phases - k + 1, 1)

    @property
    def protect_months(self) -> float:
        """Months after go-live during which critical-band users are protected."""
        if not self.protect_critical:
            return -np.inf
        return np.inf if self.protect_years is None else 12.0 * self.protect_years

    def apply(
        self,
        current: np.ndarray,
        indicative: np.ndarray,
        *,
        loss_base: np.ndarray,
        gain_base: np.ndarray | None = None,
        review_number: np.ndarray,
        is_critical: np.ndarray,
        points_change: np.ndarray,
        is_new: np.ndarray,
        months_since_go_live: np.ndarray,
    ) -> np.ndarray:
        """New budgets at a review; new users get the indicative budget exactly.

        Args:
            current, indicative: budgets (£); policies may be stacked on axis 0.
            loss_base: highest budget (£) the person held in the CAP_MONTHS months before
                this review (the current budget included): what max_loss counts from.
            gain_base: lowest such budget (£), what max_gain counts from (None: loss_base).
            review_number: which review after go-live this is for each person (1, 2, ...).
            is_critical: the person is in the critical FACS band.
            points_change: relative change in points since go-live.
            is_new: the person arrived after go-live.
            months_since_go_live: months from go-live to this review.
        """
        current = np.asarray(current, dtype=np.float64)
        indicative = np.asarray(indicative, dtype=np.float64)
        if self.covers == "none":
            return np.broadcast_to(current, np.broadcast(current, indicative).shape).copy()
        gain_base = loss_base if gain_base is None else gain_base
        gap, frac = indicative - current, self.fraction(review_number)
        step = gap * (frac if self.phase_gains else np.where(gap > 0, 1.0, frac))
        lo = (-np.inf if self.max_loss is None
              else np.minimum((1.0 - self.max_loss) * loss_base - current, 0.0))
        hi = (np.inf if self.max_gain is None
              else np.maximum((1.0 + self.max_gain) * gain_base - current, 0.0))
        step = np.clip(step, lo, hi)
        protected = is_critical & (np.asarray(months_since_go_live) < self.protect_months)
        step = np.where(protected, np.maximum(step, 0.0), step)
        if self.covers == "new_and_changed":
            moved = np.abs(points_change) >= self.material_change
            step = np.where(moved, step, 0.0)
        return np.where(is_new, indicative, current + step)


class TransitionStack:
    """Several transitions applied at once, one per row of a (rows, people) array.

    The same arithmetic as `Transition.apply`, element by element, with each rule's
    parameters as a column, so a month's reviews under every policy take one pass
    instead of one call per transition (tests check the two agree exactly).
    """

    def __init__(self, transitions: list[Transition]) -> None:
        col = lambda values, dtype=np.float64: np.array(values, dtype=dtype)[:, None]
        self.phases = col([t.phases for t in transitions])
        self.has_loss = col([t.max_loss is not None for t in transitions], bool)
        self.keep = col([1.0 - (t.max_loss or 0.0) for t in transitions])  # share kept
        self.has_gain = col([t.max_gain is not None for t in transitions], bool)
        self.reach = col([1.0 + (t.max_gain or 0.0) for t in transitions])  # share reached
        self.phase_gains = col([t.phase_gains for t in transitions], bool)
        self.protect_months = col([t.protect_months for t in transitions])
        self.changed_only = col([t.covers == "new_and_changed" for t in transitions], bool)
        self.material = col([t.material_change for t in transitions])
        self.frozen = col([t.covers == "none" for t in transitions], bool)

    def apply(self, current: np.ndarray, indicative: np.ndarray, *, loss_base: np.ndarray,
              gain_base: np.ndarray | None = None, review_number: np.ndarray,
              is_critical: np.ndarray, points_change: np.ndarray, is_new: np.ndarray,
              months_since_go_live: np.ndarray) -> np.ndarray:
        """(rows, n) new budgets; row i follows transitions[i] (see `Transition.apply`)."""
        gain_base = loss_base if gain_base is None else gain_base
        k = np.maximum(review_number, 1)
        gap, frac = indicative - current, 1.0 / np.maximum(self.phases - k + 1, 1)
        step = gap * np.where(self.phase_gains | (gap <= 0), frac, 1.0)
        lo = np.where(self.has_loss, np.minimum(self.keep * loss_base - current, 0.0), -np.inf)
        hi = np.where(self.has_gain, np.maximum(self.reach * gain_base - current, 0.0), np.inf)
        step = np.clip(step, lo, hi)
        protected = is_critical & (months_since_go_live < self.protect_months)
        step = np.where(protected, np.maximum(step, 0.0), step)
        still = self.changed_only & (np.abs(points_change) < self.material)
        step = np.where(still, 0.0, step)
        return np.where(self.frozen, current, np.where(is_new, indicative, current + step))


def _number(t: Transition, name: str, lo: float, hi: float | None) -> None:
    v = getattr(t, name)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v):
        raise ValueError(f"transition '{t.name}': '{name}' must be a finite number, got {v!r}")
    if v < lo or (hi is not None and v > hi):
        span = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"transition '{t.name}': '{name}' must be {span}, got {v!r}")


FIELDS = tuple(f.name for f in fields(Transition) if f.name != "name")

# Status quo: budgets follow current practice (the model runs the baseline itself).
NONE_TRANSITION = Transition(name="none", covers="none",
                             description="Status quo: budgets follow current practice")


def load_transitions(table: dict[str, dict[str, Any]]) -> dict[str, Transition]:
    """Transitions from named blocks ({name: {field: value}}), e.g. a parsed TOML file.

    Raises:
        ValueError: naming the transition and field (unknown keys get the nearest valid name).
    """
    out = {}
    for name, block in table.items():
        if not isinstance(block, dict):
            raise ValueError(f"'{name}' must be a table of parameters")
        for key in block:
            if key not in FIELDS:
                raise ValueError(f"transition '{name}': unknown key '{key}'{nearest(key, FIELDS)}")
        out[name] = Transition(name=name, **block)
    return out

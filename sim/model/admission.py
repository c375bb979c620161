"""Residential admission hazard: the shortfall feedback and the bound of its draws."""
from __future__ import annotations

from sim.model.params import Parameters, hazard_table


def feedback_multiplier(params: Parameters) -> float:
    """Factor on the admission hazard of someone whose budget fell short (1 = no feedback)."""
    fb = params.feedback
    return fb.hazard_multiplier if (fb.enabled and params.residential.enabled) else 1.0


def residential_bound(params: Parameters) -> float:
    """Largest possible monthly admission hazard: the draws above it never matter."""
    return float(hazard_table(params.residential).max()) * max(feedback_multiplier(params), 1.0)

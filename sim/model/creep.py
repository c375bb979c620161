"""Creep: the drift in cost per head that current practice adds at every review
(parameters.toml practice.creep_per_review), and its removal for the no-creep status quo.

The no-creep status quo is current practice from go-live with the drift taken out of every
review after go-live: the budget its need warrants at today's practice and prices.  Its
budget after a person's k-th review since go-live is the status quo's divided by
(1 + creep)^k; the factors are one product table, so the fast path and the reference model
read identical numbers.
"""
from __future__ import annotations

import numpy as np

from sim.model.params import Parameters


def creep_factors(params: Parameters, n_reviews: int) -> np.ndarray:
    """(n_reviews + 1,) (1 + creep)^k for k = 0..n_reviews, as a running product."""
    steps = np.full(n_reviews, 1.0 + params.practice.creep_per_review)
    return np.cumprod(np.concatenate([[1.0], steps]))

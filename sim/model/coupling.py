"""Coupled worlds: the same replicate seed gives nearly the same world at nearby parameters.

A sensitivity analysis or a threshold sweep compares the model at different parameter
values on the same replicate seeds.  The ordinary draws are exact but not coupled across
parameters: the thinning bound of the death, exit and admission draws is the largest hazard,
and the (month, slot) grid is as wide as the people who arrive, so a 0.05% change in an exit
rate redraws every event and the comparison drowns in noise.  Coupled draws fix the layout
from the whole range of the parameters instead: thinning bounds at the largest hazard any of
them allows, a grid of fixed width, arrivals by inverse CDF of one uniform per month and
client group, need noise and per-person draws by slot.  The law of every draw is unchanged
(an event still happens exactly when its uniform falls below the hazard), so a coupled
replicate is an equally valid world, but not the same one as `run` draws for that seed.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from sim.inputs.population import Population
from sim.model.admission import residential_bound
from sim.model.params import Parameters, hazard_table
from sim.model.referrals import arrival_rates

# Grid width: the starting population plus this many times the largest expected number of
# arrivals over the parameter sets (a Poisson total never comes near it), plus a margin.
ARRIVALS_HEADROOM = 2.0
ARRIVALS_MARGIN = 200


@dataclass(frozen=True)
class Coupling:
    """The fixed layout of coupled draws."""

    death_bound: float
    other_bound: float
    residential_bound: float
    width: int                      # slots of the (month, slot) grid: at least any replicate's


def coupling_for(pop: Population, params_sets: Iterable[Parameters], n_months: int) -> Coupling:
    """A layout wide enough for every parameter set given (e.g. the central values and the
    two ends of every distribution's support)."""
    sets = list(params_sets)
    arrivals = max(float(arrival_rates(pop, p, n_months).sum()) for p in sets)
    return Coupling(
        death_bound=max(float(hazard_table(p.death).max()) for p in sets),
        other_bound=max(float(hazard_table(p.other_exit).max()) for p in sets),
        residential_bound=max(residential_bound(p) for p in sets),
        width=len(pop) + math.ceil(ARRIVALS_HEADROOM * arrivals) + ARRIVALS_MARGIN,
    )


def coupled_arrivals(u: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """(T, G) Poisson counts by inverse CDF of the uniforms u: monotone in the rates, so a
    slightly higher rate adds an arrival now and then instead of redrawing them all."""
    from scipy.stats import poisson  # here: only coupled (sensitivity) runs need scipy.stats

    out = np.zeros(rates.shape, np.int64)
    pos = rates > 0
    out[pos] = poisson.ppf(u[pos], rates[pos]).astype(np.int64)
    return out

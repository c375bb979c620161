"""Coupled draws: at nearby parameters the same seed gives nearly the same world."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import ROOT

from sim.analysis.sensitivity.evaluation import Evaluator, headline_policies
from sim.model.coupling import coupled_arrivals, coupling_for
from sim.model.draws import draw
from sim.study.montecarlo import replicate_seed
from sim.study.study_file import load_study

EXIT = "other_exit.by_age_band"   # a multiplier on every exit rate


@pytest.fixture(scope="module")
def evaluator():
    study = load_study(ROOT / "scenarios" / "default.toml")
    policies = headline_policies(study, ["percentile+immediate"])
    return Evaluator.of(study, study.uncertainty, policies, replicates=1, seed=2012)


def _savings(ev: Evaluator, factor: float) -> float:
    return float(ev.evaluate({EXIT: factor})[0, 0])


def test_a_tiny_change_in_an_exit_rate_barely_moves_the_savings(evaluator):
    coupled = abs(_savings(evaluator, 1.0005) - _savings(evaluator, 1.0))
    exact = replace(evaluator, spec=replace(evaluator.spec, coupling=None))
    uncoupled = abs(_savings(exact, 1.0005) - _savings(exact, 1.0))
    # 0.05% more exits changes a handful of people at most: pennies in £ millions of savings
    assert coupled < 5_000
    assert uncoupled > 20 * coupled   # the exact draws redraw every event (why coupling exists)


def test_a_coupled_world_is_the_same_law_on_a_fixed_layout(evaluator):
    spec = evaluator.spec
    params = spec.params
    d = draw(spec.population, params, replicate_seed(2012, 0), spec.n_months, spec.coupling)
    cap = len(spec.population) + int(d.n_arrivals.sum())
    assert cap <= spec.coupling.width
    for ev, bound in ((d.death, spec.coupling.death_bound), (d.other, spec.coupling.other_bound)):
        assert ev.slot.max() < cap and ev.u.max() < bound
    # a draw below the bound in each person-month of the people there: Bernoulli(bound)
    expected = spec.n_months * cap * spec.coupling.death_bound
    assert abs(len(d.death.u) - expected) < 6 * np.sqrt(expected)


def test_arrivals_by_inverse_cdf_are_poisson_and_monotone_in_the_rate():
    rng = np.random.default_rng(1)
    u = rng.random((20_000, 1))
    low, high = coupled_arrivals(u, np.full((20_000, 1), 3.0)), coupled_arrivals(u, np.full((20_000, 1), 3.1))
    assert abs(low.mean() - 3.0) < 0.05 and abs(low.var() - 3.0) < 0.15
    assert (high >= low).all() and (high != low).mean() < 0.1
    assert (coupled_arrivals(u, np.zeros((20_000, 1))) == 0).all()


def test_the_layout_is_wide_enough_for_every_parameter_set(evaluator):
    spec = evaluator.spec
    wider = coupling_for(spec.population, [spec.params, evaluator.uncertainty.realise({EXIT: 2.0})],
                         spec.n_months)
    assert wider.width > coupling_for(spec.population, [spec.params], spec.n_months).width
    assert wider.other_bound > spec.params.other_exit.by_age_band[0] / 12

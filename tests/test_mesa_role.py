"""What Mesa is for here: the models' lifecycle and an agent view, never their randomness.

Both models are `mesa.Model`s (step, steps, running; the reference model's people are
`mesa.Agent`s), but every draw comes from the replicate's per-process numpy streams, so that
every policy reads the same draws (common random numbers).  These tests pin that down: a run
whose Mesa generators raise on any use gives the same budgets, and the fast path takes no seed
of its own that could suggest otherwise.
"""
from __future__ import annotations

import inspect

import mesa
import numpy as np
import pytest

from sim.model.care_model import CareModel, PersonAgent
from sim.model.draws import draw
from sim.model.reference import ReferenceModel
from sim.model.world import simulate
from sim.policy.calibration import make_calibration
from sim.policy.policy import Policy
from sim.policy.transition import Transition

T, GO_LIVE = 18, 6


class NoDraws:
    """Stands in for Mesa's generators: any use is a failure."""

    def __getattr__(self, name):
        raise AssertionError(f"the model drew from Mesa's generator ({name})")


@pytest.fixture(scope="module")
def setup(small_population, params):
    pop = small_population
    cal = make_calibration("percentile", percentile=60.0)
    cal.fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    policies = [Policy("status_quo"),
                Policy("pct+phased", "pct", Transition(name="phased", phases=2, max_loss=0.1,
                                                       protect_critical=True))]
    draws = draw(pop, params, np.random.SeedSequence(11), T)
    return pop, params, draws, policies, {"pct": cal}


def no_mesa_randomness(model: mesa.Model) -> mesa.Model:
    model.random, model.rng = NoDraws(), NoDraws()
    return model


def test_the_fast_path_never_draws_from_mesa(setup):
    pop, params, draws, policies, cals = setup
    w = simulate(pop, params, draws, T, GO_LIVE)
    plain = CareModel(world=w, policies=policies, calibrations=cals, params=params).run()
    guarded = no_mesa_randomness(CareModel(world=simulate(pop, params, draws, T, GO_LIVE),
                                           policies=policies, calibrations=cals, params=params))
    guarded.run()
    assert guarded.steps == T
    np.testing.assert_array_equal(plain.spend, guarded.spend)
    assert isinstance(guarded.person(0), PersonAgent)     # the agent view is Mesa's


def test_the_reference_model_never_draws_from_mesa(setup):
    pop, params, draws, policies, cals = setup
    ref = no_mesa_randomness(ReferenceModel(population=pop, params=params, draws=draws,
                                            n_months=T, go_live=GO_LIVE, policies=policies,
                                            calibrations=cals))
    for _ in range(T):
        ref.step()
    assert ref.steps == T and len(ref.agents) > 0


def test_the_fast_path_takes_no_seed_of_its_own():
    assert "seed" not in inspect.signature(CareModel.__init__).parameters

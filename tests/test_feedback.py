"""Residential feedback: a budget cut below what current practice gives the same need raises
admissions; a rise never does; the reference need is the same under every policy."""
from __future__ import annotations

import numpy as np
import pytest

from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.world import simulate
from sim.policy.policy import Policy
from sim.policy.transition import Transition

T, GO_LIVE = 48, 9


class Constant:
    """A calibration whose indicative budget is one amount for everyone."""

    def __init__(self, amount: float) -> None:
        self.amount = amount

    def allocate_checked_inputs(self, points, group):
        return np.full(len(points), self.amount)


# Everyone reviewed loses 30% a review (towards nothing), or gains a quarter of the way
# towards £10m a review: far above today's budget, far below the new indicative one.
CUT_30 = Transition(name="cut_30", covers="all", max_loss=0.30)
RAISE = Transition(name="raise", covers="all", phases=4)


@pytest.fixture(scope="module")
def models(population, params):
    out = []
    for seed in (1, 2):
        d = draw(population, params, np.random.SeedSequence(seed), T)
        w = simulate(population, params, d, T, GO_LIVE)
        pols = [Policy("status_quo"), Policy("status_quo_again"),
                Policy("cut", "nothing", CUT_30), Policy("raise", "lavish", RAISE)]
        cals = {"nothing": Constant(0.0), "lavish": Constant(1e7)}
        out.append(CareModel(world=w, policies=pols, calibrations=cals, params=params).run())
    return out


def test_cutting_everyones_budget_raises_admissions(models):
    for m in models:
        sq, cut = m.admissions[0, GO_LIVE:].sum(), m.admissions[2, GO_LIVE:].sum()
        assert cut > sq, (cut, sq)


def test_raising_everyones_budget_never_raises_admissions(models):
    for m in models:
        np.testing.assert_array_equal(m.admissions[3], m.admissions[0])


def test_the_status_quo_against_itself_gives_zero(models):
    for m in models:
        np.testing.assert_array_equal(m.admissions[1], m.admissions[0])
        np.testing.assert_array_equal(m.in_res[1], m.in_res[0])


def test_before_go_live_no_policy_changes_admissions(models):
    for m in models:
        for p in (1, 2, 3):
            np.testing.assert_array_equal(m.admissions[p, :GO_LIVE], m.admissions[0, :GO_LIVE])

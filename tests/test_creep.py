"""The no-creep status quo: current practice from go-live without the drift in cost per head
that every review adds (sim.model.creep), run on the same simulated world as the status quo."""
from __future__ import annotations

import numpy as np
import pytest

from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.params import load_parameters
from sim.model.world import simulate
from sim.policy.policy import NO_CREEP, Policy

T, GO_LIVE = 36, 6


@pytest.fixture(scope="module")
def runs(small_population):
    """The same draws under creep 8.5% (the status quo and the no-creep status quo side by
    side) and under creep 0 (the status quo alone)."""
    creeping = load_parameters(overrides={"practice.creep_per_review": 0.085,
                                          "feedback.hazard_multiplier": 2.5})
    flat = load_parameters(overrides={"practice.creep_per_review": 0.0,
                                      "feedback.hazard_multiplier": 2.5})
    d = draw(small_population, creeping, np.random.SeedSequence(5), T)
    out = {}
    for name, params, pols in (("creeping", creeping, [Policy("status_quo"),
                                                         Policy(NO_CREEP, practice_creep=False)]),
                               ("flat", flat, [Policy("status_quo")])):
        w = simulate(small_population, params, d, T, GO_LIVE)
        out[name] = (w, CareModel(world=w, policies=pols, calibrations={}, params=params).run())
    return out


def test_new_users_get_under_the_no_creep_status_quo_what_practice_without_creep_gives(runs):
    """People arriving after go-live have no creep behind them: their budgets under the
    no-creep status quo are, to the penny, the status quo's in a world whose practice does
    not creep -- while the creeping status quo gives them more after their reviews."""
    w, creeping = runs["creeping"]
    _, flat = runs["flat"]
    new = np.flatnonzero((w.arrival >= GO_LIVE) & w.present(T - 1))
    assert len(new) > 50
    np.testing.assert_allclose(creeping.budget[1, new], flat.budget[0, new], atol=0.011)
    reviewed = w.review[GO_LIVE:, new].any(axis=0)
    assert reviewed.sum() > 10
    sq, nc = creeping.budget[0, new[reviewed]], creeping.budget[1, new[reviewed]]
    home = sq == 0                                       # in a care home under both
    np.testing.assert_array_equal(nc[home], 0)
    assert (sq[~home] / nc[~home] > 1.084).all()         # at least one review's 8.5%


def test_before_go_live_the_two_status_quos_are_the_same_and_after_it_only_creep_differs(runs):
    _, m = runs["creeping"]
    np.testing.assert_array_equal(m.spend[0, :GO_LIVE], m.spend[1, :GO_LIVE])
    assert (m.spend[1, -1, 0] < 0.95 * m.spend[0, -1, 0])


def test_the_no_creep_status_quo_is_never_short_of_need_so_admits_no_extra_people(runs):
    """Feedback (shortfall raises admission) belongs to options; current practice, creep or
    none, is what a shortfall is measured against: the same admissions as the status quo."""
    _, m = runs["creeping"]
    assert m.admissions[0].sum() > 0
    np.testing.assert_array_equal(m.admissions[0], m.admissions[1])


def test_creep_is_an_uncertain_assumption_whose_support_reaches_zero():
    """The seed ties the per-head growth to the move to personal budgets (March 2012, 4.4),
    which ends with the April 2013 target (4.3): a probabilistic run must be able to draw
    no creep at all, and the record says where its support comes from."""
    from sim.model.uncertainty import load_uncertainty

    unc = load_uncertainty()
    rec = next(p for p in unc.parameters if p.path == "practice.creep_per_review")
    low, high = rec.distribution.support
    assert low == 0.0 and high >= unc.centre("practice.creep_per_review")
    assert "4.4" in rec.source and "April 2013" in rec.source
    draws = [unc.draw(2012, r)["practice.creep_per_review"] for r in range(400)]
    assert min(draws) < 0.02                     # near-zero creep is drawn, not just allowed
    unc.check_support()                          # the model runs at either end

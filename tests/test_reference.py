"""The fast path computes the model and nothing else: identical to the per-agent reference."""
from __future__ import annotations

import numpy as np
import pytest

from sim.model.care_model import CareModel
from sim.model.charging import annual_charges, slot_charges
from sim.model.coupling import coupling_for
from sim.model.draws import draw
from sim.model.params import load_parameters
from sim.model.reference import ReferenceModel
from sim.model.world import simulate
from sim.policy.calibration import make_calibration
from sim.policy.dre import StandardDre
from sim.policy.eligibility import Eligibility
from sim.policy.policy import NO_CREEP, Policy
from sim.policy.transition import Transition

T, GO_LIVE = 24, 9


@pytest.fixture(scope="module", params=["exact", "coupled"])
def setup(request, small_population):
    """Every mechanism on the draws of `run` and on the coupled draws sensitivity analysis
    uses (sim.model.coupling: another layout of the same law, read the same way); reviews
    triggered by smaller changes of need, so caps meet reviews close together."""
    pop = small_population
    params = load_parameters(overrides={"reviews.trigger_relative_change": 0.1})
    cals = {
        "ppp": make_calibration("price_per_point", target="savings", savings=50_000.0),
        "pct": make_calibration("percentile", percentile=60.0),
    }
    for est in cals.values():
        est.fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    # the shipped population is all substantial or critical: a rule of critical only ends
    # budgets often enough to compare them, the status quo's with its teams' offsets
    critical = ("critical",)
    policies = [
        Policy("status_quo", eligibility=Eligibility(critical, 0.2)),
        Policy(NO_CREEP, practice_creep=False, eligibility=Eligibility(critical, 0.2)),
        Policy("ppp+immediate", "ppp", Transition(name="immediate")),
        Policy("pct+phased", "pct", Transition(name="phased", phases=2, max_loss=0.1,
                                               protect_critical=True)),
        Policy("ppp+new", "ppp", Transition(name="new_users_only", covers="new_and_changed")),
        Policy("pct+both", "pct", Transition(name="capped_both", max_loss=0.05, max_gain=0.05),
               standard_dre=StandardDre()),
        Policy("ppp+gains_at_once", "ppp", Transition(
            name="gains_at_once", phases=2, max_loss=0.1, phase_gains=False,
            protect_critical=True, protect_years=0.5)),
        Policy("ppp+eligible", "ppp", Transition(name="immediate"),
               eligibility=Eligibility(critical, continue_share=0.3)),
        Policy("pct+phased+consistent", "pct", Transition(name="phased", phases=2, max_loss=0.1,
                                                          protect_critical=True),
               eligibility=Eligibility(critical, consistent_facs=True)),
    ]
    coupling = coupling_for(pop, [params], T) if request.param == "coupled" else None
    draws = draw(pop, params, np.random.SeedSequence(2024), T, coupling)
    return pop, params, draws, policies, cals


def test_fast_path_matches_the_reference_month_by_month(setup):
    pop, params, draws, policies, cals = setup
    w = simulate(pop, params, draws, T, GO_LIVE)
    charges = slot_charges(annual_charges(pop, params, [p.standard_dre for p in policies]), draws.source)
    fast = CareModel(world=w, policies=policies, calibrations=cals, params=params,
                     charges=charges)
    ref = ReferenceModel(population=pop, params=params, draws=draws, n_months=T,
                         go_live=GO_LIVE, policies=policies, calibrations=cals)
    reviews_after_go_live = 0
    for m in range(T):
        fast.step()
        ref.step()
        budgets = np.zeros_like(fast.pence)
        for agent in ref.agents:
            budgets[:, agent.slot] = agent.pence
        alive = w.alive[m]
        # every budget of every person under every policy, after this month's reviews
        np.testing.assert_array_equal(fast.pence[:, alive], budgets[:, alive], err_msg=f"month {m}")
        reviews_after_go_live += int(w.review[m].sum()) if m >= GO_LIVE else 0
    np.testing.assert_array_equal(fast.spend[:, :, 0], ref.spend)
    np.testing.assert_array_equal(fast.contributions, ref.contributions)
    assert (fast.contributions > 0).all() and (fast.contributions < fast.spend[:, :, 0]).all()
    np.testing.assert_array_equal(fast.admissions, ref.admissions)
    np.testing.assert_array_equal(fast.community_reviews, ref.community_reviews)
    assert (fast.community_reviews.sum(axis=1) < w.review.sum()).all()   # residents apart
    np.testing.assert_array_equal(fast.ended_month[0], ref.ended)
    # eligibility ended budgets, the status quo's too
    assert fast.ended_month[0][[0, -2, -1], :, 0].sum(axis=1).min() > 10
    exits = {s: int(w.exit_month[s]) for s in range(w.cap) if w.exit_month[s] < T}
    assert ref.exit_month == exits
    assert reviews_after_go_live > 50 and len(exits) > 20 and fast.admissions.sum() > 5
    # the mechanisms are exercised: reviews spread over the backlog window, and people
    # reviewed twice within one 12-month cap window after go-live
    assert w.review[1:params.reviews.backlog_months, :len(pop)].sum() > 20
    total = np.cumsum(np.vstack([np.zeros((1, w.cap), int), w.review[GO_LIVE:]]), axis=0)
    in_12_months = total[12:] - total[:-12]              # reviews in each 12 consecutive months
    assert (in_12_months >= 2).any(axis=0).sum() > 5
    # the policies really differ, so the comparison is not trivially about status quo
    assert len({fast.spend[p, -1, 0] for p in range(len(policies))}) == len(policies)

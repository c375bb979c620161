"""CareModel: common random numbers, the policy interface, and bookkeeping."""
from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.params import load_parameters
from sim.model.residential_cost import annual_cost, death_in_care
from sim.model.spend import SpendTally
from sim.model.world import simulate
from sim.policy.policy import Policy
from sim.policy.transition import Transition


class FixedPrice:
    """The trivial calibration: indicative = points x a fixed price."""

    def __init__(self, price: float) -> None:
        self.price = price

    def allocate(self, points, *, client_group=None, age=None):
        return np.asarray(points, dtype=float) * self.price

    def allocate_checked_inputs(self, points, group):
        return self.allocate(points)


IMMEDIATE = Transition(name="immediate", covers="all", phases=1)
T, GO_LIVE = 36, 9


@pytest.fixture(scope="module")
def small_world(small_population, params):
    d = draw(small_population, params, np.random.SeedSequence(42), T)
    return simulate(small_population, params, d, T, GO_LIVE)


def run(w, params, policies, cals=None):
    return CareModel(world=w, policies=policies, calibrations=cals or {}, params=params,
                     snapshots=(GO_LIVE + 11, T - 1)).run()


def test_status_quo_against_itself_gives_zero_difference(small_world, params):
    m = run(small_world, params, [Policy("a"), Policy("b")])
    np.testing.assert_array_equal(m.spend[0], m.spend[1])
    np.testing.assert_array_equal(m.admissions[0], m.admissions[1])
    assert m.spend[0, :, 0].sum() > 0


def test_identical_policies_give_identical_trajectories(small_world, params):
    cals = {"fixed": FixedPrice(300.0)}
    pols = [Policy("sq"), Policy("x", "fixed", IMMEDIATE), Policy("y", "fixed", IMMEDIATE)]
    m = run(small_world, params, pols, cals)
    np.testing.assert_array_equal(m.budget[1], m.budget[2])
    np.testing.assert_array_equal(m.spend[1], m.spend[2])
    np.testing.assert_array_equal(m.in_res[1], m.in_res[2])
    # ...and the policy did change budgets relative to status quo after go-live only
    np.testing.assert_array_equal(m.spend[0, :GO_LIVE], m.spend[1, :GO_LIVE])
    assert not np.array_equal(m.spend[0, GO_LIVE:], m.spend[1, GO_LIVE:])


def test_a_policy_in_a_bigger_study_sees_the_same_world(small_world, params):
    cals = {"fixed": FixedPrice(300.0), "dear": FixedPrice(900.0)}
    alone = run(small_world, params, [Policy("sq"), Policy("x", "fixed", IMMEDIATE)], cals)
    both = run(small_world, params, [Policy("sq"), Policy("d", "dear", IMMEDIATE),
                                     Policy("x", "fixed", IMMEDIATE)], cals)
    np.testing.assert_array_equal(alone.spend[1], both.spend[2])
    np.testing.assert_array_equal(alone.spend[0], both.spend[0])


def test_immediate_moves_reviewed_people_to_indicative(small_world, params):
    m = run(small_world, params, [Policy("sq"), Policy("x", "fixed", IMMEDIATE)],
            {"fixed": FixedPrice(300.0)})
    w = small_world
    # people reviewed after go-live and still in the community end on points x 300
    last = T - 1
    reviewed = w.review[GO_LIVE:].any(axis=0) & w.present(last) & ~m.in_res[1]
    last_review = np.where(reviewed, T - 1 - np.argmax(w.review[::-1], axis=0), -1)
    pts = w.points[last_review[reviewed], np.flatnonzero(reviewed)]
    np.testing.assert_allclose(m.budget[1, reviewed], pts * 300.0, atol=0.006)  # whole pence


def test_shortfall_feedback_raises_admissions(small_world, params):
    stingy = {"fixed": FixedPrice(300.0)}
    pols = [Policy("sq"), Policy("x", "fixed", IMMEDIATE)]
    strong = load_parameters(overrides={"feedback.hazard_multiplier": 5.0,
                                        "feedback.shortfall_threshold": 0.0})
    off = load_parameters(overrides={"feedback.enabled": False})
    a = run(small_world, strong, pols, {"fixed": FixedPrice(10.0)})  # cut far below practice
    b = run(small_world, off, pols, stingy)
    assert a.admissions[1].sum() > a.admissions[0].sum()
    np.testing.assert_array_equal(b.admissions[0], b.admissions[1])


def test_residential_spend_runs_from_admission_to_death(small_world, params):
    """From the month of admission to the month before death in care (residential mortality)."""
    m = run(small_world, params, [Policy("sq")])
    res = m.residential_spend()[0]
    w = small_world
    adm = np.flatnonzero(w.baseline_res_month < T)
    cost = annual_cost(params)[w.client_group[adm]]     # each resident at their group's cost
    death = death_in_care(w.baseline_res_month[adm], w.client_group[adm], w.u_resident[adm],
                          params, T)
    in_care = [cost[(w.baseline_res_month[adm] <= t) & (t < death)].sum() for t in range(T)]
    np.testing.assert_allclose(res, np.array(in_care) / 12 * w.uplift, rtol=1e-9)
    assert len(set(w.client_group[adm])) > 1            # more than one group, so more than one cost


def test_model_is_a_mesa_model_with_agent_views(small_world, params):
    m = CareModel(world=small_world, policies=[Policy("sq")], calibrations={}, params=params)
    assert isinstance(m, mesa.Model)
    m.step()
    m.step()
    assert m.steps == 2 and m.month == 1
    person = m.person(0)
    assert isinstance(person, mesa.Agent)
    assert person.budgets["sq"] == pytest.approx(m.budget[0, 0])


def test_people_in_the_community_is_alive_minus_residents(small_world, params):
    m = run(small_world, params, [Policy("sq"), Policy("x", "fixed", IMMEDIATE)],
            {"fixed": FixedPrice(5000.0)})
    w, last = small_world, T - 1
    users = m.users()                                    # (P, T, client group x PB type)
    cell = w.client_group.astype(int) * 4 + w.pb_type[last]
    for p in range(2):
        here = w.alive[last] & ~m.in_res[p]
        np.testing.assert_array_equal(users[p, last], np.bincount(cell[here], minlength=16))
    np.testing.assert_array_equal(users[:, 0].sum(axis=1), w.alive[0].sum() - m.admissions[:, 0])


def test_both_spend_tally_kernels_give_the_same_exact_sums(small_world, params, monkeypatch):
    """Products (many policies) and per-policy counts (few) are two routes to one sum."""
    cals = {"fixed": FixedPrice(300.0), "dear": FixedPrice(900.0)}
    pols = [Policy("sq"), Policy("d", "dear", IMMEDIATE), Policy("x", "fixed", IMMEDIATE)]
    runs = []
    for threshold in (1, 100):
        monkeypatch.setattr(SpendTally, "MATMUL_POLICIES", threshold)
        runs.append(run(small_world, params, pols, cals))
    np.testing.assert_array_equal(runs[0].spend, runs[1].spend)
    # and the running sums equal a recount of the budgets at the end
    m, last = runs[0], T - 1
    here = small_world.alive[last][None, :] & ~m.in_res
    recount = (m.pence * here * m.util[small_world.pb_type[last]][None, :]).sum(axis=1)
    np.testing.assert_allclose(m.spend[:, last, 0], recount * small_world.uplift[last] / 1200.0,
                               rtol=1e-12)


def test_release_keeps_the_results_and_drops_the_world(small_world, params):
    m = run(small_world, params, [Policy("sq")])
    spend = m.spend.copy()
    m.release()
    assert m.world is None and m.pence is None and m.tally.world is None
    np.testing.assert_array_equal(m.spend, spend)

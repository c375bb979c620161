"""Residential care costs its client group's placement, people already in care at the start
are costed once under every policy and die off, and the per-agent reference agrees."""
from __future__ import annotations

import numpy as np
import pytest

from sim.inputs.categories import CLIENT_GROUP
from sim.model.aggregates import AGGREGATES, FiscalYears
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.params import load_parameters
from sim.model.reductions import replicate_result
from sim.model.reference import ReferenceModel
from sim.model.world import simulate
from sim.policy.calibration import make_calibration
from sim.policy.policy import Policy
from sim.policy.transition import Transition

T, GO_LIVE = 36, 9
# only one client group admitted, often enough to see many residents in a small world
ONLY = {g: {"residential.by_age_band": [0.3] * 8,
            **{f"residential.client_group_multiplier.{c}": float(c == g)
               for c in CLIENT_GROUP.codes}}
        for g in CLIENT_GROUP.codes}


def model(pop, params, policies=None, cals=None):
    w = simulate(pop, params, draw(pop, params, np.random.SeedSequence(42), T), T, GO_LIVE)
    m = CareModel(world=w, policies=policies or [Policy("sq")], calibrations=cals or {},
                  params=params)
    return m.run()


def cost_per_resident_year(pop, group: str) -> float:
    """Residential spend at base prices per resident-year when only `group` is admitted."""
    params = load_parameters(overrides=ONLY[group])
    m = model(pop, params)
    w = m.world
    adm = np.flatnonzero(w.baseline_res_month < T)     # the status quo admits at the base hazard
    assert len(adm) > 10 and set(w.client_group[adm]) == {CLIENT_GROUP.code_of(group)}
    months = sum(((w.baseline_res_month[adm] <= t) & (t < m.res_death[0, adm])).sum()
                 for t in range(T))
    return float((m.residential_spend()[0] / w.uplift).sum() / months * 12)


def test_a_learning_disability_placement_costs_more_than_an_older_persons(small_population,
                                                                        params):
    ld = cost_per_resident_year(small_population, "learning_disability")
    op = cost_per_resident_year(small_population, "older_people")
    cost = params.residential.annual_cost_by_group
    assert ld == pytest.approx(cost["learning_disability"])
    assert op == pytest.approx(cost["older_people"])
    assert ld > 2 * op


STOCK = {"residential_stock.enabled": True, "residential.enabled": False}


def stock_model(pop, **more):
    params = load_parameters(overrides={**STOCK, **more})
    cals = {"cut": make_calibration("percentile", percentile=30.0)}
    cals["cut"].fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    policies = [Policy("sq"), Policy("cut", "cut", Transition(name="immediate"))]
    return params, model(pop, params, policies, cals)


def test_people_in_care_at_the_start_cost_from_the_first_month_and_die_off(small_population):
    params, m = stock_model(small_population, **{"money.uplift_per_year": 0.0})
    stock = params.residential_stock
    people = np.array([stock.people_by_group[c] for c in CLIENT_GROUP.codes])
    survive = 1 - np.array([params.residential.annual_mortality_by_group[c]
                            for c in CLIENT_GROUP.codes])
    cost = np.array([params.residential.annual_cost_by_group[c] for c in CLIENT_GROUP.codes])
    spend = m.residential_stock_spend()
    assert spend[0] == pytest.approx(people @ cost / 12)              # not zero at the start
    assert spend[12] == pytest.approx(people * survive @ cost / 12)   # a year of deaths later
    assert spend[24] == pytest.approx(people * survive**2 @ cost / 12)
    assert np.all(np.diff(spend) < 0)
    assert not m.residential_spend().any()                            # admissions are off


def test_the_stock_is_a_raw_array_the_same_for_every_policy(small_population):
    _, m = stock_model(small_population)
    raw = replicate_result(m, 0, False, small_population.teams).raw
    np.testing.assert_array_equal(raw["res_stock_spend_month"], m.residential_stock_spend())
    years = FiscalYears(np.repeat(np.arange(3), 12), 3)
    fy = AGGREGATES["res_stock_spend_fy"].value(raw, years)
    assert fy.shape == (3,) and fy[0] > fy[1] > fy[2] > 0     # no policy axis: one stock for all
    np.testing.assert_allclose(fy, raw["res_stock_spend_month"].reshape(3, 12).sum(axis=1))


def test_the_stock_is_off_by_default(small_population, params):
    assert not params.residential_stock.enabled
    assert not model(small_population, params).residential_stock_spend().any()


def test_fast_residential_spend_matches_the_reference(small_population):
    """Residents stay costed after a community exit until they die, in both models, under a
    policy whose cuts change who is admitted (strong feedback here) as under the status quo."""
    pop = small_population
    params = load_parameters(overrides={"feedback.hazard_multiplier": 5.0,
                                        "feedback.shortfall_threshold": 0.1,
                                        "other_exit.by_age_band": [0.4] * 8})
    cals = {"cut": make_calibration("percentile", percentile=20.0)}
    cals["cut"].fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    policies = [Policy("sq"), Policy("cut", "cut", Transition(name="immediate"))]
    d = draw(pop, params, np.random.SeedSequence(2024), 24)
    fast = CareModel(world=simulate(pop, params, d, 24, GO_LIVE), policies=policies,
                     calibrations=cals, params=params).run()
    ref = ReferenceModel(population=pop, params=params, draws=d, n_months=24, go_live=GO_LIVE,
                         policies=policies, calibrations=cals).run()
    w = fast.world
    admitted = w.baseline_res_month < 24
    assert admitted.sum() > 5 and (admitted & (w.exit_month < w.death_month)).sum() > 2
    assert (fast.admissions[0] != fast.admissions[1]).any()
    np.testing.assert_array_equal(fast.residential_spend(), ref.res_spend)

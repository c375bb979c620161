"""FACS consistent with the seed, eligibility on (issue 21, item 6).

B&NES funds substantial and critical needs (March 2012 report, 4.8(2)): the synthetic
population is the people it funds, every one banded substantial or critical by their team,
and by points alone only the team inconsistency the seed describes falls below.  The
default study applies FACS eligibility to every policy: the status quo with its teams'
offsets, the RAS policies consistently; calibrations are fitted on who stays eligible.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from sim.inputs.categories import FACS_BAND, FUNDED_BANDS
from sim.inputs.synthetic import check_targets, inconsistency_share, load_targets
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.money import expected_cash_share
from sim.model.world import simulate
from sim.policy.calibration import make_calibration
from sim.policy.eligibility import Eligibility
from sim.policy.policy import Policy
from sim.study.study_file import load_study

FUNDED = [FACS_BAND.code_of(b) for b in FUNDED_BANDS]


@pytest.fixture(scope="module")
def study():
    return load_study(ROOT / "scenarios" / "default.toml")


def documented_share() -> float:
    return load_targets()["facs"]["team_inconsistency_share"]


def test_the_funded_population_is_substantial_or_critical_as_its_teams_band_it(population,
                                                                               params):
    """Every person's band in the file is funded; by points alone (no team offset) a residue
    is not, more than none and no more than the documented team-inconsistency share."""
    assert np.isin(population.facs_band, FUNDED).all()
    share = inconsistency_share(population, load_targets(), params.need.facs_thresholds)
    assert 0.0 < share <= documented_share()
    rows = check_targets(population, facs_thresholds=params.need.facs_thresholds)
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]


def test_eligibility_is_on_in_the_default_study(study):
    """The status quo with its teams' bands; every RAS policy consistently (points alone)."""
    baselines = [p for p in study.policies if p.is_baseline]    # with and without creep
    ras = [p for p in study.policies if not p.is_baseline]
    assert len(baselines) == 2
    assert all(sq.eligibility == Eligibility(FUNDED_BANDS, 0.0, False) for sq in baselines)
    assert {p.eligibility for p in ras} == {Eligibility(FUNDED_BANDS, 0.0, True)}


def test_switching_eligibility_on_barely_changes_the_status_quos_spend(study):
    """The status quo's 2013/14 community spend with eligibility on (team offsets kept) is
    within the documented team-inconsistency share of its spend with it off (the people it
    funds today are eligible by its own banding; only those whose need falls, and new
    referrals it would not fund, drop out), while some budgets do end."""
    fy = [m for m, f in enumerate(study.month_fy) if study.financial_years[f] == "2013/14"]
    T = fy[-1] + 1
    sq = study.policies[0]
    policies = [Policy("off"), sq]
    spend, ended = np.zeros(2), 0.0
    for r in range(8):
        d = draw(study.population, study.params, np.random.SeedSequence(2012, spawn_key=(r,)), T)
        w = simulate(study.population, study.params, d, T, study.go_live)
        m = CareModel(world=w, policies=policies, calibrations={}, params=study.params).run()
        spend += m.spend[:, fy, 0].sum(axis=1)
        ended += m.eligibility_ended()[1, fy, 0].sum()
    change = 1.0 - spend[1] / spend[0]
    assert 0.0 < change < documented_share(), change
    assert ended > 0


def test_calibrations_are_fitted_on_the_people_who_remain_eligible(study):
    """The study's percentile calibration allocates as one fitted on the people a consistent
    rule keeps (by points alone), not as one fitted on everyone."""
    pop, spec = study.population, dict(study.calibration_specs["percentile"])
    keep = study.eligibility.eligible_at_start(pop.facs_band, pop.ras_points,
                                               study.params.need.facs_thresholds)
    assert 0 < (~keep).sum() < len(pop)
    fitted = study.calibrations["percentile"]
    points = np.linspace(10.0, 120.0, 12)
    group = np.zeros(12, np.int64)
    out = fitted.allocate_checked_inputs(points, group)
    cash = expected_cash_share(study.params, pop.pb_type, pop.client_group, pop.age)
    kind = spec.pop("kind")
    for subset, same in ((keep, True), (np.ones(len(pop), bool), False)):
        est = make_calibration(kind, **spec)
        est.fit(pop.ras_points[subset], pop.annual_budget[subset],
                client_group=pop.client_group[subset], age=pop.age[subset],
                cash_share=cash[subset])
        assert np.array_equal(est.allocate_checked_inputs(points, group), out) == same

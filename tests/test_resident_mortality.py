"""Residents die at residential rates (issue 21, item 7).

People admitted to care during the run leave it by death at [residential]
annual_mortality_by_group (older people 30 a 100 resident-years), the rule the people in
care at the start follow too, not at the community death rates they had before admission
(about 14 for older people), which doubled the long-run cost of an extra admission.
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.inputs.categories import CLIENT_GROUP
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.params import load_parameters
from sim.model.residential_cost import stock_spend
from sim.model.world import simulate
from sim.policy.policy import Policy

T, GO_LIVE = 48, 9
OLDER = CLIENT_GROUP.code_of("older_people")
# many admissions of older people only, prices flat so spend counts residents
COHORT = {"residential.by_age_band": [0.35] * 8, "money.uplift_per_year": 0.0,
          **{f"residential.client_group_multiplier.{c}": float(c == "older_people")
             for c in CLIENT_GROUP.codes}}


@pytest.fixture(scope="module")
def cohort(population):
    params = load_parameters(overrides=COHORT)
    models = []
    for seed in (1, 2):
        w = simulate(population, params, draw(population, params, np.random.SeedSequence(seed), T),
                     T, GO_LIVE)
        models.append(CareModel(world=w, policies=[Policy("sq")], calibrations={},
                                params=params).run())
    return params, models


def residents(m: CareModel, cost: float) -> np.ndarray:
    """(T,) people in care each month, read from the residential spend (flat prices)."""
    return m.residential_spend()[0] * 12.0 / cost


def test_an_admitted_cohort_survives_a_year_at_the_residential_rate(cohort):
    """Older people admitted at least 12 months before the horizon: the share still in care
    12 months after admission is 1 - 0.30 within 3 standard errors, and equals the share of
    the starting stock the same rule keeps after 12 months."""
    params, models = cohort
    cost = params.residential.annual_cost_by_group["older_people"]
    alive = at_risk = 0
    for m in models:
        w = m.world
        adm = np.flatnonzero(w.baseline_res_month < T - 12)
        assert set(w.client_group[adm]) == {OLDER}
        count = residents(m, cost)
        at_risk += len(adm)
        alive += int(((m.res_death[0, adm] - w.baseline_res_month[adm]) > 12).sum())
        # the spend is exactly the residents the death months leave in care
        kept = [((w.baseline_res_month <= t) & (t < m.res_death[0])).sum() for t in range(T)]
        np.testing.assert_allclose(count, kept, atol=1e-6)
    share = alive / at_risk
    expected = 1.0 - params.residential.annual_mortality_by_group["older_people"]
    se = np.sqrt(expected * (1 - expected) / at_risk)
    assert at_risk > 600
    assert abs(share - expected) < 3 * se, (share, expected, at_risk)
    stock = load_parameters(overrides={**COHORT, "residential_stock.enabled": True})
    spend = stock_spend(stock, np.ones(13))
    people = stock.residential_stock.people_by_group
    older_share = spend[12] / spend[0]        # every group's stock shrinks by its own rule
    older_alone = (1 - stock.residential.annual_mortality_by_group["older_people"])
    assert people["older_people"] > 0 and older_alone == pytest.approx(expected)
    assert abs(share - older_alone) < 3 * se and 0 < older_share < 1


def test_resident_months_match_residential_survival_not_community(cohort):
    """Every month's residents (from the residential spend alone) against the expected number
    under residential survival from each admission: within 4% over the horizon; community
    mortality (about 14 a 100 for these ages) would keep about a fifth more."""
    params, models = cohort
    cost = params.residential.annual_cost_by_group["older_people"]
    keep = (1 - params.residential.annual_mortality_by_group["older_people"]) ** (1 / 12)
    observed = expected = 0.0
    for m in models:
        w = m.world
        adm = w.baseline_res_month[w.baseline_res_month < T]
        observed += residents(m, cost).sum()
        expected += sum((keep ** np.arange(T - a)).sum() for a in adm)
    assert observed == pytest.approx(expected, rel=0.04)

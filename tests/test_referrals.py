"""New referrals keep the client mix and grow users at the rate the parameters state."""
from __future__ import annotations

import functools

import numpy as np
import pytest

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, FACS_BAND, FUNDED_BANDS, age_band_index
from sim.inputs.population import load_population
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.params import ParameterError, load_parameters
from sim.model.referrals import arrival_rates, donor_weights, fundable
from sim.model.world import simulate
from sim.paths import DEFAULT_POPULATION
from sim.policy.policy import Policy

T, REPS = 72, 20          # April 2012 to March 2018, as the default study
OLDER = CLIENT_GROUP.code_of("older_people")


@functools.cache
def status_quo(growth: float) -> tuple[np.ndarray, list]:
    """(R, T, client group) status-quo users in the community, and the worlds' arrivals."""
    pop = load_population(DEFAULT_POPULATION)
    params = load_parameters(overrides={"demand.net_growth_per_year": growth})
    users, arrivals = [], []
    for r in range(REPS):
        w = simulate(pop, params, draw(pop, params, np.random.SeedSequence(2012, spawn_key=(r,)),
                                       T), T, go_live=9)
        m = CareModel(world=w, policies=[Policy("status_quo")], calibrations={},
                      params=params).run()
        users.append(m.users()[0].reshape(T, len(CLIENT_GROUP), -1).sum(axis=2))
        new = w.arrival > 0
        arrivals.append((w.client_group[new], age_band_index(w.age0[new])))
    return np.array(users), arrivals


def test_each_client_groups_share_of_users_is_stable_under_the_status_quo():
    users, _ = status_quo(0.02)
    share = users / users.sum(axis=2, keepdims=True)
    start, last_year = share[:, 0].mean(axis=0), share[:, 60:].mean(axis=(0, 1))  # 2017/18
    assert np.abs(last_year - start).max() < 0.03, (start, last_year)


@pytest.mark.parametrize("growth", [0.0, 0.02, 0.05])
def test_users_grow_at_the_rate_the_parameter_sets(growth):
    """The 2017/18 average over the 2012/13 average, five years on, in each client group."""
    users, _ = status_quo(growth)
    years = users.mean(axis=0).reshape(6, 12, -1).mean(axis=1)       # (financial year, group)
    for per_year in ((years[5].sum() / years[0].sum()) ** 0.2 - 1,
                     *((years[5] / years[0]) ** 0.2 - 1)):
        assert per_year == pytest.approx(growth, abs=0.005), years


def test_referrals_follow_the_referral_age_mix():
    params = load_parameters()
    _, arrivals = status_quo(0.02)
    group = np.concatenate([g for g, _ in arrivals])
    band = np.concatenate([b for _, b in arrivals])
    for g, code in enumerate(CLIENT_GROUP.codes):
        seen = np.bincount(band[group == g], minlength=len(AGE_BAND)) / (group == g).sum()
        want = np.array(params.referrals.age_mix_by_group[code])
        assert np.abs(seen - want).max() < 0.03, (code, seen, want)
    # older people referred are younger than the older people already receiving care
    pop = load_population(DEFAULT_POPULATION)
    stock = age_band_index(pop.age[pop.client_group == OLDER])
    assert band[group == OLDER].mean() < stock.mean() - 0.05


def test_a_band_nobody_is_in_passes_its_referrals_to_the_nearest_band(population):
    mix = {"older_people": [0, 0, 0, 0, 1.0, 0, 0, 0],           # 55-64: no older person is
           "physical_sensory": [0, 0, 0, 0, 0, 0, 0, 1.0],       # 85+: none either
           "mental_health": [1.0, 0, 0, 0, 0, 0, 0, 0],
           "learning_disability": [0.5, 0.5, 0, 0, 0, 0, 0, 0]}
    params = load_parameters(overrides={"referrals.age_mix_by_group": mix})
    w = donor_weights(population, params)
    band = age_band_index(population.age)
    ok = fundable(population, params)
    assert not w[~ok].any()
    for g, nearest in ((OLDER, 5), (CLIENT_GROUP.code_of("physical_sensory"), 6)):
        mine = population.client_group == g
        assert w[mine].sum() == pytest.approx(1.0)
        assert (w[mine & (band != nearest)] == 0).all()
        assert (w[mine & ok & (band == nearest)] > 0).all()
    ld = population.client_group == CLIENT_GROUP.code_of("learning_disability")
    for b in (0, 1):       # half each, spread evenly over the fundable people of the band
        people = ld & ok & (band == b)
        np.testing.assert_allclose(w[people], 0.5 / people.sum())


def test_constant_referrals_split_by_the_starting_client_groups(population):
    params = load_parameters(overrides={"demand.mode": "constant", "demand.rate_per_month": 30.0})
    rates = arrival_rates(population, params, 12)
    assert (rates[0] == 0).all()
    np.testing.assert_allclose(rates[1:].sum(axis=1), 30.0)
    np.testing.assert_allclose(rates[5] / 30.0, np.bincount(population.client_group) / len(population))


def test_referral_shares_that_do_not_add_up_are_refused():
    mix = {c: [0.125] * 8 for c in CLIENT_GROUP.codes}
    mix["mental_health"] = [0.2] * 8
    with pytest.raises(ParameterError, match=r"referrals\.age_mix_by_group.*mental_health"):
        load_parameters(overrides={"referrals.age_mix_by_group": mix})


def test_referrals_are_people_the_council_funds(population, params):
    """Every new referral's first assessment bands them substantial or critical as their team
    applies FACS (points times points_factor plus the team's offset): new users are people
    the council funds (March 2012 report, 4.8(2)), like the population they join."""
    d = draw(population, params, np.random.SeedSequence(4), 24)
    w = simulate(population, params, d, 24, 9)
    first = ~w.assessed_review
    assert first.sum() > 300
    funded = [FACS_BAND.code_of(b) for b in FUNDED_BANDS]
    assert np.isin(w.assessed_facs[first], funded).all()
    assert 0.1 < 1 - fundable(population, params).mean() < 0.5   # some donors could not be

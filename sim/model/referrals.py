"""New referrals: how many arrive each month in each client group, and whom they resemble.

In 'balance' mode each client group keeps to its growth path: in expectation the group's
users in the community number its starting count times (1 + net_growth_per_year) ** years,
so the client mix stays as it is unless a parameter says otherwise.  The leavers to
replace are projected month by month (deaths, other exits and admissions to care at the
base hazards, as the starting population and earlier referrals age), so the balance holds
however the caseload's ages shift.

A referral's age band comes from its group's referral age mix ([referrals]); the person
is then a donor of that group and band in the starting population (exact age, sex,
ethnicity, team, need), so the correlations between those attributes stay.  A referral is
a new user, someone the council funds: only a donor whose need as a referral (points times
[demand] points_factor) their team would band in a funded band (March 2012 report, 4.8(2))
can be one.
"""
from __future__ import annotations

import functools

import numpy as np

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, FACS_BAND, FUNDED_BANDS, age_band_index
from sim.inputs.facs import facs_from_points
from sim.inputs.population import Population
from sim.model.ageing import age_bands
from sim.model.params import Parameters, hazard_table


def referral_mix(params: Parameters) -> np.ndarray:
    """(client group, age band) share of each group's referrals in each age band (each
    group's shares scaled to add up to exactly 1)."""
    mix = params.referrals.age_mix_by_group
    out = np.array([mix[g] for g in CLIENT_GROUP.codes], dtype=np.float64)
    return out / out.sum(axis=1, keepdims=True)


def fundable(pop: Population, params: Parameters) -> np.ndarray:
    """(n,) bool: a referral with this person's need times points_factor is banded in a funded
    band by their team, as the model assesses an arrival (float32 points plus offset)."""
    pts = np.clip((pop.ras_points * params.demand.points_factor).astype(np.float32),
                  0.0, params.need.max_points)
    offset = np.array([params.facs.team_offset_points.get(t, 0.0) for t in pop.teams],
                      np.float32)[pop.team]
    band = facs_from_points(np.add(pts, offset, dtype=np.float32), params.need.facs_thresholds)
    return np.isin(band, [FACS_BAND.code_of(b) for b in FUNDED_BANDS])


def donor_weights(pop: Population, params: Parameters) -> np.ndarray:
    """(n,) chance that a referral of a person's client group takes that person as donor.

    A band's referral share is spread evenly over the group's fundable people in that band
    (`fundable`; everyone, should a group have nobody fundable); a band with a share but
    nobody there passes its share to the nearest band that has people (the younger one on a
    tie).
    """
    band = age_band_index(pop.age)
    ok = fundable(pop, params)
    for g in range(len(CLIENT_GROUP)):
        in_group = pop.client_group == g
        if not ok[in_group].any():
            ok[in_group] = True
    counts = np.zeros((len(CLIENT_GROUP), len(AGE_BAND)))
    np.add.at(counts, (pop.client_group[ok], band[ok]), 1.0)
    mix, share = referral_mix(params), np.zeros_like(counts)
    for g in range(len(CLIENT_GROUP)):
        have = np.flatnonzero(counts[g])
        if not len(have):
            continue
        for b in np.flatnonzero(mix[g]):
            share[g, have[np.argmin(np.abs(have - b))]] += mix[g, b]
    per_person = np.divide(share, counts, out=np.zeros_like(share), where=counts > 0)
    return per_person[pop.client_group, band] * ok


def stay_curves(pop: Population, params: Parameters, n_months: int) -> np.ndarray:
    """(T, n) chance that someone of each starting person's group and age is still in the
    community after month d of their stay (d = 0: their first month), as in the world:
    death, other exit and admission to care are independent draws each month."""
    stay = 1.0
    for h in (params.death, params.other_exit, params.residential):
        stay = stay * (1.0 - hazard_table(h))
    band = age_bands(pop.age, np.zeros(len(pop), np.int32), n_months)
    return np.cumprod(stay[pop.client_group[None, :], band], axis=0)


def balancing_rates(pop: Population, params: Parameters, n_months: int) -> np.ndarray:
    """(T, G) expected referrals each month that keep each group on its growth path.

    Users expected in month m: the starting population's survivors plus each earlier
    month's referrals times a referral's chance to stay that long; month m's referrals
    make up the difference to the target (none when survivors already exceed it).
    Month 0 is the starting population itself, so month 1 also replaces month 0's leavers.
    """
    onehot = (pop.client_group[:, None] == np.arange(len(CLIENT_GROUP))[None, :]).astype(float)
    surv = stay_curves(pop, params, n_months)
    stock = surv @ onehot                                   # (T, G) starting population
    kernel = surv @ (onehot * donor_weights(pop, params)[:, None])  # (T, G) one referral
    years = np.arange(n_months)[:, None] / 12.0
    target = onehot.sum(axis=0) * (1.0 + params.demand.net_growth_per_year) ** years
    rates = np.zeros((n_months, len(CLIENT_GROUP)))
    for m in range(1, n_months):
        expected = stock[m] + (rates[1:m] * kernel[1:m][::-1]).sum(axis=0)
        np.divide(np.maximum(target[m] - expected, 0.0), kernel[0], out=rates[m],
                  where=kernel[0] > 0)
    return rates


@functools.lru_cache(maxsize=8)
def _balancing(pop: Population, params_json: str, n_months: int) -> np.ndarray:
    """balancing_rates once per population and parameters (the same in every replicate)."""
    rates = balancing_rates(pop, Parameters.model_validate_json(params_json), n_months)
    rates.flags.writeable = False
    return rates


def arrival_rates(pop: Population, params: Parameters, n_months: int) -> np.ndarray:
    """(T, G) expected new referrals each month by client group (Poisson means); month 0 is
    the population itself.  'constant' mode splits its monthly rate by the starting
    population's client-group shares."""
    d = params.demand
    if not d.enabled or n_months == 0 or len(pop) == 0:
        return np.zeros((n_months, len(CLIENT_GROUP)))
    if d.mode == "balance":
        return _balancing(pop, params.model_dump_json(), n_months)
    shares = np.bincount(pop.client_group, minlength=len(CLIENT_GROUP)) / len(pop)
    rates = np.repeat(d.rate_per_month * shares[None, :], n_months, axis=0)
    rates[:1] = 0.0
    return rates


def donors(pop: Population, params: Parameters, group: np.ndarray,
           u: np.ndarray) -> np.ndarray:
    """Starting-population row each referral resembles, from its group and a uniform draw."""
    out = np.zeros(len(group), np.int64)
    w = donor_weights(pop, params)
    for g in np.unique(group):
        rows = np.flatnonzero((pop.client_group == g) & (w > 0))
        cum = np.cumsum(w[rows])
        k = np.flatnonzero(group == g)
        pick = np.searchsorted(cum / cum[-1], u[k], side="right")
        out[k] = rows[np.minimum(pick, len(rows) - 1)]
    return out

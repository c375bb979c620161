"""Charging: what each person contributes towards their budget (Fairer Charging, 2012).

A person's assessed charge is `taper x (income - allowance - DRE)`, at least nothing; their
contribution is the charge capped at their budget: they never pay more than their support
costs, and someone with income below the allowance pays nothing.  Income and DRE come from
the population's optional columns (`weekly_income`, `dre_weekly`) or, where a column is
absent, are drawn from the parameters' [charging] assumptions with its fixed seed (so the
same people have the same finances in every replicate).  The allowance (the Minimum Income
Guarantee) is by age band.  Simplifications, stated in the parameters' source: savings and
capital are ignored; income and allowance are fixed at the person's age on entering the model
(a referral has its donor's); both rise with prices each April, so contributions take the
price index as spend does.

Contributions are tallied as rows of the spend tally (sim.model.spend.SpendTally, in whole
pence) on the share of a budget that is spent (utilisation by PB type, without a direct
payment's cost difference): a direct payment's unspent share, clawed back, carries its share
of the contribution.  Charging changes no budget and no admission: it is a pure add-on, so gross
spend is the same with it on or off.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sim.inputs.categories import CLIENT_GROUP, PB_TYPE, age_band_index
from sim.inputs.population import Population
from sim.model.params import Charging, Parameters
from sim.model.spend import Admitted

WEEKS_A_YEAR = 52   # charges are assessed by the week; a budget is £ a year


@dataclass(frozen=True)
class Finance:
    """Each person's financial assessment, £ a week (one entry per population row)."""

    income: np.ndarray
    allowance: np.ndarray
    dre: np.ndarray               # as the person's team sanctions it
    synthetic_income: bool        # drawn from the assumptions (the population has no column)
    synthetic_dre: bool


def person_finance(pop: Population, c: Charging) -> Finance:
    """Income, allowance and team-sanctioned DRE of every person in the population."""
    income_rng, dre_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(c.seed).spawn(2))
    band = age_band_index(pop.age)
    income = pop.weekly_income
    if income is None:
        other = np.asarray(c.other_income_mean_weekly_by_age_band)[band]
        income = (np.asarray(c.benefit_income_weekly_by_age_band)[band]
                  + income_rng.exponential(1.0, len(pop)) * other)
    dre = pop.dre_weekly
    if dre is None:
        mean = np.array([c.dre_mean_weekly_by_group[g] for g in CLIENT_GROUP.codes])
        team = np.array([c.dre_team_multiplier.get(t, 1.0) for t in pop.teams])
        sd = c.dre_spread_sd
        spread = np.exp(dre_rng.normal(-sd * sd / 2.0, sd, len(pop)))   # mean 1
        dre = mean[pop.client_group] * team[pop.team] * spread
    return Finance(income=np.asarray(income, dtype=np.float64),
                   allowance=np.asarray(c.allowance_weekly_by_age_band)[band],
                   dre=np.asarray(dre, dtype=np.float64),
                   synthetic_income=pop.weekly_income is None, synthetic_dre=pop.dre_weekly is None)


def weekly_charge(income: np.ndarray, allowance: np.ndarray, dre: np.ndarray,
                  taper: float) -> np.ndarray:
    """£ a week a person is assessed to pay before the cap at their budget's cost."""
    return taper * np.maximum(income - allowance - dre, 0.0)


class DreRule(Protocol):
    """A policy's rule for DRE (sim.policy.dre.StandardDre); the world knows no policy."""

    def apply(self, dre: np.ndarray, client_group: np.ndarray, team: np.ndarray) -> np.ndarray:
        ...


def annual_charges(pop: Population, params: Parameters,
                   dre_rules: list[DreRule | None]) -> np.ndarray | None:
    """(P, population) each person's assessed charge under each policy, given its DRE rule
    (None: each team's practice), whole pence a year (None: no charging)."""
    c = params.charging
    if c is None or not c.enabled:
        return None
    f = person_finance(pop, c)
    rows = [weekly_charge(f.income, f.allowance, f.dre if rule is None else
                          rule.apply(f.dre, pop.client_group, pop.team), c.taper)
            for rule in dre_rules]
    return np.rint(np.stack(rows) * (WEEKS_A_YEAR * 100.0))


def slot_charges(charges: np.ndarray | None, source: np.ndarray) -> np.ndarray | None:
    """(P, cap) charges of every slot of a replicate: the starting population, then each
    referral its donor's (source: the donor row of each referral)."""
    if charges is None:
        return None
    return charges[:, np.concatenate([np.arange(charges.shape[1]), source])]


def contribution_pence(pence: np.ndarray, charge: np.ndarray) -> np.ndarray:
    """A person's contribution in pence a year: their charge, capped at their budget."""
    return np.minimum(pence, charge)


def charge_utilisation(params: Parameters) -> np.ndarray:
    """Share of a budget spent by PB type, the share contributions are collected on."""
    return np.array([params.money.utilisation[c] for c in PB_TYPE.codes])


class Contributions:
    """Contributions tallied as rows of the spend tally (sim.model.spend.SpendTally): row P + p
    holds each person's contribution under policy p, which changes exactly when their budget
    does, so it moves in the sums with their budget and shares all the tally's work.

    Args:
        charge: (P, cap) each person's assessed charge, whole pence a year.
        util: share of a budget spent, by PB type (the share contributions are collected on).
    """

    def __init__(self, charge: np.ndarray, util: np.ndarray) -> None:
        self.charge = np.ascontiguousarray(charge)   # gathered by column every month
        self.util = util

    def assessed(self, idx: np.ndarray, new: np.ndarray,
                 old: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """People idx's contributions with budgets `new` and with `old` (P, len(idx))."""
        charge = self.charge.take(idx, axis=1)
        return contribution_pence(new, charge), contribution_pence(old, charge)

    def admitted(self, admitted: Admitted) -> Admitted:
        """This month's admissions in the budget rows and, below them, the contribution rows
        (with the contributions the sums held for them)."""
        p, slot = admitted.policy, admitted.slot
        paid = np.minimum(admitted.pence, self.charge[p, slot])
        return Admitted(policy=np.concatenate([p, p + len(self.charge)]),
                        slot=np.concatenate([slot, slot]),
                        pence=np.concatenate([admitted.pence, paid]))

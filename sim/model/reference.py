"""The reference model: the same monthly rules written plainly, one Mesa agent per person.

This is the version a domain expert audits: every rule is a few readable lines in
`ServiceUser.step`.  It reads the same pre-drawn random numbers (`draws.Draws`) as
the fast path, so a test can demand identical trajectories; the benchmark uses it
as the peer the fast path is measured against.  It is slow by design.

Arithmetic mirrors the fast path's number types (float32 draws and points, budgets
in whole pence) so that "identical" can mean identical.
"""
from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.inputs.calendar import month_index
from sim.inputs.categories import FACS_BAND, OLD_STYLE, OLDER_AGE, PB_TYPE, age_band_index
from sim.inputs.facs import facs_from_points
from sim.inputs.population import Population
from sim.model.admission import feedback_multiplier
from sim.model.cap_window import held_extremes
from sim.model.charging import annual_charges, charge_utilisation
from sim.model.creep import creep_factors
from sim.model.draws import Draws
from sim.model.money import price_index, utilisation
from sim.model.params import Parameters, hazard_table
from sim.model.practice import (
    COMMISSIONED,
    DP,
    MIXED,
    choice_tables,
    practice_noise,
    practice_prices,
)
from sim.model.residential_cost import annual_cost, death_in_care
from sim.model.reviews import team_offsets
from sim.policy.policy import Policy
from sim.policy.transition import CAP_MONTHS

F32 = np.float32
CRITICAL = FACS_BAND.code_of("critical")


class ServiceUser(mesa.Agent):
    """One person: their own world (ageing, need, exits, reviews) and a budget per policy."""

    def __init__(self, model: ReferenceModel, slot: int, source: int, arrival: int, age0: float,
                 points0: float) -> None:
        super().__init__(model)
        pop = model.population
        self.slot, self.arrival, self.age0 = slot, arrival, age0
        self.group = int(pop.client_group[source])
        self.facs_offset = model.facs_offsets[pop.team[source]]
        self.points0, self.cum = points0, F32(0.0)
        self.points = F32(min(max(points0, 0.0), model.params.need.max_points))
        self.points_at_go_live = max(self.points, F32(1.0))  # arrivals after go-live keep this
        self.pb_type = int(pop.pb_type[source]) if arrival == 0 else -1
        self.facs = int(pop.facs_band[source]) if arrival == 0 else -1
        self.practice = float(pop.annual_budget[source]) if arrival == 0 else 0.0
        self.need = self.practice     # what the assessed need warrants: practice without creep
        self.last_points = self.points
        self.next_review = None
        self.reviews_since_go_live = 0
        n = len(model.policies)
        self.pence = [np.rint(float(F32(self.practice)) * 100.0)] * n
        # each policy's (month, budget before, budget after) of every assessment from go-live
        self.history: list[list[tuple[int, float, float]]] = [[] for _ in range(n)]
        self.in_res = [False] * n
        self.ended = [False] * n                   # eligibility ended the budget (for good)
        self.indicative = [0.0] * len(model.cal_names)
        # each policy's assessed charge, pence a year (a referral has its donor's finances)
        self.charge = None if model.charges is None else list(model.charges[:, source])

    # ---- the monthly rules ------------------------------------------------------------
    def age(self, m: int) -> float:
        return self.age0 + max(m - self.arrival, 0) / 12.0

    def step(self) -> None:
        mdl, m = self.model, self.model.month
        d, slot, p = mdl.draws, self.slot, mdl.params
        band = int(age_band_index(np.array([self.age(m)]))[0])
        # exits: death, then other reasons (policy-independent)
        if (mdl.u_death.get((m, slot), 2.0) < mdl.h_death[self.group, band]
                or mdl.u_other.get((m, slot), 2.0) < mdl.h_other[self.group, band]):
            mdl.leave(self)
            return
        # need drifts from the month after arrival
        if p.need.enabled and m > self.arrival:
            inc = F32(mdl.drift[band] + F32(p.need.noise_sd_per_month) * d.z_need_row(m)[slot])
            self.cum = F32(self.cum + inc)
            self.points = F32(min(max(F32(self.points0) + self.cum, 0.0), p.need.max_points))
        if m == mdl.go_live:
            self.points_at_go_live = max(self.points, F32(1.0))
        event = self.assess_or_review(m, band)
        if event == "review":
            for i, resident in enumerate(self.in_res):
                mdl.community_reviews[i, m] += not resident
        if event == "review" and m >= mdl.go_live:
            self.reviews_since_go_live += 1
        if event:
            self.decide_budgets(m)
        self.residential(m, band)
        mdl.add_spend(self)

    def assess_or_review(self, m: int, band: int) -> str | None:
        """'assessment' of a new referral, 'review' of an existing user, or None."""
        mdl, d, slot, p = self.model, self.model.draws, self.slot, self.model.params
        if m == self.arrival and m > 0:            # assessment of a new referral
            self.pb_type = mdl.choose(d.u_first_choice[slot], self.group, band)
            self.facs = self.assessed_facs()
            price = mdl.prices[self.group, self.pb_type, int(self.age(m) >= OLDER_AGE)]
            self.practice = float(price * max(self.points, F32(1.0)) * mdl.noise[slot])
            self.need = self.practice
            self.last_points = self.points
            self.next_review = m + mdl.interval(d.z_first_interval[slot])
            return "assessment"
        change = abs(self.points - self.last_points)
        due = (change >= p.reviews.trigger_min_points
               and change / max(self.last_points, F32(1.0)) >= p.reviews.trigger_relative_change)
        due |= p.reviews.scheduled and m >= self.next_review
        due |= m == mdl.deadline and self.pb_type == OLD_STYLE
        if not due:
            return None
        u_switch, u_choice, z_interval = (float(x[0]) for x in mdl.reviews.take(1))
        if self.pb_type == OLD_STYLE or u_switch < p.choice.switch_at_review:
            self.pb_type = mdl.choose(u_choice, self.group, band)
        self.facs = self.assessed_facs()
        ratio = max(self.points, F32(1.0)) / max(self.last_points, F32(1.0))
        follow = ratio ** p.practice.points_elasticity
        factor = follow * (1.0 + p.practice.creep_per_review)
        self.practice *= float(factor)  # float32 factor, float64 budget, as in the fast path
        self.need *= float(follow)      # need followed without the creep
        self.last_points = self.points
        self.next_review = m + mdl.interval(z_interval)
        return "review"

    def assessed_facs(self) -> int:
        """FACS band as current practice assesses it: points plus the team's offset."""
        assessed = F32(self.points + self.facs_offset)
        return int(facs_from_points(np.array([assessed]), self.model.params.need.facs_thresholds)[0])

    def decide_budgets(self, m: int) -> None:
        """Each policy's budget for this person after an assessment or review."""
        mdl = self.model
        practice = np.rint(float(F32(self.practice)) * 100.0)
        before = [pence / 100.0 for pence in self.pence]
        if m >= mdl.go_live:
            for c, est in enumerate(mdl.calibrations):
                self.indicative[c] = float(est.allocate(
                    np.array([float(self.points)]), client_group=np.array([self.group]),
                    age=np.array([self.age(m)]))[0])
        for i, pol in enumerate(mdl.policies):
            if self.in_res[i] or self.ended[i]:
                continue
            if m < mdl.go_live or pol.is_baseline:
                self.pence[i] = practice if pol.practice_creep else np.rint(
                    float(F32(self.practice)) / mdl.creep[self.reviews_since_go_live] * 100.0)
                continue
            ind = self.indicative[mdl.cal_names.index(pol.calibration)]
            high, low = held_extremes(self.history[i], m, self.pence[i] / 100.0, CAP_MONTHS)
            new = pol.transition.apply(
                self.pence[i] / 100.0, ind, loss_base=high, gain_base=low,
                review_number=self.reviews_since_go_live,
                is_critical=self.facs == CRITICAL,
                points_change=float(self.points / self.points_at_go_live - F32(1.0)),
                is_new=self.arrival >= mdl.go_live, months_since_go_live=m - mdl.go_live)
            self.pence[i] = np.rint(float(new) * 100.0)
        if m >= mdl.go_live:
            self.eligibility(m)
            for i, hist in enumerate(self.history):
                hist.append((m, before[i], self.pence[i] / 100.0))

    def eligibility(self, m: int) -> None:
        """Under a policy with an eligibility rule, a person assessed below its bands loses
        their budget for good, unless their draw puts them in the share that continues."""
        mdl = self.model
        for i, pol in enumerate(mdl.policies):
            rule = pol.eligibility
            if rule is None or self.in_res[i] or self.ended[i]:
                continue
            band = self.facs
            if rule.consistent_facs:              # FACS from points alone, no team offset
                band = int(facs_from_points(np.array([self.points]),
                                            mdl.params.need.facs_thresholds)[0])
            eligible = FACS_BAND.codes[band] in rule.bands
            if not eligible and not mdl.draws.u_continue[self.slot] < rule.continue_share:
                mdl.ended[i, m] += (1, self.pence[i])
                self.ended[i], self.pence[i] = True, 0.0

    def death_in_care(self, admitted: int) -> int:
        """Month this person dies once in care: residential mortality, their own draw."""
        mdl = self.model
        return int(death_in_care(np.array([admitted]), np.array([self.group]),
                                 mdl.draws.u_resident[self.slot:self.slot + 1], mdl.params,
                                 mdl.n_months)[0])

    def residential(self, m: int, band: int) -> None:
        """Admission: the person's draw against each policy's hazard (shortfall raises it)."""
        mdl = self.model
        u, h = mdl.u_res.get((m, self.slot), 2.0), mdl.h_res[self.group, band]
        if not mdl.params.residential.enabled or not u < h * max(mdl.feedback, 1.0):
            return
        for i, pol in enumerate(mdl.policies):
            if self.in_res[i]:
                continue
            mult = 1.0
            if m >= mdl.go_live and mdl.feedback != 1.0 and not pol.is_baseline:
                need = float(F32(self.need))  # what the assessed need warrants, no creep
                if self.pence[i] < (1.0 - mdl.params.feedback.shortfall_threshold) * need * 100:
                    mult = mdl.feedback
            if u < h * mult:
                self.in_res[i], self.pence[i] = True, 0.0
                mdl.admissions[i, m] += 1
                mdl.residents.append((i, self, m, self.death_in_care(m)))


class ReferenceModel(mesa.Model):
    """Every person an agent; `step()` is one month; spend summed person by person."""

    def __init__(self, *, population: Population, params: Parameters, draws: Draws,
                 n_months: int, go_live: int, policies: list[Policy],
                 calibrations: dict[str, Any]) -> None:
        super().__init__(seed=0)
        self.population, self.params, self.draws = population, params, draws
        self.n_months, self.go_live, self.policies = n_months, go_live, list(policies)
        self.cal_names = sorted({p.calibration for p in policies if p.calibration})
        self.calibrations = [calibrations[c] for c in self.cal_names]
        self.h_death, self.h_other = hazard_table(params.death), hazard_table(params.other_exit)
        self.h_res = hazard_table(params.residential)
        # the thinned monthly draws, by (month, slot); a missing draw is above every hazard
        self.u_death, self.u_other = draws.death.lookup(), draws.other.lookup()
        self.u_res = draws.residential.lookup()
        self.reviews = draws.review_stream()  # read in (month, slot) order, as the fast path
        self.drift = np.asarray(params.need.drift_per_month_by_age_band, dtype=F32)
        self.tables = choice_tables(params)
        self.facs_offsets = team_offsets(params, population.teams)
        self.noise = practice_noise(params, draws.z_practice)
        self.prices = practice_prices(population, params.practice.min_cell_size)
        self.deadline = month_index(params.time.start, params.time.conversion_deadline)
        self.uplift = price_index(params, n_months)
        self.util = utilisation(params)
        self.feedback = feedback_multiplier(params)
        self.creep = creep_factors(params, n_months)
        # (P, people) each person's assessed charge under each policy, or None
        self.charges = annual_charges(population, params, [p.standard_dre for p in policies])
        self.charge_util = charge_utilisation(params)
        P = len(policies)
        self.spend = np.zeros((P, n_months))
        self.contributions = np.zeros((P, n_months))
        self.admissions = np.zeros((P, n_months), int)
        self.community_reviews = np.zeros((P, n_months), int)   # care-home residents apart
        self.ended = np.zeros((P, n_months, 2))    # people eligibility ended, their pence
        self.res_spend = np.zeros((P, n_months))
        # (policy, person, month admitted, month they die in care)
        self.residents: list[tuple[int, ServiceUser, int, int]] = []
        self.res_cost = annual_cost(params)
        self.exit_month: dict[int, int] = {}
        self.month = -1
        self.next_slot = 0
        self.arrivals_of = np.repeat(np.arange(n_months), draws.n_arrivals)
        for i in range(len(population)):
            self._add(i, 0, float(population.age[i]), float(population.ras_points[i]))
        for agent in self.agents:                  # in slot order, before any review's draws
            agent.next_review = self.first_review(agent)

    def _add(self, source: int, arrival: int, age0: float, points0: float) -> None:
        ServiceUser(self, self.next_slot, source, arrival, age0, points0)
        self.next_slot += 1

    def choose(self, u: float, group: int, band: int) -> int:
        dp, mixed = self.tables[0][group, band], self.tables[1][group, band]
        return DP if u < dp else MIXED if u < dp + mixed else COMMISSIONED

    def interval(self, z: float) -> int:
        r = self.params.reviews
        return int(max(1, np.rint(r.interval_months + r.spread_sd_months * z)))

    def first_review(self, agent: ServiceUser) -> int:
        """A starting user's first scheduled review: if overdue, a month drawn within the
        backlog window; an old-style package due after the deadline, a month up to it."""
        u = float(self.reviews.take(1)[0][0])
        due = (self.interval(self.draws.z_first_interval[agent.slot])
               - int(self.population.months_since_review[agent.slot]))
        if due <= 0:
            return int(u * self.params.reviews.backlog_months)
        if agent.pb_type == OLD_STYLE and due > self.deadline:
            return int(u * (self.deadline + 1))
        return due

    def leave(self, agent: ServiceUser) -> None:
        self.exit_month[agent.slot] = self.month
        agent.remove()

    def add_spend(self, agent: ServiceUser) -> None:
        for i in range(len(self.policies)):
            if not agent.in_res[i]:
                self._pence[i][agent.pb_type] += agent.pence[i]
                if agent.charge is not None:   # the contribution: the charge, capped at the budget
                    self._paid[i][agent.pb_type] += min(agent.pence[i], agent.charge[i])

    def step(self) -> None:
        m = self.month = self.steps - 1
        n0, d = len(self.population), self.draws
        for k in np.flatnonzero(self.arrivals_of == m) if m > 0 else []:
            src = int(d.source[k])               # a referral: its donor's age, need x factor
            self._add(src, m, float(self.population.age[src]),
                      float(self.population.ras_points[src]) * self.params.demand.points_factor)
        assert self.next_slot <= n0 + len(d.source)
        self._pence = [[0.0] * len(PB_TYPE) for _ in self.policies]
        self._paid = [[0.0] * len(PB_TYPE) for _ in self.policies]
        for agent in list(self.agents):
            agent.step()
        scale = [u * (self.uplift[m] / 1200.0) for u in self.util]
        paid_scale = [u * (self.uplift[m] / 1200.0) for u in self.charge_util]
        for i in range(len(self.policies)):
            self.spend[i, m] = sum(self._pence[i][t] * scale[t] for t in range(len(PB_TYPE)))
            self.contributions[i, m] = sum(self._paid[i][t] * paid_scale[t]
                                           for t in range(len(PB_TYPE)))
        self.cost_residents(m)

    def cost_residents(self, m: int) -> None:
        """Residents stay in care until they die there, at residential mortality (community
        deaths and other exits do not apply to them); each costs their group's placement."""
        still, annual = [], np.zeros(len(self.policies))
        for i, agent, admitted, death in self.residents:
            if m >= death:
                continue
            still.append((i, agent, admitted, death))
            annual[i] += self.res_cost[agent.group]
        self.residents = still
        self.res_spend[:, m] = annual / 12.0 * self.uplift[m]

    def run(self) -> ReferenceModel:
        for _ in range(self.n_months):
            self.step()
        return self

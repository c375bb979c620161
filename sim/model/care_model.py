"""CareModel: one replicate's world advanced month by month under every policy at once.

Policies are stacked as the first axis of the budget array, so one `step()` moves
every policy of the study one month with whole-array operations; no Python loop
runs over people.  The world (deaths, arrivals, need, reviews, PB choice) comes
precomputed from sim.model.world and is shared by all policies (common random numbers);
the only policy-dependent randomness, residential admission with the shortfall
feedback, compares the world's shared uniform draw against each policy's hazard.
"""
from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.inputs.categories import CLIENT_GROUP, FACS_BAND, PB_TYPE
from sim.inputs.facs import facs_from_points
from sim.model.admission import feedback_multiplier
from sim.model.cap_window import CapWindow
from sim.model.charging import Contributions, charge_utilisation, contribution_pence
from sim.model.creep import creep_factors
from sim.model.money import utilisation
from sim.model.params import Parameters
from sim.model.replicate_view import ReplicateView, by_replicate
from sim.model.residential_cost import annual_cost, death_in_care
from sim.model.spend import Admitted, SpendTally
from sim.model.stack import offsets
from sim.model.world import World
from sim.policy.policy import Policy
from sim.policy.transition import CAP_MONTHS, NONE_TRANSITION, TransitionStack

CRITICAL = FACS_BAND.code_of("critical")


class PersonAgent(mesa.Agent):
    """A read-only view of one service user, for explaining a person's path (not stepped)."""

    def __init__(self, model: CareModel, slot: int) -> None:
        super().__init__(model)
        w, m = model.world, max(model.month, 0)
        self.slot = slot
        self.age = float(w.age(m)[slot])
        self.client_group = CLIENT_GROUP.codes[w.client_group[slot]]
        self.pb_type = PB_TYPE.codes[w.pb_type[m, slot]]
        self.facs_band = FACS_BAND.codes[w.facs[m, slot]]
        self.points = float(w.points[m, slot])
        self.budgets = {p.name: float(model.budget[i, slot]) for i, p in enumerate(model.policies)}
        self.in_residential = {p.name: bool(model.in_res[i, slot]) for i, p in enumerate(model.policies)}


def put_columns(x: np.ndarray, idx: np.ndarray, values: np.ndarray) -> None:
    """x[:, idx] = values, row by row when rows are few (numpy's 2-D scatter is slow there)."""
    if len(x) <= 4:
        for row, v in zip(x, values):
            row[idx] = v
    else:
        x[:, idx] = values


class CareModel(mesa.Model):
    """One replicate of every policy; `step()` advances one month.

    A thin Mesa shell: Mesa gives the lifecycle (`step`, `steps`, `running`) and the agent view
    (`person`); the people are rows of numpy arrays and every random draw comes from the
    replicate's per-process streams (common random numbers), never from Mesa's generators.

    Args:
        world: the replicate's policy-independent trajectories.
        policies: the policies to run side by side (exactly one may be the baseline).
        calibrations: fitted calibration estimators by name.
        params: model parameters (feedback and residential costs are read here).
        snapshots: months after whose step budgets are recorded for the EIA.
        charges: (P, cap) each person's assessed charge under each policy, whole pence a
            year (sim.model.charging); None: no charging, contributions nil.
        parts: when `world` stacks several replicates (sim.model.stack), their own worlds in
            slot order; read each one's results through `replicate(k)`.
    """

    def __init__(
        self,
        *,
        world: World,
        policies: list[Policy],
        calibrations: dict[str, Any],
        params: Parameters,
        snapshots: tuple[int, ...] = (),
        charges: np.ndarray | None = None,
        parts: list[World] | None = None,
    ) -> None:
        super().__init__(seed=0)  # Mesa's generators are never drawn from (test_mesa_role)
        self.world, self.policies, self.params = world, list(policies), params
        K = self._blocks(world, parts)
        self.cal_names = sorted({p.calibration for p in policies if p.calibration})
        self.calibrations = [calibrations[c] for c in self.cal_names]
        P, T, cap = len(policies), world.n_months, world.cap
        # policy -> row of the indicative array; the last row (zeros) serves the baseline
        self.cal_of = np.array([self.cal_names.index(p.calibration) if p.calibration
                                else len(self.cal_names) for p in policies])
        self.ras_rows = np.flatnonzero(self.cal_of < len(self.cal_names))
        self.base_rows = np.flatnonzero(self.cal_of == len(self.cal_names))
        # status quo rows without creep from go-live, and the factors that take it out
        self.no_creep_rows = np.array([i for i in self.base_rows
                                       if not policies[i].practice_creep], dtype=np.intp)
        self.creep = creep_factors(params, T)
        # the RAS policies' transitions as rows of one stack
        self.transitions = TransitionStack([policies[i].transition or NONE_TRANSITION
                                            for i in self.ras_rows])
        # Transition caps hold over any 12 months: each RAS policy's budgets of the trailing window
        self.cap_window = CapWindow(len(self.ras_rows), cap, CAP_MONTHS)
        self._start_tally(params, charges)
        self.in_res = np.zeros((P, cap), bool)
        # FACS eligibility from go-live: the policies with a rule, whose budgets it has ended,
        # and per month the people it ended and their budgets (pence a year, base prices)
        self.elig_rows = [i for i, p in enumerate(policies) if p.eligibility]
        self.elig_groups = [(rule, np.array([i for i in self.elig_rows
                                             if policies[i].eligibility == rule]))
                            for rule in dict.fromkeys(policies[i].eligibility
                                                      for i in self.elig_rows)]
        self.ended = np.zeros((P, cap), bool)
        self.ended_month = np.zeros((K, P, T, 2))
        # The budget each person's assessed need warrants at current practice's prices without
        # its creep (the same under every policy): what a shortfall is measured against.
        self.need_budget = world.initial_budget.astype(np.float64)
        self.points_at_go_live = np.maximum(world.points[min(world.go_live, T - 1)], 1.0)
        self.feedback = feedback_multiplier(params)
        self.snapshot_months = tuple(snapshots)
        self.snapshots: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # residents' annual cost: added in the month of admission, taken away in the month they
        # die in care (at residential mortality: sim.model.residential_cost), kept per policy
        self.res_cost = annual_cost(params)
        self.res_death = np.full((P, cap), T, np.int32)
        self.res_delta = np.zeros((K, P, T + 1))
        self.admissions_by_replicate = np.zeros((K, P, T), np.int32)
        # reviews of people in the community under each policy (care-home residents apart)
        self.reviews_by_replicate = np.zeros((K, P, T), np.int32)
        self.admitted: list[tuple[int, np.ndarray, np.ndarray]] = []  # (month, policies, slots)
        self.month = -1

    def _blocks(self, world: World, parts: list[World] | None) -> int:
        """The replicates the world stacks (sim.model.stack): their worlds, where each one's
        people start, each slot's replicate; returns how many."""
        self.parts = [world] if parts is None else list(parts)
        self.blocks = offsets(self.parts)
        if self.blocks[-1] != world.cap:
            raise ValueError("the stacked world does not hold exactly its parts' people")
        self.rep_of = np.repeat(np.arange(len(self.parts)), np.diff(self.blocks))
        return len(self.parts)

    def _start_tally(self, params: Parameters, charges: np.ndarray | None) -> None:
        """Budgets in whole pence (integer-valued floats): sums of them are exact in any order,
        so identical policies give identical spend whatever the array layout or BLAS.  With
        charging, each person's contribution under each policy (rows P..2P-1) is kept below
        the budgets and tallied with them (sim.model.charging.Contributions)."""
        w, P = self.world, len(self.policies)
        self.util = utilisation(params)
        self.contrib = None if charges is None else Contributions(charges,
                                                                  charge_utilisation(params))
        self.charges = None if charges is None else self.contrib.charge
        self.amounts = np.empty((P if charges is None else 2 * P, w.cap))
        self.pence, self.paid = self.amounts[:P], self.amounts[P:]
        self.pence[:] = np.rint(w.initial_budget.astype(np.float64) * 100.0)
        util = self.util
        if self.contrib is not None:
            self.paid[:] = contribution_pence(self.pence, self.charges)
            util = np.repeat([self.util, self.contrib.util], P, axis=0)
        self.tally = SpendTally(w, self.amounts, util, self.rep_of, len(self.parts))

    # ---- the monthly step ----------------------------------------------------------
    def step(self) -> None:
        m = self.steps - 1
        self.month = m
        w = self.world
        self._assess(w.assessments(m), m)
        admitted = self._residential(m)
        if admitted is not None and self.contrib is not None:
            self.paid[admitted.policy, admitted.slot] = 0.0
            admitted = self.contrib.admitted(admitted)
        self.tally.close_month(m, self.amounts, admitted)
        if m in self.snapshot_months:
            self.snapshots[m] = (self.budget, self.in_res.copy())
        if m == w.n_months - 1:
            self.running = False

    def run(self) -> CareModel:
        while self.running and self.steps < self.world.n_months:
            self.step()
        return self

    def _allocate(self, idx: np.ndarray, m: int) -> np.ndarray:
        w = self.world
        out = np.zeros((len(self.cal_names) + 1, len(idx)))
        points = w.points[m].take(idx).astype(np.float64)
        group = w.client_group.take(idx).astype(np.int64)
        for c, est in enumerate(self.calibrations):
            out[c] = est.allocate_checked_inputs(points, group)
        return out

    def _assess(self, sl: slice, m: int) -> None:
        """Assessments of arrivals and reviews of existing users: budgets are (re)decided.

        Before go-live, and under the baseline, budgets follow current practice (without its
        creep since go-live under the no-creep status quo, sim.model.creep).  After
        go-live a RAS policy asks its calibration for the indicative budget and its
        transition for the new budget; new users (arrived at or after go-live) get the
        indicative budget.  People already in residential care keep a zero budget, as do
        those a policy's eligibility rule ends (sim.policy.eligibility).
        """
        w = self.world
        idx = w.assessed[sl]
        if not len(idx):
            return
        practice = w.assessed_practice[sl].astype(np.float64)
        self.need_budget[idx] = w.assessed_need[sl]
        before = self.pence.take(idx, axis=1)  # also what the spend tallies hold for them
        if m < w.go_live or not (len(self.ras_rows) or len(self.no_creep_rows)):
            new = np.broadcast_to(practice, (len(self.policies), len(idx)))
        else:
            new = np.empty((len(self.policies), len(idx)))
            new[self.base_rows] = practice
            new[self.no_creep_rows] = practice / self.creep[w.assessed_count[sl]]
            self._transition(new, idx, sl, m, before)
        pence = np.multiply(new, 100.0)
        np.rint(pence, out=pence)
        out = self.in_res.take(idx, axis=1)
        rep = self.rep_of.take(idx)
        self.reviews_by_replicate[:, :, m] = by_replicate(~out & w.assessed_review[sl], rep,
                                                          len(self.parts)).T
        if m >= w.go_live and self.elig_rows:
            out |= self._ended(pence, idx, sl, m, rep)
        pence[out] = 0.0
        put_columns(self.pence, idx, pence)
        if m >= w.go_live and len(self.ras_rows):
            self.cap_window.record(idx, m, before[self.ras_rows] / 100.0,
                                   pence[self.ras_rows] / 100.0)
        pence *= m < w.exit_month[idx]    # an arrival may leave in its first month
        if self.contrib is not None:   # and their contributions, in the rows below
            paid, paid_before = self.contrib.assessed(idx, pence, before)
            self.paid[:, idx] = paid
            pence, before = np.concatenate([pence, paid]), np.concatenate([before, paid_before])
        self.tally.assessed(idx, m, pence, before)

    def _transition(self, new: np.ndarray, idx: np.ndarray, sl: slice, m: int,
                    before: np.ndarray) -> None:
        """The RAS policies' rows of `new`: each calibration's indicative budget through the
        policy's transition."""
        if not len(self.ras_rows):
            return
        w = self.world
        ind = self._allocate(idx, m)
        current = before[self.ras_rows] / 100.0
        high, low = self.cap_window.bounds(idx, m, current)
        new[self.ras_rows] = self.transitions.apply(
            current, ind[self.cal_of[self.ras_rows]], loss_base=high, gain_base=low,
            review_number=w.assessed_count[sl].astype(np.int64),
            is_critical=w.assessed_facs[sl] == CRITICAL,
            points_change=(w.points[m].take(idx) / self.points_at_go_live.take(idx)
                           - np.float32(1.0)).astype(np.float64),
            is_new=w.arrival[idx] >= w.go_live, months_since_go_live=m - w.go_live,
        )

    def _ended(self, pence: np.ndarray, idx: np.ndarray, sl: slice, m: int,
               rep: np.ndarray) -> np.ndarray:
        """(P, len(idx)) budgets eligibility has ended: before, or now for people assessed
        below a policy's eligible bands (counted in month m with the budgets they lose).
        Policies sharing a rule share one test (most of a study's policies do)."""
        w = self.world
        ended = self.ended.take(idx, axis=1)
        free = ~ended & ~self.in_res.take(idx, axis=1) & (m < w.exit_month.take(idx))[None, :]
        u = w.u_continue.take(idx)
        by_points = facs_from_points(w.points[m].take(idx), self.params.need.facs_thresholds)
        K = len(self.parts)
        for rule, rows in self.elig_groups:
            now = rule.ends(by_points if rule.consistent_facs else w.assessed_facs[sl], u)
            now = now[None, :] & free[rows]
            ended[rows] |= now
            # whole pence: the masked sums are exact, so equal to summing the selected ones
            self.ended_month[:, rows, m, 0] += by_replicate(now, rep, K).T
            self.ended_month[:, rows, m, 1] += by_replicate(np.where(now, pence[rows], 0.0),
                                                            rep, K).T
        put_columns(self.ended, idx, ended)
        return ended

    def _residential(self, m: int) -> Admitted | None:
        """Admissions: the shared draw against each policy's hazard, raised where the policy's
        budget falls short of what the person's assessed need warrants (practice's prices,
        no creep).

        Returns who was admitted, with the budgets the spend sums held for them (None: nobody).
        """
        w = self.world
        if not self.params.residential.enabled:
            return None
        sl = w.res_events.of_month(m)
        cand, u, h = w.res_events.slot[sl], w.res_events.u[sl], w.res_h[sl]
        if not len(cand):
            return None
        mult = np.ones((len(self.policies), len(cand)))
        if m >= w.go_live and self.feedback != 1.0:
            need = self.need_budget.take(cand)
            short = (self.pence.take(cand, axis=1)
                     < (1.0 - self.params.feedback.shortfall_threshold) * need * 100)
            short[self.base_rows] = False   # current practice, with or without creep, is
            # the standard a shortfall is measured against, never short of it
            mult = np.where(short, self.feedback, 1.0)
        admit = (u[None, :] < h[None, :] * mult) & ~self.in_res.take(cand, axis=1)
        p_idx, k = np.nonzero(admit)
        if not len(p_idx):
            return None
        slots = cand[k]
        admitted = Admitted(policy=p_idx, slot=slots, pence=self.pence[p_idx, slots])
        self.in_res[p_idx, slots] = True
        self.pence[p_idx, slots] = 0.0
        rep = self.rep_of.take(slots)
        np.add.at(self.admissions_by_replicate, (rep, p_idx, m), 1)
        self.admitted.append((m, p_idx, slots))
        group = w.client_group.take(slots)
        cost = self.res_cost.take(group)
        death = death_in_care(m, group, w.u_resident.take(slots), self.params, w.n_months)
        self.res_death[p_idx, slots] = death
        np.add.at(self.res_delta, (rep, p_idx, np.full(len(p_idx), m)), cost)
        np.add.at(self.res_delta, (rep, p_idx, death), -cost)
        return admitted

    @property
    def budget(self) -> np.ndarray:
        """(P, cap) current annual budgets in £ (base prices); zero outside the community."""
        return self.pence / 100.0

    # ---- outputs: one replicate's, read through a view ------------------------------
    def replicate(self, k: int) -> ReplicateView:
        """Replicate k's results (its own world, people and sums)."""
        return ReplicateView(self, k)

    def _one(self) -> ReplicateView:
        if len(self.blocks) != 2:
            raise ValueError("this model stacks several replicates: read replicate(k)")
        return self.replicate(0)

    @property
    def spend(self) -> np.ndarray:
        """(P, T, N_GROUP_COLS) community spend in £ cash (ReplicateView.spend)."""
        return self._one().spend

    @property
    def contributions(self) -> np.ndarray:
        return self._one().contributions

    @property
    def admissions(self) -> np.ndarray:
        """(P, T) admissions to residential care."""
        return self._one().admissions

    @property
    def community_reviews(self) -> np.ndarray:
        return self._one().community_reviews

    def users(self) -> np.ndarray:
        return self._one().users()

    def eligibility_ended(self) -> np.ndarray:
        return self._one().eligibility_ended()

    def residential_spend(self) -> np.ndarray:
        return self._one().residential_spend()

    def residential_stock_spend(self) -> np.ndarray:
        return self._one().residential_stock_spend()

    def release(self) -> None:
        """Drop the large arrays: a Mesa model sits in reference cycles that Python frees
        late, so a finished replicate would otherwise keep its world in memory."""
        for name in ("world", "amounts", "pence", "paid", "in_res", "ended", "need_budget",
                     "snapshots", "cap_window", "res_death", "charges", "contrib", "parts"):
            setattr(self, name, None)
        self.tally.release()

    def person(self, slot: int) -> PersonAgent:
        """A Mesa agent view of one person at the current month."""
        return PersonAgent(self, slot)

"""CareModel: one replicate's world advanced month by month under every policy at once.

Policies are stacked as the first axis of the budget array, so one `step()` moves
every policy of the study one month with whole-array operations; no Python loop
runs over people.  The world (deaths, arrivals, need, reviews, PB choice) comes
precomputed from sim.model.world and is shared by all policies (common random numbers);
the only policy-dependent randomness, residential admission with the shortfall
feedback, compares the world's shared uniform draw against each policy's hazard.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim.inputs.categories import AGE_BAND, CLIENT_GROUP, FACS_BAND, PB_TYPE
from sim.model.admission import feedback_multiplier
from sim.model.money import utilisation
from sim.model.params import Parameters
from sim.model.world import World
from sim.policy.policy import Policy
from sim.policy.transition import NONE_TRANSITION, TransitionStack

if TYPE_CHECKING:
    pass

CRITICAL = FACS_BAND.code_of("critical")
N_GROUP_COLS = 1 + len(CLIENT_GROUP) + len(PB_TYPE) + len(AGE_BAND)




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

    Args:
        world: the replicate's policy-independent trajectories.
        policies: the policies to run side by side (exactly one may be the baseline).
        calibrations: fitted calibration estimators by name.
        params: model parameters (feedback and residential cost are read here).
        snapshots: months after whose step budgets are recorded for the EIA.
    """

    # The spend tallies use one-hot products from this many policies up (cheaper with many
    # policies and few people moving), per-policy counts below it; both are exact.
    MATMUL_TALLY_POLICIES = 8

    def __init__(
        self,
        *,
        world: World,
        policies: list[Policy],
        calibrations: dict[str, Any],
        params: Parameters,
        snapshots: tuple[int, ...] = (),
        seed: int | None = 0,
    ) -> None:
        super().__init__(seed=seed)
        self.world, self.policies, self.params = world, list(policies), params
        self.cal_names = sorted({p.calibration for p in policies if p.calibration})
        self.calibrations = [calibrations[c] for c in self.cal_names]
        P, T, cap = len(policies), world.n_months, world.cap
        # policy -> row of the indicative array; the last row (zeros) serves the baseline
        self.cal_of = np.array([self.cal_names.index(p.calibration) if p.calibration
                                else len(self.cal_names) for p in policies])
        self.ras_rows = np.flatnonzero(self.cal_of < len(self.cal_names))
        self.base_rows = np.flatnonzero(self.cal_of == len(self.cal_names))
        # the RAS policies' transitions as rows of one stack
        self.transitions = TransitionStack([policies[i].transition or NONE_TRANSITION
                                            for i in self.ras_rows])
        # Budgets in whole pence (integer-valued floats): sums of them are exact in any order,
        # so identical policies give identical spend whatever the array layout or BLAS.
        start = np.rint(world.initial_budget.astype(np.float64) * 100.0)
        self.pence = np.repeat(start[None, :], P, axis=0)
        self.in_res = np.zeros((P, cap), bool)
        self.indicative = np.zeros((len(self.cal_names) + 1, cap))
        self.points_at_go_live = np.maximum(world.points[min(world.go_live, T - 1)], 1.0)
        self.feedback = feedback_multiplier(params)
        self.snapshot_months = tuple(snapshots)
        self.snapshots: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.spend = np.zeros((P, T, N_GROUP_COLS))
        self.res_delta = np.zeros((P, T + 1))
        self.admissions = np.zeros((P, T), np.int32)
        self.people = np.zeros((P, T), np.int32)
        self.month = -1
        self.util = utilisation(params)
        self._init_spend_tally()

    # ---- the monthly step ----------------------------------------------------------
    def step(self) -> None:
        m = self.steps - 1
        self.month = m
        w = self.world
        self._assess(w.assessments(m), m)
        admitted = self._residential(m)
        self._spend(m, admitted)
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

        Before go-live, and under the baseline, budgets follow current practice.  After
        go-live a RAS policy asks its calibration for the indicative budget and its
        transition for the new budget; new users (arrived at or after go-live) get the
        indicative budget.  People already in residential care keep a zero budget.
        """
        w = self.world
        idx = w.assessed[sl]
        if not len(idx):
            return
        practice = w.assessed_practice[sl].astype(np.float64)
        before = self.pence.take(idx, axis=1)  # also what the spend tallies hold for them
        if m < w.go_live or not len(self.ras_rows):
            new = np.broadcast_to(practice, (len(self.policies), len(idx)))
        else:
            ind = self._allocate(idx, m)
            put_columns(self.indicative[:-1], idx, ind[:-1])  # the baseline's row stays zero
            new = np.empty((len(self.policies), len(idx)))
            new[self.ras_rows] = self.transitions.apply(
                before[self.ras_rows] / 100.0, ind[self.cal_of[self.ras_rows]],
                review_number=w.assessed_count[sl].astype(np.int64),
                is_critical=w.assessed_facs[sl] == CRITICAL,
                points_change=(w.points[m].take(idx) / self.points_at_go_live.take(idx)
                               - np.float32(1.0)).astype(np.float64),
                is_new=w.arrival[idx] >= w.go_live,
            )
            new[self.base_rows] = practice
        pence = np.multiply(new, 100.0)
        np.rint(pence, out=pence)
        pence[self.in_res.take(idx, axis=1)] = 0.0
        put_columns(self.pence, idx, pence)
        pence *= m < w.exit_month[idx]    # an arrival may leave in its first month
        self._tally(idx, m, pence, before, max(m - 1, 0))
        self._assessed_now[idx] = True

    def _residential(self, m: int) -> np.ndarray:
        """Admissions: the shared draw against each policy's hazard (raised by a shortfall)."""
        w = self.world
        if not self.params.residential.enabled:
            return np.empty(0, np.int64)
        sl = w.res_events.of_month(m)
        cand, u, h = w.res_events.slot[sl], w.res_events.u[sl], w.res_h[sl]
        if not len(cand):
            return cand
        mult = np.ones((len(self.policies), len(cand)))
        if m >= w.go_live and self.feedback != 1.0:
            ind = self.indicative[np.ix_(self.cal_of, cand)]
            short = (self.pence.take(cand, axis=1)
                     < (1.0 - self.params.feedback.shortfall_threshold) * ind * 100)
            mult = np.where(short, self.feedback, 1.0)
        admit = (u[None, :] < h[None, :] * mult) & ~self.in_res.take(cand, axis=1)
        p_idx, k = np.nonzero(admit)
        if not len(p_idx):
            return cand[:0]
        slots = cand[k]
        self._admitted = (p_idx, slots, self.pence[p_idx, slots])  # budgets the tallies hold
        self.in_res[p_idx, slots] = True
        self.pence[p_idx, slots] = 0.0
        np.add.at(self.admissions[:, m], p_idx, 1)
        np.add.at(self.res_delta, (p_idx, np.full(len(p_idx), m)), 1.0)
        np.add.at(self.res_delta, (p_idx, w.death_month[slots]), -1.0)
        return slots

    def _init_spend_tally(self) -> None:
        """Running exact sums of pence by (PB type x client group) and (PB type x age band).

        A person's contribution changes only when they arrive, leave, are reviewed, are
        admitted to care, or change PB type or age band, so each month updates the sums
        for those people only: the assessed as their budgets are set (_assess), the rest
        in _spend.  What the sums hold for someone is always their budget times whether
        they were in the community, under the cells of their last count, so it need not
        be stored.  Pence are whole numbers, so the running sums stay exact and equal a
        full recount (tests check this against the reference model and a recount).
        """
        w = self.world
        nt, ng, nb = len(PB_TYPE), len(CLIENT_GROUP), len(AGE_BAND)
        self._width = nt * (ng + nb)
        self._raw = np.zeros((len(self.policies), self._width))
        # each person-month's two tally cells: (PB type, client group) and (PB type, age band)
        self._key_group = w.pb_type * np.int8(ng) + w.client_group[None, :]
        self._key_band = nt * ng + w.pb_type * np.int8(nb) + w.age_band
        # the starting population as it stands before month 0, under month 0's cells
        start = np.flatnonzero(w.arrival == 0)
        self._tally(start, 0, self.pence.take(start, axis=1),
                    np.zeros((len(self.policies), len(start))), 0)
        # who else moves in month m: a change of cell (PB type or age band) or leaving;
        # people assessed or reviewed are tallied as they are (in _assess)
        moved = np.zeros(self._key_band.shape, bool)
        np.not_equal(self._key_band[1:], self._key_band[:-1], out=moved[1:])
        ex = w.exit_month < w.n_months
        moved[w.exit_month[ex], np.flatnonzero(ex)] = True
        moved[np.repeat(np.arange(w.n_months), np.diff(w.assessed_start)), w.assessed] = False
        self._moved = moved
        self._assessed_now = np.zeros(w.cap, bool)
        T = w.n_months
        self._alive_count = (np.cumsum(np.bincount(w.arrival, minlength=T)[:T])
                             - np.cumsum(np.bincount(w.exit_month, minlength=T + 1)[:T]))
        self._res_alive = np.zeros(len(self.policies), np.int64)  # residents still alive

    def _tally(self, c: np.ndarray, m: int, new: np.ndarray, old: np.ndarray,
               counted_at: int | np.ndarray) -> None:
        """Move people c's amounts in the running sums: take `old` away from the cells of
        month `counted_at` and add `new` in month m's cells.  Pence are whole numbers, so
        these sums are exact in any order."""
        if not len(c):
            return
        if np.ndim(counted_at):
            old_cells = (self._key_group[counted_at, c], self._key_band[counted_at, c])
        else:
            old_cells = (self._key_group[counted_at].take(c), self._key_band[counted_at].take(c))
        cells = (self._key_group[m].take(c), self._key_band[m].take(c)) + old_cells
        W = self._width
        if len(new) >= self.MATMUL_TALLY_POLICIES:   # many policies: one product each way
            rows = np.arange(len(c))
            hot = np.zeros((2, len(c), W))
            for j, cell in enumerate(cells):
                hot[j // 2, rows, cell] = 1.0
            self._raw += new @ hot[0] - old @ hot[1]
        else:                                         # few policies: counts per policy
            for p in range(len(new)):
                self._raw[p] += (np.bincount(cells[0], new[p], W)
                                 + np.bincount(cells[1], new[p], W)
                                 - np.bincount(cells[2], old[p], W)
                                 - np.bincount(cells[3], old[p], W))

    def _spend(self, m: int, admitted: np.ndarray) -> None:
        """Spend by group from the running sums: utilisation and prices applied last."""
        w = self.world
        nt, ng, nb = len(PB_TYPE), len(CLIENT_GROUP), len(AGE_BAND)
        moved = self._moved[m]
        if len(admitted):
            moved = moved.copy()
            moved[admitted] = True
        c = np.flatnonzero(moved)
        if len(c):
            arrival, leaves = w.arrival[c], w.exit_month[c]
            alive = (arrival <= m) & (m < leaves)
            # What the sums hold for them: their budget then (admissions aside, budgets change
            # only when assessed, and that is tallied at once) if they were in the community,
            # under last month's cells, or this month's if assessed this month.
            now = self._assessed_now[c]
            was = np.where(now, alive, (arrival <= max(m - 1, 0)) & (m - 1 < leaves))
            budget = self.pence.take(c, axis=1)
            old = budget * was
            if len(admitted):
                p_idx, slots, before = self._admitted
                k = np.searchsorted(c, slots)
                old[p_idx, k] = before * was[k]
            budget *= alive
            counted_at = np.where(now, m, max(m - 1, 0)) if now.any() else max(m - 1, 0)
            self._tally(c, m, budget, old, counted_at)
            left = c[~alive & (w.exit_month[c] == m)]        # people who left the world this month
            if len(left):
                self._res_alive -= self.in_res.take(left, axis=1).sum(axis=1)
        self._res_alive += self.admissions[:, m]
        self._assessed_now[w.assessed[w.assessments(m)]] = False
        by_group = self._raw[:, : nt * ng].reshape(-1, nt, ng)   # (P, type, client group)
        by_band = self._raw[:, nt * ng:].reshape(-1, nt, nb)
        scale = self.util[:, None] * (w.uplift[m] / 1200.0)      # utilisation x price / 12 / 100
        out = self.spend[:, m, :]
        out[:, 1:1 + ng] = (by_group * scale).sum(axis=1)
        out[:, 1 + ng:1 + ng + nt] = (by_group.sum(axis=2) * scale[:, 0])
        out[:, 1 + ng + nt:] = (by_band * scale).sum(axis=1)
        out[:, 0] = out[:, 1 + ng:1 + ng + nt].sum(axis=1)
        self.people[:, m] = self._alive_count[m] - self._res_alive

    @property
    def budget(self) -> np.ndarray:
        """(P, cap) current annual budgets in £ (base prices); zero outside the community."""
        return self.pence / 100.0

    # ---- outputs -----------------------------------------------------------------
    def residential_spend(self) -> np.ndarray:
        """(P, T) spend on people admitted to residential care during the run."""
        in_care = np.cumsum(self.res_delta[:, :-1], axis=1)
        return in_care * self.params.residential.annual_cost / 12.0 * self.world.uplift[None, :]

    def release(self) -> None:
        """Drop the large arrays: a Mesa model sits in reference cycles that Python frees
        late, so a finished replicate would otherwise keep its world in memory."""
        for name in ("world", "pence", "in_res", "indicative", "snapshots", "_admitted",
                     "_moved", "_raw", "_key_group", "_key_band", "_assessed_now"):
            setattr(self, name, None)

    def person(self, slot: int) -> PersonAgent:
        """A Mesa agent view of one person at the current month."""
        return PersonAgent(self, slot)

"""Per-replicate reductions: from a finished CareModel to a small ReplicateResult.

Budget changes of the EIA population are measured at each snapshot against each yardstick
(aggregates.YARDSTICKS: the person's own budget just before go-live in cash and in real
terms, the status quo's budget on the same random world, and for new users what current
practice would give them), then tallied by EIA group, so a replicate returns kilobytes
whatever the population size.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.inputs.categories import EIA_CHARACTERISTICS, LOSS_THRESHOLD
from sim.inputs.disparity import younger_older_ratio
from sim.model.activity import world_activity
from sim.model.aggregates import (
    ADMIT_STATS,
    EIA_STATS,
    NET_STATS,
    PCT_EDGES,
    YARDSTICKS,
    ReplicateResult,
    Tallies,
    characteristic_codes,
    eia_groups,
    wanted_tallies,
)
from sim.model.care_model import CareModel
from sim.model.world import World

_H = len(PCT_EDGES) + 1  # histogram bins
# Percentage changes are compared at 0.01%: budgets are held to the penny, so a cut of exactly
# a cap (0.9 x £61,198.25 = £55,078.425) rounds to a hair more than it; unrounded, such people
# would count as losing more than 10% (for budgets of £100 and more, half a penny is < 0.005%).
PCT_DECIMALS = 4
_K = {s: k for k, s in enumerate(EIA_STATS)}
# Loss/gain counts: (statistic, comparison, threshold on the percentage change).
_COUNTS = (("n_lose5", np.less, -0.05), ("n_lose10", np.less, -LOSS_THRESHOLD),
           ("n_lose25", np.less, -0.25), ("n_gain", np.greater, 0.005))
assert all(op in (np.less, np.greater) for _, op, _ in _COUNTS)  # what _tallied can count
_TALLIED = ("n",) + tuple(name for name, _, _ in _COUNTS)        # counted (_tallied)
_SUMS = tuple(k for k in EIA_STATS if k not in _TALLIED)          # float sums, by matmul
_F = {s: k for k, s in enumerate(_SUMS)}


def _latest_records(w: World, pop: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Each person's latest assessment or review record at or before their reference month
    (-1: none, so the starting values hold)."""
    months = np.repeat(np.arange(w.n_months), np.diff(w.assessed_start))
    ref_of = np.full(w.cap, -1, np.int64)
    ref_of[pop] = ref
    idx = np.flatnonzero(months <= ref_of[w.assessed])           # in month order
    slots = w.assessed[idx]
    rev_first = np.unique(slots[::-1], return_index=True)[1]
    last = np.full(w.cap, -1, np.int64)
    last[slots[len(idx) - 1 - rev_first]] = idx[len(idx) - 1 - rev_first]
    return last[pop]


def _at(values: np.ndarray, rec: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """values[rec] where a record exists (rec >= 0), else the starting value."""
    if not len(values):
        return initial
    return np.where(rec >= 0, values.take(np.maximum(rec, 0)), initial)


def pre_go_live_budgets(w: World, pop: np.ndarray, is_new: np.ndarray) -> np.ndarray:
    """Each person's budget (£ a year, base prices, to the penny as the model holds it) at the
    end of the month before go-live: their latest assessment or review before go-live, else
    their starting budget; 0 for new users.  Before go-live every policy follows current
    practice, so this is the same under every policy."""
    rec = _latest_records(w, pop, np.full(len(pop), w.go_live - 1, np.int64))
    budget = _at(w.assessed_practice, rec, w.initial_budget.take(pop)).astype(np.float64)
    return np.where(is_new, 0.0, np.rint(budget * 100.0) / 100.0)


def _deciles(budget: np.ndarray, existing: np.ndarray) -> np.ndarray:
    """Decile (0..9) of each status-quo budget, edges from the go-live cohort's budgets."""
    base = budget[existing] if existing.any() else budget
    if not len(base):
        return np.zeros(len(budget), np.int8)
    edges = np.quantile(base, np.linspace(0.1, 0.9, 9))
    return np.searchsorted(edges, budget, side="right").astype(np.int8)


def cohort_codes(model: CareModel) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The EIA population, each one's reference month and, for each EIA characteristic, their
    group code then.

    The population is the go-live cohort (in the community at go-live; reference month
    go-live) followed by new users (arriving at or after go-live and in the community on
    arrival; reference month their arrival)."""
    w, g = model.world, model.world.go_live
    existing = w.present(g) & (w.baseline_res_month > g) & (w.arrival < g)
    new = ((w.arrival >= g) & (w.arrival < w.exit_month)
           & (w.baseline_res_month > w.arrival))
    pop = np.concatenate([np.flatnonzero(existing), np.flatnonzero(new)])
    is_new = w.arrival.take(pop) >= g
    ref = np.where(is_new, w.arrival.take(pop), g).astype(np.int64)
    rec = _latest_records(w, pop, ref)
    budget = _at(w.assessed_practice, rec, w.initial_budget.take(pop))
    codes = {"cohort": is_new.astype(np.int8),
             "facs_band": _at(w.assessed_facs, rec, w.initial_facs.take(pop)).astype(np.int8),
             "budget_decile": _deciles(budget, ~is_new)}
    for c in EIA_CHARACTERISTICS:
        if c not in codes:
            col = getattr(w, c)
            codes[c] = col[ref, pop] if col.ndim == 2 else col.take(pop)  # (T, cap) or (cap,)
    return pop, ref, {c: codes[c] for c in EIA_CHARACTERISTICS}


Groups = list[tuple[int, np.ndarray, int]]  # (first EIA column, group of each person, groups)


def _membership(codes: dict[str, np.ndarray], teams: tuple[str, ...]) -> Groups:
    """For 'all' and each characteristic: its first EIA column, each person's group within it
    and its number of groups."""
    n = len(codes[EIA_CHARACTERISTICS[0]])
    groups, offset = [(0, np.zeros(n, np.int64), 1)], 1
    for c in EIA_CHARACTERISTICS:
        size = len(characteristic_codes(c, teams))
        groups.append((offset, codes[c].astype(np.int64), size))
        offset += size
    return groups


_STEP = (PCT_EDGES[-1] - PCT_EDGES[0]) / (len(PCT_EDGES) - 1)


def pct_bins(x: np.ndarray) -> np.ndarray:
    """np.searchsorted(PCT_EDGES, x, side="right") for evenly spaced edges, without the search:
    an arithmetic guess, then corrected against the edges themselves so it is exact."""
    b = np.clip(np.floor((x - PCT_EDGES[0]) / _STEP) + 1, 0, len(PCT_EDGES)).astype(np.int64)
    edges = np.concatenate([[-np.inf], PCT_EDGES, [np.inf]])          # edges[b] <= x < edges[b+1]
    b -= x < edges[b]
    b += x >= edges[b + 1]
    return b


def _float_stats(
    B: np.ndarray, before: np.ndarray, pts: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """(len(_SUMS), P, n) each person's summed EIA_STATS under each policy, 0 where not valid."""
    stats = np.zeros((len(_SUMS), B.shape[0], B.shape[1]))
    change = np.subtract(B, before[None, :], out=stats[_F["sum_change"]], where=valid)
    np.divide(change, np.where(before > 0, before, 1.0)[None, :], out=stats[_F["sum_pct"]])
    np.round(stats[_F["sum_pct"]], PCT_DECIMALS, out=stats[_F["sum_pct"]])
    np.multiply(valid, before[None, :], out=stats[_F["sum_before"]])
    np.copyto(stats[_F["sum_after"]], B, where=valid)
    np.multiply(valid, pts[None, :], out=stats[_F["sum_points"]])
    np.negative(np.minimum(change, 0.0), out=stats[_F["sum_lost"]])
    return stats


def _columns(groups: Groups, P: int, Z: int) -> np.ndarray:
    """(n, C) each person's EIA column under every characteristic, as the first key of that
    column's (policy, key) cells in a (column, policy, key) count of Z keys."""
    return np.stack([offset + code for offset, code, _ in groups], axis=1) * (P * Z)


class Layout(NamedTuple):
    """Which of `_columns`' columns a count goes through pair by pair (`counted`) and which it
    fills from the 'all' column instead (`fixed`: their EIA columns), 'all' being the sum of
    the EIA columns `span` (one characteristic's groups; None: 'all' is counted itself)."""
    counted: np.ndarray
    fixed: tuple[int, ...] = ()
    span: tuple[int, int] | None = None


def layout(cols: np.ndarray, groups: Groups, people: np.ndarray) -> Layout:
    """The Layout for counting these people (`cols`: `_columns(groups, 1, 1)`): a
    characteristic on which they all share one group ('all' always; the cohort when only
    existing or only new users are compared) needs no pair-by-pair count, it is 'all'."""
    every = np.arange(cols.shape[1])
    if not len(people):
        return Layout(every)
    c = cols.take(people, axis=0)
    one = c.min(axis=0) == c.max(axis=0)
    counted = every[~one]
    if not len(counted):
        return Layout(every)
    first, _, size = groups[int(counted[0])]
    return Layout(counted, tuple(int(j) for j in c[0, one]), (first, first + size))


def _group_hist(cols: np.ndarray, people: np.ndarray, p: np.ndarray, keys: np.ndarray, Z: int,
                P: int, J: int, how: Layout | None = None) -> np.ndarray:
    """(P, J, Z) the counted (policy p, person) pairs by policy, EIA group and key (0..Z-1):
    one bincount over the characteristics' columns `how` counts (default: all), the others
    copied from 'all'; `cols` is `_columns(groups, P, Z)`."""
    rows = cols.T[np.arange(cols.shape[1]) if how is None else how.counted]  # (C, n) copy
    flat = rows.take(people, axis=1)         # one 8-byte item at a time: numpy's fast take
    flat += p * Z + keys
    hist = np.bincount(flat.ravel(), minlength=J * P * Z).reshape(J, P, Z)
    if how is not None and how.span is not None:
        everyone = hist[how.span[0]:how.span[1]].sum(axis=0)
        for j in how.fixed:
            hist[j] = everyone
    return hist.transpose(1, 0, 2)


def _tallied(hist: np.ndarray, compared: np.ndarray, bins: np.ndarray, people: np.ndarray,
             p: np.ndarray, cols: np.ndarray, how: Layout | None = None) -> np.ndarray:
    """(P, J, len(_TALLIED)) people compared and counted by each of _COUNTS, from the pairs'
    histogram `hist` (P, J, H) of their bins `bins` (pct_bins): a threshold's count is the
    bins wholly on its side plus the pairs of the one bin it cuts that pass, counted
    (`cols`: `_columns(groups, P, 1)`, through `how`); a threshold on an edge cuts no bin."""
    P, J = hist.shape[:2]
    out = np.empty((P, J, len(_TALLIED)), np.int64)
    out[..., 0] = hist.sum(axis=-1)
    below = np.cumsum(hist, axis=-1)
    for t, (name, op, edge) in enumerate(_COUNTS, 1):
        cut = int(np.searchsorted(PCT_EDGES, edge, side="right"))  # edges[cut-1] <= edge
        sure = below[..., cut - 1] if op is np.less else out[..., 0] - below[..., cut]
        sel = np.flatnonzero(bins == cut)
        sel = sel[op(compared.take(sel), edge)]
        out[..., t] = sure + _group_hist(cols, people.take(sel), p.take(sel),
                                         np.zeros(len(sel), np.int64), 1, P, J, how)[..., 0]
    return out


def admission_months(model: CareModel) -> np.ndarray:
    """(P, cap) month of each person's admission to residential care under each policy
    (n_months: never within the horizon)."""
    out = np.full((len(model.policies), model.world.cap), model.world.n_months, np.int64)
    for month, p_idx, slots in model.admitted:   # once per person and policy
        out[p_idx, slots] = month
    return out


class _Tally:
    """The EIA arrays of one replicate, filled snapshot by snapshot."""

    def __init__(self, model: CareModel, teams: tuple[str, ...], keep_persons: bool,
                 tallies: Tallies | None = None) -> None:
        w = model.world
        # an analysis asking for some tallies gets those alone: not the net positions,
        # disparity or admissions either (NaN, never a zero that could pass for a figure;
        # the histograms of tallies not asked for, whole numbers, stay empty)
        self.full, self.wanted = tallies is None, wanted_tallies(tallies)
        self.cohort, self.ref, codes = cohort_codes(model)
        self.existing = codes["cohort"] == 0
        self.groups = _membership(codes, teams)
        self.cols = _columns(self.groups, 1, 1)                     # (n, C) EIA columns
        n, P, S = len(self.cohort), len(model.policies), len(model.snapshot_months)
        self.hist_cols, self.count_cols = self.cols * (P * _H), self.cols * P
        self.J = len(eia_groups(teams))
        self.M = np.zeros((n, self.J))
        self.M[np.arange(n)[:, None], self.cols] = 1.0
        self.age = w.age(w.go_live)[self.cohort]  # younger/older is decided at go-live
        self.res_month = (admission_months(model).take(self.cohort, axis=1)   # (P, n)
                          if self.full else None)
        self.charge = None if model.charges is None else model.charges.take(self.cohort, axis=1)
        self.net = np.zeros((S, P, self.J, len(NET_STATS)))
        Y = len(YARDSTICKS)
        self.eia = np.zeros((S, P, Y, self.J, len(EIA_STATS)))
        self.admit = np.zeros((S, P, self.J, len(ADMIT_STATS)))
        if not self.full:
            self.net[:] = self.admit[:] = np.nan
            for s, y in zip(*np.nonzero(~self.wanted)):
                self.eia[s, :, y] = np.nan
        self.hist = np.zeros((S, P, Y, self.J, _H), np.int32)
        self.pre = pre_go_live_budgets(w, self.cohort, ~self.existing)
        self.pre_price = w.uplift[max(w.go_live - 1, 0)]
        self.disparity = np.full((S, P, 2), np.nan)
        self.persons = None
        if keep_persons:
            self.persons = {k: v.copy() for k, v in codes.items()}
            self.persons.update(points=np.zeros((S, n), np.float32), before=np.zeros((S, n), np.float32),
                                after=np.zeros((S, P, n), np.float32), valid=np.zeros((S, P, n), bool),
                                pre_go_live=self.pre.astype(np.float32),
                                price_ratio=np.zeros(S, np.float32))

    def snapshot(self, s: int, model: CareModel, month: int) -> None:
        """Compare each policy with the baseline at snapshot s (in month `month`)."""
        if not (self.full or self.wanted[s].any()):
            return
        w, cohort, base = model.world, self.cohort, int(model.base_rows[0])
        budget, in_res = model.snapshots[month]
        B = budget.take(cohort, axis=1)
        pts = w.points[month].take(cohort).astype(np.float64)
        before = B[base]
        resident = in_res.take(cohort, axis=1)
        valid = (w.present(month)[cohort] & ~resident[base])[None, :] & ~resident
        valid &= before[None, :] > 0
        # only people compared under the baseline (so under any policy) are tallied
        keep = np.flatnonzero(valid[base])
        v = valid.take(keep, axis=1)
        Bk, ptk, existing = B.take(keep, axis=1), pts.take(keep), self.existing.take(keep)
        pre = self.pre.take(keep)
        own = v & (existing & (pre > 0))[None, :]
        Mk = self.M.take(keep, axis=0)
        for y, (after, yard, ok) in enumerate((
                (Bk * w.uplift[month], pre * self.pre_price, own),  # cash: own budget, £ then
                (Bk, pre, own),                                # real: both in base prices
                (Bk, before.take(keep), v & existing[None, :]),  # the status quo's budget
                (Bk, before.take(keep), v & ~existing[None, :]))):  # new users: current practice
            if self.wanted[s, y]:
                self._tally_changes(s, y, after, yard, ptk, ok, keep, Mk)
        if self.persons is not None:
            for key, val in (("points", pts), ("before", before), ("after", B), ("valid", valid)):
                self.persons[key][s] = val
            self.persons["price_ratio"][s] = w.uplift[month] / self.pre_price
        if not self.full:
            return
        self._tally_net(s, Bk, v, keep, base, Mk)
        # the seed's disparity finding is about the users at go-live
        self.disparity[s, :, 1] = younger_older_ratio(B, pts, self.age, valid & self.existing)
        self.disparity[s, :, 0] = self.disparity[s, base, 1]
        self._tally_admissions(s, month)


    def _tally_changes(self, s: int, y: int, B: np.ndarray, before: np.ndarray,
                       pts: np.ndarray, valid: np.ndarray, keep: np.ndarray,
                       Mk: np.ndarray) -> None:
        """EIA statistics and histogram of snapshot s on yardstick y over the kept people:
        float sums by the membership matrix product (Mk: the kept people's rows; its summation
        order is the results' own), counts by one bincount over compact (group, policy, bin)
        keys, the threshold counts mostly read off that histogram."""
        stats = _float_stats(B, before, pts, valid)
        P, J = len(B), self.J
        sums = stats.reshape(len(_SUMS) * P, -1) @ Mk
        out = self.eia[s, :, y]                                      # (P, J, K), a view
        out[:, :, [_K[k] for k in _SUMS]] = sums.reshape(-1, P, J).transpose(1, 2, 0)
        pairs = np.flatnonzero(valid)                  # only compared pairs count, policy-major
        p = np.repeat(np.arange(P), np.count_nonzero(valid, axis=1))
        i = pairs - p * valid.shape[1]
        compared, people = stats[_F["sum_pct"]].ravel().take(pairs), keep.take(i)
        bins = pct_bins(compared)
        how = layout(self.cols, self.groups, keep.take(np.flatnonzero(valid.any(axis=0))))
        hist = _group_hist(self.hist_cols, people, p, bins, _H, P, J, how)
        self.hist[s, :, y] = hist
        out[:, :, [_K[k] for k in _TALLIED]] = _tallied(hist, compared, bins, people, p,
                                                        self.count_cols, how)

    def _tally_net(self, s: int, B: np.ndarray, valid: np.ndarray, keep: np.ndarray,
                   base: int, Mk: np.ndarray) -> None:
        """Net position (budget minus contribution, sim.model.charging) of snapshot s over the
        kept people, against the baseline's: sums by the membership matrix product."""
        pence = np.rint(B * 100.0)
        paid = (np.zeros_like(pence) if self.charge is None
                else np.minimum(pence, self.charge.take(keep, axis=1)))
        net, c = pence - paid, {k: i for i, k in enumerate(NET_STATS)}
        stats = np.empty((len(NET_STATS),) + B.shape)   # every row written below
        stats[c["n"]] = valid
        stats[c["n_pay_more"]] = valid & (paid > paid[base])
        stats[c["n_pay_less"]] = valid & (paid < paid[base])
        np.divide(np.where(valid, net - net[base], 0.0), 100.0, out=stats[c["sum_net_change"]])
        for k, amount in (("sum_contribution_before", paid[base]), ("sum_contribution_after", paid)):
            np.divide(np.multiply(valid, amount, out=stats[c[k]]), 100.0, out=stats[c[k]])
        sums = stats.reshape(len(NET_STATS) * len(B), -1) @ Mk
        self.net[s] = sums.reshape(len(NET_STATS), len(B), self.J).transpose(1, 2, 0)

    def _tally_admissions(self, s: int, month: int) -> None:
        """People who had arrived by the snapshot month, and those of them admitted by then."""
        at_risk = self.ref <= month
        self.admit[s, :, :, 0] = np.bincount(self.cols[at_risk].ravel(), minlength=self.J)
        p_idx, n_idx = np.nonzero((self.res_month <= month) & at_risk)    # few: the admitted
        keys = self.cols.take(n_idx, axis=0) + (p_idx * self.J)[:, None]
        P = len(self.res_month)
        self.admit[s, :, :, 1] = np.bincount(keys.ravel(), minlength=P * self.J).reshape(P, self.J)


def replicate_result(
    model: CareModel, replicate: int, keep_persons: bool, teams: tuple[str, ...],
    tallies: Tallies | None = None,
) -> ReplicateResult:
    """Reduce a finished model to its ReplicateResult (persons only if keep_persons; only
    the EIA tallies `tallies` (default: all), the others' statistics NaN and counts 0)."""
    tally = _Tally(model, teams, keep_persons, tallies)
    for s, month in enumerate(model.snapshot_months):
        tally.snapshot(s, model, month)
    raw = {
        "spend_month_group": model.spend, "res_spend_month": model.residential_spend(),
        "admissions_month": model.admissions, "users_month": model.users(),
        "community_reviews_month": model.community_reviews,
        "res_stock_spend_month": model.residential_stock_spend(),
        "price_index_month": model.world.uplift,
        "eia": tally.eia, "eia_hist": tally.hist, "disparity": tally.disparity,
        "eia_admit": tally.admit,
        "activity_month": world_activity(model.world),
        "eligibility_month": model.eligibility_ended(),
        "contributions_month": model.contributions, "eia_net": tally.net,
    }
    return ReplicateResult(replicate=replicate, raw=raw, persons=tally.persons)

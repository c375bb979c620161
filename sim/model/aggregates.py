"""The aggregate register: what a replicate returns and what a study keeps of it.

A replicate returns raw arrays (RAW) from which every aggregate in AGGREGATES is derived.
An aggregate is either kept per replicate (ROWS, for intervals across replicates) or summed
over replicates (SUM).  Chunk summaries, checkpoints, StudyResults and the saved results
are all driven by this register: a new aggregate is one entry here (plus, if it needs data
the replicate does not yet return, one raw array in the reductions).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.inputs.categories import (
    AGE_BAND,
    CATEGORIES,
    CHANGE_BAND,
    CHANGE_BAND_EDGES,
    CLIENT_GROUP,
    EIA_CHARACTERISTICS,
    PB_TYPE,
)

# Columns of the monthly spend-by-group array (the last axis of spend_month_group).
SPEND_GROUPS: tuple[tuple[str, str], ...] = (
    (("all", "all"),)
    + tuple(("client_group", c) for c in CLIENT_GROUP.codes)
    + tuple(("pb_type", c) for c in PB_TYPE.codes)
    + tuple(("age_band", c) for c in AGE_BAND.codes)
)


# Cells of the users arrays' last axis: (client group, PB type), PB type fastest.
USER_CELLS: tuple[tuple[str, str], ...] = tuple((g, t) for g in CLIENT_GROUP.codes
                                                for t in PB_TYPE.codes)


# What a budget change is measured against (the EIA's yardsticks), each over its own people:
#   cash        existing users (the go-live cohort): their budget under the option at the
#               snapshot against their own budget just before go-live, both in cash (£ of
#               the day), the change people feel;
#   real        the same deflated by the model's price uplift (both in base-year prices);
#   status_quo  existing users: the option against the status quo's budget for the same
#               person on the same simulated future (the counterfactual, which rises with
#               practice's creep);
#   new_users   new users (no budget before go-live): their budget under the option against
#               what current practice (the status quo) would have given them.
# New users are never among the people losing on the first three.
YARDSTICKS: tuple[str, ...] = ("cash", "real", "status_quo", "new_users")

# Statistics tallied per (snapshot, policy, yardstick, EIA group) — the last axis of eia_sum.
EIA_STATS: tuple[str, ...] = (
    "n",            # people compared on the yardstick (in the community under both policies)
    "sum_change",   # sum of (budget - yardstick budget), £ a year
    "sum_pct",      # sum of each person's percentage change (budget / yardstick budget - 1)
    "n_lose5",      # people losing more than 5%
    "n_lose10",     # people losing more than LOSS_THRESHOLD (sim.inputs.categories)
    "n_lose25",
    "n_gain",       # people gaining more than 0.5%
    "sum_before",   # sum of yardstick budgets
    "sum_after",    # sum of budgets under the policy
    "sum_points",   # sum of RAS points at the snapshot
    "sum_lost",     # £ a year lost by the people whose budget falls (sum of their cuts)
)


# Admission to residential care as an EIA outcome, per (snapshot, policy, EIA group): people of
# the EIA population who had arrived by the snapshot, and those of them admitted by then.
ADMIT_STATS: tuple[str, ...] = ("at_risk", "admitted")


# Per-replicate tallies kept for intervals: a subset of EIA_STATS.
EIA_REP_STATS: tuple[str, ...] = ("n", "n_lose10", "sum_before", "sum_after", "sum_points",
                                  "sum_lost")


# Percentage-change histogram edges (for medians by group): -100% .. +100% in 2.5% steps, each
# the float nearest its decimal (so -10% is exactly -0.1, as the loss counts compare with).
PCT_EDGES = np.arange(-40, 41) / 40.0


SNAPSHOTS: tuple[str, ...] = ("first_year", "horizon")

Tallies = tuple[tuple[str, str], ...]   # (snapshot, yardstick) names: SNAPSHOTS, YARDSTICKS


def wanted_tallies(tallies: Tallies | None) -> np.ndarray:
    """(S, Y) which EIA tallies to compute (None: all, and every other reduction of a
    snapshot).  They are most of a replicate's reductions, and an analysis that reads one
    of them (sensitivity, the options search) need not pay for eight."""
    wanted = np.full((len(SNAPSHOTS), len(YARDSTICKS)), tallies is None)
    for snapshot, yardstick in tallies or ():
        if snapshot not in SNAPSHOTS or yardstick not in YARDSTICKS:
            raise ValueError(f"no EIA tally ({snapshot!r}, {yardstick!r}): snapshots are "
                             f"{SNAPSHOTS}, yardsticks {YARDSTICKS}")
        wanted[SNAPSHOTS.index(snapshot), YARDSTICKS.index(yardstick)] = True
    return wanted


# The world's events counted each month (the same under every policy): first assessments of
# new referrals, reviews, arrivals, deaths and other exits.
ACTIVITY_EVENTS: tuple[str, ...] = ("assessments", "reviews", "arrivals", "deaths", "other_exits")

# What FACS eligibility ends under a policy each month: people whose budget ended, and those
# budgets (annual £, base prices, as the policy would otherwise have set them).
ELIGIBILITY_STATS: tuple[str, ...] = ("people_ended", "budgets_ended")

# The net position (budget minus contribution) of the EIA population, per (snapshot, policy,
# EIA group): people compared (as in EIA_STATS), the sum of the change in their net position
# against the status quo (£ a year, base prices), people whose contribution rises or falls,
# and the sums of their contributions under the status quo and under the policy.
NET_STATS: tuple[str, ...] = ("n", "sum_net_change", "n_pay_more", "n_pay_less",
                              "sum_contribution_before", "sum_contribution_after")

# The disparity pair of each (snapshot, policy): the ratio under the baseline, then the policy.
DISPARITY_SIDES: tuple[str, ...] = ("baseline", "policy")

# Person-level reservoir of the EIA population (axis N: the go-live cohort, then new users), field -> axes: each EIA
# characteristic at go-live; points and baseline budget ('before') at each snapshot; each
# policy's budget ('after') and 'valid': in the community under both it and the baseline;
# each person's budget just before go-live ('pre_go_live', base prices, 0 for new users) and
# the price index at each snapshot over that just before go-live ('price_ratio': cash = base
# prices x it).
PERSON_FIELDS: dict[str, str] = {**{c: "N" for c in EIA_CHARACTERISTICS},
                                 "points": "SN", "before": "SN", "after": "SPN", "valid": "SPN",
                                 "pre_go_live": "N", "price_ratio": "S"}


def characteristic_codes(characteristic: str, teams: tuple[str, ...]) -> tuple[str, ...]:
    """Group codes of an EIA characteristic; teams are the population's own labels."""
    return tuple(teams) if characteristic == "team" else CATEGORIES[characteristic].codes


def eia_groups(teams: tuple[str, ...]) -> list[tuple[str, str]]:
    """(characteristic, group code) columns of the EIA arrays; 'all' first."""
    return [("all", "all")] + [(c, code) for c in EIA_CHARACTERISTICS
                               for code in characteristic_codes(c, teams)]


# Axis letters of the shapes below.
AXES: dict[str, str] = {
    "P": "policy", "T": "month", "F": "financial year", "G": "spend group (SPEND_GROUPS)",
    "S": "snapshot (SNAPSHOTS)", "J": "EIA group (eia_groups)", "K": "statistic (EIA_STATS)",
    "Y": "yardstick of a budget change (YARDSTICKS)",
    "Q": "per-replicate statistic (EIA_REP_STATS)", "H": "percentage-change bin (PCT_EDGES)",
    "V": "side (DISPARITY_SIDES)", "E": "world event (ACTIVITY_EVENTS)",
    "U": "client group x PB type (USER_CELLS)", "B": "band of % change (CHANGE_BAND)",
    "A": "admission statistic (ADMIT_STATS)",
    "L": "eligibility statistic (ELIGIBILITY_STATS)",
    "C": "net position statistic (NET_STATS)",
}


def axis_sizes(n_policies: int, n_months: int, n_years: int, teams: tuple[str, ...]) -> dict[str, int]:
    """Length of each axis letter for a study."""
    return {"P": n_policies, "T": n_months, "F": n_years, "G": len(SPEND_GROUPS),
            "S": len(SNAPSHOTS), "J": len(eia_groups(teams)), "K": len(EIA_STATS),
            "Y": len(YARDSTICKS),
            "Q": len(EIA_REP_STATS), "H": len(PCT_EDGES) + 1, "V": len(DISPARITY_SIDES),
            "E": len(ACTIVITY_EVENTS), "U": len(USER_CELLS), "B": len(CHANGE_BAND),
            "A": len(ADMIT_STATS), "L": len(ELIGIBILITY_STATS), "C": len(NET_STATS)}


# A replicate's raw arrays: name -> (axes, what).
RAW: dict[str, tuple[str, str]] = {
    "spend_month_group": ("PTG", "community spend, £ cash (uplifted)"),
    "res_spend_month": ("PT", "residential spend of people admitted during the run, £ cash"),
    "res_stock_spend_month": ("T", ("residential spend of people in care at the start, £ cash "
                                    "(expected; zero unless [residential_stock] is enabled)")),
    "price_index_month": ("T", "price index relative to the start month"),
    "admissions_month": ("PT", "residential admissions"),
    "community_reviews_month": ("PT", "reviews of people in the community (care-home residents "
                                      "apart)"),
    "users_month": ("PTU", "people in the community (not in residential care)"),
    "eia": ("SPYJK", "EIA statistics by yardstick and group"),
    "eia_hist": ("SPYJH", "counts of percentage change by yardstick and group"),
    "eia_admit": ("SPJA", "EIA population arrived by the snapshot, and admitted to residential "
                           "care by then, by group"),
    "disparity": ("SPV", "younger/older allocation-per-point ratio at equal need"),
    "activity_month": ("ET", "the world's events (ACTIVITY_EVENTS), the same for every policy"),
    "eligibility_month": ("PTL", "budgets FACS eligibility ended (ELIGIBILITY_STATS)"),
    "contributions_month": ("PT", "people's contributions towards their budgets, £ cash"),
    "eia_net": ("SPJC", "net position (budget minus contribution) statistics by group"),
}


@dataclass
class ReplicateResult:
    """One replicate over all policies: its RAW arrays and, for the first replicates only,
    the person-level reservoir (PERSON_FIELDS)."""

    replicate: int
    raw: dict[str, np.ndarray]
    persons: dict[str, np.ndarray] | None = None

    def __post_init__(self) -> None:
        if set(self.raw) != set(RAW):
            raise ValueError(f"raw arrays {sorted(self.raw)} are not the register's {sorted(RAW)}")


@dataclass(frozen=True)
class FiscalYears:
    """Which financial year each month falls in, to total monthly arrays by year."""

    month_fy: np.ndarray   # (T,) index of each month's financial year
    n: int                 # number of financial years

    def totals(self, x: np.ndarray) -> np.ndarray:
        """x (..., T) summed over the months of each year: (..., F) float64."""
        month_fy = np.asarray(self.month_fy)
        out = np.zeros(x.shape[:-1] + (self.n,))
        for f in range(self.n):
            out[..., f] = x[..., month_fy == f].sum(axis=-1)
        return out

    def means(self, x: np.ndarray) -> np.ndarray:
        """x (..., T) averaged over the months of each year: (..., F) float64."""
        return self.totals(x) / np.bincount(np.asarray(self.month_fy), minlength=self.n)[:self.n]


ROWS, SUM = "rows", "sum"


@dataclass(frozen=True)
class Aggregate:
    """One aggregate: how it is derived from a replicate and folded across replicates."""

    name: str
    axes: str            # one AXES letter per axis of one replicate's value
    doc: str
    dtype: type
    fold: str            # ROWS: one row per replicate (for intervals); SUM: summed
    derive: Callable[[Mapping[str, np.ndarray], FiscalYears], np.ndarray]
    counts: bool = False  # a SUM of integer counts: exact in any grouping, so a worker may
                          # add its replicates' counts before the chunk adds them in order

    def value(self, raw: Mapping[str, np.ndarray], years: FiscalYears) -> np.ndarray:
        """One replicate's value, in the register's dtype."""
        return self.derive(raw, years).astype(self.dtype, copy=False)

    def count_total(self, raws: list[Mapping[str, np.ndarray]], years: FiscalYears) -> np.ndarray:
        """The exact sum of integer counts over replicates (a `counts` aggregate; int32 when it
        fits, else int64): in float64 it is the bytes of adding them one by one, every partial
        sum being an integer below 2**53."""
        total = None
        for raw in raws:
            v = self.derive(raw, years)
            if v.dtype.kind not in "iu":
                raise TypeError(f"aggregate {self.name!r} is declared counts but is {v.dtype}")
            total = v.astype(np.int64) if total is None else total + v
        fits = total is not None and 0 <= total.min(initial=0) and \
            total.max(initial=0) <= np.iinfo(np.int32).max
        return total.astype(np.int32) if fits else total   # half the bytes to send back

    def shape(self, sizes: Mapping[str, int], rows: int | None = None) -> tuple[int, ...]:
        """Shape of the folded array (ROWS: `rows` replicates first)."""
        shape = tuple(sizes[a] for a in self.axes)
        return (rows,) + shape if self.fold == ROWS else shape


_REP_STATS = [EIA_STATS.index(s) for s in EIA_REP_STATS]
# Intervals across replicates are reported for the change in people's own budget in cash only
# (the EIA's yardstick): the other yardsticks' rows would be three quarters of a run's memory.
_CASH = YARDSTICKS.index("cash")
# First histogram bin of each change band (bin b counts [PCT_EDGES[b-1], PCT_EDGES[b])).
_BAND_STARTS = [0] + [int(np.argmin(abs(PCT_EDGES - e))) + 1 for e in CHANGE_BAND_EDGES]

AGGREGATES: dict[str, Aggregate] = {a.name: a for a in (
    Aggregate("spend_fy", "PF", "community spend by financial year", np.float64, ROWS,
              lambda raw, fy: fy.totals(raw["spend_month_group"][:, :, 0])),
    Aggregate("res_spend_fy", "PF", "residential spend of people admitted during the run by "
              "financial year", np.float64, ROWS,
              lambda raw, fy: fy.totals(raw["res_spend_month"])),
    Aggregate("res_stock_spend_fy", "F", "residential spend of people in care at the start by "
              "financial year", np.float64, ROWS,
              lambda raw, fy: fy.totals(raw["res_stock_spend_month"])),
    Aggregate("price_index_fy", "F", "price index of each financial year (mean of its months)",
              np.float64, ROWS, lambda raw, fy: fy.means(raw["price_index_month"])),
    Aggregate("admissions_fy", "PF", "residential admissions by financial year", np.float64,
              ROWS, lambda raw, fy: fy.totals(raw["admissions_month"].astype(float))),
    Aggregate("community_reviews_fy", "PF", "reviews of people in the community (care-home "
              "residents apart) by financial year", np.float64, ROWS,
              lambda raw, fy: fy.totals(raw["community_reviews_month"].astype(float))),
    Aggregate("spend_month_total", "PT", "community spend by month", np.float64, ROWS,
              lambda raw, fy: raw["spend_month_group"][:, :, 0]),
    Aggregate("spend_month_group_sum", "PTG", "community spend by month and group", np.float64,
              SUM, lambda raw, fy: raw["spend_month_group"]),
    Aggregate("users_month_sum", "PTU", "people in the community by month", np.float64, SUM,
              lambda raw, fy: raw["users_month"], counts=True),
    Aggregate("users_fy", "PFU", "people in the community, average over each financial year",
              np.float64, ROWS, lambda raw, fy: fy.means(raw["users_month"].swapaxes(1, 2)
                                                         ).swapaxes(1, 2)),
    Aggregate("eia_sum", "SPYJK", "EIA statistics by yardstick and group", np.float64, SUM,
              lambda raw, fy: raw["eia"]),
    Aggregate("eia_rep", "SPJQ", "EIA statistics kept for intervals (own budget in cash, the "
              "yardstick the intervals are of)", np.float32, ROWS,
              lambda raw, fy: raw["eia"][:, :, _CASH][..., _REP_STATS]),
    Aggregate("eia_hist", "SPYJH", "counts of percentage change by yardstick and group",
              np.float64, SUM, lambda raw, fy: raw["eia_hist"], counts=True),
    Aggregate("eia_bands", "SPJB", "people by band of % change of their own budget in cash, "
              "kept for intervals", np.float32, ROWS,
              lambda raw, fy: np.add.reduceat(raw["eia_hist"][:, :, _CASH], _BAND_STARTS, axis=-1)),
    Aggregate("admit_rep", "SPJA", "people arrived and admitted to residential care by each "
              "snapshot, by group, kept for intervals", np.float32, ROWS,
              lambda raw, fy: raw["eia_admit"]),
    Aggregate("disparity", "SPV", "younger/older allocation-per-point ratio", np.float64, ROWS,
              lambda raw, fy: raw["disparity"]),
    Aggregate("activity_fy", "EF", "the world's events by financial year", np.float64, ROWS,
              lambda raw, fy: fy.totals(raw["activity_month"])),
    Aggregate("eligibility_fy", "PFL", "budgets FACS eligibility ended by financial year",
              np.float64, ROWS, lambda raw, fy: fy.totals(raw["eligibility_month"].swapaxes(1, 2)
                                                          ).swapaxes(1, 2)),
    Aggregate("contributions_fy", "PF", "people's contributions towards their budgets by "
              "financial year", np.float64, ROWS,
              lambda raw, fy: fy.totals(raw["contributions_month"])),
    Aggregate("eia_net_sum", "SPJC", "net position statistics by group", np.float64, SUM,
              lambda raw, fy: raw["eia_net"]),
)}

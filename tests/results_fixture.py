"""A StudyResults built by hand, with numbers chosen so every reported figure is known.

Policies: status quo (baseline), a+immediate (unprotected: prices protection), a+phased
(recommended) and '=SUM(1,2)+b' (a calibration with no unprotected run, and a name that would
be a formula in a spreadsheet).  R = 4
replicates, two financial years (2012/13 before go-live, 2013/14 the first full year).

Savings in 2013/14 (target 100): a+immediate 150, 50, 120, 100; a+phased 20; b 5.
Per replicate, the go-live cohort is 100 people: older people 40 (4 lose more than 5%),
learning disability 60 (30 lose); in a+immediate's replicate 0, 15 more LD people lose.
Women: 50 (25 lose) in replicates 0-2 and none in replicate 3; men 10 (1 loses);
direct payment 20 (all lose; not protected); team 0 has 5 people (suppressed).
Bands of change: every loser loses more than 10%, a quarter of each group gains 5-10%.
Admission to residential care (both snapshots): of the 100, older people 1 (options 2) and
learning disability 9 (options 10) admitted.
Charging: contributions 100 a year under every policy, a+immediate 80 in 2013/14 (its budget
cuts cap some charges). Net position (both snapshots): of everyone, the 100 compared pay 5 a
year each under the status quo; under every option 20 pay 10 more (net change -10 each) and
10 pay 5 less (net change +5).
"""
from __future__ import annotations

import numpy as np

from sim.inputs.categories import CATEGORIES, CHANGE_BAND, EIA_CHARACTERISTICS
from sim.model.aggregates import (
    ACTIVITY_EVENTS,
    ADMIT_STATS,
    EIA_REP_STATS,
    EIA_STATS,
    ELIGIBILITY_STATS,
    NET_STATS,
    PCT_EDGES,
    SPEND_GROUPS,
    USER_CELLS,
    YARDSTICKS,
    eia_groups,
)
from sim.study.results import StudyResults

TEAMS = ('=HYPERLINK("http://x","click")', "<script>alert(1)</script>")
R, F, T, S, Y = 4, 2, 24, 2, len(YARDSTICKS)
POLICIES = [
    {"name": "status_quo", "calibration": "status_quo", "transition": "none", "is_baseline": True,
     "recommended": False, "unprotected": False},
    {"name": "a+immediate", "calibration": "a", "transition": "immediate", "is_baseline": False,
     "recommended": False, "unprotected": True},
    {"name": "a+phased", "calibration": "a", "transition": "phased", "is_baseline": False,
     "recommended": True, "unprotected": False},
    {"name": "=SUM(1,2)+b", "calibration": "b", "transition": "capped_both", "is_baseline": False,
     "recommended": False, "unprotected": False},
]
COLS = eia_groups(TEAMS)
J = len(COLS)
META = {"study": {"name": "<i>t</i>", "target": 100.0, "first_full_year": "2013/14",
                  "suppress_below": 10, "cost_neutral_tolerance": 0.01, "seed": 7, "runs": R},
        "assumptions": [{"section": "death", "source": "assumption: <b>bold</b> life tables"},
                        {"section": "growth", "source": "=cmd|' /C calc'!A0"}],
        "manifest": {"git_commit": "<i>abc</i>", "packages": {"numpy": "2.4"}}}


def _col(char: str, code: str) -> int:
    return COLS.index((char, code))


def _eia(eia_sum: np.ndarray, eia_rep: np.ndarray, p: int, j: int, n, lose,
         bands: np.ndarray | None = None) -> None:
    """Per-replicate tallies of one group; eia_sum is their sum (both snapshots and every
    yardstick alike).  Bands of change: the losers lose more than 10% (£100 each), a quarter
    gain 5-10%, the rest within 5%."""
    n, lose = np.broadcast_to(np.asarray(n, float), (R,)), np.broadcast_to(np.asarray(lose, float), (R,))
    if bands is not None:
        bands[:, :, p, j] = np.stack([lose, 0 * n, 0.75 * n - lose, 0.25 * n, 0 * n],
                                        axis=1)[:, None]
    per = {"n": n, "sum_change": -100.0 * n, "sum_pct": -0.1 * n, "n_lose5": lose,
           "n_lose10": lose, "n_lose25": 0 * n, "n_gain": 0.25 * n, "sum_before": 1000.0 * n,
           "sum_after": 900.0 * n, "sum_points": 10.0 * n, "sum_lost": 100.0 * lose}
    for k, stat in enumerate(EIA_STATS):
        eia_sum[:, p, :, j, k] = per[stat].sum()
    for k, stat in enumerate(EIA_REP_STATS):
        eia_rep[:, :, p, j, k] = per[stat][:, None]


def persons(n: int = 60) -> dict[str, np.ndarray]:
    """A small person-level reservoir: half lose 10%, half gain 10%."""
    rng = np.random.default_rng(0)
    rec = {c: rng.integers(0, len(CATEGORIES[c].codes), n).astype(np.int8)
           for c in EIA_CHARACTERISTICS if c != "team"}
    rec["team"] = rng.integers(0, len(TEAMS), n).astype(np.int8)
    rec["points"] = np.full((S, n), 20.0)
    rec["before"] = np.full((S, n), 1000.0)
    change = np.where(np.arange(n) % 2 == 0, 0.9, 1.1)
    rec["after"] = np.broadcast_to(1000.0 * change, (S, len(POLICIES), n)).copy()
    rec["valid"] = np.ones((S, len(POLICIES), n), dtype=bool)
    rec["cohort"][:] = 0                           # everyone at go-live (new users have no
    rec["pre_go_live"] = np.full(n, 1000.0)        # budget before it); flat prices: cash = real
    rec["price_ratio"] = np.ones(S)
    return rec


def constructed(with_persons: bool = False) -> StudyResults:
    res = StudyResults(policies=[dict(p) for p in POLICIES],
                       months=[f"{2012 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}" for m in range(T)],
                       financial_years=["2012/13", "2013/14"], month_fy=np.repeat([0, 1], 12),
                       go_live_month=3, teams=TEAMS, n_replicates=R,
                       meta={k: (dict(v) if isinstance(v, dict) else list(v)) for k, v in META.items()})
    P = len(POLICIES)
    community = np.full((R, P, F), 1000.0)
    residential = np.full((R, P, F), 50.0)
    community[:, 1, 1] = 1000.0 - np.array([160.0, 60.0, 130.0, 110.0])
    residential[:, 1, 1] = 60.0
    community[:, 2, 1], residential[:, 2, 1] = 975.0, 55.0
    community[:, 3, 1] = 995.0
    res.spend_fy, res.res_spend_fy = community, residential
    res.admissions_fy = np.full((R, P, F), 2.0)
    res.admissions_fy[:, 1, 1] = 3.0
    res.activity_fy = np.broadcast_to(np.arange(1.0, len(ACTIVITY_EVENTS) + 1)[None, :, None],
                                      (R, len(ACTIVITY_EVENTS), F)).copy()  # assessments 1, ...
    res.community_reviews_fy = np.full((R, P, F), 2.0)  # of the world's 2 reviews, all community
    res.eligibility_fy = np.zeros((R, P, F, len(ELIGIBILITY_STATS)))
    res.eligibility_fy[:, 1, 1] = (10.0, 30_000.0)    # a+immediate ends 10 budgets in 2013/14
    res.res_stock_spend_fy = np.full((R, F), 500.0)   # people in care at the start: every policy
    res.price_index_fy = np.ones((R, F))              # flat prices: the base budget is 2012/13's
    rng = np.random.default_rng(1)
    res.spend_month_total = 80.0 + rng.normal(0, 2, (R, P, T)).cumsum(axis=2)
    res.spend_month_group_sum = np.ones((P, T, len(SPEND_GROUPS)))
    cells = np.arange(1.0, len(USER_CELLS) + 1)      # users: 1, 2, ... per cell, +2% in year 2
    res.users_fy = np.broadcast_to(cells * np.array([[1.0], [1.02]]), (R, P, F, len(cells))).copy()
    res.users_month_sum = np.broadcast_to(cells * R, (P, T, len(cells))).copy()

    eia_sum = np.zeros((S, P, Y, J, len(EIA_STATS)))
    eia_rep = np.zeros((R, S, P, J, len(EIA_REP_STATS)))     # own budget in cash only
    bands = np.zeros((R, S, P, J, len(CHANGE_BAND)))
    for p in (1, 2, 3):
        extra = np.array([15.0, 0, 0, 0]) if p == 1 else 0.0
        _eia(eia_sum, eia_rep, p, 0, 100, 34 + extra, bands)
        _eia(eia_sum, eia_rep, p, _col("client_group", "older_people"), 40, 4, bands)
        _eia(eia_sum, eia_rep, p, _col("client_group", "learning_disability"), 60, 30 + extra, bands)
        _eia(eia_sum, eia_rep, p, _col("age_band", "85+"), 40, 4, bands)
        _eia(eia_sum, eia_rep, p, _col("sex", "female"), [50, 50, 50, 0], [25, 25, 25, 0], bands)
        _eia(eia_sum, eia_rep, p, _col("sex", "male"), 10, 1, bands)
        _eia(eia_sum, eia_rep, p, _col("pb_type", "direct_payment"), 20, 20, bands)
        _eia(eia_sum, eia_rep, p, _col("team", TEAMS[0]), 5, 1, bands)
        _eia(eia_sum, eia_rep, p, _col("team", TEAMS[1]), 95, 33, bands)
    res.eia_sum, res.eia_rep = eia_sum, eia_rep.astype(np.float32)
    res.eia_bands = bands.astype(np.float32)
    hist = np.zeros((S, P, Y, J, len(PCT_EDGES) + 1))
    ld = _col("client_group", "learning_disability")
    hist[:, :, :, ld, 40] = 10   # [-2.5%, 0)
    hist[:, :, :, ld, 41] = 30   # [0, 2.5%): median 1/3 of the way in
    hist[:, :, :, 0, 1] = 5      # [-100%, -97.5%): median half way
    res.eia_hist = hist
    admit = np.zeros((R, S, P, J, len(ADMIT_STATS)), np.float32)
    for j, at_risk, admitted in ((0, 100, 10), (_col("client_group", "older_people"), 40, 1),
                                 (_col("client_group", "learning_disability"), 60, 9)):
        admit[..., j, :] = (at_risk, admitted)
        admit[:, :, 1:, j, 1] += 1 + (j == 0)     # every option admits one more in each group
    res.admit_rep = admit
    disparity = np.full((R, S, P, 2), 1.8)
    disparity[:, :, 1, 1] = 1.0
    disparity[:, :, 2, 1] = np.array([1.1, 1.2, 1.3, np.nan])[:, None]
    disparity[:, :, 3, 1] = 1.5
    res.disparity = disparity
    res.contributions_fy = np.full((R, P, F), 100.0)
    res.contributions_fy[:, 1, 1] = 80.0
    net = dict.fromkeys(NET_STATS, 0.0)
    net.update(n=100 * R, sum_net_change=(-10.0 * 20 + 5.0 * 10) * R, n_pay_more=20 * R,
               n_pay_less=10 * R, sum_contribution_before=500.0 * R,
               sum_contribution_after=(500.0 + 200 - 50) * R)
    res.eia_net_sum = np.zeros((S, P, J, len(NET_STATS)))
    res.eia_net_sum[:, 1:, 0] = [net[k] for k in NET_STATS]
    if with_persons:
        res.persons = [persons(), persons()]
    return res

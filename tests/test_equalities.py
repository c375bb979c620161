"""EIA statistics on constructed tallies: relative risk and its interval, suppression, medians."""
from __future__ import annotations

import numpy as np
import pytest
from results_fixture import TEAMS, constructed

from sim.model.aggregates import PCT_EDGES
from sim.outputs.equalities import (
    disparity_table,
    eia_table,
    hist_median,
    largest_disparity,
    percentile_interval,
    relative_risk,
)


@pytest.fixture(scope="module")
def eia():
    return eia_table(constructed())


def _row(eia, policy, group):
    return eia[(eia.policy == policy) & (eia.group == group)].iloc[0]


def test_one_row_per_policy_and_group_without_the_baseline(eia):
    res = constructed()
    assert len(eia) == 3 * len(res.eia_columns) and "status_quo" not in set(eia.policy)
    ld = _row(eia, "a+phased", "learning_disability")
    assert ld["protected_characteristic"] == "disability"
    assert ld["group_label"] == "Learning difficulties"
    assert _row(eia, "a+phased", TEAMS[1])["protected_characteristic"] == ""


def test_group_statistics(eia):
    ld = _row(eia, "a+phased", "learning_disability")
    assert ld["count"] == pytest.approx(60.0)
    assert ld["mean_change_gbp"] == pytest.approx(-100.0)
    assert ld["mean_change_pct"] == pytest.approx(-0.1)
    assert ld["share_lose5"] == pytest.approx(0.5) and ld["share_lose10"] == pytest.approx(0.5)
    assert ld["share_lose25"] == 0 and ld["share_gain"] == pytest.approx(0.25)
    assert ld["alloc_per_point_before"] == pytest.approx(100.0)
    assert ld["alloc_per_point_after"] == pytest.approx(90.0)
    assert ld["median_change_pct"] == pytest.approx(0.025 / 3)   # 10 below 0, 30 in [0, 2.5%)
    everyone = _row(eia, "a+phased", "all")
    assert everyone["median_change_pct"] == pytest.approx(-0.9875)
    assert everyone["count"] == 100 and np.isnan(everyone["rr_lose"])


def test_relative_risk_against_everyone_else(eia):
    ld = _row(eia, "a+phased", "learning_disability")
    assert ld["rr_lose"] == pytest.approx(5.0)                     # 30/60 against 4/40
    assert (ld["rr_lose_lo"], ld["rr_lose_hi"]) == pytest.approx((5.0, 5.0))
    assert _row(eia, "a+phased", "older_people")["rr_lose"] == pytest.approx(0.2)


def test_relative_risk_interval_across_replicates(eia):
    ld = _row(eia, "a+immediate", "learning_disability")
    assert ld["rr_lose"] == pytest.approx((135 / 240) / (16 / 160))  # pooled tallies
    # per replicate: 7.5 (45/60 against 4/40), then 5, 5, 5
    assert ld["rr_lose_lo"] == pytest.approx(5.0)
    assert ld["rr_lose_hi"] == pytest.approx(5.0 + 0.925 * 2.5)


def test_replicates_with_undefined_ratio_are_dropped(eia):
    women = _row(eia, "a+phased", "female")     # no women in replicate 3
    assert women["count"] == pytest.approx(37.5)
    assert women["rr_lose"] == pytest.approx(0.5 / (61 / 250))
    assert (women["rr_lose_lo"], women["rr_lose_hi"]) == pytest.approx((25 / 9, 25 / 9))
    assert np.isnan(relative_risk(0, 0, 10, 100))
    assert all(np.isnan(percentile_interval([np.nan, np.inf])))


def test_small_groups_are_suppressed_not_dropped(eia):
    tiny = _row(eia, "a+phased", TEAMS[0])
    assert tiny["suppressed"] and tiny["group_label"] == TEAMS[0]
    stats = ["count", "mean_change_gbp", "median_change_pct", "share_lose10", "rr_lose",
             "rr_lose_lo", "alloc_per_point_after"]
    assert all(np.isnan(tiny[c]) for c in stats)
    men = _row(eia, "a+phased", "male")          # exactly 10: published
    assert not men["suppressed"] and men["count"] == 10
    raw = eia_table(constructed(), suppress=False)
    tiny = _row(raw, "a+phased", TEAMS[0])
    assert not tiny["suppressed"] and tiny["count"] == 5
    assert tiny["rr_lose"] == pytest.approx(0.2 / (33 / 95))


def test_largest_disparity_counts_protected_groups_only(eia):
    top = largest_disparity(eia).set_index("policy")
    # direct payments (RR 5.7) are not a protected characteristic; learning disability (5) is
    assert top.loc["a+phased", "largest_rr_group"] == "disability: Learning difficulties"
    assert top.loc["a+phased", "largest_rr_lose"] == pytest.approx(5.0)


def test_horizon_snapshot():
    e = eia_table(constructed(), "horizon")
    assert set(e.snapshot) == {"horizon"} and len(e) == len(eia_table(constructed()))


def test_histogram_median_is_interpolated():
    h = np.zeros(len(PCT_EDGES) + 1)
    h[40] = 10  # [-2.5%, 0%)
    assert hist_median(h) == pytest.approx(-0.0125)
    h[:] = 0
    h[-1] = 3   # all beyond +100%: the open bin's edge
    assert hist_median(h) == pytest.approx(1.0)
    assert np.isnan(hist_median(np.zeros_like(h)))


def test_disparity_before_and_after_with_interval():
    d = disparity_table(constructed()).set_index(["policy", "snapshot"])
    r = d.loc[("a+phased", "first_year")]
    assert r["ratio_before"] == pytest.approx(1.8)
    assert (r["ratio_before_lo"], r["ratio_before_hi"]) == pytest.approx((1.8, 1.8))
    assert r["ratio_after"] == pytest.approx(1.2)            # the NaN replicate is ignored
    assert (r["ratio_after_lo"], r["ratio_after_hi"]) == pytest.approx((1.105, 1.295))
    assert len(d) == 4 * 2

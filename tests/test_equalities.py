"""EIA statistics on constructed tallies: relative risk and its interval, suppression, medians."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA
from results_fixture import TEAMS, constructed

from sim.inputs.categories import CHANGE_BAND
from sim.model.aggregates import EIA_REP_STATS, PCT_EDGES
from sim.outputs.equalities import (
    disparity_table,
    eia_table,
    hist_median,
    largest_disparity,
    percentile_interval,
    relative_risk,
    winners_losers_table,
)


@pytest.fixture(scope="module")
def eia():
    return eia_table(constructed())


def _row(eia, policy, group):
    return eia[(eia.policy == policy) & (eia.group == group)].iloc[0]


def test_one_row_per_policy_and_group_without_the_baseline(eia):
    res = constructed()
    assert len(eia) == 3 * (len(res.eia_columns) - 2) and "status_quo" not in set(eia.policy)
    ld = _row(eia, "a+phased", "learning_disability")
    assert ld["protected_characteristic"] == "disability"
    assert ld["group_label"] == "Learning difficulties"
    assert _row(eia, "a+phased", TEAMS[1])["protected_characteristic"] == ""


def test_group_statistics(eia):
    ld = _row(eia, "a+phased", "learning_disability")
    assert ld["count"] == pytest.approx(60.0)
    assert ld["mean_change_gbp"] == pytest.approx(-100.0)
    assert ld["pct_change_of_mean"] == pytest.approx(-0.1)
    assert ld["share_lose5"] == pytest.approx(0.5) and ld["share_lose10"] == pytest.approx(0.5)
    assert ld["share_lose25"] == 0 and ld["share_gain"] == pytest.approx(0.25)
    assert ld["alloc_per_point_before"] == pytest.approx(100.0)
    assert ld["alloc_per_point_after"] == pytest.approx(90.0)
    assert ld["median_change_pct"] == pytest.approx(0.025 / 3)   # 10 below 0, 30 in [0, 2.5%)
    everyone = _row(eia, "a+phased", "all")
    assert everyone["median_change_pct"] == pytest.approx(-0.9875)
    assert everyone["count"] == 100 and np.isnan(everyone["rr_lose10"])


def test_relative_risk_against_everyone_else(eia):
    ld = _row(eia, "a+phased", "learning_disability")
    assert ld["rr_lose10"] == pytest.approx(5.0)                     # 30/60 against 4/40
    assert (ld["rr_lose10_lo"], ld["rr_lose10_hi"]) == pytest.approx((5.0, 5.0))
    assert _row(eia, "a+phased", "older_people")["rr_lose10"] == pytest.approx(0.2)


def test_relative_risk_interval_across_replicates(eia):
    ld = _row(eia, "a+immediate", "learning_disability")
    assert ld["rr_lose10"] == pytest.approx((135 / 240) / (16 / 160))  # pooled tallies
    # per replicate: 7.5 (45/60 against 4/40), then 5, 5, 5
    assert ld["rr_lose10_lo"] == pytest.approx(5.0)
    assert ld["rr_lose10_hi"] == pytest.approx(5.0 + 0.925 * 2.5)


def test_replicates_with_undefined_ratio_are_dropped(eia):
    women = _row(eia, "a+phased", "female")     # no women in replicate 3
    assert women["count"] == pytest.approx(37.5)
    assert women["rr_lose10"] == pytest.approx(0.5 / (61 / 250))
    assert (women["rr_lose10_lo"], women["rr_lose10_hi"]) == pytest.approx((25 / 9, 25 / 9))
    assert np.isnan(relative_risk(0, 0, 10, 100))
    assert all(np.isnan(percentile_interval([np.nan, np.inf])))


def test_small_groups_are_suppressed_not_dropped(eia):
    tiny = _row(eia, "a+phased", TEAMS[0])
    assert tiny["suppressed"] and tiny["group_label"] == TEAMS[0]
    stats = ["count", "mean_change_gbp", "median_change_pct", "share_lose10", "rr_lose10",
             "rr_lose10_lo", "alloc_per_point_after"]
    assert all(np.isnan(tiny[c]) for c in stats)
    men = _row(eia, "a+phased", "male")          # exactly 10: published
    assert not men["suppressed"] and men["count"] == 10
    raw = eia_table(constructed(), suppress=False)
    tiny = _row(raw, "a+phased", TEAMS[0])
    assert not tiny["suppressed"] and tiny["count"] == 5
    assert tiny["rr_lose10"] == pytest.approx(0.2 / (33 / 95))


def test_largest_disparity_counts_protected_groups_only(eia):
    top = largest_disparity(eia).set_index("policy")
    # direct payments (RR 5.7) are not a protected characteristic; learning disability (5) is
    assert top.loc["a+phased", "largest_rr_group"] == "disability: Learning difficulties"
    assert top.loc["a+phased", "largest_rr_lose10"] == pytest.approx(5.0)


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


# ---- winners and losers in five bands ---------------------------------------------------
@pytest.fixture(scope="module")
def bands():
    return winners_losers_table(constructed())


def test_the_five_bands_add_up_to_everyone(bands):
    shown = bands[~bands["suppressed"]]
    total = shown[[f"share_{b}" for b in CHANGE_BAND.codes]].sum(axis=1)
    assert np.allclose(total, 1.0)
    assert len(bands) == 3 * (len(constructed().eia_columns) - 2)   # no existing/new split


def test_band_shares_and_their_intervals_across_replicates(bands):
    ld = bands[(bands.policy == "a+phased") & (bands.group == "learning_disability")].iloc[0]
    assert ld["share_lose_over10"] == pytest.approx(0.5)        # 30 of 60 in every replicate
    assert (ld["share_lose_over10_lo"], ld["share_lose_over10_hi"]) == pytest.approx((0.5, 0.5))
    assert ld["share_gain_5to10"] == pytest.approx(0.25)
    # a+immediate: 15 more LD people lose in replicate 0 only -> 45/60 there, 30/60 elsewhere
    imm = bands[(bands.policy == "a+immediate") & (bands.group == "learning_disability")].iloc[0]
    assert imm["share_lose_over10"] == pytest.approx(135 / 240)
    assert imm["share_lose_over10_lo"] == pytest.approx(0.5)
    assert 0.5 < imm["share_lose_over10_hi"] <= 0.75
    # women: nobody in replicate 3, so its interval uses replicates 0-2 only
    women = bands[(bands.policy == "a+phased") & (bands.group == "female")].iloc[0]
    assert women["share_lose_over10_lo"] == pytest.approx(0.5)


def test_relative_risk_of_losing_more_than_ten_percent(bands):
    ld = bands[(bands.policy == "a+phased") & (bands.group == "learning_disability")].iloc[0]
    assert ld["rr_lose10"] == pytest.approx((30 / 60) / (4 / 40))
    assert bands[bands.characteristic == "all"]["rr_lose10"].isna().all()
    team0 = bands[(bands.policy == "a+phased") & (bands.group == TEAMS[0])].iloc[0]
    assert team0["suppressed"] and np.isnan(team0["share_within5"]) and np.isnan(team0["count"])


def test_bands_from_the_model_agree_with_its_tallies(tmp_path):
    """On a real run the 'lose more than 10%' band is the tally eia.csv reports, and the
    bands of every group add up to its people."""
    from sim.study.runner import run_study
    from sim.study.study_file import load_study

    study = load_study(DATA / "small_study.toml", runs=2)
    res = run_study(study, tmp_path, jobs=1, progress=False)
    eia, bands = eia_table(res, suppress=False), winners_losers_table(res, suppress=False)
    both = eia.merge(bands, on=["policy", "characteristic", "group"])
    assert np.allclose(both["share_lose10"], both["share_lose_over10"], equal_nan=True)
    counts = np.asarray(res.eia_bands, dtype=float).sum(axis=-1)      # (R, S, P, J)
    people = np.asarray(res.eia_rep, dtype=float)[..., EIA_REP_STATS.index("n")]
    assert np.array_equal(counts[:, :, 1:], people[:, :, 1:])
    assert res.meta["population"]["synthetic"] is True
    assert set(res.meta["calibration_descriptions"]) == {"price_per_point", "percentile"}

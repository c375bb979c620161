"""Savings against the target, its chance and error, protection cost and cost neutrality, by hand."""
from __future__ import annotations

import numpy as np
import pytest
from results_fixture import constructed

from sim.outputs.finance import first_full_year, savings, settings, spend_table, target_table

YEAR = "2013/14"


@pytest.fixture(scope="module")
def target():
    return target_table(constructed()).set_index(["policy", "financial_year"])


def test_savings_are_paired_with_the_baseline_and_include_residential_care():
    s = savings(constructed())
    assert s[:, 1, 1] == pytest.approx([150.0, 50.0, 120.0, 100.0])
    assert np.all(s[:, 0] == 0) and np.all(s[:, :, 0] == 0)


def test_probability_of_meeting_target_and_its_standard_error(target):
    row = target.loc[("a+immediate", YEAR)]
    assert row["prob_meet_target"] == pytest.approx(0.75)  # 150, 120, 100 meet 100; 50 does not
    assert row["prob_meet_target_se"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert row["savings_mean"] == pytest.approx(105.0)
    assert row["savings_p50"] == pytest.approx(110.0)
    assert (row["savings_p5"], row["savings_p95"]) == pytest.approx((57.5, 145.5))
    before = target.loc[("a+immediate", "2012/13")]
    assert before["prob_meet_target"] == 0 and before["prob_meet_target_se"] == 0


def test_protection_cost_is_against_the_same_calibration_immediately(target):
    assert target.loc[("a+phased", YEAR), "protection_cost"] == pytest.approx(105.0 - 20.0)
    assert target.loc[("a+immediate", YEAR), "protection_cost"] == pytest.approx(0.0)
    assert np.isnan(target.loc[("=SUM(1,2)+b", YEAR), "protection_cost"])  # no b+immediate


def test_residential_admissions_and_cost_against_baseline(target):
    row = target.loc[("a+immediate", YEAR)]
    assert row["admissions_mean"] == pytest.approx(3.0)
    assert row["admissions_vs_baseline"] == pytest.approx(1.0)
    assert row["residential_cost_vs_baseline"] == pytest.approx(10.0)


def test_cost_neutral_within_tolerance_of_baseline_community_spend(target):
    assert target.loc[("a+immediate", YEAR), "community_spend_change_share"] == pytest.approx(-0.115)
    assert not target.loc[("a+immediate", YEAR), "cost_neutral"]
    assert not target.loc[("a+phased", YEAR), "cost_neutral"]          # -2.5%
    assert target.loc[("=SUM(1,2)+b", YEAR), "cost_neutral"]           # -0.5%
    assert target.loc[("status_quo", YEAR), "cost_neutral"]


def test_spend_table_has_one_row_per_policy_and_year():
    t = spend_table(constructed())
    assert len(t) == 4 * 2 and set(t["replicates"]) == {4}
    row = t.set_index(["policy", "financial_year"]).loc[("a+immediate", YEAR)]
    assert row["spend_mean"] == pytest.approx(945.0) and row["savings_mean"] == pytest.approx(105.0)
    assert list(t.columns[:6]) == ["policy", "calibration", "transition", "financial_year",
                                   "replicates", "spend_mean"]


def test_missing_settings_fall_back_to_defaults():
    res = constructed()
    res.meta = {"study": None}
    s = settings(res)
    assert s["target"] == 776_000 and s["suppress_below"] == 10
    assert s["cost_neutral_tolerance"] == 0.01
    assert s["first_full_year"] == first_full_year(res) == "2013/14"
    t = target_table(res).set_index(["policy", "financial_year"])
    assert t.loc[("a+immediate", YEAR), "prob_meet_target"] == 0.0

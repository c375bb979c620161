"""Spend in named parts, savings against the target (against the status quo and against the
base budget), its chance and error, protection cost and cost neutrality, worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest
from results_fixture import constructed

from sim.errors import InputError
from sim.outputs.finance import SPEND_PARTS, savings, spend_table, target_table
from sim.outputs.settings import settings
from sim.study.study_file import ReportSection

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


def test_protection_cost_is_against_the_same_calibration_unprotected(target):
    assert target.loc[("a+phased", YEAR), "protection_cost"] == pytest.approx(105.0 - 20.0)
    assert target.loc[("a+immediate", YEAR), "protection_cost"] == pytest.approx(0.0)
    assert np.isnan(target.loc[("=SUM(1,2)+b", YEAR), "protection_cost"])  # b has no unprotected
    assert np.isnan(target.loc[("status_quo", YEAR), "protection_cost"])


def test_the_comparator_is_the_unprotected_flag_not_a_transition_name():
    res = constructed()
    res.policies[1]["transition"] = "straight_to_indicative"
    renamed = target_table(res).set_index(["policy", "financial_year"])
    assert renamed.loc[("a+phased", YEAR), "protection_cost"] == pytest.approx(85.0)
    res.policies[1]["unprotected"] = False          # 'immediate' by name, but not flagged
    res.policies[1]["transition"] = "immediate"
    unflagged = target_table(res).set_index(["policy", "financial_year"])
    assert unflagged["protection_cost"].isna().all()
    for pol in res.policies:                        # results written before the flags existed
        pol.pop("unprotected")
    assert target_table(res)["protection_cost"].isna().all()


def test_residential_admissions_and_cost_against_baseline(target):
    row = target.loc[("a+immediate", YEAR)]
    assert row["admissions_mean"] == pytest.approx(3.0)
    assert row["admissions_vs_baseline"] == pytest.approx(1.0)
    assert row["residential_cost_vs_baseline"] == pytest.approx(10.0)


def test_cost_neutral_means_no_net_cost_against_the_finance_baseline(target):
    """The seed's "cost neutral" (March 2012, 3.2) sits beside a savings target, so it cannot
    mean "spend unchanged": an option saving money is cost neutral; one costing more than the
    tolerance of the baseline's community spend is not."""
    row = target.loc[("a+immediate", YEAR)]
    assert row["community_spend_change_share"] == pytest.approx(-0.115)
    assert row["cost_neutral"] and target.loc[("a+phased", YEAR), "cost_neutral"]
    assert target.loc[("status_quo", YEAR), "cost_neutral"]
    res = constructed()
    res.spend_fy[:, 3, 1] = 1000.0 + 20.0      # b costs 2% more than the base budget (1000)
    costly = target_table(res).set_index(["policy", "financial_year"])
    assert not costly.loc[("=SUM(1,2)+b", YEAR), "cost_neutral"]
    res.spend_fy[:, 3, 1] = 1000.0 + 5.0       # 0.5%: within the 1% tolerance
    assert target_table(res).set_index(["policy", "financial_year"]).loc[
        ("=SUM(1,2)+b", YEAR), "cost_neutral"]


def test_spend_table_has_one_row_per_policy_and_year():
    t = spend_table(constructed())
    assert len(t) == 4 * 2 and set(t["replicates"]) == {4}
    row = t.set_index(["policy", "financial_year"]).loc[("a+immediate", YEAR)]
    assert row["total_spend_mean"] == pytest.approx(885.0 + 60.0 + 500.0)
    assert row["savings_mean"] == pytest.approx(105.0)   # the stock is the same in both
    assert list(t.columns[:6]) == ["policy", "calibration", "transition", "financial_year",
                                   "replicates", "community_spend_mean"]


def test_spend_table_names_each_part_and_the_total_is_their_sum():
    t = spend_table(constructed()).set_index(["policy", "financial_year"])
    row = t.loc[("a+immediate", YEAR)]
    assert (row["community_spend_mean"], row["residential_admitted_spend_mean"],
            row["residential_stock_spend_mean"]) == pytest.approx((885.0, 60.0, 500.0))
    assert row["community_spend_p50"] == pytest.approx(1000.0 - 120.0)
    parts = sum(t[f"{part}_spend_mean"] for part in SPEND_PARTS)
    np.testing.assert_allclose(parts, t["total_spend_mean"], rtol=1e-12)
    assert "spend_mean" not in t.columns                  # no unnamed total


def base_view(res):
    return target_table(res).set_index(["policy", "financial_year"])


def test_when_nothing_changes_the_base_budget_is_the_status_quo_and_both_views_agree(target):
    """Flat prices and a status quo whose community spend does not move: base budget =
    status quo spend, so savings against it are the savings against the status quo."""
    assert set(target["base_budget_year"]) == {"2012/13"}
    assert target.loc[("status_quo", YEAR), "base_budget_mean"] == pytest.approx(1000.0)
    for stat in ("mean", "p5", "p50", "p95"):
        np.testing.assert_allclose(target[f"savings_vs_base_budget_{stat}"],
                                   target[f"savings_{stat}"], atol=1e-9)
    np.testing.assert_array_equal(target["prob_meet_target_vs_base_budget"],
                                  target["prob_meet_target"])


def test_savings_against_the_base_budget_count_status_quo_growth_over_prices():
    res = constructed()
    res.spend_fy[:, 0, 1] = 1060.0                        # the status quo grows 6%...
    res.price_index_fy[:, 1] = 1.01                       # ...while prices rise 1%
    t = base_view(res)
    imm, phased = t.loc[("a+immediate", YEAR)], t.loc[("a+phased", YEAR)]
    assert imm["base_budget_mean"] == pytest.approx(1010.0)
    # against the status quo 1610 - (840, 940, 870, 890) - 60 - 500 = 210, 110, 180, 160
    assert imm["savings_vs_status_quo_mean"] == pytest.approx(165.0)
    assert imm["prob_meet_target_vs_status_quo"] == 1.0
    # against the base budget 1010 - community - (60 - 50) = 160, 60, 130, 110
    assert imm["savings_vs_base_budget_mean"] == pytest.approx(115.0)
    assert imm["savings_vs_base_budget_p50"] == pytest.approx(120.0)
    assert imm["prob_meet_target_vs_base_budget"] == 0.75
    assert imm["prob_meet_target_vs_base_budget_se"] == pytest.approx(np.sqrt(0.75 * 0.25 / 4))
    assert phased["savings_vs_base_budget_mean"] == pytest.approx(1010.0 - 975.0 - (55.0 - 50.0))
    base_year = t.loc[("a+immediate", "2012/13")]         # the base year: its own spend
    assert base_year["savings_vs_base_budget_mean"] == pytest.approx(
        base_year["savings_vs_status_quo_mean"])


def test_a_base_year_partly_in_the_run_is_averaged_over_its_months():
    res = constructed()
    res.month_fy = np.array([0] * 9 + [1] * 12 + [2] * 3)  # 9 months of 2012/13 in the run
    res.financial_years = ["2012/13", "2013/14", "2014/15"]
    for name in ("spend_fy", "res_spend_fy", "admissions_fy"):
        setattr(res, name, np.concatenate([getattr(res, name)] * 2, axis=2)[:, :, :3])
    res.res_stock_spend_fy = np.full((4, 3), 500.0)
    res.price_index_fy = np.ones((4, 3))
    t = base_view(res)
    assert t.loc[("status_quo", "2012/13"), "base_budget_mean"] == pytest.approx(1000.0)
    assert t.loc[("status_quo", YEAR), "base_budget_mean"] == pytest.approx(1000.0 / 9 * 12)
    assert t.loc[("status_quo", "2014/15"), "base_budget_mean"] == pytest.approx(1000.0 / 9 * 3)


def test_without_a_year_before_the_first_full_year_there_is_no_base_budget():
    res = constructed()
    res.meta["study"]["first_full_year"] = "2012/13"
    t = target_table(res)
    assert t["base_budget_year"].isna().all() and t["base_budget_mean"].isna().all()
    assert t["savings_vs_base_budget_mean"].isna().all()
    assert t["prob_meet_target_vs_base_budget"].isna().all()


def test_results_without_a_savings_target_cannot_be_reported():
    res = constructed()
    res.meta = {"study": {"name": "old", "first_full_year": YEAR}}
    with pytest.raises(InputError, match="savings target"):
        target_table(res)
    res.meta = {"study": None}
    with pytest.raises(InputError, match="savings target"):
        settings(res)


def test_settings_come_from_the_results_and_missing_report_settings_from_the_study_file():
    res = constructed()
    res.meta = {"study": {"target": 120.0, "first_full_year": "2012/13"}}
    s = settings(res)
    assert s.target == 120.0 and s.first_full_year == "2012/13"     # as the study recorded them
    assert s.suppress_below == ReportSection().suppress_below
    assert s.cost_neutral_tolerance == ReportSection().cost_neutral_tolerance
    res.meta = {"study": {"target": 120.0, "first_full_year": "1999/00"}}
    assert settings(res).first_full_year == YEAR    # not a year of this run: the calendar rule
    res.meta = {"study": {"target": 120.0}}
    assert settings(res).first_full_year == YEAR
    t = target_table(res).set_index(["policy", "financial_year"])
    assert t.loc[("a+immediate", YEAR), "prob_meet_target"] == 0.5  # 150 and 120 meet 120


def test_years_before_the_first_full_year_are_flagged_part_years(target):
    assert bool(target.loc[("a+immediate", "2012/13"), "part_year"]) is True
    assert bool(target.loc[("a+immediate", YEAR), "part_year"]) is False


def _creeping():
    res = constructed()
    res.spend_fy[:, 0, 1] = 1060.0                        # the status quo grows 6%...
    res.price_index_fy[:, 1] = 1.01                       # ...while prices rise 1%
    return res


def test_target_and_summary_judge_the_target_against_the_finance_baseline_named_in_words():
    """Default [finance] baseline: the base budget.  The status quo's growth over prices is
    not a saving there; the do-nothing view keeps it, labelled."""
    from sim.outputs.equalities import eia_table
    from sim.outputs.summary import summary_table

    res = _creeping()
    t = base_view(res)
    imm = t.loc[("a+immediate", YEAR)]
    assert imm["savings_mean"] == pytest.approx(115.0) and imm["prob_meet_target"] == 0.75
    assert imm["savings_vs_status_quo_mean"] == pytest.approx(165.0)
    assert imm["finance_baseline"] == ("against the base budget (2012/13 status-quo community "
                                       "spend, uplifted by prices)")
    summary = summary_table(res, target_table(res), eia_table(res)).set_index("policy")
    row = summary.loc["a+immediate"]
    assert (row["prob_meet_target"], row["prob_meet_target_vs_status_quo"]) == (0.75, 1.0)
    assert not row["meets_target"]                        # 3 in 4 is short of 9 in 10
    assert row["finance_baseline"] == imm["finance_baseline"]
    res.meta["study"]["finance_baseline"] = "status_quo"
    t = base_view(res)
    assert t.loc[("a+immediate", YEAR), "savings_mean"] == pytest.approx(165.0)
    assert t.loc[("a+immediate", YEAR), "finance_baseline"] == (
        "against doing nothing (the status quo)")


def test_planned_demographic_growth_uplifts_the_base_budget_when_the_study_says_so():
    res = _creeping()
    res.meta["study"].update(base_budget_uplift="prices_and_demography",
                             planned_demographic_growth=0.02)
    t = base_view(res)
    assert t.loc[("status_quo", YEAR), "base_budget_mean"] == pytest.approx(1000 * 1.01 * 1.02)
    assert t.loc[("a+immediate", YEAR), "savings_mean"] == pytest.approx(115.0 + 20.2)
    assert "prices and planned demographic growth (2.0% a year)" in t.loc[
        ("a+immediate", YEAR), "finance_baseline"]


def test_the_target_is_stated_in_the_prices_of_each_year_it_is_judged_in():
    """£100 at first-full-year (2013/14) prices; in 2012/13 prices (1% lower) it is £99.01,
    and the chance in that year compares savings with that."""
    t = base_view(_creeping())
    assert t.loc[("a+immediate", YEAR), "target"] == pytest.approx(100.0)
    assert t.loc[("a+immediate", "2012/13"), "target"] == pytest.approx(100.0 / 1.01)
    assert t.loc[("a+immediate", "2012/13"), "target_price_base"] == (
        "2012/13 prices (£100 at 2013/14 prices)")

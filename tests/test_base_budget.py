"""A whole study with every dynamic off: nothing changes, so the base budget is the status
quo's spend and the two savings views agree; spend.csv's named parts add up to its total,
and people in care at the start cost money from the first month and die off."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHIPPED_PATHS, ZERO_BY_GROUP

from sim.cli import main
from sim.outputs.finance import SPEND_PARTS

ZERO = ZERO_BY_GROUP
STATIC = f"""
[study]
name = "static"
{SHIPPED_PATHS}
go_live = "2013-01"
horizon_end = "2015-03"
savings_target = 776000.0
minimum_budget = 780.0
runs = 2
seed = 3
calibrations = ["percentile"]
transitions = ["immediate", "phased"]
reservoir_replicates = 0

[overrides]
"death.enabled" = false
"residential.enabled" = false
"residential_stock.enabled" = true
"other_exit.enabled" = false
"demand.enabled" = false
"need.enabled" = false
"practice.creep_per_review" = 0.0
"money.uplift_per_year" = UPLIFT
"choice.switch_at_review" = 0.0
"choice.direct_payment_by_group" = {ZERO}
"choice.mixed_by_group" = {ZERO}
"""


@pytest.fixture(scope="module", params=[0.0, 0.02], ids=["flat_prices", "prices_up_2pc"])
def static_run(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("static")
    study = folder / "static.toml"
    study.write_text(STATIC.replace("UPLIFT", repr(request.param)))
    out = folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet", "--no-report",
                 "--jobs", "1"]) == 0
    return (pd.read_csv(out / "target.csv"), pd.read_csv(out / "spend.csv"),
            pd.read_csv(out / "savings_split.csv"))


def test_when_nothing_changes_savings_against_the_base_budget_equal_those_against_the_status_quo(
        static_run):
    """Condition: the status quo's community spend only follows prices, so the base budget
    (2012/13 status-quo spend uplifted by the same price index) equals it every year."""
    target, spend, _ = static_run
    assert set(target.base_budget_year) == {"2012/13"} and len(target) == 4 * 3  # + no creep
    sq = spend[spend.policy == "status_quo"].set_index("financial_year")
    budget = target[target.policy == "status_quo"].set_index("financial_year")["base_budget_mean"]
    np.testing.assert_allclose(budget, sq["community_spend_mean"], rtol=1e-12)
    ras = target[target.calibration != "status_quo"]
    assert (ras[ras.financial_year == "2013/14"].savings_mean.abs() > 100_000).all()  # not trivial
    for stat in ("mean", "p5", "p50", "p95"):
        np.testing.assert_allclose(target[f"savings_vs_base_budget_{stat}"],
                                   target[f"savings_{stat}"], rtol=1e-9, atol=1e-3)
    np.testing.assert_array_equal(target.prob_meet_target_vs_base_budget, target.prob_meet_target)


def test_spend_parts_add_up_and_the_starting_stock_dies_off(static_run):
    _, spend, _ = static_run
    parts = sum(spend[f"{part}_spend_mean"] for part in SPEND_PARTS)
    np.testing.assert_allclose(parts, spend.total_spend_mean, rtol=1e-12)
    assert (spend.residential_admitted_spend_mean == 0).all()     # admissions are off
    stock = spend.pivot(index="financial_year", columns="policy",
                        values="residential_stock_spend_mean")
    assert stock.nunique(axis=1).eq(1).all()                      # the same for every policy
    first, second, third = stock.iloc[:, 0]
    assert first > 10_000_000 and first > second > third          # not zero; deaths only


def test_with_no_creep_and_no_demand_growth_the_finance_baseline_and_do_nothing_agree_to_the_pound(
        static_run):
    """The study judges the target against its finance baseline (the base budget, by default:
    named in words in every row) and keeps the do-nothing view beside it; with budgets that
    neither creep nor follow demand, the two are the same money."""
    target, _, _ = static_run
    assert target.finance_baseline.str.startswith(
        "against the base budget (2012/13 status-quo community spend, uplifted by prices").all()
    for stat in ("mean", "p5", "p50", "p95"):
        assert (target[f"savings_{stat}"] - target[f"savings_vs_status_quo_{stat}"]).abs().max() < 1
    np.testing.assert_array_equal(target.prob_meet_target, target.prob_meet_target_vs_status_quo)


def test_the_finance_baseline_is_a_study_setting_and_a_bad_one_is_refused(tmp_path):
    from sim.study.study_file import load_study

    study = tmp_path / "s.toml"
    text = STATIC.replace("UPLIFT", "0.0").replace(
        "[overrides]", '[finance]\nbaseline = "status_quo"\nmeets_chance = 0.5\n\n[overrides]')
    study.write_text(text)
    s = load_study(study)
    assert (s.finance.baseline, s.finance.meets_chance) == ("status_quo", 0.5)
    study.write_text(text.replace('baseline = "status_quo"', 'baseline = "budget"'))
    assert main(["validate", str(study)]) == 2


def test_without_creep_no_saving_is_avoided_creep(static_run):
    """The no-creep status quo runs beside the status quo in every study; with creep 0 they
    are the same, so every saving against doing nothing is a real reduction."""
    target, spend, split = static_run
    assert set(spend.policy) >= {"status_quo", "status_quo_no_creep"}
    assert set(split.policy) == set(target[target.calibration != "status_quo"].policy)
    assert (split.avoided_creep_mean == 0).all()
    np.testing.assert_allclose(split.real_reduction_mean, split.savings_vs_status_quo_mean)

"""Calibrations aim at cash: with every dynamic off and an immediate move to the indicative
budget, the first full year saves exactly the study's target in spend (direct payments'
clawback included), not in budgets."""
from __future__ import annotations

import pandas as pd
import pytest
from conftest import SHIPPED_PATHS, ZERO_BY_GROUP

from sim.cli import main

ZERO = ZERO_BY_GROUP
STATIC = f"""
[study]
name = "cash"
{SHIPPED_PATHS}
go_live = "2013-01"
horizon_end = "2014-03"
savings_target = TARGET
minimum_budget = 780.0
runs = 1
seed = 1
calibrations = ["price_per_point", "percentile", "regression", "group_price_per_point"]
transitions = ["immediate"]
reservoir_replicates = 0

[overrides]
"death.enabled" = false
"residential.enabled" = false
"other_exit.enabled" = false
"demand.enabled" = false
"need.enabled" = false
"practice.creep_per_review" = 0.0
"money.uplift_per_year" = 0.0
"choice.switch_at_review" = 0.0
"choice.direct_payment_by_group" = {ZERO}
"choice.mixed_by_group" = {ZERO}
"reviews.per_user_per_year" = 12.0
"reviews.spread_sd_months" = 0.0
"""


@pytest.mark.parametrize("target", [776_000.0, 1_500_000.0])
def test_a_static_world_saves_the_target_in_cash(tmp_path, population, target):
    study = tmp_path / "static.toml"
    study.write_text(STATIC.replace("TARGET", repr(target)))
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet", "--no-report", "--jobs", "1"]) == 0
    t = pd.read_csv(out / "target.csv")
    year = t[(t.financial_year == "2013/14") & (t.calibration != "status_quo")]
    assert len(year) == 4
    # Budgets are whole pence, so each person's budget may differ by half a penny a year.
    rounding = 0.005 * len(population)
    assert (year.savings_mean - target).abs().max() <= rounding, year[["policy", "savings_mean"]]

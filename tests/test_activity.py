"""activity.csv: the year's assessments, reviews, arrivals, deaths, other exits and admissions,
checked against the worlds the run used, rebuilt from the same seeds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import SHIPPED_PATHS

from sim.cli import main
from sim.model.draws import draw
from sim.model.world import simulate
from sim.study.montecarlo import replicate_seed
from sim.study.study_file import load_study

RUNS = 3
STUDY = f"""
[study]
name = "activity"
{SHIPPED_PATHS}
go_live = "2013-01"
horizon_end = "2015-03"
savings_target = 776000.0
minimum_budget = 780.0
runs = {RUNS}
seed = 5
calibrations = ["price_per_point"]
transitions = ["immediate", "capped_loss"]
reservoir_replicates = 0
"""
EVENTS = ("assessments", "reviews", "arrivals", "deaths", "other_exits")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("activity")
    study = folder / "study.toml"
    study.write_text(STUDY)
    out = folder / "out"
    assert main(["run", str(study), "--out", str(out), "--quiet", "--no-report", "--jobs", "1"]) == 0
    return load_study(study), pd.read_csv(out / "activity.csv"), pd.read_csv(out / "target.csv")


def world_counts(study) -> dict[str, np.ndarray]:
    """(replicates, financial years) counts of each event, straight from the rebuilt worlds."""
    T, years = study.n_months, np.array([int(m[:4]) - (int(m[5:]) < 4) for m in study.months])
    fy = years - years[0]
    out = {e: np.zeros((RUNS, fy[-1] + 1)) for e in EVENTS}
    for r in range(RUNS):
        d = draw(study.population, study.params, replicate_seed(study.spec.seed, r), T)
        w = simulate(study.population, study.params, d, T, study.go_live)
        exits = np.flatnonzero(w.exit_month < T)
        died = exits[w.death_month[exits] == w.exit_month[exits]]
        by_month = {
            "assessments": [(~w.assessed_review[w.assessments(m)]).sum() for m in range(T)],
            "reviews": w.review.sum(axis=1),
            "arrivals": np.bincount(w.arrival[len(study.population):], minlength=T),
            "deaths": np.bincount(w.exit_month[died], minlength=T),
            "other_exits": np.bincount(w.exit_month[exits], minlength=T)
                           - np.bincount(w.exit_month[died], minlength=T),
        }
        for e in EVENTS:
            np.add.at(out[e][r], fy, np.asarray(by_month[e], dtype=float))
    return out


def test_activity_has_each_count_per_policy_and_year(run):
    study, act, _ = run
    columns = [f"{e}_{s}" for e in (*EVENTS, "admissions") for s in ("mean", "p5", "p95")]
    assert set(columns) <= set(act.columns)
    assert list(act.financial_year.unique()) == ["2012/13", "2013/14", "2014/15"]
    assert len(act) == 3 * len(study.policies)
    assert (act.replicates == RUNS).all()
    # the world's counts are the same under every policy
    for e in EVENTS:
        assert act.groupby("financial_year")[f"{e}_mean"].nunique().max() == 1


def test_activity_counts_are_the_worlds(run):
    study, act, _ = run
    counts = world_counts(study)
    rows = act[act.policy == act.policy.iloc[0]].sort_values("financial_year")
    for e in EVENTS:
        x = counts[e]
        assert x.sum() > 0, e
        np.testing.assert_allclose(rows[f"{e}_mean"], x.mean(axis=0), err_msg=e)
        np.testing.assert_allclose(rows[f"{e}_p5"], np.percentile(x, 5, axis=0), err_msg=e)
        np.testing.assert_allclose(rows[f"{e}_p95"], np.percentile(x, 95, axis=0), err_msg=e)
    # every new referral is assessed in the month it arrives
    np.testing.assert_array_equal(counts["assessments"], counts["arrivals"])


def test_admissions_are_each_policys(run):
    _, act, target = run
    merged = act.merge(target, on=["policy", "financial_year"])
    np.testing.assert_allclose(merged.admissions_mean_x, merged.admissions_mean_y)
    assert act.admissions_mean.sum() > 0

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
WORLD = tuple(e for e in EVENTS if e != "reviews")    # the same under every policy


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
    out = {e: np.zeros((RUNS, fy[-1] + 1)) for e in (*EVENTS, "resident_reviews")}
    for r in range(RUNS):
        d = draw(study.population, study.params, replicate_seed(study.spec.seed, r), T)
        w = simulate(study.population, study.params, d, T, study.go_live)
        exits = np.flatnonzero(w.exit_month < T)
        died = exits[w.death_month[exits] == w.exit_month[exits]]
        by_month = {
            "assessments": [(~w.assessed_review[w.assessments(m)]).sum() for m in range(T)],
            "reviews": w.review.sum(axis=1),
            # the status quo admits at the base hazard (never short of need), and a person
            # reviewed in a month after their admission month is a care-home resident
            "resident_reviews": (w.review & (w.baseline_res_month[None, :]
                                             < np.arange(T)[:, None])).sum(axis=1),
            "arrivals": np.bincount(w.arrival[len(study.population):], minlength=T),
            "deaths": np.bincount(w.exit_month[died], minlength=T),
            "other_exits": np.bincount(w.exit_month[exits], minlength=T)
                           - np.bincount(w.exit_month[died], minlength=T),
        }
        for e in by_month:
            np.add.at(out[e][r], fy, np.asarray(by_month[e], dtype=float))
    return out


def test_activity_has_each_count_per_policy_and_year(run):
    study, act, _ = run
    columns = [f"{e}_{s}" for e in (*EVENTS, "resident_reviews", "admissions")
               for s in ("mean", "p5", "p95")]
    assert set(columns) <= set(act.columns)
    assert list(act.financial_year.unique()) == ["2012/13", "2013/14", "2014/15"]
    assert len(act) == 3 * len(study.policies)
    assert (act.replicates == RUNS).all()
    # the world's counts are the same under every policy
    for e in WORLD:
        assert act.groupby("financial_year")[f"{e}_mean"].nunique().max() == 1


def test_activity_counts_are_the_worlds(run):
    """Under the status quo; reviews are the community's, care-home residents' apart."""
    study, act, _ = run
    counts = world_counts(study)
    counts["reviews"] = counts["reviews"] - counts["resident_reviews"]
    rows = act[act.policy == "status_quo"].sort_values("financial_year")
    assert counts["resident_reviews"].sum() > 0
    for e in (*EVENTS, "resident_reviews"):
        x = counts[e]
        assert x.sum() > 0, e
        np.testing.assert_allclose(rows[f"{e}_mean"], x.mean(axis=0), err_msg=e)
        np.testing.assert_allclose(rows[f"{e}_p5"], np.percentile(x, 5, axis=0), err_msg=e)
        np.testing.assert_allclose(rows[f"{e}_p95"], np.percentile(x, 95, axis=0), err_msg=e)
    # every new referral is assessed in the month it arrives
    np.testing.assert_array_equal(counts["assessments"], counts["arrivals"])


def test_community_and_resident_reviews_add_up_to_the_worlds_under_every_policy(run):
    """Each policy's community reviews plus its residents' reviews are the world's reviews;
    a policy that admits more people holds fewer community reviews."""
    study, act, _ = run
    counts = world_counts(study)
    total = act.reviews_mean + act.resident_reviews_mean
    for fy, group in act.assign(total=total).groupby("financial_year"):
        f = sorted(act.financial_year.unique()).index(fy)
        np.testing.assert_allclose(group.total, counts["reviews"][:, f].mean())
    late = act[act.financial_year == "2014/15"].set_index("policy")
    assert late.resident_reviews_mean.gt(0).all()
    more = late.admissions_mean.idxmax()
    assert late.loc[more, "reviews_mean"] <= late.loc["status_quo", "reviews_mean"]


def test_admissions_are_each_policys(run):
    _, act, target = run
    merged = act.merge(target, on=["policy", "financial_year"])
    np.testing.assert_allclose(merged.admissions_mean_x, merged.admissions_mean_y)
    assert act.admissions_mean.sum() > 0

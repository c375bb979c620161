"""Probabilistic runs (issue 15 items 2 and 5): parameters drawn per replicate, the synthetic
population rebuilt from its drawn assumptions, results independent of scheduling, target.csv
both ways, and bad distributions refused before anything is written."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, ROOT

import sim.study.study_file as study_file
from sim.cli import main
from sim.model.uncertainty import TARGETS
from sim.paths import DEFAULT_PARAMETERS, DEFAULT_TARGETS
from sim.study.study_file import fitted_calibrations, load_study

TABLES = ("spend.csv", "target.csv", "eia.csv", "disparity.csv")


def _study(tmp: Path, parameters: Path = DEFAULT_PARAMETERS, runs: int = 2) -> Path:
    """tests/data/small_study.toml (the shipped population) with its own parameter file."""
    text = (DATA / "small_study.toml").read_text(encoding="utf-8")
    text = text.replace("../../", f"{ROOT.as_posix()}/").replace("runs = 6", f"runs = {runs}")
    text = text.replace(f'"{ROOT.as_posix()}/scenarios/parameters.toml"',
                        f'"{parameters.as_posix()}"')
    path = tmp / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(study: Path, out: Path, *extra: str) -> Path:
    assert main(["run", str(study), "--out", str(out), "--quiet", "--no-report", *extra]) == 0
    return out


def _pointed(text: str) -> str:
    """Every distribution of a records file made a point at the value a fixed run uses."""
    blocks = text.split("\n\n")
    for i, block in enumerate(blocks):
        if "\ndistribution = " not in block:
            continue
        centre = 1.0 if 'varies = "multiplier"' in block else float(
            re.search(r"^value = ([-0-9.e]+)", block, re.M).group(1))
        blocks[i] = re.sub(r"^distribution = .*$", f'distribution = {{ kind = "uniform", '
                           f'low = {centre!r}, high = {centre!r} }}', block, flags=re.M)
    return "\n\n".join(blocks)


@pytest.fixture(scope="module")
def fixed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixed")
    return _run(_study(tmp), tmp / "out", "--jobs", "1")


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drawn")
    return _run(_study(tmp), tmp / "out", "--jobs", "1", "--uncertainty")


def test_zero_width_distributions_reproduce_the_fixed_run_exactly(fixed, tmp_path, monkeypatch):
    params = tmp_path / "parameters.toml"
    params.write_text(_pointed(DEFAULT_PARAMETERS.read_text("utf-8")), "utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(_pointed(DEFAULT_TARGETS.read_text("utf-8")), "utf-8")
    monkeypatch.setattr(study_file, "DEFAULT_TARGETS", targets)
    out = _run(_study(tmp_path, params), tmp_path / "out", "--jobs", "1", "--uncertainty")
    assert json.loads((out / "run.json").read_text())["uncertainty"]["population_rebuilt"]
    draws = pd.read_csv(out / "parameter_draws.csv")
    assert len(draws.columns) > 20 and draws.drop(columns="replicate").nunique().max() == 1
    for name in TABLES:
        mine = pd.read_csv(out / name)
        theirs = pd.read_csv(fixed / name)
        pd.testing.assert_frame_equal(mine[theirs.columns], theirs, check_exact=True)


def test_a_probabilistic_run_is_the_same_whatever_the_number_of_jobs(drawn, tmp_path):
    two = _run(_study(tmp_path), tmp_path / "out", "--jobs", "2", "--uncertainty")
    for name in (*TABLES, "parameter_draws.csv"):
        assert (two / name).read_bytes() == (drawn / name).read_bytes(), name


def test_the_drawn_parameters_change_the_results_and_differ_between_replicates(fixed, drawn):
    draws = pd.read_csv(drawn / "parameter_draws.csv").drop(columns="replicate")
    assert (draws.nunique() == len(draws)).all()  # every replicate its own value
    assert TARGETS + "points.pb_type_multiplier.direct_payment" in draws.columns
    assert not pd.read_csv(drawn / "spend.csv").equals(pd.read_csv(fixed / "spend.csv"))


def test_draws_follow_their_distributions():
    study = load_study(DATA / "small_study.toml")
    u = study.uncertainty
    xs = pd.DataFrame([u.draw(7, r) for r in range(1000)])
    for rec in u.parameters:
        lo, hi = rec.distribution.support
        x = xs[rec.path].to_numpy()
        assert lo <= x.min() and x.max() <= hi, rec.path
        assert abs(np.mean(x <= rec.distribution.median) - 0.5) < 0.06, rec.path
        assert abs(np.mean(x <= rec.distribution.ppf(0.1)) - 0.1) < 0.035, rec.path


def test_target_table_gives_both_views_and_events_only_is_the_fixed_run(fixed, drawn):
    mine, theirs = pd.read_csv(drawn / "target.csv"), pd.read_csv(fixed / "target.csv")
    assert (mine["uncertainty"] == "events and assumptions").all()
    assert (mine["events_only_replicates"] == 2).all()
    for col in ("savings_mean", "savings_p5", "savings_p95", "prob_meet_target"):
        events_only = col.replace("savings_", "savings_events_only_") if "savings" in col \
            else col + "_events_only"
        np.testing.assert_array_equal(mine[events_only], theirs[col])
    assert not np.array_equal(mine["savings_mean"], theirs["savings_mean"])
    assert "uncertainty" not in theirs.columns  # a fixed run's table is as it was


def test_the_run_records_that_it_was_probabilistic(fixed, drawn):
    assert json.loads((drawn / "manifest.json").read_text())["uncertainty"] is True
    assert json.loads((fixed / "manifest.json").read_text())["uncertainty"] is False
    assert "uncertainty" not in json.loads((fixed / "run.json").read_text())
    drawn_meta = json.loads((drawn / "aggregates.json").read_text())["meta"]
    assert "practice.creep_per_review" in drawn_meta["uncertainty"]["parameters"]


def test_a_drawn_population_assumption_rebuilds_the_population_and_refits():
    study = load_study(DATA / "small_study.toml", uncertainty=True)
    from sim.study.runner import run_spec

    spec = run_spec(study)
    _, pop, cals = spec.replicate_inputs(0)
    assert len(pop) == len(study.population)
    assert not np.array_equal(pop.ras_points, study.population.ras_points)
    for t in range(4):  # each PB type's total cost is still the seed's
        assert pop.annual_budget[pop.pb_type == t].sum() == pytest.approx(
            study.population.annual_budget[study.population.pb_type == t].sum(), rel=1e-6)
    assert cals["price_per_point"].fitted_summary() != \
        study.calibrations["price_per_point"].fitted_summary()


def test_at_central_values_the_rebuilt_population_and_calibrations_are_the_studys():
    study = load_study(DATA / "small_study.toml")
    u = study.uncertainty
    central = {p.path: 1.0 if p.varies == "multiplier" else p.value for p in u.parameters}
    assert not u.population_changes(central)
    params = u.realise(central)
    from sim.inputs.synthetic import generate

    pop = generate(u.realise_targets(central), facs_thresholds=params.need.facs_thresholds,
                   facs_team_offsets=params.facs.team_offset_points)
    for k in ("ras_points", "annual_budget", "facs_band", "pb_type", "age", "team"):
        assert np.array_equal(getattr(pop, k), getattr(study.population, k)), k
    cals = fitted_calibrations(study.calibration_specs, pop, study.params, "x")
    assert {k: c.fitted_summary() for k, c in cals.items()} == \
        {k: c.fitted_summary() for k, c in study.calibrations.items()}


def test_the_report_lists_every_parameter_with_its_distribution(drawn):
    rows = json.loads((drawn / "aggregates.json").read_text())["meta"]["assumptions"]
    by_name = {r["parameter"]: r for r in rows}
    rec = by_name["feedback.hazard_multiplier"]
    assert rec["value"] == "1.5" and rec["status"] == "assumption" and rec["unit"]
    assert rec["distribution"].startswith("triangular(low=1, mode=1.5, high=2.5)")
    assert by_name["death.by_age_band"]["distribution"].endswith("x the value")
    assert by_name["time.start"]["distribution"] == ""
    assert TARGETS + "points.pb_type_multiplier.direct_payment" in by_name


# ------------------------------------------------------------------ item 5: bad input

HAZARD = "[feedback.hazard_multiplier]\n"


@pytest.mark.parametrize("dist, why, flags", [  # an invalid distribution stops any run
    ('{ kind = "gamma", shape = -1, scale = 1 }', "must be above 0", []),
    ('{ kind = "gamma", shape = -1, scale = 1 }', "must be above 0", ["--uncertainty"]),
    ('{ kind = "triangular", low = 1, mode = 3, high = 2 }', "low <= mode <= high", []),
    # a support outside the parameter's range stops the runs that draw from it
    ('{ kind = "uniform", low = 5, high = 12 }', "leaves the parameter's valid range",
     ["--uncertainty"]),
    ('{ kind = "lognormal", median = 1.5, sigma = 0.3 }', "truncate", ["--uncertainty"]),
])
def test_a_bad_distribution_stops_the_run_naming_the_parameter(tmp_path, capsys, dist, why,
                                                               flags):
    text = DEFAULT_PARAMETERS.read_text("utf-8")
    start = text.index(HAZARD)
    end = text.index("\n\n", start)
    block = re.sub(r"^distribution = .*$", f"distribution = {dist}", text[start:end], flags=re.M)
    params = tmp_path / "parameters.toml"
    params.write_text(text[:start] + block + text[end:], "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(_study(tmp_path, params)), "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert "feedback.hazard_multiplier" in err and why in err and "Traceback" not in err
    assert not out.exists()


def test_a_fixed_run_may_override_a_multiplied_list_beyond_its_distributions_reach(tmp_path):
    study = _study(tmp_path)
    study.write_text(study.read_text("utf-8") + '\n[overrides]\n"residential.by_age_band" = '
                     "[0.004, 0.004, 0.005, 0.006, 0.010, 0.040, 0.070, 0.6]\n", "utf-8")
    assert load_study(study).params.residential.by_age_band[-1] == 0.6
    with pytest.raises(study_file.StudyError, match="residential.by_age_band: the distrib"):
        load_study(study, uncertainty=True)


def test_a_distribution_on_a_non_numeric_parameter_stops_the_run(tmp_path, capsys):
    text = DEFAULT_PARAMETERS.read_text("utf-8")
    line = next(x for x in text.splitlines() if x.startswith("mode = "))
    params = tmp_path / "parameters.toml"
    params.write_text(text.replace(line, 'mode = { value = "balance", unit = "-", status = '
                                   '"assumption", distribution = { kind = "uniform", low = 0, '
                                   'high = 1 } }'), "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(_study(tmp_path, params)), "--out", str(out), "--uncertainty"]) == 2
    err = capsys.readouterr().err
    assert "demand.mode: a distribution needs a numeric parameter" in err
    assert not out.exists()

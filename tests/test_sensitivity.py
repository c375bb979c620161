"""Global sensitivity and threshold analysis (issue 15 items 3 and 4)."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, ROOT

from sim.analysis.sensitivity import pipeline as sensitivity
from sim.analysis.sensitivity.design import DesignError, SensitivityDesign
from sim.analysis.sensitivity.evaluation import OUTPUTS, PolicyChoiceError, outputs
from sim.analysis.sensitivity.threshold import XTOL, Sweep, threshold
from sim.inputs.distributions import parse_distribution
from sim.inputs.param_records import LeafRecord
from sim.model.uncertainty import Uncertainty
from sim.outputs.describe import parameter_label
from sim.outputs.equalities import eia_table, largest_disparity
from sim.outputs.finance import finance_savings
from sim.study.finance_section import FinanceSection
from sim.study.study_file import load_study

# Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: known first-order and total indices.
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(u: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_ishigami_match_the_known_values():
    design = SensitivityDesign(["x1", "x2", "x3", "unused"], 2048, "sobol", seed=1)
    si = design.analyze(ishigami(design.points())).set_index("parameter")
    for name, s1 in ISHIGAMI_S1.items():
        assert si.loc[name, "S1"] == pytest.approx(s1, abs=0.05)
        assert si.loc[name, "ST"] == pytest.approx(ISHIGAMI_ST[name], abs=0.05)
        assert si.loc[name, "ST_conf"] < 0.1
    assert abs(si.loc["unused", "ST"]) < 1e-9 and abs(si.loc["unused", "S1"]) < 1e-9


def test_morris_screens_out_an_input_the_function_ignores():
    design = SensitivityDesign(["x1", "x2", "x3", "unused"], 40, "morris", seed=1)
    assert design.points().shape == (40 * 5, 4)
    si = design.analyze(ishigami(design.points())).set_index("parameter")
    assert si.loc["unused", "mu_star"] == 0
    assert (si.loc[["x1", "x2", "x3"], "mu_star"] > 1).all()


def test_a_design_depends_only_on_its_seed():
    a, b = (SensitivityDesign(["p", "q"], 16, seed=5) for _ in range(2))
    assert a.n_points == 16 * 4 and np.array_equal(a.points(), b.points())
    y = a.points() @ np.array([1.0, 3.0])
    pd.testing.assert_frame_equal(a.analyze(y), b.analyze(y))
    assert not np.array_equal(a.points(), SensitivityDesign(["p", "q"], 16, seed=6).points())


@pytest.mark.parametrize("names, samples, method, why", [
    (["p"], 8, "sobol", "at least 2 uncertain parameters"),
    (["p", "q"], 1, "sobol", "--samples must be at least 2"),
    (["p", "q"], 8, "fast", "choose one of sobol, morris"),
    (["p", "p"], 8, "sobol", "named once"),
])
def test_a_design_that_cannot_be_drawn_is_refused(names, samples, method, why):
    with pytest.raises(DesignError, match=why):
        SensitivityDesign(names, samples, method)


# ---- on the model -------------------------------------------------------------------
CREEP = "practice.creep_per_review"
STOCK = "residential_stock.people_by_group"     # the stock is disabled: it changes nothing


def _record(path: str, dist: dict, varies: str = "value") -> LeafRecord:
    return LeafRecord(path, None, "-", "assumption", "test", parse_distribution(dist, path),
                      varies)


@pytest.fixture(scope="module")
def small():
    study = load_study(DATA / "small_study.toml")
    # judged against doing nothing, where creep moves the savings: the threshold tests need a
    # parameter that carries the policy across the target (the mechanism, whatever the view)
    study.finance = FinanceSection(baseline="status_quo")
    central = sensitivity.study_uncertainty(study).central
    u = Uncertainty(central, (
        _record(CREEP, {"kind": "uniform", "low": -0.02, "high": 0.2}),
        _record("feedback.hazard_multiplier", {"kind": "uniform", "low": 1.0, "high": 3.0}),
        _record(STOCK, {"kind": "uniform", "low": 0.5, "high": 1.5}, "multiplier")))
    return study, u


@pytest.fixture(scope="module")
def analysed(small):
    study, u = small
    plan = sensitivity.plan(study, samples=8, replicates=1, uncertainty=u,
                            policies=["percentile+immediate"])
    return plan, sensitivity.analyse(plan, jobs=1, progress=False)


def test_a_parameter_that_cannot_affect_an_output_gets_no_total_index(analysed):
    _, outcome = analysed
    si = outcome.indices
    savings = si[si["output"] == "savings"].set_index("parameter")
    assert savings.loc[CREEP, "ST"] > 0.5                  # the status quo's cost growth
    assert abs(si.loc[si["parameter"] == STOCK, "ST"]).max() < 1e-9
    assert set(si["output"]) == set(OUTPUTS) and set(si["policy"]) == {"percentile+immediate"}


def test_results_do_not_depend_on_the_number_of_jobs(analysed):
    plan, one = analysed
    two = sensitivity.analyse(plan, jobs=2, progress=False)
    pd.testing.assert_frame_equal(one.samples, two.samples)
    pd.testing.assert_frame_equal(one.indices, two.indices)
    pd.testing.assert_frame_equal(one.thresholds, two.thresholds)


def test_the_threshold_is_where_the_policy_stops_meeting_the_target(analysed):
    plan, outcome = analysed
    row = outcome.thresholds.iloc[0]
    assert row["parameter"] == CREEP and row["level"] == "target"
    assert row["direction"] == "meets the target above the threshold"
    step = 2 * XTOL * (row["support_high"] - row["support_low"])
    sweep = Sweep(plan.evaluator, 0, CREEP)
    target = plan.evaluator.target
    assert sweep(row["threshold_value"] - step) < target <= sweep(row["threshold_value"] + step)
    assert row["savings_at_low"] < target < row["savings_at_central"]


def _with_target(ev, target: float):
    template = copy.copy(ev.template)
    template.meta = {**ev.template.meta, "study": {**ev.template.meta["study"], "target": target}}
    return type(ev)(ev.spec, ev.uncertainty, ev.replicates, template)


def test_a_policy_that_never_meets_the_target_gets_its_break_even_threshold(small):
    study, u = small
    plan = sensitivity.plan(study, samples=2, replicates=1, uncertainty=u,
                            policies=["percentile+immediate", "percentile+phased"])
    ev = _with_target(plan.evaluator, 1e9)
    immediate, phased = threshold(ev, 0, CREEP), threshold(ev, 1, CREEP)
    assert immediate["direction"] == "breaks even but misses the target across the support"
    assert np.isnan(immediate["threshold_value"]) and immediate["savings_at_low"] > 0
    assert phased["level"] == "break-even"
    assert phased["direction"] == "breaks even above the threshold"
    step = 2 * XTOL * (phased["support_high"] - phased["support_low"])
    sweep = Sweep(ev, 1, CREEP)
    assert sweep(phased["threshold_value"] - step) < 0 <= sweep(phased["threshold_value"] + step)


def test_the_files_name_the_three_assumptions_that_matter_most(analysed, tmp_path):
    plan, outcome = analysed
    paths = sensitivity.write(plan, outcome, tmp_path, jobs=1)
    names = {p.name for p in paths}
    assert {"sensitivity.csv", "samples.csv", "thresholds.csv", "noise.csv", "tornado_1.png",
            "sensitivity.html", "manifest.json"} <= names
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert list(table.columns) == ["output", "policy", "parameter", "S1", "S1_conf", "ST",
                                   "ST_conf"]
    assert len(pd.read_csv(tmp_path / "samples.csv")) == plan.design.n_points
    html = (tmp_path / "sensitivity.html").read_text(encoding="utf-8")
    assert "The three assumptions that matter most" in html
    assert f"depend most on {parameter_label(CREEP)} (total index" in html   # in words
    assert parameter_label(CREEP) == "Current practice: creep per review"
    assert f"<td class=\"text\" data-label=\"in words\">{parameter_label(CREEP)}</td>" in html
    assert 'alt="Horizontal bar chart' in html
    assert "stops meeting the £776k target at" in html


def test_an_unknown_policy_is_refused_with_a_suggestion(small):
    study, u = small
    with pytest.raises(PolicyChoiceError, match="did you mean 'percentile\\+phased'"):
        sensitivity.plan(study, uncertainty=u, policies=["percentile+phase"])


def test_the_headline_policies_are_the_recommended_calibration_with_every_transition(small):
    study, u = small
    plan = sensitivity.plan(study, uncertainty=u, samples=4)
    assert plan.evaluator.policy_names == ["percentile+immediate", "percentile+phased"]
    assert plan.design.n_points == 4 * (3 + 2)


def test_the_outputs_are_the_run_tables_numbers(analysed):
    plan, _ = analysed
    ev = type(plan.evaluator)(plan.evaluator.spec, plan.evaluator.uncertainty, 3,
                              plan.evaluator.template)
    res = ev.results({CREEP: 0.05})
    y = outputs(res, ev.year)
    save = finance_savings(res)[:, :, res.financial_years.index(ev.year)]
    eia = eia_table(res)
    everyone = eia[eia["characteristic"] == "all"].set_index("policy")["share_lose10"]
    largest = largest_disparity(eia).set_index("policy")["largest_rr_lose10"]
    for k, name in enumerate(ev.policy_names):
        p = [pol["name"] for pol in res.policies].index(name)
        assert y[k, 0] == pytest.approx(save[:, p].mean())
        assert y[k, 1] == np.mean(save[:, p] >= ev.target)
        assert y[k, 2] == pytest.approx(everyone[name])
        assert y[k, 3] == pytest.approx(largest[name])


def test_the_noise_share_compares_other_replicate_worlds_with_the_design(analysed):
    plan, outcome = analysed
    noise = outcome.noise.set_index(["output", "policy"])
    assert len(noise) == len(OUTPUTS) * len(plan.evaluator.policy_names)
    row = noise.loc[("savings", "percentile+immediate")]
    design = outcome.samples["savings[percentile+immediate]"].var(ddof=1)
    assert row["design_variance"] == pytest.approx(design)
    assert row["noise_variance"] > 0                  # other worlds give other savings
    assert row["noise_share"] == pytest.approx(min(row["noise_variance"] / design, 1.0))


def test_a_population_assumption_has_a_central_value_and_a_threshold_sweep():
    """The synthetic population's assumptions are uncertain too (the DP points ratio)."""
    from sim.analysis.sensitivity.evaluation import Evaluator, headline_policies
    from sim.study.study_file import load_study

    study = load_study(ROOT / "scenarios" / "default.toml")
    ev = Evaluator.of(study, study.uncertainty,
                      headline_policies(study, ["percentile+immediate"]), 1, 2012)
    name = "synthetic_targets.points.pb_type_multiplier.direct_payment"
    assert name in ev.uncertainty.names
    assert ev.uncertainty.centre(name) == 1.35
    low, high = (ev.evaluate({name: x})[0, 0] for x in (1.1, 1.7))
    assert low != high   # the rebuilt population and refitted calibrations change the savings


def test_sensitivity_page_fits_a_phone(analysed, tmp_path):
    from test_browser import CHROMIUM_ARGS, PHONE, chromium, phone_fits

    plan, outcome = analysed
    sensitivity.write(plan, outcome, tmp_path, jobs=1)
    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    if exe is None:
        pytest.skip("no Chromium browser found")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": PHONE, "height": 844})
        page.goto((tmp_path / "sensitivity.html").as_uri(), wait_until="load")
        phone_fits(page)                                     # was 474 px wide
        browser.close()

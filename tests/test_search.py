"""Options search on a tiny study: the frontier is non-dominated, confirmed on fresh seeds and
reproducible as a normal study; an unmeetable constraint gives an empty frontier; the trials
do not depend on the number of jobs; a resumed search continues where it stopped."""
from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from sim.analysis import search_run
from sim.analysis.search_file import load_search
from sim.analysis.search_frontier import non_dominated
from sim.analysis.search_metrics import policy_metrics
from sim.analysis.search_run import SearchCheckpoints, run_search
from sim.cli import main
from sim.inputs.population import Population, write_population
from sim.study.montecarlo import RunSpec, run
from sim.study.runner import new_results
from sim.study.study_file import load_study

LEVERS = """
[[lever]]
path = "transition.max_loss"
low = 0.0
high = 0.5
[[lever]]
path = "transition.phases"
low = 1
high = 3
[[lever]]
path = "transition.protect_critical"
choices = [true, false]
"""
OBJECTIVES = """
[[objective]]
output = "share_lose10"
[[objective]]
output = "largest_rr_lose10"
"""
MEETABLE = """
[[constraint]]
output = "prob_meet_target"
at_least = 0.5
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, population):
    """A study of every 8th person of the shipped population, go-live to March 2014."""
    folder = tmp_path_factory.mktemp("tiny")
    idx = np.arange(0, len(population), 8)
    fields = {k: getattr(population, k)[idx] for k in (
        "id", "age", "sex", "ethnicity", "client_group", "team", "facs_band", "ras_points",
        "pb_type", "annual_budget", "months_since_review")}
    write_population(Population(teams=population.teams, source="tiny", **fields),
                     folder / "pop.csv")
    (folder / "study.toml").write_text(f"""[study]
name = "tiny"
population = "pop.csv"
parameters = "{ROOT.as_posix()}/scenarios/parameters.toml"
calibrations_file = "{ROOT.as_posix()}/scenarios/calibrations.toml"
transitions_file = "{ROOT.as_posix()}/scenarios/transitions.toml"
go_live = "2013-01"
horizon_end = "2014-03"
savings_target = 60000.0
minimum_budget = 780.0
calibrations = ["percentile"]
""")
    return folder


def search_file(folder: Path, extra: str = MEETABLE, *, levers: str = LEVERS,
                objectives: str = OBJECTIVES, name: str = "s") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f"""[search]
name = "{name}"
study = "study.toml"
calibration = "percentile"
transition = "phased"
trials = 8
batch = 4
runs = 4
seed = 5
confirm_runs = 6
""" + levers + objectives + extra)
    return path


@pytest.fixture(scope="module")
def searched(tiny):
    out = tiny / "out"
    assert main(["search", str(search_file(tiny)), "--out", str(out), "--jobs", "1",
                 "--quiet"]) == 0
    return out


def test_every_pareto_row_is_feasible_and_non_dominated_among_the_confirmed(searched):
    confirmed = pd.read_csv(searched / "confirmed.csv")
    pareto = pd.read_csv(searched / "pareto.csv")
    options = confirmed[(confirmed["role"] == "option") & confirmed["feasible"]]
    assert len(pareto) >= 1 and (pareto["prob_meet_target"] >= 0.5).all()
    cost = options[["share_lose10", "largest_rr_lose10"]].to_numpy()
    for _, row in pareto.iterrows():
        mine = row[["share_lose10", "largest_rr_lose10"]].to_numpy(dtype=float)
        beaten = np.all(cost <= mine, axis=1) & np.any(cost < mine, axis=1)
        assert not beaten.any(), f"{row['label']} is dominated"
    assert set(pareto["label"]) == set(options["label"][non_dominated(cost)])
    # the confirmed figures are the fresh-seed run's, not the search's own estimates
    assert (pareto["share_lose10"] != pareto["search_share_lose10"]).any()


def test_the_frontier_figure_report_and_ready_to_run_blocks_are_written(searched):
    assert (searched / "frontier.png").stat().st_size > 10_000
    report = (searched / "search_report.md").read_text()
    assert "## Confirmed frontier" in report and "```toml" in report
    assert "phased" in report  # the shipped scenarios as references
    assert (searched / "confirm" / "report.html").is_file()
    assert not (searched / "checkpoints").exists()
    trials = pd.read_csv(searched / "trials.csv")
    assert len(trials) == 8 and {"transition.max_loss", "feasible"} <= set(trials.columns)


def test_rerunning_a_frontier_option_as_a_normal_study_reproduces_its_confirmed_figures(
        searched, tmp_path):
    option = pd.read_csv(searched / "pareto.csv").iloc[0]
    study = tomllib.loads((searched / "options" / "study.toml").read_text())
    text = (searched / "options" / "study.toml").read_text()
    alone = text.replace(str(study["study"]["policies"]).replace("'", '"'),
                         f'[["{option["label"]}", "{option["label"]}"]]')
    path = searched / "options" / "alone.toml"
    path.write_text(alone)
    try:
        st = load_study(path)
        assert [p.name for p in st.policies] == ["status_quo", option["policy"]]
        spec = RunSpec(population=st.population, params=st.params, policies=st.policies,
                       calibrations=st.calibrations, n_months=st.n_months, go_live=st.go_live,
                       snapshots=st.snapshot_months, seed=st.spec.seed, reservoir_replicates=0)
        res = run(spec, new_results(st), st.spec.runs, st.spec.chunk_size, progress=False)
    finally:
        path.unlink()
    again = policy_metrics(res, ["share_lose10", "largest_rr_lose10", "prob_meet_target"],
                           "2013/14").loc[option["policy"]]
    for k in again.index:
        assert again[k] == pytest.approx(option[k], rel=1e-12)


def test_a_constraint_no_candidate_can_meet_gives_an_empty_frontier_and_says_so(tiny, capsys):
    out = tiny / "never"
    path = search_file(tiny, '[[constraint]]\noutput = "savings_mean"\nat_least = 1e9\n',
                       name="never")
    assert main(["search", str(path), "--out", str(out), "--jobs", "1", "--trials", "4"]) == 0
    said = capsys.readouterr().out
    assert "No candidate met the constraint in 4 trials" in said and "savings_mean" in said
    assert pd.read_csv(out / "pareto.csv").empty
    assert "No candidate met the constraint" in (out / "search_report.md").read_text()
    assert not (out / "confirm").exists() and (out / "frontier.png").is_file()


def test_the_same_search_and_seed_give_the_same_trials_with_one_or_two_jobs(tiny):
    search = load_search(search_file(tiny, name="jobs"), trials=8)
    one, two = run_search(search, jobs=1), run_search(search, jobs=2)
    pd.testing.assert_frame_equal(one, two)
    assert one["transition.phases"].nunique() > 1  # the sampler did move the levers


def test_a_resumed_search_evaluates_only_the_missing_generations(tiny, tmp_path, monkeypatch):
    search = load_search(search_file(tiny, name="resume"))
    store = SearchCheckpoints(tmp_path / "checkpoints")
    whole = run_search(search, store)
    store.path(1).unlink()
    calls = []
    real = search_run.evaluate
    monkeypatch.setattr(search_run, "evaluate",
                        lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    pd.testing.assert_frame_equal(run_search(search, store), whole)
    assert calls == [[f"trial_{n:04d}" for n in range(4, 8)]]


def test_non_dominated_keeps_exactly_the_rows_nobody_beats():
    costs = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [2, 2], [np.nan, 0]])
    assert non_dominated(costs).tolist() == [True, True, False, True, True, False]


@pytest.mark.parametrize("levers, objectives, expected", [
    (LEVERS.replace("transition.max_loss", "transition.max_los"), OBJECTIVES,
     "did you mean 'transition.max_loss'"),
    (LEVERS.replace("high = 0.5", "high = 0.0"), OBJECTIVES, "is empty"),
    (LEVERS.replace("low = 1\nhigh = 3", "low = 3\nhigh = 1"), OBJECTIVES, "is inverted"),
    (LEVERS.replace("high = 0.5", "high = 1.5"), OBJECTIVES, "max_loss"),
    (LEVERS, OBJECTIVES.replace("share_lose10", "share_loose10"),
     "did you mean 'share_lose10'"),
    (LEVERS, OBJECTIVES.replace("share_lose10", "happiness"), "is no output"),
])
def test_a_bad_search_file_exits_2_writing_nothing(tiny, capsys, levers, objectives, expected):
    path = search_file(tiny, levers=levers, objectives=objectives, name="bad")
    out = tiny / "bad_out"
    assert main(["search", str(path), "--out", str(out)]) == 2
    assert expected in capsys.readouterr().err
    assert not out.exists()


def test_a_folder_the_search_did_not_make_is_left_untouched(tiny, tmp_path, capsys):
    (tmp_path / "thesis.docx").write_text("mine")
    assert main(["search", str(search_file(tiny)), "--out", str(tmp_path)]) == 2
    assert "was not made by run-sim" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]
    shutil.rmtree(tmp_path / "thesis.docx", ignore_errors=True)


def test_protection_costs_nothing_for_a_candidate_that_moves_everyone_at_once(tiny):
    """The comparator pricing protection is the candidate's own calibration, unprotected."""
    levers = '[[lever]]\npath = "calibration.floor"\nlow = 0.0\nhigh = 2000.0\n'
    objectives = '[[objective]]\noutput = "protection_cost"\n'
    path = search_file(tiny, "", levers=levers, objectives=objectives, name="protect")
    path.write_text(path.read_text().replace('transition = "phased"', 'transition = "immediate"'))
    search = load_search(path)
    got = search_run.evaluate(search, [{"calibration.floor": 0.0}, {"calibration.floor": 1500.0}],
                              ["a", "b"], runs=2, seed=1)
    assert got["protection_cost"].tolist() == [0.0, 0.0]


def test_resume_refuses_a_finished_search_and_a_changed_one(searched, tiny, capsys):
    path = search_file(tiny)
    assert main(["search", str(path), "--out", str(searched), "--resume"]) == 2
    assert "this search is complete" in capsys.readouterr().err
    assert main(["search", str(path), "--out", str(searched), "--resume", "--runs", "3"]) == 2
    assert "changed since: runs" in capsys.readouterr().err
    assert (searched / "pareto.csv").is_file()


def test_validate_checks_a_search_file_as_a_search(tmp_path, capsys):
    shipped = ROOT / "scenarios" / "search_default.toml"
    assert main(["validate", str(shipped)]) == 0
    assert "valid options search 'search_default': 10 levers" in capsys.readouterr().out
    bad = tmp_path / "search.toml"
    bad.write_text(shipped.read_text().replace('study = "default.toml"',
                                               f'study = "{(ROOT / "scenarios" / "default.toml").as_posix()}"')
                   .replace('path = "transition.max_loss"', 'path = "transition.max_los"'))
    assert main(["validate", str(bad)]) == 2
    assert "max_loss" in capsys.readouterr().err


def test_the_search_is_a_page_with_named_options_and_formatted_figures(searched):
    page = (searched / "search.html").read_text(encoding="utf-8")
    pareto = pd.read_csv(searched / "pareto.csv")
    assert "<h1>Options search 's'</h1>" in page
    first = pareto.iloc[0]
    named = f"loss cap per 12 months {round(100 * first['transition.max_loss']):.0f}%"
    assert named in page                                   # the option named by its levers
    assert re.search(r'data-label="share of people losing more than 10%">\d+(\.\d)?%<', page)
    assert re.search(r'data-label="mean savings">-?£[\d,.]+[km]?<', page)
    heads = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', page)
    assert heads and not any("_" in h for h in heads)      # headings in words, not codes
    confirm = (searched / "confirm" / "report.html").read_text(encoding="utf-8")
    assert "href='../search.html'" in confirm


def test_the_search_page_fits_a_phone(searched):
    from test_browser import CHROMIUM_ARGS, PHONE, chromium, phone_fits

    exe = chromium()
    sync_api = pytest.importorskip("playwright.sync_api")
    if exe is None:
        pytest.skip("no Chromium browser found")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": PHONE, "height": 844})
        page.goto((searched / "search.html").as_uri(), wait_until="load")
        phone_fits(page)
        browser.close()

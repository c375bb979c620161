"""Options search on a tiny study: the frontier is non-dominated, confirmed on fresh seeds and
reproducible as a normal study; an unmeetable constraint gives an empty frontier; the trials
do not depend on the number of jobs; a resumed search continues where it stopped."""
from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
from conftest import ROOT

from sim.analysis.search import run as search_run
from sim.analysis.search.file import load_search
from sim.analysis.search.frontier import non_dominated
from sim.analysis.search.metrics import policy_metrics
from sim.analysis.search.run import SearchCheckpoints, run_search
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

# the search's machinery is tested on savings against doing nothing, where the tiny
# population can meet its target
[finance]
baseline = "status_quo"
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
    study["study"]["policies"] = [[option["label"], option["label"]]]
    path = searched / "options" / "alone.toml"
    path.write_text(tomli_w.dumps(study))
    try:
        st = load_study(path)
        assert [p.name for p in st.policies] == ["status_quo", "status_quo_no_creep",
                                                 option["policy"]]
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


@pytest.mark.parametrize("damage", ["digit", "empty_list", "unrecorded"])
def test_a_damaged_or_edited_search_checkpoint_is_recomputed_not_trusted(tiny, tmp_path, capsys,
                                                                       damage):
    """One flipped digit of share_lose10, a file replaced by [] or a generation the index
    does not record: the generation is recomputed (a one-line note), and the trials are
    those of an untouched search, never the edited figures."""
    search = load_search(search_file(tiny, name="tamper"))
    store = SearchCheckpoints(tmp_path / "checkpoints")
    whole = run_search(search, store)
    first = store.path(0)
    if damage == "digit":
        saved = json.loads(first.read_text())
        saved["rows"][0]["share_lose10"] += 0.1
        first.write_text(json.dumps(saved))
    elif damage == "empty_list":
        first.write_text("[]")
    else:
        (tmp_path / "checkpoints" / "index.json").unlink()
    capsys.readouterr()
    again = run_search(search, SearchCheckpoints(tmp_path / "checkpoints"))
    pd.testing.assert_frame_equal(again, whole)
    err = capsys.readouterr().err
    assert "generation_00000.json" in err and "recomputing" in err


def test_another_run_cannot_take_the_confirmation_folder_during_the_search(tiny, monkeypatch,
                                                                          capsys):
    """`run --overwrite` into the search's confirm/ while the search is
    confirming is refused (exit 2): the search keeps its checkpoints, and confirm/ ends
    holding the search's own confirmation study, not another."""
    from sim.analysis.search import confirm as search_confirm

    out = tiny / "locked_confirm"
    small = Path(__file__).parent / "data" / "small_study.toml"
    tries, real = [], search_confirm.run_study

    def intrude(study, folder, **kw):
        tries.append(main(["run", str(small), "--out", str(folder), "--overwrite", "--runs", "2",
                           "--quiet", "--no-report", "--jobs", "1"]))
        return real(study, folder, **kw)

    monkeypatch.setattr(search_confirm, "run_study", intrude)
    assert main(["search", str(search_file(tiny, name="lockc")), "--out", str(out), "--jobs", "1",
                 "--quiet"]) == 0
    assert tries == [2]
    assert "another run" in capsys.readouterr().err
    ran = json.loads((out / "confirm" / "manifest.json").read_text())
    assert ran["study_name"] == "lockc_confirm" and ran["runs"] == 6


def test_options_files_quote_block_names_that_toml_needs_quoted(tiny, tmp_path):
    """Blocks named "percentile 2013", "phased.v2" and "=now" (a formula to a spreadsheet):
    the written options files read back with tomllib to exactly those names and values, and
    the confirmation study loads with its pairs."""
    from sim.analysis.search.confirm import option_blocks, toml_text, write_options

    cal = (ROOT / "scenarios" / "calibrations.toml").read_text()
    tr = (ROOT / "scenarios" / "transitions.toml").read_text()
    (tmp_path / "cal.toml").write_text(cal.replace("[percentile]", '["percentile 2013"]'))
    (tmp_path / "tr.toml").write_text(tr.replace("[phased]", '["phased.v2"]')
                                      .replace("[immediate]", '["=now"]'))
    study = (tiny / "study.toml").read_text().replace(
        f"{ROOT.as_posix()}/scenarios/calibrations.toml", "cal.toml").replace(
        f"{ROOT.as_posix()}/scenarios/transitions.toml", "tr.toml").replace(
        'calibrations = ["percentile"]',
        'calibrations = ["percentile 2013"]\ntransitions = ["phased.v2", "=now"]').replace(
        'population = "pop.csv"', f'population = "{(tiny / "pop.csv").as_posix()}"')
    (tmp_path / "study.toml").write_text(study)
    path = search_file(tmp_path, name="quoted")
    path.write_text(path.read_text().replace('"percentile"', '"percentile 2013"')
                    .replace('"phased"', '"phased.v2"'))
    search = load_search(path)
    front = pd.DataFrame([{"trial": 3, "transition.max_loss": 0.25, "transition.phases": 2,
                           "transition.protect_critical": True}])
    written = write_options(search, front, tmp_path / "options")
    cals = tomllib.loads((tmp_path / "options" / "calibrations.toml").read_text())
    trs = tomllib.loads((tmp_path / "options" / "transitions.toml").read_text())
    assert set(cals) == {"option_1", "percentile 2013"}
    assert set(trs) == {"option_1", "phased.v2", "=now"}
    assert trs["option_1"]["max_loss"] == 0.25 and trs["option_1"]["phases"] == 2
    confirm = load_study(written)
    assert [p.name for p in confirm.policies] == [
        "status_quo", "status_quo_no_creep", "option_1+option_1", "percentile 2013+phased.v2",
        "percentile 2013+=now"]
    blocks = option_blocks(search, front)
    block = {k: v for k, v in blocks[1]["option_1"].items() if v is not None}
    odd = {"=x y.z": {**block, "description": 'a "quoted"\nline'}}
    assert tomllib.loads(toml_text(odd, "header\n= not a key")) == odd


def test_a_search_too_big_for_the_machine_is_refused_and_the_default_one_fits(
        tiny, monkeypatch, capsys):
    """--trials 100000 --runs 100000: exit 2 with the memory figure before anything is
    written; the shipped search fits 2 GiB of memory and 1 GiB of disk."""
    from sim.analysis.job_size import check_search
    from sim.analysis.search import pipeline as search_pipeline
    from sim.study import resources

    def started(*a, **k):
        raise AssertionError("the search started")
    monkeypatch.setattr(search_pipeline, "execute", started)
    out = tiny / "huge_search"
    assert main(["search", str(search_file(tiny, name="huge")), "--out", str(out), "--trials",
                 "100000", "--runs", "100000", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "100,000 trials x 100,000 replicates" in err and "GiB of memory" in err
    assert not out.exists()
    monkeypatch.setattr(resources, "available_bytes", lambda: 2.0 * 2**30)
    monkeypatch.setattr(resources, "free_disk_bytes", lambda folder: 1.0 * 2**30)
    check_search(load_search(ROOT / "scenarios" / "search_default.toml"), 2, out)


HOSTILE_TEXT = ('Hello <script>alert(1)</script> [click](javascript:alert(1)) '
                '<img src=x onerror=alert(1)>\n# Injected heading\n| a | b |\n```\n=cmd|x')


def test_search_report_shows_hostile_text_as_typed_never_as_markup(tiny, tmp_path):
    """A description and a team name with a script, a javascript: link, an image, a
    heading, a table row and a code fence: rendered as Markdown (CommonMark with
    tables), search_report.md holds no tag, link, image, extra heading or table from them,
    and every word still reads."""
    from markdown_it import MarkdownIt

    from sim.analysis.search.report import md_table, write_report

    path = search_file(tmp_path, name="hostile")
    path.write_text(path.read_text().replace('study = "study.toml"',
                                             f'study = "{(tiny / "study.toml").as_posix()}"')
                    .replace("[search]\n", f"[search]\ndescription = {json.dumps(HOSTILE_TEXT)}\n"))
    search = load_search(path)
    trials = pd.DataFrame({"trial": [0], "feasible": [False], "violation": [0.1],
                           "prob_meet_target": [0.2]})
    text = write_report(search, trials, pd.DataFrame(columns=["role", "on_frontier"]), None)
    text += "\n" + md_table(pd.DataFrame({"group_label": [HOSTILE_TEXT], "count": [3]}))
    html = MarkdownIt("commonmark").enable("table").render(text)
    for bad in ("<script", "<img", "<a ", "<h2", "<pre"):
        assert bad not in html, bad
    assert html.count("<h1>") == 1 and html.count("<table>") == 1
    assert html.count("<tr>") == 2  # the heading row and one row: no row injected
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "# Injected heading" in html


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


FLOOR_AND_CAP = """
[[lever]]
path = "calibration.floor"
low = 0.0
high = 50000.0
[[lever]]
path = "calibration.cap"
low = 30000.0
high = 150000.0
"""


@pytest.mark.parametrize("levers, extra, expected", [
    (LEVERS.replace('path = "transition.max_loss"', 'path = "transition.max_loss"\ntype = "int"')
     .replace("low = 0.0\nhigh = 0.5", "low = 0.05\nhigh = 0.5"), MEETABLE,
     "whole-number ends"),
    (LEVERS + '[[lever]]\npath = "transition.max_loss"\nlow = 0.1\nhigh = 0.2\n', MEETABLE,
     "'transition.max_loss' is already lever[1]"),
    (FLOOR_AND_CAP, MEETABLE, "floor can reach 50000 but the cap can be as low as 30000"),
    (LEVERS, MEETABLE.replace("at_least = 0.5", "at_least = nan"), "constraint"),
    (LEVERS, MEETABLE.replace("at_least = 0.5", "at_least = 1.5"),
     "1.5 is outside [0, 1], every value prob_meet_target can take"),
    (LEVERS, '[[constraint]]\noutput = "share_lose10"\nat_most = -0.1\n', "is outside [0, 1]"),
], ids=["int_on_fractions", "duplicate_path", "floor_above_cap", "nan", "above_1", "below_0"])
def test_validate_refuses_levers_and_constraints_that_would_fail_or_mislead_later(
        tiny, capsys, levers, extra, expected):
    """A fractional range as whole numbers (every trial 0), a lever moved twice (the second
    silently won), a floor range reaching above the cap range, a constraint of nan or beyond
    a probability's range: validate and search exit 2 naming the key, writing nothing."""
    path = search_file(tiny, extra, levers=levers, name="badlever")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and str(path) in err
    out = tiny / "badlever_out"
    assert main(["search", str(path), "--out", str(out)]) == 2
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
    assert re.search(r'data-label="share of existing users losing more than 10%[^"]*">'
                     r'\d+(\.\d)?%<', page)
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


def test_a_search_on_a_dask_cluster_writes_the_local_search_s_bytes(searched, tiny, tmp_path):
    """Trials, front, confirmation: the same files with `--backend dask` on an external
    scheduler (started here) as with one local process."""
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert main(["search", str(search_file(tiny)), "--out", str(out), "--backend", "dask",
                     "--scheduler", cluster.scheduler_address, "--quiet"]) == 0
    names = ["trials.csv", "pareto.csv", "confirmed.csv",
             *sorted(f"confirm/{p.name}" for p in (searched / "confirm").glob("*.csv"))]
    assert len(names) > 5
    assert {n: (out / n).read_bytes() for n in names} == \
        {n: (searched / n).read_bytes() for n in names}


def test_a_search_killed_before_its_first_generation_resumes_not_called_complete(
        tiny, tmp_path, monkeypatch, capsys):
    """Issue 26 item 11: interrupted before any generation finished, --resume runs the search
    (it used to answer "this search is complete, nothing to resume")."""
    from sim.analysis.search import pipeline as search_pipeline

    out = tmp_path / "early"
    path = str(search_file(tiny, name="early"))

    def stopped(*_a, **_k):
        raise KeyboardInterrupt
    real = search_pipeline.run_search
    monkeypatch.setattr(search_pipeline, "run_search", stopped)
    assert main(["search", path, "--out", str(out), "--jobs", "1", "--quiet"]) == 130
    capsys.readouterr()
    monkeypatch.setattr(search_pipeline, "run_search", real)
    assert main(["search", path, "--out", str(out), "--jobs", "1", "--quiet", "--resume"]) == 0
    assert "is complete" not in capsys.readouterr().err
    assert (out / "trials.csv").is_file() and not (out / "checkpoints").exists()

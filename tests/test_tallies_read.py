"""An analysis computes only the EIA tallies it reads (sensitivity and the options search
read one of eight): its figures are exactly those of a run computing every tally, and what
it did not compute can never pass for a figure (NaN, not zero)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import DATA
from test_search import search_file, tiny  # noqa: F401  (the tiny study fixture)

from sim.analysis.search import run as search_run
from sim.analysis.search.file import load_search
from sim.analysis.search.metrics import METRICS, policy_metrics, tallies_read
from sim.analysis.sensitivity.evaluation import TALLIES, Evaluator, headline_policies
from sim.analysis.sensitivity.pipeline import study_uncertainty
from sim.model.aggregates import SNAPSHOTS, YARDSTICKS, wanted_tallies
from sim.study.montecarlo import RunSpec, run, run_replicate
from sim.study.runner import new_results
from sim.study.study_file import load_study

FIRST_CASH = (("first_year", "cash"),)


@pytest.fixture(scope="module")
def small():
    return load_study(DATA / "small_study.toml")


def _spec(st, **kw) -> RunSpec:
    return RunSpec(st.population, st.params, st.policies, st.calibrations, st.n_months,
                   st.go_live, st.snapshot_months, st.spec.seed, reservoir_replicates=0, **kw)


def test_a_replicate_asked_for_one_tally_has_it_exactly_and_nothing_posing_as_the_rest(small):
    full = run_replicate(_spec(small), 3).raw
    one = run_replicate(_spec(small, tallies=FIRST_CASH), 3).raw
    s, y = SNAPSHOTS.index("first_year"), YARDSTICKS.index("cash")
    np.testing.assert_array_equal(one["eia"][s, :, y], full["eia"][s, :, y])
    np.testing.assert_array_equal(one["eia_hist"][s, :, y], full["eia_hist"][s, :, y])
    assert (full["eia"][s, 1:, y, 0, 0] > 0).all()             # people were compared
    others = np.ones(one["eia"].shape[:3], bool)
    others[s, :, y] = False
    assert np.isnan(one["eia"][others]).all() and not one["eia_hist"][others].any()
    for key in ("eia_net", "eia_admit", "disparity"):          # not asked for: not computed
        assert np.isnan(one[key]).all() and not np.isnan(full[key]).all(), key
    for key in ("spend_month_group", "admissions_month", "contributions_month",
                "res_spend_month", "users_month"):             # the finance side is all there
        np.testing.assert_array_equal(one[key], full[key], err_msg=key)


def test_a_tally_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="yardsticks"):
        wanted_tallies((("first_year", "pounds"),))
    assert wanted_tallies(None).all() and not wanted_tallies(()).any()


def test_sensitivity_outputs_are_the_same_computing_only_the_tally_they_read(small):
    u = study_uncertainty(small)
    ev = Evaluator.of(small, u, headline_policies(small), replicates=2, seed=7)
    assert ev.spec.tallies == TALLIES
    every = replace(ev, spec=replace(ev.spec, tallies=None))
    values = u.values_at(np.full(len(u.names), 0.3))
    np.testing.assert_array_equal(ev.evaluate(values), every.evaluate(values))


def test_every_search_output_is_the_same_computing_only_the_tallies_it_reads(tiny):  # noqa: F811
    search = load_search(search_file(tiny, name="tallies"))
    values = [{"transition.max_loss": 0.1, "transition.phases": 2,
               "transition.protect_critical": True},
              {"transition.max_loss": 0.4, "transition.phases": 1,
               "transition.protect_critical": False}]
    study, _ = search_run.stacked_study(search, values, ["a", "b"], runs=3, seed=4)
    names = list(METRICS)

    def metrics(tallies):
        spec = RunSpec(study.population, study.params, study.policies, study.calibrations,
                       study.n_months, study.go_live, study.snapshot_months, 4,
                       reservoir_replicates=0, tallies=tallies)
        results = run(spec, new_results(study), 3, 3, progress=False)
        return policy_metrics(results, names, search.year)

    assert tallies_read(["share_lose10", "largest_rr_lose10"]) == FIRST_CASH
    assert tallies_read(["prob_meet_target", "protection_cost"]) == ()
    got, want = metrics(tallies_read(names)), metrics(None)
    assert got.notna().to_numpy().sum() > len(got)             # figures, not NaN throughout
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())

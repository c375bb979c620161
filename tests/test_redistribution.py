"""Go-live redistribution (gainers, losers, gross £ each way, net before any transition) and
the transition scenarios as stated assumptions, from the study to the report."""
from __future__ import annotations

import pandas as pd
import pytest
from built_report import built
from conftest import DATA

from sim.study.runner import new_results
from sim.study.study_file import load_study


@pytest.fixture(scope="module")
def study():
    return load_study(DATA / "small_study.toml")


def test_redistribution_adds_up_to_each_calibrations_fitted_totals(study):
    rows = new_results(study).meta["redistribution"]
    assert [r["calibration"] for r in rows] == list(study.calibrations)
    for r in rows:
        est = study.calibrations[r["calibration"]]
        assert r["gaining"] > 0 and r["losing"] > 0
        assert r["gaining"] + r["losing"] <= r["people"] == len(study.population)
        assert r["gross_gained_budget"] - r["gross_lost_budget"] == pytest.approx(r["net_budget"])
        assert r["gross_gained_cash"] - r["gross_lost_cash"] == pytest.approx(r["net_cash"])
        # the calibration met its target in expected cash: the net is allocated - current
        assert r["net_cash"] == pytest.approx(est.allocated_total_ - est.current_total_, rel=1e-9,
                                              abs=0.01)
        # the budgets view: the indicative total minus what the population file says today
        current = float(study.population.annual_budget.sum())
        assert r["net_budget"] == pytest.approx(
            est.allocate(study.population.ras_points, client_group=study.population.client_group
                         ).sum() - current)


def test_transition_parameters_are_recorded_for_the_report(study):
    params = new_results(study).meta["transition_parameters"]
    assert list(params) == list(study.transitions)
    for name, t in study.transitions.items():
        assert params[name]["phases"] == t.phases
        assert params[name]["phase_gains"] == t.phase_gains
        assert params[name]["protect_years"] == t.protect_years


def test_report_has_the_transitions_table_and_the_redistribution_section():
    folder, _ = built()
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "id='transitions'" in page and "The transition scenarios compared" in page
    assert "protect years" in page and "phase gains" in page
    assert "id='redistribution'" in page and "Go-live redistribution" in page
    for amount in ("£123k", "-£333k", "-£290k"):
        assert amount in page
    table = pd.read_csv(folder / "redistribution.csv")
    assert table.loc[0, "gaining"] == 60 and table.loc[0, "net_budget"] == -333_000.0
    tr = pd.read_csv(folder / "transitions.csv")
    assert list(tr["transition"]) == ["immediate", "phased"]
    assert tr.set_index("transition").loc["phased", "protect_years"] == 2.0
    # protection settings are blank where there is no protection to qualify
    assert pd.isna(tr.set_index("transition").loc["immediate", "protect_years"])

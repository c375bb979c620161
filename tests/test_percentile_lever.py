"""The percentile is the percentile model's lever: it is solved to meet the target, reported,
and changes the results; uniform rescaling stays available as lever = "scale"."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.policy.calibration import CALIBRATIONS, make_calibration

# two bands of four people (band 0-10 and band 10-20, the last person lifted to band 1's level)
PTS = np.array([5, 6, 7, 8, 15, 16, 17, 25.0])
COST = np.array([100, 200, 300, 400, 1000, 3000, 2000, 500.0])


def cash_share(population):
    return np.where(population.pb_type == 1, 0.92, 1.0)


def test_the_percentile_is_solved_by_hand():
    # At percentile q: band 0 funds 100 + 3q (four people), band 1 funds 1000 + 20q (three
    # people, and the person at 25 points is lifted to it): total 4,400 + 92q.
    m = make_calibration("percentile", bands=[0, 10, 20]).fit(PTS, COST)
    assert m.percentile_ == pytest.approx(3100 / 92)          # cost neutral: £7,500
    assert m.scale_ == 1.0
    saving = make_calibration("percentile", bands=[0, 10, 20], target="savings", savings=1000.0)
    assert saving.fit(PTS, COST).percentile_ == pytest.approx(2100 / 92)  # £6,500
    np.testing.assert_allclose(saving.band_amounts_, [100 + 3 * 2100 / 92,
                                                      1000 + 20 * 2100 / 92,
                                                      1000 + 20 * 2100 / 92])


def test_the_solved_percentile_meets_a_cash_target_to_the_penny(population):
    share = cash_share(population)
    m = make_calibration("percentile", target="savings", savings=776_000.0, floor=780.0)
    m.fit(population.ras_points, population.annual_budget, cash_share=share)
    budgets = m.allocate(population.ras_points)
    assert population.annual_budget @ share - budgets @ share == pytest.approx(776_000.0, abs=0.01)
    assert m.scale_ == 1.0 and 0.0 < m.percentile_ < 100.0
    # each band is funded at exactly its own percentile of current cost: nothing is rescaled
    band = np.searchsorted(m.band_edges_, population.ras_points, side="right") - 1
    b = int(np.argmax(m.band_counts_))
    assert m.band_percentiles_[b] == pytest.approx(
        np.percentile(population.annual_budget[band == b], m.percentile_))
    summary = m.fitted_summary()
    assert (summary["lever"], summary["lever_value"]) == ("percentile", m.percentile_)


def test_a_higher_savings_target_gives_a_lower_percentile(population):
    solved = []
    for savings in (0.0, 500_000.0, 776_000.0, 1_000_000.0):
        m = make_calibration("percentile", target="savings", savings=savings, floor=780.0)
        m.fit(population.ras_points, population.annual_budget, cash_share=cash_share(population))
        solved.append(m.percentile_)
    assert solved == sorted(solved, reverse=True) and len(set(solved)) == 4


def test_lever_scale_rescales_the_given_percentile_uniformly():
    m = make_calibration("percentile", bands=[0, 10, 20], lever="scale").fit(PTS, COST)
    np.testing.assert_allclose(m.band_amounts_, [250.0, 2000.0, 2000.0])  # medians, unscaled
    assert m.scale_ == pytest.approx(7500 / 9000)           # 4 x 250 + 4 x 2,000 = 9,000
    assert m.percentile_ == 50.0
    np.testing.assert_allclose(m.allocate(PTS).sum(), 7500.0)
    assert m.fitted_summary()["lever"] == "scale"
    assert m.fitted_summary()["lever_value"] == pytest.approx(7500 / 9000)


def test_a_target_no_percentile_reaches_is_refused_with_the_alternative():
    # one person per band: every percentile funds exactly today's cost, never £600 less
    m = make_calibration("percentile", target="savings", savings=600.0)
    with pytest.raises(ValueError, match=r"any percentile in \[0, 100\].*lever = 'scale'"):
        m.fit(np.array([10.0, 20.0, 30.0]), np.array([1000.0, 3000.0, 2000.0]))
    # the scale lever can: bands fund 1,000, 3,000 and 3,000 (monotone), £5,400 / £7,000
    scaled = make_calibration("percentile", target="savings", savings=600.0, lever="scale")
    assert scaled.fit(np.array([10.0, 20.0, 30.0]), np.array([1000.0, 3000.0, 2000.0])).scale_ \
        == pytest.approx(5400 / 7000)


def test_every_calibration_names_its_lever_and_value(population):
    for kind in CALIBRATIONS:
        m = make_calibration(kind, target="cost_neutral", floor=780.0)
        m.fit(population.ras_points, population.annual_budget,
              client_group=population.client_group)
        summary = m.fitted_summary()
        expected = ("percentile", m.percentile_) if kind == "percentile" else ("scale", m.scale_)
        assert (summary["lever"], summary["lever_value"]) == expected, kind
    with pytest.raises(ValueError, match="did you mean 'percentile'"):
        make_calibration("percentile", lever="percentil")


cohorts = st.integers(min_value=3, max_value=60).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 240).map(lambda k: k / 2), min_size=n, max_size=n),
    st.lists(st.floats(1, 100_000), min_size=n, max_size=n),
))


@settings(max_examples=30, deadline=None)
@given(cohorts, st.floats(0.0, 0.9), st.floats(-0.3, 0.3))
def test_the_percentile_meets_any_reachable_target_and_says_when_none_does(cohort, floor_share,
                                                                           change):
    pts, cost = (np.array(x, dtype=float) for x in cohort)
    assume(pts.sum() >= 1.0)
    floor = floor_share * cost.min()
    savings = change * cost.sum()
    m = make_calibration("percentile", target="savings", savings=savings, floor=floor)
    try:
        m.fit(pts, cost)
    except ValueError as err:
        ends = [make_calibration("percentile", target="none", floor=floor, percentile=q)
                .fit(pts, cost).allocate(pts).sum() for q in (0.0, 100.0)]
        goal = cost.sum() - savings
        assert "lever = 'scale'" in str(err) or goal <= 0
        assert not ends[0] - 0.005 <= goal <= ends[1] + 0.005
        return
    assert m.allocate(pts).sum() == pytest.approx(cost.sum() - savings, abs=0.01)
    assert m.scale_ == 1.0


# ---- a study sweeping the percentile --------------------------------------------------------
SWEEP = """
[p30]
kind = "percentile"
target = "none"
percentile = 30.0

[p50]
kind = "percentile"
target = "none"
percentile = 50.0

[p70]
kind = "percentile"
target = "none"
percentile = 70.0

[solved]
kind = "percentile"
target = "savings"
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    (tmp / "calibrations.toml").write_text(SWEEP)
    text = (ROOT / "tests" / "data" / "small_study.toml").read_text()
    text = (text.replace('"../../', f'"{ROOT.as_posix()}/')
            .replace(f'"{ROOT.as_posix()}/scenarios/calibrations.toml"', '"calibrations.toml"')
            .replace('calibrations = ["price_per_point", "percentile"]',
                     'calibrations = ["p30", "p50", "p70", "solved"]')
            .replace('transitions = ["immediate", "phased"]', 'transitions = ["immediate"]')
            .replace("runs = 6", "runs = 4"))
    (tmp / "study.toml").write_text(text)
    out = tmp / "out"
    assert main(["run", str(tmp / "study.toml"), "--out", str(out), "--quiet", "--no-report",
                 "--jobs", "1"]) == 0
    fitted = json.loads((out / "manifest.json").read_text())["calibrations_fitted"]
    return pd.read_csv(out / "target.csv", keep_default_na=False, na_values=[""]), fitted


def test_sweeping_the_percentile_changes_the_results(sweep):
    table, fitted = sweep
    totals = [fitted[c]["allocated_total"] for c in ("p30", "p50", "p70")]
    assert totals == sorted(totals) and len(set(totals)) == 3
    assert all(fitted[c]["scale"] == 1.0 for c in ("p30", "p50", "p70"))
    year = table[table.financial_year == "2013/14"].set_index("calibration")
    saved = year.loc[["p30", "p50", "p70"], "savings_mean"]
    # a lower percentile funds less, so saves more: distinct and ordered
    assert saved["p30"] > saved["p50"] > saved["p70"]
    assert (year.loc[["p30", "p50", "p70"], "fitted_lever_value"] == [30.0, 50.0, 70.0]).all()


def test_the_solved_percentile_is_reported_in_target_csv(sweep):
    table, fitted = sweep
    rows = table[table.calibration == "solved"]
    assert set(rows.fitted_lever) == {"percentile"}
    assert set(rows.fitted_lever_value) == {fitted["solved"]["lever_value"]}
    # funding every band at its median costs less than today, so the £776k saving is met
    # above the median
    assert 50.0 < fitted["solved"]["lever_value"] < 100.0
    assert fitted["solved"]["target_total"] == pytest.approx(fitted["solved"]["allocated_total"])
    base = table[table.calibration == "status_quo"]
    assert base.fitted_lever.isna().all() and base.fitted_lever_value.isna().all()

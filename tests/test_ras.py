"""Calibration models: exact hand-computed cases, monotonicity, targets met to the penny."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.ras import CALIBRATIONS, make_calibration

POINTS = np.array([10.0, 20.0, 30.0])
COST = np.array([1000.0, 3000.0, 2000.0])


def test_price_per_point_three_people():
    m = make_calibration("price_per_point", target="none").fit(POINTS, COST)
    assert m.price_ == pytest.approx(100.0)  # £6,000 / 60 points
    np.testing.assert_allclose(m.allocate(POINTS), [1000.0, 2000.0, 3000.0])
    neutral = make_calibration("price_per_point").fit(POINTS, COST)
    assert neutral.allocate(POINTS).sum() == pytest.approx(6000.0, abs=0.01)
    saving = make_calibration("price_per_point", target="savings", savings=600.0).fit(POINTS, COST)
    assert saving.price_ * saving.scale_ == pytest.approx(90.0)  # £5,400 / 60 points
    np.testing.assert_allclose(saving.allocate(POINTS), [900.0, 1800.0, 2700.0])


def test_percentile_bands_known_by_hand():
    points = np.array([5, 6, 7, 8, 15, 16, 17, 25.0])
    cost = np.array([100, 200, 300, 400, 1000, 3000, 2000, 500.0])
    m = make_calibration("percentile", bands=[0, 10, 20], percentile=50, target="none")
    m.fit(points, cost)
    # band 0-10: median of 100..400 = 250; 10-20: median of 1000, 2000, 3000 = 2000;
    # 20+: 500, lifted to 2000 by monotonicity
    np.testing.assert_allclose(m.band_amounts_, [250.0, 2000.0, 2000.0])
    np.testing.assert_allclose(m.allocate(np.array([0, 9.9, 10, 40])), [250, 250, 2000, 2000])
    p75 = make_calibration("percentile", bands=[0, 10, 20], percentile=75, target="none")
    assert p75.fit(points, cost).band_amounts_[0] == pytest.approx(325.0)  # linear interpolation


def test_percentile_empty_band_takes_nearest():
    m = make_calibration("percentile", bands=[0, 10, 20, 30], target="none")
    m.fit(np.array([5.0, 35.0]), np.array([100.0, 900.0]))
    np.testing.assert_allclose(m.band_amounts_, [100.0, 100.0, 900.0, 900.0])
    assert list(m.band_counts_) == [1, 0, 0, 1]


def test_regressions_recover_an_exact_line():
    x = np.arange(1.0, 40.0)
    y = 500.0 + 200.0 * x
    for form in ("linear", "median"):
        m = make_calibration("regression", form=form, target="none").fit(x, y)
        np.testing.assert_allclose(m.coef_, [500.0, 200.0], rtol=1e-6)
    y_out = y.copy()
    y_out[5] = 1e7  # one huge outlier moves OLS, not the median line
    med = make_calibration("regression", form="median", target="none").fit(x, y_out)
    np.testing.assert_allclose(med.coef_, [500.0, 200.0], rtol=1e-6)
    with pytest.warns(UserWarning, match="negative"):  # the outlier drags the OLS slope below 0
        ols = make_calibration("regression", form="linear", target="none").fit(x, y_out)
    assert ols.coef_[1] == 0.0


def test_loglinear_with_smearing_fits_a_power_law():
    x = np.arange(1.0, 60.0)
    y = np.exp(3.0 + 1.5 * np.log1p(x))
    m = make_calibration("regression", form="loglinear", target="none").fit(x, y)
    np.testing.assert_allclose(m.coef_, [3.0, 1.5], rtol=1e-9)
    assert m.smearing_ == pytest.approx(1.0)


def test_group_price_per_point():
    group = np.array([0, 0, 3])
    m = make_calibration("group_price_per_point", target="none").fit(POINTS, COST, client_group=group)
    assert m.prices_[0] == pytest.approx(4000.0 / 30.0)
    assert m.prices_[3] == pytest.approx(2000.0 / 30.0)
    assert m.prices_[1] == pytest.approx(100.0)  # absent group: overall price


def test_floor_and_cap_with_exceptions():
    m = make_calibration("price_per_point", target="none", floor=1500.0, cap=2500.0,
                         cap_exception_share=0.5).fit(POINTS, COST)
    np.testing.assert_allclose(m.allocate(POINTS), [1500.0, 2000.0, 2750.0])


@pytest.mark.parametrize("kind,extra", [
    ("price_per_point", {}), ("percentile", {}), ("regression", {"form": "linear"}),
    ("regression", {"form": "loglinear"}), ("regression", {"form": "median"}),
    ("group_price_per_point", {}),
])
@pytest.mark.parametrize("target", ["cost_neutral", "savings"])
def test_target_total_to_the_penny_with_floor_and_cap(population, kind, extra, target):
    m = make_calibration(kind, target=target, savings=776_000.0, floor=800.0, cap=60_000.0,
                         cap_exception_share=0.3, **extra)
    m.fit(population.ras_points, population.annual_budget, client_group=population.client_group)
    total = m.allocate(population.ras_points, client_group=population.client_group).sum()
    goal = population.annual_budget.sum() - (776_000.0 if target == "savings" else 0.0)
    assert total == pytest.approx(goal, abs=0.01)


cohorts = st.integers(min_value=3, max_value=60).flatmap(lambda n: st.tuples(
    st.lists(st.floats(0, 120), min_size=n, max_size=n),
    st.lists(st.floats(1, 100_000), min_size=n, max_size=n),
    st.lists(st.integers(0, 3), min_size=n, max_size=n),
))


@settings(max_examples=40, deadline=None)
@given(cohorts)
def test_more_points_never_means_less_money(cohort):
    pts, cost, grp = (np.array(x) for x in cohort)
    if pts.sum() <= 0:
        return
    grid = np.linspace(0, 150, 301)
    for kind, extra in [("price_per_point", {}), ("percentile", {}), ("regression", {}),
                        ("regression", {"form": "median"}), ("regression", {"form": "loglinear"})]:
        m = make_calibration(kind, target="none", **extra)
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.fit(pts, cost, client_group=grp)
        alloc = m.allocate(grid)
        assert np.all(np.diff(alloc) >= -1e-9), kind
    g = make_calibration("group_price_per_point", target="none").fit(pts, cost, client_group=grp)
    for k in range(4):
        assert np.all(np.diff(g.allocate(grid, client_group=np.full(301, k))) >= -1e-9)


def test_bad_parameters_and_names_are_refused_clearly():
    with pytest.raises(ValueError, match="percentile"):
        make_calibration("percentile", percentile=150).fit(POINTS, COST)
    with pytest.raises(ValueError, match="did you mean 'percentile'"):
        make_calibration("percentil")
    with pytest.raises(ValueError, match="did you mean 'floor'"):
        make_calibration("price_per_point", flor=100)
    with pytest.raises(ValueError, match="cap"):
        make_calibration("price_per_point", cap=-5).fit(POINTS, COST)
    with pytest.raises(RuntimeError, match="not fitted"):
        make_calibration("price_per_point").allocate(POINTS)
    with pytest.raises(ValueError, match="floor"):
        make_calibration("price_per_point", floor=5000.0).fit(POINTS, COST)


def test_every_kind_is_registered_and_has_a_readable_repr():
    for kind, cls in CALIBRATIONS.items():
        m = make_calibration(kind)
        assert isinstance(m, cls)
        assert repr(m).startswith(cls.__name__)

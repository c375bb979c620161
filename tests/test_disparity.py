"""The younger/older disparity at equal need: one rule, for the baseline check and the EIA."""
from __future__ import annotations

import numpy as np
import pytest

from sim.inputs import disparity
from sim.inputs.disparity import younger_older_ratio


def people(*bands):
    """Columns (points, age, allocation) for (points, younger per point, older per point, k)
    bands, k = people on each side or (younger, older) counts."""
    pts, age, alloc = [], [], []
    for p, young, old, k in bands:
        ky, ko = (k, k) if np.isscalar(k) else k
        pts += [p] * (ky + ko)
        age += [40.0] * ky + [80.0] * ko
        alloc += [young * p] * ky + [old * p] * ko
    return np.array(pts, float), np.array(age), np.array(alloc)[None, :]


def test_band_ratios_are_averaged_on_the_log_scale_weighted_by_the_smaller_group():
    pts, age, alloc = people((15, 20.0, 10.0, 5), (25, 30.0, 10.0, 5))
    r = younger_older_ratio(alloc, pts, age, np.ones_like(alloc, bool))
    assert r == pytest.approx([np.sqrt(2.0 * 3.0)])


def test_bands_with_too_few_on_either_side_are_skipped():
    k = disparity.MIN_CELL - 1
    pts, age, alloc = people((15, 20.0, 10.0, 5), (45, 99.0, 1.0, k))
    r = younger_older_ratio(alloc, pts, age, np.ones_like(alloc, bool))
    assert r == pytest.approx([2.0])


def test_a_different_mix_of_needs_is_not_a_disparity():
    # the price per point falls with need, alike for both; younger people mostly have high need
    pts, age, alloc = people((15, 10.0, 10.0, (5, 20)), (35, 5.0, 5.0, (20, 5)))
    assert younger_older_ratio(alloc, pts, age, np.ones_like(alloc, bool)) == pytest.approx([1.0])


def test_each_row_counts_only_its_valid_people_and_is_nan_without_a_usable_band():
    pts, age, alloc = people((15, 20.0, 10.0, 5))
    two = np.vstack([alloc, alloc])
    valid = np.ones_like(two, bool)
    valid[1, :3] = False  # row 1 keeps only 2 younger people
    r = younger_older_ratio(two, pts, age, valid)
    assert r[0] == pytest.approx(2.0) and np.isnan(r[1])


def test_the_synthetic_baseline_check_uses_the_same_rule(population):
    from sim.inputs.synthetic import check_targets

    row = next(r for r in check_targets(population) if r["target"].startswith("cost per point"))
    everyone = np.ones((1, len(population)), bool)
    expected = younger_older_ratio(population.annual_budget[None, :], population.ras_points,
                                   population.age, everyone)[0]
    assert row["actual"] == round(expected, 3) and row["ok"]

"""The compact bincounts behind the EIA tallies count exactly what a plain loop counts."""
from __future__ import annotations

import numpy as np

from sim.model.reductions import _change_class, _group_counts


def test_group_counts_match_a_loop_over_people_and_groups():
    rng = np.random.default_rng(1)
    P, n, Z = 3, 200, 7
    keys = rng.integers(0, Z, (P, n))
    sizes = (1, 2, 4)                                    # 'all', then two characteristics
    groups, offset = [], 0
    for G in sizes:
        groups.append((offset, rng.integers(0, G, n), G))
        offset += G
    got = _group_counts(keys, Z, groups, offset)
    want = np.zeros((P, offset, Z), np.int64)
    for o, code, _ in groups:
        for p in range(P):
            for i in range(n):
                want[p, o + code[i], keys[p, i]] += 1
    np.testing.assert_array_equal(got, want)


def test_change_class_sets_one_bit_per_count_and_nothing_for_people_not_compared():
    pct = np.array([[-0.30, -0.07, 0.0, 0.01, 0.0]])
    valid = np.array([[True, True, True, True, False]])
    # bit 0 compared; 1 lose 5%; 2 lose 10%; 3 lose 25%; 4 gain
    np.testing.assert_array_equal(_change_class(pct, valid), [[0b1111, 0b0011, 0b1, 0b10001, 0]])


def test_group_counts_over_the_counted_pairs_only_match_a_loop():
    """A (policy, person) pair not counted (not compared under that policy) counts nowhere."""
    rng = np.random.default_rng(2)
    P, n, Z = 4, 150, 5
    keys = rng.integers(0, Z, (P, n))
    counted = rng.random((P, n)) < 0.4
    groups = [(0, np.zeros(n, np.int64), 1), (1, rng.integers(0, 3, n), 3)]
    got = _group_counts(keys, Z, groups, 4, counted)
    want = np.zeros((P, 4, Z), np.int64)
    for o, code, _ in groups:
        for p in range(P):
            for i in range(n):
                if counted[p, i]:
                    want[p, o + code[i], keys[p, i]] += 1
    np.testing.assert_array_equal(got, want)
    assert got.sum() == 2 * counted.sum() < 2 * P * n

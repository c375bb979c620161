"""The compact bincounts behind the EIA tallies count exactly what a plain loop counts, and
the loss counts read off the histogram agree with comparing each change to its threshold,
at the thresholds themselves too."""
from __future__ import annotations

import numpy as np

from sim.model import reductions
from sim.model.aggregates import PCT_EDGES
from sim.model.reductions import (
    _COUNTS,
    _H,
    _TALLIED,
    _columns,
    _group_hist,
    _tallied,
    pct_bins,
)


def _groups(rng, n, sizes):
    groups, offset = [], 0
    for G in sizes:
        groups.append((offset, rng.integers(0, G, n) if G > 1 else np.zeros(n, np.int64), G))
        offset += G
    return groups, offset


def test_group_hist_over_the_counted_pairs_matches_a_loop():
    """A (policy, person) pair not counted (not compared under that policy) counts nowhere."""
    rng = np.random.default_rng(2)
    P, n, Z = 4, 150, 5
    keys = rng.integers(0, Z, (P, n))
    counted = rng.random((P, n)) < 0.4
    groups, J = _groups(rng, n, (1, 3, 2))
    p, i = np.nonzero(counted)
    got = _group_hist(_columns(groups, P, Z), i, p, keys[p, i], Z, P, J)
    want = np.zeros((P, J, Z), np.int64)
    for o, code, _ in groups:
        for q in range(P):
            for k in range(n):
                if counted[q, k]:
                    want[q, o + code[k], keys[q, k]] += 1
    np.testing.assert_array_equal(got, want)
    assert got.sum() == 3 * counted.sum() < 3 * P * n


def test_loss_counts_read_off_the_histogram_equal_comparing_each_change(monkeypatch):
    """Changes on and either side of every threshold (-25%, -10%, -5%, +0.5%) and bin edge:
    each count equals a loop applying its comparison; only the pairs of the one bin a
    threshold cuts are compared one by one (none for the thresholds on a bin edge)."""
    rng = np.random.default_rng(3)
    edges = [edge for _, _, edge in _COUNTS] + list(PCT_EDGES[::7])
    pct_pool = np.concatenate([edges, np.nextafter(edges, -1), np.nextafter(edges, 1),
                               rng.uniform(-1.2, 1.2, 300)])
    P, n = 3, len(pct_pool)
    pct = np.stack([rng.permutation(pct_pool) for _ in range(P)])
    counted = rng.random((P, n)) < 0.8
    groups, J = _groups(rng, n, (1, 4))
    p, i = np.nonzero(counted)
    hist = _group_hist(_columns(groups, P, _H), i, p, pct_bins(pct[p, i]), _H, P, J)
    compared = []
    real = reductions._group_hist

    def counting(cols, people, *args):
        compared.append(len(people))
        return real(cols, people, *args)

    monkeypatch.setattr(reductions, "_group_hist", counting)
    bins = pct_bins(pct[p, i])
    got = _tallied(hist, pct[p, i], bins, i, p, _columns(groups, P, 1))
    cut_bin = np.searchsorted(PCT_EDGES, 0.005, side="right")
    assert compared[:3] == [0, 0, 0] and 0 < compared[3] <= np.sum(bins == cut_bin)
    for t, name in enumerate(_TALLIED):
        op, edge = ((None, None) if name == "n" else
                    next((o, e) for nm, o, e in _COUNTS if nm == name))
        want = np.zeros((P, J), np.int64)
        for o, code, _ in groups:
            for q in range(P):
                for k in range(n):
                    if counted[q, k] and (op is None or op(pct[q, k], edge)):
                        want[q, o + code[k]] += 1
        np.testing.assert_array_equal(got[..., t], want, err_msg=name)


def test_a_characteristic_all_the_counted_share_is_copied_from_everyone_not_counted():
    """When only existing users are compared, every counted person is in one cohort group:
    that group's histogram is everyone's (not counted pair by pair), the other group's is
    empty, and every other group still matches a loop; so do the threshold counts."""
    rng = np.random.default_rng(4)
    P, n = 3, 200
    groups, J = _groups(rng, n, (1, 2, 4, 3))
    cohort = groups[1][1]
    counted = (rng.random((P, n)) < 0.7) & (cohort == 0)[None, :]
    pct = rng.uniform(-0.6, 0.6, (P, n))
    p, i = np.nonzero(counted)
    cols = _columns(groups, 1, 1)
    how = reductions.layout(cols, groups, np.flatnonzero(counted.any(axis=0)))
    assert list(how.counted) == [2, 3] and how.fixed == (0, 1) and how.span == (3, 7)
    bins = pct_bins(pct[p, i])
    got = _group_hist(_columns(groups, P, _H), i, p, bins, _H, P, J, how)
    want = np.zeros((P, J, _H), np.int64)
    for (q, k), b in zip(zip(p, i), bins):
        for o, code, _ in groups:
            want[q, o + code[k], b] += 1
    np.testing.assert_array_equal(got, want)
    assert not got[:, 2].any() and (got[:, 1] == got[:, 0]).all()
    np.testing.assert_array_equal(
        _tallied(got, pct[p, i], bins, i, p, _columns(groups, P, 1), how),
        _tallied(got, pct[p, i], bins, i, p, _columns(groups, P, 1)))


def test_with_nobody_or_one_person_counted_the_layout_counts_everything():
    groups, _ = _groups(np.random.default_rng(5), 5, (1, 2, 3))
    cols = _columns(groups, 1, 1)
    for people in (np.array([], np.int64), np.array([3])):
        how = reductions.layout(cols, groups, people)
        assert list(how.counted) == [0, 1, 2] and how.span is None

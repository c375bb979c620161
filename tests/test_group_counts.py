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

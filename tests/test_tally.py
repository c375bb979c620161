"""Per-replicate EIA tallies agree with a plain recount from the person-level records."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA

from sim.model.aggregates import EIA_STATS, PCT_EDGES, YARDSTICKS, eia_groups
from sim.study.montecarlo import RunSpec, run_replicate
from sim.study.study_file import load_study


@pytest.fixture(scope="module")
def replicate():
    st = load_study(DATA / "small_study.toml")
    spec = RunSpec(st.population, st.params, st.policies, st.calibrations, st.n_months,
                   st.go_live, st.snapshot_months, st.spec.seed, reservoir_replicates=1)
    return st, run_replicate(spec, 0)


def _yardsticks(p, s: int, pol: int):
    """(before, after, compared) of each yardstick (aggregates.YARDSTICKS), recomputed from
    the person records: own budget just before go-live in cash and real terms, the status
    quo's budget for existing users, and for new users."""
    before = p["before"][s].astype(float)
    ok = p["valid"][s, pol]
    after = p["after"][s, pol].astype(float)
    pre, ratio = p["pre_go_live"].astype(float), float(p["price_ratio"][s])
    existing = p["cohort"] == 0
    own = ok & existing & (pre > 0)
    return [(pre, after * ratio, own), (pre, after, own), (before, after, ok & existing),
            (before, after, ok & ~existing)]


def test_group_tallies_match_a_recount(replicate):
    st, r = replicate
    p = r.persons
    cols = eia_groups(st.population.teams)
    stat = {k: i for i, k in enumerate(EIA_STATS)}
    from sim.inputs.categories import CATEGORIES
    from sim.model.reductions import PCT_DECIMALS
    for s in range(2):
        for pol in range(len(st.policies)):
            for y, (before, after, ok) in enumerate(_yardsticks(p, s, pol)):
                pct = np.where(ok, (after - before) / np.where(before > 0, before, 1), 0)
                pct = np.round(pct, PCT_DECIMALS)
                for j, (char, code) in enumerate(cols):
                    if char == "all":
                        member = np.ones(len(before), bool)
                    elif char == "team":
                        member = p["team"] == st.population.teams.index(code)
                    else:
                        member = p[char] == CATEGORIES[char].code_of(code)
                    sel = ok & member
                    row = r.raw["eia"][s, pol, y, j]
                    assert row[stat["n"]] == sel.sum()
                    assert row[stat["n_lose10"]] == (sel & (pct < -0.10)).sum()
                    assert row[stat["n_gain"]] == (sel & (pct > 0.005)).sum()
                    if y:     # cash is in £ of the day; the records hold base prices
                        assert row[stat["sum_after"]] == pytest.approx(after[sel].sum(), rel=1e-6)
                        assert row[stat["sum_lost"]] == pytest.approx(
                            np.maximum(before - after, 0)[sel].sum(), rel=1e-5, abs=1e-2)
                    hist = np.bincount(np.searchsorted(PCT_EDGES, pct[sel], side="right"),
                                       minlength=len(PCT_EDGES) + 1)
                    # the recount's arithmetic (float32 price ratio) may round a change lying
                    # on a 0.01% step the other way: only such people may change band
                    near = (np.abs(pct[sel][:, None] - PCT_EDGES[None, :]) <= 1e-4).sum()
                    diff = r.raw["eia_hist"][s, pol, y, j] - hist
                    assert diff.sum() == 0 and np.abs(diff).sum() <= 2 * near, (s, pol, y, j)


def test_baseline_has_no_change_and_policies_do(replicate):
    _, r = replicate
    stat = {k: i for i, k in enumerate(EIA_STATS)}
    sq = YARDSTICKS.index("status_quo")
    assert r.raw["eia"][:, 0, sq, :, stat["sum_change"]].max() == 0  # status quo against itself
    assert np.abs(r.raw["eia"][:, 1:, sq, 0, stat["sum_change"]]).min() > 0
    # disparity before (baseline) is the same for every policy; after differs by policy
    np.testing.assert_array_equal(r.raw["disparity"][:, :, 0], r.raw["disparity"][:, :1, 0].repeat(
        r.raw["disparity"].shape[1], axis=1))
    assert r.raw["disparity"][1, 0, 1] > 1.0  # seed: younger people get more at equal need


def test_percentage_bins_are_exactly_a_search_of_the_edges():
    from sim.model.aggregates import PCT_EDGES
    from sim.model.reductions import pct_bins

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-1.5, 1.5, 100_000), rng.uniform(-1e6, 1e6, 100),
                        PCT_EDGES, np.nextafter(PCT_EDGES, -2), np.nextafter(PCT_EDGES, 2)])
    np.testing.assert_array_equal(pct_bins(x), np.searchsorted(PCT_EDGES, x, side="right"))


def test_eia_columns_and_person_records_follow_the_one_list_of_characteristics(replicate):
    from sim.inputs.categories import EIA_CHARACTERISTICS

    st, r = replicate
    chars = list(dict.fromkeys(c for c, _ in eia_groups(st.population.teams)))
    assert chars == ["all", *EIA_CHARACTERISTICS]
    assert list(r.persons)[:len(EIA_CHARACTERISTICS)] == list(EIA_CHARACTERISTICS)

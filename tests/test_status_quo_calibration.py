"""The status quo is calibrated to the seed: community spend rises about £7.3m over three
years (March 2012 report, 4.5), users grow at the planning assumption."""
from __future__ import annotations

import numpy as np
import pytest

from sim.paths import DEFAULT_STUDY
from sim.study.montecarlo import RunSpec, run_replicate
from sim.study.study_file import load_study


@pytest.fixture(scope="module")
def status_quo():
    st = load_study(DEFAULT_STUDY)
    pols = st.policies[:1]
    spec = RunSpec(population=st.population, params=st.params, policies=pols,
                   calibrations=st.calibrations, n_months=st.n_months, go_live=st.go_live,
                   snapshots=st.snapshot_months, seed=11, reservoir_replicates=0)
    return st, [run_replicate(spec, r) for r in range(12)]


def test_status_quo_community_spend_rises_about_7_3m_over_three_years(status_quo):
    st, reps = status_quo
    fy = st.financial_years
    start, end = fy.index("2012/13"), fy.index("2015/16")
    month_fy = np.asarray(st.month_fy)
    rise = [r.raw["spend_month_group"][0, month_fy == end, 0].sum()
            - r.raw["spend_month_group"][0, month_fy == start, 0].sum() for r in reps]
    assert 6.0e6 < np.mean(rise) < 8.5e6, np.mean(rise)


def test_status_quo_users_grow_at_the_planning_assumption(status_quo):
    st, reps = status_quo
    users = np.mean([r.raw["users_month"][0].sum(axis=-1) for r in reps], axis=0)  # (T,)
    years = (len(users) - 13) / 12
    growth = (users[-1] / users[12]) ** (1 / years) - 1
    assert growth == pytest.approx(st.params.demand.net_growth_per_year, abs=0.005)

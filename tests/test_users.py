"""users.csv: people in the community per policy, year, client group and PB type."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from results_fixture import POLICIES, constructed

from sim.inputs.categories import CLIENT_GROUP, PB_TYPE
from sim.model.aggregates import AGGREGATES, USER_CELLS, FiscalYears
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.reductions import replicate_result
from sim.model.world import simulate
from sim.outputs.users import YEAR_ROW
from sim.outputs.write import write_outputs
from sim.policy.policy import Policy
from sim.policy.transition import Transition


@pytest.fixture(scope="module")
def users_csv(tmp_path_factory):
    res = constructed()
    rng = np.random.default_rng(3)
    R, P, F, U = res.users_fy.shape
    res.users_fy = rng.integers(50, 150, (R, P, F, U)).astype(float)
    folder = tmp_path_factory.mktemp("results")
    res.save(folder)
    write_outputs(folder, report=False)
    return res, pd.read_csv(folder / "users.csv", keep_default_na=False)


def test_users_csv_has_a_row_per_policy_year_client_group_and_pb_type(users_csv):
    res, df = users_csv
    years = df[df["month"] == YEAR_ROW]
    assert years["policy"].nunique() == len(POLICIES)   # names as written (formulas inert)
    for name in years["policy"].unique():
        mine = years[years["policy"] == name]
        assert set(mine["financial_year"]) == set(res.financial_years)
        assert set(mine["client_group"]) == {"all", *CLIENT_GROUP.codes}
        assert set(mine["pb_type"]) == {"all", *PB_TYPE.codes}
        assert len(mine) == len(res.financial_years) * 5 * 5
    months = df[df["month"] != YEAR_ROW]
    assert set(months["month"]) == set(res.months)
    assert len(months) == len(POLICIES) * len(res.months) * 25


def test_users_csv_totals_equal_the_sum_of_their_parts(users_csv):
    _, df = users_csv
    df = df.assign(users_mean=df["users_mean"].astype(float))
    keys = ["policy", "financial_year", "month"]
    cells = df[(df["client_group"] != "all") & (df["pb_type"] != "all")]
    for fixed, free in (("client_group", "pb_type"), ("pb_type", "client_group")):
        parts = cells.groupby(keys + [fixed])["users_mean"].sum()
        totals = df[(df[free] == "all") & (df[fixed] != "all")].set_index(keys + [fixed])
        np.testing.assert_allclose(totals["users_mean"].loc[parts.index], parts, rtol=1e-12)
    everyone = df[(df["client_group"] == "all") & (df["pb_type"] == "all")].set_index(keys)
    np.testing.assert_allclose(everyone["users_mean"].loc[cells.groupby(keys).size().index],
                               cells.groupby(keys)["users_mean"].sum(), rtol=1e-12)


def test_users_csv_year_rows_are_the_replicates_mean_and_spread(users_csv):
    res, df = users_csv
    older_dp = USER_CELLS.index(("older_people", "direct_payment"))
    x = res.users_fy[:, 1, 1, older_dp]                 # policy 1, second year, one cell
    row = df[(df["policy"] == df["policy"].unique()[1]) & (df["month"] == YEAR_ROW)
             & (df["financial_year"] == res.financial_years[1])
             & (df["client_group"] == "older_people") & (df["pb_type"] == "direct_payment")]
    assert float(row["users_mean"].iloc[0]) == pytest.approx(x.mean())
    assert float(row["users_p5"].iloc[0]) == pytest.approx(np.percentile(x, 5))
    assert float(row["users_p95"].iloc[0]) == pytest.approx(np.percentile(x, 95))
    assert float(row["users_p5"].iloc[0]) < float(row["users_p95"].iloc[0])


class Cut:
    """A calibration that allocates £100 a year whatever the need."""

    def allocate_checked_inputs(self, points, client_group):
        return np.full(len(points), 100.0)


def test_a_replicates_users_are_its_monthly_counts_averaged_by_year(small_population, params):
    """From the model to the register: users_fy is each year's average month, per policy;
    a policy that admits more people to residential care has that many fewer users."""
    T = 36
    w = simulate(small_population, params, draw(small_population, params,
                                                 np.random.SeedSequence(8), T), T, 9)
    pols = [Policy("sq"), Policy("cut", "cut", Transition(name="immediate"))]
    m = CareModel(world=w, policies=pols, calibrations={"cut": Cut()}, params=params).run()
    users = replicate_result(m, 0, False, small_population.teams).raw["users_month"]
    got = AGGREGATES["users_fy"].value({"users_month": users}, FiscalYears(np.arange(T) // 12, 3))
    np.testing.assert_allclose(got, users.reshape(2, 3, 12, -1).mean(axis=2))
    residents = [((m.in_res[p]) & w.alive[T - 1]).sum() for p in range(2)]
    assert residents[1] > residents[0]
    total = users[:, T - 1].sum(axis=1)
    assert total[0] - total[1] == residents[1] - residents[0]


def test_users_equal_a_recount_of_every_month(small_population, params):
    """Counted from events (stays, PB type changes, admissions), the users equal a plain
    recount: present, not yet admitted to care under the policy, in this month's cell."""
    T = 36
    w = simulate(small_population, params, draw(small_population, params,
                                                 np.random.SeedSequence(12), T), T, 9)
    pols = [Policy("sq"), Policy("cut", "cut", Transition(name="immediate"))]
    m = CareModel(world=w, policies=pols, calibrations={"cut": Cut()}, params=params).run()
    users = m.users()
    admitted = np.full((2, w.cap), T)
    for month, policy, slots in m.admitted:
        admitted[policy, slots] = month
    assert (w.pb_type[1:] != w.pb_type[:-1])[:, w.arrival == 0].any()   # PB types do change
    for p in range(2):
        for t in range(T):
            here = w.present(t) & (admitted[p] > t)
            cell = w.client_group.astype(int) * len(PB_TYPE) + w.pb_type[t]
            np.testing.assert_array_equal(users[p, t], np.bincount(cell[here], minlength=16))

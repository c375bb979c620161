"""The EIA covers new users as well as the go-live cohort, reports admission to residential
care by group, and breaks changes down by FACS band and status-quo budget decile."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA
from results_fixture import constructed

from sim.inputs.categories import BUDGET_DECILE, FACS_BAND
from sim.model.aggregates import ADMIT_STATS, EIA_STATS, YARDSTICKS, eia_groups
from sim.model.reductions import cohort_codes, replicate_result
from sim.outputs.equalities import admissions_table, eia_table, relative_risk
from sim.study.montecarlo import RunSpec, build_model
from sim.study.results import ChunkSummary, StudyResults
from sim.study.study_file import load_study

N = EIA_STATS.index("n")


@pytest.fixture(scope="module")
def run():
    st = load_study(DATA / "small_study.toml")
    spec = RunSpec(st.population, st.params, [st.policies[0], st.policies[2]],
                   st.calibrations, st.n_months,
                   st.go_live, st.snapshot_months, st.spec.seed, reservoir_replicates=0)
    return st, build_model(spec, 0).run()


def _col(st, char: str, code: str) -> int:
    return eia_groups(st.population.teams).index((char, code))


def test_new_users_changes_are_counted(run):
    """A policy that gives new users double the status quo's budget (and existing users the
    same) shows gains for new users only."""
    st, model = run
    pop, _, codes = cohort_codes(model)
    new = pop[codes["cohort"] == 1]
    assert len(new) > 0
    for month, (budget, in_res) in list(model.snapshots.items()):
        doubled = np.repeat(budget[:1], 2, axis=0)
        doubled[1, new] *= 2
        model.snapshots[month] = (doubled, np.repeat(in_res[:1], 2, axis=0))
    eia = replicate_result(model, 0, False, st.population.teams).raw["eia"]
    gain, pct = EIA_STATS.index("n_gain"), EIA_STATS.index("sum_pct")
    j_new, j_old = _col(st, "cohort", "new"), _col(st, "cohort", "existing")
    new_y = YARDSTICKS.index("new_users")
    for s in range(2):
        assert eia[s, 1, new_y, j_new, N] > 0
        assert eia[s, 1, new_y, j_new, gain] == eia[s, 1, new_y, j_new, N]
        assert eia[s, 1, new_y, j_new, pct] == pytest.approx(eia[s, 1, new_y, j_new, N])  # +100%
        assert eia[s, 1, new_y, 0, N] == eia[s, 1, new_y, j_new, N]
        for y in ("cash", "real", "status_quo"):    # never among people losing (or gaining)
            k = YARDSTICKS.index(y)
            assert eia[s, 1, k, j_new, N] == 0
            assert eia[s, 1, k, 0, N] == eia[s, 1, k, j_old, N] > 0
        assert eia[s, 1, YARDSTICKS.index("status_quo"), j_old, gain] == 0


def test_an_admitted_person_is_an_admission_and_a_group_admitted_more_has_rr_above_one(run):
    st, model = run
    pop, ref, codes = cohort_codes(model)
    g = model.world.go_live
    ld = pop[(codes["client_group"] == 3) & (ref == g)]
    other = pop[(codes["client_group"] == 0) & (ref == g)][:1]
    saved = model.admitted
    model.admitted = [(g + 1, np.ones(len(ld) + 1, np.int64), np.concatenate([ld, other]))]
    try:
        admit = replicate_result(model, 0, False, st.population.teams).raw["eia_admit"]
    finally:
        model.admitted = saved
    at_risk, admitted = ADMIT_STATS.index("at_risk"), ADMIT_STATS.index("admitted")
    j = _col(st, "client_group", "learning_disability")
    assert admit[0, 1, j, admitted] == len(ld) and admit[0, 0, :, admitted].sum() == 0
    assert admit[0, 1, 0, admitted] == len(ld) + 1
    rr = relative_risk(admit[0, 1, j, admitted], admit[0, 1, j, at_risk],
                       admit[0, 1, 0, admitted], admit[0, 1, 0, at_risk])
    assert rr > 1


def test_admissions_table_gives_each_groups_change_against_its_own_status_quo_rate():
    """Admissions in the EIA are change within a group: the option's rate over the same
    group's rate under the status quo, never a group's rate over everyone else's (under which
    a group admitted more under any policy, such as older people, looks affected)."""
    t = admissions_table(constructed())
    row = t[(t["policy"] == "a+phased") & (t["group"] == "learning_disability")
            & (t["snapshot"] == "horizon")].iloc[0]
    assert row["share_admitted_status_quo"] == pytest.approx(9 / 60)
    assert row["share_admitted"] == pytest.approx(10 / 60)
    assert row["admit_ratio_vs_status_quo"] == pytest.approx(10 / 9)
    assert (row["admit_ratio_vs_status_quo_lo"], row["admit_ratio_vs_status_quo_hi"]) == \
        pytest.approx((10 / 9, 10 / 9))                  # the same in every replicate
    assert row["extra_admissions"] == pytest.approx(1.0)
    assert not [c for c in t.columns if c.startswith("rr_")]
    assert set(t["policy"]) == {"a+immediate", "a+phased", "=SUM(1,2)+b"}


def test_facs_band_and_budget_decile_rows_sum_to_the_population(run):
    st, model = run
    r = replicate_result(model, 0, False, st.population.teams)
    res = StudyResults(policies=[p.describe() | {"is_baseline": p.is_baseline}
                                 for p in model.policies],
                       months=[str(m) for m in range(model.world.n_months)],
                       financial_years=["a", "b", "c"],
                       month_fy=np.minimum(np.arange(model.world.n_months) // 12, 2),
                       go_live_month=model.world.go_live, teams=st.population.teams,
                       meta={"study": {"target": 1.0, "suppress_below": 10}})
    res.fold_chunk(ChunkSummary.of([r], res.years))
    t = eia_table(res, suppress=False)
    everyone = t.loc[t["characteristic"] == "all", "count"].iloc[0]
    for char, cat in (("facs_band", FACS_BAND), ("budget_decile", BUDGET_DECILE)):
        rows = t[t["characteristic"] == char]
        assert list(rows["group"]) == list(cat.codes)
        assert rows["count"].sum() == pytest.approx(everyone)
    _, _, codes = cohort_codes(model)
    existing = np.bincount(codes["budget_decile"][codes["cohort"] == 0], minlength=10)
    assert existing.min() > 0.5 * existing.mean()    # the go-live cohort split into tenths

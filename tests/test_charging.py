"""Charging (Fairer Charging, 2012): the contribution rule, the financial assessment's
optional population columns, DRE standardised by one rule, and contributions in a run."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, ROOT

from sim.cli import main
from sim.inputs.population import load_population
from sim.model.care_model import CareModel
from sim.model.charging import (
    WEEKS_A_YEAR,
    annual_charges,
    contribution_pence,
    person_finance,
    slot_charges,
    weekly_charge,
)
from sim.model.draws import draw
from sim.model.params import Charging
from sim.model.world import simulate
from sim.policy.calibration import make_calibration
from sim.policy.dre import StandardDre
from sim.policy.policy import Policy
from sim.policy.transition import Transition
from sim.study.results import StudyResults

GOOD = DATA / "good_small.csv"
SMALL = DATA / "small_study.toml"


def with_finance(tmp_path, **columns) -> str:
    """good_small.csv with extra columns (values as given, one per row)."""
    df = pd.read_csv(GOOD, dtype=str, keep_default_na=False)
    for name, values in columns.items():
        df[name] = (list(values) * len(df))[:len(df)]
    path = tmp_path / "finance.csv"
    df.to_csv(path, index=False)
    return str(path)


# ------------------------------------------------------------------ the contribution rule


def test_income_below_the_allowance_pays_nothing_and_dre_is_protected():
    income, allowance = np.array([100.0, 200.0, 200.0]), np.array([126.69, 126.69, 126.69])
    dre = np.array([0.0, 0.0, 80.0])
    charge = weekly_charge(income, allowance, dre, taper=1.0)
    np.testing.assert_allclose(charge, [0.0, 73.31, 0.0])
    np.testing.assert_allclose(weekly_charge(income, allowance, dre, taper=0.5), [0, 36.655, 0])


def test_a_contribution_never_exceeds_the_budget():
    pence = np.array([[0.0, 50_000.0, 900_000.0]])
    charge = np.array([[10_000.0, 10_000.0, 10_000.0]])
    np.testing.assert_array_equal(contribution_pence(pence, charge), [[0.0, 10_000.0, 10_000.0]])


def test_every_charging_parameter_has_a_range_and_a_description():
    for name, f in Charging.model_fields.items():
        assert f.description or name in ("source", "enabled"), name


# ------------------------------------------------------------ the financial assessment


def test_synthetic_finances_are_fixed_by_the_seed_and_follow_age(population, params):
    a, b = person_finance(population, params.charging), person_finance(population, params.charging)
    np.testing.assert_array_equal(a.income, b.income)
    assert a.synthetic_income and a.synthetic_dre
    older = population.age >= 65
    assert a.allowance[older].min() > a.allowance[~older].max()     # Pension Credit level + 25%
    assert a.income[older].mean() > a.income[~older].mean()
    other = params.charging.model_copy(update={"seed": 1})
    assert not np.array_equal(person_finance(population, other).income, a.income)


def test_a_population_file_with_the_columns_is_used_not_synthetic(tmp_path, params):
    pop = load_population(with_finance(tmp_path, weekly_income=["250.5", "90"],
                                       dre_weekly=["12", "0"]))
    f = person_finance(pop, params.charging)
    assert not f.synthetic_income and not f.synthetic_dre
    np.testing.assert_array_equal(f.income[:2], [250.5, 90.0])
    np.testing.assert_array_equal(f.dre[:2], [12.0, 0.0])
    assert list(pop.to_frame().columns[-2:]) == ["weekly_income", "dre_weekly"]
    # one column given, the other drawn
    only = load_population(with_finance(tmp_path, dre_weekly=["5"]))
    g = person_finance(only, params.charging)
    assert g.synthetic_income and not g.synthetic_dre and (g.dre == 5.0).all()


@pytest.mark.parametrize("column,value,words", [
    ("weekly_income", "-5", "must be between 0 and 10,000"),
    ("weekly_income", "nan", "must be a number"),
    ("dre_weekly", "twenty", "must be a number"),
    ("dre_weekly", "", "is missing (blank)"),
])
def test_bad_finance_values_are_refused_naming_row_and_column(tmp_path, capsys, column, value,
                                                              words):
    path = with_finance(tmp_path, **{column: ["10", value] + ["10"] * 100})   # row 3 only
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert f"column '{column}'" in err and words in err and "row 3" in err and "rows" not in err, err
    assert "Traceback" not in err


# ------------------------------------------------------------------- standardised DRE


def test_standardising_dre_removes_the_team_differences(population, params):
    f = person_finance(population, params.charging)
    std = StandardDre().apply(f.dre, population.client_group, population.team)
    for g in np.unique(population.client_group):
        in_g = population.client_group == g
        assert std[in_g].sum() == pytest.approx(f.dre[in_g].sum())      # the group's total kept
        for t in np.unique(population.team[in_g]):
            cell = in_g & (population.team == t)
            assert std[cell].mean() == pytest.approx(f.dre[in_g].mean())


def test_a_team_generous_with_dre_pays_more_when_it_is_standardised(population, params):
    charges = annual_charges(population, params, [None, StandardDre()])
    teams = population.teams
    mult = params.charging.dre_team_multiplier
    generous, strict = max(teams, key=lambda t: mult.get(t, 1)), min(teams, key=lambda t: mult.get(t, 1))
    for team, sign in ((generous, 1), (strict, -1)):
        mine = population.team == teams.index(team)
        change = charges[1, mine].sum() - charges[0, mine].sum()
        assert sign * change > 0, team


# ------------------------------------------------------------------- in a model run


def _run(pop, params, policies, charges_on=True, T=18, go_live=6):
    cal = make_calibration("price_per_point", target="savings", savings=50_000.0)
    cal.fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    d = draw(pop, params, np.random.SeedSequence(5), T)
    charges = slot_charges(annual_charges(pop, params, [p.standard_dre for p in policies]), d.source) if charges_on else None
    m = CareModel(world=simulate(pop, params, d, T, go_live), policies=policies,
                  calibrations={"x": cal}, params=params, charges=charges)
    return m.run()


def test_charging_changes_no_budget_and_contributions_stay_below_spend(small_population, params):
    policies = [Policy("status_quo"), Policy("x+immediate", "x", Transition(name="immediate")),
                Policy("x+std", "x", Transition(name="immediate"), standard_dre=StandardDre())]
    on = _run(small_population, params, policies)
    off = _run(small_population, params, policies, charges_on=False)
    np.testing.assert_array_equal(on.spend, off.spend)          # gross spend identical
    np.testing.assert_array_equal(off.contributions, 0.0)      # net == gross without charging
    assert (on.contributions > 0).all() and (on.contributions < on.spend[:, :, 0]).all()
    # the DRE rule moves contributions, not budgets
    np.testing.assert_array_equal(on.spend[1], on.spend[2])
    assert not np.array_equal(on.contributions[1], on.contributions[2])


def test_disabled_charging_gives_no_charges(params, small_population):
    off = params.model_copy(update={"charging": params.charging.model_copy(update={"enabled": False})})
    assert annual_charges(small_population, off, [None]) is None
    charge = annual_charges(small_population, params, [None])
    assert (charge % 1 == 0).all() and (charge >= 0).all()           # whole pence a year
    f = person_finance(small_population, params.charging)
    expected = np.rint(np.maximum(f.income - f.allowance - f.dre, 0) * WEEKS_A_YEAR * 100)
    np.testing.assert_array_equal(charge[0], expected)


# ------------------------------------------------------------------ a study, end to end


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The small study with standardised DRE, run with one job and with two."""
    tmp = tmp_path_factory.mktemp("charging")
    study = tmp / "study.toml"
    text = SMALL.read_text(encoding="utf-8").replace('"../../', f'"{ROOT.as_posix()}/')
    study.write_text(text + "\n[charging]\nstandard_dre = true\n", encoding="utf-8")
    out = {}
    for jobs in ("1", "2"):
        out[jobs] = tmp / f"j{jobs}"
        assert main(["run", str(study), "--out", str(out[jobs]), "--quiet", "--no-report",
                     "--jobs", jobs]) == 0
    return out


def test_net_spend_is_gross_minus_contributions_per_policy_and_year(runs):
    res = StudyResults.load(runs["1"])
    t = pd.read_csv(runs["1"] / "charging.csv")
    gross, paid = res.spend_fy.mean(axis=0), res.contributions_fy.mean(axis=0)
    np.testing.assert_allclose(t["gross_spend_mean"], gross.ravel(), rtol=1e-12)
    np.testing.assert_allclose(t["net_spend_mean"], (gross - paid).ravel(), rtol=1e-12)
    assert (t["contributions_mean"] > 0).all()
    assert set(t.loc[t["calibration"] != "status_quo", "dre"]) == {"standardised"}  # options
    spend = pd.read_csv(runs["1"] / "spend.csv")
    np.testing.assert_allclose(t["savings_mean"], spend["savings_mean"])


def test_the_net_eia_shows_who_pays_more_by_team(runs):
    eia = pd.read_csv(runs["1"] / "eia_net.csv")
    teams = eia[(eia["characteristic"] == "team") & (eia["snapshot"] == "first_year")
                & ~eia["suppressed"]]
    assert teams["share_pay_more"].max() > 0.2 and teams["share_pay_less"].max() > 0.2
    assert set(eia["characteristic"]) >= {"all", "age_band", "client_group", "sex", "ethnicity",
                                          "team"}


def test_same_seed_same_net_tables_with_one_job_or_two(runs):
    for name in ("charging.csv", "eia_net.csv"):
        assert (runs["1"] / name).read_bytes() == (runs["2"] / name).read_bytes()

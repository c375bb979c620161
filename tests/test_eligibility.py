"""FACS: each team's offset persists at review; a policy's eligibility ends budgets below its
bands from go-live (or, consistently applied, from points alone); the table adds up."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT
from results_fixture import constructed

from sim.inputs.categories import FACS_BAND
from sim.inputs.facs import facs_from_points
from sim.model.care_model import CareModel
from sim.model.draws import draw
from sim.model.world import simulate
from sim.outputs.eligibility import eligibility_table
from sim.policy.calibration import make_calibration
from sim.policy.eligibility import Eligibility
from sim.policy.policy import Policy
from sim.policy.transition import Transition
from sim.study.study_file import StudyError, load_study

T, GO_LIVE = 30, 9
MODERATE = FACS_BAND.code_of("moderate")
SUBSTANTIAL = FACS_BAND.code_of("substantial")
# critical only: the shipped population is the people funded today (substantial or critical
# as their teams band them), so a rule of the funded bands ends few of them
CRITICAL_ONLY = Eligibility(("critical",))
IMMEDIATE = Transition(name="immediate")


def test_teams_band_the_same_points_differently_after_years_of_reviews(population, params):
    """Status quo: people reviewed in years 3-5 with 30-35 points (just below substantial
    from points alone) are banded substantial by the team adding 4 points when the points
    reach 31, and never by the team taking 2 off."""
    w = simulate(population, params, draw(population, params, np.random.SeedSequence(3), 60),
                 60, 12)
    rows = np.concatenate([np.arange(*w.assessments(m).indices(len(w.assessed)))
                           for m in range(24, 60)])
    slots = w.assessed[rows]
    months = np.repeat(np.arange(24, 60), np.diff(w.assessed_start[24:61]))
    pts = w.points[months, slots]
    near = (pts >= 31) & (pts < 35)
    team = np.asarray(population.teams)[w.team[slots]]
    substantial_or_above = w.assessed_facs[rows] <= FACS_BAND.code_of("substantial")
    discharge = near & w.assessed_review[rows] & (team == "Hospital discharge")
    chew = near & w.assessed_review[rows] & (team == "Sirona Chew Valley")
    # few of Chew Valley's funded users ever fall that low (it funds from 37 points)
    assert discharge.sum() > 20 and chew.sum() >= 3
    assert substantial_or_above[discharge].all()
    assert not substantial_or_above[chew].any()


@pytest.fixture(scope="module")
def run(small_population, params):
    pop = small_population
    ppp = make_calibration("price_per_point", target="savings", savings=50_000.0)
    ppp.fit(pop.ras_points, pop.annual_budget, client_group=pop.client_group, age=pop.age)
    policies = [Policy("status_quo"), Policy("ppp", "ppp", IMMEDIATE),
                Policy("ppp+eligible", "ppp", IMMEDIATE, eligibility=CRITICAL_ONLY),
                Policy("ppp+consistent", "ppp", IMMEDIATE,
                       eligibility=Eligibility(consistent_facs=True))]
    w = simulate(pop, params, draw(pop, params, np.random.SeedSequence(11), T), T, GO_LIVE)
    model = CareModel(world=w, policies=policies, calibrations={"ppp": ppp}, params=params)
    months = []
    for m in range(T):
        model.step()
        months.append((model.pence.copy(), model.ended.copy(), model.in_res.copy()))
    return model, w, months


def test_budgets_end_below_the_eligible_bands_from_go_live_only(run, params):
    model, w, months = run
    assert not months[GO_LIVE - 1][1].any() and model.ended_month[0][:, :GO_LIVE].sum() == 0
    below_seen = above_seen = 0
    for m in range(GO_LIVE, T):
        pence, ended, in_res = months[m]
        sl = w.assessments(m)
        slots, band = w.assessed[sl], w.assessed_facs[sl]
        here = (m < w.exit_month[slots]) & ~in_res[2, slots]
        below, above = here & (band >= SUBSTANTIAL), here & (band < SUBSTANTIAL)
        assert ended[2, slots[below]].all() and (pence[2, slots[below]] == 0).all()
        # someone assessed critical now keeps a budget unless ended before
        kept = above & ~months[m - 1][1][2, slots]
        assert not ended[2, slots[kept]].any()
        assert (pence[2, slots[kept]] == pence[1, slots[kept]]).all()
        below_seen, above_seen = below_seen + below.sum(), above_seen + kept.sum()
    assert below_seen > 50 and above_seen > 50
    assert not model.ended[[0, 1]].any()     # no rule: nobody's budget ends


def test_consistent_facs_tests_the_band_from_points_alone(run, params):
    model, w, months = run
    differ = 0
    for m in range(GO_LIVE, T):
        _, ended, in_res = months[m]
        sl = w.assessments(m)
        slots = w.assessed[sl]
        here = (m < w.exit_month[slots]) & ~in_res[3, slots] & ~months[m - 1][1][3, slots]
        by_points = facs_from_points(w.points[m, slots], params.need.facs_thresholds)
        np.testing.assert_array_equal(ended[3, slots[here]], by_points[here] >= MODERATE)
        differ += (here & ((by_points >= MODERATE) != (w.assessed_facs[sl] >= MODERATE))).sum()
    assert differ > 5       # the team offsets really change who is eligible
    assert (model.ended[2] != model.ended[3]).any()


def test_people_ended_times_their_budget_is_the_reported_saving(run):
    """In the first year, each month's count and £ are the people newly ended and the budget
    the same policy without the rule gives them (immediate: the indicative budget; months
    where one of them also entered a care home under it, its budget gone, aside)."""
    model, _, months = run
    report = model.eligibility_ended()
    priced = 0
    for m in range(GO_LIVE, GO_LIVE + 12):
        newly = months[m][1][2] & ~months[m - 1][1][2]
        assert report[2, m, 0] == newly.sum()
        if months[m][2][1, newly].any():
            continue
        priced += 1
        assert report[2, m, 1] == pytest.approx(months[m][0][1, newly].sum() / 100.0, abs=0.005)
    assert priced >= 9
    first_year = report[2, GO_LIVE:GO_LIVE + 12].sum(axis=0)
    assert first_year[0] > 50 and first_year[1] > 100_000


def test_the_table_reports_each_policy_year_apart_from_the_calibration():
    table = eligibility_table(constructed()).set_index(["policy", "financial_year"])
    assert table.loc[("a+immediate", "2013/14"), "people_ended_mean"] == 10
    assert table.loc[("a+immediate", "2013/14"), "budgets_ended_mean"] == 30_000
    assert table.loc[("status_quo", "2013/14"), "budgets_ended_mean"] == 0


def test_a_study_section_sets_every_ras_policys_rule(tmp_path):
    text = (ROOT / "scenarios" / "default.toml").read_text()
    text = text.replace('population = "../', f'population = "{ROOT}/').replace(
        'parameters = "', f'parameters = "{ROOT}/scenarios/').replace(
        'calibrations_file = "', f'calibrations_file = "{ROOT}/scenarios/').replace(
        'transitions_file = "', f'transitions_file = "{ROOT}/scenarios/')
    study_file = tmp_path / "s.toml"
    study_file.write_text(text)
    start = text.index("[eligibility]")
    text = text[:start] + text[text.index("\n\n", start):]          # the default's section off
    study_file.write_text(text)
    assert all(p.eligibility is None for p in load_study(study_file).policies)
    study_file.write_text(text + "\n[eligibility]\ncontinue_share = 0.25\nconsistent_facs = true\n")
    policies = load_study(study_file).policies
    rules = {p.eligibility for p in policies if not p.is_baseline}
    assert rules == {Eligibility(("critical", "substantial"), 0.25, True)}
    # both status quos apply the same bands as current practice does: team offsets kept
    assert [p.eligibility for p in policies if p.is_baseline] == 2 * [Eligibility(
        ("critical", "substantial"), 0.25, False)]
    study_file.write_text(text + '\n[eligibility]\nbands = ["severe"]\n')
    with pytest.raises(StudyError, match="eligibility.bands"):
        load_study(study_file)

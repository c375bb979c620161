"""Study files: the default expands to every policy; bad studies fail clearly, writing nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from sim.cli import main
from sim.model.money import expected_cash_share
from sim.study.study_file import StudyError, load_study

DEFAULT = ROOT / "scenarios" / "default.toml"
HEADER = f"""
[study]
name = "t"
population = "{(ROOT / 'populations' / 'bnes_2012_synthetic.csv').as_posix()}"
parameters = "{(ROOT / 'scenarios' / 'parameters.toml').as_posix()}"
calibrations_file = "CAL"
transitions_file = "TR"
savings_target = 776000.0
minimum_budget = 780.0
"""


def write(tmp: Path, study_extra: str = "", cal: str | None = None, tr: str | None = None,
          tail: str = "") -> Path:
    cal_path, tr_path = tmp / "cal.toml", tmp / "tr.toml"
    cal_path.write_text(cal if cal is not None else (ROOT / "scenarios" / "calibrations.toml").read_text())
    tr_path.write_text(tr if tr is not None else (ROOT / "scenarios" / "transitions.toml").read_text())
    text = HEADER.replace("CAL", cal_path.as_posix()).replace("TR", tr_path.as_posix())
    path = tmp / "study.toml"
    path.write_text(text + study_extra + tail)
    return path


def test_default_study_expands_to_every_calibration_by_transition_plus_baseline():
    st = load_study(DEFAULT)
    # the status quo, the status quo without creep, 4 x 5 options and 5 variants of phased
    assert len(st.policies) == 2 + 4 * 5 + 5
    assert st.policies[0].is_baseline and st.policies[0].practice_creep
    assert st.policies[1].is_baseline and not st.policies[1].practice_creep
    assert [p.name for p in st.policies if p.variant_of] == [
        f"percentile+phased_{v}" for v in ("gains_at_once", "gains_capped",
                                           "protection_1_year", "no_protection", "cap_25")]
    names = {p.name for p in st.policies}
    assert "percentile+phased" in names and "group_price_per_point+capped_both" in names
    assert st.transitions["phased"].recommended
    assert st.months[0] == "2012-04" and st.months[-1] == "2018-03"
    assert st.first_full_year == "2013/14" and st.go_live == 9
    assert st.financial_years == ["2012/13", "2013/14", "2014/15", "2015/16", "2016/17", "2017/18"]


def test_all_calibrations_cross_all_transitions(tmp_path):
    st = load_study(write(tmp_path, 'calibrations = "all"\n'))
    assert len(st.policies) == 2 + 6 * 5


@pytest.mark.parametrize("extra,cal,tr,words", [
    ('runz = 5\n', None, None, ["unknown key 'study.runz'", "did you mean 'runs'"]),
    ('runs = "many"\n', None, None, ["study.runs"]),
    ('calibrations = ["percentil"]\n', None, None, ["did you mean 'percentile'"]),
    ('transitions = []\n', None, None, ["nothing to compare"]),
    ('', '[p]\nkind = "percentile"\npercentile = 150\n', None, ["percentile", "p"]),
    ('', None, '[x]\nmax_loss = 1.5\n', ["max_loss"]),
    ('', None, '[x]\nmax_los = 0.1\n', ["did you mean 'max_loss'"]),
    ('', '[p]\nkind = "price_per_pint"\n', None, ["did you mean 'price_per_point'"]),
    ('', '[p]\nkind = "percentile"\ntarget = "savings"\nsavings = 5e5\n', None,
     ["p.savings", "study's savings_target"]),
    ('', '[p]\nkind = "percentile"\nrecommended = "yes"\n', None, ["p.recommended"]),
    ('', '[p]\nkind = "percentile"\ntarget = "saving"\n', None, ["did you mean 'savings'"]),
])
def test_bad_study_is_refused_naming_file_and_key(tmp_path, extra, cal, tr, words):
    path = write(tmp_path, extra, cal, tr)
    with pytest.raises(StudyError) as err:
        load_study(path)
    for w in words:
        assert w in str(err.value)


def test_bad_override_and_missing_population(tmp_path):
    path = write(tmp_path, tail='[overrides]\n"demand.net_growt_per_year" = 0.1\n')
    with pytest.raises(StudyError, match="did you mean 'net_growth_per_year'"):
        load_study(path)
    text = write(tmp_path).read_text().replace("bnes_2012_synthetic.csv", "nope.csv")
    (tmp_path / "study.toml").write_text(text)
    with pytest.raises(StudyError, match="study.population"):
        load_study(tmp_path / "study.toml")


def test_override_reaches_the_parameters(tmp_path):
    st = load_study(write(tmp_path, tail='[overrides]\n"demand.net_growth_per_year" = 0.03\n'))
    assert st.params.demand.net_growth_per_year == 0.03


def test_validate_and_run_exit_2_and_write_nothing(tmp_path, capsys):
    path = write(tmp_path, "runz = 5\n")
    assert main(["validate", str(path)]) == 2
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    assert "runz" in capsys.readouterr().err
    assert main(["validate", str(DEFAULT)]) == 0


def test_adding_a_scenario_is_editing_a_file(tmp_path):
    tr = (ROOT / "scenarios" / "transitions.toml").read_text() + (
        '\n[gentle]\ndescription = "losses capped at 2%"\nmax_loss = 0.02\n')
    st = load_study(write(tmp_path, 'transitions = ["gentle"]\n', tr=tr))
    assert [p.name for p in st.policies][2:] == [f"{c}+gentle" for c in
                                                 ("price_per_point", "percentile", "regression",
                                                  "regression_loglinear", "regression_median",
                                                  "group_price_per_point")]


def test_a_study_without_a_savings_target_is_refused(tmp_path):
    path = write(tmp_path)
    path.write_text(path.read_text().replace("savings_target = 776000.0\n", ""))
    with pytest.raises(StudyError, match="missing key 'study.savings_target'"):
        load_study(path)


@pytest.mark.parametrize("target", [776_000.0, 1_000_000.0])
def test_calibrations_aim_at_the_studys_savings_target(tmp_path, target):
    path = write(tmp_path, 'calibrations = ["percentile", "regression_median"]\n')
    path.write_text(path.read_text().replace("savings_target = 776000.0",
                                             f"savings_target = {target}"))
    st = load_study(path)
    pop = st.population
    cash = expected_cash_share(st.params, pop.pb_type, pop.client_group, pop.age)
    current = pop.annual_budget @ cash               # targets are met in expected cash
    for name, est in st.calibrations.items():
        go_live = est.allocate(pop.ras_points, client_group=pop.client_group) @ cash
        assert current - go_live == pytest.approx(target, abs=0.01), name
        assert est.fitted_summary()["target_total"] == pytest.approx(current - target)


def test_a_cost_neutral_calibration_ignores_the_savings_target(tmp_path):
    cal = '[flat]\nkind = "price_per_point"\ntarget = "cost_neutral"\n'
    st = load_study(write(tmp_path, cal=cal))
    est, pop = st.calibrations["flat"], st.population
    assert est.savings is None
    cash = expected_cash_share(st.params, pop.pb_type, pop.client_group, pop.age)
    assert est.allocate(pop.ras_points) @ cash == pytest.approx(pop.annual_budget @ cash, abs=0.01)


def test_the_default_study_recommends_percentile_with_phasing_only():
    recommended = [p.name for p in load_study(DEFAULT).policies if p.describe()["recommended"]]
    assert recommended == ["percentile+phased"]


def test_moving_recommended_in_the_calibrations_file_moves_the_recommendation(tmp_path):
    cal = (ROOT / "scenarios" / "calibrations.toml").read_text().replace("recommended = true\n", "")
    cal = cal.replace('[regression]\n', '[regression]\nrecommended = true\n')
    st = load_study(write(tmp_path, 'calibrations = ["percentile", "regression"]\n', cal=cal))
    described = {p.name: p.describe() for p in st.policies}
    assert [n for n, d in described.items() if d["recommended"]] == ["regression+phased"]
    assert not described["percentile+phased"]["recommended"]
    assert described["status_quo"]["recommended"] is False

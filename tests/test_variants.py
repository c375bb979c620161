"""Definitional variants of scenario 4 side by side: data (a transitions file named by the
study's [variants]), run with one calibration beside the options but not counted as options,
and shown in one table with savings against the finance baseline, the verdict and the
people losing more than 10%."""
from __future__ import annotations

import pytest
from conftest import ROOT
from results_fixture import constructed

from sim.cli import main
from sim.outputs.equalities import eia_table
from sim.outputs.finance import target_table
from sim.outputs.report.finance import variants_section
from sim.outputs.roles import ras_policies
from sim.outputs.settings import settings
from sim.outputs.variants import variants_table
from sim.study.study_file import load_study


def with_a_variant():
    """The constructed results with '=SUM(1,2)+b' turned into a variant of a+phased that
    saves 5 (a+phased saves 20; target 100, rule 9 in 10)."""
    res = constructed()
    res.policies[3].update(name="a+phased_cap_25", calibration="a", transition="phased_cap_25",
                           variant_of="phased")
    res.meta["transitions"] = {"phased": "Scenario 4: over two reviews",
                               "phased_cap_25": "Scenario 4 with losses capped at 25%"}
    return res


def test_variants_are_not_options_but_sit_beside_the_option_they_vary():
    res = with_a_variant()
    assert ras_policies(res) == [1, 2]
    t = variants_table(res, target_table(res), eia_table(res))
    assert list(t["policy"]) == ["a+phased", "a+phased_cap_25"]
    assert list(t["number"]) == [2, "2a"]
    assert list(t["definition"]) == ["Scenario 4: over two reviews",
                                     "Scenario 4 with losses capped at 25%"]
    assert t["savings_mean"].tolist() == pytest.approx([20.0, 5.0])
    assert t["finance_baseline"].str.startswith("against the base budget").all()
    assert 0 < t["share_lose10"].iloc[1] < 1


def test_the_report_names_the_variant_that_changes_the_verdict():
    res = with_a_variant()
    res.spend_fy[:, 3, 1] = 1000.0 - 200.0           # the variant now saves 150: it meets
    s = settings(res)
    text = variants_section(s, variants_table(res, target_table(res), eia_table(res)))
    assert ("Against the base budget, 2. a+phased does not meet the target (0% chance); the "
            "variants that change that verdict: 2a. Scenario 4 with losses capped at 25% "
            "(100%).") in text
    assert "Against doing nothing, 2. a+phased does not meet the target (0% chance); the" in text


def test_the_default_study_runs_five_variants_of_phased_with_the_recommended_calibration():
    st = load_study(ROOT / "scenarios" / "default.toml")
    variants = [p for p in st.policies if p.variant_of]
    assert {p.calibration for p in variants} == {"percentile"}
    assert {p.variant_of for p in variants} == {"phased"}
    base = st.transitions["phased"]
    for p in variants:       # each changes the phased reading in one definitional part
        changed = {f for f in ("phase_gains", "max_gain", "protect_critical", "protect_years",
                               "max_loss") if getattr(p.transition, f) != getattr(base, f)}
        assert len(changed) == 1, (p.name, changed)


def test_a_variants_section_naming_a_transition_the_study_does_not_run_is_refused(tmp_path):
    text = (ROOT / "scenarios" / "default.toml").read_text().replace(
        'variant_of = "phased"', 'variant_of = "phasd"')
    study = tmp_path / "default.toml"
    study.write_text(text.replace('"../populations/', f'"{ROOT}/populations/').replace(
        '= "parameters.toml"', f'= "{ROOT}/scenarios/parameters.toml"').replace(
        '= "calibrations.toml"', f'= "{ROOT}/scenarios/calibrations.toml"').replace(
        '= "transitions.toml"', f'= "{ROOT}/scenarios/transitions.toml"').replace(
        '= "phased_variants.toml"', f'= "{ROOT}/scenarios/phased_variants.toml"'))
    assert main(["validate", str(study)]) == 2

"""Parameters loaded once (issue 25 item 2): a study reads its parameter file, each overlay
and the synthetic targets one time, and its values, records and uncertain inputs come from
that one reading; the section validators' shared shapes refuse a wrong shape anywhere."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from sim.inputs import synthetic
from sim.model import params
from sim.model.params import ParameterError, load_parameters
from sim.paths import DEFAULT_PARAMETERS, DEFAULT_TARGETS, POPULATIONS, SCENARIOS
from sim.study.study_file import load_study


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Every TOML file the parameter and targets readers open, counted by resolved path."""
    counted: Counter = Counter()
    for module in (params, synthetic):
        original = module.read_toml

        def counting(path, what, _original=original):
            counted[Path(path).resolve()] += 1
            return _original(path, what)

        monkeypatch.setattr(module, "read_toml", counting)
    return counted


def test_load_study_reads_the_parameter_file_and_the_targets_once(reads: Counter) -> None:
    study = load_study(SCENARIOS / "default.toml", runs=1)
    assert reads[DEFAULT_PARAMETERS.resolve()] == 1      # three times before issue 25
    assert reads[DEFAULT_TARGETS.resolve()] == 1         # twice before
    # one reading feeds the values, the records and the uncertain inputs
    assert study.params.death.by_age_band == study.records["death.by_age_band"].value
    assert study.uncertainty.central["feedback"]["hazard_multiplier"] == \
        study.params.feedback.hazard_multiplier
    assert any(n.startswith("synthetic_targets.") for n in study.uncertainty.names)
    assert any(n.startswith("synthetic_targets.") for n in study.records)


def test_overlay_is_read_once_and_its_records_replace_the_base(reads: Counter,
                                                               tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, scenarios)
    overlay = scenarios / "own_rates.toml"
    overlay.write_text('[feedback.hazard_multiplier]\nvalue = 1.25\nunit = "x"\n'
                       'status = "estimated"\nsource = "own records"\n', encoding="utf-8")
    path = scenarios / "default.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[study]\n", "[study]\nparameter_overlays = ['own_rates.toml']\n", 1).replace(
        "../populations", POPULATIONS.as_posix()), encoding="utf-8")
    study = load_study(path, runs=1)
    assert reads[overlay.resolve()] == 1
    assert reads[(scenarios / "parameters.toml").resolve()] == 1
    assert study.params.feedback.hazard_multiplier == 1.25
    assert study.records["feedback.hazard_multiplier"].status == "estimated"


@pytest.mark.parametrize("override, message", [
    ({"death.by_age_band": [0.1]}, "needs 8 values, one per age band"),
    ({"charging.allowance_weekly_by_age_band": [100.0]}, "needs 8 values, one per age band"),
    ({"referrals.age_mix_by_group.older_people": [1.0]}, "needs 8 values, one per age band"),
    ({"choice.mixed_by_group": {"older": 0.1}}, "keys must be exactly"),
    ({"residential_stock.people_by_group": {"older": 1}}, "keys must be exactly"),
    ({"money.utilisation": {"commissioned": 1}}, "keys must be exactly"),
    ({"charging.dre_mean_weekly_by_group": {"older_people": -1.0}}, "greater than or equal"),
])
def test_shared_shapes_refuse_a_wrong_shape_in_every_section(override, message) -> None:
    with pytest.raises(ParameterError, match=message) as err:
        load_parameters(overrides=override)
    assert f"key '{next(iter(override))}" in str(err.value)

"""The parameter-record format and the uncertainty core (issue 15 items 1, 2, 5)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.inputs.distributions import DistributionError, parse_distribution
from sim.model.params import ParameterError, load_parameters
from sim.model.uncertainty import load_uncertainty
from sim.paths import DEFAULT_PARAMETERS

HEADER = "[feedback.hazard_multiplier]\n"


def _with_record(tmp: Path, record: str) -> Path:
    """The shipped parameter file with feedback.hazard_multiplier's record replaced."""
    text = DEFAULT_PARAMETERS.read_text(encoding="utf-8")
    start = text.index(HEADER)
    end = text.index("\n\n", start)
    path = tmp / "parameters.toml"
    path.write_text(text[:start] + f"{HEADER}{record}\n" + text[end:], "utf-8")
    return path


RECORD = 'value = 1.5\nunit = "x"\nstatus = "assumption"\n'


def test_a_record_reads_as_its_plain_value(tmp_path):
    path = _with_record(tmp_path, RECORD)
    assert load_parameters(path).feedback == load_parameters().feedback


def test_a_point_distribution_always_gives_its_value(tmp_path):
    path = _with_record(tmp_path, RECORD + 'distribution = { kind = "uniform", low = 1.5, '
                        'high = 1.5 }')
    u = load_uncertainty(path)
    assert "feedback.hazard_multiplier" in u.names
    assert {u.draw(1, r)["feedback.hazard_multiplier"] for r in range(20)} == {1.5}
    drawn = {"feedback.hazard_multiplier": u.draw(1, 7)["feedback.hazard_multiplier"]}
    assert u.realise(drawn).feedback == load_parameters(path).feedback


def test_draws_follow_the_distribution_and_depend_only_on_seed_and_replicate(tmp_path):
    path = _with_record(tmp_path, RECORD + 'distribution = { kind = "triangular", low = 1, '
                        'mode = 1.5, high = 3 }')
    u = load_uncertainty(path)
    xs = np.array([u.draw(5, r)["feedback.hazard_multiplier"] for r in range(2000)])
    assert 1 <= xs.min() and xs.max() <= 3
    assert abs(xs.mean() - (1 + 1.5 + 3) / 3) < 0.05
    assert u.draw(5, 3) == load_uncertainty(path).draw(5, 3) != u.draw(6, 3)


@pytest.mark.parametrize("dist, why", [
    ('{ kind = "gamma", shape = -1, scale = 1 }', "must be above 0"),
    ('{ kind = "uniform", low = 2, high = 1 }', "above high"),
    ('{ kind = "weibull", k = 1 }', "unknown distribution kind"),
    ('{ kind = "beta", alpha = 2 }', "missing ['beta']"),
    ('{ kind = "lognormal", median = 1.5, sigma = 0.3 }', "truncate"),
    ('{ kind = "uniform", low = 5, high = 12 }', "valid range"),
])
def test_a_bad_distribution_is_refused_naming_the_parameter(tmp_path, dist, why):
    path = _with_record(tmp_path, RECORD + f"distribution = {dist}")
    with pytest.raises((ParameterError, DistributionError)) as err:
        load_uncertainty(path)
    assert "feedback.hazard_multiplier" in str(err.value) and why in str(err.value)


def test_a_distribution_on_a_non_numeric_parameter_is_refused(tmp_path):
    line = next(x for x in DEFAULT_PARAMETERS.read_text(encoding="utf-8").splitlines()
                if x.startswith("mode = "))
    text = DEFAULT_PARAMETERS.read_text(encoding="utf-8").replace(
        line, 'mode = { value = "balance", unit = "-", status = "assumption", '
        'distribution = { kind = "uniform", low = 0, high = 1 } }', 1)
    path = tmp_path / "p.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ParameterError, match="demand.mode: a distribution needs a numeric"):
        load_parameters(path)


def test_a_record_without_status_or_with_an_unknown_key_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="needs a non-empty 'status'"):
        load_parameters(_with_record(tmp_path, 'value = 1.5\nunit = "x"'))
    with pytest.raises(ParameterError, match="did you mean 'unit'"):
        load_parameters(_with_record(tmp_path, RECORD + 'units = "x"'))


def test_an_overridden_value_is_fixed(tmp_path):
    path = _with_record(tmp_path, RECORD + 'distribution = { kind = "uniform", low = 1, high = 2 }')
    assert "feedback.hazard_multiplier" in load_uncertainty(path).names
    fixed = load_uncertainty(path, {"feedback.hazard_multiplier": 1.2})
    assert "feedback.hazard_multiplier" not in fixed.names
    assert len(fixed) == len(load_uncertainty(path)) - 1


def test_distribution_parser_directly():
    d = parse_distribution({"kind": "beta", "alpha": 2.0, "beta": 2.0}, "x")
    assert d.support == (0.0, 1.0) and abs(d.median - 0.5) < 1e-12
    with pytest.raises(DistributionError, match="x: a distribution is a table"):
        parse_distribution(3, "x")

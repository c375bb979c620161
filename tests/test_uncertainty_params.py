"""The shipped parameter file as data: every leaf a record, the uncertain ones with a
distribution centred on the value a fixed run uses (issue 15 item 1)."""
from __future__ import annotations

from typing import Any

import pytest

from sim.inputs.param_records import STATUSES, split_records
from sim.inputs.toml_file import read_toml
from sim.model.uncertainty import load_uncertainty
from sim.paths import DEFAULT_PARAMETERS, DEFAULT_TARGETS


def _leaves(node: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every leaf a file's sections hold (section sources aside)."""
    out = []
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if key == "source" and prefix:
            continue
        if isinstance(value, dict) and "value" not in value:
            out += _leaves(value, path)
        else:
            out.append(path)
    return out


def test_every_leaf_of_the_parameter_file_is_a_record_with_unit_status_and_source():
    raw, _ = read_toml(DEFAULT_PARAMETERS, "parameter file")
    _, records = split_records(raw)
    leaves = _leaves(raw)
    assert len(leaves) > 50
    assert sorted(leaves) == sorted(records)
    for rec in records.values():
        assert rec.unit.strip() and rec.source.strip() and rec.status in STATUSES, rec.path


def test_at_least_sixteen_parameters_are_uncertain_each_centred_on_its_value():
    u = load_uncertainty()
    assert len(u) >= 16
    for rec in u.parameters:
        lo, hi = rec.distribution.support
        centre = 1.0 if rec.varies == "multiplier" else rec.value
        assert lo < centre < hi, rec.path
        assert "Distribution" in rec.source, rec.path  # its range is justified in the source
        mode = dict(rec.distribution.params).get("mode", rec.distribution.median)
        assert mode == pytest.approx(centre, rel=1e-9), rec.path


def test_the_population_shaping_assumptions_are_records_and_the_dp_points_ratio_is_uncertain():
    from sim.inputs.synthetic import read_targets

    raw, _ = read_toml(DEFAULT_TARGETS, "synthetic targets file")
    _, records = read_targets()
    for section in ("points", "cost", "facs", "reviews"):
        assert sorted(_leaves(raw[section], section)) == sorted(
            p for p in records if p.startswith(section + ".")), section
    dp = records["points.pb_type_multiplier.direct_payment"]
    assert dp.status == "assumption" and dp.distribution is not None
    assert dp.distribution.support[0] < dp.value < dp.distribution.support[1]

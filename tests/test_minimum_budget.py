"""Nobody eligible is left on nothing: every shipped calibration has the study's floor and a
regression line never starts below zero."""
from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import ROOT

from sim.policy.calibration import make_calibration
from sim.study.montecarlo import RunSpec, build_model
from sim.study.study_file import load_study


@pytest.fixture(scope="module")
def every_calibration(tmp_path_factory):
    text = (ROOT / "scenarios" / "default.toml").read_text()
    text = re.sub(r'(?m)^calibrations = .*$', 'calibrations = "all"', text)
    text = text.replace('transitions = "all"', 'transitions = ["immediate", "phased"]')
    path = tmp_path_factory.mktemp("min") / "study.toml"
    path.write_text(text.replace('"../populations/', f'"{ROOT.as_posix()}/populations/')
                    .replace('= "parameters.toml"', f'= "{ROOT.as_posix()}/scenarios/parameters.toml"')
                    .replace('= "calibrations.toml"', f'= "{ROOT.as_posix()}/scenarios/calibrations.toml"')
                    .replace('= "transitions.toml"', f'= "{ROOT.as_posix()}/scenarios/transitions.toml"')
                    .replace('= "phased_variants.toml"',
                             f'= "{ROOT.as_posix()}/scenarios/phased_variants.toml"'))
    return load_study(path)


def test_no_one_in_the_community_is_on_nothing(every_calibration):
    st = every_calibration
    assert len(st.calibrations) >= 6
    spec = RunSpec(population=st.population, params=st.params, policies=st.policies,
                   calibrations=st.calibrations, n_months=st.n_months, go_live=st.go_live,
                   snapshots=st.snapshot_months, seed=3, reservoir_replicates=0)
    for r in (0, 1):
        m = build_model(spec, r).run()
        for month in st.snapshot_months:
            budget, in_res = m.snapshots[month]
            # in the community and eligible (the default study's FACS rule ends some budgets)
            here = m.world.present(month)[None, :] & ~in_res & ~m.ended
            zero = (budget == 0) & here
            assert not zero.any(), {p.name: int(z.sum()) for p, z in zip(st.policies, zero) if z.any()}


@pytest.mark.parametrize("form", ["linear", "median"])
def test_a_regression_line_never_starts_below_zero(population, form):
    m = make_calibration("regression", form=form, target="none")
    m.fit(population.ras_points, population.annual_budget)
    assert m.coef_[0] >= 0 and m.coef_[1] > 0
    assert (m.allocate(np.array([1.0, 5.0, 10.0])) > 0).all()

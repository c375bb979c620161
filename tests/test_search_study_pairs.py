"""A study may list explicit (calibration, transition) pairs instead of the cross product:
the options search writes its frontier that way, one transition per calibration."""
from __future__ import annotations

import pytest
from test_study import write

from sim.study.study_file import StudyError, load_study


def test_explicit_pairs_run_exactly_those_policies_after_the_status_quo(tmp_path):
    st = load_study(write(tmp_path, 'policies = [["percentile", "phased"], '
                          '["price_per_point", "immediate"], ["percentile", "phased"]]\n'))
    assert [p.name for p in st.policies] == ["status_quo", "status_quo_no_creep",
                                             "percentile+phased", "price_per_point+immediate"]
    assert set(st.calibrations) == {"percentile", "price_per_point"}
    assert set(st.transitions) == {"phased", "immediate"}


@pytest.mark.parametrize("extra, expected", [
    ('policies = [["percentil", "phased"]]\n', "no calibration named 'percentil'"),
    ('policies = [["percentile", "phase"]]\n', "did you mean 'phased'"),
    ('policies = [["percentile", "phased"]]\ncalibrations = ["percentile"]\n',
     "remove 'study.calibrations'"),
    ('policies = []\n', "study.policies"),
])
def test_bad_pairs_are_refused_naming_the_key(tmp_path, extra, expected):
    with pytest.raises(StudyError, match=expected):
        load_study(write(tmp_path, extra))

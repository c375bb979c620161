"""savings_split.csv and the report's sentence: a saving against doing nothing is avoided
creep (the status quo minus the status quo without creep) plus a real reduction (the
no-creep status quo minus the option), worked out by hand on the constructed results."""
from __future__ import annotations

import numpy as np
import pytest
from results_fixture import constructed

from sim.outputs.report.finance import split_sentence
from sim.outputs.savings_split import savings_split_table
from sim.outputs.settings import settings

YEAR = "2013/14"


def with_no_creep_status_quo():
    """The constructed results with their last policy turned into the no-creep status quo:
    community 995 in 2013/14 against the status quo's 1000, residential the same (50)."""
    res = constructed()
    res.policies[3].update(name="status_quo_no_creep", calibration="status_quo",
                           transition="none", is_baseline=True, counterfactual="no_creep")
    return res


def test_each_saving_is_avoided_creep_plus_real_reduction():
    res = with_no_creep_status_quo()
    t = savings_split_table(res).set_index(["policy", "financial_year"])
    assert set(t.index.get_level_values("policy")) == {"a+immediate", "a+phased"}
    imm = t.loc[("a+immediate", YEAR)]
    assert imm["avoided_creep_mean"] == pytest.approx(5.0)
    assert imm["savings_vs_status_quo_mean"] == pytest.approx(105.0)
    assert imm["real_reduction_mean"] == pytest.approx(100.0)       # 145, 45, 115, 95
    assert imm["avoided_creep_share"] == pytest.approx(5 / 105)
    assert imm["prob_real_reduction_meets_target"] == 0.5           # 145, 115 reach 100
    assert t.loc[("a+phased", YEAR), "real_reduction_mean"] == pytest.approx(15.0)
    np.testing.assert_allclose(t["avoided_creep_mean"] + t["real_reduction_mean"],
                               t["savings_vs_status_quo_mean"])
    words = split_sentence(res, settings(res), savings_split_table(res))
    assert words.startswith("In 2013/14, £5 of every option's saving against doing nothing is "
                            "creep avoided")
    assert ("a+phased saves £20 against doing nothing, £5 of it avoided creep and £15 a real "
            "reduction below current practice without creep") in words


def test_results_without_a_no_creep_status_quo_have_an_empty_split():
    assert savings_split_table(constructed()).empty

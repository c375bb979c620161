"""The EIA rating weighs how many people lose and the £ they lose as well as relative risk,
never offers as a mitigation an option with more people losing, and marks groups of a made-up
attribute 'synthetic: not evidence'."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from results_fixture import constructed

from sim.inputs.population import load_population
from sim.outputs.eia.doc import build
from sim.outputs.eia.rating import (
    ADVERSE,
    NEUTRAL,
    POSSIBLE,
    SYNTHETIC,
    load_rule,
    mitigation,
    rate,
    rated,
    worst,
)
from sim.outputs.write import result_tables


def test_a_relative_risk_resting_on_few_people_is_not_adverse():
    rule = load_rule()
    few = rule.min_people_losing / 2
    assert rate(3.0, 2.0, 4.0, rule, losers=few, share=0.01) == NEUTRAL
    assert rate(3.0, 2.0, 4.0, rule, losers=2 * rule.min_people_losing, share=0.01) == ADVERSE
    assert rate(3.0, 1.0, 4.0, rule, losers=2 * rule.min_people_losing, share=0.01) == POSSIBLE


def test_nobody_losing_is_neutral_not_unrated():
    """Under a cap nobody may lose more than the threshold: the relative risk is 0/0, and the
    impact is neutral (not 'not rated', which reads as missing evidence)."""
    rule = load_rule()
    assert rate(np.nan, np.nan, np.nan, rule, losers=0.0, share=0.0) == NEUTRAL
    assert rate(np.nan, np.nan, np.nan, rule, suppressed=True, losers=0.0) == "not rated"


def test_many_people_losing_is_adverse_whatever_the_relative_risk():
    """A group where one in ten or more see a cash cut over the threshold is adversely
    affected even if everyone else fares the same (relative risk 1)."""
    rule = load_rule()
    assert rate(1.0, 0.9, 1.1, rule, losers=100, share=rule.adverse_share) == ADVERSE
    assert rate(1.0, 0.9, 1.1, rule, losers=100, share=rule.adverse_share / 2) == NEUTRAL


def _rows(policy: str, rr: float, losers: float, everyone: float) -> list[dict]:
    common = {"policy": policy, "rr_lose10_lo": rr - 0.1, "rr_lose10_hi": rr + 0.1,
              "lost_gbp": 1000.0 * losers}
    return [{**common, "characteristic": "client_group", "group": "mental_health", "rr_lose10": rr,
             "people_lose10": losers},
            {**common, "characteristic": "all", "group": "all", "rr_lose10": np.nan,
             "people_lose10": everyone, "lost_gbp": 1000.0 * everyone}]


def test_a_mitigation_never_has_more_people_losing():
    """The comparator with the lowest relative risk has more people losing (as
    new_users_only once did: ~470 to ~700); the one offered lowers the risk without that."""
    table = pd.DataFrame(_rows("chosen", 2.0, 40, 470) + _rows("more_losers", 1.2, 60, 700)
                         + _rows("fewer_losers", 1.6, 30, 400))
    rows, everyone = table[table["characteristic"] != "all"], table[table["characteristic"] == "all"]
    savings = pd.Series({"chosen": 1e6, "more_losers": 5e5, "fewer_losers": 8e5})
    found = mitigation(rows, "mental_health", "chosen", ["more_losers", "fewer_losers"], savings,
                       everyone)
    assert found.startswith("fewer_losers lowers the relative risk from 2.00 to 1.60")
    assert "30 people of the group losing instead of 40" in found
    alone = mitigation(rows, "mental_health", "chosen", ["more_losers"], savings, everyone)
    assert alone is None


def test_the_shipped_population_says_ethnicity_is_made_up():
    pop = load_population(ROOT / "populations" / "bnes_2012_synthetic.csv")
    assert pop.synthetic_attributes == ("ethnicity",)


def test_groups_of_a_synthetic_attribute_are_marked_not_evidence():
    res = constructed()
    tables = result_tables(res)
    marked = rated(tables["winners_losers"], load_rule(), {"ethnicity"})
    eth = marked[marked["characteristic"] == "ethnicity"]
    assert len(eth) and (eth["rating"] == SYNTHETIC).all()
    assert worst(eth["rating"]) == SYNTHETIC
    assert SYNTHETIC not in set(marked[marked["characteristic"] != "ethnicity"]["rating"])
    res.meta["population"] = {"synthetic": True, "description": "made up",
                              "synthetic_attributes": ["ethnicity"]}
    doc = build(res, tables, {})
    text = "\n".join(p.text for p in doc.paragraphs)
    race = text[text.index("4.4 Race"):text.index("4.5 Protected characteristics")]
    assert f"Impact rating for a+phased: {SYNTHETIC}." in race
    assert "not evidence" in race


@pytest.mark.parametrize("char", ["age_band", "client_group", "sex"])
def test_real_attributes_are_still_rated(char):
    res = constructed()
    marked = rated(result_tables(res)["winners_losers"], load_rule(), {"ethnicity"})
    assert SYNTHETIC not in set(marked[marked["characteristic"] == char]["rating"])


def test_the_summary_never_names_a_made_up_group_as_most_over_represented():
    from sim.outputs.finance import target_table
    from sim.outputs.summary import summary_table

    res = constructed()
    tables = result_tables(res)
    assert "disability" in set(tables["summary"]["largest_rr_group"].str.split(":").str[0])
    res.meta["population"] = {"synthetic": True, "synthetic_attributes": ["client_group"]}
    summary = summary_table(res, target_table(res), tables["eia"])
    assert not summary["largest_rr_group"].fillna("").str.startswith("disability").any()


def test_the_rule_file_and_the_tallies_share_one_loss_threshold(tmp_path):
    import tomllib

    from sim.inputs.categories import LOSS_THRESHOLD
    from sim.outputs.eia.rating import RULE_FILE, RatingRuleError

    assert tomllib.loads(RULE_FILE.read_text("utf-8"))["loss_threshold"] == LOSS_THRESHOLD
    other = tmp_path / "rule.toml"
    other.write_text(RULE_FILE.read_text("utf-8").replace("loss_threshold = 0.10",
                                                          "loss_threshold = 0.15"), "utf-8")
    with pytest.raises(RatingRuleError, match="'loss_threshold' is 0.15"):
        load_rule(other)

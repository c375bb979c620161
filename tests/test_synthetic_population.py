"""The shipped synthetic population carries signal for the equalities analysis: ethnicity varies
with age as in the 2011 Census, and team effects can be told apart from client group."""
from __future__ import annotations

import numpy as np
import pandas as pd

from sim.inputs.categories import CLIENT_GROUP, ETHNICITY, OLDER_AGE
from sim.inputs.synthetic import check_targets, load_targets


def census_white_british_share(band: str) -> float:
    counts = load_targets()["ethnicity"][band]
    return counts["white_british"] / sum(counts.values())


def test_white_british_share_is_lower_under_65_than_at_65_and_over(population):
    wb = population.ethnicity == ETHNICITY.code_of("white_british")
    younger, older = wb[population.age < OLDER_AGE].mean(), wb[population.age >= OLDER_AGE].mean()
    assert older - younger > 0.04, (younger, older)
    # and each follows B&NES residents of that age (2011 Census DC2101EW), within sampling noise
    assert abs(younger - census_white_british_share("age_18_64")) < 0.03
    assert abs(older - census_white_british_share("age_65_plus")) < 0.02


def test_the_census_counts_show_the_age_gradient_they_are_meant_to():
    assert census_white_british_share("age_18_64") < census_white_british_share("age_65_plus") - 0.05


def test_every_client_group_is_served_by_several_teams(population):
    pairs = pd.crosstab(population.team, population.client_group)
    teams_per_group = (pairs > 0).sum(axis=0)
    groups_per_team = (pairs > 0).sum(axis=1)
    assert len(teams_per_group) == len(CLIENT_GROUP) and (teams_per_group >= 2).all()
    assert (groups_per_team > 1).sum() >= 2
    assert (groups_per_team == len(CLIENT_GROUP)).sum() >= 2   # locality teams serve everyone


def test_team_and_client_group_effects_are_separately_identifiable(population):
    """A model with a term for each team and each client group has full rank on this population:
    a team's effect is not just its client group's under another name."""
    teams = np.eye(len(population.teams))[population.team]
    groups = np.eye(len(CLIENT_GROUP))[population.client_group][:, 1:]  # one group as reference
    design = np.column_stack([teams, groups])
    assert np.linalg.matrix_rank(design) == design.shape[1]


def test_the_shipped_population_meets_every_target_including_the_census(population, params):
    rows = check_targets(population, facs_thresholds=params.need.facs_thresholds)
    assert all(r["ok"] for r in rows), [r for r in rows if not r["ok"]]
    assert sum(r["source"] == "ONS 2011 Census DC2101EW" for r in rows) == 2
    assert sum("4.8(2)" in r["source"] for r in rows) == 2      # the FACS rows, seed-cited

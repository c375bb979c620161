"""The one place for every category, band and label the project uses.

Population files, parameter files, the model and the reports all refer to these
codes; nothing else in the package spells a category out.  Codes are the values
written in files (snake_case); labels are what people read in reports.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Category:
    """An ordered set of codes with human labels; position = integer code in arrays."""

    name: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]

    def code_of(self, value: str) -> int:
        return self.codes.index(value)

    def label_of(self, code: str) -> str:
        return self.labels[self.codes.index(code)]

    def __len__(self) -> int:
        return len(self.codes)


SEX = Category("sex", ("female", "male"), ("Female", "Male"))

# Census-style broad groups (ONS 2011 England & Wales headings).
ETHNICITY = Category(
    "ethnicity",
    ("white_british", "white_other", "mixed", "asian", "black", "other"),
    (
        "White British",
        "White other",
        "Mixed or multiple",
        "Asian or Asian British",
        "Black or Black British",
        "Other ethnic group",
    ),
)

# Service user groups named in the March 2012 report (para 3.1).
CLIENT_GROUP = Category(
    "client_group",
    ("older_people", "physical_sensory", "mental_health", "learning_disability"),
    (
        "Older people",
        "Physical and sensory impairment",
        "Mental ill health",
        "Learning difficulties",
    ),
)

# Fair Access to Care Services bands, most to least severe.
FACS_BAND = Category(
    "facs_band",
    ("critical", "substantial", "moderate", "low"),
    ("Critical", "Substantial", "Moderate", "Low"),
)
# The bands B&NES funds (March 2012 report, 4.8(2)): its users are people its teams band so.
FUNDED_BANDS: tuple[str, ...] = ("critical", "substantial")

# Personal budget types (March 2012 report, para 4.2) plus pre-PB packages.
PB_TYPE = Category(
    "pb_type",
    ("commissioned", "direct_payment", "mixed", "old_style"),
    ("PB commissioned", "PB direct payment", "PB mixed", "Old-style package"),
)
OLD_STYLE = PB_TYPE.code_of("old_style")

# Age bands for hazards, choices and the EIA.  Lower edges; the last band is open.
AGE_BAND_EDGES: tuple[int, ...] = (18, 25, 35, 45, 55, 65, 75, 85)
AGE_BAND = Category(
    "age_band",
    ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"),
    ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85 and over"),
)
# "Younger" vs "older" adults in the seed's disparity finding: the usual 65 split.
OLDER_AGE = 65

MIN_AGE, MAX_AGE = 18, 120

# "Losing" in the EIA: a budget change below -LOSS_THRESHOLD (strictly; a cut of exactly 10%
# is not "more than 10%").  One threshold for the tallies (n_lose10), the tables (share_lose10,
# rr_lose10), the bands below, eia.docx and the rating rule; column names carry its percentage.
LOSS_THRESHOLD = 0.10
LOSS_NAME = f"lose{round(LOSS_THRESHOLD * 100)}"     # "lose10": share_lose10, rr_lose10, n_lose10

# Winners and losers: five bands of a person's % budget change (against the EIA's yardstick,
# sim.model.aggregates.YARDSTICKS).  Band i covers [edge i-1, edge i) of CHANGE_BAND_EDGES (open
# at both ends); each edge is an edge of the model's change histogram
# (sim.model.aggregates.PCT_EDGES), so the first band is exactly the people losing more than
# LOSS_THRESHOLD.
CHANGE_BAND_EDGES: tuple[float, ...] = (-LOSS_THRESHOLD, -0.05, 0.05, LOSS_THRESHOLD)
CHANGE_BAND = Category(
    "change_band",
    ("lose_over10", "lose_5to10", "within5", "gain_5to10", "gain_over10"),
    ("Lose more than 10%", "Lose 5-10%", "Within 5%", "Gain 5-10%", "Gain more than 10%"),
)

# Who the EIA covers: the go-live cohort (in the community at go-live) and new users (arriving
# after it), each compared with the status quo for the same person in the same world.
COHORT = Category("cohort", ("existing", "new"),
                  ("Existing users at go-live", "New users after go-live"))

# Deciles of the status-quo budget at go-live (new users: at their first assessment); the
# edges are each replicate's go-live cohort's, so the existing users split into tenths.
BUDGET_DECILE = Category("budget_decile", tuple(f"d{i}" for i in range(1, 11)),
                         ("Lowest 10% of budgets",
                          *(f"Budget decile {i}" for i in range(2, 10)),
                          "Highest 10% of budgets"))

# Characteristics reported in the Equalities Impact Assessment, in report order: the EIA
# columns, the per-person reservoir and the group tallies all follow it (team is an open
# label: its codes are the population's own team names).  Each is the person's at go-live
# (new users: at arrival); FACS band and budget decile are the status quo's then.
EIA_CHARACTERISTICS: tuple[str, ...] = (
    "cohort",
    "age_band",
    "client_group",
    "sex",
    "ethnicity",
    "pb_type",
    "team",
    "facs_band",
    "budget_decile",
)
PROTECTED = {"age_band": "age", "client_group": "disability", "sex": "sex", "ethnicity": "race"}
# What each characteristic is called in report titles.
TITLES = {"age_band": "Age band", "client_group": "Client group (disability)", "sex": "Sex",
          "ethnicity": "Ethnicity", "pb_type": "PB type", "team": "Team",
          "cohort": "Existing or new user", "facs_band": "FACS band at go-live",
          "budget_decile": "Status-quo budget at go-live (decile)"}

CATEGORIES: dict[str, Category] = {
    c.name: c for c in (SEX, ETHNICITY, CLIENT_GROUP, FACS_BAND, PB_TYPE, AGE_BAND, COHORT,
                        BUDGET_DECILE)
}


# Band of each whole year of age (edges are whole years, so flooring is exact).
_BAND_OF_YEAR = np.clip(np.searchsorted(np.asarray(AGE_BAND_EDGES), np.arange(MAX_AGE + 2),
                                        side="right") - 1, 0, len(AGE_BAND_EDGES) - 1).astype(np.int8)


def age_band_index(age: np.ndarray) -> np.ndarray:
    """Integer age band (0..7) for ages in years; ages under 18 fall in band 0."""
    years = np.clip(np.floor(np.asarray(age)), 0, MAX_AGE + 1).astype(np.intp)
    return _BAND_OF_YEAR[years]

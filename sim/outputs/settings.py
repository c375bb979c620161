"""The settings a results folder was run with, read from the metadata the study wrote.

The study file is their one home: the savings target and the first full year come
from the run itself (a folder without a target cannot be reported, rather than be
judged against a guessed one); report settings an older folder lacks take the study
file's own defaults.
"""
from __future__ import annotations

from dataclasses import dataclass

from sim.errors import InputError
from sim.inputs import calendar
from sim.study.results import StudyResults
from sim.study.finance_section import BASELINES, UPLIFTS, FinanceSection
from sim.study.study_file import ReportSection


class ResultsError(InputError):
    """A results folder whose metadata cannot be reported as it stands."""


@dataclass(frozen=True)
class Settings:
    """What the report needs to know about the study behind a results folder."""

    name: str
    target: float
    first_full_year: str
    suppress_below: float
    cost_neutral_tolerance: float
    seed: int | None
    finance_baseline: str = FinanceSection().baseline   # "base_budget" or "status_quo"
    base_budget_uplift: str = FinanceSection().uplift
    planned_demographic_growth: float = 0.0             # a year, in the base budget's uplift
    meets_chance: float = FinanceSection().meets_chance

    def meets(self, chance: float) -> bool:
        """Whether a chance of reaching the target counts as meeting it."""
        return bool(chance >= self.meets_chance)

    @property
    def meets_words(self) -> str:
        """The rule in words, e.g. 'in at least 9 futures in 10'."""
        share = self.meets_chance
        if share == 1:
            return "in every simulated future"
        if share == 0.5:
            return "in at least half of the simulated futures"
        if round(share * 10, 9).is_integer():
            return f"in at least {round(share * 10)} simulated futures in 10"
        return f"in at least {share:.0%} of the simulated futures"

    def baseline_words(self, base_year: str | None = None) -> str:
        """The finance baseline in words, e.g. 'against the base budget (2012/13 status-quo
        community spend, uplifted by prices)'."""
        if self.finance_baseline == "status_quo":
            return f"against {BASELINES['status_quo']}"
        year = base_year or "the year before the first full year"
        growth = (f" ({self.planned_demographic_growth:.1%} a year)"
                  if self.base_budget_uplift == "prices_and_demography" else "")
        return (f"against {BASELINES['base_budget']} ({year} status-quo community spend, "
                f"{UPLIFTS[self.base_budget_uplift]}{growth})")


def settings(results: StudyResults) -> Settings:
    """The study's settings from `results.meta["study"]`; raises ResultsError without a target."""
    given = {k: v for k, v in ((results.meta or {}).get("study") or {}).items() if v is not None}
    if "target" not in given:
        raise ResultsError("the results have no savings target (meta.study.target in "
                           "aggregates.json); rerun the study to report it")
    defaults = ReportSection()
    year = given.get("first_full_year")
    if year not in results.financial_years:
        year = calendar.first_full_year(list(results.month_fy), list(results.financial_years),
                                        results.go_live_month)
    return Settings(
        name=str(given.get("name", "study")), target=float(given["target"]), first_full_year=year,
        suppress_below=float(given.get("suppress_below", defaults.suppress_below)),
        cost_neutral_tolerance=float(given.get("cost_neutral_tolerance",
                                               defaults.cost_neutral_tolerance)),
        seed=given.get("seed"),
        **{k: given[k] for k in ("finance_baseline", "base_budget_uplift",
                                 "planned_demographic_growth", "meets_chance") if k in given},
    )

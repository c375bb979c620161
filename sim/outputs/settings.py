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


def settings(res: StudyResults) -> Settings:
    """The study's settings from `res.meta["study"]`; raises ResultsError without a target."""
    given = {k: v for k, v in ((res.meta or {}).get("study") or {}).items() if v is not None}
    if "target" not in given:
        raise ResultsError("the results have no savings target (meta.study.target in "
                           "aggregates.json); rerun the study to report it")
    defaults = ReportSection()
    year = given.get("first_full_year")
    if year not in res.financial_years:
        year = calendar.first_full_year(list(res.month_fy), list(res.financial_years),
                                        res.go_live_month)
    return Settings(
        name=str(given.get("name", "study")), target=float(given["target"]), first_full_year=year,
        suppress_below=float(given.get("suppress_below", defaults.suppress_below)),
        cost_neutral_tolerance=float(given.get("cost_neutral_tolerance",
                                               defaults.cost_neutral_tolerance)),
        seed=given.get("seed"),
    )

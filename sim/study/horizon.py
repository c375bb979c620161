"""The shortest horizon that still gives an analysis its figures.

A sensitivity analysis or an options search reads only the first full financial year (the
year savings are judged in) and the snapshot one year after go-live (the EIA): nothing later
changes those figures, so their many evaluations stop there, while a confirmation or a normal
run covers the study's whole horizon.
"""
from __future__ import annotations

import dataclasses

from sim.study.study_file import Study


def judged_horizon(study: Study, year: str | None = None) -> str:
    """The last month needed: the end of `year` (default the first full year) or of the first
    year after go-live, whichever is later."""
    year = study.first_full_year if year is None else year
    last = max(m for m, f in enumerate(study.month_fy) if study.financial_years[f] == year)
    return study.months[max(last, study.snapshot_months[0])]


def to_judged_year(study: Study, year: str | None = None) -> Study:
    """The study ending at its judged horizon (everything else unchanged)."""
    end = judged_horizon(study, year)
    return dataclasses.replace(study, spec=study.spec.model_copy(update={"horizon_end": end}))

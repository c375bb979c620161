"""Every output table as one entry: its name, how it is built, whether it is a CSV file, a
workbook sheet (with its line on the contents sheet) and a section of report.html, and the
headings of any columns of its own.  A new table is one entry here (and its builder).

Tables are built on demand and once (`Tables`): a table built from others (the summary from
the target and EIA tables) asks for them, and whoever reads the built tables afterwards (the
page, the EIA document, the terminal's headline) reads the same frames, never rebuilding one.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.outputs.activity import activity_table
from sim.outputs.charging import charging_table, eia_net_table
from sim.outputs.eligibility import eligibility_table
from sim.outputs.equalities import (
    admissions_table,
    disparity_table,
    eia_table,
    new_users_table,
    winners_losers_table,
)
from sim.outputs.finance import monthly_table, spend_table, target_table
from sim.outputs.provenance import assumptions_table, manifest_table, run_table
from sim.outputs.redistribution import redistribution_table, transitions_table
from sim.outputs.savings_split import savings_split_table
from sim.outputs.summary import summary_table
from sim.outputs.users import users_table
from sim.outputs.variants import variants_table
from sim.study.results import StudyResults


@dataclass(frozen=True)
class OutputTable:
    """One table of a results folder."""

    name: str                                   # name.csv, the sheet's name
    build: Callable[[Tables], pd.DataFrame]     # from the results (and tables built before)
    contents: str = ""                          # what the sheet holds (the contents sheet)
    csv: bool = True                            # written as name.csv
    sheet: bool = True                          # a sheet of results.xlsx (in registry order)
    report: bool = False                        # shown whole in report.html's further tables
    # (heading, kind) of columns sim.outputs.columns does not name (kinds as there)
    headings: Mapping[str, tuple[str, str]] = field(default_factory=dict)


TABLES: tuple[OutputTable, ...] = (
    OutputTable("summary", lambda t: summary_table(t.results, t["target"], t["eia"]),
                "One row per option: mean savings, chance of meeting the target, people losing "
                "more than 10%, the most affected group (first full year)"),
    OutputTable("spend", lambda t: spend_table(t.results),
                "Community and residential spend per option and financial year, 5/50/95%"),
    OutputTable("target", lambda t: target_table(t.results, t.events_only),
                "Savings against the target per option and financial year, with its chance, "
                "the cost of protection, care-home admissions and savings against the base "
                "budget"),
    OutputTable("savings_split", lambda t: savings_split_table(t.results),
                "Each option's saving against doing nothing split into avoided creep and real "
                "reduction"),
    OutputTable("variants", lambda t: variants_table(t.results, t["target"], t["eia"]),
                "The transition the study's variants vary beside each variant of its definition: "
                "savings, verdict and people losing more than 10%"),
    OutputTable("eia", lambda t: eia_table(t.results, "first_year"),
                "Equalities evidence one year after go-live: budget change and risk of losing "
                "by group, every option"),
    OutputTable("eia_horizon", lambda t: eia_table(t.results, "horizon"),
                "The same evidence at the end of the simulated years"),
    OutputTable("winners_losers", lambda t: winners_losers_table(t.results),
                "Each group split into five bands of budget change, with 95% intervals and "
                "relative risks"),
    OutputTable("new_users", lambda t: new_users_table(t.results),
                "People arriving after go-live: their budgets under each option against what "
                "current practice would give them, by group"),
    OutputTable("admissions_by_group", lambda t: admissions_table(t.results),
                "Admissions to residential care by group, status quo and option"),
    OutputTable("disparity", lambda t: disparity_table(t.results),
                "Younger/older allocation per RAS point before and after, every option"),
    OutputTable("activity", lambda t: activity_table(t.results),
                "Assessments, reviews, arrivals, deaths, exits and admissions a year"),
    OutputTable("users", lambda t: users_table(t.results),
                "People using services by month, client group and budget type"),
    OutputTable("redistribution", lambda t: redistribution_table(t.results),
                "Go-live redistribution per calibration, before any transition"),
    OutputTable("transitions", lambda t: transitions_table(t.results),
                "The transition scenarios' parameters (assumptions)"),
    OutputTable("charging", lambda t: charging_table(t.results),
                "Spend net of people's contributions, per option and financial year"),
    OutputTable("eia_net", lambda t: eia_net_table(t.results),
                "Change in net position (budget less contribution) by group and team"),
    OutputTable("spend_monthly", lambda t: monthly_table(t.results), sheet=False),
    OutputTable("eligibility", lambda t: eligibility_table(t.results), sheet=False),
    # provenance: what was run and on what evidence (sheets only; the folder has the files)
    OutputTable("assumptions", lambda t: assumptions_table(t.results),
                "Every parameter with its value, unit, status, source and distribution",
                csv=False),
    OutputTable("run", lambda t: run_table(t.results), "How the study was run", csv=False),
    OutputTable("manifest", lambda t: manifest_table(t.folder, t.results),
                "What was run, on what (files, seed, versions, times)", csv=False),
)


def entries() -> tuple[OutputTable, ...]:
    """The registered tables (read when asked, so a test may register one more)."""
    return TABLES


def headings() -> dict[str, tuple[str, str]]:
    """The column headings the registered tables bring beside them."""
    return {col: h for e in entries() for col, h in e.headings.items()}


class Tables(Mapping[str, pd.DataFrame]):
    """The registered tables of one set of results, each built when first asked for."""

    def __init__(self, results: StudyResults, events_only: StudyResults | None = None,
                 folder: Path | None = None) -> None:
        self.results, self.events_only, self.folder = results, events_only, folder
        self._entries = {e.name: e for e in entries()}
        self._built: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._built:
            if name not in self._entries:
                raise KeyError(name)
            self._built[name] = self._entries[name].build(self)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, name: str) -> OutputTable:
        return self._entries[name]

    def named(self, *, csv: bool | None = None, sheet: bool | None = None,
              report: bool | None = None) -> list[str]:
        """The names of the entries with these flags, in registry order."""
        return [n for n, e in self._entries.items()
                if (csv is None or e.csv == csv) and (sheet is None or e.sheet == sheet)
                and (report is None or e.report == report)]

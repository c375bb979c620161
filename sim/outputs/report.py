"""Everything readable in a results folder, written from its aggregates alone.

`write_outputs(folder)` reads aggregates.npz/aggregates.json and writes every CSV
table, then (unless report=False) the figures, results.xlsx, report.html and the EIA
evidence document eia.docx, so the outputs can be remade without rerunning the model
(`run-sim report DIR`).  Every
file is written to a temporary name and renamed into place.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.atomic import atomic_path
from sim.outputs.activity import activity_table
from sim.outputs.charging import charging_table, eia_net_table
from sim.outputs.eia_doc import write_eia_doc
from sim.outputs.eligibility import eligibility_table
from sim.outputs.equalities import (
    admissions_table,
    disparity_table,
    eia_table,
    new_users_table,
    winners_losers_table,
)
from sim.outputs.finance import monthly_table, spend_table, target_table
from sim.outputs.page import render
from sim.outputs.plots import save_all
from sim.outputs.provenance import assumptions_table, manifest_table, run_table
from sim.outputs.redistribution import redistribution_table, transitions_table
from sim.outputs.savings_split import savings_split_table
from sim.outputs.summary import summary_table
from sim.outputs.tables import write_csv, write_workbook
from sim.outputs.users import users_table
from sim.outputs.variants import variants_table
from sim.outputs.workbook_front import front, numbered
from sim.study.results import StudyResults

CSV_TABLES = ("spend", "spend_monthly", "target", "eia", "eia_horizon", "winners_losers",
              "new_users", "admissions_by_group", "disparity", "summary", "activity", "users",
              "redistribution", "transitions", "eligibility", "charging", "eia_net",
              "savings_split", "variants")
SHEETS = ("summary", "spend", "target", "savings_split", "variants", "eia", "eia_horizon",
          "winners_losers", "new_users",
          "admissions_by_group", "disparity", "activity", "users", "redistribution",
          "transitions", "charging", "eia_net")  # with provenance


def result_tables(res: StudyResults,
                  events_only: StudyResults | None = None) -> dict[str, pd.DataFrame]:
    """Every CSV table, by name (file = name + '.csv'); a probabilistic run's target table
    with its events-only companion beside it."""
    target = target_table(res, events_only)
    eia = eia_table(res, "first_year")
    return {
        "spend": spend_table(res), "spend_monthly": monthly_table(res), "target": target,
        "eia": eia, "eia_horizon": eia_table(res, "horizon"),
        "winners_losers": winners_losers_table(res), "new_users": new_users_table(res),
        "admissions_by_group": admissions_table(res),
        "disparity": disparity_table(res),
        "summary": summary_table(res, target, eia), "activity": activity_table(res),
        "users": users_table(res), "eligibility": eligibility_table(res),
        "redistribution": redistribution_table(res), "transitions": transitions_table(res),
        "charging": charging_table(res), "eia_net": eia_net_table(res),
        "savings_split": savings_split_table(res),
        "variants": variants_table(res, target, eia),
    }


def write_outputs(folder: str | Path, *, report: bool = True,
                  phase: Callable[[str], None] | None = None) -> list[Path]:
    """Write every CSV table and, with `report`, figures/, results.xlsx, report.html and
    eia.docx; `phase` (if given) is told when each phase starts.

    Returns the paths written.  Tables already in the folder are replaced: they are
    always recomputed from the aggregates.
    """
    tell = phase or (lambda _label: None)
    folder = Path(folder)
    tell("writing tables")
    res = StudyResults.load(folder)
    companion = folder / "events_only"
    tables = result_tables(res, StudyResults.load(companion) if companion.is_dir() else None)
    written = [write_csv(tables[name], folder / f"{name}.csv") for name in CSV_TABLES]
    if report:
        tell("building report (figures, results.xlsx, report.html, eia.docx)")
        written += _write_report(folder, res, tables)
    return written


def _write_report(folder: Path, res: StudyResults, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Figures, workbook, page and EIA document: the tables plus what was run and on what
    evidence."""
    sheets = {**{name: tables[name] for name in SHEETS}, "assumptions": assumptions_table(res),
              "run": run_table(res), "manifest": manifest_table(folder, res)}
    book = {name: numbered(res, df) for name, df in sheets.items()}
    figures = save_all(res, folder, eia=tables["eia"], disparity=tables["disparity"],
                       bands=tables["winners_losers"])
    workbook = write_workbook(book, folder / "results.xlsx", front(res))
    doc = write_eia_doc(res, tables, figures, folder / "eia.docx")
    page = folder / "report.html"    # last: its contents link the other outputs present
    with atomic_path(page) as tmp:
        tmp.write_text(render(res, sheets, figures, folder), encoding="utf-8")
    return [*figures, workbook, page, doc]

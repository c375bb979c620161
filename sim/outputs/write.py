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

from sim.atomic import atomic_path
from sim.outputs.eia.doc import write_eia_doc
from sim.outputs.plots import save_all
from sim.outputs.registry import Tables, headings
from sim.outputs.report.page import render
from sim.outputs.tables import write_csv
from sim.outputs.workbook.book import write_workbook
from sim.outputs.workbook.front import front, numbered
from sim.study.results import StudyResults


def result_tables(res: StudyResults, events_only: StudyResults | None = None,
                  folder: Path | None = None) -> Tables:
    """Every registered table, by name (built when first read); a probabilistic run's target
    table with its events-only companion beside it."""
    return Tables(res, events_only, folder)


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
    tables = result_tables(res, StudyResults.load(companion) if companion.is_dir() else None,
                           folder)
    written = [write_csv(tables[name], folder / f"{name}.csv") for name in tables.named(csv=True)]
    if report:
        tell("building report (figures, results.xlsx, report.html, eia.docx)")
        written += _write_report(folder, res, tables)
    return written


def _write_report(folder: Path, res: StudyResults, tables: Tables) -> list[Path]:
    """Figures, workbook, page and EIA document: the tables, what was run and on what
    evidence among them."""
    book = {name: numbered(res, tables[name]) for name in tables.named(sheet=True)}
    figures = save_all(res, folder, eia=tables["eia"], disparity=tables["disparity"],
                       bands=tables["winners_losers"])
    workbook = write_workbook(book, folder / "results.xlsx", front(res), headings())
    doc = write_eia_doc(res, tables, figures, folder / "eia.docx")
    page = folder / "report.html"    # last: its contents link the other outputs present
    with atomic_path(page) as tmp:
        tmp.write_text(render(res, tables, figures, folder), encoding="utf-8")
    return [*figures, workbook, page, doc]

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


def result_tables(results: StudyResults, events_only: StudyResults | None = None,
                  folder: Path | None = None) -> Tables:
    """Every registered table, by name (built when first read); a probabilistic run's target
    table with its events-only companion beside it."""
    return Tables(results, events_only, folder)


def folder_tables(folder: str | Path) -> Tables:
    """The registered tables of a results folder (each built when first read), its events-only
    companion's beside them when it has one."""
    folder = Path(folder)
    companion = folder / "events_only"
    return result_tables(StudyResults.load(folder),
                         StudyResults.load(companion) if companion.is_dir() else None, folder)


def write_outputs(folder: str | Path, *, report: bool = True,
                  phase: Callable[[str], None] | None = None,
                  tables: Tables | None = None) -> list[Path]:
    """Write every CSV table and, with `report`, figures/, results.xlsx, report.html and
    eia.docx; `phase` (if given) is told when each phase starts.  `tables`: the folder's
    (`folder_tables`), when the caller reads them afterwards (the terminal's headline), so
    none is built twice.

    Returns the paths written.  Tables already in the folder are replaced: they are
    always recomputed from the aggregates.
    """
    tell = phase or (lambda _label: None)
    folder = Path(folder)
    tell("writing tables")
    tables = folder_tables(folder) if tables is None else tables
    results = tables.results
    written = [write_csv(tables[name], folder / f"{name}.csv") for name in tables.named(csv=True)]
    if report:
        tell("building report (figures, results.xlsx, report.html, eia.docx)")
        written += _write_report(folder, results, tables)
    return written


def _write_report(folder: Path, results: StudyResults, tables: Tables) -> list[Path]:
    """Figures, workbook, page and EIA document: the tables, what was run and on what
    evidence among them."""
    book = {name: numbered(results, tables[name]) for name in tables.named(sheet=True)}
    figures = save_all(results, folder, eia=tables["eia"], disparity=tables["disparity"],
                       bands=tables["winners_losers"])
    workbook = write_workbook(book, folder / "results.xlsx", front(results), headings())
    doc = write_eia_doc(results, tables, figures, folder / "eia.docx")
    page = folder / "report.html"    # last: its contents link the other outputs present
    with atomic_path(page) as tmp:
        tmp.write_text(render(results, tables, figures, folder), encoding="utf-8")
    return [*figures, workbook, page, doc]

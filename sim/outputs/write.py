"""Everything readable in a results folder, written from its aggregates alone.

`write_outputs(folder)` reads aggregates.npz/aggregates.json and writes every CSV
table, then (unless report=False) the figures, results.xlsx, report.html and the EIA
evidence document eia.docx, so the outputs can be remade without rerunning the model
(`run-sim report DIR`).  Every
file is written to a temporary name and renamed into place.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sim.atomic import atomic_path
from sim.outputs.eia.doc import write_eia_doc
from sim.outputs.plots import save_all
from sim.outputs.registry import Tables, headings
from sim.outputs.report.page import render
from sim.outputs.tables import write_csv
from sim.outputs.workbook.book import write_workbook
from sim.outputs.workbook.front import front, numbered
from sim.study.results import StudyResults
from sim.study.workers import die_with_parent


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
    evidence among them.  The workbook (a few seconds for the default study) is written on
    the other core while the figures and document are drawn; the page comes last, as its
    contents link the other outputs present."""
    book = {name: numbered(results, tables[name]) for name in tables.named(sheet=True)}
    with _beside(write_workbook, book, folder / "results.xlsx", front(results),
                 headings()) as workbook:
        figures = save_all(results, folder, eia=tables["eia"], disparity=tables["disparity"],
                           bands=tables["winners_losers"])
        doc = write_eia_doc(results, tables, figures, folder / "eia.docx")
        written = workbook.result()
    page = folder / "report.html"
    with atomic_path(page) as tmp:
        tmp.write_text(render(results, tables, figures, folder), encoding="utf-8")
    return [*figures, written, page, doc]


@contextmanager
def _beside(fn: Callable[..., Path], *args: Any) -> Iterator[Future]:
    """fn(*args) in a process of its own (started fresh: a forked copy of this one would
    count its memory twice) while the caller goes on; here, in turn, on a single core."""
    if (os.cpu_count() or 1) < 2:
        done: Future = Future()
        done.set_result(fn(*args))
        yield done
        return
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        yield pool.submit(fn, *args)

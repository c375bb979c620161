"""results.xlsx: every table as a sheet people can work with, behind front sheets.

Labels come from input files (team and policy names, assumption sources), so text
that a spreadsheet would run as a formula is always stored as text (as in the CSV files,
sim.outputs.tables).  The file is written to a temporary name and renamed into place.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from sim.atomic import atomic_path
from sim.outputs.columns import EXCEL_FORMATS, heading, kind
from sim.outputs.tables import FORMULA_START, inert

EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_SHEET_NAME = 31


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars unwrapped, missing as empty, inf as text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else (float(value) if np.isfinite(value) else str(value))
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value[:EXCEL_MAX_CHARS]
    return str(value)[:EXCEL_MAX_CHARS]


@dataclass(frozen=True)
class Front:
    """A workbook's front sheets (as in ONS workbooks): the cover's title and rows, the
    numbered notes, and what each sheet holds (for the contents)."""

    title: str
    cover: list[tuple[str, str]]
    notes: list[str]
    descriptions: dict[str, str]


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, front: Front | None = None,
                   headings: Mapping[str, tuple[str, str]] | None = None) -> Path:
    """Every table as a sheet people can work with: readable headings (the CSV column names
    are on the 'columns' sheet), numbers stored as numbers in £, % or count formats, the
    header row frozen, filters on; text that looks like a formula is stored as text.  With
    `front`, a cover, a contents sheet linking every sheet, and notes come first; `headings`
    names columns sim.outputs.columns does not (heading, kind)."""
    wb = Workbook()
    wb.remove(wb.active)
    if front is not None:
        _front_sheets(wb, front, [*sheets, "columns"])
    for name, df in sheets.items():
        ws = wb.create_sheet(name[:EXCEL_MAX_SHEET_NAME])
        ws.append([_cell(heading(str(c), headings)) for c in df.columns])
        for row in df.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        _format_sheet(ws, df, headings)
    _columns_sheet(wb, sheets, headings)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _format_sheet(ws: Any, df: pd.DataFrame,
                  headings: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Number formats by column kind, bold wrapped headings, widths, frozen header, filters."""
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"      # a string, never a formula
                cell.quotePrefix = True   # and Excel shows it as typed text
    for i, col in enumerate(df.columns, start=1):
        letter = get_column_letter(i)
        number_format = EXCEL_FORMATS.get(kind(str(col), headings))
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if number_format and isinstance(cell.value, (int, float)) \
                    and not isinstance(cell.value, bool):
                cell.number_format = number_format
        longest = max([len(str(heading(str(col), headings)))] + [min(len(str(v)), 60) for v in
                                                        df[col].head(200)])
        ws.column_dimensions[letter].width = max(9, min(longest + 2, 62))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    if len(df.columns):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(len(df), 1) + 1}"


def _front_sheets(wb: Workbook, front: Front, names: list[str]) -> None:
    """cover, contents (a link to every sheet) and notes, each a plain two-column sheet."""
    cover = wb.create_sheet("cover")
    cover.append([front.title])
    cover["A1"].font = Font(bold=True, size=14)
    for label, text in front.cover:
        cover.append([_cell(inert(label)), _cell(inert(text))])
    cover.append(["Contents", "the 'contents' sheet links every sheet; notes are on 'notes'"])
    contents = wb.create_sheet("contents")
    contents.append(["sheet", "what it holds"])
    for name in ["notes", *names]:
        contents.append([name, front.descriptions.get(name, "numbered notes" if name == "notes"
                                                      else "")])
        link = contents.cell(row=contents.max_row, column=1)
        link.hyperlink = Hyperlink(ref=link.coordinate,
                                   location=f"'{name[:EXCEL_MAX_SHEET_NAME]}'!A1")
        link.style = "Hyperlink"
    notes = wb.create_sheet("notes")
    notes.append(["note", "text"])
    for n, text in enumerate(front.notes, start=1):
        notes.append([n, _cell(inert(text))])
    for ws, widths in ((cover, (20, 110)), (contents, (22, 100)), (notes, (8, 120))):
        for letter, width in zip("AB", widths):
            ws.column_dimensions[letter].width = width
        for row in ws.iter_rows(min_row=2):
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    for ws in (contents, notes):
        for cell in ws[1]:
            cell.font = Font(bold=True)


def _columns_sheet(wb: Workbook, sheets: dict[str, pd.DataFrame],
                   headings: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Which CSV column each heading is: to match the workbook with the CSV files."""
    ws = wb.create_sheet("columns")
    ws.append(["sheet", "heading", "column in the CSV file"])
    for name, df in sheets.items():
        for col in df.columns:
            ws.append([_cell(name), _cell(heading(str(col), headings)), _cell(str(col))])
    _format_sheet(ws, pd.DataFrame(columns=["sheet", "heading", "column"]))
    for letter, width in zip("ABC", (14, 40, 34)):
        ws.column_dimensions[letter].width = width

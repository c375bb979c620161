"""results.xlsx: every table as a sheet people can work with, behind front sheets.

Labels come from input files (team and policy names, assumption sources), so text
that a spreadsheet would run as a formula is always stored as text (as in the CSV files,
sim.outputs.tables).  The file is written to a temporary name and renamed into place.

Written with XlsxWriter, a row at a time (its constant-memory mode): several times faster than
building openpyxl's cell objects, and every value goes through a typed call (`write_string`,
`write_number`, `write_boolean`), so nothing is ever read as a formula or a URL.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from sim.atomic import atomic_path
from sim.outputs.columns import EXCEL_FORMATS, heading, kind
from sim.outputs.tables import FORMULA_START, inert

EXCEL_MAX_CHARS = 32_767
EXCEL_MAX_SHEET_NAME = 31
# A column width of n characters is n widths of a digit: 7 pixels in the default Calibri 11.
DIGIT_PIXELS = 7


def _cell(value: Any) -> Any:
    """A value a cell can store: numpy scalars unwrapped, missing as empty, inf as text."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else (float(value) if np.isfinite(value) else str(value))
    if value is None or value is pd.NA:
        return None
    return str(value)[:EXCEL_MAX_CHARS]     # str too: a subclass (numpy's) as plain text


@dataclass(frozen=True)
class Front:
    """A workbook's front sheets (as in ONS workbooks): the cover's title and rows, the
    numbered notes, and what each sheet holds (for the contents)."""

    title: str
    cover: list[tuple[str, str]]
    notes: list[str]
    descriptions: dict[str, str]


class _Styles:
    """The workbook's cell formats, each made once: a number format, a bold wrapped heading,
    and the quote prefix that shows formula-like text as typed text."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self._wb = wb
        self._made: dict[tuple[Any, ...], Format] = {}

    def get(self, **props: Any) -> Format | None:
        if not props:
            return None
        key = tuple(sorted(props.items()))
        if key not in self._made:
            self._made[key] = self._wb.add_format(props)
        return self._made[key]


HEADING = {"bold": True, "text_wrap": True, "valign": "top"}
WRAPPED = {"text_wrap": True, "valign": "top"}
# The contents' links in the Hyperlink cell style, looking as they always have (openpyxl's
# Hyperlink style: the theme's link colour, 12 point, not underlined); in this order, since
# `hyperlink` sets an underline that `underline` then takes off.
LINK = {"hyperlink": True, "underline": 0, "font_size": 12}


def _column(ws: Worksheet, styles: _Styles, col: int, values: list[Any], first_row: int = 1,
            number_format: str | None = None, **props: Any) -> None:
    """Writes a column of cells from `first_row` as _cell stores each value: a number in
    `number_format`, a bool, text (with the quote prefix when it starts like a formula),
    nothing for an empty value; every cell also styled by `props` (e.g. bold).  One loop with
    the common types first: most of a workbook's time is here."""
    plain = styles.get(**props)
    number = styles.get(**props, num_format=number_format) if number_format else plain
    quoted = styles.get(**props, quote_prefix=True)
    write_number, write_string = ws.write_number, ws.write_string
    for row, value in enumerate(values, start=first_row):
        of = type(value)
        if of is float:
            if value - value == 0.0:                  # finite (NaN and inf give NaN)
                write_number(row, col, value, number)
                continue
            value, of = (None, None) if math.isnan(value) else (str(value), str)
        elif of is not str and of is not int and of is not bool:
            value = _cell(value)
            of = type(value)
            if of is float:                           # _cell gives inf as text
                write_number(row, col, value, number)
                continue
        if of is str and value:
            value = value[:EXCEL_MAX_CHARS]
            write_string(row, col, value, quoted if value.startswith(FORMULA_START) else plain)
        elif of is int:
            write_number(row, col, value, number)
        elif of is bool:
            ws.write_boolean(row, col, value, plain)
        elif plain is not None:                       # empty ('' too), but styled
            ws.write_blank(row, col, None, plain)


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, front: Front | None = None,
                   headings: Mapping[str, tuple[str, str]] | None = None) -> Path:
    """Every table as a sheet people can work with: readable headings (the CSV column names
    are on the 'columns' sheet), numbers stored as numbers in £, % or count formats, the
    header row frozen, filters on; text that looks like a formula is stored as text.  With
    `front`, a cover, a contents sheet linking every sheet, and notes come first; `headings`
    names columns sim.outputs.columns does not (heading, kind)."""
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": False, "strings_to_numbers": False,
                                            "strings_to_formulas": False,
                                            "strings_to_urls": False})
        styles = _Styles(wb)       # nothing is written before close(): a failure leaves no file
        if front is not None:
            _front_sheets(wb, styles, front, [*sheets, "columns"])
        for name, df in sheets.items():
            _data_sheet(wb.add_worksheet(name[:EXCEL_MAX_SHEET_NAME]), styles, df, headings)
        _columns_sheet(wb, styles, sheets, headings)
        wb.close()
    return path


def _data_sheet(ws: Worksheet, styles: _Styles, df: pd.DataFrame,
                headings: Mapping[str, tuple[str, str]] | None = None) -> None:
    """A table: bold wrapped headings, numbers in their column's format, widths from the
    first 200 values, the header row and first column frozen, filters on."""
    names = [heading(str(c), headings) for c in df.columns]
    for col, (c, name) in enumerate(zip(df.columns, names)):
        _column(ws, styles, col, [name], 0, **HEADING)
        _column(ws, styles, col, df.iloc[:, col].tolist(), 1,
                EXCEL_FORMATS.get(kind(str(c), headings)))
        longest = max([len(str(name))] + [min(len(str(v)), 60) for v in df[c].head(200)])
        _width(ws, col, max(9, min(longest + 2, 62)))
    _frozen_and_filtered(ws, len(df.columns), len(df))


def _frozen_and_filtered(ws: Worksheet, n_columns: int, n_rows: int) -> None:
    ws.freeze_panes(1, 1)
    if n_columns:
        ws.autofilter(0, 0, max(n_rows, 1), n_columns - 1)


def _width(ws: Worksheet, col: int, characters: int) -> None:
    """A column `characters` digits wide (stored as that many characters, as Excel does)."""
    ws.set_column_pixels(col, col, characters * DIGIT_PIXELS)


def _front_sheets(wb: xlsxwriter.Workbook, styles: _Styles, front: Front,
                  names: list[str]) -> None:
    """cover, contents (a link to every sheet) and notes, each a plain two-column sheet."""
    cover = wb.add_worksheet("cover")
    _column(cover, styles, 0, [front.title], 0, bold=True, size=14)
    rows = [(_cell(inert(label)), _cell(inert(text))) for label, text in front.cover]
    rows.append(("Contents", "the 'contents' sheet links every sheet; notes are on 'notes'"))
    _pairs(cover, styles, None, rows, (20, 110))
    contents = wb.add_worksheet("contents")
    links = ["notes", *names]
    _pairs(contents, styles, ("sheet", "what it holds"),
           [(name, front.descriptions.get(name, "numbered notes" if name == "notes" else ""))
            for name in links], (22, 100), linked=True)
    notes = wb.add_worksheet("notes")
    _pairs(notes, styles, ("note", "text"),
           [(n, _cell(inert(text))) for n, text in enumerate(front.notes, start=1)], (8, 120))


def _pairs(ws: Worksheet, styles: _Styles, header: tuple[str, str] | None,
           rows: list[tuple[Any, Any]], widths: tuple[int, int], linked: bool = False) -> None:
    """Rows of (label, text) below row 1 (a bold `header`, or the cover's title): the text
    wrapped; with `linked`, each label a link to the sheet of that name."""
    if header is not None:
        for col, name in enumerate(header):
            _column(ws, styles, col, [name], 0, bold=True)
    labels, texts = [label for label, _ in rows], [text for _, text in rows]
    if linked:
        link = styles.get(**LINK)
        for row, name in enumerate(labels, start=1):
            ws.write_url(row, 0, f"internal:'{name[:EXCEL_MAX_SHEET_NAME]}'!A1", link,
                         string=name)
    else:
        _column(ws, styles, 0, labels)
    _column(ws, styles, 1, texts, **WRAPPED)
    for col, width in enumerate(widths):
        _width(ws, col, width)


def _columns_sheet(wb: xlsxwriter.Workbook, styles: _Styles, sheets: dict[str, pd.DataFrame],
                   headings: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Which CSV column each heading is: to match the workbook with the CSV files."""
    ws = wb.add_worksheet("columns")
    rows = [(name, heading(str(c), headings), str(c))
            for name, df in sheets.items() for c in df.columns]
    for col, (title, width) in enumerate(zip(["sheet", "heading", "column in the CSV file"],
                                             (14, 40, 34))):
        _column(ws, styles, col, [title], 0, **HEADING)
        _column(ws, styles, col, [row[col] for row in rows])
        _width(ws, col, width)
    _frozen_and_filtered(ws, 3, 0)

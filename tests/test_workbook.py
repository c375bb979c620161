"""results.xlsx as a finance officer opens it: readable headings, numbers stored as numbers in
£, % and count formats, header frozen, filters on, the manifest complete, no formula."""
from __future__ import annotations

import re
import shutil
import zipfile

import built_report
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from openpyxl import load_workbook
from results_fixture import TEAMS
from xlsxwriter.exceptions import InvalidWorksheetName

from sim.outputs import write
from sim.outputs.columns import COLUMNS, COUNT, EXCEL_FORMATS, GBP, PCT, TEXT, heading
from sim.outputs.workbook.book import Front, write_workbook

SHEETS = ("cover", "contents", "notes", "summary", "spend", "target", "savings_split",
          "variants", "eia", "eia_horizon", "winners_losers", "new_users",
          "admissions_by_group", "disparity", "activity", "users", "redistribution", "transitions",
          "charging", "eia_net", "assumptions", "run", "manifest", "columns")


@pytest.fixture(scope="module")
def workbook():
    return built_report.built()[0] / "results.xlsx"


def _column(ws, title: str) -> list:
    return [c.value for c in _column_cells(ws, title)]


def test_every_sheet_is_there(workbook):
    assert tuple(load_workbook(workbook).sheetnames) == SHEETS


def test_headings_are_readable_and_the_columns_sheet_maps_them_to_the_csv(workbook):
    wb = load_workbook(workbook)
    heads = [c.value for c in wb["target"][1]]
    assert "chance of meeting target" in heads and "prob_meet_target" not in heads
    mapping = {(r[0], r[1]): r[2] for r in wb["columns"].iter_rows(min_row=2, values_only=True)}
    assert mapping[("target", "chance of meeting target")] == "prob_meet_target"
    assert mapping[("eia", "group code")] == "group"


@pytest.mark.parametrize("sheet, column, fmt", [
    ("summary", "chance of meeting target", "0.0%"),
    ("summary", "mean savings", "£#,##0;-£#,##0"),
    ("eia", "people", "#,##0"),
    ("eia", "relative risk of losing >10% of own budget (cash)", "0.00"),
    ("winners_losers", "lose more than 10%", "0.0%"),
    ("spend", "total spend, median", "£#,##0;-£#,##0"),
    ("spend", "community spend, mean", "£#,##0;-£#,##0"),
    ("target", "savings against the base budget, mean", "£#,##0;-£#,##0"),
])
def test_numbers_are_numbers_in_their_format(workbook, sheet, column, fmt):
    ws = load_workbook(workbook)[sheet]
    cells = [c for c in _column_cells(ws, column) if c.value is not None]
    assert cells and all(isinstance(c.value, (int, float)) for c in cells)
    assert {c.number_format for c in cells} == {fmt}


def _column_cells(ws, title: str) -> list:
    col = [c.value for c in ws[1]].index(title) + 1
    return [row[0] for row in ws.iter_rows(min_row=2, min_col=col, max_col=col)]


def test_no_number_is_stored_as_text(workbook):
    wb = load_workbook(workbook)
    numeric = {heading(c) for c, (_h, kind) in COLUMNS.items() if kind != "text"}
    for ws in wb:
        for cell in ws[1]:
            if cell.value in numeric:
                values = _column(ws, cell.value)
                assert not [v for v in values if isinstance(v, str) and v not in ("inf", "-inf")], \
                    (ws.title, cell.value)


def test_header_rows_are_frozen_and_filtered(workbook):
    for ws in load_workbook(workbook):
        if ws.title in ("cover", "contents", "notes"):     # front sheets: text to read
            continue
        assert ws.freeze_panes == "B2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert all(c.font.bold for c in ws[1] if c.value)


def test_the_manifest_sheet_is_complete(workbook):
    rows = dict(load_workbook(workbook)["manifest"].iter_rows(min_row=2, values_only=True))
    assert rows["finished"] == "2026-01-02T03:04:05+00:00" and rows["started"]
    assert rows["seed"] == 7 and rows["runs"] == 4                 # numbers, not text
    assert rows["study file"] == "x.toml"                          # no local path


def test_labels_that_look_like_formulas_stay_text(workbook):
    wb = load_workbook(workbook)
    assert TEAMS[0] in _column(wb["eia"], "group code")
    assert "=SUM(1,2)+b" in _column(wb["summary"], "option")
    risky = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= {TEAMS[0], "=SUM(1,2)+b", "=cmd|' /C calc'!A0"}
    assert all(c.data_type != "f" for c in risky)
    with zipfile.ZipFile(workbook) as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("xl/worksheets/"))


KEY_VALUE = ("cover", "contents", "notes", "run", "manifest", "columns")


def test_cover_contents_and_notes_come_first_and_the_contents_link_every_sheet(workbook):
    wb = load_workbook(workbook)
    cover = {r[0]: r[1] for r in wb["cover"].iter_rows(min_row=2, values_only=True)}
    assert cover["Study"] == "<i>t</i>"
    assert cover["Read first"].startswith("Synthetic population")
    links = {c.value: c.hyperlink.location for (c,) in
             wb["contents"].iter_rows(min_row=2, max_col=1)}
    assert set(links) == set(SHEETS) - {"cover", "contents"}
    assert all(loc == f"'{name}'!A1" for name, loc in links.items())
    assert all(d for (d,) in wb["contents"].iter_rows(min_row=2, min_col=2, values_only=True))
    notes = [t for _, t in wb["notes"].iter_rows(min_row=2, values_only=True)]
    assert any(t.startswith("Signs: savings are") for t in notes)
    assert any("Resource Allocation System" in t for t in notes)


def test_every_count_and_money_column_is_formatted(workbook):
    wb = load_workbook(workbook)
    bare = set()
    for ws in wb:
        if ws.title in KEY_VALUE:
            continue
        heads = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for head, c in zip(heads, row):
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) \
                        and c.number_format == "General" and head != "no.":
                    bare.add((ws.title, head))
    assert bare == set()


def test_options_are_numbered_as_in_the_report(workbook):
    wb = load_workbook(workbook)
    page = (built_report.built()[0] / "report.html").read_text(encoding="utf-8")
    for sheet in ("summary", "target", "eia"):
        rows = list(wb[sheet].iter_rows(values_only=True))
        assert rows[0][:2] == ("no.", "option")
        for number, option in {(r[0], r[1]) for r in rows[1:]}:
            if number is None:
                assert option == "status_quo"
            else:
                assert f"{number}. {option}" in page


def test_the_readme_lists_the_workbook_sheets_as_they_are(workbook):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"`results\.xlsx` \(sheets ([^;)]+)", readme).group(1)
    names = [n.strip(" `") for n in re.split(r",|\band\b", listed) if n.strip(" `")]
    assert tuple(names) == tuple(load_workbook(workbook).sheetnames)


# What a reader sees of sheets written directly: every kind of value a table may hold.
LONG_NAME = "a sheet whose name is longer than thirty-one characters"
TYPED_HEADS = {"label": ("label", TEXT), "cost": ("cost", GBP), "share": ("share", PCT),
               "people": ("people", COUNT), "flag": ("flag", TEXT),
               "minus": ("-minus heading", TEXT)}
GBP_FMT, PCT_FMT, COUNT_FMT = EXCEL_FORMATS[GBP], EXCEL_FORMATS[PCT], EXCEL_FORMATS[COUNT]
# Per row: (label, cost, share, people, flag) as written, then what openpyxl reads back as
# (value, data type, number format, quote prefix) for the label, cost and share cells.
TYPED_ROWS = [
    (("=1+1", 1.5, np.float64(0.25), 1, True),
     [("=1+1", "s", "General", True), (1.5, "n", GBP_FMT, False), (0.25, "n", PCT_FMT, False)]),
    (("+x", -2.25, np.int64(3), 2, np.bool_(False)),
     [("+x", "s", "General", True), (-2.25, "n", GBP_FMT, False), (3, "n", PCT_FMT, False)]),
    (("-y", np.nan, np.float32(0.5), 3, True),
     [("-y", "s", "General", True), (None, "n", "General", False),
      (0.5, "n", PCT_FMT, False)]),
    (("@z", np.inf, pd.NA, 4, False),
     [("@z", "s", "General", True), ("inf", "s", "General", False),
      (None, "n", "General", False)]),
    (("plain", -np.inf, None, 5, True),
     [("plain", "s", "General", False), ("-inf", "s", "General", True),
      (None, "n", "General", False)]),
    (("x" * 40_000, 0.0, True, 6, False),
     [("x" * 32_767, "s", "General", False), (0, "n", GBP_FMT, False),
      (True, "b", "General", False)]),
    ((None, 1e9, "n/a", 7, True),
     [(None, "n", "General", False), (1e9, "n", GBP_FMT, False),
      ("n/a", "s", "General", False)]),
    ((pd.NA, 7.0, np.bool_(True), 8, False),
     [(None, "n", "General", False), (7, "n", GBP_FMT, False),
      (True, "b", "General", False)]),
]


@pytest.fixture(scope="module")
def typed_book(tmp_path_factory):
    rows = [written for written, _ in TYPED_ROWS]
    table = pd.DataFrame({
        "label": pd.Series([r[0] for r in rows], dtype=object),
        "cost": np.array([r[1] for r in rows], dtype=float),
        "share": pd.Series([r[2] for r in rows], dtype=object),
        "people": np.array([r[3] for r in rows], dtype=np.int64),
        "flag": np.array([bool(r[4]) for r in rows])})
    empty = pd.DataFrame({"minus": pd.Series([], dtype=object), "people": []})
    cover = Front(title="Typed values", cover=[("Study", "=evil()"), ("Note", "plain")],
                  notes=["-first note"], descriptions={LONG_NAME: "every kind of value"})
    path = tmp_path_factory.mktemp("typed") / "results.xlsx"
    write_workbook({LONG_NAME: table, "empty": empty}, path, cover, TYPED_HEADS)
    return path


def _widths(ws) -> dict[int, float]:
    """Each column's width as Excel reads it (a <col> range gives all its columns one)."""
    return {i: d.width for d in ws.column_dimensions.values() if d.customWidth
            for i in range(d.min, d.max + 1)}


def test_every_kind_of_value_reads_back_with_its_type_format_and_quote_prefix(typed_book):
    """Numbers as numbers in their column's format (numpy's too), bools as bools, NaN, None
    and pd.NA empty, inf as text, text cut at Excel's 32,767 characters, and text starting
    like a formula ('=', '+', '-', '@') a string shown as typed, never a formula."""
    wb = load_workbook(typed_book)
    ws = wb[LONG_NAME[:31]]
    assert [c.value for c in ws[1]] == ["label", "cost", "share", "people", "flag"]
    for r, (written, expected) in enumerate(TYPED_ROWS, start=2):
        got = [(c.value, c.data_type if c.value is not None else "n", c.number_format,
                bool(c.quotePrefix)) for c in ws[r][:3]]
        assert got == expected, (r, written[:3])
        people, flag = ws[r][3], ws[r][4]
        assert (people.value, people.data_type, people.number_format) == \
            (written[3], "n", COUNT_FMT)
        assert (flag.value, flag.data_type, flag.number_format) == \
            (bool(written[4]), "b", "General")
    with zipfile.ZipFile(typed_book) as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("xl/worksheets/"))


def test_headers_are_bold_wrapped_frozen_and_filtered_with_widths_from_the_values(typed_book):
    wb = load_workbook(typed_book)
    assert wb.sheetnames == ["cover", "contents", "notes", LONG_NAME[:31], "empty", "columns"]
    for name, ref in ((LONG_NAME[:31], "A1:E9"), ("empty", "A1:B2"), ("columns", "A1:C2")):
        ws = wb[name]
        assert ws.freeze_panes == "B2" and ws.auto_filter.ref == ref, name
        assert all(c.font.bold and c.alignment.wrap_text and c.alignment.vertical == "top"
                   for c in ws[1]), name
    minus = wb["empty"]["A1"]
    assert (minus.value, minus.data_type, minus.quotePrefix) == ("-minus heading", "s", True)
    # label: cut at 60 characters + 2; cost: len('1000000000.0') + 2; the rest at least 9
    assert _widths(wb[LONG_NAME[:31]]) == {1: 62, 2: 14, 3: 9, 4: 9, 5: 9}
    assert _widths(wb["empty"]) == {1: 16, 2: 9}
    assert _widths(wb["columns"]) == {1: 14, 2: 40, 3: 34}
    assert _widths(wb["cover"]) == {1: 20, 2: 110}


def test_front_sheets_link_every_sheet_and_keep_labels_inert(typed_book):
    wb = load_workbook(typed_book)
    title = wb["cover"]["A1"]
    assert (title.value, title.font.bold, title.font.sz) == ("Typed values", True, 14)
    cover = {r[0]: r[1] for r in wb["cover"].iter_rows(min_row=2, values_only=True)}
    assert cover["Study"] == "'=evil()" and cover["Note"] == "plain"
    links = [(c.value, c.hyperlink.location, d.value)
             for c, d in wb["contents"].iter_rows(min_row=2)]
    assert links == [("notes", "'notes'!A1", "numbered notes"),   # no description: empty
                     (LONG_NAME, f"'{LONG_NAME[:31]}'!A1", "every kind of value"),
                     ("empty", "'empty'!A1", None), ("columns", "'columns'!A1", None)]
    assert all(c.style == "Hyperlink" and c.font.color.theme == 10
               for (c,) in wb["contents"].iter_rows(min_row=2, max_col=1))
    assert [c.value for c in wb["contents"][1]] == ["sheet", "what it holds"]
    assert all(c.font.bold for c in wb["contents"][1])
    assert list(wb["notes"].iter_rows(min_row=2, values_only=True)) == [(1, "'-first note")]
    mapping = list(wb["columns"].iter_rows(min_row=2, values_only=True))
    assert mapping[:2] == [(LONG_NAME, "label", "label"), (LONG_NAME, "cost", "cost")]
    assert (wb["columns"]["B7"].value, wb["columns"]["B7"].quotePrefix) == \
        ("-minus heading", True)


def test_a_failed_write_leaves_no_file(tmp_path):
    """A sheet Excel cannot name stops the write before anything is on disk."""
    with pytest.raises(InvalidWorksheetName):
        write_workbook({"bad[name]": pd.DataFrame({"a": [1]})}, tmp_path / "results.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_the_workbook_written_beside_the_figures_is_the_one_written_in_turn(tmp_path,
                                                                            monkeypatch):
    """On two cores results.xlsx is written by a process of its own while the figures are
    drawn; on one, in turn: the same sheets, cell for cell (the parts apart from the file's
    creation time), and report.html links it either way."""
    folder, _ = built_report.built()
    single = tmp_path / "single"
    shutil.copytree(folder, single)
    (single / "results.xlsx").unlink()
    monkeypatch.setattr(write.os, "cpu_count", lambda: 1)
    write.write_outputs(single)
    beside = zipfile.ZipFile(folder / "results.xlsx")
    alone = zipfile.ZipFile(single / "results.xlsx")
    assert sorted(beside.namelist()) == sorted(alone.namelist())
    assert {n for n in beside.namelist() if beside.read(n) != alone.read(n)} <= {
        "docProps/core.xml"}
    assert "href='results.xlsx'" in (single / "report.html").read_text(encoding="utf-8")

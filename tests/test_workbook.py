"""results.xlsx as a finance officer opens it: readable headings, numbers stored as numbers in
£, % and count formats, header frozen, filters on, the manifest complete, no formula."""
from __future__ import annotations

import re
import zipfile

import built_report
import pytest
from conftest import ROOT
from openpyxl import load_workbook
from results_fixture import TEAMS

from sim.outputs.columns import COLUMNS, heading

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

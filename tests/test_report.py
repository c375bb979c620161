"""The report from a hand-built results folder: complete, readable, and safe to open."""
from __future__ import annotations

import html
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook
from results_fixture import POLICIES, TEAMS, constructed

from sim.outputs.plots import pounds, save_all
from sim.outputs.report import build_report

FIGURES = ("spend_fan.png", "savings_distribution.png", "policy_map.png", "change_by_group.png",
           "winners_losers.png", "disparity.png")
SHEETS = ("summary", "spend", "target", "eia", "eia_horizon", "disparity", "assumptions")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    constructed(with_persons=True).save(folder)
    (folder / "manifest.json").write_text('{"seed": 7, "note": "<i>run</i>"}', encoding="utf-8")
    return folder, build_report(folder)


def test_every_output_is_written_and_no_temporary_file_is_left(built):
    folder, paths = built
    names = {p.name for p in paths}
    assert {"report.html", "results.xlsx", "target.csv", "eia.csv", "eia_horizon.csv",
            "disparity.csv", "spend.csv", "spend_monthly.csv", *FIGURES} <= names
    assert all(p.exists() for p in paths)
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    eia = pd.read_csv(folder / "eia.csv")
    assert set(eia["snapshot"]) == {"first_year"} and eia["suppressed"].any()


def test_report_leads_with_the_summary_and_names_every_policy(built):
    page = (built[0] / "report.html").read_text(encoding="utf-8")
    order = [page.index(h) for h in ("<h2>Summary", "<h2>Finance", "<h2>Equalities", "<h2>Method")]
    assert order == sorted(order)
    summary = page[order[0]:order[1]]
    for pol in POLICIES[1:]:
        assert html.escape(pol["name"]) in summary
    assert "disability: Learning difficulties" in summary and "75%" in summary
    method = page[order[3]:]
    for text in ("death", "life tables", "seed", "<td>4</td>", "&lt;i&gt;run&lt;/i&gt;"):
        assert text in method
    assert page.count("data:image/png;base64,") == len(FIGURES)


def test_input_labels_are_inert_in_html(built):
    page = (built[0] / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<i>" not in page
    assert "http://x" not in page.replace(html.escape(TEAMS[0]), "")  # only as escaped text
    assert 'src="http' not in page and "<link" not in page


def test_workbook_has_every_table_and_no_formula(built):
    folder = built[0]
    sheets = pd.read_excel(folder / "results.xlsx", sheet_name=None)
    assert set(SHEETS) | {"manifest"} <= set(sheets)
    assert TEAMS[0] in set(sheets["eia"]["group"])
    assert "=SUM(1,2)+b" in set(sheets["summary"]["policy"])
    wb = load_workbook(folder / "results.xlsx")
    risky = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))]
    assert {c.value for c in risky} >= {TEAMS[0], "=SUM(1,2)+b", "=cmd|' /C calc'!A0"}
    assert all(c.data_type != "f" for c in risky)
    with zipfile.ZipFile(folder / "results.xlsx") as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist()
                       if n.startswith("xl/worksheets/"))


def test_existing_spend_csv_is_kept_and_persons_are_optional(tmp_path):
    res = constructed()
    res.meta.pop("assumptions")
    res.save(tmp_path)
    (tmp_path / "spend.csv").write_text("kept\n", encoding="utf-8")
    paths = build_report(tmp_path)
    assert (tmp_path / "spend.csv").read_text(encoding="utf-8") == "kept\n"
    assert "spend.csv" not in {p.name for p in paths}
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "&lt;i&gt;abc&lt;/i&gt;" in page  # manifest stored with the results, escaped
    assert "spend" in pd.read_excel(tmp_path / "results.xlsx", sheet_name=None)


def test_save_all_on_its_own(tmp_path):
    paths = save_all(constructed(), tmp_path)
    assert [p.name for p in paths] == list(FIGURES)
    assert all(p.stat().st_size > 1000 for p in paths)


def test_pounds():
    assert [pounds(x) for x in (776_000, 1_050_000, -4e6, 12, float("nan"))] == \
        ["£776k", "£1.05m", "-£4m", "£12", "–"]


def test_csv_labels_cannot_become_formulas(built):
    """Team and policy names come from input files; in CSV they open as text, not formulas."""
    import csv

    folder = built[0]
    summary = pd.read_csv(folder / "summary.csv")
    assert "'=SUM(1,2)+b" in set(summary["policy"])
    for name in ("summary.csv", "eia.csv", "target.csv", "spend.csv"):
        with open(folder / name, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for value in row:
                    if value.startswith(("=", "+", "@")) or (value.startswith("-") and not
                                                             _is_number(value)):
                        raise AssertionError(f"{name}: {value!r} would run as a formula")


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
